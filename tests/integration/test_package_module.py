"""sipp_package run on a simulated court over SSH (ansible-runner ad-hoc, as AWX runs a module), against the real
packages of the simulator: a good one verifies, faulty ones are refused, and nothing on the court changes."""
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from sippsim import faults, release
from sipptest import module_results, run_module, run_playbook, task_results

MODULE = "pengadilan.sipp.sipp_package"
# the court's own /var/backups is bound to court.root/var/backups; a host path under /tmp is not visible there
INSIDE = "/var/backups/paket-uji-sipp-package"


CHAIN_PLAYBOOK = """
- name: Verify a chain of packages, each against the version the previous one leads to
  hosts: all
  gather_facts: false
  tasks:
    - name: Start the chain at the court's version
      ansible.builtin.set_fact:
        __sipp_chain_version: "{{ court_version }}"
        __sipp_chain_packages: []

    - name: Verify each package of the chain
      ansible.builtin.include_tasks: verify_one.yml
      loop: "{{ packages }}"
      loop_control:
        loop_var: __sipp_chain_path

    - name: Verify every package alone
      pengadilan.sipp.sipp_package:
        path: "{{ item }}"
      loop: "{{ packages }}"
      register: sipp_pkgs

    - name: Each package starts where the previous one ends, the first at the court's version
      ansible.builtin.assert:
        that:
          - (sipp_pkgs.results | map(attribute='package.from_version') | list)
            == ([court_version] + (sipp_pkgs.results | map(attribute='package.to_version') | list))[:-1]

    - name: Chain result
      ansible.builtin.debug:
        msg: "{{ __sipp_chain_packages | map(attribute='to_version') | join(' ') }}"
"""
VERIFY_ONE = """
- name: Verify one package of the chain
  pengadilan.sipp.sipp_package:
    path: "{{ __sipp_chain_path }}"
    current_version: "{{ __sipp_chain_version }}"
  register: __sipp_chain_one

- name: The next package must start where this one ends
  ansible.builtin.set_fact:
    __sipp_chain_version: "{{ __sipp_chain_one.package.to_version }}"
    __sipp_chain_packages: "{{ __sipp_chain_packages + [__sipp_chain_one.package] }}"
"""


def tree_digest(root):
    """sha256 over every path, mode and content under root (symlinks not followed)."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            st = path.lstat()
            digest.update(("%s %o %d\n" % (path.relative_to(root), st.st_mode, st.st_size)).encode())
            if path.is_file() and not path.is_symlink():
                digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.mark.ssh
def test_package_check_on_a_court_over_ssh(region_ssh, collection, tmp_path):
    """On the 5.1.0 court of the session's ssh region (its own region cost seconds to start): the module changes
    nothing (asserted below), and the package folder this test copies to the court is removed afterwards."""
    out = tmp_path / "packages"
    release.build_packages(out)
    labels = faults.build_faulty(out / "faulty")
    good = out / "sipp-5.1.0-5.2.0.zip"
    symlink = out / "faulty" / "sipp-5.2.0-5.2.1-symlink_entry.zip"
    wrong_from = out / "faulty" / "sipp-5.2.2-5.3.0-wrong_from_version.zip"
    assert labels[symlink.name]["breaks"] == "symlink_entry"
    assert not Path(INSIDE).exists(), "the host must not see the court's folder, or this test proves nothing"

    reg = region_ssh
    court = [c for c in reg.courts() if c.info["version"] == "5.1.0"][0]
    host = court.info["id"]
    folder = court.root / INSIDE.lstrip("/")
    try:
        assert court.info["version"] == "5.1.0"
        folder.mkdir(parents=True)
        for pkg in (good, symlink, wrong_from, out / "sipp-5.2.0-5.2.1.zip", out / "sipp-5.2.1-5.3.0.zip"):
            shutil.copy(str(pkg), str(folder))
            shutil.copy(str(pkg) + ".sha256", str(folder))
        before = tree_digest(court.app_dir), tree_digest(folder)

        # the good package, checked against the court's version and the target
        args = dict(path="%s/%s" % (INSIDE, good.name), current_version="5.1.0", target_version="5.2.0")
        res = module_results(run_module(MODULE, args, reg.inventory_path, hosts=host))[host]
        assert res["_event"] == "runner_on_ok", res
        assert res["changed"] is False
        p = res["package"]
        assert p["path"] == args["path"] and p["checksum_file"] == args["path"] + ".sha256"
        assert p["sha256"] == release.sha256_file(good)
        assert (p["from_version"], p["to_version"]) == ("5.1.0", "5.2.0")
        assert p["requires_assistance"] is True and p["mandiri"] is False
        assert [m["file"] for m in p["migrations"]] == ["001_jadwal_sidang.sql", "002_putusan_elektronik.sql",
                                                         "003_view_dashboard.sql"]
        assert p["files"] == len(p["file_list"]) == 3
        assert "perkara_jadwal_sidang" in p["tables_changed"]

        # check mode: the same result
        checked = module_results(run_module(MODULE, args, reg.inventory_path, hosts=host, check=True))[host]
        assert checked["_event"] == "runner_on_ok" and checked["package"] == p

        # a faulty package: refused, with its problem code, in Indonesian
        res = module_results(run_module(MODULE, dict(path="%s/%s" % (INSIDE, symlink.name)),
                                        reg.inventory_path, hosts=host))[host]
        assert res["_event"] == "runner_on_failed", res
        assert res["problem"] == "symlink_entry"
        assert res["details"]["entry"] == "app/resources/file/backup_db.sql"
        assert "Tidak ada yang diubah" in res["msg"] and "SATGAS SIPP" in res["msg"]

        # the court's version does not fit the package: refused, naming both versions (English on request)
        res = module_results(run_module(MODULE, dict(path="%s/%s" % (INSIDE, wrong_from.name),
                                                     current_version="5.1.0", language="en"),
                                        reg.inventory_path, hosts=host))[host]
        assert res["_event"] == "runner_on_failed", res
        assert res["problem"] == "from_version_mismatch"
        assert "5.2.2" in res["msg"] and "5.1.0" in res["msg"] and "Nothing was changed" in res["msg"]

        # a path the court does not have
        res = module_results(run_module(MODULE, dict(path="/tmp/" + good.name), reg.inventory_path,
                                        hosts=host))[host]
        assert res["_event"] == "runner_on_failed" and res["problem"] == "package_missing"

        # a chain, verified the way the module's EXAMPLES show
        book = tmp_path / "chain"
        book.mkdir()
        (book / "chain.yml").write_text(CHAIN_PLAYBOOK)
        (book / "verify_one.yml").write_text(VERIFY_ONE)
        chain = ["%s/sipp-%s.zip" % (INSIDE, step) for step in ("5.1.0-5.2.0", "5.2.0-5.2.1", "5.2.1-5.3.0")]
        runner = run_playbook(str(book / "chain.yml"), reg.inventory_path,
                              extravars=dict(court_version="5.1.0", packages=chain), limit=host)
        assert runner.status == "successful", runner.stdout.read()
        assert task_results(runner, "Chain result")[host]["msg"] == "5.2.0 5.2.1 5.3.0"
        # the same chain with a package missing in the middle: the loop stops at the gap
        runner = run_playbook(str(book / "chain.yml"), reg.inventory_path,
                              extravars=dict(court_version="5.1.0", packages=[chain[0], chain[2]]), limit=host)
        assert runner.status == "failed"
        bad = [r for r in task_results(runner, "Verify one package of the chain").values()
               if r["_event"] == "runner_on_failed"]
        assert bad and bad[0]["problem"] == "from_version_mismatch" and "5.2.0" in bad[0]["msg"]

        # nothing changed on the court: application tree and package folder byte for byte
        assert (tree_digest(court.app_dir), tree_digest(folder)) == before
    finally:
        shutil.rmtree(str(folder), ignore_errors=True)
