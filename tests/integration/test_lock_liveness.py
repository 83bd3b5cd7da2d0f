"""A live run's lock is never taken over (issue "Recovery that always ends clean", part 1).

One court upgraded with a package whose migration takes longer than the stale limit; in the middle of it the court's
wall clock steps three hours forward (libfaketime in that court's processes; never the machine's clock), and a second
run starts on another controller (its own host name, as each AWX job has its own container), which cannot ask
whether the first run lives: it must skip the court, naming the first run, because the heartbeat is renewed while the
migration runs and its age is measured on the court's boot clock. The first run ends upgraded and verified. Then
locks laid by hand: a stale lock of a run alive on this controller is left alone; a stale lock of another controller
is taken over (in check mode, only predicted)."""
import json
import os
import re
import socket
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from campaign import LOCK, awx_job, lock_of, wait_until
from sipptest import (FAST_POLLS, build_packages, fingerprints, other_controller_playbook, region_while_needed,
                      run_playbook, stats_data, task_results, upgrade_results)

STALE = 20


@pytest.fixture(scope="module")
def region():
    # the court's own clock (libfaketime) from the start, at the machine's time: stepped in the middle of the run
    yield from region_while_needed("slv", 1, "local", versions=["5.1.0"], clock_offsets={"pn_bandung": "+0"})


@pytest.fixture(scope="module")
def slow(region):
    from sippsim import faults

    build_packages(region.dir / "paket")
    path, _meta = faults.build_one(faults.slow_migration, region.dir / "paket" / "lambat")
    return path


def _vars(region, package, run_id, **more):
    return dict(FAST_POLLS, sipp_upgrade_packages=[str(package)], sipp_upgrade_assisted_approved=True,
                sipp_campaign_lock_stale_after=STALE, sipp_run_id=run_id, sipp_report_dir=str(region.dir / "laporan"),
                **more)


def test_a_live_run_is_never_taken_over_by_a_clock_step_or_a_long_migration(region, slow, tmp_path):
    from sippsim import faults

    court = region.courts()[0]
    cid = court.info["id"]
    first = {}
    thread = threading.Thread(target=lambda: first.update(r=awx_job(
        "pengadilan.sipp.upgrade", region.inventory_path, extravars=_vars(region, slow, "pertama"))))
    thread.start()
    try:
        # the migration runs and beats (its module renews the lock's heartbeat)
        migrating = wait_until(lambda: (lock_of(court) or {}).get("heartbeat_by", "").endswith("sipp_migrate")
                          and lock_of(court), "the migration's first heartbeat")
        assert migrating["progress"]["stage"] == 5
        began = time.monotonic()  # the migration began at the latest now (its module marks the lock as it starts)
        # an admin (or NTP) sets the court's clock three hours forward, for every process started from now on
        court.set_clock("+3h")
        region.save()
        # the migration has now run longer than the stale limit: without its heartbeat the lock would look dead
        wait_until(lambda: time.monotonic() - began > STALE + 1, "the stale limit passed", timeout=STALE + 5)
        other = other_controller_playbook(tmp_path)
        second = run_playbook("pengadilan.sipp.upgrade", region.inventory_path, binary=other,
                              extravars=_vars(region, slow, "kedua"))
        still = lock_of(court)
    finally:
        thread.join()
    r1, r2 = first["r"], second
    # the second run saw the first one's lock fresh, beaten by the migration, and skipped the court naming it
    seen = task_results(r2, "Ambil kunci pengadilan")[cid]
    assert not seen["acquired"] and not seen["stale"], seen
    assert seen["holder"]["owner"]["run_id"] == "pertama" and seen["age_clock"] == "boot"
    assert seen["holder"]["heartbeat_by"].endswith("sipp_migrate") and seen["heartbeat_age"] < STALE
    assert seen["holder"]["owner"]["controller"] == socket.gethostname() != "awx-job-lain"
    res2 = upgrade_results(r2)[cid]
    assert res2["status"] == "dilewati" and "pertama" in res2["reason"] and "kedua" not in res2["reason"], \
        (res2["reason"], res2["steps"])
    assert still["token"] == seen["holder"]["token"], "the second run changed the first one's lock"
    # the migration was still running when the second run looked, and it was longer than the stale limit
    res1 = upgrade_results(r1)[cid]
    assert r1.rc == 0 and res1["status"] == "berhasil", (res1, r1.stdout.read()[-3000:])
    step6 = [s for s in res1["steps"] if s["step"] == 6][0]
    took = datetime.fromisoformat(step6["finished"]) - datetime.fromisoformat(step6["started"])
    assert took.total_seconds() >= faults.SLOW_SECONDS > STALE
    after = fingerprints(region)[cid]
    assert after["version"] == "5.2.0" and not after["site_offline"]
    assert lock_of(court) is None


def test_a_stale_lock_is_taken_over_only_when_its_run_cannot_be_alive(region, slow, tmp_path):
    """Locks laid by hand on the court, as a run would leave them, with a heartbeat far older than the stale limit on
    the court's boot clock: one owned by a run alive on this controller (this test's own process) is left alone, one
    of another controller is taken over (in check mode: only predicted, nothing written)."""
    court = region.courts()[0]
    cid = court.info["id"]
    path = court.root / LOCK
    boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    me = {"controller": socket.gethostname(), "boot_id": boot, "pid": os.getpid(),
          "pid_start": int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19]), "run_id": "hidup"}
    record = {"format": 2, "token": "hidup-tok", "owner": me, "taken": time.time() - 3600, "heartbeat": time.time(),
              "heartbeat_boot": boot, "heartbeat_uptime": uptime - 3600, "beats": 3, "progress": {"stage": 1},
              "taken_over": []}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))
    alive = run_playbook("pengadilan.sipp.upgrade", region.inventory_path, extravars=_vars(region, slow, "ketiga"))
    seen = task_results(alive, "Ambil kunci pengadilan")[cid]
    assert seen["stale"] and not seen["acquired"]
    assert cid not in task_results(alive, "Ambil alih kunci run yang sudah mati") or \
        task_results(alive, "Ambil alih kunci run yang sudah mati")[cid].get("skipped")
    res = upgrade_results(alive)[cid]
    assert res["status"] == "dilewati" and "hidup" in res["reason"], res
    assert json.loads(path.read_text())["token"] == "hidup-tok"
    # the same lock from another controller: nothing here can tell whether it lives, its heartbeat is stale
    path.write_text(json.dumps(dict(record, owner=dict(me, controller="awx-job-mati", run_id="mati"))))
    taken = run_playbook("pengadilan.sipp.upgrade", region.inventory_path, check=True,
                         extravars=_vars(region, slow, "keempat"))
    got = task_results(taken, "Ambil alih kunci run yang sudah mati")[cid]
    assert got["acquired"] and got["taken_over"]["owner"]["run_id"] == "mati", got
    assert json.loads(path.read_text())["token"] == "hidup-tok"
    path.unlink()


def test_two_runs_started_in_the_same_second_have_their_own_names(region, slow):
    """Two runs started at once without sipp_run_id (two AWX jobs, a job and an admin): each names itself, so their
    results and reports never overwrite each other (check mode: nothing changes on the court)."""
    runs = [None, None]

    def start(i):
        runs[i] = run_playbook("pengadilan.sipp.upgrade", region.inventory_path, check=True,
                               extravars=dict(FAST_POLLS, sipp_upgrade_packages=[str(slow)],
                                              sipp_upgrade_assisted_approved=True))
    threads = [threading.Thread(target=start, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = [stats_data(r)["sipp_run_id"] for r in runs]
    assert names[0] != names[1], names
    assert all(re.match(r"^\d{8}-\d{6}-[0-9a-f]{8}$", n) for n in names), names
