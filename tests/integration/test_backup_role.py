"""The backup role (SOP step 2) through ansible-runner against real simulated courts: verified, root-only,
incremental, refused when the disk is short, retention that never drops the newest verified backup."""
import contextlib
import json
import re
import shutil
import stat

import pytest
import yaml

from sippsim.court import SIPP_DB, http_get
from sipptest import REPO, VOLUME_SCALE, region_while_needed, run_playbook, task_results

PLAYBOOK = "pengadilan.sipp.backup"
# The dump and the copy run asynchronously; the role checks on them every sipp_backup_poll_interval seconds (10 by
# default, for production). A small simulated court finishes both in about a second, so the tests check every second:
# the same tasks run, the same way, without waiting up to ten seconds after each has finished.
FAST_POLL = {"sipp_backup_poll_interval": 1}


@pytest.fixture(scope="module")
def court1():
    # a court of the data volume the backup tests are about (sipptest.VOLUME_SCALE)
    yield from region_while_needed("spr", 1, "local", scale=VOLUME_SCALE)


def backups(court):
    root = court.root / "var/backups/sipp"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


def checksums(court):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema=%s "
                        "AND table_type='BASE TABLE'", (SIPP_DB,))
            tables = [r[0] for r in cur.fetchall()]
            cur.execute("CHECKSUM TABLE %s" % ", ".join("`%s`" % t for t in tables))
            return {name.split(".", 1)[1]: str(value) for name, value in cur.fetchall()}
    finally:
        conn.close()


@contextlib.contextmanager
def in_maintenance(court):
    """The court as the backup role leaves it while dumping: offline with the role's default message."""
    defaults = yaml.safe_load((REPO / "roles/backup/defaults/main.yml").read_text())
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, value FROM sys_config WHERE id IN (1, 6)")
            saved = dict(cur.fetchall())
            cur.execute("UPDATE sys_config SET value = %s WHERE id = 1", (defaults["sipp_backup_maintenance_message"],))
            cur.execute("UPDATE sys_config SET value = '1' WHERE id = 6")
        yield
    finally:
        with conn.cursor() as cur:
            for rid, value in saved.items():
                cur.execute("UPDATE sys_config SET value = %s WHERE id = %s", (value, rid))
        conn.close()


def site_offline(court):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT value FROM sys_config WHERE id = 6")
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_backup_is_verified_root_only_and_incremental(court1, collection):
    court = court1.courts()[0]
    r = run_playbook(PLAYBOOK, court1.inventory_path, extravars=FAST_POLL)
    assert r.status == "successful", r.stdout.read()
    first = backups(court)
    assert len(first) == 1
    b = first[0]
    assert re.fullmatch(r"SIPP-%s-\d{4}-\d{2}-\d{2}-\d{4}" % court.info["kode_satker"], b.name), b.name
    record = json.loads((b / "BACKUP.json").read_text())
    assert record["verified"] is True and record["version"] == court.info["version"]
    # everything readable by root alone
    for p in [b] + list(b.rglob("*")):
        mode = stat.S_IMODE(p.lstat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), "%s has mode %o" % (p, mode)
    # the dump's manifest is the yardstick of "nothing lost": it equals the live tables
    # (taken in maintenance: sys_config then holds SiteOffline = 1 and the maintenance message)
    manifest = json.loads(next(b.glob("database.sql*.manifest.json")).read_text())
    with in_maintenance(court):
        live = checksums(court)
    assert {t: str(v["checksum"]) for t, v in manifest["tables"].items()} == live
    # the application folder and uploads are all there
    src = sorted(str(p.relative_to(court.app_dir)) for p in court.app_dir.rglob("*") if p.is_file())
    dst = sorted(str(p.relative_to(b / "app")) for p in (b / "app").rglob("*") if p.is_file())
    assert src == dst and record["app_files"] == len(src)
    # SIPP is back online
    assert site_offline(court) == "0" and http_get(court.url)[0] == 200

    # the second backup links unchanged files to the first instead of copying them
    new_doc = court.app_dir / "resources/file/baru.pdf"
    new_doc.write_bytes(b"%PDF-1.4 new upload")
    r = run_playbook(PLAYBOOK, court1.inventory_path, extravars=FAST_POLL)
    assert r.status == "successful", r.stdout.read()
    second = [p for p in backups(court) if p != b][0]
    for rel in dst[:50]:
        assert (second / "app" / rel).stat().st_ino == (b / "app" / rel).stat().st_ino, rel
    assert (second / "app/resources/file/baru.pdf").stat().st_nlink == 1
    assert json.loads((second / "BACKUP.json").read_text())["linked_to"] == b.name


def test_retention_keeps_n_and_the_newest_verified(court1, collection):
    court = court1.courts()[0]
    root = court.root / "var/backups/sipp"
    # two verified backups before the last run, so that it has an older one to delete: the backups the test before
    # made on this court count, so only the missing ones are made here (each run keeps two, the newest)
    for _ in range(2):
        r = run_playbook(PLAYBOOK, court1.inventory_path, extravars=dict(FAST_POLL, sipp_backup_keep=2))
        assert r.status == "successful", r.stdout.read()
        verified = [p for p in backups(court) if (p / "BACKUP.json").exists()]
        assert len(verified) <= 2, verified
        if len(verified) == 2:
            break
    assert len(verified) == 2, verified
    # an unverified leftover newer than everything (a run killed half-way) must not push out the newest verified
    leftover = root / ("SIPP-%s-2999-12-31-2359" % court.info["kode_satker"])
    leftover.mkdir(mode=0o700)
    r = run_playbook(PLAYBOOK, court1.inventory_path, extravars=dict(FAST_POLL, sipp_backup_keep=1))
    assert r.status == "successful", r.stdout.read()
    left = backups(court)
    verified = [p for p in left if (p / "BACKUP.json").exists()]
    assert len(verified) == 1 and leftover in left
    assert len(left) == 2


def test_short_disk_stops_before_anything_changes(court1, collection):
    court = court1.courts()[0]
    before = backups(court)
    r = run_playbook(PLAYBOOK, court1.inventory_path,
                     extravars=dict(FAST_POLL, sipp_backup_space_margin_percent=10 ** 12))
    assert r.status == "failed"
    failed = [res for res in task_results(r, "Pastikan ruang disk cukup sebelum mulai").values()]
    assert failed and "tidak cukup" in failed[0]["msg"] and "Tidak ada yang diubah" in failed[0]["msg"]
    assert backups(court) == before
    assert site_offline(court) == "0"


def test_backup_over_ssh(region_ssh, collection):
    """On a court of the session's ssh region (its own region cost seconds to start): the backup this test makes is
    told apart from anything already there, and removed afterwards, so the court is left as it was found."""
    court = region_ssh.courts()[0]
    root = court.root / "var/backups/sipp"  # the court's /var/backups/sipp, seen from the host
    root_existed = root.exists()
    before = backups(court)
    try:
        r = run_playbook(PLAYBOOK, region_ssh.inventory_path, extravars=FAST_POLL, limit=court.info["id"])
        assert r.status == "successful", r.stdout.read()
        made = [p for p in backups(court) if p not in before]
        assert len(made) == 1 and (made[0] / "BACKUP.json").exists()
        assert json.loads((made[0] / "BACKUP.json").read_text())["app_path"] == "/var/www/html/%s" % \
            court.info["app_folder"]
        assert site_offline(court) == "0"
    finally:
        for p in backups(court):
            if p not in before:
                shutil.rmtree(p, ignore_errors=True)
        if not root_existed:
            shutil.rmtree(root, ignore_errors=True)


def pulled(dest, court):
    d = dest / court.info["id"]
    return sorted(p for p in d.iterdir() if p.is_dir()) if d.exists() else []


def test_backup_pulled_off_the_court_to_the_controller(court1, collection, tmp_path):
    """sipp_backup_pull_dir: a proved copy on the controller, root only, unchanged files hard-linked to the previous
    copy, its own retention; the court keeps its backup."""
    court = court1.courts()[0]
    dest = tmp_path / "nas"
    runs = []
    for _ in range(3):
        r = run_playbook(PLAYBOOK, court1.inventory_path,
                         extravars=dict(FAST_POLL, sipp_backup_pull_dir=str(dest), sipp_backup_pull_keep=2))
        assert r.status == "successful", r.stdout.read()[-3000:]
        runs.append(task_results(r, "Catat hasil pencadangan")[court.info["id"]]["ansible_facts"]["sipp_backup_result"])
    copies = pulled(dest, court)
    assert [p.name for p in copies] == sorted(x["name"] for x in runs[1:])          # keep 2: the oldest copy is gone
    assert runs[-1]["pulled_to"] == str(copies[-1]) and (court.root / "var/backups/sipp" / runs[-1]["name"]).is_dir()
    newest = copies[-1]
    record = json.loads((newest / "BACKUP.json").read_text())
    dump = newest / ("database.sql" + {"zstd": ".zst", "gzip": ".gz"}.get(record["database"]["compression"], ""))
    import hashlib
    assert hashlib.sha256(dump.read_bytes()).hexdigest() == record["database"]["sha256"]
    assert stat.S_IMODE((dest / court.info["id"]).stat().st_mode) == 0o700
    for p in newest.rglob("*"):
        assert stat.S_IMODE(p.lstat().st_mode) == (0o700 if p.is_dir() else 0o600), p
    # incremental: an application file that did not change is the same inode in both copies
    rel = "application/config/config.php"
    assert (copies[0] / "app" / rel).stat().st_ino == (newest / "app" / rel).stat().st_ino
    assert sum(1 for p in (newest / "app").rglob("*") if p.is_file()) == record["app_files"]


def test_pull_to_an_unusable_controller_folder_fails_clearly_and_keeps_the_court_backup(court1, collection, tmp_path):
    court = court1.courts()[0]
    blocker = tmp_path / "bukan-folder"
    blocker.write_text("a file where the folder should be\n")
    before = backups(court)
    r = run_playbook(PLAYBOOK, court1.inventory_path,
                     extravars=dict(FAST_POLL, sipp_backup_pull_dir=str(blocker)))
    assert r.status == "failed"
    out = r.stdout.read()
    assert "terverifikasi di server pengadilan" in out and "cadangan di server tetap utuh" in out
    made = [p for p in backups(court) if p not in before]
    assert len(made) == 1 and json.loads((made[0] / "BACKUP.json").read_text())["verified"] is True
    assert site_offline(court) == "0"


def test_pull_over_ssh(region_ssh, collection, tmp_path):
    """rsync from the controller over the court's own SSH settings (key, options) from the inventory."""
    court = region_ssh.courts()[0]
    root = court.root / "var/backups/sipp"
    root_existed = root.exists()
    before = backups(court)
    try:
        r = run_playbook(PLAYBOOK, region_ssh.inventory_path, limit=court.info["id"],
                         extravars=dict(FAST_POLL, sipp_backup_pull_dir=str(tmp_path)))
        assert r.status == "successful", r.stdout.read()[-3000:]
        made = [p for p in backups(court) if p not in before]
        copy = pulled(tmp_path, court)
        assert len(made) == 1 and [p.name for p in copy] == [made[0].name]
        assert (copy[0] / "BACKUP.json").read_bytes() == (made[0] / "BACKUP.json").read_bytes()
    finally:
        for p in backups(court):
            if p not in before:
                shutil.rmtree(p, ignore_errors=True)
        if not root_existed:
            shutil.rmtree(root, ignore_errors=True)
