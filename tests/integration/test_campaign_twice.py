"""Two campaigns (two AWX jobs, different run ids) started on the same five ssh courts at the same moment."""
import shutil
import threading

import pytest

from campaign import GOOD, PLAYBOOK, assert_kept, awx_job, changed_tables, lock_of, write_vars
from sipptest import build_packages, fingerprints, start_region, upgrade_results


# ---------------------------------------------------------------------------------------------------- ssh, twice at once
@pytest.fixture(scope="module")
def twice(collection, tmp_path_factory):
    """Five ssh courts; two campaigns (two AWX jobs, different run ids) started on them at the same moment."""
    reg = start_region("stwi", 5, "ssh", versions=["5.2.0"] * 5)
    try:
        build_packages(reg.dir / "paket")
        write_vars(reg, [GOOD])
        before = fingerprints(reg)
        reports = tmp_path_factory.mktemp("laporan")
        runs = {}

        def go(name):
            runs[name] = awx_job(PLAYBOOK, reg.inventory_path, extravars={
                "sipp_run_id": name, "sipp_report_dir": str(reports), "sipp_report_name": name})

        threads = [threading.Thread(target=go, args=(n,)) for n in ("kampanye-a", "kampanye-b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        yield {"reg": reg, "before": before, "after": fingerprints(reg), "runs": runs}
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_two_campaigns_at_once_never_work_on_one_court_together(twice):
    a = upgrade_results(twice["runs"]["kampanye-a"])
    b = upgrade_results(twice["runs"]["kampanye-b"])
    changed = changed_tables(twice["reg"], GOOD)
    for court in twice["before"]:
        pair = sorted([a[court]["status"], b[court]["status"]])
        # exactly one campaign upgraded it; the other found it locked (and changed nothing) or found it done
        assert pair in (["berhasil", "dilewati"], ["berhasil", "sudah"]), (court, a[court], b[court])
        loser = a[court] if a[court]["status"] != "berhasil" else b[court]
        if loser["status"] == "dilewati":
            assert "sedang dikerjakan run lain" in loser["reason"], loser["reason"]
        assert twice["after"][court]["version"] == "5.2.1" and not twice["after"][court]["site_offline"]
        assert_kept(twice["before"][court], twice["after"][court], changed)
    for c in twice["reg"].courts():
        assert lock_of(c) is None
