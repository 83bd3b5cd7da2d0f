"""pengadilan.sipp.sipp_snapshot against REAL simulated courts (local mode), run the way AWX runs an ad-hoc command.

One region of two courts (5.0.0 and 5.1.0, real PHP app, real MariaDB, synthetic cases laid out back from today):
two snapshots agree; one changed row changes exactly that table's checksum; LIPA 1 and kinerja equal what the PHP
application itself serves; a good package's migrations leave figures, case rows and every undeclared table alone.
"""
import datetime
import json
import shutil
import stat

import pytest

from sippsim import release
from sippsim.court import SIPP_DB, http_get
from sipptest import lay_over, module_results, run_module, start_region

MODULE = "pengadilan.sipp.sipp_snapshot"
SEARCH = {"search_paths": "{{ sipp_search_paths | default(omit) }}"}
BEFORE = "{{ sipp_backup_dir }}/snapshots/before.json"


@pytest.fixture(scope="module")
def region(collection):
    reg = start_region("ssnap", 2, "local", versions=["5.0.0", "5.1.0"])
    try:
        yield reg
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def run(region, args, check=False, court=None):
    """Run the module on every court (or on ``court`` only); returns {court id: result}."""
    hosts = court.info["id"] if court is not None else "all"
    runner = run_module(MODULE, dict(SEARCH, **args), region.inventory_path, hosts=hosts, check=check)
    results = module_results(runner)
    expected = {court.info["id"]} if court is not None else {c.info["id"] for c in region.courts()}
    assert set(results) == expected, runner.stdout.read()
    return results


def ok(results):
    for host, res in results.items():
        assert res["_event"] == "runner_on_ok", (host, res.get("msg"), res)
    return results


def snap_file(court, name):
    return court.root / "var/backups/sipp/snapshots" / name


def sql(court, statement, args=None):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchall()
    finally:
        conn.close()


def app_json(court, path):
    status, body = http_get(court.url + path, timeout=30)
    assert status == 200, (court.url + path, status, body[:400])
    return json.loads(body)


def periods():
    today = datetime.date.today()
    first = today.replace(day=1)
    last_month = first - datetime.timedelta(days=1)
    return [(today.year, today.month), (last_month.year, last_month.month), (today.year - 1, 6)]


def assert_figures_equal_app(court, snapshot):
    year, month = snapshot["lipa1"]["tahun"], snapshot["lipa1"]["bulan"]
    assert snapshot["kinerja"] == app_json(court, "index.php/dashboard/kinerja?tahun=%d" % year)
    assert snapshot["lipa1"] == app_json(court, "index.php/perkara/lipa1?tahun=%d&bulan=%d" % (year, month))


def test_twice_equal_dest_0600_and_check_mode(region):
    checked = ok(run(region, {"dest": BEFORE}, check=True))
    for court in region.courts():
        assert checked[court.info["id"]]["changed"] is True
        assert not snap_file(court, "before.json").parent.exists(), "check mode must write nothing"

    first = ok(run(region, {"dest": BEFORE}))
    for court in region.courts():
        res = first[court.info["id"]]
        path = snap_file(court, "before.json")
        assert res["changed"] is True and res["dest"] == str(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        saved = json.loads(path.read_text())
        assert saved == res["snapshot"]
        assert saved["version"] == court.info["version"] and saved["database"] == SIPP_DB
        assert saved["case_counts"]["perkara"] > 10 and saved["tables"]["perkara"]["rows"] > 10
        assert court.info["db_password"] not in json.dumps(res)

    again = ok(run(region, {"compare_to": BEFORE, "dest": BEFORE}))
    for court in region.courts():
        res = again[court.info["id"]]
        assert res["equal"] is True and res["differences"] == [], res["differences"]
        assert res["changed"] is False  # same content, file left alone


def test_one_changed_row_changes_exactly_that_table(region):
    court = region.courts()[0]
    other = region.courts()[1]
    (pid, alamat), = sql(court, "SELECT id, alamat FROM pihak ORDER BY id LIMIT 1")
    sql(court, "UPDATE pihak SET alamat = %s WHERE id = %s", ("%s (diubah)" % alamat, pid))
    try:
        results = ok(run(region, {"compare_to": BEFORE, "language": "en"}))
        res = results[court.info["id"]]
        assert res["equal"] is False
        assert [(d["kind"], d["table"]) for d in res["differences"]] == [("checksum", "pihak")]
        assert results[other.info["id"]]["equal"] is True

        failed = run(region, {"compare_to": BEFORE, "fail_on_difference": True, "language": "en"})
        assert failed[court.info["id"]]["_event"] == "runner_on_failed"
        assert "pihak" in failed[court.info["id"]]["msg"]
        assert failed[other.info["id"]]["_event"] == "runner_on_ok"
    finally:
        sql(court, "UPDATE pihak SET alamat = %s WHERE id = %s", (alamat, pid))
    back = ok(run(region, {"compare_to": BEFORE}))
    assert back[court.info["id"]]["equal"] is True and back[court.info["id"]]["differences"] == []


def test_figures_equal_the_applications_own_reports(region):
    for year, month in periods():
        results = ok(run(region, {"year": year, "month": month, "tables": ["sys_config"]}))
        for court in region.courts():
            snapshot = results[court.info["id"]]["snapshot"]
            assert (snapshot["lipa1"]["tahun"], snapshot["lipa1"]["bulan"]) == (year, month)
            assert_figures_equal_app(court, snapshot)
    # the simulated courts have cases in these periods: the comparison is not between empty reports
    assert snapshot["kinerja"]["masuk"] > 0 and snapshot["lipa1"]["rincian"]


def _lay_over(court, pkg):
    """Apply a good package by hand; returns its manifest."""
    manifest, error = lay_over(court, pkg)
    assert error is None, error
    return manifest


def test_good_package_changes_only_declared_tables(region, tmp_path):
    year, month = periods()[1]
    ok(run(region, {"year": year, "month": month, "dest": "{{ sipp_backup_dir }}/snapshots/pre-upgrade.json"}))
    manifests = {}
    for court in region.courts():
        version = court.info["version"]
        target = release.VERSIONS[release.VERSIONS.index(version) + 1]
        pkg = release.build_package(version, target, tmp_path)
        manifests[court.info["id"]] = _lay_over(court, pkg)
        assert manifests[court.info["id"]]["tables_changed"]

    for court in region.courts():
        manifest = manifests[court.info["id"]]
        args = {"year": year, "month": month, "compare_to": "{{ sipp_backup_dir }}/snapshots/pre-upgrade.json",
                "ignore_tables": manifest["tables_changed"], "fail_on_difference": True}
        res = ok(run(region, args, court=court))[court.info["id"]]
        assert res["snapshot"]["version"] == manifest["to_version"]
        assert res["equal"] is True, res["differences"]
        assert [d for d in res["differences"]
                if d["kind"] in ("checksum", "structure", "figure", "rows", "missing_table")] == []
        new = set(d["table"] for d in res["differences"] if d["kind"] == "new_table")
        assert new <= set(manifest["tables_changed"])
        # the figures after the upgrade are still what the (new) application reports
        assert_figures_equal_app(court, res["snapshot"])

        # without the manifest's list, the checksums and definitions show what the migrations touched, and only that
        plain = ok(run(region, {"year": year, "month": month,
                                "compare_to": "{{ sipp_backup_dir }}/snapshots/pre-upgrade.json"}, court=court))
        diffs = plain[court.info["id"]]["differences"]
        changed = set(d["table"] for d in diffs if d["kind"] in ("checksum", "structure", "new_table"))
        assert "sys_config" in changed
        assert changed <= set(manifest["tables_changed"]), changed
        assert [d for d in diffs if d["kind"] == "figure"] == []


@pytest.mark.ssh
def test_ssh_court_cli_backend(region_ssh, collection):
    """Over SSH, with the court's own /usr/bin/python3 (no PyMySQL): the mysql client backend gives the same.
    On a court of the session's ssh region (its own region cost seconds to start): the module only reads it, and the
    snapshot folder it writes is removed afterwards."""
    reg = region_ssh
    court = reg.courts()[0]
    backups = court.root / "var/backups/sipp"
    backups_existed = backups.exists()
    try:
        dest = "/var/backups/sipp/snapshots/ssh.json"
        year, month = periods()[1]
        args = {"year": year, "month": month, "dest": dest, "db_client_backend": "cli"}
        checked = ok(run(reg, args, check=True, court=court))[court.info["id"]]
        assert checked["changed"] is True and not (court.root / "var/backups/sipp/snapshots").exists()
        res = ok(run(reg, args, court=court))[court.info["id"]]
        assert res["changed"] is True and res["dest"] == dest
        on_host = court.root / "var/backups/sipp/snapshots/ssh.json"
        assert stat.S_IMODE(on_host.stat().st_mode) == 0o600
        assert json.loads(on_host.read_text()) == res["snapshot"]
        assert court.info["db_password"] not in json.dumps(res)
        assert_figures_equal_app(court, res["snapshot"])
        again = ok(run(reg, {"year": year, "month": month, "compare_to": dest}, court=court))[court.info["id"]]
        assert again["equal"] is True and again["differences"] == []
    finally:
        shutil.rmtree(backups / "snapshots", ignore_errors=True)
        if not backups_existed:
            shutil.rmtree(backups, ignore_errors=True)
