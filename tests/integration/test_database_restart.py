"""A court's database that restarts in the middle of the database changes, and what a failed downgrade leaves behind
(issue "Recovery that always ends clean", parts 2 and 3).

The court's MariaDB is killed while the last migration of its package runs (after the earlier ones changed the
schema: a half-migrated court) and its service manager starts it again five seconds later (`sippsim db-restart`).
The downgrade waits for the database to answer again, restores and proves the backup, and the court ends online,
identical to before (the simulator's fingerprint); the message says what was really changed. The next run then
upgrades the court at once: nothing the first run left blocks it, and it is not downgraded a second time.

When the downgrade itself fails (the database restarts as it begins, and this run is told not to wait), SIPP stays
offline with its progress kept on the court. Then a rerun, or the manual rollback the failure message recommends,
brings the court back; either way the next upgrade succeeds at once, without a second downgrade, and after the
manual rollback the court is identical to before (its maintenance message too)."""
import threading

import pytest

from campaign import awx_job, lock_of, wait_until
from sipptest import FAST_POLLS, build_packages, fingerprints, region_while_needed, run_playbook, upgrade_results
from sippsim.simregion import Region

GOOD = "sipp-5.1.0-5.2.0.zip"
FAULTY = "faulty/sipp-5.1.0-5.2.0-migration_fails_halfway.zip"


@pytest.fixture(scope="module")
def region():
    yield from region_while_needed("sdb", 3, "local", versions=["5.1.0"] * 3)


@pytest.fixture(scope="module")
def paket(region):
    return build_packages(region.dir / "paket")


def _vars(region, package, run_id):
    # a short stale limit: the migration's heartbeat comes every 5 s (the kill lands early in the migration)
    return dict(FAST_POLLS, sipp_upgrade_packages=[str(package)], sipp_upgrade_assisted_approved=True,
                sipp_run_id=run_id, sipp_report_dir=str(region.dir / "laporan"), sipp_campaign_lock_stale_after=20)


def answers(court):
    """The court's SIPP database answers."""
    try:
        court.sipp_server().connect().close()
        return True
    except Exception:  # noqa: BLE001 - not yet
        return False


def sleeping_migration(court):
    """The court's database runs the slow migration's first statement (DO SLEEP): the earlier migrations are done.
    (The migration module's first write on the lock comes before it connects: too early a sign.)"""
    try:
        conn = court.sipp_server().connect()
    except Exception:  # noqa: BLE001 - not yet
        return False
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'DO SLEEP%%'")
            return cur.fetchone()[0] > 0
    finally:
        conn.close()


def trees_beside(court):
    """The trees of ours beside the court's application folder (kept, set aside, or left behind)."""
    app = court.info["app_folder"]
    return {p.name for p in (court.root / "var/www/html").iterdir() if p.name.startswith(".%s.sipp-" % app)}


def test_a_database_restarting_during_step_6_is_waited_for_and_the_next_run_upgrades(region, paket):
    from sippsim import faults

    slow, _meta = faults.build_one(faults.slow_migration, paket / "lambat")
    court = region.courts()[0]
    cid = court.info["id"]
    before = fingerprints(region)[cid]
    first = {}
    thread = threading.Thread(target=lambda: first.update(r=awx_job(
        "pengadilan.sipp.upgrade", region.inventory_path, extravars=_vars(region, slow, "db-mati"), limit=cid)))
    thread.start()
    try:
        # the last migration runs (the earlier ones already changed the schema): the database dies, back in 5 s
        wait_until(lambda: sleeping_migration(court), "the slow migration running on the court's database")
        court.restart_db(5)
        region.save()
    finally:
        thread.join()
    r1 = first["r"]
    res1 = upgrade_results(r1)[cid]
    after1 = fingerprints(region)[cid]
    assert res1["status"] == "didowngrade", (res1, r1.stdout.read()[-4000:])
    assert after1 == before
    # the package is not blamed: the database stopped answering
    assert "Tidak ada yang diubah" not in res1["reason"] and "jangan jalankan paket yang sama" not in res1["reason"]
    assert "paketnya tidak bersalah" in res1["reason"], res1["reason"]
    assert lock_of(court) is None
    # the next run upgrades at once, with the good package: no recovery, no second downgrade
    r2 = awx_job("pengadilan.sipp.upgrade", region.inventory_path,
                 extravars=_vars(region, paket / GOOD, "berikutnya"), limit=cid)
    res2 = upgrade_results(r2)[cid]
    assert r2.rc == 0 and res2["status"] == "berhasil", (res2, r2.stdout.read()[-4000:])
    assert not res2.get("recovered"), res2
    assert not [s for s in res2["steps"] if s["step"] == 8], res2["steps"]
    after2 = fingerprints(region)[cid]
    assert after2["version"] == "5.2.0" and not after2["site_offline"]
    assert lock_of(court) is None


def test_after_a_failed_downgrade_a_rerun_or_the_manual_rollback_leaves_nothing_that_blocks_the_next_upgrade(
        region, paket):
    courts = region.courts()[1:3]
    ids = [c.info["id"] for c in courts]
    before = fingerprints(region)
    # the migration fails halfway (two tables changed), and the database restarts as the downgrade begins: told not
    # to wait, the downgrade cannot prove itself; SIPP stays offline, the progress stays on the court
    # (back only after 45 s: on a busy machine the downgrade's first step may come several seconds after the fault)
    faults = [dict(task="Jalankan migrasi berurutan: " + FAULTY.split("/")[-1], host=i, event="failed",
                   db_restart=str(region.dir), after=45) for i in ids]
    r1 = run_playbook("pengadilan.sipp.upgrade", region.inventory_path, limit=",".join(ids), faults=faults,
                      extravars=dict(_vars(region, paket / FAULTY, "dg-gagal"), sipp_campaign_db_wait=0))
    region.data = Region(region.dir).data  # the fault restarted the courts' databases: their new processes
    assert all(r1.fault_records), r1.fault_records
    # the service manager starts the databases again (after the run gave up on them)
    for c in Region(region.dir).courts():
        wait_until(lambda c=c: answers(c), "the database of %s answering again" % c.info["id"], timeout=180)
    res1 = upgrade_results(r1)
    after1 = fingerprints(region)
    for i, c in zip(ids, courts):
        assert res1[i]["status"] == "gagal" and after1[i]["site_offline"], res1[i]
        # what the run changed and did not undo is said (the package's files and its database changes)
        assert "belum dikembalikan (berkas aplikasi paket sipp-5.1.0-5.2.0-migration_fails_halfway.zip; " \
            "perubahan basis data paket sipp-5.1.0-5.2.0-migration_fails_halfway.zip)" in res1[i]["reason"], \
            res1[i]["reason"]
        assert lock_of(c)["released"] and lock_of(c)["progress"]["stage"] == 8
    # one court: the next upgrade recovers it first, then upgrades it, without a second downgrade
    r2 = awx_job("pengadilan.sipp.upgrade", region.inventory_path, extravars=_vars(region, paket / GOOD, "ulang"),
                 limit=ids[0])
    res2 = upgrade_results(r2)[ids[0]]
    assert r2.rc == 0 and res2["status"] == "berhasil", (res2["reason"], r2.stdout.read()[-4000:])
    assert res2["recovered"]["run_id"] == "dg-gagal" and res2["recovered"]["stage"] == 8
    # that run ended (its downgrade unproven), it was not cut off: the message says so
    assert "Run dg-gagal berakhir pada langkah 8" in res2["reason"], res2["reason"]
    assert fingerprints(region)[ids[0]]["version"] == "5.2.0" and lock_of(courts[0]) is None
    assert trees_beside(courts[0]) <= {".%s.sipp-previous-5.1.0" % courts[0].info["app_folder"]}, \
        trees_beside(courts[0])
    # the other: the manual rollback the failure message recommends, then an upgrade
    rb = run_playbook("pengadilan.sipp.rollback", region.inventory_path, limit=ids[1])
    assert rb.rc == 0, rb.stdout.read()[-4000:]
    after_rb = fingerprints(region)[ids[1]]
    assert after_rb == before[ids[1]], [t for t in before[ids[1]]["tables"]
                                        if after_rb["tables"].get(t) != before[ids[1]]["tables"][t]]
    assert lock_of(courts[1]) is None
    r3 = awx_job("pengadilan.sipp.upgrade", region.inventory_path, extravars=_vars(region, paket / GOOD, "sesudah-rb"),
                 limit=ids[1])
    res3 = upgrade_results(r3)[ids[1]]
    assert r3.rc == 0 and res3["status"] == "berhasil", (res3["reason"], r3.stdout.read()[-4000:])
    assert not res3.get("recovered"), res3
    assert fingerprints(region)[ids[1]]["version"] == "5.2.0" and lock_of(courts[1]) is None
    assert trees_beside(courts[1]) <= {".%s.sipp-previous-5.1.0" % courts[1].info["app_folder"]}, \
        trees_beside(courts[1])
