# -*- coding: utf-8 -*-
"""sipp_sync_status: main() against the scratch MariaDB (tests/unit/conftest.py) and a fake SIPP tree.

Each test gets its own pair of databases: ``sync_sipp`` (SIPP's side: sys_config and the publication tables) and
``sync_web`` (the public side: sys_sinkronisasi and the same tables), reached with the fixture's two users whose
passwords hold every awkward character.
"""

from __future__ import (absolute_import, division, print_function)

import json
import os

import pytest

from ansible_collections.pengadilan.sipp.plugins.modules import sipp_sync_status

LOCAL = 'sync_sipp'
PUBLIC = 'sync_web'
TABLES = ['dataumumweb', 'jadwalsidangweb', 'pihakweb', 'perkaraputusanweb']


def php_single(value):
    return "'" + value.replace('\\', '\\\\').replace("'", "\\'") + "'"


def make_app(root, db, default=None, web=None, web_group='web'):
    app = os.path.join(str(root), 'SIPP')
    os.makedirs(os.path.join(app, 'application', 'config'))
    os.makedirs(os.path.join(app, 'system'))
    with open(os.path.join(app, 'index.php'), 'w') as handle:
        handle.write('<?php\n')
    groups = [('default', dict(dict(hostname='127.0.0.1', port=db.port, username=db.app_user,
                                    password=db.app_password, database=LOCAL, char_set='latin1'),
                               **(default or {})))]
    if web_group:
        groups.append((web_group, dict(dict(hostname='127.0.0.1', port=db.port, username=db.web_user,
                                            password=db.web_password, database=PUBLIC), **(web or {}))))
    lines = ["<?php", "$active_group = 'default';"]
    for group, values in groups:
        for key, value in values.items():
            lines.append("$db[%s][%s] = %s;" % (php_single(group), php_single(key),
                                                value if isinstance(value, int) else php_single(value)))
    with open(os.path.join(app, 'application', 'config', 'database.php'), 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return app


def assert_no_secret(db, raw):
    for secret in (db.app_password, db.web_password):
        assert secret not in raw
        assert json.dumps(secret)[1:-1] not in raw


def fill(db, schema, table, rows):
    db.root_sql("DELETE FROM {s}.{t}; INSERT INTO {s}.{t} (id) SELECT seq FROM {s}.seq_1_to_{n};".format(
        s=schema, t=table, n=rows) if rows else "DELETE FROM {s}.{t};".format(s=schema, t=table))


def stamp_hours_ago(db, hours):
    db.root_sql("UPDATE %s.sys_sinkronisasi SET time_stamp = NOW() - INTERVAL %s HOUR WHERE id = '1';"
                % (PUBLIC, hours))


def public_now(db):
    return db.root_sql("SELECT NOW();").splitlines()[1]


@pytest.fixture
def app(mariadb_server, tmp_path):
    db = mariadb_server
    sql = ["DROP DATABASE IF EXISTS {l}; DROP DATABASE IF EXISTS {p};",
           "CREATE DATABASE {l} CHARACTER SET latin1; CREATE DATABASE {p} CHARACTER SET latin1;",
           "CREATE TABLE {l}.sys_config LIKE SIPP.sys_config;",
           "INSERT INTO {l}.sys_config SELECT * FROM SIPP.sys_config;",
           "CREATE TABLE {p}.sys_sinkronisasi (id CHAR(1) PRIMARY KEY, time_stamp TIMESTAMP NULL) ENGINE=InnoDB;",
           "INSERT INTO {p}.sys_sinkronisasi VALUES ('1', NOW() - INTERVAL 1 HOUR);"]
    for table in TABLES:
        for schema in ('{l}', '{p}'):
            sql.append("CREATE TABLE %s.%s (id INT PRIMARY KEY) ENGINE=InnoDB;" % (schema, table))
    for host in ('127.0.0.1', 'localhost'):
        sql.append("GRANT ALL ON {l}.* TO '{app}'@'%s'; GRANT ALL ON {p}.* TO '{web}'@'%s';" % (host, host))
    db.root_sql('\n'.join(sql).format(l=LOCAL, p=PUBLIC, app=db.app_user, web=db.web_user))
    for n, table in enumerate(TABLES):
        fill(db, LOCAL, table, 10 * (n + 1))
        fill(db, PUBLIC, table, 10 * (n + 1))
    www = tmp_path / 'www'
    www.mkdir()
    yield make_app(www, db)
    db.root_sql("DROP DATABASE IF EXISTS %s; DROP DATABASE IF EXISTS %s;" % (LOCAL, PUBLIC))


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_healthy(mariadb_server, app, run_module, backend):
    db = mariadb_server
    args = dict(app_path=app, db_client_backend=backend)
    result, raw = run_module(sipp_sync_status.main, args)
    assert result.get('failed') is not True, result
    assert result['changed'] is False
    assert result['status'] == 'ok' and result['ok'] is True and result['problems'] == []
    assert 'Sinkronisasi sehat' in result['reason']
    assert len(result['stamp']) == 19 and len(result['public_now']) == 19
    assert 3590 <= result['age_seconds'] < 2 * 3600  # set one hour back: about an hour, whatever the machine's speed
    assert result['max_age'] == 480 and result['since'] is None
    assert result['counts'] == dict((t, dict(local=10 * (n + 1), public=10 * (n + 1))) for n, t in enumerate(TABLES))
    assert result['public'] == dict(group='web', host='127.0.0.1', database=PUBLIC)
    assert result['app_path'] == app and result['version'] == '5.2.0'
    assert_no_secret(db, raw)

    checked, raw = run_module(sipp_sync_status.main, dict(args, _ansible_check_mode=True))
    for key in ('status', 'ok', 'stamp', 'counts', 'public', 'changed'):
        assert checked[key] == result[key]


def test_stale(mariadb_server, app, run_module):
    db = mariadb_server
    stamp_hours_ago(db, 30)
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app))
    assert result['status'] == 'stale' and result['ok'] is False
    assert '480 menit' in result['reason'] and 'Jalankan sinkronisasi dari SIPP' in result['reason']
    assert result['age_seconds'] >= 30 * 3600
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, max_age=31 * 60, language='en'))
    assert result['status'] == 'ok', result['reason']
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, max_age=10, language='en'))
    assert result['status'] == 'stale' and 'limit of 10 minutes' in result['reason']


def test_mismatch(mariadb_server, app, run_module):
    db = mariadb_server
    fill(db, PUBLIC, 'pihakweb', 15)
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, language='en'))
    assert result['status'] == 'mismatch' and result['ok'] is False
    assert result['counts']['pihakweb'] == dict(local=30, public=15)
    assert 'pihakweb 30/15' in result['reason'] and 'incomplete' in result['reason']


def test_stale_and_mismatch_both_explained(mariadb_server, app, run_module):
    db = mariadb_server
    fill(db, PUBLIC, 'dataumumweb', 0)
    stamp_hours_ago(db, 30)
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app))
    assert result['status'] == 'stale'
    assert result['problems'] == ['stale', 'mismatch']
    assert '480 menit' in result['reason'] and 'dataumumweb 10/0' in result['reason']


def test_since(mariadb_server, app, run_module):
    db = mariadb_server
    now = public_now(db)
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, since=now))
    assert result['status'] == 'stale'
    assert 'tidak lebih baru dari %s' % now in result['reason']
    assert result['since'] == now
    # a stamp after it: the synchronisation started at `now` succeeded
    db.root_sql("UPDATE %s.sys_sinkronisasi SET time_stamp = '%s' + INTERVAL 1 SECOND WHERE id = '1';"
                % (PUBLIC, now))
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, since=now.replace(' ', 'T')))
    assert result['status'] == 'ok', result['reason']
    # the public_now of a run is a usable since
    stamp_hours_ago(db, 1)
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app))
    later, raw = run_module(sipp_sync_status.main, dict(app_path=app, since=result['public_now']))
    assert later['status'] == 'stale'


def test_settle_returns_once_the_public_clock_passed_its_second(mariadb_server, app, run_module, monkeypatch):
    """A synchronisation started right after a settled check stamps a time strictly newer than its public_now."""
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, settle=True))
    assert result['public_now'] and public_now(mariadb_server) > result['public_now']
    # without it, or without a public clock to settle on, nothing waits
    slept = []
    monkeypatch.setattr(sipp_sync_status.time, 'sleep', slept.append)
    run_module(sipp_sync_status.main, dict(app_path=app))
    run_module(sipp_sync_status.main, dict(app_path=app, settle=True, public_db_group='nothere'))
    assert slept == []


def test_never_synced(mariadb_server, app, run_module):
    db = mariadb_server
    db.root_sql("DELETE FROM %s.sys_sinkronisasi;" % PUBLIC)
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app))
    assert result['status'] == 'stale' and result['stamp'] is None and result['age_seconds'] is None
    assert "sys_sinkronisasi id '1'" in result['reason']
    assert result['public_now']


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_unreachable(mariadb_server, app, tmp_path, run_module, backend):
    db = mariadb_server
    www = tmp_path / 'www2'
    www.mkdir()
    app = make_app(www, db, web=dict(port=1))
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, connect_timeout=2, db_client_backend=backend))
    assert result.get('failed') is not True, result
    assert result['status'] == 'unreachable' and result['ok'] is False
    assert 'jaringan' in result['reason'] and "'web'" in result['reason']
    assert result['public'] == dict(group='web', host='127.0.0.1', database=PUBLIC)
    assert_no_secret(db, raw)


def test_wrong_public_password_is_unreachable(mariadb_server, app, run_module):
    db = mariadb_server
    www = os.path.dirname(app)
    os.rename(app, app + '.old')
    app = make_app(www, db, web=dict(password='wrong'))
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, language='en'))
    assert result['status'] == 'unreachable'
    assert 'Access denied' in result['reason']
    assert_no_secret(db, raw)


def test_group_missing_is_unknown(mariadb_server, app, tmp_path, run_module):
    db = mariadb_server
    www = tmp_path / 'www2'
    www.mkdir()
    app = make_app(www, db, web_group='publik')
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app))
    assert result['status'] == 'unknown' and result['ok'] is False
    assert "'web'" in result['reason'] and 'publik' in result['reason']
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, public_db_group='publik'))
    assert result['status'] == 'ok', result['reason']


def test_table_missing_is_unknown(mariadb_server, app, run_module):
    db = mariadb_server
    db.root_sql("DROP TABLE %s.jadwalsidangweb;" % PUBLIC)
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app))
    assert result['status'] == 'unknown'
    assert result['counts']['jadwalsidangweb'] == dict(local=20, public=None)
    assert 'jadwalsidangweb' in result['reason']
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, tables=['dataumumweb', 'pihakweb']))
    assert result['status'] == 'ok' and sorted(result['counts']) == ['dataumumweb', 'pihakweb']


def test_sys_sinkronisasi_missing_is_unknown(mariadb_server, app, run_module):
    db = mariadb_server
    db.root_sql("DROP TABLE %s.sys_sinkronisasi;" % PUBLIC)
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, language='en'))
    assert result['status'] == 'unknown'
    assert 'sys_sinkronisasi' in result['reason']


@pytest.mark.parametrize('args,text', [
    (dict(since='kemarin'), "since 'kemarin'"),
    (dict(since='2025-13-01 00:00:00'), 'YYYY-MM-DD'),
    (dict(max_age=0), 'max_age'),
    (dict(tables=[]), 'tables'),
    (dict(tables=['pihakweb`; DROP TABLE x; --']), 'tidak sah'),
])
def test_bad_options_fail_before_anything(mariadb_server, app, run_module, args, text):
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app, **args))
    assert result['failed'] is True
    assert text in result['msg'] and 'Tidak ada yang diperiksa' in result['msg']


def test_sipp_unreachable_fails(mariadb_server, tmp_path, run_module):
    db = mariadb_server
    www = tmp_path / 'www'
    www.mkdir()
    app = make_app(www, db, default=dict(password='wrong'))
    result, raw = run_module(sipp_sync_status.main, dict(app_path=app))
    assert result['failed'] is True
    assert 'Tidak dapat tersambung' in result['msg']
    assert_no_secret(db, raw)
