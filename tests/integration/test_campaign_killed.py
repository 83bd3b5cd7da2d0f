"""A controller killed (AWX's cancel: ansible-runner SIGKILLs the job's process group, as a power cut would) at several
points of a run, then the run started again: every court ends verified upgraded or verified downgraded, nothing lost;
and the lock module's rules."""
import json
import shutil
from pathlib import Path

import pytest

from campaign import (FAULTY, GOOD, PLAYBOOK, assert_kept, awx_job, changed_tables, lock_of, run_until, when_stage,
                      write_vars)
from sipptest import assert_no_secret, build_packages, fingerprints, start_region, upgrade_results


# ---------------------------------------------------------------------------------------------------- killed runs
@pytest.fixture(scope="module")
def killed(collection, tmp_path_factory):
    """Three local courts on 5.2.0: two get the good package, one a package whose PHP is broken (it is always
    downgraded). Killed twice at different points (the courts then in the middle of their backup, their installation
    or their verification; then the faulty court in the middle of its downgrade), each followed by a complete run."""
    reg = start_region("skil", 3, "local", versions=["5.2.0"] * 3)
    try:
        build_packages(reg.dir / "paket")
        courts = reg.courts()
        ids = [c.info["id"] for c in courts]
        write_vars(reg, [GOOD], {ids[2]: [FAULTY]})
        reports = tmp_path_factory.mktemp("laporan")
        base = {"sipp_report_dir": str(reports), "sipp_upgrade_fail_on": []}
        out = {"reg": reg, "courts": courts, "ids": ids, "before": fingerprints(reg), "cycles": []}
        # 1: killed as soon as a court's backup is done (the others are still backing up or installing)
        k1, seen1 = run_until(reg.inventory_path, dict(base, sipp_run_id="putus-1"), when_stage(courts, {5, 7}))
        r1 = awx_job(PLAYBOOK, reg.inventory_path, extravars=dict(base, sipp_run_id="ulang-1"))
        out["cycles"].append({"killed": k1, "seen": seen1, "rerun": r1, "after": fingerprints(reg)})
        # 2: the faulty court alone, killed in the middle of its downgrade
        k2, seen2 = run_until(reg.inventory_path, dict(base, sipp_run_id="putus-2"), when_stage(courts[2:], {8}),
                              limit=ids[2])
        r2 = awx_job(PLAYBOOK, reg.inventory_path, extravars=dict(base, sipp_run_id="ulang-2"), limit=ids[2])
        out["cycles"].append({"killed": k2, "seen": seen2, "rerun": r2, "after": fingerprints(reg)})
        out["reports"] = reports
        yield out
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_killed_controller_leaves_progress_on_the_court_and_the_rerun_recovers_it(killed):
    reg, ids, before = killed["reg"], killed["ids"], killed["before"]
    c1 = killed["cycles"][0]
    assert c1["killed"].status == "canceled"
    assert any(s >= 2 for s in c1["seen"].values()), c1["seen"]
    assert_no_secret(reg, c1["rerun"].config.private_data_dir)
    res = upgrade_results(c1["rerun"])
    assert c1["rerun"].rc == 0, c1["rerun"].stdout.read()[-3000:]
    changed = changed_tables(reg, GOOD)
    for i in ids[:2]:
        assert res[i]["status"] == "berhasil", res[i]
        assert c1["after"][i]["version"] == "5.2.1" and not c1["after"][i]["site_offline"]
        assert_kept(before[i], c1["after"][i], changed)
        if c1["seen"][i] >= 2:
            # the court the dead run had changed was first undone, then upgraded by this run
            assert res[i]["recovered"]["run_id"] == "putus-1", res[i]
            assert res[i]["recovered"]["stage"] == c1["seen"][i]
            assert "Run putus-1 terputus di tengah langkah" in res[i]["reason"]
    assert res[ids[2]]["status"] == "didowngrade"
    assert c1["after"][ids[2]] == before[ids[2]]
    # no lock left behind by a finished run
    for c in killed["courts"]:
        assert lock_of(c) is None, lock_of(c)


def test_a_downgrade_cut_short_is_finished_by_the_next_run(killed):
    ids, before = killed["ids"], killed["before"]
    c2 = killed["cycles"][1]
    assert c2["killed"].status == "canceled" and c2["seen"][ids[2]] == 8
    res = upgrade_results(c2["rerun"])
    r = res[ids[2]]
    assert r["recovered"]["run_id"] == "putus-2" and r["recovered"]["stage"] == 8
    # recovered (downgraded from the dead run's backup), then this run tried again and downgraded again: identical
    assert r["status"] == "didowngrade"
    assert c2["after"][ids[2]] == before[ids[2]]
    assert lock_of(killed["courts"][2]) is None


def test_a_live_lock_is_left_alone_and_a_dead_one_is_taken_over(killed, tmp_path):
    """The lock module on a court: a live holder keeps it; a holder found dead (its process gone) loses it to the
    next run, which inherits its progress."""
    from sipptest import module_results, run_module

    court = killed["courts"][0]
    path = str(tmp_path / "kunci.json")
    inv = killed["reg"].inventory_path
    lim = court.info["id"]
    first = module_results(run_module("pengadilan.sipp.sipp_lock", {
        "path": path, "token": "a", "owner": {"run_id": "satu", "controller": "x", "pid": 1},
        "progress": {"stage": 5, "backup": "/b"}}, inv, hosts=lim))[lim]
    assert first["acquired"] and first["changed"]
    busy = module_results(run_module("pengadilan.sipp.sipp_lock", {"path": path, "token": "b"}, inv, hosts=lim))[lim]
    assert not busy["acquired"] and busy["holder"]["owner"]["run_id"] == "satu"
    assert "satu" in busy["msg"] and not busy["changed"]
    lost = module_results(run_module("pengadilan.sipp.sipp_lock", {"path": path, "token": "b", "must_hold": True},
                                     inv, hosts=lim))[lim]
    assert lost["_event"] == "runner_on_failed" and "tidak lagi dipegang" in lost["msg"]
    taken = module_results(run_module("pengadilan.sipp.sipp_lock", {
        "path": path, "token": "b", "takeover": "a", "owner": {"run_id": "dua"}}, inv, hosts=lim))[lim]
    assert taken["acquired"] and taken["taken_over"]["token"] == "a"
    assert taken["record"]["progress"] == {"stage": 5, "backup": "/b"}
    assert taken["record"]["taken_over"][0]["owner"]["run_id"] == "satu"
    # a lock whose heartbeat is older than stale_after on the court's boot clock is called stale (an AWX job on
    # another controller), but taken over only when named, and only if it did not beat since; in check mode that is
    # only predicted
    record = json.loads(Path(path).read_text())
    Path(path).write_text(json.dumps(dict(record, heartbeat_uptime=record["heartbeat_uptime"] - 600)))
    args = {"path": path, "token": "c", "stale_after": 300, "owner": {"run_id": "tiga"}}
    seen = module_results(run_module("pengadilan.sipp.sipp_lock", args, inv, hosts=lim))[lim]
    assert not seen["acquired"] and seen["stale"] and seen["heartbeat_age"] >= 600 and seen["age_clock"] == "boot"
    args.update(takeover="b", takeover_beats=seen["holder"]["beats"])
    predicted = module_results(run_module("pengadilan.sipp.sipp_lock", args, inv, hosts=lim, check=True))[lim]
    assert predicted["acquired"] and json.loads(Path(path).read_text())["token"] == "b"
    aged = module_results(run_module("pengadilan.sipp.sipp_lock", args, inv, hosts=lim))[lim]
    assert aged["acquired"] and aged["record"]["taken_over"][-1]["reason"] == "stale"
    assert aged["record"]["progress"] == {"stage": 5, "backup": "/b"}
    # released by another token: left alone; by its holder: removed
    other = module_results(run_module("pengadilan.sipp.sipp_lock", {"path": path, "token": "b", "state": "released"},
                                      inv, hosts=lim))[lim]
    assert not other["changed"] and Path(path).exists()
    gone = module_results(run_module("pengadilan.sipp.sipp_lock", {"path": path, "token": "c", "state": "released"},
                                     inv, hosts=lim))[lim]
    assert gone["changed"] and not Path(path).exists()


