# -*- coding: utf-8 -*-
"""sipp_integrity against a real scratch MariaDB (fixture mariadb_server of tests/unit/conftest.py), both backends.

Two databases are loaded with the simulator's own SQL: ``integ_old`` (schema 5.0.0) and ``integ_new`` (5.0.0 plus
every migration up to the newest release), then filled with the same synthetic cases. The figures are checked
against an independent Python computation over those cases, and against the SQL of SIPP 5.2.0's own report (which
reads the dashboard view).
"""

from __future__ import (absolute_import, division, print_function)

import datetime
import os
import random

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_db, sipp_integrity as si

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
RELEASES = os.path.join(REPO_ROOT, 'sim', 'sippsim', 'releases')
BACKENDS = ['pymysql', 'cli']
ODD = 'odd name-1%`x'  # a table name with a space, %, - and a backtick
DATABASES = ['integ_old', 'integ_new']
JENIS = [(1, 'Gugatan', 1), (2, 'Permohonan', 2), (8, 'Gugatan Sederhana', 8), (111, 'Pidana Biasa', 111),
         (346, 'Cerai Gugat', 16)]


def _versions():
    def key(v):
        return tuple(int(x) for x in v.split('.'))
    return sorted((v for v in os.listdir(RELEASES) if v[0].isdigit()), key=key)


def _migrations():
    files = []
    for version in _versions()[1:]:
        sql_dir = os.path.join(RELEASES, version, 'sql')
        if os.path.isdir(sql_dir):
            files.extend(os.path.join(sql_dir, f) for f in sorted(os.listdir(sql_dir)) if f.endswith('.sql'))
    return files


def make_cases(seed=7, n=400):
    """Synthetic cases: (perkara, putusan, penetapan) rows with every edge LIPA 1 and kinerja care about."""
    rng = random.Random(seed)
    start = datetime.date(2023, 1, 1)
    perkara, putusan, penetapan = [], [], []
    for pid in range(1, n + 1):
        jenis_id, jenis_nama, alur = rng.choice(JENIS)
        reg = start + datetime.timedelta(days=rng.randint(0, 3 * 365))
        if pid <= 6:  # registered on a month's first and last day
            reg = [datetime.date(2025, 3, 1), datetime.date(2025, 3, 31), datetime.date(2025, 2, 28),
                   datetime.date(2024, 12, 31), datetime.date(2025, 1, 1), datetime.date(2024, 2, 29)][pid - 1]
        perkara.append((pid, alur, reg, jenis_id, jenis_nama, pid, '%d/X/%d/PN Uji' % (pid, reg.year)))
        if rng.random() < 0.8:
            majelis = reg + datetime.timedelta(days=rng.randint(0, 20))
            penetapan.append((pid, majelis if rng.random() < 0.9 else None))
        if rng.random() < 0.7:
            tp = reg + datetime.timedelta(days=rng.randint(0, 150))
            tm = None if rng.random() < 0.2 else tp + datetime.timedelta(days=rng.randint(0, 60))
            if pid == 7:
                tp, tm = datetime.date(2025, 3, 31), datetime.date(2025, 12, 31)
            putusan.append((pid, tp, tm))
        elif rng.random() < 0.1:
            putusan.append((pid, None, None))  # a putusan row without a date yet
    return perkara, putusan, penetapan


def _lit(value):
    if value is None:
        return 'NULL'
    if isinstance(value, int):
        return str(value)
    return "'%s'" % str(value).replace("'", "''")


def _insert_sql(db, cases):
    perkara, putusan, penetapan = cases
    sql = ['USE %s;' % db]
    sql.append('INSERT INTO perkara (perkara_id, alur_perkara_id, tanggal_pendaftaran, jenis_perkara_id, '
               'jenis_perkara_nama, nomor_urut_perkara, nomor_perkara) VALUES %s;'
               % ','.join('(%s)' % ','.join(_lit(v) for v in row) for row in perkara))
    sql.append('INSERT INTO perkara_putusan (perkara_id, tanggal_putusan, tanggal_minutasi) VALUES %s;'
               % ','.join('(%s)' % ','.join(_lit(v) for v in row) for row in putusan))
    sql.append('INSERT INTO perkara_penetapan (perkara_id, penetapan_majelis_hakim) VALUES %s;'
               % ','.join('(%s)' % ','.join(_lit(v) for v in row) for row in penetapan))
    sql.append('CREATE TABLE `odd name-1%``x` (id INT PRIMARY KEY, v VARCHAR(10)) ENGINE=InnoDB;')
    sql.append("INSERT INTO `odd name-1%``x` VALUES (1, 'a'), (2, 'b');")
    sql.append('CREATE TABLE IF NOT EXISTS perkara_lain (id INT PRIMARY KEY) ENGINE=InnoDB;')
    sql.append('INSERT INTO perkara_lain VALUES (1), (2), (3);')
    sql.append('CREATE OR REPLACE VIEW perkara_view AS SELECT perkara_id FROM perkara;')
    return '\n'.join(sql) + '\n'


@pytest.fixture(scope='module')
def integ(mariadb_server):
    db = mariadb_server
    cases = make_cases()
    for name in DATABASES:
        db.root_sql('DROP DATABASE IF EXISTS %s; CREATE DATABASE %s CHARACTER SET latin1;' % (name, name))
        db.source(os.path.join(RELEASES, '5.0.0', 'sql', '000_schema.sql'), name)
        if name == 'integ_new':
            for path in _migrations():
                db.source(path, name)
        db.root_sql(_insert_sql(name, cases))
        for host in ('localhost', '127.0.0.1'):
            db.root_sql("GRANT ALL ON %s.* TO '%s'@'%s';" % (name, db.app_user, host))
    return cases


def params(db, database, transport='socket'):
    p = dict(user=db.app_user, password=db.app_password, database=database, charset='latin1', connect_timeout=5)
    if transport == 'socket':
        p.update(host='localhost', unix_socket=db.socket, port=3306)
    else:
        p.update(host='127.0.0.1', port=db.port, unix_socket=None)
    return p


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def connect(db, database, backend):
    return sipp_db.connect(params(db, database, 'socket' if backend == 'pymysql' else 'tcp'), backend)


# ------------------------------------------------------------------------------------------- expected figures

def expected_lipa1(cases, year, month):
    perkara, putusan, penetapan = cases
    first = datetime.date(year, month, 1)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - datetime.timedelta(days=1)
    tp = dict((p[0], p[1]) for p in putusan)
    mj = dict((p[0], p[1]) for p in penetapan)
    rows = {}
    for pid, _alur, reg, jid, jnama, _u, _n in perkara:
        if reg > last:
            continue
        r = rows.setdefault(jid, dict(jenis_perkara_id=jid, jenis_perkara_nama=jnama, sisa_bulan_lalu=0, diterima=0,
                                      diputus=0, sisa_akhir=0, belum_dibagi=0))
        putus = tp.get(pid)
        if reg < first and (putus is None or putus >= first):
            r['sisa_bulan_lalu'] += 1
        if reg >= first:
            r['diterima'] += 1
        if putus is not None and first <= putus <= last:
            r['diputus'] += 1
        if putus is None or putus > last:
            r['sisa_akhir'] += 1
            m = mj.get(pid)
            if m is None or m > last:
                r['belum_dibagi'] += 1
    out = []
    for jid in sorted(rows):
        r = rows[jid]
        r['belum_diputus'] = r['sisa_akhir'] - r['belum_dibagi']
        if r['sisa_bulan_lalu'] + r['diterima'] + r['diputus'] + r['sisa_akhir']:
            out.append(r)
    return out


def expected_kinerja(cases, year):
    perkara, putusan = cases[:2]
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    tm = dict((p[0], p[2]) for p in putusan)
    masuk = sum(1 for p in perkara if first <= p[2] <= last)
    sisa = sum(1 for p in perkara if p[2] < first and (tm.get(p[0]) is None or tm[p[0]] >= first))
    minutasi = sum(1 for p in perkara if tm.get(p[0]) is not None and first <= tm[p[0]] <= last)
    beban = masuk + sisa
    return dict(tahun=year, masuk=masuk, sisa=sisa, minutasi=minutasi,
                kinerja=si.kinerja_percent(minutasi, beban))


# ------------------------------------------------------------------------------------------- table_checksums

@pytest.mark.parametrize('database', DATABASES)
def test_table_checksums_base_tables_only_sorted(mariadb_server, integ, backend, database):
    with connect(mariadb_server, database, backend) as conn:
        sums = si.table_checksums(conn, database)
        views = conn.query("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND "
                           "TABLE_TYPE = 'VIEW'", (database,))
    assert list(sums) == sorted(sums)
    assert 'perkara_view' not in sums and 'v_perkara_dashboard' not in sums
    assert set(v['t'] for v in views) >= {'perkara_view', 'v_perkara_dashboard'}
    assert sums['perkara']['rows'] == len(integ[0])
    assert sums['perkara_putusan']['rows'] == len(integ[1])
    assert sums[ODD] == {'rows': 2, 'checksum': sums[ODD]['checksum']}
    for table, info in sums.items():
        assert isinstance(info['rows'], int)
        assert isinstance(info['checksum'], str) and info['checksum'].isdigit(), (table, info)
    assert ('perkara_ecourt' in sums) is (database == 'integ_new')


def test_table_checksums_same_on_both_backends(mariadb_server, integ):
    with connect(mariadb_server, 'integ_new', 'pymysql') as a, connect(mariadb_server, 'integ_new', 'cli') as b:
        assert si.table_checksums(a, 'integ_new') == si.table_checksums(b, 'integ_new')
        assert si.table_checksums(a, 'integ_new') == si.table_checksums(a, 'integ_new')


def test_table_checksums_many_tables_in_chunks(mariadb_server, integ, backend, monkeypatch):
    monkeypatch.setattr(si, 'CHUNK', 3)
    with connect(mariadb_server, 'integ_old', backend) as conn:
        chunked = si.table_checksums(conn, 'integ_old')
    monkeypatch.setattr(si, 'CHUNK', 1000)
    with connect(mariadb_server, 'integ_old', backend) as conn:
        assert si.table_checksums(conn, 'integ_old') == chunked


def test_table_checksums_filter(mariadb_server, integ, backend):
    with connect(mariadb_server, 'integ_old', backend) as conn:
        sums = si.table_checksums(conn, 'integ_old', tables=['perkara', 'no_such_table', 'perkara_view', 'pihak'])
    assert list(sums) == ['perkara', 'pihak']


def test_one_changed_row_changes_only_that_checksum(mariadb_server, integ, backend):
    with connect(mariadb_server, 'integ_old', backend) as conn:
        before = si.table_checksums(conn, 'integ_old')
        mariadb_server.root_sql("UPDATE integ_old.`odd name-1%``x` SET v = 'c' WHERE id = 2;")
        try:
            after = si.table_checksums(conn, 'integ_old')
        finally:
            mariadb_server.root_sql("UPDATE integ_old.`odd name-1%``x` SET v = 'b' WHERE id = 2;")
        again = si.table_checksums(conn, 'integ_old')
    changed = [t for t in before if before[t] != after[t]]
    assert changed == [ODD]
    assert before[ODD]['rows'] == after[ODD]['rows']
    assert again == before


# ------------------------------------------------------------------------------------------- structures

def test_table_structures_of_the_base_tables_same_on_both_backends(mariadb_server, integ):
    with connect(mariadb_server, 'integ_new', 'pymysql') as a, connect(mariadb_server, 'integ_new', 'cli') as b:
        structures = si.table_structures(a, 'integ_new')
        assert si.table_structures(b, 'integ_new') == structures
        assert sorted(structures) == list(si.table_checksums(a, 'integ_new'))  # views left out, as there
        only = si.table_structures(b, 'integ_new', tables=['perkara', 'perkara_view', 'no_such_table'])
    assert only == {'perkara': structures['perkara']}
    assert all(len(v) == 64 and int(v, 16) >= 0 for v in structures.values())
    assert len(set(structures.values())) == len(structures)


def test_renamed_column_same_checksum_other_structure(mariadb_server, integ, backend):
    """What a failed migration can leave: a column renamed, its type and every row as they were. CHECKSUM TABLE does
    not see it; the structure fingerprint does, and comparing two snapshots reports it."""
    rename = "ALTER TABLE integ_old.`odd name-1%%``x` CHANGE %s %s VARCHAR(10);"
    with connect(mariadb_server, 'integ_old', backend) as conn:
        before = si.take_snapshot(conn, 'integ_old', 2025, 3)
        mariadb_server.root_sql(rename % ('v', 'w'))
        try:
            after = si.take_snapshot(conn, 'integ_old', 2025, 3)
        finally:
            mariadb_server.root_sql(rename % ('w', 'v'))
        again = si.take_snapshot(conn, 'integ_old', 2025, 3)
    assert sorted(before['structures']) == sorted(before['tables'])
    assert after['tables'] == before['tables']  # same rows, same checksums
    changed = [t for t in before['structures'] if before['structures'][t] != after['structures'][t]]
    assert changed == [ODD]
    diffs = si.compare_snapshots(before, after)
    assert diffs == [{'kind': 'structure', 'table': ODD, 'before': before['structures'][ODD],
                      'after': after['structures'][ODD], 'error': True,
                      'text': 'table %s changed its definition (columns, indexes, engine, collation or triggers)'
                              % ODD}]
    assert si.has_errors(diffs)
    assert si.compare_snapshots(before, after, ignore_tables=[ODD]) == []
    assert si.compare_snapshots(before, again) == []


# ------------------------------------------------------------------------------------------- case tables

def test_case_table_counts(mariadb_server, integ, backend):
    with connect(mariadb_server, 'integ_new', backend) as conn:
        counts = si.case_table_counts(conn, 'integ_new')
    for table in si.CASE_TABLES:
        assert table in counts
    assert counts['perkara'] == len(integ[0])
    assert counts['perkara_putusan'] == len(integ[1])
    assert counts['perkara_penetapan'] == len(integ[2])
    assert counts['perkara_lain'] == 3
    assert counts['perkara_ecourt'] == 0
    assert 'perkara_view' not in counts
    assert list(counts) == sorted(counts)


def test_case_table_counts_missing_table_is_none(mariadb_server, integ):
    mariadb_server.root_sql('DROP DATABASE IF EXISTS integ_bare; CREATE DATABASE integ_bare; '
                            'CREATE TABLE integ_bare.perkara (perkara_id INT PRIMARY KEY);'
                            "GRANT ALL ON integ_bare.* TO '%s'@'localhost';" % mariadb_server.app_user)
    with connect(mariadb_server, 'integ_bare', 'pymysql') as conn:
        counts = si.case_table_counts(conn, 'integ_bare')
    assert counts['perkara'] == 0
    assert counts['perkara_putusan'] is None


# ------------------------------------------------------------------------------------------- LIPA 1 and kinerja

PERIODS = [(2025, 3), (2024, 12), (2024, 2), (2023, 1), (2025, 12), (2026, 6), (2022, 1)]


@pytest.mark.parametrize('database', DATABASES)
def test_lipa1_equals_independent_computation(mariadb_server, integ, backend, database):
    with connect(mariadb_server, database, backend) as conn:
        for year, month in PERIODS:
            rows = si.lipa1(conn, year, month)
            assert rows == expected_lipa1(integ, year, month), (year, month)
            for r in rows:
                assert r['sisa_bulan_lalu'] + r['diterima'] - r['diputus'] == r['sisa_akhir']
                assert r['belum_dibagi'] + r['belum_diputus'] == r['sisa_akhir']
    assert si.lipa1_totals([]) == dict((k, 0) for k in si.LIPA1_COLUMNS)


@pytest.mark.parametrize('database', DATABASES)
def test_kinerja_equals_independent_computation(mariadb_server, integ, backend, database):
    with connect(mariadb_server, database, backend) as conn:
        for year in (2022, 2023, 2024, 2025, 2026):
            assert si.kinerja(conn, year) == expected_kinerja(integ, year), year
    assert expected_kinerja(integ, 2022)['kinerja'] == 0


# SIPP 5.2.0's own report SQL (application/models/Laporan_model.php), which reads the dashboard view.
APP_520_KINERJA = (
    'SELECT SUM(IF(tahun_pendaftaran = %s, 1, 0)) AS masuk, '
    'SUM(IF(tahun_pendaftaran < %s AND (tanggal_minutasi IS NULL OR tanggal_minutasi >= %s), 1, 0)) AS sisa, '
    'SUM(IF(tanggal_minutasi BETWEEN %s AND %s, 1, 0)) AS minutasi FROM v_perkara_dashboard')
APP_520_LIPA1 = (
    'SELECT p.jenis_perkara_id, p.jenis_perkara_nama, '
    'SUM(IF(p.tanggal_pendaftaran < %s AND (pp.tanggal_putusan IS NULL OR pp.tanggal_putusan >= %s), 1, 0)) '
    'AS sisa_bulan_lalu, SUM(IF(p.tanggal_pendaftaran >= %s, 1, 0)) AS diterima, '
    'SUM(IF(pp.tanggal_putusan BETWEEN %s AND %s, 1, 0)) AS diputus, '
    'SUM(IF(pp.tanggal_putusan IS NULL OR pp.tanggal_putusan > %s, 1, 0)) AS sisa_akhir, '
    'SUM(IF((pp.tanggal_putusan IS NULL OR pp.tanggal_putusan > %s) AND (pn.penetapan_majelis_hakim IS NULL OR '
    'pn.penetapan_majelis_hakim > %s), 1, 0)) AS belum_dibagi '
    'FROM v_perkara_dashboard pp JOIN perkara p ON p.perkara_id = pp.perkara_id '
    'LEFT JOIN perkara_penetapan pn ON pn.perkara_id = pp.perkara_id WHERE p.tanggal_pendaftaran <= %s '
    'GROUP BY p.jenis_perkara_id, p.jenis_perkara_nama ORDER BY p.jenis_perkara_id')


def test_figures_equal_the_view_based_report_of_520(mariadb_server, integ, backend):
    with connect(mariadb_server, 'integ_new', backend) as conn:
        for year in (2023, 2024, 2025):
            first, last = '%d-01-01' % year, '%d-12-31' % year
            row = conn.query_one(APP_520_KINERJA, (year, year, first, first, last))
            got = si.kinerja(conn, year)
            assert (got['masuk'], got['sisa'], got['minutasi']) == (
                int(row['masuk']), int(row['sisa']), int(row['minutasi']))
        for year, month in PERIODS[:4]:
            first, last = si._month_bounds(year, month)
            app = conn.query(APP_520_LIPA1, (first, first, first, first, last, last, last, last, last))
            app_rows = [r for r in app if sum(int(r[k]) for k in si.LIPA1_COLUMNS[:4])]
            got = si.lipa1(conn, year, month)
            assert [(r['jenis_perkara_id'], r['diterima'], r['diputus'], r['sisa_akhir'], r['belum_dibagi'])
                    for r in got] == [(int(r['jenis_perkara_id']), int(r['diterima']), int(r['diputus']),
                                       int(r['sisa_akhir']), int(r['belum_dibagi'])) for r in app_rows]


def test_lipa1_without_penetapan_has_no_split(mariadb_server, integ):
    mariadb_server.root_sql(
        'DROP DATABASE IF EXISTS integ_nosplit; CREATE DATABASE integ_nosplit;'
        'CREATE TABLE integ_nosplit.perkara (perkara_id INT PRIMARY KEY, jenis_perkara_id INT, '
        'jenis_perkara_nama VARCHAR(50), tanggal_pendaftaran DATE);'
        'CREATE TABLE integ_nosplit.perkara_putusan (perkara_id INT PRIMARY KEY, tanggal_putusan DATE, '
        'tanggal_minutasi DATE);'
        "INSERT INTO integ_nosplit.perkara VALUES (1, 1, 'G', '2025-01-05'), (2, 1, 'G', '2025-02-05');"
        "INSERT INTO integ_nosplit.perkara_putusan VALUES (1, '2025-02-10', '2025-02-20');"
        "GRANT ALL ON integ_nosplit.* TO '%s'@'localhost';" % mariadb_server.app_user)
    with connect(mariadb_server, 'integ_nosplit', 'pymysql') as conn:
        rows = si.lipa1(conn, 2025, 2)
        assert rows == [dict(jenis_perkara_id=1, jenis_perkara_nama='G', sisa_bulan_lalu=1, diterima=1, diputus=1,
                             sisa_akhir=1, belum_dibagi=None, belum_diputus=None)]
        assert si.lipa1_totals(rows)['belum_dibagi'] is None
        assert si.lipa1_totals(rows)['diterima'] == 1
        assert si.kinerja(conn, 2025) == dict(tahun=2025, masuk=2, sisa=0, minutasi=1, kinerja=50.0)


def test_month_bounds():
    assert si._month_bounds(2024, 2) == ('2024-02-01', '2024-02-29')
    assert si._month_bounds(2025, 12) == ('2025-12-01', '2025-12-31')
    with pytest.raises(ValueError):
        si._month_bounds(2025, 13)


def test_kinerja_percent_rounds_like_php():
    assert si.kinerja_percent(0, 0) == 0
    assert si.kinerja_percent(1, 8) == 12.5
    assert si.kinerja_percent(1, 3) == 33.33
    assert si.kinerja_percent(2, 3) == 66.67
    assert si.kinerja_percent(1, 800) == 0.13  # half away from zero, as PHP's round(); Python's round gives 0.12
    assert si.kinerja_percent(5, 5) == 100.0


# ------------------------------------------------------------------------------------------- snapshots

def test_take_snapshot_twice_equal(mariadb_server, integ, backend):
    with connect(mariadb_server, 'integ_new', backend) as conn:
        one = si.take_snapshot(conn, 'integ_new', 2025, 3, version='5.3.0')
        two = si.take_snapshot(conn, 'integ_new', 2025, 3, version='5.3.0')
    assert one['tables'] == two['tables'] and one['lipa1'] == two['lipa1'] and one['kinerja'] == two['kinerja']
    assert si.compare_snapshots(one, two) == []
    assert one['lipa1']['tahun'] == 2025 and one['lipa1']['bulan'] == 3
    assert one['lipa1']['jumlah']['diterima'] == sum(r['diterima'] for r in one['lipa1']['rincian'])
    assert one['taken_at'].endswith('Z') and one['database'] == 'integ_new'


def _snap(tables=None, cases=None, kinerja=None, rincian=None):
    rincian = rincian if rincian is not None else [
        dict(jenis_perkara_id=1, jenis_perkara_nama='G', sisa_bulan_lalu=1, diterima=2, diputus=1, sisa_akhir=2,
             belum_dibagi=1, belum_diputus=1)]
    return dict(
        tables=tables if tables is not None else {'perkara': {'rows': 3, 'checksum': '11'},
                                                  'sys_config': {'rows': 10, 'checksum': '22'},
                                                  'sys_users': {'rows': 2, 'checksum': '33'}},
        case_counts=cases if cases is not None else {'perkara': 3, 'perkara_putusan': None},
        kinerja=kinerja or dict(tahun=2025, masuk=2, sisa=1, minutasi=1, kinerja=33.33),
        lipa1=dict(tahun=2025, bulan=3, rincian=rincian, jumlah=si.lipa1_totals(rincian)))


def test_compare_equal_and_checksum_difference():
    assert si.compare_snapshots(_snap(), _snap()) == []
    after = _snap()
    after['tables']['sys_users'] = {'rows': 2, 'checksum': '34'}
    diffs = si.compare_snapshots(_snap(), after)
    assert diffs == [{'kind': 'checksum', 'table': 'sys_users', 'before': '33', 'after': '34', 'error': True,
                      'text': 'table sys_users changed: checksum 33 -> 34'}]
    assert si.has_errors(diffs)
    assert si.compare_snapshots(_snap(), after, ignore_tables=['sys_users']) == []
    assert 'sys_users' in si.difference_text(diffs[0], 'id')


def test_compare_structure_difference():
    defs = {'perkara': 'a' * 64, 'sys_config': 'b' * 64, 'sys_users': 'c' * 64}
    before = dict(_snap(), structures=defs)
    after = dict(_snap(), structures=dict(defs, sys_users='d' * 64))
    assert si.compare_snapshots(before, dict(_snap(), structures=dict(defs))) == []
    diffs = si.compare_snapshots(before, after)
    assert diffs == [{'kind': 'structure', 'table': 'sys_users', 'before': 'c' * 64, 'after': 'd' * 64,
                      'error': True, 'text': 'table sys_users changed its definition (columns, indexes, engine, '
                                             'collation or triggers)'}]
    assert si.difference_text(diffs[0], 'id').startswith('definisi tabel sys_users berubah')
    assert si.compare_snapshots(before, after, ignore_tables=['sys_users']) == []
    # a snapshot written before snapshots had structures: nothing to compare them with
    assert si.compare_snapshots(_snap(), after) == []
    # content and definition changed together: both said, the checksum first
    after['tables']['sys_users'] = {'rows': 2, 'checksum': '34'}
    assert [d['kind'] for d in si.compare_snapshots(before, after)] == ['checksum', 'structure']


def test_compare_rows_figures_new_and_missing_tables():
    before = _snap()
    after = _snap(tables={'perkara': {'rows': 2, 'checksum': '12'}, 'sys_config': {'rows': 11, 'checksum': '23'},
                          'perkara_ecourt': {'rows': 0, 'checksum': '0'}},
                  cases={'perkara': 2, 'perkara_putusan': None, 'perkara_ecourt': 0},
                  kinerja=dict(tahun=2025, masuk=1, sisa=1, minutasi=1, kinerja=50.0))
    diffs = si.compare_snapshots(before, after, ignore_tables=['perkara', 'sys_config'])
    kinds = [(d['kind'], d.get('table') or d.get('figure')) for d in diffs]
    assert ('figure', 'kinerja.masuk') in kinds and ('figure', 'kinerja.kinerja') in kinds
    # a case table's rows count even when the table is declared changed; its checksum does not
    assert ('rows', 'perkara') in kinds and ('checksum', 'perkara') not in kinds
    assert ('rows', 'sys_config') not in kinds and ('checksum', 'sys_config') not in kinds
    assert ('new_table', 'perkara_ecourt') in kinds
    assert ('missing_table', 'sys_users') in kinds
    new = [d for d in diffs if d['kind'] == 'new_table'][0]
    assert new['error'] is False and new['after'] == 0
    assert [d for d in si.compare_snapshots(before, after, new_tables_are_errors=True)
            if d['kind'] == 'new_table'][0]['error'] is True
    for d in diffs:
        assert d['text'] and set(d) >= {'kind', 'before', 'after', 'error', 'text'}


def test_compare_lipa1_rows():
    rows = _snap()['lipa1']['rincian']
    more = rows + [dict(jenis_perkara_id=2, jenis_perkara_nama='P', sisa_bulan_lalu=0, diterima=1, diputus=0,
                        sisa_akhir=1, belum_dibagi=1, belum_diputus=0)]
    diffs = si.compare_snapshots(_snap(), _snap(rincian=more))
    figures = [d['figure'] for d in diffs]
    assert 'lipa1.2.diterima' in figures and 'lipa1.jumlah.diterima' in figures
    assert all(d['error'] for d in diffs)
