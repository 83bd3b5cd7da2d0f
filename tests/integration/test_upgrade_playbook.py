"""pengadilan.sipp.upgrade, the whole SOP, driven through ansible-runner as AWX drives it, against real simulated
courts: every branch of a court's path in one region (local mode, ansible-core of .venv), a rerun and a --check
preview; then ssh mode under ansible-core 2.16. "Nothing lost" and "untouched" are proved by the simulator's own
fingerprint (version, maintenance switch, every table's rows/checksum/structure, application folder digest).
"""
import json
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from sipptest import (BIN_216, FAST_POLLS, assert_no_secret, build_packages, fingerprints, run_playbook, start_region,
                      stats_data, task_results, upgrade_results)

PLAYBOOK = "pengadilan.sipp.upgrade"
SUMMARY = "Ringkasan pengadilan ini"
FINAL_FAIL = "Akhiri dengan gagal bila ada pengadilan yang tidak berhasil (setelah semua selesai dan laporan ditulis)"

# court role -> (version it starts on, its host_vars)
# group_vars: the chain 5.1.0 -> 5.3.0 announced, assistance approved (as the high court would set them)
CHAIN = ["sipp-5.1.0-5.2.0.zip", "sipp-5.2.0-5.2.1.zip", "sipp-5.2.1-5.3.0.zip"]
ROLES = {
    "mandiri": ("5.2.0", {"sipp_upgrade_packages": ["sipp-5.2.0-5.2.1.zip"], "sipp_upgrade_assisted_approved": False}),
    "assisted": ("5.1.0", {}),
    "stale": ("5.2.1", {}),
    "waiting": ("5.1.0", {"sipp_upgrade_assisted_approved": False}),
    "too_old": ("5.0.0", {}),
    "corrupt": ("5.0.0", {"sipp_upgrade_packages": ["faulty/sipp-5.0.0-5.1.0-checksum_mismatch.zip"]}),
    "php_fatal": ("5.2.0", {"sipp_upgrade_packages": ["faulty/sipp-5.2.0-5.2.1-php_fatal.zip"]}),
    "migration": ("5.1.0", {"sipp_upgrade_packages": ["faulty/sipp-5.1.0-5.2.0-migration_fails_halfway.zip"]}),
    "no_disk": ("5.2.0", {"sipp_upgrade_packages": ["sipp-5.2.0-5.2.1.zip"],
                          # the backup's space estimate can never be met: the backup stops before it starts
                          "sipp_backup_space_margin_percent": 10 ** 12}),
    "dead_db": ("5.2.0", {}),
}
UNTOUCHED = ["stale", "waiting", "too_old", "corrupt", "no_disk"]


def _packages(region, names):
    return [str(region.dir / "paket" / n) for n in names]


def write_vars(region, roles):
    """group_vars/host_vars beside the simulator's inventory, as beside a real region's hosts.yml."""
    base = Path(region.inventory_path).parent
    (base / "group_vars").mkdir(exist_ok=True)
    (base / "host_vars").mkdir(exist_ok=True)
    (base / "group_vars" / "all.yml").write_text(yaml.safe_dump(dict(
        FAST_POLLS, sipp_upgrade_packages=_packages(region, CHAIN), sipp_upgrade_assisted_approved=True)))
    for court_id, role in roles.items():
        hv = dict(ROLES[role][1])
        if "sipp_upgrade_packages" in hv:
            hv["sipp_upgrade_packages"] = _packages(region, hv["sipp_upgrade_packages"])
        (base / "host_vars" / ("%s.yml" % court_id)).write_text(yaml.safe_dump(hv))


def summaries(runner):
    return {h: r.get("msg") for h, r in task_results(runner, SUMMARY).items()}


def court_changes(runner, court):
    """The event data of the tasks that reported a change for a court."""
    return [ev["event_data"] for ev in runner.events if ev["event"] == "runner_on_ok"
            and ev["event_data"].get("host") == court and ev["event_data"].get("res", {}).get("changed")]


def host_stats(runner, key):
    return (runner.stats or {}).get(key, {})


def result_file(court, run_id):
    return court.root / "var/lib/pengadilan-sipp/hasil" / ("%s.json" % run_id)


def backups(court):
    d = court.root / "var/backups/sipp"
    return sorted(p.name for p in d.glob("SIPP-*")) if d.exists() else []


@pytest.fixture(scope="module")
def region(collection, tmp_path_factory):
    """Nine courts, one per branch; the --check preview, the run and a rerun, with fingerprints around each."""
    versions = [v for v, _hv in ROLES.values()]
    reg = start_region("supg", len(ROLES), "local", versions=versions)
    try:
        build_packages(reg.dir / "paket")
        courts = reg.courts()
        by_role = dict(zip(ROLES, courts))
        write_vars(reg, {c.info["id"]: role for role, c in by_role.items()})
        from sippsim import procs, sync
        sync.age(by_role["stale"], 30)
        # a dead database: the court's SIPP MariaDB is stopped (the run must go on for the others)
        dead = by_role["dead_db"]
        for rec in dead.info["procs"]:
            if rec["name"] == "mariadb:%s" % dead.info["id"]:
                procs.stop(rec)
        reports = tmp_path_factory.mktemp("laporan")

        alive = [c.info["id"] for c in courts if c is not dead]
        out = {"reg": reg, "by_role": by_role, "reports": reports, "before": fingerprints(reg, alive)}
        out["check"] = run_playbook(PLAYBOOK, reg.inventory_path, check=True,
                                    extravars={"sipp_language": "en", "sipp_report_dir": str(reports)})
        out["after_check"] = fingerprints(reg, alive)
        out["backups_after_check"] = {c.info["id"]: backups(c) for c in courts}
        out["reports_after_check"] = list(reports.iterdir())
        out["run"] = run_playbook(PLAYBOOK, reg.inventory_path,
                                  extravars={"sipp_report_dir": str(reports), "sipp_run_id": "uji-1"})
        out["after"] = fingerprints(reg, alive)
        happy = [by_role["mandiri"].info["id"], by_role["assisted"].info["id"]]
        out["rerun"] = run_playbook(PLAYBOOK, reg.inventory_path, limit=",".join(happy + ["localhost"]),
                                    extravars={"sipp_report_dir": str(reports), "sipp_run_id": "uji-2"})
        out["after_rerun"] = fingerprints(reg, happy)
        yield out
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def cid(region, role):
    return region["by_role"][role].info["id"]


def test_check_mode_previews_and_changes_nothing(region):
    r = region["check"]
    assert r.rc == 0, r.stdout.read()[-3000:]
    assert region["after_check"] == region["before"]
    assert all(b == [] for b in region["backups_after_check"].values())
    msgs = summaries(r)
    assert msgs[cid(region, "assisted")].startswith("WOULD upgrade 5.1.0 -> 5.3.0 with 3 packages")
    assert msgs[cid(region, "mandiri")].startswith("WOULD upgrade 5.2.0 -> 5.2.1 with 1 packages (self-service)")
    assert "would NOT be changed" in msgs[cid(region, "waiting")]
    assert "would NOT be changed" in msgs[cid(region, "stale")] and "stale" in msgs[cid(region, "stale")]
    # no report is written in check mode
    assert region["reports_after_check"] == []


def test_run_ends_failed_naming_the_courts_that_need_attention(region):
    r = region["run"]
    assert r.rc != 0 and r.status == "failed"
    # the last play names the courts (so a --limit keeps it) and runs once, on the controller, for the first court
    [(runs_for, fail)] = task_results(r, FINAL_FAIL).items()
    bad = [cid(region, x) for x in ("corrupt", "php_fatal", "migration", "no_disk", "dead_db")]
    assert fail["_event"] == "runner_on_failed"
    assert fail["msg"].startswith("%d pengadilan tidak berhasil di-upgrade: " % len(bad)), fail["msg"]
    named = fail["msg"].split(": ", 1)[1].split(". ", 1)[0].split(", ")
    assert sorted(named) == sorted(bad)
    assert str(region["reports"] / "laporan-upgrade-sipp-uji-1.html") in fail["msg"]
    # no court itself failed: each ended in a state it reports
    assert not host_stats(r, "failures").keys() - {runs_for}
    assert not host_stats(r, "dark")


def test_each_court_ends_as_its_branch_says(region):
    res = upgrade_results(region["run"])
    want = {"mandiri": ("berhasil", "5.2.1"), "assisted": ("berhasil", "5.3.0"), "stale": ("dilewati", "5.2.1"),
            "waiting": ("menunggu", "5.1.0"), "too_old": ("dilewati", "5.0.0"), "corrupt": ("gagal", "5.0.0"),
            "php_fatal": ("didowngrade", "5.2.0"), "migration": ("didowngrade", "5.1.0"), "no_disk": ("gagal", "5.2.0")}
    dead = res[cid(region, "dead_db")]
    assert dead["status"] == "gagal" and dead["version_before"] is None and dead["steps"][0]["status"] == "gagal"
    assert "Tidak ada yang diubah" in dead["reason"] and "sipp_target=%s" % cid(region, "dead_db") in dead["reason"]
    for role, (status, version) in want.items():
        got = res[cid(region, role)]
        assert (got["status"], got["version_after"]) == (status, version), (role, got)
        assert got["version_before"] == ROLES[role][0]
        assert got["run_id"] == "uji-1" and got["court"] == cid(region, role)
        assert got["kode_satker"] == region["by_role"][role].info["kode_satker"]
    reasons = {role: res[cid(region, role)]["reason"] for role in want}
    assert "basi" in reasons["stale"] and "480" in reasons["stale"]  # the status in words (stale)
    assert "Menunggu pendampingan Admin TI PT" in reasons["waiting"]
    assert "sipp_upgrade_assisted_approved: true" in reasons["waiting"]
    assert "5.0.0" in reasons["too_old"] and "5.1.0" in reasons["too_old"]
    assert "Tidak ada yang diubah" in reasons["corrupt"] and "Perkara_model.php" in reasons["corrupt"]
    assert "Pencadangan gagal" in reasons["no_disk"] and "tidak cukup" in reasons["no_disk"]
    assert "di-downgrade ke versi 5.2.0" in reasons["php_fatal"] and "Fatal error" in reasons["php_fatal"]
    assert "di-downgrade ke versi 5.1.0" in reasons["migration"]
    # the package's result was wrong (steps 6 and 7): SATGAS SIPP must fix the package
    for role in ("php_fatal", "migration"):
        assert "Laporkan ke SATGAS SIPP" in reasons[role] and "paket yang sama" in reasons[role], reasons[role]
        assert "Berkas aplikasi tidak dapat dipasang" not in reasons[role]


def test_untouched_and_downgraded_courts_are_identical_to_before(region):
    for role in UNTOUCHED + ["php_fatal", "migration"]:
        c = cid(region, role)
        assert region["after"][c] == region["before"][c], role
    # the ones that never got to the backup have none
    for role in ["stale", "waiting", "too_old", "corrupt", "no_disk"]:
        assert backups(region["by_role"][role]) == [], role


def test_upgraded_courts_are_online_on_the_new_version_with_their_data(region):
    for role, version in (("mandiri", "5.2.1"), ("assisted", "5.3.0")):
        c = cid(region, role)
        before, after = region["before"][c], region["after"][c]
        assert after["version"] == version and after["site_offline"] is False
        # the case tables the packages do not change hold the same rows and checksums
        for table in ("perkara_pihak1", "perkara_biaya", "sys_audittrail", "hakim_pn"):
            assert after["tables"][table] == before["tables"][table], (role, table)
        from sippsim.court import http_get
        status, body = http_get(region["by_role"][role].url)
        assert status == 200 and ("Versi %s" % version) in body


def test_steps_of_a_downgraded_court(region):
    res = upgrade_results(region["run"])
    steps = {s["step"]: s for s in res[cid(region, "migration")]["steps"]}
    assert sorted(steps) == [1, 2, 3, 4, 5, 6, 8, 9, 10]
    assert steps[6]["status"] == "gagal" and "002_putusan_elektronik.sql" in steps[6]["output"]
    assert "baris 3" in steps[6]["output"] or "line 3" in steps[6]["output"]
    assert steps[8]["status"] == "ok" and steps[9]["status"] == "ok"
    fatal = {s["step"]: s for s in res[cid(region, "php_fatal")]["steps"]}
    assert fatal[7]["status"] == "gagal" and fatal[8]["status"] == "ok"
    happy = {s["step"]: s for s in res[cid(region, "assisted")]["steps"]}
    assert sorted(happy) == [1, 2, 3, 4, 5, 6, 7, 9, 10] and all(s["status"] == "ok" for s in happy.values())
    for s in happy.values():
        assert isinstance(s["seconds"], int) and s["seconds"] >= 0 and s["started"] <= s["finished"]


def test_results_written_on_the_court_returned_in_set_stats_and_reported(region):
    res = upgrade_results(region["run"])
    stats = stats_data(region["run"])["sipp_results"]
    assert set(stats) == set(res)
    for court_id, result in res.items():
        assert stats[court_id]["status"] == result["status"]
    for role in ROLES:
        court = region["by_role"][role]
        path = result_file(court, "uji-1")
        assert json.loads(path.read_text())["status"] == res[court.info["id"]]["status"]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    happy = res[cid(region, "assisted")]
    assert happy["backup"]["name"].startswith("SIPP-%s-" % region["by_role"]["assisted"].info["kode_satker"])
    assert len(happy["backup"]["sha256"]) == 64 and happy["sync_stamp"]
    report = json.loads((region["reports"] / "laporan-upgrade-sipp-uji-1.json").read_text())
    assert {c["court"]: c["status"] for c in report["courts"]} == {c: r["status"] for c, r in res.items()}
    html = (region["reports"] / "laporan-upgrade-sipp-uji-1.html").read_text()
    assert "di-downgrade" in html and "menunggu pendampingan Admin TI PT" in html
    assert (region["reports"] / "laporan-upgrade-sipp-uji-1.csv").exists()
    assert_no_secret(region["reg"], region["run"].config.private_data_dir)
    assert_no_secret(region["reg"], region["reports"])


def test_rerun_after_success_changes_nothing_and_says_sudah(region):
    r = region["rerun"]
    assert r.rc == 0, r.stdout.read()[-3000:]
    for role, version in (("mandiri", "5.2.1"), ("assisted", "5.3.0")):
        c = cid(region, role)
        assert upgrade_results(r)[c]["status"] == "sudah"
        assert summaries(r)[c] == "sudah versi %s" % version
        # nothing changed on the court (the report's files are written on the controller, for the first court)
        assert [e for e in court_changes(r, c) if e.get("role") != "report"] == []
        assert region["after_rerun"][c] == region["after"][c]
        # the rerun's own record says sudah (the report of a sliced job finds every court); the first run's stays
        assert json.loads(result_file(region["by_role"][role], "uji-2").read_text())["status"] == "sudah"
        assert json.loads(result_file(region["by_role"][role], "uji-1").read_text())["status"] == "berhasil"


@pytest.fixture(scope="module")
def region_ssh(collection):
    reg = start_region("supgs", 2, "ssh", versions=["5.1.0", "5.0.0"])
    try:
        build_packages(reg.dir / "paket")
        a, b = reg.courts()
        base = Path(reg.inventory_path).parent
        (base / "host_vars").mkdir(exist_ok=True)
        (base / "group_vars").mkdir(exist_ok=True)
        (base / "group_vars" / "all.yml").write_text(yaml.safe_dump(FAST_POLLS))
        (base / "host_vars" / ("%s.yml" % a.info["id"])).write_text(yaml.safe_dump({
            "sipp_upgrade_packages": _packages(reg, ["sipp-5.1.0-5.2.0.zip"]), "sipp_upgrade_assisted_approved": True}))
        (base / "host_vars" / ("%s.yml" % b.info["id"])).write_text(yaml.safe_dump({
            "sipp_upgrade_packages": _packages(reg, ["faulty/sipp-5.0.0-5.1.0-version_not_bumped.zip"]),
            "sipp_upgrade_assisted_approved": True}))
        yield reg
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def test_ssh_courts_under_ansible_core_216(region_ssh, tmp_path):
    """Real SSH hosts with production paths, managed by ansible-core 2.16 (the last for CentOS 7 courts)."""
    binary = BIN_216 / "ansible-playbook"
    assert binary.exists(), "make setup creates .venv-2.16"
    before = fingerprints(region_ssh)
    r = run_playbook(PLAYBOOK, region_ssh.inventory_path, binary=binary,
                     extravars={"sipp_report_dir": str(tmp_path), "sipp_run_id": "uji-ssh", "sipp_upgrade_fail_on": []})
    assert r.rc == 0, r.stdout.read()[-4000:]
    assert r.config.command[0] == str(binary)
    a, b = region_ssh.courts()
    res = upgrade_results(r)
    assert res[a.info["id"]]["status"] == "berhasil" and res[a.info["id"]]["version_after"] == "5.2.0"
    assert res[b.info["id"]]["status"] == "didowngrade" and res[b.info["id"]]["version_after"] == "5.0.0"
    assert "5.1.0" in res[b.info["id"]]["reason"]
    after = fingerprints(region_ssh)
    assert after[b.info["id"]] == before[b.info["id"]]
    assert after[a.info["id"]]["version"] == "5.2.0" and after[a.info["id"]]["site_offline"] is False
    # production paths on the court: the result and the backup where a real server keeps them
    assert result_file(a, "uji-ssh").exists() and backups(a)
    assert json.loads((tmp_path / "laporan-upgrade-sipp-uji-ssh.json").read_text())["summary"]
    assert_no_secret(region_ssh, r.config.private_data_dir)
