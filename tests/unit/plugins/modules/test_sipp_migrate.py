# -*- coding: utf-8 -*-
"""sipp_migrate: main() against the scratch MariaDB (tests/unit/conftest.py), on a scratch database of its own
built with the simulator's real schema, and the real packages of the simulator (sippsim.release, sippsim.faults)."""

from __future__ import (absolute_import, division, print_function)

import fcntl
import json
import os
import stat
import sys

import pymysql
import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_migrate as mutil
from ansible_collections.pengadilan.sipp.plugins.modules import sipp_migrate

from sippsim import faults, release

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_sipp_db_backup import assert_no_secret, make_app  # noqa: E402

DB = 'sipp_migrate_unit'


def app_conn(db):
    return pymysql.connect(host='127.0.0.1', port=db.port, user=db.app_user, password=db.app_password, database=DB,
                           charset='latin1', autocommit=True)


def build_db(db, version):
    """A fresh scratch database with SIPP's schema at ``version`` (the simulator's SQL) and sys_config id 80."""
    db.root_sql("DROP DATABASE IF EXISTS `%s`; CREATE DATABASE `%s` CHARACTER SET latin1;\n"
                "GRANT ALL ON `%s`.* TO '%s'@'localhost';\nGRANT ALL ON `%s`.* TO '%s'@'127.0.0.1';\n"
                % (DB, DB, DB, db.app_user, DB, db.app_user))
    conn = app_conn(db)
    try:
        with conn.cursor() as cur:
            for path in release.sql_files(version):
                for statement in release.sql_statements(path):
                    cur.execute(statement)
            cur.execute("INSERT INTO sys_config (id, category, name, value, ordering) VALUES "
                        "(80, 'System', 'app_version', %s, 80) ON DUPLICATE KEY UPDATE value = %s",
                        (version, version))
    finally:
        conn.close()


def sql(db, statement):
    conn = app_conn(db)
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
            return cur.fetchall()
    finally:
        conn.close()


def version(db):
    return sql(db, "SELECT value FROM sys_config WHERE id = 80")[0][0]


def tables(db):
    return sorted(r[0] for r in sql(db, "SHOW TABLES"))


def history_lines(path):
    with open(str(path)) as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.fixture(scope='module')
def packages(tmp_path_factory):
    out = tmp_path_factory.mktemp('packages')
    good = dict((p.name, str(p)) for p in release.build_packages(out))
    faults.build_faulty(out / 'faulty')
    faulty = dict((name.split('-')[-1][:-4], str(out / 'faulty' / name))
                  for name in os.listdir(str(out / 'faulty')) if name.endswith('.zip'))
    return dict(good=good, faulty=faulty)


@pytest.fixture
def court(mariadb_server, tmp_path):
    www = tmp_path / 'www'
    www.mkdir()
    app = make_app(www, mariadb_server, DB)
    return dict(db=mariadb_server, app=app, history=str(tmp_path / 'state' / 'pengadilan-sipp' / 'history.jsonl'))


def args(court, package, **kw):
    out = dict(app_path=court['app'], package=package, history=court['history'], run_id='run-1')
    out.update(kw)
    return out


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_good_package_migrates_and_rerun_changes_nothing(court, packages, run_module, backend):
    db = court['db']
    build_db(db, '5.0.0')
    pkg = packages['good']['sipp-5.0.0-5.1.0.zip']
    res, raw = run_module(sipp_migrate.main, args(court, pkg, db_client_backend=backend))
    assert res.get('failed') is not True, res
    assert res['changed'] is True
    assert [(m['file'], m['result']) for m in res['migrations']] == [
        ('001_perkara_ecourt.sql', 'ok'), ('002_perkara_is_ecourt.sql', 'ok')]
    assert all(m['seconds'] is not None and m['line'] is None and m['error'] is None for m in res['migrations'])
    assert res['version_before'] == '5.0.0' and res['version_after'] == '5.1.0' == version(db)
    assert res['failed_file'] is None and res['failed_line'] is None and res['error'] is None
    assert res['history'] == court['history'] and res['run_id'] == 'run-1'
    assert 'perkara_ecourt' in tables(db)
    assert_no_secret(db, raw)

    # the history: outside the database, private, one line per migration with every field
    folder = os.path.dirname(court['history'])
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(court['history']).st_mode) == 0o600
    lines = history_lines(court['history'])
    expected = [('001_perkara_ecourt.sql', 'ok'), ('002_perkara_is_ecourt.sql', 'ok')]
    assert [(e['file'], e['result']) for e in lines] == expected
    for e in lines:
        for key in ('run_id', 'package', 'from_version', 'to_version', 'file', 'sha256', 'result', 'error', 'line',
                    'started', 'finished', 'seconds'):
            assert key in e, key
        assert (e['package'], e['from_version'], e['to_version'], e['run_id']) == (
            'sipp-5.0.0-5.1.0.zip', '5.0.0', '5.1.0', 'run-1')
        assert e['database'] == DB and len(e['sha256']) == 64
    with open(court['history']) as handle:
        assert db.app_password not in handle.read()

    # idempotent rerun (and its check mode): nothing runs, nothing is recorded
    for check in (True, False):
        again, raw = run_module(sipp_migrate.main, args(court, pkg, run_id='run-2', _ansible_check_mode=check))
        assert again.get('failed') is not True, again
        assert again['changed'] is False and again['already_done'] is True
        assert [m['result'] for m in again['migrations']] == ['ok', 'ok']
        assert again['version_after'] == '5.1.0'
    assert len(history_lines(court['history'])) == 2


def test_check_mode_runs_nothing_and_writes_nothing(court, packages, run_module):
    db = court['db']
    build_db(db, '5.0.0')
    before = tables(db)
    res, raw = run_module(sipp_migrate.main, args(court, packages['good']['sipp-5.0.0-5.1.0.zip'],
                                                  _ansible_check_mode=True))
    assert res.get('failed') is not True, res
    assert res['changed'] is True
    assert [(m['file'], m['result']) for m in res['migrations']] == [
        ('001_perkara_ecourt.sql', 'pending'), ('002_perkara_is_ecourt.sql', 'pending')]
    assert tables(db) == before and version(db) == '5.0.0'
    assert not os.path.exists(os.path.dirname(court['history']))


def test_failing_migration_stops_reports_file_and_line_then_rerun_refuses(court, packages, run_module):
    db = court['db']
    build_db(db, '5.1.0')
    pkg = packages['faulty']['migration_fails_halfway']
    res, raw = run_module(sipp_migrate.main, args(court, pkg, language='en'))
    assert res['failed'] is True and res['changed'] is True, res
    assert res['failed_file'] == '002_putusan_elektronik.sql'
    # the failing statement is the last line of 002 as the package holds it
    text = release.package_entries('5.1.0', '5.2.0')['sql/002_putusan_elektronik.sql'].decode('utf-8')
    assert res['failed_line'] == len(text.splitlines()) + 1
    assert '1054' in res['error'] and 'agenda' in res['error']
    assert [(m['file'], m['result']) for m in res['migrations']] == [
        ('001_jadwal_sidang.sql', 'ok'), ('002_putusan_elektronik.sql', 'failed'),
        ('003_view_dashboard.sql', 'skipped')]
    assert res['migrations'][1]['line'] == res['failed_line']
    assert res['version_before'] == res['version_after'] == '5.1.0' == version(db)
    for word in ('002_putusan_elektronik.sql', 'line %d' % res['failed_line'], 'downgrade', '001_jadwal_sidang.sql'):
        assert word in res['msg'], word
    assert_no_secret(db, raw)
    lines = history_lines(court['history'])
    assert [(e['file'], e['result']) for e in lines] == [
        ('001_jadwal_sidang.sql', 'ok'), ('002_putusan_elektronik.sql', 'failed'),
        ('003_view_dashboard.sql', 'skipped')]
    assert lines[1]['line'] == res['failed_line'] and '1054' in lines[1]['error']

    # a rerun refuses: the court must be downgraded first
    again, raw = run_module(sipp_migrate.main, args(court, pkg, run_id='run-2'))
    assert again['failed'] is True and again['changed'] is False and again['problem'] == 'partial_run'
    assert 'di-downgrade' in again['msg'] and 'run-1' in again['msg']
    assert len(history_lines(court['history'])) == 3

    # downgraded (the database rebuilt at 5.1.0) and recorded: the package runs again (and fails the same way)
    build_db(db, '5.1.0')
    rec, raw = run_module(sipp_migrate.main, args(court, pkg, run_id='run-2', record_rollback=True))
    assert rec.get('failed') is not True and rec['changed'] is True, rec
    assert history_lines(court['history'])[-1]['result'] == 'rolled_back'
    third, raw = run_module(sipp_migrate.main, args(court, pkg, run_id='run-3'))
    assert third['failed'] is True and third['problem'] == 'migration_failed'
    assert third['failed_file'] == '002_putusan_elektronik.sql'


def test_mandiri_package_stamps_the_version(court, packages, run_module):
    db = court['db']
    build_db(db, '5.2.0')
    pkg = packages['good']['sipp-5.2.0-5.2.1.zip']
    before = tables(db)
    res, raw = run_module(sipp_migrate.main, args(court, pkg, stamp_version=False))
    assert res.get('failed') is not True and res['changed'] is False and version(db) == '5.2.0', res
    res, raw = run_module(sipp_migrate.main, args(court, pkg, db_client_backend='cli'))
    assert res.get('failed') is not True, res
    assert res['changed'] is True and res['stamped'] is True
    assert res['version_after'] == '5.2.1' == version(db) and tables(db) == before
    assert [(m['file'], m['result']) for m in res['migrations']] == [(mutil.STAMP_FILE, 'ok')]
    lines = history_lines(court['history'])
    assert [(e['file'], e['kind'], e['result'], e['to_version']) for e in lines] == [
        (mutil.STAMP_FILE, 'stamp', 'ok', '5.2.1')]
    again, raw = run_module(sipp_migrate.main, args(court, pkg))
    assert again.get('failed') is not True and again['changed'] is False and again['already_done'] is True
    # restored to 5.2.0 (e.g. downgraded after a failed verification): stamped again
    sql(db, "UPDATE sys_config SET value = '5.2.0' WHERE id = 80")
    third, raw = run_module(sipp_migrate.main, args(court, pkg))
    assert third['changed'] is True and version(db) == '5.2.1'


@pytest.mark.parametrize('language', ['id', 'en'])
def test_a_stamp_that_does_not_hold_fails_in_the_language_asked(court, packages, run_module, monkeypatch, language):
    """The version read back after the stamp is not the package's (another hand changed it, or it could not be read:
    a warning in the same language): the module fails, saying what it read."""
    build_db(court['db'], '5.2.0')
    pkg = packages['good']['sipp-5.2.0-5.2.1.zip']
    monkeypatch.setattr(sipp_migrate.Migrate, 'read_back', lambda self: '5.2.0')
    res, raw = run_module(sipp_migrate.main, args(court, pkg, language=language))
    words = {'id': ('sys_config id 80 berisi 5.2.0 sesudah perubahan', 'tidak dapat diubah ke 5.2.1'),
             'en': ('sys_config id 80 reads 5.2.0 after the update', 'cannot be set to 5.2.1')}[language]
    assert res['failed'] is True and res['error'] == words[0] and words[1] in res['msg'], res


@pytest.mark.parametrize('language', ['id', 'en'])
def test_a_version_that_cannot_be_read_back_is_a_warning_in_the_language_asked(court, packages, run_module,
                                                                               monkeypatch, language):
    build_db(court['db'], '5.2.0')
    pkg = packages['good']['sipp-5.2.0-5.2.1.zip']

    def gone(*dummy):
        raise sipp_migrate.SippDbError('connect_failed', error='server has gone away')
    monkeypatch.setattr(sipp_migrate, 'connect', gone)
    res, raw = run_module(sipp_migrate.main, args(court, pkg, language=language))
    start = {'id': 'Versi SIPP sesudah migrasi (sys_config id 80) tidak dapat dibaca: server has gone away.',
             'en': 'The SIPP version after the migrations (sys_config id 80) could not be read: server has gone '
                   'away.'}[language]
    assert start in json.dumps(res.get('warnings')), res  # (2.19 gives structured warnings)


def test_wrong_from_version_is_refused_before_anything_runs(court, packages, run_module):
    db = court['db']
    build_db(db, '5.0.0')
    before = tables(db)
    res, raw = run_module(sipp_migrate.main, args(court, packages['good']['sipp-5.1.0-5.2.0.zip']))
    assert res['failed'] is True and res['changed'] is False and res['problem'] == 'version_mismatch', res
    assert '5.0.0' in res['msg'] and '5.1.0' in res['msg'] and 'Tidak ada migrasi yang dijalankan' in res['msg']
    assert tables(db) == before and version(db) == '5.0.0'
    assert not os.path.exists(court['history']) or history_lines(court['history']) == []
    # the faulty package naming a version no court runs
    build_db(db, '5.2.1')
    res, raw = run_module(sipp_migrate.main, args(court, packages['faulty']['wrong_from_version'], language='en'))
    assert res['failed'] is True and res['problem'] == 'version_mismatch' and '5.2.2' in res['msg']
    assert version(db) == '5.2.1'
    # a broken package is refused by the package check, with its own message
    res, raw = run_module(sipp_migrate.main, args(court, packages['faulty']['checksum_mismatch']))
    assert res['failed'] is True and res['problem'] == 'file_checksum' and 'Tidak ada yang diubah' in res['msg']


def test_version_not_bumped_passes_here(court, packages, run_module):
    db = court['db']
    build_db(db, '5.0.0')
    pkg = packages['faulty']['version_not_bumped']
    res, raw = run_module(sipp_migrate.main, args(court, pkg))
    assert res.get('failed') is not True, res
    assert res['changed'] is True and res['version_after'] == '5.0.0'
    again, raw = run_module(sipp_migrate.main, args(court, pkg))
    assert again['changed'] is False and again['already_done'] is True
    # a warning says what the history and the version row disagree on (ansible-core 2.19 nests warnings)
    assert 'record_rollback' in json.dumps(again.get('warnings'))


def test_concurrent_run_is_refused_by_the_lock(court, packages, run_module):
    db = court['db']
    build_db(db, '5.0.0')
    mutil.make_private_dirs(os.path.dirname(court['history']))
    fd = os.open(court['history'] + '.lock', os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        res, raw = run_module(sipp_migrate.main, args(court, packages['good']['sipp-5.0.0-5.1.0.zip']))
    finally:
        os.close(fd)
    assert res['failed'] is True and res['changed'] is False and 'dikunci' in res['msg'], res
    assert version(db) == '5.0.0'


def test_migration_bytes_are_checked_again_before_running(court, packages, run_module, monkeypatch):
    db = court['db']
    build_db(db, '5.0.0')
    real = sipp_migrate.verify_package

    def lying(path, **kw):
        pkg = real(path, **kw)
        pkg['migrations'][1] = dict(pkg['migrations'][1], sha256='0' * 64)
        return pkg
    monkeypatch.setattr(sipp_migrate, 'verify_package', lying)
    res, raw = run_module(sipp_migrate.main, args(court, packages['good']['sipp-5.0.0-5.1.0.zip']))
    assert res['failed'] is True and res['problem'] == 'migration_checksum' and res['changed'] is False
    assert 'perkara_ecourt' not in tables(db)  # not even the first, intact migration ran


def test_parse_client_error():
    assert mutil.parse_client_error(
        "ERROR 1054 (42S22) at line 12: Unknown column 'agenda' in 'where clause'\n") == (
        12, "ERROR 1054 (42S22): Unknown column 'agenda' in 'where clause'")
    assert mutil.parse_client_error("ERROR 2002 (HY000): Can't connect") == (None, "ERROR 2002 (HY000): Can't connect")
    assert mutil.parse_client_error("Segmentation fault") == (None, "Segmentation fault")
    argv = mutil.migration_command('/usr/bin/mariadb', '--defaults-extra-file=/x/y.cnf', 'SIPP', 'latin1')
    assert argv[1] == '--defaults-extra-file=/x/y.cnf' and '--batch' in argv and '--force' not in argv
    assert '--default-character-set=latin1' in argv and '--database=SIPP' in argv
