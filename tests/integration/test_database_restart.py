"""A court's database that restarts in the middle of the database changes (issue "Recovery that always ends clean",
parts 2 and 3).

The court's MariaDB is killed while the last migration of its package runs (after the earlier ones changed the
schema: a half-migrated court) and its service manager starts it again five seconds later (`sippsim db-restart`).
The downgrade waits for the database to answer again, restores and proves the backup, and the court ends online,
identical to before (the simulator's fingerprint); the message says what was really changed. The next run then
upgrades the court at once: nothing the first run left blocks it, and it is not downgraded a second time."""
import threading

import pytest

from campaign import awx_job, lock_of, wait_until
from sipptest import FAST_POLLS, build_packages, fingerprints, region_while_needed, upgrade_results


@pytest.fixture(scope="module")
def region():
    yield from region_while_needed("sdb", 1, "local", versions=["5.1.0"])


def _vars(region, package, run_id):
    # a short stale limit: the migration's heartbeat comes every 5 s (the kill lands early in the migration)
    return dict(FAST_POLLS, sipp_upgrade_packages=[str(package)], sipp_upgrade_assisted_approved=True,
                sipp_run_id=run_id, sipp_report_dir=str(region.dir / "laporan"), sipp_campaign_lock_stale_after=20)


def test_a_database_restarting_during_step_6_is_waited_for_and_the_next_run_upgrades(region):
    from sippsim import faults

    paket = build_packages(region.dir / "paket")
    slow, _meta = faults.build_one(faults.slow_migration, paket / "lambat")
    court = region.courts()[0]
    cid = court.info["id"]
    before = fingerprints(region)[cid]
    first = {}
    thread = threading.Thread(target=lambda: first.update(r=awx_job(
        "pengadilan.sipp.upgrade", region.inventory_path, extravars=_vars(region, slow, "db-mati"))))
    thread.start()
    try:
        # the last migration runs (the earlier ones already changed the schema): the database dies, back in 5 s
        wait_until(lambda: (lock_of(court) or {}).get("heartbeat_by", "").endswith("sipp_migrate"),
              "the migration's first heartbeat")
        court.restart_db(5)
        region.save()
    finally:
        thread.join()
    r1 = first["r"]
    res1 = upgrade_results(r1)[cid]
    after1 = fingerprints(region)[cid]
    assert res1["status"] == "didowngrade", (res1, r1.stdout.read()[-4000:])
    assert after1 == before
    assert "Tidak ada yang diubah" not in res1["reason"], res1["reason"]
    assert lock_of(court) is None
    # the next run upgrades at once, with the good package: no recovery, no second downgrade
    r2 = awx_job("pengadilan.sipp.upgrade", region.inventory_path,
                 extravars=_vars(region, paket / "sipp-5.1.0-5.2.0.zip", "berikutnya"))
    res2 = upgrade_results(r2)[cid]
    assert r2.rc == 0 and res2["status"] == "berhasil", (res2, r2.stdout.read()[-4000:])
    assert not res2.get("recovered"), res2
    assert not [s for s in res2["steps"] if s["step"] == 8], res2["steps"]
    after2 = fingerprints(region)[cid]
    assert after2["version"] == "5.2.0" and not after2["site_offline"]
    assert lock_of(court) is None
