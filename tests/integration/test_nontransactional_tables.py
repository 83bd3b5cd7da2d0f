"""Tables without transactions (MyISAM, as older SIPP databases keep some), with ansible-runner on a real simulated
court whose ``perkara_jadwal_sidang`` and ``sys_audittrail`` are MyISAM (``sippsim engine``): the backup's record
names them and says how they were copied (locked while SIPP stayed online, SIPP in maintenance, or neither), the
monitoring report says plainly when their copy may not be consistent, and a failed migration that changed one of
them is downgraded to the backup, proved by the simulator's fingerprint."""
import json
from pathlib import Path

import pytest

from sippsim.fingerprint import differences
from sipptest import (FAST_POLLS, build_packages, fingerprints, region_while_needed, run_playbook, task_results,
                      upgrade_results)

BACKUP = "pengadilan.sipp.backup"
BACKUP_RESULT = "Catat hasil pencadangan"
FAULTY = "faulty/sipp-5.1.0-5.2.0-migration_fails_halfway.zip"
MYISAM = ["perkara_jadwal_sidang", "sys_audittrail"]
TABLES = [{"name": name, "engine": "MyISAM"} for name in MYISAM]


@pytest.fixture(scope="module")
def region(collection):
    for reg in region_while_needed("ntrx", 1, "local", versions=["5.1.0"]):
        court = reg.courts()[0]
        court.use_engine(MYISAM)
        reg.save()
        yield {"reg": reg, "court": court, "paket": build_packages(reg.dir / "paket")}


def backup(region, **extra):
    reg, court = region["reg"], region["court"]
    r = run_playbook(BACKUP, reg.inventory_path, limit=court.info["id"],
                     extravars=dict(FAST_POLLS, sipp_backup_app=False, **extra))
    assert r.status == "successful", r.stdout.read()[-3000:]
    result = task_results(r, BACKUP_RESULT)[court.info["id"]]["ansible_facts"]["sipp_backup_result"]
    record = json.loads((Path(result["path"]) / "BACKUP.json").read_text())
    return r, result, record


def test_an_online_backup_locks_them_for_their_copy_and_says_so(region):
    reg, court = region["reg"], region["court"]
    assert fingerprints(reg, [court.info["id"]])[court.info["id"]]["site_offline"] is False
    r, result, record = backup(region, sipp_backup_maintenance=False, sipp_monitor_report=False)
    nontx = record["database"]["nontransactional"]
    assert nontx.pop("locked_seconds") >= 0
    assert nontx == {"tables": TABLES, "sipp_online": True, "locked": True, "lock_error": None, "copied": "locked",
                     "consistent": True}
    assert result["database"]["nontransactional"] == dict(nontx, locked_seconds=result["database"]["nontransactional"]
                                                          ["locked_seconds"])
    assert fingerprints(reg, [court.info["id"]])[court.info["id"]]["site_offline"] is False   # SIPP stayed online


def test_a_backup_in_maintenance_is_consistent_without_the_lock(region):
    r, result, record = backup(region, sipp_backup_lock_nontransactional=False, sipp_monitor_report=False)
    nontx = record["database"]["nontransactional"]
    assert (nontx["copied"], nontx["consistent"], nontx["sipp_online"], nontx["tables"]) == \
        ("maintenance", True, False, TABLES)


@pytest.mark.parametrize("language", ["id", "en"])
def test_an_online_backup_without_the_lock_is_named_in_the_monitoring_report(region, tmp_path, language):
    out = tmp_path / "laporan"
    r, result, record = backup(region, sipp_backup_maintenance=False, sipp_backup_lock_nontransactional=False,
                               sipp_monitor_dir=str(out), sipp_language=language)
    nontx = record["database"]["nontransactional"]
    assert (nontx["copied"], nontx["consistent"]) == ("unlocked", False)
    report = json.loads(next(out.glob("*.json")).read_text())
    row = report["courts"][0]
    assert row["problems"] == ["backup_inconsistent"], row
    text = row["reasons"][0]
    assert result["name"] in text and "perkara_jadwal_sidang (MyISAM), sys_audittrail (MyISAM)" in text
    assert ("tidak konsisten" if language == "id" else "may not be consistent") in text
    html = next(out.glob("*.html")).read_text()
    assert "perkara_jadwal_sidang (MyISAM)" in html
    # the next backup with the lock makes the court good again
    again = tmp_path / "laporan-lagi"
    r, result, record = backup(region, sipp_backup_maintenance=False, sipp_monitor_dir=str(again))
    report = json.loads(next(again.glob("*.json")).read_text())
    assert report["courts"][0]["problems"] == [], report["courts"][0]["reasons"]


def test_a_failed_migration_on_a_myisam_table_is_downgraded_to_the_backup(region):
    reg, court, paket = region["reg"], region["court"], region["paket"]
    cid = court.info["id"]
    before = fingerprints(reg, [cid])[cid]
    r = run_playbook("pengadilan.sipp.upgrade", reg.inventory_path, limit=cid,
                     extravars=dict(FAST_POLLS, sipp_upgrade_assisted_approved=True, sipp_upgrade_fail_on=[],
                                    sipp_report_dir=str(reg.dir / "laporan"), sipp_run_id="uji-myisam",
                                    sipp_upgrade_packages=[str(paket / FAULTY)]))
    result = upgrade_results(r)[cid]
    assert result["status"] == "didowngrade", result
    assert differences(before, fingerprints(reg, [cid])[cid]) == []
    conn = court.sipp_server().connect(court.db_name)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT TABLE_NAME, ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND "
                        "ENGINE = 'MyISAM' ORDER BY TABLE_NAME", (court.db_name,))
            assert [row[0] for row in cur.fetchall()] == MYISAM
    finally:
        conn.close()
