"""A court whose SIPP login user lacks the EVENT privilege and may not read a routine of another definer
(sippsim Court.limit_login_user): the upgrade's backup is still made, names what it could not hold, and the
downgrade brings the court back to its fingerprint; the event and the routine left out are untouched on the server."""
import json
import shutil

import pytest

from sipptest import (FAST_POLLS, build_packages, fingerprints, run_playbook, start_region, task_results,
                      upgrade_results)

DB_BACKUP_TASK = "Cadangkan database (mysqldump --single-transaction, terkompresi, diverifikasi)"
FAULTY = "faulty/sipp-5.1.0-5.2.0-migration_fails_halfway.zip"


@pytest.fixture(scope="module")
def region(collection):
    reg = start_region("slim", 1, "local", versions=["5.1.0"])
    try:
        build_packages(reg.dir / "paket")
        court = reg.courts()[0]
        court.limit_login_user()
        yield reg
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def root_objects(court):
    """The court's routines and events as root sees them (name, definer, body)."""
    conn = court.sipp_server().connect(court.db_name)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT ROUTINE_NAME, DEFINER, ROUTINE_DEFINITION FROM information_schema.ROUTINES "
                        "WHERE ROUTINE_SCHEMA = %s ORDER BY 1", (court.db_name,))
            routines = cur.fetchall()
            cur.execute("SELECT EVENT_NAME, DEFINER, EVENT_DEFINITION, STATUS FROM information_schema.EVENTS "
                        "WHERE EVENT_SCHEMA = %s ORDER BY 1", (court.db_name,))
            return routines, cur.fetchall()
    finally:
        conn.close()


def test_backup_names_what_it_could_not_hold_and_the_downgrade_loses_nothing(region, tmp_path):
    court = region.courts()[0]
    cid = court.info["id"]
    before = fingerprints(region)
    objects = root_objects(court)
    assert objects[0] and objects[1], "the simulator's routine and event are there"
    r = run_playbook("pengadilan.sipp.upgrade", region.inventory_path, extravars=dict(
        FAST_POLLS, sipp_upgrade_packages=[str(region.dir / "paket" / FAULTY)], sipp_upgrade_assisted_approved=True,
        sipp_report_dir=str(tmp_path), sipp_run_id="uji-hak", sipp_upgrade_fail_on=[]))
    res = upgrade_results(r)[cid]
    assert res["status"] == "didowngrade", res
    assert fingerprints(region)[cid] == before[cid]
    assert root_objects(court) == objects

    # the backup was made, not refused: what it left out is named with what to grant, in the task and its record
    backup = task_results(r, DB_BACKUP_TASK)[cid]
    assert not backup.get("failed"), backup
    left = backup["backup"]["left_out"]
    assert [(x["kind"], x["name"]) for x in left] == [("events", "*"), ("procedure", "sipp_rekap_harian")], left
    warning = json.dumps(backup.get("warnings"))
    assert "hak EVENT" in warning and "sipp_rekap_harian (root@localhost)" in warning, warning
    records = list((court.root / "var/backups/sipp").glob("SIPP-*/BACKUP.json"))
    assert records and any("sipp_rekap_harian" in p.read_text() for p in records)


def test_the_nightly_backup_and_its_monitoring_report_name_what_is_missing(region, tmp_path):
    court = region.courts()[0]
    cid = court.info["id"]
    out = tmp_path / "laporan"
    r = run_playbook("pengadilan.sipp.backup", region.inventory_path, extravars=dict(
        FAST_POLLS, sipp_monitor_dir=str(out), sipp_monitor_name="pemantauan-hak"))
    assert r.rc == 0, r.stdout.read()[-3000:]
    data = json.loads((out / "pemantauan-hak.json").read_text(encoding="utf-8"))
    row = [c for c in data["courts"] if c["court"] == cid][0]
    assert row["problems"] == ["backup_incomplete"], row
    assert "semua event, prosedur sipp_rekap_harian" in row["reasons"][0]
