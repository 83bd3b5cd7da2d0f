"""The collection as a high court's admin gets it (README, "Using it on real court servers"): the release tarball built from
this checkout, installed offline with ansible-galaxy into a folder of the admin's own, the example folder
(ansible.cfg with host key checking on, hosts.yml, group_vars/) copied out of the installed collection, each court's
SSH host key accepted once, then the info, sync_check, backup and upgrade playbooks run with ansible-playbook from
that folder against simulated courts over SSH.

Nothing of this repository is in reach of those runs: no ANSIBLE_* variable, no PYTHONPATH, the repository's
ansible.cfg and collection copy unknown to them (ansible-galaxy collection list proves which copy is used);
ansible-playbook is .venv's (the pinned ansible-core), which has no pengadilan.sipp of its own. HOME stays the user's
own: with a HOME that is not the account's home, ansible-core's async jobs run on the controller (the preflight's
rsync) are written to one folder and looked for in another. The output is Ansible's default callback, configured by
nothing of ours: the tables must read line by line there.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sipptest import FAST_POLLS, REPO, assert_no_secret, build_packages, build_tarball, fingerprints, start_region

BIN = Path(sys.executable).parent
COURTS = 2


@pytest.fixture(scope="module")
def admin(tmp_path_factory):
    """The admin's machine: the tarball, the folder the admin works in and a region of two courts."""
    root = tmp_path_factory.mktemp("admin")
    tarball = build_tarball(root / "rilis")
    folder = root / "wilayah"
    folder.mkdir()
    reg = start_region("sinst", COURTS, "ssh", versions=["5.1.0"] * COURTS)
    try:
        yield {"root": root, "tarball": tarball, "folder": folder, "region": reg,
               "packages": build_packages(root / "paket")}
    finally:
        reg.down()
        shutil.rmtree(str(reg.dir), ignore_errors=True)


def admin_env(admin):
    """The environment of a shell on the admin's machine: nothing that points into this repository."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANSIBLE_", "SIPP_", "PYTHON")) and k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env.update(PATH="%s:/usr/local/bin:/usr/bin:/bin" % BIN, LANG="C.UTF-8")
    return env


def sh(admin, *cmd, check=True):
    proc = subprocess.run([str(c) for c in cmd], cwd=str(admin["folder"]), env=admin_env(admin),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=1800)
    if check:
        assert proc.returncode == 0, "%s\n%s" % (" ".join(str(c) for c in cmd), proc.stdout[-6000:])
    return proc


def known_hosts(admin):
    return admin["folder"] / "known_hosts"


def write_inventory(admin):
    """hosts.yml of the admin's region: the example's layout with the simulated courts' addresses. Only two things
    differ from a real region: the courts' SSH key file and login (root, so no sudo), and the file that stands in for
    ~/.ssh/known_hosts (ssh reads the real root's home, not HOME)."""
    reg = admin["region"]
    groups = {}
    for group, data in reg.inventory()["all"]["children"].items():
        hosts = {}
        for name, hv in data["hosts"].items():
            hv = {k: v for k, v in hv.items() if not k.startswith("sippsim_")}
            hv["ansible_ssh_common_args"] = "-o UserKnownHostsFile=%s" % known_hosts(admin)
            hv["ansible_become"] = False
            hosts[name] = hv
        groups[group] = {"vars": data["vars"], "hosts": hosts}
    (admin["folder"] / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": groups}}, sort_keys=False))


@pytest.fixture(scope="module")
def installed(admin):
    """README: install the tarball offline into ./collections, copy the example folder out of it."""
    out = sh(admin, BIN / "ansible-galaxy", "collection", "install", "--offline", "-p", "./collections",
             admin["tarball"])
    assert "pengadilan.sipp:0.1.0 was installed successfully" in out.stdout, out.stdout
    example = admin["folder"] / "collections/ansible_collections/pengadilan/sipp/inventories/example"
    for item in example.iterdir():
        if item.is_dir():
            shutil.copytree(str(item), str(admin["folder"] / item.name))
        else:
            shutil.copy(str(item), str(admin["folder"]))
    write_inventory(admin)
    return admin


def playbook(admin, name, *args, check=True):
    return sh(admin, BIN / "ansible-playbook", "pengadilan.sipp.%s" % name, *args, check=check)


def test_the_installed_collection_is_the_one_in_use(installed):
    config = sh(installed, BIN / "ansible-config", "dump", "--only-changed").stdout
    assert "CONFIG_FILE() = %s" % (installed["folder"] / "ansible.cfg") in config, config
    assert "HOST_KEY_CHECKING" in config and "DEFAULT_FORKS" in config, config
    listing = sh(installed, BIN / "ansible-galaxy", "collection", "list", "pengadilan.sipp", "--format", "json").stdout
    found = json.loads(listing)
    assert list(found) == [str(installed["folder"] / "collections/ansible_collections")], found
    assert str(REPO) not in config


def test_a_court_whose_key_is_not_accepted_is_not_contacted(installed):
    """Host key checking is on: before the admin accepts its key, a court is unreachable and nothing runs there."""
    known_hosts(installed).write_text("")
    before = fingerprints(installed["region"])
    out = playbook(installed, "info", check=False)
    assert "Host key verification failed" in out.stdout, out.stdout[-3000:]
    rows = table_lines(out.stdout, "Tampilkan tabel wilayah")
    for court in installed["region"].courts():
        row = [ln for ln in rows if court.info["id"] in ln]
        assert row and "tidak terjangkau" in row[0], rows
    assert fingerprints(installed["region"]) == before


def accept_keys(admin):
    """README: each court's key once, after its fingerprint was compared with the one the court's admin reads."""
    lines = []
    for court in admin["region"].courts():
        scan = sh(admin, "ssh-keyscan", "-t", "ed25519", court.address).stdout
        lines += [ln for ln in scan.splitlines() if ln and not ln.startswith("#")]
    assert len(lines) == COURTS
    known_hosts(admin).write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def accepted(installed):
    accept_keys(installed)
    return installed


def table_lines(stdout, task):
    """The lines Ansible's default callback printed for a task."""
    part = stdout.split("TASK [%s]" % task, 1)[1].split("\nTASK [", 1)[0].split("\nPLAY ", 1)[0]
    return part.splitlines()


def test_info_table_reads_line_by_line_with_the_default_callback(accepted):
    out = playbook(accepted, "info").stdout
    lines = table_lines(out, "Tampilkan tabel wilayah")
    for court in accepted["region"].courts():
        row = [ln for ln in lines if court.info["id"] in ln]
        assert row and court.info["kode_satker"] in row[0] and "5.1.0" in row[0], lines
    assert not [ln for ln in lines if "\\n" in ln], lines
    assert_no_secret(accepted["region"], accepted["folder"])


def test_sync_check_table_reads_line_by_line(accepted):
    out = playbook(accepted, "sync_check").stdout
    lines = table_lines(out, "Tampilkan tabel wilayah")
    assert len([ln for ln in lines if ln.strip().strip('",').startswith(tuple(
        c.info["id"] for c in accepted["region"].courts()))]) == COURTS, lines
    assert not [ln for ln in lines if "\\n" in ln], lines


def test_backup_and_upgrade_from_the_admins_folder(accepted):
    reg = accepted["region"]
    before = fingerprints(reg)
    out = playbook(accepted, "backup", "-e", json.dumps(FAST_POLLS)).stdout
    assert "failed=0" in out and "unreachable=0" in out, out[-3000:]
    for court in reg.courts():
        assert list((court.root / "var/backups/sipp").glob("SIPP-*")), court.info["id"]
    # the monitoring report lands in the admin's folder (the playbook's own default)
    assert list((accepted["folder"] / "laporan-sipp").glob("pemantauan-sipp-*.html"))

    extra = dict(FAST_POLLS, sipp_upgrade_packages=[str(accepted["packages"] / "sipp-5.1.0-5.2.0.zip")],
                 sipp_upgrade_assisted_approved=True, sipp_run_id="rilis-1")
    (accepted["folder"] / "upgrade-vars.yml").write_text(yaml.safe_dump(extra))
    out = playbook(accepted, "upgrade", "-e", "@upgrade-vars.yml").stdout
    assert "failed=0" in out and "unreachable=0" in out, out[-3000:]
    after = fingerprints(reg)
    for court in reg.courts():
        cid = court.info["id"]
        assert after[cid]["version"] == "5.2.0" and after[cid]["site_offline"] is False
        assert before[cid]["version"] == "5.1.0"
    report = accepted["folder"] / "laporan-sipp" / "laporan-upgrade-sipp-rilis-1.json"
    data = json.loads(report.read_text())
    assert data["summary"].get("berhasil") == COURTS, data["summary"]
    assert_no_secret(reg, accepted["folder"])

