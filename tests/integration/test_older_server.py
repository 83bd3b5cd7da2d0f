"""A court whose SIPP database runs on an older server than this machine's MariaDB 10.11: Debian 11's MariaDB 10.5
(sippsim --server COURT=10.5, fetched by make setup from deb.debian.org). The backup, a failed upgrade's downgrade
(back to the simulator's fingerprint) and a good upgrade run against it. Older servers (MariaDB 5.5 of CentOS 7, 10.3,
MySQL 5.x) are offered by no registry this machine reaches: the README's support table says so."""
import shutil

import pytest

from sipptest import FAST_POLLS, build_packages, fingerprints, run_playbook, start_region, task_results, upgrade_results

FAULTY = "faulty/sipp-5.1.0-5.2.0-migration_fails_halfway.zip"
GOOD = "sipp-5.1.0-5.2.0.zip"


@pytest.fixture(scope="module")
def region(collection):
    from sippsim import region as sim_region

    cid = sim_region.pick_courts(1, 1, ["5.1.0"])[0]["id"]
    reg = start_region("sold", 1, "local", versions=["5.1.0"], servers={cid: "10.5"})
    try:
        build_packages(reg.dir / "paket")
        yield reg
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def upgrade(region, package, run_id, tmp_path):
    return run_playbook("pengadilan.sipp.upgrade", region.inventory_path, extravars=dict(
        FAST_POLLS, sipp_upgrade_packages=[str(region.dir / "paket" / package)], sipp_upgrade_assisted_approved=True,
        sipp_report_dir=str(tmp_path), sipp_run_id=run_id, sipp_upgrade_fail_on=[]))


def test_backup_upgrade_and_downgrade_on_mariadb_105(region, tmp_path):
    court = region.courts()[0]
    cid = court.info["id"]
    conn = court.sipp_server().connect()
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            assert cur.fetchone()[0].startswith("10.5."), "the court runs Debian 11's MariaDB 10.5"
    finally:
        conn.close()
    before = fingerprints(region)

    r = upgrade(region, FAULTY, "uji-105-gagal", tmp_path)
    res = upgrade_results(r)[cid]
    assert res["status"] == "didowngrade", res
    assert fingerprints(region)[cid] == before[cid]
    dump = task_results(r, "Cadangkan database (mysqldump --single-transaction, terkompresi, diverifikasi)")[cid]
    assert dump["backup"]["server_version"].startswith("10.5."), dump["backup"]

    r = upgrade(region, GOOD, "uji-105", tmp_path)
    res = upgrade_results(r)[cid]
    assert res["status"] == "berhasil", res
    after = fingerprints(region)[cid]
    assert after["version"] == "5.2.0" and after["site_offline"] is False
