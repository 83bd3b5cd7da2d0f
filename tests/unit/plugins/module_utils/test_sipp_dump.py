# -*- coding: utf-8 -*-
"""sipp_dump_*: the dump pipeline and the section filter, on real mariadb-dump output of the scratch MariaDB."""

from __future__ import (absolute_import, division, print_function)

import os
import stat
import sys

import pymysql
import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import (
    sipp_db, sipp_dump_manifest as manifest, sipp_dump_pipes as pipes, sipp_dump_programs as programs,
    sipp_dump_sections as sections)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import client_credentials, connect, find_client
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_integrity import table_checksums

DUMP = programs.find_dump_program()
ZSTD = sipp_db.find_program(['zstd'])
GZIP = sipp_db.find_program(['gzip'])


# --- a small SIPP-like database, owned by the app user (its password has quotes, $, \, # and spaces) ----------
def make_db(db, name):
    db.root_sql("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` CHARACTER SET latin1;\n"
                "GRANT ALL ON `%s`.* TO '%s'@'localhost';\nGRANT ALL ON `%s`.* TO '%s'@'127.0.0.1';\n"
                % (name, name, name, db.app_user, name, db.app_user))
    conn = pymysql.connect(host='127.0.0.1', port=db.port, user=db.app_user, password=db.app_password,
                           database=name, charset='latin1', autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("CREATE TABLE sys_config (id INT PRIMARY KEY, category VARCHAR(50), name VARCHAR(50) UNIQUE, "
                        "value VARCHAR(255), ordering INT) ENGINE=InnoDB DEFAULT CHARSET=latin1")
            cur.execute("INSERT INTO sys_config VALUES (6, 'System', 'SiteOffline', '1', 6), "
                        "(80, 'System', 'app_version', '5.2.0', 80), (82, 'Pengadilan', 'kode_satker', '097734', 82)")
            cur.execute("CREATE TABLE perkara (perkara_id INT PRIMARY KEY, nomor_perkara VARCHAR(100) UNIQUE, "
                        "pihak1_text TEXT, dok BLOB) ENGINE=InnoDB DEFAULT CHARSET=latin1")
            cur.executemany("INSERT INTO perkara VALUES (%s, %s, %s, %s)", [
                (1, '1/Pdt.G/2025/PN Bdg', 'Andi\tBudi\nCitra', b'\x00\xff\x27\x5c'),
                (2, '2/Pdt.G/2025/PN Bdg', "x;\n--\n-- Table structure for table `perkara_pihak1`\n--\n", None),
                (3, '3/Pdt.G/2025/PN Bdg', u'Jos\u00e9 \u00c0ngel', b''),
            ] + [(i, '%d/Pdt.G/2025/PN Bdg' % i, 'pihak %d' % i, None) for i in range(4, 400)])
            cur.execute("CREATE TABLE perkara_pihak1 (perkara_id INT, nama VARCHAR(100), KEY (perkara_id)) "
                        "ENGINE=InnoDB DEFAULT CHARSET=latin1")
            cur.executemany("INSERT INTO perkara_pihak1 VALUES (%s, %s)",
                            [(i % 399 + 1, 'Nama %d' % i) for i in range(3000)])
            cur.execute("CREATE TABLE `odd ``name` (id INT) ENGINE=InnoDB")
            cur.execute("INSERT INTO `odd ``name` VALUES (1), (2)")
            cur.execute("CREATE VIEW v_perkara AS SELECT p.perkara_id, COUNT(x.nama) AS n FROM perkara p "
                        "LEFT JOIN perkara_pihak1 x ON x.perkara_id = p.perkara_id GROUP BY p.perkara_id")
            cur.execute("CREATE TRIGGER trg_perkara BEFORE INSERT ON perkara FOR EACH ROW "
                        "SET NEW.nomor_perkara = TRIM(NEW.nomor_perkara)")
    finally:
        conn.close()
    # a view made by root, as on servers where SIPP's schema was loaded by root
    db.root_sql("CREATE DEFINER='root'@'localhost' VIEW `%s`.v_root AS SELECT COUNT(*) AS n FROM `%s`.perkara;"
                % (name, name))


def app_params(db, name):
    return dict(host='127.0.0.1', port=db.port, unix_socket=None, user=db.app_user, password=db.app_password,
                database=name, charset='latin1', connect_timeout=10)


def app_sql(db, name, sql):
    conn = pymysql.connect(host='127.0.0.1', port=db.port, user=db.app_user, password=db.app_password,
                           database=name, charset='latin1', autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    finally:
        conn.close()


def sums(db, name):
    conn = connect(app_params(db, name), 'pymysql')
    try:
        return table_checksums(conn, name)
    finally:
        conn.close()


def damage(db, name):
    app_sql(db, name, "DELETE FROM perkara_pihak1 WHERE perkara_id < 100")
    app_sql(db, name, "UPDATE perkara SET pihak1_text = 'diubah' WHERE perkara_id = 3")


def dump(db, name, path, kind='none', program=None):
    params = app_params(db, name)
    with client_credentials(params) as creds:
        argv = programs.dump_command(DUMP, creds['defaults_arg'], name, 'latin1', programs.dump_help(DUMP))
        comp = programs.compress_command(kind, program) if kind != 'none' else None
        test = programs.test_command(kind, program, str(path)) if kind != 'none' else None
        return pipes.dump_to_file(argv, comp, str(path), env=creds['env'], secrets=[db.app_password], test_argv=test)


def restore(db, name, path, dump_filter=None):
    params = app_params(db, name)
    kind = programs.detect_compression(str(path))
    program = {'zstd': ZSTD, 'gzip': GZIP}.get(kind)
    with client_credentials(params) as creds:
        argv = programs.client_command(find_client(), creds['defaults_arg'], name, 'latin1')
        return pipes.restore_stream(str(path), kind, program, argv, env=creds['env'], secrets=[db.app_password],
                                    dump_filter=dump_filter)


@pytest.fixture(scope='module')
def dumpdb(mariadb_server):
    make_db(mariadb_server, 'sipp_dumputil')
    return mariadb_server, 'sipp_dumputil'


@pytest.fixture(scope='module')
def plain_dump(dumpdb, tmp_path_factory):
    db, name = dumpdb
    path = tmp_path_factory.mktemp('dump') / 'db.sql'
    info = dump(db, name, path)
    return path, info


# --- tests ------------------------------------------------------------------------------------------------------
def test_plain_dump_is_complete_and_private(plain_dump, dumpdb):
    db, _name = dumpdb
    path, info = plain_dump
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    data = path.read_bytes()
    assert info['uncompressed_bytes'] == len(data)
    assert sections.has_end_marker(data[-200:])
    assert b'CREATE DATABASE' not in data and b'\nUSE ' not in data
    assert db.app_password.encode('latin1') not in data
    for word in (b'CREATE TABLE `perkara`', b'TRIGGER', b'VIEW `v_perkara`', b'0x00FF275C'):
        assert word in data


def test_filter_without_selection_is_identity(plain_dump):
    data = plain_dump[0].read_bytes()
    f = sections.DumpFilter()
    assert f.filter_bytes(data) == data
    assert sorted(f.seen_tables) == ['odd `name', 'perkara', 'perkara_pihak1', 'sys_config']
    assert sorted(f.seen_views) == ['v_perkara', 'v_root']
    assert f.end_marker


def test_filter_keeps_only_the_chosen_tables(plain_dump):
    data = plain_dump[0].read_bytes()
    f = sections.DumpFilter(tables=['perkara_pihak1'], views=False, routines=False)
    out = f.filter_bytes(data)
    assert f.kept_tables == ['perkara_pihak1']
    assert b'-- Table structure for table `perkara_pihak1`' in out
    assert b'INSERT INTO `perkara_pihak1`' in out
    # the header text inside perkara's data is not a section: perkara's rows are not in the output
    assert b'INSERT INTO `perkara`' not in out and b'`sys_config`' not in out and b'`odd ``name`' not in out
    assert b'VIEW' not in out and b'TRIGGER' not in out
    # preamble and trailer kept
    assert b'SET NAMES latin1' in out and b'SET SQL_MODE=@OLD_SQL_MODE' in out
    assert sections.has_end_marker(out[-200:])


def test_filter_keeps_a_tables_triggers_and_the_views(plain_dump):
    data = plain_dump[0].read_bytes()
    out = sections.DumpFilter(tables=['perkara', 'odd `name'], views=True).filter_bytes(data)
    assert b'INSERT INTO `perkara`' in out and b'TRIGGER trg_perkara' in out
    assert b'INSERT INTO `odd ``name`' in out
    assert b'Temporary table structure for view `v_perkara`' in out or b'Temporary view structure' in out
    assert b'Final view structure for view `v_perkara`' in out
    assert b'INSERT INTO `perkara_pihak1`' not in out


def test_definers_rewritten_unless_the_restoring_users(plain_dump, dumpdb):
    db, _name = dumpdb
    data = plain_dump[0].read_bytes()
    f = sections.DumpFilter(keep_definer='%s@127.0.0.1' % db.app_user)
    out = f.filter_bytes(data)
    assert b'DEFINER=`root`@`localhost`' in data and b'DEFINER=`root`@`localhost`' not in out
    assert f.definers_rewritten >= 1
    assert ('DEFINER=`%s`@`127.0.0.1`' % db.app_user).encode() in out
    everything = sections.DumpFilter(keep_definer='')
    out = everything.filter_bytes(data)
    assert b'DEFINER=`' not in out and everything.definers_rewritten >= 3
    # data is never rewritten
    assert out.count(b'INSERT INTO') == data.count(b'INSERT INTO')


def test_end_marker_detection():
    assert sections.has_end_marker(b'UNLOCK TABLES;\n\n-- Dump completed on 2026-11-24 21:30:00\n')
    assert sections.has_end_marker(b'-- Dump completed\n\n\n')
    assert not sections.has_end_marker(b'-- Dump completed on x\nINSERT INTO t VALUES (1);\n')
    assert not sections.has_end_marker(b'INSERT INTO `t` VALUES (1,\'-- Dump completed\');\n')
    assert not sections.has_end_marker(b'')


def test_per_table_restore_touches_only_those_tables(plain_dump, dumpdb):
    db, name = dumpdb
    path = plain_dump[0]
    good = sums(db, name)
    damage(db, name)
    damaged = sums(db, name)
    assert damaged['perkara_pihak1'] != good['perkara_pihak1'] and damaged['perkara'] != good['perkara']
    res = restore(db, name, path, sections.DumpFilter(tables=['perkara_pihak1'], views=True,
                                                      keep_definer='%s@127.0.0.1' % db.app_user))
    assert res['filter'].kept_tables == ['perkara_pihak1']
    now = sums(db, name)
    assert now['perkara_pihak1'] == good['perkara_pihak1']
    assert now['perkara'] == damaged['perkara']
    restore(db, name, path, sections.DumpFilter(keep_definer='%s@127.0.0.1' % db.app_user))
    assert sums(db, name) == good
    assert app_sql(db, name, "SELECT n FROM v_root")[0][0] == good['perkara']['rows']


@pytest.mark.parametrize('kind', ['zstd', 'gzip'])
def test_compressed_round_trip(dumpdb, tmp_path, kind):
    db, name = dumpdb
    program = ZSTD if kind == 'zstd' else GZIP
    assert program, '%s is needed' % kind
    path = tmp_path / ('db.sql' + programs.EXTENSIONS[kind])
    info = dump(db, name, path, kind, program)
    assert programs.detect_compression(str(path)) == kind
    assert info['uncompressed_bytes'] > path.stat().st_size > 0
    good = sums(db, name)
    damage(db, name)
    res = restore(db, name, path, sections.DumpFilter(keep_definer=''))
    assert res['bytes_in'] == info['uncompressed_bytes']
    assert sums(db, name) == good


def fake(tmp_path, name, script):
    path = tmp_path / name
    path.write_text('#!/bin/sh\n' + script + '\n')
    path.chmod(0o755)
    return str(path)


def test_failing_dump_program_is_detected_and_scrubbed(tmp_path):
    secret = "s'e\"cr$t"
    (tmp_path / 'said').write_text('Access denied for user x using password %s\n' % secret)
    prog = fake(tmp_path, 'dump', 'printf -- "-- partial\\nINSERT INTO t VALUES (1);\\n"; '
                                  'cat %s >&2; exit 2' % (tmp_path / 'said'))
    out = tmp_path / 'out.sql.gz'
    with pytest.raises(programs.DumpError) as err:
        pipes.dump_to_file([prog], programs.compress_command('gzip', GZIP), str(out), secrets=[secret])
    assert err.value.step == 'dump' and err.value.returncode == 2
    assert 'Access denied' in err.value.detail and secret not in err.value.detail and '********' in err.value.detail
    assert not out.exists()


def test_dump_without_end_marker_is_refused(tmp_path):
    prog = fake(tmp_path, 'dump', 'printf -- "-- MariaDB dump\\nINSERT INTO t VALUES (1);\\n"; exit 0')
    out = tmp_path / 'out.sql'
    with pytest.raises(programs.DumpError) as err:
        pipes.dump_to_file([prog], None, str(out))
    assert err.value.step == 'end_marker'
    assert not out.exists()


def test_failing_compressor_is_detected(tmp_path):
    prog = fake(tmp_path, 'dump', 'printf -- "INSERT INTO t VALUES (1);\\n-- Dump completed\\n"')
    comp = fake(tmp_path, 'comp', 'cat >/dev/null; echo "compressor broke" >&2; exit 1')
    out = tmp_path / 'out.sql.zst'
    with pytest.raises(programs.DumpError) as err:
        pipes.dump_to_file([prog], [comp], str(out))
    assert err.value.step == 'compress' and err.value.returncode == 1 and 'compressor broke' in err.value.detail
    assert not out.exists()


def test_compressor_dying_early_stops_the_dump(tmp_path):
    # 200 MB of SQL; the compressor reads 10 bytes and exits 0: only the broken pipe tells
    gen = tmp_path / 'gen.py'
    gen.write_text("import sys\nfor i in range(2000000):\n    sys.stdout.write('INSERT INTO t VALUES (%d);\\n' % i)\n"
                   "print('-- Dump completed')\n")
    prog = fake(tmp_path, 'dump', '%s %s' % (sys.executable, gen))
    comp = fake(tmp_path, 'comp', 'head -c 10 >/dev/null; exit 0')
    out = tmp_path / 'out.sql.zst'
    with pytest.raises(programs.DumpError) as err:
        pipes.dump_to_file([prog], [comp], str(out))
    assert err.value.step == 'compress'
    assert not out.exists()


def test_corrupt_file_fails_decompression_and_bad_sql_fails_the_client(dumpdb, tmp_path):
    db, name = dumpdb
    bad = tmp_path / 'bad.sql.zst'
    bad.write_bytes(b'\x28\xb5\x2f\xfd' + b'garbage' * 100)
    with pytest.raises(programs.DumpError) as err:
        restore(db, name, bad)
    assert err.value.step in ('decompress', 'end_marker')
    sql = tmp_path / 'bad.sql'
    sql.write_bytes(b'SELECT * FROM no_such_table;\n-- Dump completed\n')
    with pytest.raises(programs.DumpError) as err:
        restore(db, name, sql)
    assert err.value.step == 'client' and 'no_such_table' in err.value.detail
    assert db.app_password not in err.value.detail


def test_compare_checksums():
    want = {'a': {'rows': 1, 'checksum': '10'}, 'b': {'rows': 2, 'checksum': '20'}, 'c': {'rows': 0, 'checksum': '0'}}
    got = {'a': {'rows': 1, 'checksum': '10'}, 'b': {'rows': 2, 'checksum': '21'}, 'x': {'rows': 1, 'checksum': '1'}}
    diffs = manifest.compare_checksums(want, got)
    assert [(x['table'], x['problem']) for x in diffs] == [('b', 'changed'), ('c', 'missing')]
    assert manifest.compare_checksums(want, got, tables=['a']) == []


def test_choose_compression(monkeypatch, tmp_path):
    assert programs.choose_compression('none') == ('none', None)
    assert programs.choose_compression('auto') == ('zstd', ZSTD)
    assert programs.choose_compression('gzip') == ('gzip', GZIP)
    monkeypatch.setattr(sipp_db, 'CLIENT_EXTRA_DIRS', [])
    monkeypatch.setenv('PATH', str(tmp_path))
    with pytest.raises(programs.DumpError) as err:
        programs.choose_compression('zstd')
    assert err.value.step == 'compress' and err.value.program == 'zstd'
    assert programs.choose_compression('auto') == ('none', None)


def test_dump_command_puts_the_option_file_first():
    argv = programs.dump_command('/usr/bin/mysqldump', '--defaults-extra-file=/tmp/x/c.cnf', 'SIPP', 'latin1',
                                 'Usage ... --set-gtid-purged=name --column-statistics --dump-date')
    assert argv[:2] == ['/usr/bin/mysqldump', '--defaults-extra-file=/tmp/x/c.cnf']
    assert argv[-2:] == ['--', 'SIPP'] and '--databases' not in argv
    for option in ('--single-transaction', '--quick', '--routines', '--triggers', '--events', '--hex-blob',
                   '--default-character-set=latin1', '--set-gtid-purged=OFF', '--column-statistics=0'):
        assert option in argv
    assert not [a for a in argv if a.startswith('--password') or a.startswith('-p')]
    plain = programs.dump_command('mariadb-dump', '--defaults-extra-file=c', 'SIPP', 'latin1', '--dump-date')
    assert '--set-gtid-purged=OFF' not in plain and '--column-statistics=0' not in plain
