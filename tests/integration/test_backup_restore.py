"""sipp_db_backup and sipp_db_restore run the way AWX runs them (ansible-runner ad-hoc) against REAL simulated courts.

Independent yardstick: the checksums are computed here with PyMySQL as root (COUNT(*) and CHECKSUM TABLE), not with
the collection's code.
"""
import hashlib
import json
import os
import shutil
import stat
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest

from sippsim import faults
from sippsim.court import SIPP_DB
from sipptest import (VOLUME_SCALE, assert_no_secret, lay_over, module_results, region_secrets, run_module,
                      start_region)

BACKUP = "pengadilan.sipp.sipp_db_backup"
RESTORE = "pengadilan.sipp.sipp_db_restore"
SEARCH = "{{ sipp_search_paths | default(omit) }}"

pytestmark = pytest.mark.slow


# --- helpers ---------------------------------------------------------------------------------------------------
def q(court, sql, args=None):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def checksums(court):
    """{table: {'rows': n, 'checksum': str}} of every base table, computed here."""
    tables = [r[0] for r in q(court, "SELECT table_name FROM information_schema.tables WHERE table_schema=%s "
                                     "AND table_type='BASE TABLE'", (SIPP_DB,))]
    out = {}
    for t in sorted(tables):
        rows = q(court, "SELECT COUNT(*) FROM `%s`" % t)[0][0]
        out[t] = {"rows": int(rows), "checksum": str(q(court, "CHECKSUM TABLE `%s`" % t)[0][1])}
    return out


def structure(court):
    """{table: [(column, type), ...]} of the base tables, computed here."""
    out = {}
    for t, c, ty in q(court, "SELECT c.table_name, c.column_name, c.column_type FROM information_schema.columns c "
                             "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND "
                             "t.table_name = c.table_name WHERE c.table_schema=%s AND t.table_type='BASE TABLE' "
                             "ORDER BY c.table_name, c.ordinal_position", (SIPP_DB,)):
        out.setdefault(t, []).append((c, ty))
    return out


def view_names(court):
    return sorted(r[0] for r in q(court, "SELECT table_name FROM information_schema.views WHERE table_schema=%s",
                                  (SIPP_DB,)))


def host_path(court, path):
    """A path the module saw on the court, as seen from the test (ssh courts: inside the court root)."""
    return Path(path) if court.mode == "local" else court.root / str(path).lstrip("/")


def backup_dest(court, name="SIPP-test"):
    if court.mode == "local":
        return str(court.root / "var/backups/sipp" / name / "database.sql.zst")
    return "/var/backups/sipp/%s/database.sql.zst" % name


def one(runner):
    results = module_results(runner)
    assert len(results) == 1, runner.stdout.read()
    return list(results.values())[0]


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def do_backup(region, court, dest, **kw):
    args = dict(dict(dest=dest, search_paths=SEARCH), **kw)
    r = run_module(BACKUP, args, region.inventory_path, hosts=court.info["id"])
    assert_no_secret(region, r.config.private_data_dir)
    return one(r)


def do_restore(region, court, src, check=False, **kw):
    args = dict(dict(src=src, search_paths=SEARCH), **kw)
    r = run_module(RESTORE, args, region.inventory_path, hosts=court.info["id"], check=check)
    assert_no_secret(region, r.config.private_data_dir)
    return one(r)


def check_backup(court, res, dest):
    assert res["_event"] == "runner_on_ok", res.get("msg")
    b = res["backup"]
    f = host_path(court, dest)
    assert b["dest"] == dest and f.is_file()
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(f.parent.stat().st_mode) == 0o700
    assert b["sha256"] == sha256(f) and b["size_bytes"] == f.stat().st_size
    assert f.read_bytes()[:4] == b"\x28\xb5\x2f\xfd" and b["compression"] == "zstd"
    m = host_path(court, b["manifest"])
    assert stat.S_IMODE(m.stat().st_mode) == 0o600
    manifest = json.loads(m.read_text())
    assert manifest["dump"]["sha256"] == b["sha256"]
    assert manifest["database"] == SIPP_DB and manifest["sipp_version"] == court.info["version"]
    assert manifest["tables"] == checksums(court)
    assert b["tables"] == len(manifest["tables"]) > 10
    assert manifest["views"] == view_names(court)
    # nothing but the dump and its manifest in the folder: no temporary file left
    assert sorted(p.name for p in f.parent.iterdir()) == sorted([f.name, m.name])
    # the dump is complete and holds only SIPP's database (no CREATE DATABASE / USE)
    sql = subprocess.run(["zstd", "-dc", str(f)], capture_output=True, check=True).stdout
    assert sql.rstrip().splitlines()[-1].startswith(b"-- Dump completed")
    assert b"CREATE DATABASE" not in sql and b"\nUSE " not in sql
    return manifest


def damage(court):
    q(court, "DELETE FROM perkara_pihak1 WHERE MOD(pihak_id, 3) = 0")
    q(court, "UPDATE perkara SET pihak1_text = CONCAT(pihak1_text, ' (diubah)') WHERE MOD(perkara_id, 5) = 0")
    q(court, "DELETE FROM sys_audittrail")


@pytest.fixture(scope="module")
def faulty_packages(tmp_path_factory):
    out = tmp_path_factory.mktemp("faulty")
    return out, faults.build_faulty(out)





class PsWatch(threading.Thread):
    """Reads every process's command line while a module runs; remembers what it saw."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.lines = set()

    def run(self):
        while not self.stop.is_set():
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        self.lines.add(Path("/proc/%s/cmdline" % pid).read_bytes().replace(b"\0", b" ")
                                       .decode(errors="replace"))
                    except OSError:
                        pass
            self.stop.wait(0.02)


# --- tests -----------------------------------------------------------------------------------------------------
def test_backup_then_full_restore_local(collection):
    reg = start_region("sbr", 1, "local", scale=VOLUME_SCALE)
    try:
        court = reg.courts()[0]
        dest = backup_dest(court)
        watch = PsWatch()
        watch.start()
        try:
            res = do_backup(reg, court, dest)
        finally:
            watch.stop.set()
            watch.join()
        manifest = check_backup(court, res, dest)
        for line in watch.lines:
            for s in region_secrets(reg):
                assert s not in line, "a password was visible in ps: %s" % line
        # the module's own `mariadb-dump --no-defaults --help` (it reads no option file, holds no credential) aside
        dumps = [line for line in watch.lines
                 if ("-dump " in line or "mysqldump " in line) and "--no-defaults --help" not in line]
        for line in dumps:  # seen when the poll caught it (the dump is short): the option file comes first
            assert line.split()[1].startswith("--defaults-extra-file="), line

        # a rerun keeps the verified backup
        again = do_backup(reg, court, dest)
        assert again["_event"] == "runner_on_ok" and again["changed"] is False
        assert again["backup"]["kept_existing"] is True and again["backup"]["sha256"] == res["backup"]["sha256"]

        # nothing to restore yet: auto mode changes nothing
        same = do_restore(reg, court, dest, tables="auto")
        assert same["_event"] == "runner_on_ok" and same["changed"] is False, same.get("msg")
        assert same["restore"]["verified"] is True and same["restore"]["tables_restored"] == []

        damage(court)
        assert checksums(court) != manifest["tables"]
        # check mode: the damaged tables are named, nothing changes
        before = checksums(court)
        plan = do_restore(reg, court, dest, check=True, tables="auto")
        assert plan["_event"] == "runner_on_ok" and plan["changed"] is True
        assert set(plan["restore"]["tables_restored"]) == {"perkara_pihak1", "perkara", "sys_audittrail"}
        assert checksums(court) == before

        full = do_restore(reg, court, dest, sha256=res["backup"]["sha256"])
        assert full["_event"] == "runner_on_ok", full.get("msg")
        r = full["restore"]
        assert full["changed"] is True and r["mode"] == "full" and r["verified"] is True and r["differences"] == []
        assert set(r["tables_restored"]) == set(manifest["tables"]) and r["views_restored"] is True
        assert checksums(court) == manifest["tables"]
        assert view_names(court) == manifest["views"]

        # a wrong sha256 is refused before anything changes
        damage(court)
        damaged = checksums(court)
        bad = do_restore(reg, court, dest, sha256="0" * 64)
        assert bad["_event"] == "runner_on_failed" and "sha256" in bad["msg"] and "Tidak ada yang diubah" in bad["msg"]
        assert checksums(court) == damaged
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_faulty_migration_rolled_back_table_by_table(collection, faulty_packages):
    out, mapping = faulty_packages
    name = [n for n, f in mapping.items() if f["breaks"] == "migration_fails_halfway"][0]
    pkg = out / name
    with zipfile.ZipFile(pkg) as z:
        from_version = json.loads(z.read("manifest.json"))["from_version"]
    reg = start_region("sbm", 1, "local", versions=[from_version], scale=VOLUME_SCALE)
    try:
        court = reg.courts()[0]
        dest = backup_dest(court, "SIPP-mig")
        manifest = check_backup(court, do_backup(reg, court, dest), dest)
        shape = structure(court)
        err = lay_over(court, pkg)[1]
        assert err, "the faulty migration must fail"
        now = checksums(court)
        now_shape = structure(court)
        changed = {t for t in manifest["tables"]
                   if now.get(t) != manifest["tables"][t] or now_shape.get(t) != shape[t]}
        new = set(now) - set(manifest["tables"])
        assert len(changed) >= 2, changed

        plan = do_restore(reg, court, dest, check=True, tables="auto", drop_new_tables=True)
        assert plan["_event"] == "runner_on_ok", plan.get("msg")
        assert set(plan["restore"]["tables_restored"]) == changed
        assert set(plan["restore"]["tables_dropped"]) == new
        assert checksums(court) == now  # check mode changed nothing

        res = do_restore(reg, court, dest, tables="auto", drop_new_tables=True)
        assert res["_event"] == "runner_on_ok", res.get("msg")
        r = res["restore"]
        assert res["changed"] is True and r["mode"] == "auto"
        assert set(r["tables_restored"]) == changed, "only the tables the migration touched"
        assert set(r["tables_dropped"]) == new
        assert r["verified"] is True and r["differences"] == [] and r["extra_tables"] == []
        assert checksums(court) == manifest["tables"]
        assert structure(court) == shape, "every column is back as it was"
        assert view_names(court) == manifest["views"]
        assert q(court, "SELECT value FROM sys_config WHERE id = 80")[0][0] == from_version

        # a second run has nothing left to do
        again = do_restore(reg, court, dest, tables="auto", drop_new_tables=True)
        assert again["_event"] == "runner_on_ok" and again["changed"] is False
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_full_disk_and_unwritable_destination(region_local, collection):
    """On a court of the session's local region (its own region cost seconds to start): every backup here fails and
    leaves the database as it was (asserted below); the blocker file and the small filesystem are removed afterwards."""
    reg = region_local
    court = reg.courts()[0]
    blocker = court.root / "var/backups/blocker"
    small = None
    try:
        before = checksums(court)
        # unwritable: a file stands where a folder should be
        blocker.write_text("not a folder\n")
        res = do_backup(reg, court, str(blocker / "SIPP-x/database.sql.zst"))
        assert res["_event"] == "runner_on_failed"
        assert "tidak dapat dibuat atau ditulisi" in res["msg"] and "Tidak ada yang ditulis" in res["msg"]
        assert blocker.read_text() == "not a folder\n"

        # a full disk: a 64 KiB filesystem (a court of sipptest.TEST_SCALE dumps about 1.2 MB, 190 KB gzipped)
        small = court.root / "var/backups/small"
        small.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)], check=True)
        dest = str(small / "SIPP-x/database.sql.zst")
        # the estimate stops it before anything is written, and says so (English on request)
        res = do_backup(reg, court, dest, language="en")
        assert res["_event"] == "runner_on_failed"
        assert "Not enough free space" in res["msg"] and "Nothing was written" in res["msg"]
        assert "another destination" in res["msg"]
        assert list(small.iterdir()) == []
        # without the estimate the disk fills during the dump: the failure is caught, the partial file removed
        res = do_backup(reg, court, dest, min_free_ratio=0, compression="none")
        assert res["_event"] == "runner_on_failed", res
        assert "write" in res["msg"] or "compress" in res["msg"]
        assert "Berkas sementara sudah dihapus" in res["msg"]
        leftovers = [p for p in small.rglob("*") if p.is_file()]
        assert leftovers == []
        res = do_backup(reg, court, dest, min_free_ratio=0, compression="gzip")
        assert res["_event"] == "runner_on_failed" and "compress" in res["msg"], res.get("msg")
        assert [p for p in small.rglob("*") if p.is_file()] == []
        assert checksums(court) == before
    finally:
        if small is not None:
            subprocess.run(["umount", str(small)], check=False)
            if small.is_dir() and not os.path.ismount(str(small)):
                shutil.rmtree(str(small), ignore_errors=True)
        blocker.unlink(missing_ok=True)


@pytest.mark.ssh
def test_ssh_court_cli_backend(collection):
    reg = start_region("spb2", 1, "ssh", scale=VOLUME_SCALE)
    try:
        court = reg.courts()[0]
        dest = backup_dest(court)
        manifest = check_backup(court, do_backup(reg, court, dest), dest)
        damage(court)
        res = do_restore(reg, court, dest)
        assert res["_event"] == "runner_on_ok", res.get("msg")
        assert res["restore"]["verified"] is True
        assert checksums(court) == manifest["tables"]
        damage(court)
        res = do_restore(reg, court, dest, tables="auto")
        assert res["_event"] == "runner_on_ok", res.get("msg")
        assert set(res["restore"]["tables_restored"]) == {"perkara_pihak1", "perkara", "sys_audittrail"}
        assert checksums(court) == manifest["tables"]
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


PY36 = "/root/.pyenv/versions/3.6.15/bin/python3.6"


def test_centos7_python36_ansible_core_216(collection):
    """CentOS 7 courts: the modules run on Python 3.6 without PyMySQL (mysql client backend), ansible-core 2.16."""
    from sipptest import BIN_216, ansible_env
    ansible216 = BIN_216 / "ansible"
    assert ansible216.exists(), "make setup creates .venv-2.16"
    assert os.path.exists(PY36), "Python 3.6 (CentOS 7's) expected at %s" % PY36
    reg = start_region("sb36", 1, "local", scale=VOLUME_SCALE)
    try:
        court = reg.courts()[0]
        env = dict(os.environ, **ansible_env())
        env.update(ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="minimal",
                   ANSIBLE_CALLBACK_RESULT_FORMAT="json")

        def adhoc(module, args):
            out = subprocess.run([str(ansible216), "-i", str(reg.inventory_path), court.info["id"], "-m", module,
                                  "-a", json.dumps(args), "-e", "ansible_python_interpreter=%s" % PY36],
                                 capture_output=True, text=True, env=env, timeout=600)
            for s in region_secrets(reg):
                assert s not in out.stdout + out.stderr
            assert "{" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
            return out.returncode, json.loads(out.stdout[out.stdout.index("{"):])

        dest = backup_dest(court, "SIPP-py36")
        rc, res = adhoc(BACKUP, {"dest": dest, "search_paths": [str(court.root / "var/www/html")]})
        assert rc == 0, res
        manifest = check_backup(court, dict(res, _event="runner_on_ok"), dest)
        damage(court)
        rc, res = adhoc(RESTORE, {"src": dest, "tables": ["auto"], "search_paths": [str(court.root / "var/www/html")]})
        assert rc == 0, res
        assert res["restore"]["verified"] is True
        assert set(res["restore"]["tables_restored"]) == {"perkara_pihak1", "perkara", "sys_audittrail"}
        assert checksums(court) == manifest["tables"]
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)
