"""pengadilan.sipp.sipp_migrate against REAL simulated courts, run the way AWX runs an ad-hoc command, with the real
packages of the simulator (good chain and faulty ones).

Local mode, three courts (5.0.0, 5.2.0 and 5.0.0): a good package migrates and a rerun changes nothing; a migration
failing halfway is reported with its file and line, leaves the version alone and blocks a rerun; the mandiri package
stamps the version; a package not bumping the version passes here; a wrong from_version and check mode run nothing;
the password is in no artifact. SSH mode, one court: the command-line client backend and a history on the court.
"""
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from sippsim.court import SIPP_DB
from sipptest import module_results, run_module, start_region

MODULE = "pengadilan.sipp.sipp_migrate"
SEARCH = {"search_paths": "{{ sipp_search_paths | default(omit) }}"}


def sql(court, statement):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            return cur.fetchall()
    finally:
        conn.close()


def version(court):
    return sql(court, "SELECT value FROM sys_config WHERE id = 80")[0][0]


def tables(court):
    return sorted(r[0] for r in sql(court, "SHOW TABLES"))


def lines(path):
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def assert_no_password(runner, court):
    """The court's database password appears in no file of the runner's private data dir (artifacts, events)."""
    secret = court.info["db_password"]
    escaped = json.dumps(secret)[1:-1]
    root = Path(runner.config.private_data_dir)
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes().decode("utf-8", "replace")
        assert secret not in data and escaped not in data, path


def run(region, court, args, check=False):
    runner = run_module(MODULE, dict(SEARCH, **args), region.inventory_path, hosts=court.info["id"], check=check)
    res = module_results(runner)[court.info["id"]]
    assert_no_password(runner, court)
    return res


@pytest.fixture(scope="module")
def region(collection):
    reg = start_region("spm", 3, "local", versions=["5.0.0", "5.2.0", "5.0.0"])
    try:
        yield reg
    finally:
        reg.down()
        shutil.rmtree(str(reg.dir), ignore_errors=True)


def test_good_package_then_a_migration_failing_halfway(region, packages, tmp_path):
    court = region.courts()[0]
    assert version(court) == "5.0.0"
    history = str(tmp_path / "pengadilan-sipp" / "history.jsonl")
    good = str(packages / "sipp-5.0.0-5.1.0.zip")

    res = run(region, court, dict(package=good, history=history, run_id="job-1"))
    assert res["_event"] == "runner_on_ok", res.get("msg")
    assert res["changed"] is True
    assert [(m["file"], m["result"]) for m in res["migrations"]] == [
        ("001_perkara_ecourt.sql", "ok"), ("002_perkara_is_ecourt.sql", "ok")]
    assert res["version_before"] == "5.0.0" and res["version_after"] == "5.1.0" == version(court)
    assert "perkara_ecourt" in tables(court)
    assert [(e["file"], e["result"], e["run_id"]) for e in lines(history)] == [
        ("001_perkara_ecourt.sql", "ok", "job-1"), ("002_perkara_is_ecourt.sql", "ok", "job-1")]
    assert stat.S_IMODE(os.stat(history).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(history)).st_mode) == 0o700

    res = run(region, court, dict(package=good, history=history, run_id="job-2"))
    assert res["_event"] == "runner_on_ok" and res["changed"] is False and res["already_done"] is True, res
    assert len(lines(history)) == 2

    # the court is now at 5.1.0: the faulty 5.1.0 -> 5.2.0 package fails in 002, on the line the client names
    faulty = str(packages / "faulty" / "sipp-5.1.0-5.2.0-migration_fails_halfway.zip")
    res = run(region, court, dict(package=faulty, history=history, run_id="job-3"))
    assert res["_event"] == "runner_on_failed" and res["changed"] is True, res
    assert res["failed_file"] == "002_putusan_elektronik.sql"
    assert isinstance(res["failed_line"], int) and res["failed_line"] > 1
    assert "1054" in res["error"] and "agenda" in res["error"]
    assert "002_putusan_elektronik.sql" in res["msg"] and "baris %d" % res["failed_line"] in res["msg"]
    assert [(m["file"], m["result"]) for m in res["migrations"]] == [
        ("001_jadwal_sidang.sql", "ok"), ("002_putusan_elektronik.sql", "failed"),
        ("003_view_dashboard.sql", "skipped")]
    assert version(court) == "5.1.0" == res["version_after"]
    mine = [e for e in lines(history) if e["run_id"] == "job-3"]
    assert [(e["file"], e["result"]) for e in mine] == [
        ("001_jadwal_sidang.sql", "ok"), ("002_putusan_elektronik.sql", "failed"),
        ("003_view_dashboard.sql", "skipped")]
    assert mine[1]["line"] == res["failed_line"] and mine[1]["error"] == res["error"]

    # a rerun refuses: partial run, the court must be downgraded first
    res = run(region, court, dict(package=faulty, history=history, run_id="job-4", language="en"))
    assert res["_event"] == "runner_on_failed" and res["changed"] is False, res
    assert res["problem"] == "partial_run" and "downgraded first" in res["msg"]
    assert len(lines(history)) == 5 and version(court) == "5.1.0"


def test_mandiri_package_stamps_the_version(region, packages, tmp_path):
    court = region.courts()[1]
    assert version(court) == "5.2.0"
    history = str(tmp_path / "history.jsonl")
    pkg = str(packages / "sipp-5.2.0-5.2.1.zip")
    before = tables(court)
    res = run(region, court, dict(package=pkg, history=history), check=True)
    assert res["_event"] == "runner_on_ok" and res["changed"] is True, res
    assert [m["result"] for m in res["migrations"]] == ["pending"] and version(court) == "5.2.0"
    assert not os.path.exists(history)

    res = run(region, court, dict(package=pkg, history=history))
    assert res["_event"] == "runner_on_ok" and res["changed"] is True and res["stamped"] is True, res
    assert res["version_after"] == "5.2.1" == version(court) and tables(court) == before
    assert [(e["file"], e["kind"], e["result"]) for e in lines(history)] == [("sys_config#80", "stamp", "ok")]
    res = run(region, court, dict(package=pkg, history=history))
    assert res["_event"] == "runner_on_ok" and res["changed"] is False, res


def test_wrong_version_check_mode_and_version_not_bumped(region, packages, tmp_path):
    court = region.courts()[2]
    assert version(court) == "5.0.0"
    history = str(tmp_path / "history.jsonl")
    before = tables(court)

    # wrong from_version: refused before anything runs
    res = run(region, court, dict(package=str(packages / "sipp-5.1.0-5.2.0.zip"), history=history))
    assert res["_event"] == "runner_on_failed" and res["changed"] is False, res
    assert res["problem"] == "version_mismatch" and "5.0.0" in res["msg"] and "5.1.0" in res["msg"]
    assert tables(court) == before and version(court) == "5.0.0" and lines(history) == []

    # check mode lists what would run and runs nothing
    pkg = str(packages / "faulty" / "sipp-5.0.0-5.1.0-version_not_bumped.zip")
    res = run(region, court, dict(package=pkg, history=history), check=True)
    assert res["_event"] == "runner_on_ok" and res["changed"] is True, res
    assert [(m["file"], m["result"]) for m in res["migrations"]] == [
        ("001_perkara_ecourt.sql", "pending"), ("002_perkara_is_ecourt.sql", "pending")]
    assert tables(court) == before and lines(history) == []

    # version_not_bumped passes here (the verification step catches it): the schema changed, the version did not
    res = run(region, court, dict(package=pkg, history=history))
    assert res["_event"] == "runner_on_ok" and res["changed"] is True, res
    assert res["version_after"] == "5.0.0" == version(court) and "perkara_ecourt" in tables(court)


@pytest.mark.ssh
def test_migrate_on_a_court_over_ssh(collection, packages):
    # Only the folders of sim/sippsim/_holder.py BINDS are the court's own: the history goes under /var/backups.
    inside = "/var/backups/paket-uji-sipp-migrate"
    history = "/var/backups/sipp/history.jsonl"
    reg = start_region("spms", 1, "ssh", versions=["5.1.0"])
    try:
        court = reg.courts()[0]
        folder = court.root / inside.lstrip("/")
        folder.mkdir(parents=True)
        for name in ("sipp-5.1.0-5.2.0.zip", "sipp-5.1.0-5.2.0.zip.sha256"):
            shutil.copy(str(packages / name), str(folder))
        args = dict(package="%s/sipp-5.1.0-5.2.0.zip" % inside, history=history, db_client_backend="cli",
                    run_id="ssh-1")
        res = run(reg, court, args)
        assert res["_event"] == "runner_on_ok" and res["changed"] is True, res
        assert [m["result"] for m in res["migrations"]] == ["ok", "ok", "ok"]
        assert res["version_after"] == "5.2.0" == version(court)
        on_host = court.root / history.lstrip("/")
        assert [e["result"] for e in lines(on_host)] == ["ok", "ok", "ok"]
        assert stat.S_IMODE(on_host.stat().st_mode) == 0o600
        assert stat.S_IMODE(on_host.parent.stat().st_mode) == 0o700
        assert not Path(history).exists() or Path(history).resolve() != on_host.resolve()
        res = run(reg, court, dict(args, run_id="ssh-2"))
        assert res["_event"] == "runner_on_ok" and res["changed"] is False, res
    finally:
        reg.down()
        shutil.rmtree(str(reg.dir), ignore_errors=True)
