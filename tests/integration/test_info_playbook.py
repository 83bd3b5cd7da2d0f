"""playbooks/info.yml run the way AWX runs it (ansible-runner), against real simulated courts in both modes."""
import json
import os
import subprocess


from sippsim import procs, sync
from sippsim.court import SIPP_DB
from sipptest import BIN_216, ansible_env, assert_no_secret, run_playbook, task_results

PLAYBOOK = "pengadilan.sipp.info"
TASK = "Temukan folder aplikasi, versi dan database SIPP"
PY36 = "/root/.pyenv/versions/3.6.15/bin/python3.6"


def db_version(court):
    conn = court.sipp_server().connect(SIPP_DB)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT value FROM sys_config WHERE id = 80")
            return cur.fetchone()[0]
    finally:
        conn.close()


def check_results(region, runner, backend):
    assert runner.status == "successful", runner.stdout.read()
    results = task_results(runner, TASK)
    assert set(results) == {c["id"] for c in region.data["courts"]}
    for court in region.courts():
        res = results[court.info["id"]]
        assert res["_event"] == "runner_on_ok", res
        assert res["changed"] is False
        s = res["sipp"]
        assert s["version"] == db_version(court)
        assert s["court"]["kode_satker"] == court.info["kode_satker"]
        assert s["court"]["nama"] == court.info["nama"]
        assert s["app_path"] == court.app_path
        assert s["app_folder"] == court.info["app_folder"]
        assert s["database"]["name"] == SIPP_DB and s["database"]["size_bytes"] > 1000000
        uploads = [f for f in (court.app_dir / "resources/file").rglob("*") if f.is_file()]
        assert len(uploads) > 10 and s["uploads"]["files"] == len(uploads)
        assert s["maintenance"]["site_offline"] is False
        assert s["sync"]["reachable"] is True
        assert s["sync"]["stamp"].replace("T", " ")[:19] == sync.stamp(court)[:19]
        assert s["db_backend"] == backend
        assert "password" not in json.dumps(s["database"])
    assert_no_secret(region, runner.config.private_data_dir)
    table = runner.stdout.read()
    for court in region.courts():
        assert court.info["kode_satker"] in table and court.info["nama"] in table
    return results


def test_info_local(region_local, collection):
    r = run_playbook(PLAYBOOK, region_local.inventory_path)
    # the controller's venv has PyMySQL
    check_results(region_local, r, "pymysql")


def test_info_ssh(region_ssh, collection):
    r = run_playbook(PLAYBOOK, region_ssh.inventory_path)
    # the court's own /usr/bin/python3 has no PyMySQL: the mysql client with an option file stands in
    check_results(region_ssh, r, "cli")


def test_info_check_mode_reports_the_same(region_local, collection):
    normal = task_results(run_playbook(PLAYBOOK, region_local.inventory_path), TASK)
    checked = task_results(run_playbook(PLAYBOOK, region_local.inventory_path, check=True), TASK)
    for host, res in normal.items():
        a, b = dict(res["sipp"]), dict(checked[host]["sipp"])
        for volatile in ("sync", "disk", "database", "clock"):
            a.pop(volatile), b.pop(volatile)
        assert a == b
        # the court's clock is read in check mode too, and this court's agrees with the controller's
        clock = checked[host]["sipp"]["clock"]
        assert clock["skewed"] is False and abs(clock["skew_seconds"]) < 60


def test_info_reports_a_dead_court_and_goes_on(region_local, collection):
    """On the session's local region (its own region cost seconds to start): the court whose database is stopped here
    has it started again afterwards, on its own data, so the region is left as it was found."""
    reg = region_local
    dead = reg.courts()[1]
    rec = [r for r in dead.info["procs"] if r["name"] == "mariadb:%s" % dead.info["id"]][0]
    procs.stop(rec)
    try:
        r = run_playbook(PLAYBOOK, reg.inventory_path)
        results = task_results(r, TASK)
        assert results[reg.courts()[0].info["id"]]["_event"] == "runner_on_ok"
        assert all(res["_event"] == "runner_on_ok" for host, res in results.items() if host != dead.info["id"])
        bad = results[dead.info["id"]]
        assert bad["_event"] == "runner_on_failed"
        # Indonesian, says what happened, and that nothing was changed
        assert "database" in bad["msg"].lower() and dead.info["db_password"] not in bad["msg"]
        out = r.stdout.read()
        assert "gagal" in out
        assert_no_secret(reg, r.config.private_data_dir)
    finally:
        # the simulator's own start of that server (Server.start waits until it answers), recorded in the region
        dead.info["procs"][dead.info["procs"].index(rec)] = dead.sipp_server().start(dead.log_dir)
        reg.save()


def test_info_under_ansible_core_216_on_python36(region_local, collection):
    """CentOS 7 courts: Python 3.6 without PyMySQL, managed by ansible-core 2.16."""
    playbook216 = BIN_216 / "ansible-playbook"
    assert playbook216.exists(), "make setup creates .venv-2.16"
    assert os.path.exists(PY36), "Python 3.6 (CentOS 7's) expected at %s" % PY36
    court = region_local.courts()[0]
    env = dict(os.environ, **ansible_env())
    out = subprocess.run([str(playbook216), "-i", str(region_local.inventory_path), "-l", court.info["id"],
                          "-e", "ansible_python_interpreter=%s" % PY36, "-v", PLAYBOOK],
                         capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "ansible-playbook [core 2.16" in subprocess.run([str(playbook216), "--version"], capture_output=True,
                                                            text=True).stdout
    assert court.info["kode_satker"] in out.stdout and db_version(court) in out.stdout
    # -v shows the module's result: it ran on Python 3.6, through the mysql client
    assert "python_version: 3.6" in out.stdout or '"python_version": "3.6' in out.stdout, out.stdout[-3000:]
    assert "db_backend: cli" in out.stdout or '"db_backend": "cli"' in out.stdout
