"""The rollback role (SOP step 8, playbook pengadilan.sipp.rollback) against real simulated courts.

Each court is backed up with the backup role, then broken the way a failed upgrade breaks it, with the collection's
own modules: the faulty package sipp-5.1.0-5.2.0-migration_fails_halfway is prepared beside the live tree and
switched in (the login page answers 500: 5.2.0 code on the 5.1.0 schema), and its migrations fail after DDL on two
tables. The rollback must then bring the court back: the old tree byte for byte, every table's checksum and
definition equal to the backup's manifest (only the changed tables restored), the login page 200 with 'Versi 5.1.0',
SIPP online with its old message, and the migration history recording the rollback."""
import hashlib
import importlib.util
import json
import os
import shutil
import stat

import pymysql
import pytest
import yaml

from sippsim import faults, release
from sippsim.court import SIPP_DB, http_get
from sipptest import (REPO, VOLUME_SCALE, module_results, region_while_needed, run_module, run_playbook, start_region,
                      task_results)

PLAYBOOK = str(REPO / "playbooks/rollback.yml")
FAULTY = release.package_name("5.1.0", "5.2.0", "migration_fails_halfway")
RESULT_TASK = "Catat hasil downgrade"
CHANGED_BY_FAULT = {"perkara_jadwal_sidang", "perkara_putusan"}
# The backup's dump and copy and the rollback's restore run asynchronously; the roles check on them every 10 and 5
# seconds by default (production). A small simulated court finishes each in about a second, so the tests check every
# second: the same tasks run, the same way, without idling after each has finished.
BACKUP_FAST_POLL = {"sipp_backup_poll_interval": 1}
ROLLBACK_FAST_POLL = {"sipp_rollback_poll_interval": 1}

_spec = importlib.util.spec_from_file_location("sipp_integrity",
                                               str(REPO / "plugins/module_utils/sipp_integrity.py"))
sipp_integrity = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sipp_integrity)


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    out = tmp_path_factory.mktemp("rollback-packages")
    faults.build_faulty(out)
    return out


@pytest.fixture(scope="module")
def region(collection):
    # the per-table restore is proved on courts of the data volume it is about (sipptest.VOLUME_SCALE)
    yield from region_while_needed("srb", 3, "local", versions=["5.1.0", "5.1.0", "5.1.0"], scale=VOLUME_SCALE)


# --- what a court looks like ----------------------------------------------------------------------------------------

class _Conn:
    """The query(sql, args) -> [dict] interface sipp_integrity expects, over PyMySQL; values as text, as the
    collection's own connections return them."""

    def __init__(self, conn):
        self.conn = conn

    def query(self, sql, args=None):
        with self.conn.cursor(pymysql.cursors.DictCursor) as cur:
            cur.execute(sql, args)
            return [{k: None if v is None else v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                     for k, v in row.items()} for row in cur.fetchall()]


def connect(court):
    return court.sipp_server().connect(SIPP_DB)


def sql(court, statement, args=None):
    conn = connect(court)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchall()
    finally:
        conn.close()


def maintenance(court):
    return dict(sql(court, "SELECT id, value FROM sys_config WHERE id IN (1, 6)"))


def checksums_and_structures(court):
    conn = connect(court)
    try:
        c = _Conn(conn)
        sums = sipp_integrity.table_checksums(c, SIPP_DB)
        return ({t: (v["rows"], v["checksum"]) for t, v in sums.items()},
                sipp_integrity.table_structures(c, SIPP_DB))
    finally:
        conn.close()


def as_in_backup(court):
    """Checksums and structures with sys_config as the backup dumped it (offline, the backup role's message), then
    the switch put back as it was."""
    message = yaml.safe_load((REPO / "roles/backup/defaults/main.yml").read_text())["sipp_backup_maintenance_message"]
    saved = maintenance(court)
    sql(court, "UPDATE sys_config SET value = %s WHERE id = 1", (message,))
    sql(court, "UPDATE sys_config SET value = '1' WHERE id = 6")
    try:
        return checksums_and_structures(court)
    finally:
        for rid, value in saved.items():
            sql(court, "UPDATE sys_config SET value = %s WHERE id = %s", (value, rid))


def manifest_of(backup):
    data = json.loads(next(backup.glob("database.sql*.manifest.json")).read_text())
    return ({t: (v["rows"], v["checksum"]) for t, v in data["tables"].items()}, data["structures"])


def tree_files(root):
    """rel -> sha256 (or link target) of every file under root."""
    out = {}
    for dirpath, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                out[os.path.relpath(path, str(root))] = "-> " + os.readlink(path)
            else:
                with open(path, "rb") as handle:
                    out[os.path.relpath(path, str(root))] = hashlib.sha256(handle.read()).hexdigest()
    return out


def tree_modes(root):
    return {os.path.relpath(os.path.join(d, n), str(root)): stat.S_IMODE(os.lstat(os.path.join(d, n)).st_mode)
            for d, dirs, files in os.walk(str(root)) for n in dirs + files}


# --- how a court is backed up and broken ----------------------------------------------------------------------------

def on_court(reg, court, rel):
    """Path of `rel` (e.g. var/backups/sipp) as the court sees it."""
    return ("/" + rel) if reg.mode == "ssh" else str(court.root / rel)


def module(reg, court, name, args):
    return module_results(run_module("pengadilan.sipp." + name, args, reg.inventory_path,
                                     hosts=court.info["id"]))[court.info["id"]]


def newest_backup(court):
    backups = sorted(p for p in (court.root / "var/backups/sipp").iterdir() if (p / "BACKUP.json").exists())
    return backups[-1]


def back_up(reg, court):
    r = run_playbook("pengadilan.sipp.backup", reg.inventory_path, extravars=BACKUP_FAST_POLL, limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()
    return newest_backup(court)


@pytest.fixture(scope="module")
def backed_up(region):
    """{court id: its verified backup}: every court of the region backed up by the backup role in one run (the courts
    in parallel, as AWX runs the playbook), before any test breaks its court. Each test breaks a court of its own, so
    its backup is the court as the test found it, as if the test had made it first."""
    r = run_playbook("pengadilan.sipp.backup", region.inventory_path, extravars=BACKUP_FAST_POLL)
    assert r.status == "successful", r.stdout.read()
    return {court.info["id"]: newest_backup(court) for court in region.courts()}


def break_like_a_failed_upgrade(reg, court, packages, switch=True):
    """The faulty package copied to the court, its tree prepared and switched in, its migrations run (and failed).
    Returns (package path on the court, previous tree on the court or None, history path on the court)."""
    folder = court.root / "var/backups/sipp/paket"
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", ".sha256"):
        shutil.copy(str(packages / (FAULTY + suffix)), str(folder / (FAULTY + suffix)))
    package = on_court(reg, court, "var/backups/sipp/paket/" + FAULTY)
    history = on_court(reg, court, "var/backups/sipp/history.jsonl")
    previous = None
    if switch:
        res = module(reg, court, "sipp_app_tree", dict(state="prepared", app_path=court.app_path, package=package))
        assert res["_event"] == "runner_on_ok", res
        res = module(reg, court, "sipp_app_tree", dict(state="switched", app_path=court.app_path,
                                                        staging=res["staging"]))
        assert res["_event"] == "runner_on_ok", res
        previous = res["previous"]
        assert http_get(court.url)[0] == 500        # 5.2.0 code on the 5.1.0 schema
    res = module(reg, court, "sipp_migrate", dict(package=package, history=history, app_path=court.app_path))
    assert res["_event"] == "runner_on_failed" and res["failed_file"], res
    return package, previous, history


def roll_back(reg, court, **extra):
    r = run_playbook(PLAYBOOK, reg.inventory_path, extravars=dict(ROLLBACK_FAST_POLL, **extra), limit=court.info["id"])
    res = task_results(r, RESULT_TASK).get(court.info["id"], {})
    return r, res.get("ansible_facts", {}).get("sipp_rollback_result")


def assert_back_as_backed_up(court, backup, original_tree, before_maint):
    status, body = http_get(court.url)
    assert status == 200 and "Versi 5.1.0" in body, (status, body[:300])
    assert sql(court, "SELECT value FROM sys_config WHERE id = 80")[0][0] == "5.1.0"
    assert maintenance(court) == before_maint                 # online, the message as before
    sums, structures = as_in_backup(court)
    want_sums, want_structures = manifest_of(backup)
    assert sums == want_sums
    assert structures == want_structures
    assert tree_files(court.app_dir) == original_tree


def history_results(court, package):
    path = court.root / "var/backups/sipp/history.jsonl"
    name = os.path.basename(package)
    return [e["result"] for e in (json.loads(x) for x in path.read_text().splitlines() if x.strip())
            if e.get("package") == name or os.path.basename(str(e.get("package"))) == name]


# --- the cases ------------------------------------------------------------------------------------------------------

def test_failed_migration_rolled_back_table_by_table(region, backed_up, packages):
    court = region.courts()[0]
    backup = backed_up[court.info["id"]]
    original_tree, before_maint = tree_files(court.app_dir), maintenance(court)
    modes = tree_modes(court.app_dir)
    package, previous, history = break_like_a_failed_upgrade(region, court, packages)
    # the failure left two tables changed
    assert set(manifest_of(backup)[0].items()) != set(as_in_backup(court)[0].items())

    r, res = roll_back(region, court, sipp_rollback_previous_tree=previous, sipp_rollback_packages=[package],
                       sipp_rollback_migrate_history=history)
    assert r.status == "successful", r.stdout.read()
    assert res["ok"] is True and res["proved"] is True and res["mode"] == "tables", res
    assert res["version"] == "5.1.0" and res["page_status"] == 200
    assert res["backup"].endswith(backup.name) and res["app_from"] == previous
    # only what the failed migration changed (and sys_config, whose maintenance switch the rollback itself set)
    assert CHANGED_BY_FAULT <= set(res["tables_restored"]) <= CHANGED_BY_FAULT | {"sys_config"}, res
    assert_back_as_backed_up(court, backup, original_tree, before_maint)
    assert tree_modes(court.app_dir) == modes
    assert history_results(court, package)[-1] == "rolled_back"


def test_unproven_table_restore_falls_back_to_the_whole_dump(region, backed_up, packages):
    court = region.courts()[1]
    backup = backed_up[court.info["id"]]
    original_tree, before_maint = tree_files(court.app_dir), maintenance(court)
    package, previous, history = break_like_a_failed_upgrade(region, court, packages)

    r, res = roll_back(region, court, sipp_rollback_previous_tree=previous, sipp_rollback_packages=[package],
                       sipp_rollback_migrate_history=history, sipp_rollback_force_full=True,
                       sipp_rollback_language="en")
    assert r.status == "successful", r.stdout.read()
    assert res["ok"] is True and res["proved"] is True and res["mode"] == "full", res
    assert len(res["tables_restored"]) == len(manifest_of(backup)[0])
    assert any("table by table" in step for step in res["done"]) and any("FAILED" in s for s in res["done"]), res
    assert_back_as_backed_up(court, backup, original_tree, before_maint)
    assert history_results(court, package)[-1] == "rolled_back"


def test_manual_rollback_from_the_backup_copy_of_the_application(region, backed_up, packages):
    """No old tree kept: the application folder comes back from the backup's app/ (rsync --delete); the newest
    verified backup is found by itself; a file the failed upgrade added is gone, a file it removed is back."""
    court = region.courts()[2]
    backup = backed_up[court.info["id"]]
    original_tree, before_maint = tree_files(court.app_dir), maintenance(court)
    package, _previous, history = break_like_a_failed_upgrade(region, court, packages, switch=False)
    # a damaged application folder: a stray file, a changed file, a removed file
    (court.app_dir / "application/stray.php").write_text("<?php // left by the upgrade\n")
    victim = sorted(p for p in court.app_dir.rglob("*.php") if "config" not in p.parts)[0]
    victim.write_text(victim.read_text() + "\n/* patched */\n")
    gone = sorted(p for p in court.app_dir.rglob("*.css"))[0] if list(court.app_dir.rglob("*.css")) else None
    if gone:
        gone.unlink()

    r, res = roll_back(region, court, sipp_rollback_packages=[package], sipp_rollback_migrate_history=history)
    assert r.status == "successful", r.stdout.read()
    assert res["ok"] is True and res["mode"] == "tables" and res["backup"].endswith(backup.name), res
    assert res["app_from"].endswith(backup.name + "/app"), res
    assert_back_as_backed_up(court, backup, original_tree, before_maint)
    modes = tree_modes(court.app_dir)
    assert all(m & 0o004 for m in modes.values()), "the web server must read every restored file"


def test_refuses_a_missing_backup_and_changes_nothing(region, tmp_path):
    court = region.courts()[0]
    before = as_in_backup(court)
    r, _res = roll_back(region, court, sipp_rollback_backup_dir=str(tmp_path / "kosong"))
    assert r.status == "failed"
    assert "Tidak ada cadangan yang lolos pembuktian" in r.stdout.read()
    assert as_in_backup(court) == before
    assert maintenance(court)[6] == "0"


def test_check_mode_previews_and_changes_nothing(region, backed_up):
    court = region.courts()[0]
    before, before_maint = as_in_backup(court), maintenance(court)
    r = run_playbook(PLAYBOOK, region.inventory_path, extravars=ROLLBACK_FAST_POLL, check=True,
                     limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()
    res = task_results(r, RESULT_TASK)[court.info["id"]]["ansible_facts"]["sipp_rollback_result"]
    assert res["mode"] == "preview" and res["version"] == "5.1.0" and res["proved"] is False, res
    # only the maintenance switch differs from the dump (the backup was taken offline)
    assert res["tables_restored"] == ["sys_config"] and res["tables_dropped"] == [], res
    assert as_in_backup(court) == before and maintenance(court) == before_maint


def test_unprovable_rollback_leaves_sipp_offline_and_says_what_was_done(region, backed_up):
    """Both proofs fail (the version demanded is not the backup's): the whole dump was restored too, SIPP stays
    offline with the message to call SATGAS SIPP, and the failure lists what was done."""
    court = region.courts()[2]
    r, _res = roll_back(region, court, sipp_rollback_from_version="9.9.9")
    out = r.stdout.read()
    assert r.status == "failed", out
    assert "tidak dapat dibuktikan" in out and "SATGAS SIPP" in out and "seluruhnya" in out, out
    maint = maintenance(court)
    assert maint[6] == "1" and "SATGAS SIPP" in maint[1], maint
    assert http_get(court.url)[0] == 503
    # the database itself is the backup's (the proof failed on the version demanded, not on the data)
    assert sql(court, "SELECT value FROM sys_config WHERE id = 80")[0][0] == "5.1.0"


@pytest.mark.ssh
def test_rollback_over_ssh(collection, packages):
    reg = start_region("srs", 1, "ssh", versions=["5.1.0"])
    try:
        court = reg.courts()[0]
        backup = back_up(reg, court)
        original_tree, before_maint = tree_files(court.app_dir), maintenance(court)
        package, previous, history = break_like_a_failed_upgrade(reg, court, packages)
        r, res = roll_back(reg, court, sipp_rollback_previous_tree=previous, sipp_rollback_packages=[package],
                           sipp_rollback_migrate_history=history)
        assert r.status == "successful", r.stdout.read()
        assert res["ok"] is True and res["mode"] == "tables" and res["page_status"] == 200, res
        assert CHANGED_BY_FAULT <= set(res["tables_restored"]) <= CHANGED_BY_FAULT | {"sys_config"}, res
        assert_back_as_backed_up(court, backup, original_tree, before_maint)
        assert history_results(court, package)[-1] == "rolled_back"
    finally:
        reg.down()
        shutil.rmtree(str(reg.dir), ignore_errors=True)
