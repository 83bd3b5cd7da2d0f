"""Every restore proved before it changes anything, and a court's wrong clock seen (ssh mode, real SSH sessions).

One region of five simulated courts reached over SSH, two of them with their own wrong clock given by libfaketime in
their SSH sessions (the machine's clock is never touched): one three days behind, one thirty days ahead. Every court
is backed up twice by pengadilan.sipp.backup, then upgraded by pengadilan.sipp.upgrade, while faults are injected at
exact points of the run (tests/integration/callback_plugins/sipptest_fault.py): a dump cut to half after its backup
was verified and before the upgrade's first change, and a dump changed (same size) between the upgrade's backup and
its downgrade. Then manual rollbacks over damaged dumps, with an intact older backup beside them and with none.
"Nothing touched" is proved by the simulator's fingerprint (version, maintenance switch, every table's
rows/checksum/structure, application folder digest)."""
import json
import shutil
from pathlib import Path

import pytest
import yaml

from sippsim.fingerprint import differences
from sipptest import (FAST_POLLS, assert_no_secret, build_packages, fingerprints, run_playbook, start_region,
                      task_results, upgrade_results)

DAY = 86400
ROLES = ["behind", "ahead", "right", "damaged_before_change", "damaged_before_downgrade"]
OFFSETS = {"behind": "-3d", "ahead": "+30d"}
GOOD = "sipp-5.1.0-5.2.0.zip"
FAULTY = "faulty/sipp-5.1.0-5.2.0-migration_fails_halfway.zip"
SNAPSHOT_TASK = "Ambil snapshot integritas sebelum upgrade (disimpan bersama cadangan)"
RESCUE_TASK = "Catat langkah yang gagal"
REFUSAL_TASK = "Pastikan cadangan lolos pembuktian sebelum apa pun diubah"
INFO_TABLE = "Tampilkan tabel wilayah"


def backup_dir(court):
    return court.root / "var/backups/sipp"


def records(court):
    """{folder name: BACKUP.json} of a court's backups."""
    return {p.parent.name: json.loads(p.read_text()) for p in backup_dir(court).glob("*/BACKUP.json")}


def by_sequence(court):
    return [name for name, _r in sorted(records(court).items(), key=lambda kv: kv[1].get("sequence") or 0)]


def dump_of(court, name):
    record = records(court)[name]
    return backup_dir(court) / name / Path(record["database"]["dest"]).name


def backup_run(reg, target, out=None):
    """The nightly backup job on some courts; with out, its monitoring report there."""
    extravars = dict(FAST_POLLS, sipp_target=target)
    extravars.update({"sipp_monitor_dir": str(out)} if out else {"sipp_monitor_report": False})
    r = run_playbook("pengadilan.sipp.backup", reg.inventory_path, extravars=extravars)
    assert_no_secret(reg, r.config.private_data_dir)
    return r


@pytest.fixture(scope="module")
def region(collection, tmp_path_factory):
    reg = None
    try:
        from sippsim import region as catalogue
        ids = [c["id"] for c in catalogue.pick_courts(len(ROLES), 1, ["5.1.0"])]
        court_of = dict(zip(ROLES, ids))
        reg = start_region("sclk", len(ROLES), "ssh", versions=["5.1.0"],
                           clock_offsets={court_of[r]: o for r, o in OFFSETS.items()})
        courts = dict(zip(ROLES, reg.courts()))
        assert [c.info["id"] for c in courts.values()] == ids
        paket = build_packages(reg.dir / "paket")
        base = Path(reg.inventory_path).parent
        (base / "group_vars").mkdir(exist_ok=True)
        (base / "host_vars").mkdir(exist_ok=True)
        (base / "group_vars" / "all.yml").write_text(yaml.safe_dump(dict(
            FAST_POLLS, sipp_upgrade_packages=[str(paket / GOOD)], sipp_upgrade_assisted_approved=True)))
        (base / "host_vars" / ("%s.yml" % court_of["damaged_before_downgrade"])).write_text(yaml.safe_dump(
            {"sipp_upgrade_packages": [str(paket / FAULTY)]}))
        out = {"reg": reg, "courts": courts, "tmp": tmp_path_factory.mktemp("jam")}
        # every court backed up (the nightly job), the two with a wrong clock twice, the clocks as the region started
        for target in ("all", "%s:%s" % (court_of["behind"], court_of["ahead"])):
            r = backup_run(reg, target)
            assert r.rc == 0, r.stdout.read()[-3000:]
        out["backups_before_upgrade"] = {role: by_sequence(c) for role, c in courts.items()}
        out["info"] = run_playbook("pengadilan.sipp.info", reg.inventory_path)
        out["before"] = fingerprints(reg)
        hit = courts["damaged_before_downgrade"]
        out["upgrade"] = run_playbook(
            "pengadilan.sipp.upgrade", reg.inventory_path,
            extravars={"sipp_report_dir": str(out["tmp"] / "laporan"), "sipp_run_id": "uji-jam",
                       "sipp_upgrade_fail_on": []},
            faults=[
                # verified by the backup step, then cut to half before the first change of the upgrade
                {"task": SNAPSHOT_TASK, "host": court_of["damaged_before_change"], "damage": "truncate",
                 "backup_dir": str(backup_dir(courts["damaged_before_change"]))},
                # the migration failed; the dump changes (same size) before the downgrade reads it
                {"task": RESCUE_TASK, "host": hit.info["id"], "damage": "flip", "backup_dir": str(backup_dir(hit)),
                 "fingerprint": str(reg.dir)},
            ])
        out["after"] = fingerprints(reg)
        assert_no_secret(reg, out["upgrade"].config.private_data_dir)
        yield out
    finally:
        if reg is not None:
            reg.down()
            shutil.rmtree(reg.dir, ignore_errors=True)


def test_the_offset_reaches_the_modules_and_the_other_courts_keep_the_right_time(region):
    info = task_results(region["info"], "Temukan folder aplikasi, versi dan database SIPP")
    clock = {role: info[c.info["id"]]["sipp"]["clock"] for role, c in region["courts"].items()}
    assert clock["behind"]["skewed"] and abs(clock["behind"]["skew_seconds"] + 3 * DAY) < 120
    assert clock["ahead"]["skewed"] and abs(clock["ahead"]["skew_seconds"] - 30 * DAY) < 120
    for role in ("right", "damaged_before_change", "damaged_before_downgrade"):
        assert not clock[role]["skewed"] and abs(clock[role]["skew_seconds"]) < 120, (role, clock[role])
    assert clock["behind"]["text"].startswith("Jam server pengadilan ini 3 hari")
    assert "lebih lambat" in clock["behind"]["text"] and "lebih cepat" in clock["ahead"]["text"]
    table = "\n".join(task_results(region["info"], INFO_TABLE)["localhost"]["msg"])
    lines = [line for line in table.splitlines() if line.startswith("pn_") and "Jam server" in line]
    assert sorted(line.split(":")[0] for line in lines) == sorted(
        region["courts"][r].info["id"] for r in ("behind", "ahead"))


def test_courts_with_wrong_clocks_back_up_in_order_and_upgrade(region):
    courts = region["courts"]
    for role in ("behind", "ahead"):
        names = region["backups_before_upgrade"][role]
        assert len(names) == 2
        created = [records(courts[role])[n]["created"] for n in names]
        # named and timed by the court's own clock
        assert created[0][:10] == names[0].split("-", 2)[2][:10]
    assert records(courts["ahead"])[region["backups_before_upgrade"]["ahead"][0]]["created"] > "2027"
    results = upgrade_results(region["upgrade"])
    for role in ("behind", "ahead", "right"):
        res = results[courts[role].info["id"]]
        assert res["status"] == "berhasil" and res["version_after"] == "5.2.0", res["reason"]
        assert region["after"][courts[role].info["id"]]["site_offline"] is False
    assert results[courts["behind"].info["id"]]["clock"]["skew_seconds"] < -2 * DAY
    assert results[courts["ahead"].info["id"]]["clock"]["skew_seconds"] > 29 * DAY
    assert results[courts["right"].info["id"]]["clock"]["skewed"] is False
    # the upgrade report says so for the two courts, in the court's row
    report = json.loads((region["tmp"] / "laporan" / "laporan-upgrade-sipp-uji-jam.json").read_text())
    notes = {c["court"]: c["clock_note"] for c in report["courts"]}
    assert notes[courts["right"].info["id"]] is None
    assert "3 hari" in notes[courts["behind"].info["id"]] and "30 hari" in notes[courts["ahead"].info["id"]]
    html = (region["tmp"] / "laporan" / "laporan-upgrade-sipp-uji-jam.html").read_text()
    assert html.count('class="reason clock"') == 2


def faulted(region, role, index):
    """(court, court id, what the fault did, the court's upgrade result) of a court a fault was injected into."""
    court = region["courts"][role]
    fired = region["upgrade"].fault_records[index]
    assert fired and fired["host"] == court.info["id"]
    res = upgrade_results(region["upgrade"])[court.info["id"]]
    assert res["status"] == "gagal"
    return court, court.info["id"], fired, res


def test_a_dump_damaged_before_the_first_change_stops_the_upgrade_with_sipp_online(region):
    _court, cid, fired, res = faulted(region, "damaged_before_change", 0)
    assert res["version_after"] == "5.1.0"
    damaged = Path(fired["damaged"]).parent.name
    assert damaged not in region["backups_before_upgrade"]["damaged_before_change"]
    assert ("cadangan %s tidak lolos pembuktian tepat sebelum perubahan pertama" % damaged) in res["reason"]
    assert "tercatat" in res["reason"] and "tidak ada yang diubah" in res["reason"]
    assert "terverifikasi (" not in res["reason"]
    # nothing of the court changed: old version, online, every table and the application folder as before
    assert differences(region["before"][cid], region["after"][cid]) == []
    assert [s["step"] for s in res["steps"] if s["status"] == "gagal"] == [2]
    assert 8 not in [s["step"] for s in res["steps"]]


def test_a_dump_damaged_before_the_downgrade_is_never_restored_from(region):
    court, cid, fired, res = faulted(region, "damaged_before_downgrade", 1)
    damaged = Path(fired["damaged"]).parent.name
    record = records(court)[damaged]
    # the refusal's reason is in the result: the sha256 found and the one recorded, and the next backup that proves
    older = region["backups_before_upgrade"]["damaged_before_downgrade"][-1]
    assert record["database"]["sha256"] in res["reason"]
    assert "sha256 dump %s" % Path(fired["damaged"]).name in res["reason"]
    assert "sipp_rollback_backup=%s" % older in res["reason"]
    assert "tidak dijalankan" in res["reason"] and "cadangan terverifikasi ada di" not in res["reason"]
    # the downgrade touched nothing: the court is exactly as the failed migration left it (offline, new code)
    after = region["after"][cid]
    assert differences(fired["fingerprint"], after) == []
    assert after["site_offline"] is True


def test_a_manual_rollback_over_damaged_dumps_changes_nothing_and_names_the_next_good_backup(region):
    reg, court = region["reg"], region["courts"]["right"]
    cid = court.info["id"]
    names = by_sequence(court)
    assert len(names) == 2          # the night's and the upgrade's own
    newest, older = names[-1], names[-2]
    dump = dump_of(court, newest)
    with open(dump, "r+b") as handle:
        handle.truncate(dump.stat().st_size // 2)
    before = fingerprints(reg, [cid])
    r = run_playbook("pengadilan.sipp.rollback", reg.inventory_path, extravars=dict(FAST_POLLS, sipp_target=cid))
    assert r.rc != 0
    msg = task_results(r, REFUSAL_TASK)[cid]["msg"]
    assert msg.startswith("Downgrade SIPP di %s tidak dijalankan" % cid)
    assert newest in msg and "tercatat %d" % records(court)[newest]["database"]["size_bytes"] in msg
    assert records(court)[newest]["database"]["sha256"] in msg
    assert "sipp_rollback_backup=%s" % older in msg and "terverifikasi" not in msg
    assert differences(before[cid], fingerprints(reg, [cid])[cid]) == []

    # and with no intact backup left: nothing is restored, nothing named
    for name in names[:-1]:
        path = dump_of(court, name)
        with open(path, "r+b") as handle:
            handle.seek(10)
            handle.write(b"\x00")
    r = run_playbook("pengadilan.sipp.rollback", reg.inventory_path,
                     extravars=dict(FAST_POLLS, sipp_target=cid, sipp_rollback_language="en"))
    assert r.rc != 0
    msg = task_results(r, REFUSAL_TASK)[cid]["msg"]
    assert "No other backup of this court passes its proof" in msg and "verified" not in msg
    assert differences(before[cid], fingerprints(reg, [cid])[cid]) == []


def test_backups_dated_in_the_future_of_a_corrected_clock_are_named_and_never_the_newest(region):
    reg, courts = region["reg"], region["courts"]
    ahead, behind = courts["ahead"], courts["behind"]
    from sippsim.simregion import Region
    live = Region(reg.dir)
    live.court(ahead.info["id"]).set_clock("+0")       # an admin sets the clock right
    live.save()
    future = by_sequence(ahead)
    out = region["tmp"] / "pemantauan"
    r = backup_run(reg, "%s:%s" % (ahead.info["id"], behind.info["id"]), out)
    assert r.rc == 0, r.stdout.read()[-3000:]
    report = json.loads(next(out.glob("*.json")).read_text())
    rows = {c["court"]: c for c in report["courts"]}
    mine = rows[ahead.info["id"]]
    assert "backup_suspect" in mine["problems"] and "clock_skew" not in mine["problems"]
    named = [s["name"] for s in mine["backup"]["suspect"]]
    assert sorted(named) == sorted(future)
    # the newest backup is tonight's, made on the corrected clock: never one dated in the future
    tonight = by_sequence(ahead)[-1]
    assert tonight not in future and mine["backup"]["name"] == tonight
    assert "clock_skew" in rows[behind.info["id"]]["problems"]
    assert any("3 hari" in reason for reason in rows[behind.info["id"]]["reasons"])
    csv_text = next(out.glob("*.csv")).read_text(encoding="utf-8-sig")
    assert future[0] in csv_text
