# -*- coding: utf-8 -*-
"""sipp_db_backup: main() against the scratch MariaDB (tests/unit/conftest.py) and a fake SIPP tree.

The database (its app user's password holds quotes, $, \\, # and spaces) is built by test_sipp_dump.make_db.
"""

from __future__ import (absolute_import, division, print_function)

import hashlib
import json
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_dump_sections
from ansible_collections.pengadilan.sipp.plugins.modules import sipp_db_backup

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'module_utils'))
import test_sipp_dump as dumpdb  # noqa: E402  (the shared test database)

DB = 'sipp_bk_unit'


def php_single(value):
    return "'" + value.replace('\\', '\\\\').replace("'", "\\'") + "'"


def make_app(root, db, database):
    app = os.path.join(str(root), 'SIPP')
    for sub in ('application/config', 'system/core'):
        os.makedirs(os.path.join(app, sub))
    with open(os.path.join(app, 'index.php'), 'w') as handle:
        handle.write('<?php require "system/core/CodeIgniter.php";\n')
    values = dict(hostname='127.0.0.1', port=db.port, username=db.app_user, password=db.app_password,
                  database=database, char_set='latin1')
    lines = ["<?php  if ( ! defined('BASEPATH')) exit('No direct script access allowed');",
             "$active_group = 'default';"]
    for key, value in values.items():
        lines.append("$db['default'][%s] = %s;" % (php_single(key), value if isinstance(value, int)
                                                   else php_single(value)))
    with open(os.path.join(app, 'application', 'config', 'database.php'), 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return app


def assert_no_secret(db, raw):
    for secret in (db.app_password, db.web_password):
        assert secret not in raw
        assert json.dumps(secret)[1:-1] not in raw


def sha256(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


@pytest.fixture(scope='module')
def bkdb(mariadb_server):
    dumpdb.make_db(mariadb_server, DB)
    return mariadb_server


@pytest.fixture
def app(bkdb, tmp_path):
    www = tmp_path / 'www'
    www.mkdir()
    return make_app(www, bkdb, DB)


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_backup_writes_a_verified_private_dump(bkdb, app, tmp_path, run_module, backend):
    dest = str(tmp_path / 'backups' / 'SIPP-097734-2026-11-24-2130' / 'database.sql.zst')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest, db_client_backend=backend))
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    b = result['backup']
    assert b['dest'] == dest and b['compression'] == 'zstd' and b['database'] == DB
    assert b['sha256'] == sha256(dest) and b['size_bytes'] == os.path.getsize(dest)
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    for folder in (os.path.dirname(dest), os.path.dirname(os.path.dirname(dest))):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert b['manifest'] == dest + '.manifest.json'
    assert stat.S_IMODE(os.stat(b['manifest']).st_mode) == 0o600
    with open(b['manifest']) as handle:
        manifest = json.load(handle)
    assert manifest['tables'] == dumpdb.sums(bkdb, DB)
    assert b['tables'] == 4 == len(manifest['tables'])
    assert manifest['views'] == ['v_perkara', 'v_root']
    assert manifest['triggers'] == [dict(name='trg_perkara', table='perkara')]
    assert manifest['dump']['sha256'] == b['sha256'] and manifest['dump']['charset'] == 'latin1'
    assert manifest['sipp_version'] == '5.2.0' and manifest['server_version']
    assert sorted(os.listdir(os.path.dirname(dest))) == sorted([os.path.basename(dest),
                                                                os.path.basename(b['manifest'])])
    assert_no_secret(bkdb, raw)
    assert_no_secret(bkdb, open(b['manifest']).read())

    # a rerun keeps the verified backup; force makes a new one
    again, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest, db_client_backend=backend))
    assert again['changed'] is False and again['backup']['kept_existing'] is True
    assert again['backup']['sha256'] == b['sha256']
    forced, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest, force=True))
    assert forced['changed'] is True and forced['backup']['kept_existing'] is False
    assert sha256(dest) == forced['backup']['sha256']


@pytest.mark.parametrize('compression,magic', [('gzip', b'\x1f\x8b'), ('none', b'/*')])
def test_other_compressions(bkdb, app, tmp_path, run_module, compression, magic):
    dest = str(tmp_path / 'b' / 'database.sql')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest, compression=compression, language='en'))
    assert result.get('failed') is not True, result
    assert result['backup']['compression'] == compression
    with open(dest, 'rb') as handle:
        assert handle.read(2) == magic


def test_check_mode_writes_nothing(bkdb, app, tmp_path, run_module):
    dest = str(tmp_path / 'b' / 'database.sql.zst')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest, _ansible_check_mode=True))
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    b = result['backup']
    assert b['sha256'] is None and b['estimated_bytes'] > 0 and b['free_bytes'] > 0 and b['tables'] == 4
    assert not os.path.exists(str(tmp_path / 'b'))


def test_not_enough_space_fails_before_writing(bkdb, app, tmp_path, run_module):
    dest = str(tmp_path / 'b' / 'database.sql.zst')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest, min_free_ratio=1e15))
    assert result['failed'] is True
    assert 'Ruang kosong' in result['msg'] and 'dibutuhkan' in result['msg']
    assert 'Tidak ada yang ditulis' in result['msg'] and 'Pilih tujuan lain' in result['msg']
    assert not os.path.exists(str(tmp_path / 'b'))
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest, min_free_ratio=1e15, language='en'))
    assert 'Not enough free space' in result['msg'] and 'Choose another destination' in result['msg']


def test_unwritable_destination(bkdb, app, tmp_path, run_module):
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=str(blocker / 'sub' / 'database.sql.zst')))
    assert result['failed'] is True and 'tidak dapat dibuat atau ditulisi' in result['msg']
    assert blocker.read_text() == 'x'


def test_existing_unverified_dest_is_not_touched(bkdb, app, tmp_path, run_module):
    dest = tmp_path / 'database.sql.zst'
    dest.write_bytes(b'someone else\'s file')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=str(dest)))
    assert result['failed'] is True and 'force=true' in result['msg']
    assert dest.read_bytes() == b'someone else\'s file'


def test_dump_failure_is_reported_with_step_and_cleaned(bkdb, app, tmp_path, run_module, monkeypatch):
    # a dump program that fails like an access problem would, quoting the password
    said = tmp_path / 'said'
    said.write_text('mysqldump: Got error: 1045: Access denied (using password: %s)\n' % bkdb.app_password)
    fake = tmp_path / 'mariadb-dump'
    fake.write_text('#!/bin/sh\ncat %s >&2\nexit 2\n' % said)
    fake.chmod(0o755)
    monkeypatch.setattr(sipp_db_backup, 'find_dump_program', lambda module=None: str(fake))
    dest = tmp_path / 'b' / 'database.sql.zst'
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=str(dest)))
    assert result['failed'] is True
    assert 'tahap dump' in result['msg'] and 'Access denied' in result['msg']
    assert 'Berkas sementara sudah dihapus' in result['msg']
    assert os.listdir(str(dest.parent)) == []
    assert_no_secret(bkdb, raw)


# ---------------------------------------------------------------------------------------------------------------
# tables without transactions (MyISAM): named, and locked for their copy while SIPP is online

NONTX_DB = 'sipp_bk_myisam'


@pytest.fixture(scope='module')
def nontx_db(mariadb_server):
    dumpdb.make_db(mariadb_server, NONTX_DB)
    mariadb_server.root_sql(
        "CREATE TABLE `%s`.log_lama (id INT PRIMARY KEY, isi VARCHAR(50)) ENGINE=MyISAM DEFAULT CHARSET=latin1;\n"
        "INSERT INTO `%s`.log_lama VALUES (1, 'satu'), (2, 'dua');\n"
        "CREATE TABLE `%s`.statistik_lama (id INT PRIMARY KEY, n INT) ENGINE=MyISAM DEFAULT CHARSET=latin1;\n"
        "INSERT INTO `%s`.statistik_lama VALUES (1, 10);\n" % ((NONTX_DB,) * 4))
    return mariadb_server


@pytest.fixture
def nontx_app(nontx_db, tmp_path):
    www = tmp_path / 'www'
    www.mkdir()
    return make_app(www, nontx_db, NONTX_DB)


def set_online(db, online):
    db.root_sql("UPDATE `%s`.sys_config SET value = '%s' WHERE id = 6;\n" % (NONTX_DB, '0' if online else '1'))


def insert_waits(db):
    """True when an INSERT into log_lama from another session has to wait (the table is READ-locked)."""
    conn = db.connect(NONTX_DB)
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = 1")
            try:
                cur.execute("INSERT INTO log_lama VALUES (99, 'menunggu')")
            except Exception as exc:  # pymysql.err.OperationalError 1205: Lock wait timeout exceeded
                return 'Lock wait timeout' in str(exc)
            cur.execute("DELETE FROM log_lama WHERE id = 99")
            return False
    finally:
        conn.close()


TABLES = [{'name': 'log_lama', 'engine': 'MyISAM'}, {'name': 'statistik_lama', 'engine': 'MyISAM'}]


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_nontransactional_tables_locked_for_the_dump_while_sipp_is_online(nontx_db, nontx_app, tmp_path, run_module,
                                                                          monkeypatch, backend):
    set_online(nontx_db, True)
    seen = []
    real = sipp_db_backup.dump_to_file

    def dump_while_checking(*args, **kwargs):
        seen.append(insert_waits(nontx_db))
        return real(*args, **kwargs)
    monkeypatch.setattr(sipp_db_backup, 'dump_to_file', dump_while_checking)
    dest = str(tmp_path / 'b' / 'database.sql.zst')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=nontx_app, dest=dest, db_client_backend=backend))
    assert result.get('failed') is not True, result
    nontx = result['backup']['nontransactional']
    assert nontx.pop('locked_seconds') >= 0
    assert nontx == dict(tables=TABLES, sipp_online=True, locked=True, lock_error=None, copied='locked',
                         consistent=True)
    assert seen == [True]                       # SIPP's writes to them waited while the dump ran
    assert insert_waits(nontx_db) is False      # and the lock ended with the module
    with open(dest + '.manifest.json') as handle:
        recorded = json.load(handle)['nontransactional']
        assert recorded.pop('locked_seconds') >= 0 and recorded == nontx

    # the lock ends as soon as their data has passed in the dump's stream, wherever a block ends
    raw_sql = subprocess.run(['zstd', '-dc', dest], stdout=subprocess.PIPE, check=True).stdout
    # (the first header after statistik_lama's data: the whole line of it must have passed, nothing more than the
    # block that completed it)
    following = raw_sql.index(b'\n-- Table structure for table', raw_sql.index(b'INSERT INTO `statistik_lama`')) + 1
    line_end = raw_sql.index(b'\n', following) + 1
    assert b'sys_config' in raw_sql[following:line_end]
    for size in (1, 7, 100, 4096, len(raw_sql)):
        released = []
        fed = [None]
        watch = sipp_dump_sections.SectionWatch(['log_lama', 'statistik_lama'], lambda: released.append(fed[0]))
        for at in range(0, len(raw_sql), size):
            fed[0] = (at, at + size)
            watch.feed(raw_sql[at:at + size])
        assert len(released) == 1, size
        start, end = released[0]
        assert start < line_end <= end, (size, released[0], line_end)
    assert not result.get('warnings')
    assert_no_secret(nontx_db, raw)


def test_nontransactional_tables_unlocked_online_are_recorded_and_warned(nontx_db, nontx_app, tmp_path, run_module):
    set_online(nontx_db, True)
    dest = str(tmp_path / 'b' / 'database.sql.zst')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=nontx_app, dest=dest, lock_nontransactional=False,
                                                       language='en'))
    nontx = result['backup']['nontransactional']
    assert (nontx['copied'], nontx['consistent'], nontx['locked'], nontx['lock_error']) == \
        ('unlocked', False, False, None)
    warning = json.dumps(result['warnings'])
    assert 'log_lama (MyISAM), statistik_lama (MyISAM)' in warning and 'locking was turned off' in warning
    assert 'may not be consistent' in warning
    # in maintenance the copy is consistent without the lock
    set_online(nontx_db, False)
    dest = str(tmp_path / 'c' / 'database.sql.zst')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=nontx_app, dest=dest, lock_nontransactional=False))
    nontx = result['backup']['nontransactional']
    assert (nontx['copied'], nontx['consistent'], nontx['sipp_online']) == ('maintenance', True, False)
    assert not result.get('warnings')


def test_a_lock_that_cannot_be_taken_is_said_and_the_backup_still_made(nontx_db, nontx_app, tmp_path, run_module):
    import threading
    set_online(nontx_db, True)
    holder = nontx_db.connect(NONTX_DB)
    with holder.cursor() as cur:
        cur.execute("LOCK TABLES log_lama WRITE")   # a long write of SIPP
    # the write ends a little after the backup gave up waiting (1 s); the dump then reads the table
    timer = threading.Timer(4, holder.close)
    timer.start()
    try:
        dest = str(tmp_path / 'b' / 'database.sql.zst')
        result, raw = run_module(sipp_db_backup.main, dict(app_path=nontx_app, dest=dest, lock_wait_timeout=1))
    finally:
        timer.join()
    assert result.get('failed') is not True, result
    nontx = result['backup']['nontransactional']
    assert nontx['copied'] == 'unlocked' and 'Lock wait timeout' in nontx['lock_error']
    assert 'kunci tidak dapat diambil' in json.dumps(result['warnings'])
    assert os.path.exists(dest)
    assert_no_secret(nontx_db, raw)


PRIV_DB = 'sipp_bk_priv'


@pytest.fixture
def priv_db(mariadb_server):
    """A database whose login user lacks the EVENT privilege and may not read a procedure root made (no SELECT on
    mysql.proc), with an event of root's: mariadb-dump --events --routines refuses such a user the whole dump."""
    dumpdb.make_db(mariadb_server, PRIV_DB)
    user = mariadb_server.app_user
    mariadb_server.root_sql(
        "REVOKE EVENT ON `{db}`.* FROM '{u}'@'localhost';\nREVOKE EVENT ON `{db}`.* FROM '{u}'@'127.0.0.1';\n"
        "CREATE DEFINER='root'@'localhost' PROCEDURE `{db}`.sipp_hitung_perkara() "
        "SELECT COUNT(*) FROM `{db}`.perkara;\n"
        "CREATE DEFINER='{u}'@'127.0.0.1' PROCEDURE `{db}`.sipp_milik_sendiri() SELECT 1;\n"
        "CREATE DEFINER='root'@'localhost' EVENT `{db}`.ev_bersih ON SCHEDULE EVERY 1 DAY DISABLE DO "
        "DELETE FROM `{db}`.perkara WHERE 1 = 0;\n".format(db=PRIV_DB, u=user))
    yield mariadb_server
    mariadb_server.root_sql("DROP DATABASE IF EXISTS `%s`;\n" % PRIV_DB)


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
@pytest.mark.parametrize('language', ['id', 'en'])
def test_a_login_user_without_every_privilege_gets_a_complete_honest_backup(priv_db, tmp_path, run_module,
                                                                            backend, language):
    """No EVENT privilege, a routine of another definer: the dump leaves events and routines out instead of failing,
    names them (result, manifest, warning with what to grant), and the backup restores to the same tables."""
    from ansible_collections.pengadilan.sipp.plugins.modules import sipp_db_restore

    www = tmp_path / 'www'
    www.mkdir()
    app = make_app(www, priv_db, PRIV_DB)
    dest = str(tmp_path / 'backups' / 'SIPP-priv' / 'database.sql.gz')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest, compression='gzip',
                                                       db_client_backend=backend, language=language))
    assert result.get('failed') is not True, result
    b = result['backup']
    left = b['left_out']
    assert [x['kind'] for x in left] == ['events', 'procedure', 'procedure'], left
    assert "Access denied" in left[0]['reason']
    assert [(x['name'], x['reason']) for x in left[1:]] == [('sipp_hitung_perkara', 'hidden'),
                                                            ('sipp_milik_sendiri', 'with_hidden')]
    with open(b['manifest']) as handle:
        manifest = json.load(handle)
    assert manifest['left_out'] == left
    assert '--events' not in manifest['dump']['options'] and '--routines' not in manifest['dump']['options']
    assert '--triggers' in manifest['dump']['options']
    warning = ' '.join(str(w) for w in result.get('warnings', []))
    words = {'id': ('tanpa yang tidak boleh dibaca', 'hak EVENT', 'SELECT pada mysql.proc'),
             'en': ('without what the login user', 'the EVENT privilege', 'SELECT on mysql.proc')}[language]
    assert all(w in warning for w in words), warning
    assert 'sipp_hitung_perkara (root@localhost)' in warning and 'PROCEDURE sipp_milik_sendiri' in warning
    assert_no_secret(priv_db, raw)

    # what is in it is whole: the tables come back to the checksums of the manifest, and what was left out is
    # still on the server, untouched by the restore
    dumpdb.damage(priv_db, PRIV_DB)
    restored, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, db_client_backend=backend))
    assert restored.get('failed') is not True, restored
    assert restored['restore']['verified'] is True
    assert dumpdb.sums(priv_db, PRIV_DB) == manifest['tables']
    names = priv_db.root_sql("SELECT GROUP_CONCAT(name ORDER BY name) FROM mysql.proc WHERE db = '%s';\n"
                             "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '%s';\n"
                             % (PRIV_DB, PRIV_DB))
    assert 'sipp_hitung_perkara,sipp_milik_sendiri' in names and '\n1' in names, names


def test_with_every_privilege_nothing_is_left_out(priv_db, tmp_path, run_module):
    user = priv_db.app_user
    priv_db.root_sql("GRANT EVENT ON `{db}`.* TO '{u}'@'localhost';\nGRANT EVENT ON `{db}`.* TO '{u}'@'127.0.0.1';\n"
                     "GRANT SELECT ON mysql.proc TO '{u}'@'localhost';\n"
                     "GRANT SELECT ON mysql.proc TO '{u}'@'127.0.0.1';\n".format(db=PRIV_DB, u=user))
    try:
        www = tmp_path / 'www'
        www.mkdir()
        app = make_app(www, priv_db, PRIV_DB)
        dest = str(tmp_path / 'backups' / 'SIPP-priv' / 'database.sql.gz')
        result, dummy = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest, compression='gzip'))
        assert result.get('failed') is not True, result
        assert result['backup']['left_out'] == [] and not result.get('warnings')
        with open(result['backup']['manifest']) as handle:
            options = json.load(handle)['dump']['options']
        assert '--events' in options and '--routines' in options
    finally:
        priv_db.root_sql("REVOKE SELECT ON mysql.proc FROM '{u}'@'localhost';\n"
                         "REVOKE SELECT ON mysql.proc FROM '{u}'@'127.0.0.1';\n".format(u=user))


class _Answers(object):
    """A connection that answers each query by a fragment of its SQL (a server this machine cannot run)."""

    def __init__(self, answers):
        self.answers = answers

    def query_value(self, sql, args=None):
        for fragment, value in self.answers:
            if fragment in sql:
                return value
        raise AssertionError('unexpected query %s' % sql)


@pytest.mark.parametrize('has_utf8mb4,mixed,expected', [
    (1, 0, 'latin1'), (1, 3, 'utf8mb4'), (0, 3, 'utf8'), (0, 0, 'latin1')])
def test_utf8mb4_only_where_the_server_has_it(has_utf8mb4, mixed, expected):
    """A database whose columns mix character sets is dumped in Unicode: utf8mb4, or utf8 on a server older than
    MySQL 5.5.3 that has no utf8mb4."""
    from types import SimpleNamespace

    conn = _Answers([('CHARACTER_SETS', has_utf8mb4), ('SCHEMATA', 'latin1'), ('COLUMNS', mixed)])
    site = SimpleNamespace(language='id', params={}, database='SIPP', conn=conn)
    backup = sipp_db_backup.Backup(SimpleNamespace(params={'dump_charset': 'auto'}), site)
    assert backup.charset() == expected
