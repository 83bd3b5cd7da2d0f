"""Backups that belong to one court and are trusted by what they record (module sipp_backups, through the backup,
rollback and monitor roles), with ansible-runner on real simulated courts: retention beside a verified copy named in
the future, a backup folder shared by two courts (also with the same kode satker), and the
leftovers of interrupted work cleaned and reported, never one that a record names. "Nothing lost" is the simulator's
fingerprint."""
import json
import os
import shutil
import time

import pytest

from sippsim.court import SIPP_DB
from sipptest import REPO, build_packages, fingerprints, region_while_needed, run_playbook, task_results, upgrade_results

BACKUP = "pengadilan.sipp.backup"
ROLLBACK = str(REPO / "playbooks/rollback.yml")
FAST = {"sipp_backup_poll_interval": 1, "sipp_rollback_poll_interval": 1}
BACKUP_RESULT = "Catat hasil pencadangan"
MONITOR_RESULT = "Catat hasil pemantauan pengadilan ini"
ROLLBACK_RESULT = "Catat hasil downgrade"


@pytest.fixture(scope="module")
def region(collection):
    yield from region_while_needed("own", 2, "local", versions=["5.2.0", "5.2.0"])


def records(folder):
    """{backup folder name: its record} of the folders holding a BACKUP.json."""
    out = {}
    for p in sorted(folder.iterdir()) if folder.exists() else []:
        if (p / "BACKUP.json").is_file():
            out[p.name] = json.loads((p / "BACKUP.json").read_text())
    return out


def own(folder, court):
    """The verified backups in folder whose record names this court (its application folder)."""
    return {n: r for n, r in records(folder).items()
            if r.get("verified") is True and r["owner"]["app_path"] == str(court.app_path)}


def facts(runner, task, court):
    res = task_results(runner, task)[court.info["id"]]
    return res["ansible_facts"]


def set_kode(court, kode):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute("UPDATE sys_config SET value = %s WHERE id = 82", (kode,))
    finally:
        conn.close()


def test_keep_one_beside_a_verified_copy_named_in_the_future(region):
    """sipp_backup_keep: 1 and a verified copy whose name (and recorded time) is later than tonight's: tonight's backup
    stays, is the one the monitoring report names, and the copy goes."""
    court = region.courts()[0]
    folder = court.root / "var/backups/sipp"
    r = run_playbook(BACKUP, region.inventory_path, extravars=FAST, limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()[-3000:]
    first = facts(r, BACKUP_RESULT, court)["sipp_backup_result"]
    future = folder / ("SIPP-%s-2999-12-31-2359" % court.info["kode_satker"])
    shutil.copytree(first["path"], str(future), symlinks=True)
    record = json.loads((future / "BACKUP.json").read_text())
    record["created"] = "2999-12-31T23:59:00+07:00"       # taken while the court's clock ran far ahead
    (future / "BACKUP.json").write_text(json.dumps(record))

    r = run_playbook(BACKUP, region.inventory_path, extravars=dict(FAST, sipp_backup_keep=1), limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()[-3000:]
    tonight = facts(r, BACKUP_RESULT, court)["sipp_backup_result"]
    left = own(folder, court)
    assert list(left) == [tonight["name"]], left
    assert left[tonight["name"]]["sequence"] == first["sequence"] + 1
    assert {x["path"] for x in tonight["removed"]} == {first["path"], str(future)}
    monitor = facts(r, MONITOR_RESULT, court)["sipp_monitor_result"]
    assert monitor["backup"]["record"]["name"] == tonight["name"] and monitor["tonight"]["name"] == tonight["name"]


def test_a_folder_shared_by_two_courts(region, tmp_path):
    """A NAS at the same path on both courts: retention, the monitoring report and the rollback keep to the court's
    own; a backup of the other court named for a rollback is refused and nothing changes."""
    a, b = region.courts()
    shared = tmp_path / "nas"
    extra = dict(FAST, sipp_backup_dir=str(shared), sipp_backup_keep=1)
    for _ in range(2):
        r = run_playbook(BACKUP, region.inventory_path, extravars=extra, limit=b.info["id"])
        assert r.status == "successful", r.stdout.read()[-3000:]
    r = run_playbook(BACKUP, region.inventory_path, extravars=extra, limit=a.info["id"])
    assert r.status == "successful", r.stdout.read()[-3000:]
    mine_a, mine_b = own(shared, a), own(shared, b)
    assert len(mine_a) == 1 and len(mine_b) == 1, records(shared)
    name_a, name_b = list(mine_a)[0], list(mine_b)[0]
    monitor = facts(r, MONITOR_RESULT, a)["sipp_monitor_result"]
    assert monitor["backup"]["record"]["name"] == name_a and monitor["backup"]["others"] == 1

    # court b's rollback, no backup named: its own, although court a's is newer in the folder
    before = fingerprints(region, [b.info["id"]])
    r = run_playbook(ROLLBACK, region.inventory_path, limit=b.info["id"],
                     extravars=dict(FAST, sipp_rollback_backup_dir=str(shared)))
    assert r.status == "successful", r.stdout.read()[-3000:]
    res = facts(r, ROLLBACK_RESULT, b)["sipp_rollback_result"]
    assert res["ok"] is True and res["backup"] == str(shared / name_b), res
    assert name_b in res["why"] and name_b in res["msg"]
    assert fingerprints(region, [b.info["id"]]) == before

    # court a's backup named for court b: refused before anything changes
    r = run_playbook(ROLLBACK, region.inventory_path, limit=b.info["id"],
                     extravars=dict(FAST, sipp_rollback_backup=str(shared / name_a)))
    assert r.status == "failed"
    out = r.stdout.read()
    assert "bukan milik pengadilan ini" in out and "kode satker %s" % a.info["kode_satker"] in out, out[-3000:]
    assert fingerprints(region, [b.info["id"]]) == before


def test_two_courts_with_the_same_kode_satker(region, tmp_path):
    """A kode satker copied by mistake: both courts back up into one shared folder at once, each into its own folder,
    and each one's retention keeps its own. The database alone, without the maintenance switch: what is named,
    recorded and kept is the same, and the runs are quicker."""
    a, b = region.courts()
    shared = tmp_path / "nas"
    kode_b = b.info["kode_satker"]
    set_kode(b, a.info["kode_satker"])
    try:
        for _ in range(2):
            r = run_playbook(BACKUP, region.inventory_path,
                             extravars=dict(FAST, sipp_backup_dir=str(shared), sipp_backup_keep=1,
                                            sipp_backup_app=False, sipp_backup_maintenance=False))
            assert r.status == "successful", r.stdout.read()[-3000:]
        all_records = records(shared)
        assert len(all_records) == 2, all_records
        assert len(own(shared, a)) == 1 and len(own(shared, b)) == 1
        assert all(n.startswith("SIPP-%s-" % a.info["kode_satker"]) for n in all_records)
    finally:
        set_kode(b, kode_b)


def test_leftovers_are_cleaned_and_reported_never_one_a_record_names(region):
    court = region.courts()[1]
    folder = court.root / "var/backups/sipp"
    kode = court.info["kode_satker"]
    state = court.root / "var/lib/pengadilan-sipp"
    www = court.app_dir.parent
    app = court.app_dir.name
    r = run_playbook(BACKUP, region.inventory_path, extravars=FAST, limit=court.info["id"])
    assert r.status == "successful", r.stdout.read()[-3000:]
    named_by_result = facts(r, BACKUP_RESULT, court)["sipp_backup_result"]
    long_ago = time.time() - 2 * 86400
    # a backup folder without a record, two days old; one that did not finish; and one made a minute ago
    bare = folder / ("SIPP-%s-2026-01-01-0100" % kode)
    (bare / "app").mkdir(parents=True)
    (bare / "database.sql.zst").write_bytes(os.urandom(20000))
    os.utime(str(bare), (long_ago, long_ago))
    unfinished = folder / ("SIPP-%s-2026-01-02-0100" % kode)
    unfinished.mkdir()
    record = dict(named_by_result and json.loads((folder / named_by_result["name"] / "BACKUP.json").read_text()))
    record.update(state="in_progress", verified=False, name=unfinished.name, started_epoch=long_ago, sequence=0)
    (unfinished / "BACKUP.json").write_text(json.dumps(record))
    fresh = folder / ("SIPP-%s-2026-01-03-0100" % kode)
    fresh.mkdir()
    # trees beside the application folder: two a finished run left, one a released lock's progress still names
    previous, failed, kept = (www / (".%s.sipp-previous-4.9.9" % app), www / (".%s.sipp-failed-20260101-000000" % app),
                              www / (".%s.sipp-previous-5.0.9" % app))
    for tree in (previous, failed, kept):
        (tree / "application").mkdir(parents=True)
        (tree / "application/index.php").write_bytes(os.urandom(30000))
    state.mkdir(parents=True, exist_ok=True)
    lock = state / "kunci-upgrade.json"
    lock.write_text(json.dumps(dict(token="t-dead", released=True, owner=dict(run_id="run-lama"),
                                    progress=dict(stage=8, previous_tree=str(kept)))))
    # the latest upgrade result of the court names the backup just made: keep 1 must not remove it
    (state / "hasil").mkdir(exist_ok=True)
    (state / "hasil" / "run-lama.json").write_text(json.dumps(dict(
        run_id="run-lama", kode_satker=kode, finished="2026-12-01T21:00:00+07:00",
        backup=dict(name=named_by_result["name"]))))
    try:
        r = run_playbook(BACKUP, region.inventory_path, extravars=dict(FAST, sipp_backup_keep=1),
                         limit=court.info["id"])
        assert r.status == "successful", r.stdout.read()[-3000:]
        result = facts(r, BACKUP_RESULT, court)["sipp_backup_result"]
        removed = {x["path"]: x for x in result["removed"]}
        assert set(removed) >= {str(bare), str(unfinished), str(previous), str(failed)}, removed
        assert removed[str(bare)]["size_bytes"] >= 20000 and removed[str(previous)]["size_bytes"] >= 30000
        assert not bare.exists() and not unfinished.exists() and not previous.exists() and not failed.exists()
        assert fresh.is_dir() and kept.is_dir() and court.app_dir.is_dir()
        assert set(own(folder, court)) == {named_by_result["name"], result["name"]}
        # the monitoring report shows what is left and the space it takes
        monitor = facts(r, MONITOR_RESULT, court)["sipp_monitor_result"]
        left = {x["name"]: x for x in monitor["backup"]["leftovers"]}
        assert set(left) == {fresh.name, kept.name}, left
        assert left[kept.name]["size_bytes"] >= 30000
    finally:
        lock.unlink()
        shutil.rmtree(str(kept), ignore_errors=True)
        shutil.rmtree(str(fresh), ignore_errors=True)


def test_an_upgrade_never_goes_on_without_its_verified_backup(region, tmp_path):
    """Whatever the backup step hands on, the upgrade checks that backup itself (the court's own, there, verified by
    its record) before anything changes: a backup result naming a folder that is not there (given here as an extra
    variable, which outranks the backup role's own result) stops the court with nothing changed."""
    court = region.courts()[0]
    packages = build_packages(tmp_path / "paket")
    folder = court.root / "var/backups/sipp"
    before = fingerprints(region, [court.info["id"]])
    fake = dict(name="SIPP-%s-2026-12-01-2100" % court.info["kode_satker"],
                path=str(folder / ("SIPP-%s-2026-12-01-2100" % court.info["kode_satker"])),
                identity=dict(kode_satker=court.info["kode_satker"], app_path=str(court.app_path)))
    r = run_playbook("pengadilan.sipp.upgrade", region.inventory_path, limit=court.info["id"] + ",localhost",
                     extravars=dict(FAST, sipp_upgrade_packages=[str(packages / "sipp-5.2.0-5.2.1.zip")],
                                    sipp_upgrade_report=False, sipp_backup_result=fake))
    result = upgrade_results(r)[court.info["id"]]
    assert result["status"] == "gagal", result
    assert "Upgrade tidak dimulai" in result["reason"] and fake["name"] in result["reason"], result["reason"]
    assert fingerprints(region, [court.info["id"]]) == before
