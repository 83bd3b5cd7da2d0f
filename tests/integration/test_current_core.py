"""The upgrade, backup and rollback playbooks under ansible-core's current release (2.21, .venv-2.21 on Python 3.12),
driven as AWX drives them (ansible-runner), against one region of simulated courts: the nightly backup of every
court; an upgrade night where one court is upgraded and one is downgraded after a failed migration (proved identical
by the simulator's fingerprint); then a manual downgrade of the upgraded court to the backup the upgrade made.

The same paths run under the pinned 2.19 in test_upgrade_playbook.py, test_backup_role.py and test_rollback_role.py,
and under 2.16 for CentOS 7; this file is what the current release adds to make test (one region of three small
courts, about two minutes)."""
import json
import shutil
import subprocess

import pytest

from sippsim import release
from sipptest import (BIN_221, FAST_POLLS, assert_no_secret, build_packages, fingerprints, run_playbook, start_region,
                      task_results, upgrade_results)

PLAYBOOK = BIN_221 / "ansible-playbook"
FAULTY = release.package_name("5.1.0", "5.2.0", "migration_fails_halfway")


@pytest.fixture(scope="module")
def region(collection, tmp_path_factory):
    assert PLAYBOOK.exists(), "make setup creates .venv-2.21 (ansible-core 2.21 on Python 3.12 or newer)"
    reg = start_region("scur", 3, "local", versions=["5.1.0"] * 3)
    try:
        yield reg, build_packages(tmp_path_factory.mktemp("paket"))
    finally:
        reg.down()
        shutil.rmtree(str(reg.dir), ignore_errors=True)


def run(reg, playbook, **kw):
    r = run_playbook("pengadilan.sipp.%s" % playbook, reg.inventory_path, binary=PLAYBOOK, **kw)
    assert r.config.command[0] == str(PLAYBOOK)
    assert_no_secret(reg, r.config.private_data_dir)
    return r


def test_it_is_the_current_release():
    out = subprocess.run([str(PLAYBOOK), "--version"], stdout=subprocess.PIPE, universal_newlines=True,
                         check=True).stdout
    assert "ansible-playbook [core 2.21." in out and "python version = 3.1" in out, out


def test_backup_upgrade_and_rollback_under_the_current_release(region, tmp_path):
    reg, packages = region
    good, bad, third = reg.courts()
    before = fingerprints(reg)

    # the nightly backup of every court
    r = run(reg, "backup", extravars=FAST_POLLS)
    assert r.rc == 0, r.stdout.read()[-4000:]
    for court in reg.courts():
        assert list((court.root / "var/backups/sipp").glob("SIPP-*")), court.info["id"]

    # upgrade night: one court upgraded, one downgraded after its migration fails half-way
    hv = reg.dir / "host_vars"
    hv.mkdir(exist_ok=True)
    (hv / ("%s.yml" % bad.info["id"])).write_text(json.dumps(
        {"sipp_upgrade_packages": [str(packages / "faulty" / FAULTY)]}))
    extravars = dict(FAST_POLLS, sipp_upgrade_assisted_approved=True, sipp_report_dir=str(tmp_path),
                     sipp_run_id="uji-221", sipp_upgrade_fail_on=[])
    (reg.dir / "group_vars").mkdir(exist_ok=True)
    (reg.dir / "group_vars" / "all.yml").write_text(json.dumps(
        {"sipp_upgrade_packages": [str(packages / "sipp-5.1.0-5.2.0.zip")]}))
    r = run(reg, "upgrade", extravars=extravars, limit="%s,%s,localhost" % (good.info["id"], bad.info["id"]))
    assert r.rc == 0, r.stdout.read()[-4000:]
    res = upgrade_results(r)
    assert res[good.info["id"]]["status"] == "berhasil" and res[good.info["id"]]["version_after"] == "5.2.0", res
    assert res[bad.info["id"]]["status"] == "didowngrade", res
    after = fingerprints(reg)
    assert after[bad.info["id"]] == before[bad.info["id"]]
    assert after[third.info["id"]] == before[third.info["id"]]
    assert after[good.info["id"]]["version"] == "5.2.0" and after[good.info["id"]]["site_offline"] is False
    assert json.loads((tmp_path / "laporan-upgrade-sipp-uji-221.json").read_text())["summary"]

    # SOP step 8 by hand: the upgraded court back to the backup the upgrade made, proved
    r = run(reg, "rollback", extravars={"sipp_rollback_poll_interval": 1, "sipp_target": good.info["id"]})
    assert r.rc == 0, r.stdout.read()[-4000:]
    rolled = task_results(r, "Catat hasil downgrade")[good.info["id"]]["ansible_facts"]["sipp_rollback_result"]
    assert rolled["ok"] is True, rolled
    back = fingerprints(reg, [good.info["id"]])[good.info["id"]]
    assert back["version"] == "5.1.0" and back["site_offline"] is False
    # every table as before; the view 5.2.0 replaced has its definition back, and its DEFINER is the login user's
    # (it lacks SUPER to set root's back), which the result says instead of calling it identical
    view = "v_perkara_dashboard"
    assert {k: v for k, v in back["tables"].items() if k != view} == \
        {k: v for k, v in before[good.info["id"]]["tables"].items() if k != view}
    assert [d["object"] for d in rolled["definers_not_kept"]] == ["view %s" % view], rolled
