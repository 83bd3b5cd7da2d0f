"""Verify the happy path of pengadilan.sipp.upgrade on the simulated courts (testinfra, `molecule verify -s happy`).

Both courts (the mandiri one from 5.2.0, the assisted one from 5.1.0) must be on 5.2.1 and online, with the
result of the run written on the court, a verified root-only backup taken before the upgrade, and a sync stamp
newer than before. Facts come from the courts themselves (MariaDB through its socket, the PHP login page, files)
and from the simulator (`sippsim status`), never from what the playbook says about itself alone.
"""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import testinfra.utils.ansible_runner

TARGET = "5.2.1"
PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[3]))
STATE = Path(os.environ.get("SIPPSIM_STATE", PROJECT / ".sippsim" / "molecule-happy"))
# molecule's inventory folder: the simulator's inventory with host_vars and group_vars beside it
INVENTORY = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]) if os.environ.get("MOLECULE_INVENTORY_FILE") \
    else str(STATE / "inventory.yml")

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("all")


def _sippsim(*args):
    python = PROJECT / ".venv" / "bin" / "python"
    env = dict(os.environ, SIPPSIM_STATE=str(STATE),
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT / "sim"), os.environ.get("PYTHONPATH")])))
    return subprocess.run([str(python) if python.exists() else sys.executable, "-m", "sippsim"] + list(args),
                          env=env, cwd=str(PROJECT), check=True, stdout=subprocess.PIPE,
                          universal_newlines=True).stdout


@pytest.fixture(scope="module")
def region():
    """The simulator's view of the region now: court id -> status row."""
    return {row["id"]: row for row in json.loads(_sippsim("status", "--json"))["courts"]}


@pytest.fixture(scope="module")
def before():
    """The simulator's view just before converge (prepare.yml)."""
    status = json.loads((STATE / "status-before-converge.json").read_text())
    return {row["id"]: row for row in status["courts"]}


@pytest.fixture()
def court(host, region, before):
    hostvars = host.ansible.get_variables()
    court_id = hostvars.get("sippsim_court", hostvars["inventory_hostname"])
    assert court_id in region and court_id in before, "court %s unknown to the simulator" % court_id
    row = dict(region[court_id])
    history = hostvars.get("sipp_history", "/var/lib/pengadilan-sipp/history.jsonl")
    row.update(
        before=before[court_id],
        login_url=hostvars["sipp_login_url"],
        root=row["app_path"].rsplit("/var/www/html/", 1)[0],
        # where the playbook writes its result: the folder beside the migration history
        history=history,
        result_dir=os.path.dirname(history) + "/hasil",
        backup_dir=hostvars.get("sipp_backup_dir", "/var/backups/sipp"),
        packages=hostvars.get("sipp_upgrade_packages"),
    )
    return row


@pytest.fixture()
def result(host, court):
    """The result of the run that upgraded the court; the idempotent second run only records "sudah"."""
    files = sorted(host.file(court["result_dir"]).listdir()) if host.file(court["result_dir"]).is_directory else []
    assert files and all(f.endswith(".json") for f in files), "no result files in %s: %s" % (court["result_dir"], files)
    results = [(court["result_dir"] + "/" + f, json.loads(host.file(court["result_dir"] + "/" + f).content_string))
               for f in files]
    upgraded = [r for r in results if r[1]["status"] != "sudah"]
    assert len(upgraded) == 1, "expected exactly one result that is not 'sudah' in %s: %s" % (court["result_dir"], files)
    assert all(r[1]["status"] == "sudah" for r in results if r not in upgraded)
    return upgraded[0]


def _sql(host, court, query):
    cmd = host.run("mysql --socket=%s --user=root --batch --skip-column-names --database=SIPP --execute=%s",
                   court["root"] + "/run/mysqld/mysqld.sock", query)
    assert cmd.rc == 0, cmd.stderr
    return [line.split("\t") for line in cmd.stdout.splitlines()]


def test_court_has_its_packages(court):
    # host_vars/<court>.yml matched the simulator's court: otherwise the playbook had nothing to do
    assert court["packages"], "no sipp_upgrade_packages for %s: host_vars/%s.yml missing" % (court["id"], court["id"])
    assert court["before"]["version"] in ("5.1.0", "5.2.0")
    assert court["before"]["version"] != TARGET


def test_database_on_target_version_and_online(host, court):
    config = dict(_sql(host, court, "SELECT id, value FROM sys_config WHERE id IN (6, 80)"))
    assert config.get("80") == TARGET, "sys_config id 80 of %s is %r" % (court["id"], config.get("80"))
    assert config.get("6") == "0", "%s is still in maintenance (sys_config id 6 = %r)" % (court["id"], config.get("6"))


def test_login_page_shows_target_version(host, court):
    cmd = host.run("curl -sS -o - -w '\\n%%{http_code}' %s", court["login_url"])
    assert cmd.rc == 0, cmd.stderr
    body, status = cmd.stdout.rsplit("\n", 1)
    assert status == "200", "login page of %s answers %s" % (court["id"], status)
    assert "Versi %s" % TARGET in body
    assert "Fatal error" not in body and "A PHP Error was encountered" not in body


def test_simulator_sees_target_version(court):
    # the simulator's own reading (its PyMySQL connection and its own HTTP request)
    assert court["version"] == TARGET
    assert court["web_status"] == 200


def test_result_file_root_only(host, court, result):
    path, _ = result
    folder = host.file(court["result_dir"])
    assert folder.user == "root" and folder.mode == 0o700, "%s: %s %o" % (folder.path, folder.user, folder.mode)
    f = host.file(path)
    assert f.user == "root" and f.mode == 0o600, "%s: %s %o" % (path, f.user, f.mode)


def test_result_says_upgraded(court, result):
    path, res = result
    assert res["court"] == court["id"]
    assert res["status"] == "berhasil", res.get("reason")
    assert res["run_id"] == os.path.basename(path)[:-len(".json")]
    assert res["version_before"] == court["before"]["version"]
    assert res["version_after"] == TARGET and res["target_version"] == TARGET
    assert court["before"]["version"] in res["reason"] and TARGET in res["reason"]
    steps = {s["step"]: s["status"] for s in res["steps"]}
    # every SOP step but 8 (the downgrade) ran, and each one went well
    assert sorted(steps) == [1, 2, 3, 4, 5, 6, 7, 9, 10], steps
    assert set(steps.values()) == {"ok"}, steps


def test_verified_backup_root_only(host, court, result):
    _, res = result
    name = res["backup"]["name"]
    assert name, "the result names no backup"
    backup = host.file("%s/%s" % (court["backup_dir"], name))
    assert backup.is_directory and backup.user == "root" and backup.mode == 0o700, \
        "%s: %s %o" % (backup.path, backup.user, backup.mode)
    meta = json.loads(host.file(backup.path + "/BACKUP.json").content_string)
    assert meta["verified"] is True and meta["name"] == name
    assert meta["version"] == court["before"]["version"], "the backup is not of the version before the upgrade"
    # every uploaded document of the court is in the backup's copy of the application folder (the upgrade does not
    # touch them, so the live folder still has exactly those)
    def documents(app):
        return sorted(host.check_output("cd %s/resources/file && find . -type f", app).splitlines())
    live = documents(court["app_path"])
    assert live, "the court has no uploaded documents in %s" % court["app_path"]
    assert documents(backup.path + "/app") == live, "the backup does not hold the court's uploaded documents"
    loose = host.check_output("find %s \\( -type f ! -perm 0600 \\) -o \\( -type d ! -perm 0700 \\)", backup.path)
    assert loose == "", "not root-only (files 0600, folders 0700):\n" + loose
    # the dump is the one the backup recorded and the result reports
    dump = meta["database"]["dest"]
    assert host.file(dump).is_file and dump.startswith(backup.path + "/")
    assert host.file(dump).sha256sum == meta["database"]["sha256"] == res["backup"]["sha256"]


def test_sync_stamp_fresh(court, result):
    _, res = result
    # the simulator's public-side stamp, later than before the upgrade: step 9 synchronised again
    assert court["sync_stamp"] and court["before"]["sync_stamp"]
    assert court["sync_stamp"] > court["before"]["sync_stamp"], (court["before"]["sync_stamp"], court["sync_stamp"])
    # and the result reports that very stamp
    assert res["sync_stamp"] == court["sync_stamp"]


def test_migration_history(host, court, result):
    """The court's own migration history: the assisted package's migrations, the mandiri package's version stamp."""
    _, res = result
    f = host.file(court["history"])
    assert f.user == "root" and f.mode == 0o600, "%s: %s %o" % (f.path, f.user, f.mode)
    records = [json.loads(line) for line in f.content_string.splitlines() if line.strip()]
    assert records and all(r["run_id"] == res["run_id"] and r["result"] == "ok" for r in records), records
    names = [os.path.basename(p) for p in court["packages"]]
    assert sorted({r["package"] for r in records}) == sorted(names)
    for name in names:
        with zipfile.ZipFile(str(STATE / "packages" / name)) as package:
            migrations = [m["file"] for m in json.loads(package.read("manifest.json"))["migrations"]]
        mine = [r for r in records if r["package"] == name]
        if migrations:
            # every migration once, in the manifest's order
            assert [r["file"] for r in mine if r["kind"] == "migration"] == migrations, mine
        else:
            # mandiri: no migration, only sys_config id 80 stamped with the new version
            assert [r["kind"] for r in mine] == ["stamp"], mine
