"""The schema chain on a scratch MariaDB with synthetic data, and the PHP application under `php -S`."""
from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from scratch_servers import mariadb, php_server  # noqa: F401 (fixtures)

from sippsim import appconfig, data, faults, release

COURT = {
    "id": "pn_bandung", "nama": "Pengadilan Negeri Bandung", "kode_pn": "PN Bdg", "kode_satker": "097123",
    "idpn": 123, "alamat": "Jl. L.L.R.E. Martadinata No. 74-80, Bandung", "nama_pt": "Pengadilan Tinggi Bandung",
    "alamat_pt": "Jl. Cimuncang No. 21, Bandung", "jenis_pengadilan": 1, "zona_waktu": "WIB",
}
APP_USER, APP_PASSWORD = "sipp_app", "p'a\"s$s\\ w0rd"
CASE_TABLES = ["perkara", "pihak", "perkara_pihak1", "perkara_pihak2", "perkara_penetapan", "perkara_hakim_pn",
               "perkara_jadwal_sidang", "perkara_putusan", "perkara_biaya", "sys_audittrail", "sys_users"]


def new_database(server, name: str) -> None:
    conn = server.connect()
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET latin1 COLLATE latin1_swedish_ci")
        cur.execute(f"GRANT ALL PRIVILEGES ON `{name}`.* TO %s@'127.0.0.1'", (APP_USER,))
        cur.execute(f"GRANT ALL PRIVILEGES ON `{name}`.* TO %s@'localhost'", (APP_USER,))
    conn.close()


def source(server, path: Path, database: str) -> None:
    out = server.source(path, database)
    assert out.returncode == 0, out.stderr.decode()


def scalar(conn, sql: str, args=()):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


def counts(conn) -> dict[str, int]:
    return {t: scalar(conn, f"SELECT COUNT(*) FROM {t}") for t in CASE_TABLES}


def write_config(app: Path, server, database: str, over_tcp: bool) -> None:
    group = ({"hostname": "127.0.0.1", "port": server.port} if over_tcp
             else {"hostname": "localhost", "socket": server.socket})
    default = dict(group, username=APP_USER, password=APP_PASSWORD, database=database)
    web = {"hostname": "127.0.0.1", "port": 1, "username": "web", "password": "x", "database": "sipp_web"}
    cfg = app / "application/config"
    (cfg / "database.php").write_text(appconfig.render_database_php(default, web, style=2 if over_tcp else 0))
    (cfg / "config.php").write_text(appconfig.render_config_php("", "0123456789abcdef"))


@pytest.fixture(scope="module")
def server(mariadb):
    conn = mariadb.connect()
    with conn.cursor() as cur:
        for host in ("127.0.0.1", "localhost"):
            cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (APP_USER, host, APP_PASSWORD))
    conn.close()
    return mariadb


def test_populate_is_deterministic(server, tmp_path):
    today = dt.date(2025, 7, 15)
    digests = []
    for run in ("a", "b"):
        new_database(server, f"det_{run}")
        source(server, release.sql_files("5.0.0")[0], f"det_{run}")
        conn = server.connect(f"det_{run}")
        data.seed_sys_config(conn, COURT, "5.0.0")
        got = data.populate(conn, COURT, "small", 7, tmp_path / run, today=today)
        with conn.cursor() as cur:
            cur.execute("CHECKSUM TABLE " + ", ".join(CASE_TABLES + ["sys_config"]))
            digests.append((got, cur.fetchall()))
        conn.close()
    assert digests[0][0] == digests[1][0]
    assert [r[1] for r in digests[0][1]] == [r[1] for r in digests[1][1]]
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.pdf"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.pdf"))
    assert files_a == files_b and len(files_a) == digests[0][0]["documents"]
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files_a[:200])
    assert (tmp_path / "a" / files_a[0]).read_bytes().startswith(b"%PDF-1.4")
    got = digests[0][0]
    assert 2_900 <= got["perkara"] <= 3_000 and got["perkara_jadwal_sidang"] > got["perkara"]


def test_tiny_scale_has_few_documents_each_referenced_one_written(server, tmp_path):
    """The tests' scale (sipptest.TEST_SCALE): a few hundred cases; only one case in DOC_EVERY has its documents, its
    columns name files that exist, and the other cases' columns are NULL (no dangling path)."""
    new_database(server, "tiny")
    source(server, release.sql_files("5.0.0")[0], "tiny")
    conn = server.connect("tiny")
    data.seed_sys_config(conn, COURT, "5.0.0")
    got = data.populate(conn, COURT, "tiny", 1, tmp_path, today=dt.date(2025, 7, 15))
    every = data.DOC_EVERY["tiny"]
    assert got["perkara"] == data.SCALES["tiny"] == 300 and every > 1
    with conn.cursor() as cur:
        cur.execute("SELECT perkara_id, petitum_dok FROM perkara")
        petitum = cur.fetchall()
        cur.execute("SELECT perkara_id, amar_putusan_dok FROM perkara_putusan")
        putusan = cur.fetchall()
    conn.close()
    named = [dok for pid, dok in petitum + putusan if dok]
    assert all(dok is None for pid, dok in petitum + putusan if pid % every)
    assert len(named) == got["documents"] and 20 <= got["documents"] <= 100
    assert all((tmp_path / dok).read_bytes().startswith(b"%PDF-1.4") for dok in named)
    assert sorted(str(f.relative_to(tmp_path)) for f in tmp_path.rglob("*.pdf")) == sorted(named)


def test_chain_keeps_data_and_figures(server, php_server, tmp_path):
    db = "SIPP"
    new_database(server, db)
    source(server, release.sql_files("5.0.0")[0], db)
    app = tmp_path / "www" / "SIPP"
    release.build_tree("5.0.0", app)
    conn = server.connect(db)
    data.seed_sys_config(conn, COURT, "5.0.0")
    populated = data.populate(conn, COURT, "small", 1, app)
    before = counts(conn)
    assert before["perkara"] == populated["perkara"] == 3_000
    dok = scalar(conn, "SELECT petitum_dok FROM perkara WHERE perkara_id = 1")
    assert (app / dok).read_bytes().startswith(b"%PDF-1.4")
    write_config(app, server, db, over_tcp=False)

    web = php_server(tmp_path / "www")
    status, body = web.get("/SIPP/")
    assert status == 200, body
    assert "<title>SIPP</title>" in body and "Pengadilan Negeri Bandung" in body and "Versi 5.0.0" in body
    assert "A PHP Error was encountered" not in body
    year = dt.date.today().year
    figures = lambda: (web.get(f"/SIPP/index.php/dashboard/kinerja?tahun={year}"),  # noqa: E731
                       web.get(f"/SIPP/index.php/dashboard/kinerja?tahun={year - 1}"),
                       web.get(f"/SIPP/index.php/perkara/lipa1?tahun={year - 1}&bulan=6"),
                       web.get(f"/SIPP/index.php/perkara/lipa1?tahun={year}&bulan=1"))
    baseline = figures()
    assert all(s == 200 for s, _ in baseline)
    kinerja = json.loads(baseline[1][1])
    assert kinerja["masuk"] > 0 and 0 < kinerja["kinerja"] <= 100
    assert kinerja["kinerja"] == round(kinerja["minutasi"] * 100 / (kinerja["masuk"] + kinerja["sisa"]), 2)
    lipa = json.loads(baseline[2][1])
    for row in lipa["rincian"] + [lipa["jumlah"]]:
        assert row["sisa_bulan_lalu"] + row["diterima"] - row["diputus"] == row["sisa_akhir"]
        assert row["belum_dibagi"] + row["belum_diputus"] == row["sisa_akhir"]

    for version in release.VERSIONS[1:]:
        steps = release.migrations(version)
        release.build_tree(version, app)
        if steps:  # new code on the old schema fails with a database error
            status, body = web.get("/SIPP/")
            assert status == 500 and "A Database Error Occurred" in body, version
        for step in steps:
            source(server, step, db)
        if not steps:  # mandiri: the upgrade tool stamps the version row
            with conn.cursor() as cur:
                cur.execute("UPDATE sys_config SET value = %s WHERE id = 80", (version,))
        conn.commit()
        status, body = web.get("/SIPP/")
        assert status == 200 and f"Versi {version}" in body and "A PHP Error" not in body, body
        assert counts(conn) == before, version
        assert figures() == baseline, version
        with conn.cursor() as cur:
            for statement in data.refresh_publication_sql():
                cur.execute(statement)
        conn.commit()
        assert scalar(conn, "SELECT COUNT(*) FROM jadwalsidangweb") == before["perkara_jadwal_sidang"]
        assert scalar(conn, "SELECT COUNT(*) FROM dataumumweb") == before["perkara"]
        assert scalar(conn, "SELECT COUNT(*) FROM pihakweb") == before["perkara_pihak1"] + before["perkara_pihak2"]

    # old code on the newest schema fails too (files not copied after the migrations ran)
    release.build_tree("5.0.0", tmp_path / "old")
    for rel, _src in release.overlay_files("5.0.0").items():
        (app / rel).parent.mkdir(parents=True, exist_ok=True)
        (app / rel).write_bytes((tmp_path / "old" / rel).read_bytes())
    status, body = web.get("/SIPP/")
    assert status == 500 and "Unknown column" in body
    release.build_tree("5.3.0", app)

    # maintenance switch
    with conn.cursor() as cur:
        cur.execute("UPDATE sys_config SET value = '1' WHERE id = 6")
    conn.commit()
    status, body = web.get("/SIPP/")
    assert status == 503 and "Situs ini sedang dalam perbaikan" in body
    with conn.cursor() as cur:
        cur.execute("UPDATE sys_config SET value = '0' WHERE id = 6")
    conn.commit()

    # TCP with a port instead of the socket, same nasty password
    write_config(app, server, db, over_tcp=True)
    status, body = web.get("/SIPP/index.php/login")
    assert status == 200 and "Versi 5.3.0" in body
    conn.close()


def _package_sql(path: Path, tmp_path: Path) -> list[Path]:
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        out = []
        for step in manifest["migrations"]:
            target = tmp_path / step["file"]
            target.write_bytes(zf.read("sql/" + step["file"]))
            out.append(target)
    return out


def _court_at(server, name: str, version: str) -> None:
    new_database(server, name)
    files = release.sql_files(version)
    source(server, files[0], name)
    conn = server.connect(name)
    data.seed_sys_config(conn, COURT, "5.0.0")
    conn.close()
    for step in files[1:]:
        source(server, step, name)


def test_runtime_faults(server, php_server, tmp_path):
    out = tmp_path / "faulty"
    labels = {meta["breaks"]: out / name for name, meta in faults.build_faulty(out).items()}

    # migration_fails_halfway: two tables changed, then an error; the version row stays
    _court_at(server, "f_half", "5.1.0")
    steps = _package_sql(labels["migration_fails_halfway"], tmp_path)
    assert server.source(steps[0], "f_half").returncode == 0
    failed = server.source(steps[1], "f_half")
    assert failed.returncode != 0 and b"Unknown column 'agenda'" in failed.stderr
    conn = server.connect("f_half")
    columns = lambda table: {r[0] for r in _rows(conn, f"SHOW COLUMNS FROM {table}")}  # noqa: E731
    assert "agenda_sidang" in columns("perkara_jadwal_sidang")
    assert "tanggal_upload_putusan" in columns("perkara_putusan")
    assert "tahun_pendaftaran" not in columns("v_perkara_dashboard")
    assert scalar(conn, "SELECT value FROM sys_config WHERE id = 80") == "5.1.0"
    conn.close()

    # version_not_bumped: the migrations succeed, the version row stays 5.0.0
    _court_at(server, "f_bump", "5.0.0")
    for step in _package_sql(labels["version_not_bumped"], tmp_path):
        source(server, step, "f_bump")
    conn = server.connect("f_bump")
    assert scalar(conn, "SELECT COUNT(*) FROM perkara_ecourt") == 0
    assert scalar(conn, "SELECT value FROM sys_config WHERE id = 80") == "5.0.0"
    conn.close()

    # php_fatal: the 5.2.1 files with the faulty footer give HTTP 500 "Fatal error" on the login page
    _court_at(server, "f_fatal", "5.2.0")
    app = tmp_path / "www" / "SIPP"
    release.build_tree("5.2.0", app)
    write_config(app, server, "f_fatal", over_tcp=False)
    with zipfile.ZipFile(labels["php_fatal"]) as zf:
        for name in zf.namelist():
            if name.startswith("app/"):
                (app / name[4:]).write_bytes(zf.read(name))
    conn = server.connect("f_fatal")
    with conn.cursor() as cur:
        cur.execute("UPDATE sys_config SET value = '5.2.1' WHERE id = 80")
    conn.commit()
    conn.close()
    status, body = php_server(tmp_path / "www").get("/SIPP/")
    assert status == 500 and "Fatal error" in body and "sipp_format_versi" in body


def _rows(conn, sql):
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()
