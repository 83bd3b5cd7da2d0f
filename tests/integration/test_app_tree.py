"""sipp_app_tree on a simulated court over SSH (ansible-runner ad-hoc, as AWX runs a module): the 5.2.0 tree is
prepared beside the live 5.1.0 one, switched in (the login page then answers 500: code 5.2.0 on schema 5.1.0, which
proves the web server runs the new tree), and switched back (200 and 'Versi 5.1.0' again, the tree byte for byte the
original)."""
import hashlib
import os
import shutil
import stat
from pathlib import Path

import pytest

from sippsim import release
from sippsim.court import http_get
from sipptest import module_results, run_module, start_region

MODULE = "pengadilan.sipp.sipp_app_tree"
# the court's /var/backups is court.root/var/backups on the host
INSIDE = "/var/backups/paket-uji-app-tree"


def tree_state(root):
    """rel -> (mode, uid, gid, sha256 or link target) of everything under root (symlinks not followed)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(str(root)):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    value = hashlib.sha256(handle.read()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                value = os.readlink(path)
            else:
                value = None
            out[os.path.relpath(path, str(root))] = (st.st_mode, st.st_uid, st.st_gid, value)
    return out


def on_court(reg, host, args, check=False):
    res = module_results(run_module(MODULE, args, reg.inventory_path, check=check))[host]
    return res


@pytest.mark.ssh
def test_prepare_switch_restore_on_a_court_over_ssh(collection, tmp_path):
    pkg = release.build_package("5.1.0", "5.2.0", tmp_path / "pkg")
    reg = start_region("spt", 1, "ssh", versions=["5.1.0"])
    try:
        court = reg.courts()[0]
        host = court.info["id"]
        assert court.info["version"] == "5.1.0"
        folder = court.root / INSIDE.lstrip("/")
        folder.mkdir(parents=True)
        shutil.copy(str(pkg), str(folder))
        shutil.copy(str(pkg) + ".sha256", str(folder))
        package = "%s/%s" % (INSIDE, pkg.name)
        app = court.app_path                      # as the court sees it
        parent_on_host = court.app_dir.parent
        name = court.app_dir.name

        status, body = http_get(court.url)
        assert status == 200 and "Versi 5.1.0" in body, (status, body[:300])
        original = tree_state(court.app_dir)
        assert any(rel.startswith("resources/file/") for rel in original), "the court has no uploads?"

        # prepared (check mode first: nothing appears)
        res = on_court(reg, host, dict(state="prepared", app_path=app, package=package), check=True)
        assert res["_event"] == "runner_on_ok" and res["changed"] is True, res
        assert sorted(p.name for p in parent_on_host.iterdir() if p.name.startswith("." + name)) == []
        res = on_court(reg, host, dict(state="prepared", app_path=app, package=package))
        assert res["_event"] == "runner_on_ok" and res["changed"] is True, res
        staging = res["staging"]
        assert staging == "/var/www/html/.%s.sipp-5.2.0" % name
        assert res["files_written"] == 3 and res["files_linked"] > 0
        assert tree_state(court.app_dir) == original           # the live tree untouched
        assert http_get(court.url)[0] == 200
        again = on_court(reg, host, dict(state="prepared", app_path=app, package=package))
        assert again["_event"] == "runner_on_ok" and again["changed"] is False, again

        # switched: the web server now runs the 5.2.0 code on the 5.1.0 schema -> 500
        res = on_court(reg, host, dict(state="switched", app_path=app, staging=staging))
        assert res["_event"] == "runner_on_ok" and res["changed"] is True, res
        assert res["method"] in ("exchange", "rename")
        previous = res["previous"]
        assert previous == "/var/www/html/.%s.sipp-previous-5.1.0" % name
        status, body = http_get(court.url)
        assert status == 500, (status, body[:300])
        assert tree_state(parent_on_host / Path(previous).name) == original
        again = on_court(reg, host, dict(state="switched", app_path=app, staging=staging))
        assert again["_event"] == "runner_on_ok" and again["changed"] is False, again

        # restored: 200 and 'Versi 5.1.0', the tree byte for byte the original
        res = on_court(reg, host, dict(state="restored", app_path=app, previous=previous))
        assert res["_event"] == "runner_on_ok" and res["changed"] is True, res
        status, body = http_get(court.url)
        assert status == 200 and "Versi 5.1.0" in body, (status, body[:300])
        assert tree_state(court.app_dir) == original
        again = on_court(reg, host, dict(state="restored", app_path=app, previous=previous))
        assert again["_event"] == "runner_on_ok" and again["changed"] is False, again

        # cleaned: the failed tree and the journal go, nothing else
        res = on_court(reg, host, dict(state="cleaned", app_path=app,
                                       remove=[res["failed_tree"], "/var/www/html/.%s.sipp-restored.json" % name]))
        assert res["_event"] == "runner_on_ok" and res["changed"] is True, res
        assert sorted(p.name for p in parent_on_host.iterdir() if p.name.startswith("." + name)) == []
        res = on_court(reg, host, dict(state="cleaned", app_path=app, remove=["/var/www/html"]))
        assert res["_event"] == "runner_on_failed" and res["problem"] == "not_removable", res
        assert tree_state(court.app_dir) == original
        assert http_get(court.url)[0] == 200
    finally:
        reg.down()
        shutil.rmtree(str(reg.dir), ignore_errors=True)
