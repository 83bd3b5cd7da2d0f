"""Each court its own way through the SOP (the courts' play runs with the free strategy) and the run's offline slots:
with one slot, the courts of a region are never offline at the same time; each waits for its slot online; while
offline, users see the upgrade's one message (never the backup's); every court ends upgraded, nothing lost, and the
run's slots are gone from the controller."""
import os
import shutil
import tempfile
import threading
import time

import pytest

from campaign import GOOD, PLAYBOOK, assert_kept, changed_tables, lock_of, write_vars
from sipptest import build_packages, fingerprints, run_playbook, start_region, task_results, upgrade_results
from sippsim.court import http_get

SLOT_TASK = "Tunggu giliran offline (SIPP tetap online selama menunggu)"
BACKUP_MESSAGE = "pencadangan data SIPP sedang berjalan"


class Pages(threading.Thread):
    """Every court's login page, asked every 0.2 s while the run goes: (time, status, body) per court."""

    def __init__(self, courts):
        super().__init__(daemon=True)
        self.courts = courts
        self.seen = {c.info["id"]: [] for c in courts}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for c in self.courts:
                status, body = http_get(c.url, timeout=5)
                self.seen[c.info["id"]].append((time.time(), status, body))
            self.stop.wait(0.2)

    def window(self, court):
        """(first answer that was not 200, last answer that was not 200)."""
        bad = [t for t, s, _b in self.seen[court] if s != 200]
        return (bad[0], bad[-1]) if bad else None


@pytest.fixture(scope="module")
def one_slot(collection, tmp_path_factory):
    reg = start_region("sslot", 3, "local", versions=["5.2.0"] * 3)
    try:
        build_packages(reg.dir / "paket")
        write_vars(reg, [GOOD], extra={"sipp_campaign_offline_at_once": 1})
        before = fingerprints(reg)
        pages = Pages(reg.courts())
        pages.start()
        try:
            runner = run_playbook(
                PLAYBOOK, reg.inventory_path, forks=5,
                extravars={"sipp_run_id": "uji-giliran", "sipp_report_dir": str(tmp_path_factory.mktemp("lap"))})
        finally:
            pages.stop.set()
            pages.join()
        yield {"reg": reg, "before": before, "after": fingerprints(reg), "runner": runner, "pages": pages}
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_every_court_is_upgraded_and_nothing_is_lost(one_slot):
    results = upgrade_results(one_slot["runner"])
    changed = changed_tables(one_slot["reg"], GOOD)
    assert one_slot["runner"].rc == 0
    for court, before in one_slot["before"].items():
        assert results[court]["status"] == "berhasil", results[court]
        after = one_slot["after"][court]
        assert after["version"] == "5.2.1" and not after["site_offline"]
        assert_kept(before, after, changed)
    for c in one_slot["reg"].courts():
        assert lock_of(c) is None


def test_with_one_slot_no_two_courts_are_offline_at_once_and_the_others_wait_online(one_slot):
    pages = one_slot["pages"]
    windows = sorted(pages.window(c) for c in one_slot["before"])
    assert all(windows), windows
    for earlier, later in zip(windows, windows[1:]):
        assert earlier[1] < later[0], windows
    waited = task_results(one_slot["runner"], SLOT_TASK)
    assert sorted(waited) == sorted(one_slot["before"])
    # the first court takes the slot at once; the others wait for a court that holds it, and say so
    late = [r for r in waited.values() if r["held_by"]]
    assert len(late) >= 1 and all(r["waited"] > 0 and r["slots"] == 1 for r in late), waited
    assert all(set(r["held_by"]) <= set(one_slot["before"]) for r in late)
    # while a court waited, its page still answered 200: it was online
    for court, res in waited.items():
        offline = pages.window(court)
        assert all(s == 200 for t, s, _b in pages.seen[court] if t < offline[0])
    # the run's slots are gone from the controller
    assert not os.path.exists(os.path.join(tempfile.gettempdir(), "pengadilan-sipp-slots", "uji-giliran"))


def test_users_see_the_upgrade_s_one_message_while_offline_never_the_backup_s(one_slot):
    for court, seen in one_slot["pages"].seen.items():
        offline = [body for _t, status, body in seen if status == 503]
        assert offline, court
        assert not any(BACKUP_MESSAGE in body for body in offline), court
        assert all("sedang di-upgrade" in body for body in offline), court
