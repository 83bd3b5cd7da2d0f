"""Verify the simulated courts molecule ran against (testinfra).

Runs under molecule (`molecule verify`) or by hand:
    SIPPSIM_STATE=.sippsim/molecule .venv/bin/pytest molecule/default/tests \
        --connection=ansible --ansible-inventory=.sippsim/molecule/inventory.yml
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import testinfra.utils.ansible_runner

PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[3]))
STATE = Path(os.environ.get("SIPPSIM_STATE", PROJECT / ".sippsim" / "molecule"))
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE") and os.path.dirname(
    os.environ["MOLECULE_INVENTORY_FILE"]) or str(STATE / "inventory.yml")

testinfra_hosts = testinfra.utils.ansible_runner.AnsibleRunner(INVENTORY).get_hosts("all")


def _python():
    venv = PROJECT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


@pytest.fixture(scope="module")
def region():
    """The simulator's own view of the region: court id -> status row (app_path, version, ...)."""
    env = dict(os.environ, SIPPSIM_STATE=str(STATE),
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT / "sim"), os.environ.get("PYTHONPATH")])))
    out = subprocess.run([_python(), "-m", "sippsim", "status", "--json"], env=env, cwd=str(PROJECT),
                         check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    return {row["id"]: row for row in json.loads(out)["courts"]}


@pytest.fixture()
def court(host, region):
    hostvars = host.ansible.get_variables()
    court_id = hostvars.get("sippsim_court", hostvars["inventory_hostname"])
    assert court_id in region, "court %s is not in the simulator's status" % court_id
    row = dict(region[court_id])
    row["login_url"] = hostvars["sipp_login_url"]
    # The court's root: "" on a real (ssh mode) court, a folder of the state in local mode.
    row["root"] = row["app_path"].rsplit("/var/www/html/", 1)[0]
    return row


def test_sipp_folder_exists(host, court):
    app = host.file(court["app_path"])
    assert app.exists and app.is_directory
    assert host.file(court["app_path"] + "/application/config/database.php").is_file


def test_login_page_answers_with_version(host, court):
    cmd = host.run("curl -sS -o - -w '\\n%%{http_code}' %s", court["login_url"])
    assert cmd.rc == 0, cmd.stderr
    body, status = cmd.stdout.rsplit("\n", 1)
    assert status == "200"
    assert court["version"], "the simulator reports no version for %s" % court["id"]
    assert re.search(re.escape(court["version"]), body), "version %s not shown on %s" % (
        court["version"], court["login_url"])


def test_mysql_socket_exists(host, court):
    sock = host.file(court["root"] + "/run/mysqld/mysqld.sock")
    assert sock.exists and sock.is_socket
