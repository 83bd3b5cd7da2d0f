"""The region's state file is written while courts are still being built in other threads (Region.up saves after
each court): a court's record that changes size during the write must not fail the region's start."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "sim"))

from sippsim.simregion import Region  # noqa: E402


class GrowsOnce(dict):
    """A court's record to which another thread adds a key in the middle of the first write."""

    grown = False

    def items(self):
        for n, item in enumerate(super().items()):
            if n == 0 and not GrowsOnce.grown:
                GrowsOnce.grown = True
                self["last_sync"] = "2026-12-07 10:00:00"
            yield item


def test_a_court_record_that_grows_during_the_write_is_written_on_the_next_try(tmp_path):
    reg = Region(tmp_path)
    reg.data = {"mode": "local", "courts": [GrowsOnce(id="pn_bandung", version="5.1.0")]}
    reg.save()
    assert GrowsOnce.grown
    saved = json.loads(reg.path.read_text())
    assert saved["courts"][0] == {"id": "pn_bandung", "version": "5.1.0", "last_sync": "2026-12-07 10:00:00"}
