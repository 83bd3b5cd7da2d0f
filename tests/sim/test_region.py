"""The simulated region behaves like real SIPP courts: real MariaDB, real PHP, real sync, real SSH hosts."""
import json
import os
import shutil
import subprocess
import sys
import time
import zipfile

import pytest
import yaml

from sipptest import REPO, VOLUME_SCALE, lay_over, start_region
from sippsim import netns, procs, release, sync
from sippsim.court import SIPP_DB, http_get
from sippsim.simregion import Region

FACTS_ROWS = {1: "OfflineMessage", 6: "SiteOffline", 61: "KodePN", 62: "NamaPN", 63: "AlamatPN", 75: "ZonaWaktu",
              76: "NamaPT", 77: "AlamatPT", 80: "app_version", 81: "IDPN", 82: "kode_satker", 83: "jenis_pengadilan"}
CASE_TABLES = ["perkara", "perkara_pihak1", "perkara_pihak2", "pihak", "perkara_penetapan", "perkara_hakim_pn",
               "perkara_jadwal_sidang", "perkara_putusan", "perkara_biaya", "alur_perkara", "jenis_perkara",
               "status_putusan", "sys_users", "sys_groups", "sys_audittrail", "sys_config"]


def q(court, sql, args=None, db=SIPP_DB):
    conn = court.sipp_server().connect(db)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.close()


def test_schema_is_sipp(region_local):
    court = region_local.courts()[0]
    tables = {r[0]: (r[1], r[2]) for r in q(court, "SELECT table_name, engine, table_collation FROM "
                                                   "information_schema.tables WHERE table_schema = %s "
                                                   "AND table_type = 'BASE TABLE'", (SIPP_DB,))}
    for t in CASE_TABLES + ["dataumumweb", "jadwalsidangweb", "pihakweb", "perkaraputusanweb"]:
        assert t in tables, t
        assert tables[t][0] == "InnoDB" and tables[t][1].startswith("latin1"), (t, tables[t])
    cols = {r[0] for r in q(court, "SELECT column_name FROM information_schema.columns WHERE table_schema=%s "
                                   "AND table_name='perkara'", (SIPP_DB,))}
    assert {"diinput_oleh", "diinput_tanggal", "diperbaharui_oleh", "diperbaharui_tanggal", "nomor_perkara",
            "petitum_dok", "alur_perkara_id"} <= cols
    rows = dict(q(court, "SELECT id, name FROM sys_config"))
    for rid, name in FACTS_ROWS.items():
        assert rows.get(rid) == name, (rid, rows.get(rid))
    info = court.info
    cfg = dict(q(court, "SELECT id, value FROM sys_config WHERE id IN (6, 62, 80, 82)"))
    assert cfg == {6: "0", 62: info["nama"], 80: info["version"], 82: info["kode_satker"]}


def test_data_is_realistic_and_uploads_exist(region_local):
    court = region_local.courts()[0]
    n = q(court, "SELECT COUNT(*) FROM perkara")[0][0]
    assert 2000 <= n <= 10000
    nomor = [r[0] for r in q(court, "SELECT nomor_perkara FROM perkara LIMIT 50")]
    suffix = court.info["kode_pn"]
    assert all(x.endswith(suffix) and x.count("/") == 3 for x in nomor), nomor[:5]
    kinds = {r[0] for r in q(court, "SELECT DISTINCT alur_perkara_id FROM perkara")}
    assert {1, 2, 111} <= kinds
    docs = [r[0] for r in q(court, "SELECT petitum_dok FROM perkara WHERE petitum_dok IS NOT NULL LIMIT 20")]
    assert docs
    for rel in docs:
        f = court.app_dir / rel
        assert f.is_file() and f.read_bytes().startswith(b"%PDF"), f


def test_courts_differ_and_are_deterministic(region_local):
    a, b = region_local.courts()[:2]
    assert a.info["app_folder"] != b.info["app_folder"] or a.info["kode_satker"] != b.info["kode_satker"]
    assert a.info["db_password"] != b.info["db_password"]
    # the second court's password is full of quoting traps, and the application still connects with it
    assert any(ch in b.info["db_password"] for ch in "'\"$\\ ")
    status, body = http_get(b.url)
    assert status == 200, body[:500]


def test_login_page_shows_court_and_version(region_local):
    for court in region_local.courts():
        status, body = http_get(court.url)
        assert status == 200, body[:500]
        assert court.info["nama"] in body
        assert "Versi %s" % court.info["version"] in body
        assert "Error" not in body


def test_offline_answers_503_with_message(region_local):
    court = region_local.courts()[1]
    q(court, "UPDATE sys_config SET value='1' WHERE id=6")
    try:
        status, body = http_get(court.url)
        assert status == 503
        msg = q(court, "SELECT value FROM sys_config WHERE id=1")[0][0]
        assert msg in body
    finally:
        q(court, "UPDATE sys_config SET value='0' WHERE id=6")
    assert http_get(court.url)[0] == 200


def test_sync_moves_the_stamp_and_faults_hold_it(region_local):
    court = region_local.courts()[2]
    old = sync.age(court, 10)
    with pytest.raises(sync.SyncFailed):
        sync.sync(court, fault="unreachable")
    assert sync.stamp(court) == old
    out = sync.sync(court)
    assert out["stamp"] > old
    assert all(local == public and local > 0 for local, public in out["counts"].values()), out["counts"]
    part = sync.sync(court, fault="partial")
    assert any(public < local for local, public in part["counts"].values())
    sync.sync(court)


def test_cli_status_and_inventory(region_local):
    env = dict(os.environ, PYTHONPATH=str(REPO / "sim"))
    out = subprocess.run([sys.executable, "-m", "sippsim", "--state", str(region_local.dir), "status", "--json"],
                         capture_output=True, text=True, env=env, check=True)
    st = json.loads(out.stdout)
    assert [c["version"] for c in st["courts"]] == [c["version"] for c in region_local.data["courts"]]
    assert all(c["web_status"] == 200 for c in st["courts"])
    inv = (region_local.dir / "inventory.yml").read_text()
    assert "pt_bandung:" in inv and "pn_bandung:" in inv and "db_password" not in inv


def test_db_restart_kills_the_court_s_database_and_starts_it_again_later(region_local):
    """`sippsim db-restart`: the court's MariaDB is gone at once, answers again after the delay with its data, and
    the region still stops it (its new process is the court's)."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "sim"))
    court = region_local.courts()[-1]
    rows = q(court, "SELECT COUNT(*) FROM perkara")
    old = next(r for r in court.info["procs"] if r["name"].startswith("mariadb:%s" % court.info["id"]))
    subprocess.run([sys.executable, "-m", "sippsim", "--state", str(region_local.dir), "db-restart",
                    court.info["id"], "--after", "3"], check=True, env=env, capture_output=True)
    assert not procs.alive(old)
    court = Region(region_local.dir).court(court.info["id"])
    with pytest.raises(Exception):
        q(court, "SELECT 1")
    procs.wait_for(lambda: q(court, "SELECT 1") and True, "MariaDB back", timeout=90)
    assert q(court, "SELECT COUNT(*) FROM perkara") == rows
    new = next(r for r in court.info["procs"] if r["name"] == old["name"])
    assert new["pid"] != old["pid"] and procs.alive(new)
    region_local.data = Region(region_local.dir).data


def _listeners():
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if "mariadbd" in line or "php" in line or "sshd" in line]


def test_ssh_courts_are_hosts_with_production_paths(region_ssh):
    key = region_ssh.dir / "ssh" / "id_ed25519"
    seen = {}
    for court in region_ssh.courts():
        cmd = ["ssh", "-i", str(key), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "root@%s" % court.address,
               "ls /var/www/html; test -S /run/mysqld/mysqld.sock && echo SOCK; "
               "mariadb -N -e 'SELECT value FROM SIPP.sys_config WHERE id=80'; "
               "curl -s http://127.0.0.1/%s/ | grep -o 'Versi [0-9.]*'" % court.info["app_folder"]]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.split()
        assert court.info["app_folder"] in lines and "SOCK" in lines
        assert court.info["version"] in lines
        assert "Versi %s" % court.info["version"] in out.stdout
        seen[court.info["id"]] = out.stdout
    assert len(set(seen.values())) == len(seen), "each court must see its own paths"
    # nothing the simulator started listens in the host's own network namespace
    assert _listeners() == [] or all("127.0.0.1:" in line for line in _listeners())


def test_local_region_listens_on_loopback_only(region_local):
    for line in _listeners():
        assert "127.0.0.1:" in line, line


def test_down_leaves_nothing_behind():
    reg = start_region("spd", 2, "ssh", scale=VOLUME_SCALE)
    pids = [r["pid"] for c in reg.data["courts"] for r in c["procs"]]
    nn = reg.data["nn"]
    assert all(procs.start_time(p) for p in pids)
    reg.down()
    assert not [p for p in pids if procs.start_time(p)], "processes left after down"
    assert not netns.link_exists(netns.bridge(nn))
    assert not [n for n in os.listdir("/run/netns") if n.startswith("sipp%d-" % nn)]
    shutil.rmtree(reg.dir, ignore_errors=True)


def test_a_court_s_own_clock_in_local_mode_and_nowhere_else():
    """libfaketime in the court's interpreter wrapper (local mode): that court's Python and what it starts see its
    offset; the other court and this test's own process keep the machine's time; `sippsim clock` changes it."""
    reg = start_region("sck", 2, "local", clock_offsets={"pn_bekasi": "-3d"})
    try:
        env = dict(os.environ, PYTHONPATH=str(REPO / "sim"))
        inv = yaml.safe_load(reg.inventory_path.read_text())["all"]["children"]
        hosts = {h: v for g in inv.values() for h, v in g["hosts"].items()}
        probe = ["-c", "import subprocess, time; print(int(time.time()), subprocess.check_output(['date', '+%s']).decode())"]

        def court_time(court_id):
            out = subprocess.run([hosts[court_id]["ansible_python_interpreter"]] + probe, capture_output=True,
                                 text=True, check=True, env=env).stdout.split()
            return [int(x) for x in out]

        def offset():
            """pn_bekasi's clock minus pn_bandung's, in days, for Python and for a program it starts."""
            bekasi, bandung = court_time("pn_bekasi"), court_time("pn_bandung")
            return [round((a - b) / 86400.0) for a, b in zip(bekasi, bandung)]

        assert offset() == [-3, -3]
        # libfaketime's semaphore and shared memory are the court's, handed to every process: a process makes no pair
        # of its own, which one ending with _exit (Ansible's async_wrapper) would leave in /dev/shm, where a later
        # process given the same pid, with a name inherited from a parent gone, could not start ("sem_open failed and
        # recreation attempts failed")
        shm = Region(reg.dir).court("pn_bekasi").clock_shm_files()
        assert all(f.exists() for f in shm)
        own = ("import os, subprocess, time\ntime.time()\nprint(os.getpid(), os.environ['FAKETIME_SHARED'].split()[0],"
                 " subprocess.check_output(['date', '+%s']).decode(), flush=True)\nos._exit(0)\n")
        pid, name, stamp = subprocess.run([hosts["pn_bekasi"]["ansible_python_interpreter"], "-c", own], check=True,
                                          env=env, capture_output=True, text=True).stdout.split()
        assert "/dev/shm/sem." + name[1:] == str(shm[0])
        assert not os.path.exists("/dev/shm/sem.faketime_sem_%s" % pid)
        assert round((int(stamp) - time.time()) / 86400.0) == -3
        # and a sleep ends (with a start time of 0 in that shared memory it lasted days); libfaketime 0.9.10 answers
        # Python's absolute sleep with EINVAL, as it does without the court's pair
        sleeper = "import time\ntry:\n    time.sleep(0.1)\nexcept OSError:\n    pass\n"
        subprocess.run([hosts["pn_bekasi"]["ansible_python_interpreter"], "-c", sleeper], check=True, env=env,
                       timeout=60)
        # pn_bandung is on the machine's clock, as this test's own process is: no offset in days
        assert round((court_time("pn_bandung")[0] - time.time()) / 86400.0) == 0
        subprocess.run([sys.executable, "-m", "sippsim", "--state", str(reg.dir), "clock", "pn_bekasi",
                        "--offset=+30d"], check=True, env=env, capture_output=True)
        assert offset() == [30, 30]
        assert Region(reg.dir).court("pn_bekasi").info["clock_offset"] == "+30d"
        bad = subprocess.run([sys.executable, "-m", "sippsim", "--state", str(reg.dir), "clock", "pn_bekasi",
                              "--offset=tomorrow"], env=env, capture_output=True, text=True)
        assert bad.returncode == 2 and "+30d, -3d" in bad.stderr
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)
    assert not [f for f in shm if f.exists()], "the court's clock left its semaphore behind"


# --- faulty packages break what they claim, on a real court ----------------------------------------------------
@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    out = tmp_path_factory.mktemp("pkgs")
    env = dict(os.environ, PYTHONPATH=str(REPO / "sim"))
    subprocess.run([sys.executable, "-m", "sippsim", "packages", "--out", str(out)], check=True, env=env,
                   capture_output=True)
    return out





def lay_over_error(court, pkg):
    return lay_over(court, pkg)[1]


@pytest.fixture()
def court_at():
    """A one-court local region on a chosen version, stopped after the test."""
    regions = []

    def make(version):
        reg = start_region("spf", 1, "local", versions=[version], scale=VOLUME_SCALE)
        regions.append(reg)
        return reg.courts()[0]
    yield make
    for reg in regions:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def _faulty(packages, breaks):
    faults = json.loads((packages / "faulty" / "FAULTS.json").read_text())
    name = [n for n, f in faults.items() if f["breaks"] == breaks][0]
    pkg = packages / "faulty" / name
    with zipfile.ZipFile(pkg) as z:
        return pkg, json.loads(z.read("manifest.json"))


def _version(court):
    return q(court, "SELECT value FROM sys_config WHERE id=80")[0][0]


def test_good_package_upgrades_a_court(court_at, packages):
    court = court_at("5.0.0")
    assert lay_over_error(court, packages / release.package_name("5.0.0", "5.1.0")) is None
    assert _version(court) == "5.1.0"
    status, body = http_get(court.url)
    assert status == 200 and "Versi 5.1.0" in body, body[:400]


def test_new_code_on_old_schema_fails_with_500(court_at, packages):
    court = court_at("5.0.0")
    with zipfile.ZipFile(packages / release.package_name("5.0.0", "5.1.0")) as z:
        for rel in json.loads(z.read("manifest.json"))["files"]:
            (court.app_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (court.app_dir / rel).write_bytes(z.read("app/" + rel))
    status, body = http_get(court.url)
    assert status == 500 and "Database Error" in body, body[:400]


def _structure(court):
    return q(court, "SELECT table_name, column_name, column_type FROM information_schema.columns "
                    "WHERE table_schema=%s ORDER BY 1, 2", (SIPP_DB,))


def test_faulty_migration_fails_halfway_after_ddl(court_at, packages):
    pkg, manifest = _faulty(packages, "migration_fails_halfway")
    court = court_at(manifest["from_version"])
    before = _structure(court)
    err = lay_over_error(court, pkg)
    assert err, "the faulty migration must fail"
    after = _structure(court)
    changed = {t for t, _, _ in set(before) ^ set(after)}
    assert len(changed) >= 2, "DDL on two tables must have run before the failure: %s" % changed
    assert _version(court) == manifest["from_version"]


def test_faulty_php_fatal(court_at, packages):
    pkg, manifest = _faulty(packages, "php_fatal")
    court = court_at(manifest["from_version"])
    assert lay_over_error(court, pkg) is None
    status, body = http_get(court.url)
    assert status == 500 and "Fatal error" in body, body[:400]


def test_faulty_version_not_bumped(court_at, packages):
    pkg, manifest = _faulty(packages, "version_not_bumped")
    court = court_at(manifest["from_version"])
    assert lay_over_error(court, pkg) is None
    assert _version(court) == manifest["from_version"]
    # the schema did change: the page of the new code works, but says the old version
    status, body = http_get(court.url)
    assert status == 200 and "Versi %s" % manifest["from_version"] in body


def _fingerprint(court):
    tables = [r[0] for r in q(court, "SELECT table_name FROM information_schema.tables WHERE table_schema=%s "
                                     "AND table_type='BASE TABLE' ORDER BY 1", (SIPP_DB,))]
    sums = dict(q(court, "CHECKSUM TABLE %s" % ", ".join("`%s`" % t for t in tables)))
    docs = sorted((str(f.relative_to(court.app_dir)), f.stat().st_size)
                  for f in (court.app_dir / "resources/file").rglob("*") if f.is_file())
    return sums, docs


def test_same_seed_and_date_give_the_same_court():
    regs = [start_region("spz", 1, "local", seed=7, today="2026-03-31", scale=VOLUME_SCALE) for _ in range(2)]
    try:
        a, b = (_fingerprint(r.courts()[0]) for r in regs)
        assert a == b
        assert regs[0].courts()[0].info["db_password"] == regs[1].courts()[0].info["db_password"]
    finally:
        for r in regs:
            r.down()
            shutil.rmtree(r.dir, ignore_errors=True)
