"""Symlinked folders of the application (uploads on another disk), with ansible-runner on real simulated courts.

One court has its uploads (``resources/file``) and its logs on a small tmpfs made here (``sippsim move``), as courts
do when the documents outgrow the system disk: the backup holds every document (counted, and each one's sha256
compared here), records the links, and proves itself; a manual rollback after documents were removed, changed and
added and the link itself removed puts back the same layout; an upgrade keeps the links, and a failed one is
downgraded to the same layout. Another court has links that are not safe to follow: its backup is refused before
anything is copied. "The same layout" and "nothing touched" are the simulator's fingerprint, which follows a link
out of the application folder."""
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sippsim.court import http_get
from sippsim.fingerprint import differences
from sipptest import (FAST_POLLS, build_packages, fingerprints, region_while_needed, run_playbook, task_results,
                      upgrade_results)

BACKUP = "pengadilan.sipp.backup"
ROLLBACK = "pengadilan.sipp.rollback"
BACKUP_RESULT = "Catat hasil pencadangan"
LINK_CHECK = "Pastikan setiap tautan simbolik di folder aplikasi aman untuk diikuti"
GOOD = "sipp-5.1.0-5.2.0.zip"
FAULTY = "faulty/sipp-5.1.0-5.2.0-migration_fails_halfway.zip"
RUN = dict(FAST_POLLS, sipp_monitor_report=False)


@pytest.fixture(scope="module")
def region(collection):
    for reg in region_while_needed("slnk", 2, "local", versions=["5.1.0", "5.1.0"]):
        linked, unsafe = reg.courts()
        disk = reg.dir / "disk2"
        disk.mkdir()
        # the other disk: a small filesystem made for the test (never the machine's own disk)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs", str(disk)], check=True)
        try:
            linked.move_folder(disk / "dokumen", "resources/file")
            # CodeIgniter's log folder, kept on the same disk by this court
            logs = linked.app_dir / "application/logs"
            logs.mkdir()
            (logs / "log-2026-12-01.php").write_text("<?php defined('BASEPATH') OR exit; ?>\nINFO - mulai\n")
            linked.move_folder(disk / "logs", "application/logs")
            reg.save()
            yield {"reg": reg, "linked": linked, "unsafe": unsafe, "disk": disk,
                   "paket": build_packages(reg.dir / "paket")}
        finally:
            subprocess.run(["umount", "-l", str(disk)], check=False)


def backup_dir(court):
    return court.root / "var/backups/sipp"


def sha256_tree(top):
    """{relative path: sha256} of every regular file under top (links not followed)."""
    out = {}
    for dirpath, _dirs, files in os.walk(str(top)):
        for name in files:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as handle:
                    out[os.path.relpath(path, str(top))] = hashlib.sha256(handle.read()).hexdigest()
    return out


def test_the_backup_holds_every_document_behind_the_link_and_records_the_link(region):
    reg, court = region["reg"], region["linked"]
    docs = Path(os.path.realpath(str(court.app_dir / "resources/file")))
    assert (court.app_dir / "resources/file").is_symlink() and docs == region["disk"] / "dokumen"
    live_docs = sha256_tree(docs)
    assert len(live_docs) > 20
    r = run_playbook(BACKUP, reg.inventory_path, extravars=RUN, limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()[-3000:]
    result = task_results(r, BACKUP_RESULT)[court.info["id"]]["ansible_facts"]["sipp_backup_result"]
    folder = Path(result["path"])
    # every document, byte for byte, under links/<the link's path>; the link itself in app/, as it is on the court
    assert sha256_tree(folder / "links/resources/file") == live_docs
    assert sha256_tree(folder / "links/application/logs") == sha256_tree(region["disk"] / "logs")
    assert os.readlink(str(folder / "app/resources/file")) == str(docs)
    record = json.loads((folder / "BACKUP.json").read_text())
    assert {(x["path"], x["target"], x["type"]) for x in record["app_links"]} == {
        ("resources/file", str(docs), "dir"), ("application/logs", str(region["disk"] / "logs"), "dir")}
    live_files = sum(1 for p in court.app_dir.rglob("*") if p.is_file() and not p.is_symlink())
    assert record["app_files"] == live_files + len(live_docs) + len(sha256_tree(region["disk"] / "logs"))
    assert record["verified"] is True and result["app_links"] == record["app_links"]
    # the second backup links what did not change to the first one (on the backup disk, not the uploads disk)
    r = run_playbook(BACKUP, reg.inventory_path, extravars=RUN, limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()[-3000:]
    second = Path(task_results(r, BACKUP_RESULT)[court.info["id"]]["ansible_facts"]["sipp_backup_result"]["path"])
    some = sorted(live_docs)[0]
    assert os.stat(str(second / "links/resources/file" / some)).st_ino == \
        os.stat(str(folder / "links/resources/file" / some)).st_ino


def test_a_rollback_puts_back_the_link_and_the_documents_where_they_were(region):
    reg, court = region["reg"], region["linked"]
    before = fingerprints(reg, [court.info["id"]])[court.info["id"]]
    docs = region["disk"] / "dokumen"
    names = sorted(sha256_tree(docs))
    (docs / names[0]).unlink()
    (docs / names[1]).write_bytes(b"berubah\n")
    (docs / "baru.pdf").write_bytes(b"%PDF tidak ada di cadangan\n")
    (court.app_dir / "resources/file").unlink()
    assert differences(before, fingerprints(reg, [court.info["id"]])[court.info["id"]])
    r = run_playbook(ROLLBACK, reg.inventory_path, extravars=RUN, limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()[-3000:]
    done = task_results(r, "Catat hasil downgrade")[court.info["id"]]["ansible_facts"]["sipp_rollback_result"]
    assert any("resources/file" in step for step in done["done"]), done["done"]
    after = fingerprints(reg, [court.info["id"]])[court.info["id"]]
    assert differences(before, after) == []
    assert (court.app_dir / "resources/file").is_symlink() and not (docs / "baru.pdf").exists()


def test_an_upgrade_keeps_the_links_and_a_failed_one_comes_back_to_the_same_layout(region):
    reg, court, paket = region["reg"], region["linked"], region["paket"]
    before = fingerprints(reg, [court.info["id"]])[court.info["id"]]
    common = dict(FAST_POLLS, sipp_upgrade_assisted_approved=True, sipp_upgrade_fail_on=[],
                  sipp_report_dir=str(reg.dir / "laporan"))
    r = run_playbook("pengadilan.sipp.upgrade", reg.inventory_path, limit=court.info["id"],
                     extravars=dict(common, sipp_upgrade_packages=[str(paket / FAULTY)], sipp_run_id="uji-tautan-1"))
    result = upgrade_results(r)[court.info["id"]]
    assert result["status"] == "didowngrade", result
    assert differences(before, fingerprints(reg, [court.info["id"]])[court.info["id"]]) == []

    docs = sha256_tree(region["disk"] / "dokumen")
    r = run_playbook("pengadilan.sipp.upgrade", reg.inventory_path, limit=court.info["id"],
                     extravars=dict(common, sipp_upgrade_packages=[str(paket / GOOD)], sipp_run_id="uji-tautan-2"))
    result = upgrade_results(r)[court.info["id"]]
    assert result["status"] == "berhasil", result
    for rel, target in (("resources/file", "dokumen"), ("application/logs", "logs")):
        assert os.readlink(str(court.app_dir / rel)) == str(region["disk"] / target)
    assert sha256_tree(region["disk"] / "dokumen") == docs


def test_nothing_of_ours_is_served_after_a_restore_from_the_backup_copy(region):
    """The upgraded court (its live tree holds the upgrade's record, the old and the failed trees lie beside it) is
    backed up, then put back from that backup's copy of the application: none of our files is readable through the
    court's web server (the simulator's answers as one running as its own user, e.g. apache, would)."""
    reg, court = region["reg"], region["linked"]
    assert (court.app_dir / ".sipp-tree.json").is_file()
    r = run_playbook(BACKUP, reg.inventory_path, extravars=dict(RUN, sipp_backup_clean_leftovers=False),
                     limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()[-3000:]
    folder = Path(task_results(r, BACKUP_RESULT)[court.info["id"]]["ansible_facts"]["sipp_backup_result"]["path"])
    assert (folder / "app/.sipp-tree.json").is_file()
    r = run_playbook(ROLLBACK, reg.inventory_path, extravars=RUN, limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()[-3000:]
    assert not (court.app_dir / ".sipp-tree.json").exists()

    docroot = court.app_dir.parent
    folder_name = court.app_dir.name
    ours = [p for p in docroot.iterdir() if p.name.startswith(".%s.sipp-" % folder_name)]
    ours += [p for p in docroot.rglob(".sipp-tree.json")]
    assert any(p.is_dir() for p in ours), ours  # the old and failed trees of the upgrades
    urls = []
    for path in ours:
        urls.append(path)
        if path.is_dir():
            urls += [path / "index.php", path / "application/config/database.php"]
    base = court.url[: -len(folder_name) - 1]
    assert http_get(court.url)[0] == 200  # the web server itself answers
    for path in urls:
        url = base + str(path.relative_to(docroot))
        status = http_get(url)[0]
        assert status in (403, 404), (url, status)


def test_links_that_are_not_safe_to_follow_are_refused_before_anything_is_copied(region):
    reg, court = region["reg"], region["unsafe"]
    res = court.app_dir / "resources"
    made = [res / "konfigurasi", res / "putar-a", res / "putar-b", res / "arsip"]
    os.symlink("/etc", str(made[0]))
    os.symlink("putar-b", str(made[1]))
    os.symlink("putar-a", str(made[2]))
    backup_dir(court).mkdir(parents=True, exist_ok=True)
    os.symlink(str(backup_dir(court)), str(made[3]))
    try:
        before = fingerprints(reg, [court.info["id"]])[court.info["id"]]
        backups = sorted(p.name for p in backup_dir(court).iterdir())
        for language, words in (("id", "folder sistem"), ("en", "a system folder")):
            r = run_playbook(BACKUP, reg.inventory_path, limit=court.info["id"],
                             extravars=dict(RUN, sipp_language=language))
            assert r.rc != 0
            failed = task_results(r, LINK_CHECK)[court.info["id"]]
            assert failed["_event"] == "runner_on_failed", failed
            text = failed["msg"]
            assert "resources/konfigurasi -> /etc (" + ("menunjuk ke /etc, " if language == "id" else "points to /etc, ") \
                + words + ")" in text, text
            assert "resources/putar-a" in text and "resources/putar-b" in text and "resources/arsip" in text
            assert ("Tidak ada yang disalin atau diubah" if language == "id" else "Nothing was copied") in text
            assert sorted(p.name for p in backup_dir(court).iterdir()) == backups
            assert differences(before, fingerprints(reg, [court.info["id"]])[court.info["id"]]) == []
    finally:
        for link in made:
            link.unlink()
    shutil.rmtree(str(reg.dir / "laporan"), ignore_errors=True)


def test_a_disk_that_fills_during_the_application_copy_names_its_cause(region):
    """The backup disk (a small tmpfs made here) passes the estimate, then fills right after the dump (a fault
    injected between the two tasks): the failure says "No space left on device", which disk and what was needed;
    the unfinished backup is removed and the court is untouched."""
    reg, court = region["reg"], region["unsafe"]
    small = reg.dir / "cadangan-kecil"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", str(small)], check=True)
    try:
        before = fingerprints(reg, [court.info["id"]])[court.info["id"]]
        r = run_playbook(BACKUP, reg.inventory_path, limit=court.info["id"],
                         extravars=dict(RUN, sipp_backup_dir=str(small)),
                         faults=[{"task": "Cadangkan database (mysqldump --single-transaction, terkompresi, diverifikasi)",
                                  "host": court.info["id"], "fill": str(small)}])
        assert r.rc != 0
        assert r.fault_records[0] and r.fault_records[0]["filled"] > 0, r.fault_records
        failed = task_results(r, "Laporkan kegagalan pencadangan")[court.info["id"]]
        text = failed["msg"]
        assert "Cadangkan folder aplikasi" in text and "No space left on device" in text, text
        assert "Disk %s penuh" % small in text and "dibutuhkan sekitar" in text, text
        assert sorted(p.name for p in small.iterdir()) == ["sipptest-fill"]  # the unfinished backup went
        assert differences(before, fingerprints(reg, [court.info["id"]])[court.info["id"]]) == []
    finally:
        subprocess.run(["umount", str(small)], check=False)

