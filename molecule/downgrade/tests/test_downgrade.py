"""Verify that no faulty package leaves a court changed (testinfra, `molecule verify -s downgrade`).

Every faulty package of the simulator (packages/faulty/FAULTS.json) ran on a court of its own. Whatever the fault,
each court must be on its old version, online, with every table's rows/checksum/structure and the application
folder identical to the simulator's fingerprint taken before converge, and its result file must say what happened:
refused before any change (gagal, or dilewati when the package does not start from the court's version), or
applied, found broken and downgraded (didowngrade), with a reason naming the fault.
"""
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import testinfra.utils.ansible_runner

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[3]))
STATE = Path(os.environ.get("SIPPSIM_STATE", PROJECT / ".sippsim" / "molecule-downgrade"))
FAULTY = STATE / "packages" / "faulty"
# molecule's inventory folder: the simulator's inventory with host_vars and group_vars beside it
INVENTORY = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]) if os.environ.get("MOLECULE_INVENTORY_FILE") \
    else str(STATE / "inventory.yml")

RUNNER = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY)
testinfra_hosts = RUNNER.get_hosts("all")

# What each kind of fault must lead to: the status, and what the reason must name ({package}: the faulty package's
# file name; {version}: the court's version; {from_version}/{to_version}: the faulty package's manifest; {backup}:
# the backup the court was downgraded to). Language-independent words: file names, versions, the errors of
# MariaDB, PHP and Python's zipfile. A fault the simulator gains later fails test_every_fault_has_an_expectation.
EXPECTED = {
    "checksum_mismatch": ("gagal", ["{package}", "application/models/Perkara_model.php"]),
    "path_escape": ("gagal", ["{package}", "app/../../../etc/cron.d/sipp-update"]),
    "symlink_entry": ("gagal", ["{package}", "app/resources/file/backup_db.sql", "120777"]),
    "truncated_archive": ("gagal", ["{package}", "File is not a zip file"]),
    "wrong_from_version": ("dilewati", ["{from_version}", "{version}"]),
    "migration_fails_halfway": ("didowngrade", ["002_putusan_elektronik.sql", "Unknown column 'agenda'",
                                                "{to_version}", "{version}", "{backup}"]),
    "php_fatal": ("didowngrade", ["Fatal error", "{to_version}", "{version}", "{backup}"]),
    "version_not_bumped": ("didowngrade", ["sys_config id 80", "{to_version}", "{version}", "{backup}"]),
}
REFUSED = ("gagal", "dilewati")


def _sippsim(*args, check=True):
    python = PROJECT / ".venv" / "bin" / "python"
    env = dict(os.environ, SIPPSIM_STATE=str(STATE),
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT / "sim"), os.environ.get("PYTHONPATH")])))
    return subprocess.run([str(python) if python.exists() else sys.executable, "-m", "sippsim"] + list(args),
                          env=env, cwd=str(PROJECT), check=check, stdout=subprocess.PIPE,
                          universal_newlines=True)


def _manifest(path):
    """The faulty package's manifest.json, or {} when the zip cannot be read (truncated_archive)."""
    try:
        with zipfile.ZipFile(str(path)) as package:
            return json.loads(package.read("manifest.json"))
    except (zipfile.BadZipFile, KeyError, ValueError):
        return {}


@pytest.fixture(scope="module")
def faults():
    return json.loads((FAULTY / "FAULTS.json").read_text())


@pytest.fixture(scope="module")
def region():
    """The simulator's view of the region now: court id -> status row."""
    return {row["id"]: row for row in json.loads(_sippsim("status", "--json").stdout)["courts"]}


@pytest.fixture(scope="module")
def before():
    """The simulator's fingerprint of every court before converge (prepare.yml)."""
    return json.loads((STATE / "fingerprint-before-converge.json").read_text())


@pytest.fixture(scope="module")
def compare():
    """`sippsim fingerprint --compare`: its exit code and, per court, IDENTICAL or DIFFERS: ..."""
    out = _sippsim("fingerprint", "--compare", str(STATE / "fingerprint-before-converge.json"), check=False)
    lines = dict(line.split(None, 1) for line in out.stdout.splitlines() if line.strip())
    return out.returncode, lines


@pytest.fixture()
def court(host, faults, before, region):
    hostvars = host.ansible.get_variables()
    court_id = hostvars.get("sippsim_court", hostvars["inventory_hostname"])
    packages = hostvars.get("sipp_upgrade_packages") or []
    assert len(packages) == 1, "%s: expected one faulty package in host_vars, got %r" % (court_id, packages)
    name = os.path.basename(packages[0])
    assert name in faults, "%s was given %s, not a package of FAULTS.json" % (court_id, packages[0])
    assert court_id in before and court_id in region, "%s unknown to the simulator" % court_id
    history = hostvars.get("sipp_history", "/var/lib/pengadilan-sipp/history.jsonl")
    manifest = _manifest(FAULTY / name)
    return {
        "id": court_id,
        "package": name,
        "fault": faults[name],
        "manifest": manifest,
        "version": before[court_id]["version"],
        "login_url": hostvars["sipp_login_url"],
        # the court's root: "" on a real (ssh mode) court, a folder of the state in local mode
        "root": region[court_id]["app_path"].rsplit("/var/www/html/", 1)[0],
        "result_dir": os.path.dirname(history) + "/hasil",
        "backup_dir": hostvars.get("sipp_backup_dir", "/var/backups/sipp"),
    }


@pytest.fixture()
def result(host, court):
    """The court's one result file of the run."""
    folder = host.file(court["result_dir"])
    files = sorted(folder.listdir()) if folder.is_directory else []
    assert len(files) == 1 and files[0].endswith(".json"), \
        "expected exactly one result file in %s, found %s" % (court["result_dir"], files)
    path = court["result_dir"] + "/" + files[0]
    f = host.file(path)
    assert f.user == "root" and f.mode == 0o600, "%s: %s %o" % (path, f.user, f.mode)
    return json.loads(f.content_string)


def _sql(host, court, query):
    cmd = host.run("mysql --socket=%s --user=root --batch --skip-column-names --database=SIPP --execute=%s",
                   court["root"] + "/run/mysqld/mysqld.sock", query)
    assert cmd.rc == 0, cmd.stderr
    return [line.split("\t") for line in cmd.stdout.splitlines()]


# ------------------------------------------------------------------ the region as a whole (run once)
def test_every_fault_has_an_expectation(faults):
    unknown = sorted({f["breaks"] for f in faults.values()} - set(EXPECTED))
    assert not unknown, "faulty packages with no expected outcome here: %s (add them to EXPECTED)" % unknown


def test_every_faulty_package_ran_on_one_court(faults):
    given = {}
    for court in testinfra_hosts:
        for package in RUNNER.get_variables(court).get("sipp_upgrade_packages") or []:
            given.setdefault(os.path.basename(package), []).append(court)
    assert sorted(given) == sorted(faults), "packages given %s, FAULTS.json %s" % (sorted(given), sorted(faults))
    assert all(len(courts) == 1 for courts in given.values()), given


def test_fingerprint_compare_covers_region(compare):
    rc, lines = compare
    assert sorted(lines) == sorted(testinfra_hosts), lines
    assert rc == 0, "sippsim fingerprint --compare: %s" % lines


# ------------------------------------------------------------------ each court
def test_court_identical_to_before(court, compare):
    # the simulator's own witness: version, maintenance switch, every table, the application folder
    assert compare[1].get(court["id"]) == "IDENTICAL", "%s (%s): %s" % (
        court["id"], court["fault"]["breaks"], compare[1].get(court["id"]))


def test_database_on_old_version_and_online(host, court):
    config = dict(_sql(host, court, "SELECT id, value FROM sys_config WHERE id IN (6, 80)"))
    assert config.get("80") == court["version"], "%s: sys_config id 80 is %r" % (court["id"], config.get("80"))
    assert config.get("6") == "0", "%s is in maintenance (sys_config id 6 = %r)" % (court["id"], config.get("6"))


def test_login_page_shows_old_version(host, court):
    cmd = host.run("curl -sS -o - -w '\\n%%{http_code}' %s", court["login_url"])
    assert cmd.rc == 0, cmd.stderr
    body, status = cmd.stdout.rsplit("\n", 1)
    assert status == "200", "login page of %s answers %s" % (court["id"], status)
    assert "Versi %s" % court["version"] in body
    assert "Fatal error" not in body and "A PHP Error was encountered" not in body


def test_result_status_and_reason(court, result):
    status, words = EXPECTED[court["fault"]["breaks"]]
    assert result["court"] == court["id"]
    assert result["status"] == status, "%s (%s): %s: %s" % (court["id"], court["fault"]["breaks"], result["status"],
                                                            result["reason"])
    assert result["version_before"] == court["version"] and result["version_after"] == court["version"]
    values = {"package": court["package"], "version": court["version"],
              "from_version": court["manifest"].get("from_version"), "to_version": court["manifest"].get("to_version"),
              "backup": (result.get("backup") or {}).get("name")}
    missing = [w.format(**values) for w in words if w.format(**values) not in (result["reason"] or "")]
    assert not missing, "%s (%s): the reason does not name %s: %s" % (court["id"], court["fault"]["breaks"], missing,
                                                                      result["reason"])


def test_result_steps(court, result):
    steps = {s["step"]: s["status"] for s in result["steps"]}
    if result["status"] in REFUSED:
        # refused in steps 1/4, before maintenance, backup, files or migrations
        assert not set(steps) & {2, 5, 6, 7, 8, 9}, steps
        assert "gagal" in (steps.get(1), steps.get(4)), steps
    else:
        assert court["manifest"].get("to_version") == result["target_version"]
        assert steps.get(2) == "ok" and steps.get(8) == "ok" and steps.get(9) == "ok", steps
        assert "gagal" in (steps.get(5), steps.get(6), steps.get(7)), steps


def test_backup(host, court, result):
    backups = host.file(court["backup_dir"])
    names = sorted(n for n in backups.listdir() if n != "paket") if backups.is_directory else []
    if result["status"] in REFUSED:
        assert result["backup"]["name"] is None
        assert names == [], "%s: nothing should have been backed up, found %s" % (court["id"], names)
        return
    # the backup the court was downgraded to: taken before the upgrade, verified, root-only
    name = result["backup"]["name"]
    assert names == [name], names
    folder = host.file("%s/%s" % (court["backup_dir"], name))
    assert folder.user == "root" and folder.mode == 0o700
    meta = json.loads(host.file(folder.path + "/BACKUP.json").content_string)
    assert meta["verified"] is True and meta["version"] == court["version"]
    assert host.file(meta["database"]["dest"]).sha256sum == meta["database"]["sha256"] == result["backup"]["sha256"]
