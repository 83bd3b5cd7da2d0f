# -*- coding: utf-8 -*-
"""sipp_maintenance: main() against the scratch MariaDB (tests/unit/conftest.py) and a fake SIPP tree.

Each test gets its own database ``maint_sipp`` (a copy of the fixture's SIPP.sys_config), so the shared ``SIPP``
database other tests read is never switched offline.
"""

from __future__ import (absolute_import, division, print_function)

import json
import os

import pytest

from ansible_collections.pengadilan.sipp.plugins.modules import sipp_maintenance

DB = 'maint_sipp'
UPGRADE_MESSAGE = 'Situs ini sedang dalam perbaikan: upgrade SIPP ke versi 5.3.0. Mohon tunggu.'


def php_single(value):
    return "'" + value.replace('\\', '\\\\').replace("'", "\\'") + "'"


def make_app(root, db, name='SIPP', database=DB):
    app = os.path.join(str(root), name)
    os.makedirs(os.path.join(app, 'application', 'config'))
    os.makedirs(os.path.join(app, 'system'))
    with open(os.path.join(app, 'index.php'), 'w') as handle:
        handle.write('<?php\n')
    lines = ["<?php", "$active_group = 'default';"]
    for key, value in (('hostname', '127.0.0.1'), ('port', db.port), ('username', db.app_user),
                       ('password', db.app_password), ('database', database), ('char_set', 'latin1')):
        lines.append("$db['default'][%s] = %s;" % (php_single(key), value if isinstance(value, int)
                                                   else php_single(value)))
    with open(os.path.join(app, 'application', 'config', 'database.php'), 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return app


def switch(db):
    """(SiteOffline, OfflineMessage) as the database holds them, read as root."""
    out = db.root_sql("SELECT id, value FROM %s.sys_config WHERE id IN (1, 6) ORDER BY id;" % DB)
    rows = dict(line.split('\t', 1) for line in out.splitlines()[1:])
    return rows.get('6'), rows.get('1')


def assert_no_secret(db, raw):
    assert db.app_password not in raw
    assert json.dumps(db.app_password)[1:-1] not in raw


@pytest.fixture
def app(mariadb_server, tmp_path):
    db = mariadb_server
    db.root_sql(
        "DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db} CHARACTER SET latin1;"
        "CREATE TABLE {db}.sys_config LIKE SIPP.sys_config;"
        "INSERT INTO {db}.sys_config SELECT * FROM SIPP.sys_config;"
        "GRANT ALL ON {db}.* TO '{user}'@'127.0.0.1';"
        "GRANT ALL ON {db}.* TO '{user}'@'localhost';".format(db=DB, user=db.app_user))
    www = tmp_path / 'www'
    www.mkdir()
    yield make_app(www, db)
    db.root_sql("DROP DATABASE IF EXISTS %s;" % DB)


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_offline_then_online_idempotent(mariadb_server, app, run_module, backend):
    db = mariadb_server
    base = dict(app_path=app, db_client_backend=backend)
    result, raw = run_module(sipp_maintenance.main, dict(base, state='offline', offline_message=UPGRADE_MESSAGE))
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    assert result['previous'] == dict(site_offline=False, message='Situs ini sedang dalam perbaikan')
    assert result['current'] == dict(site_offline=True, message=UPGRADE_MESSAGE)
    assert result['state'] == 'offline' and result['method'] == 'sys_config'
    assert result['app_path'] == app and result['version'] == '5.2.0'
    assert 'dalam pemeliharaan' in result['msg']
    assert switch(db) == ('1', UPGRADE_MESSAGE)
    assert_no_secret(db, raw)

    again, raw = run_module(sipp_maintenance.main, dict(base, state='offline', offline_message=UPGRADE_MESSAGE))
    assert again['changed'] is False
    assert again['previous'] == again['current'] == dict(site_offline=True, message=UPGRADE_MESSAGE)
    assert 'tidak ada yang diubah' in again['msg']

    online, raw = run_module(sipp_maintenance.main, dict(base, state='online', language='en'))
    assert online['changed'] is True
    assert online['current'] == dict(site_offline=False, message=UPGRADE_MESSAGE)
    assert 'online' in online['msg']
    assert switch(db) == ('0', UPGRADE_MESSAGE)

    again, raw = run_module(sipp_maintenance.main, dict(base, state='online'))
    assert again['changed'] is False


def test_check_mode_changes_nothing(mariadb_server, app, run_module):
    db = mariadb_server
    result, raw = run_module(sipp_maintenance.main, dict(app_path=app, state='offline', offline_message=UPGRADE_MESSAGE,
                                                         _ansible_check_mode=True, _ansible_diff=True))
    assert result.get('failed') is not True, result
    assert result['changed'] is True
    assert result['current'] == dict(site_offline=True, message=UPGRADE_MESSAGE)
    assert result['diff']['before'] == dict(site_offline=False, message='Situs ini sedang dalam perbaikan')
    assert result['diff']['after'] == result['current']
    assert 'Mode periksa' in result['msg']
    assert switch(db) == ('0', 'Situs ini sedang dalam perbaikan')

    # nothing to change: check mode says so too
    result, raw = run_module(sipp_maintenance.main, dict(app_path=app, state='online', _ansible_check_mode=True))
    assert result['changed'] is False


def test_message_alone_changes_and_switch_alone_keeps_message(mariadb_server, app, run_module):
    db = mariadb_server
    result, raw = run_module(sipp_maintenance.main, dict(app_path=app, state='online', offline_message='Pesan baru'))
    assert result['changed'] is True
    assert switch(db) == ('0', 'Pesan baru')
    result, raw = run_module(sipp_maintenance.main, dict(app_path=app, state='offline'))
    assert result['changed'] is True
    assert result['current'] == dict(site_offline=True, message='Pesan baru')
    assert switch(db) == ('1', 'Pesan baru')


def test_unusual_switch_value_is_normalised(mariadb_server, app, run_module):
    db = mariadb_server
    db.root_sql("UPDATE %s.sys_config SET value = '' WHERE id = 6;" % DB)
    result, raw = run_module(sipp_maintenance.main, dict(app_path=app, state='online'))
    assert result['previous']['site_offline'] is False
    assert result['changed'] is True
    assert switch(db)[0] == '0'


def test_row_missing_fails_and_changes_nothing(mariadb_server, app, run_module):
    db = mariadb_server
    db.root_sql("DELETE FROM %s.sys_config WHERE id = 1;" % DB)
    result, raw = run_module(sipp_maintenance.main,
                             dict(app_path=app, state='offline', offline_message=UPGRADE_MESSAGE))
    assert result['failed'] is True
    assert 'sys_config id 1 (OfflineMessage)' in result['msg'] and 'Tidak ada yang diubah' in result['msg']
    assert switch(db) == ('0', None)
    # without a message, row 1 is not needed
    result, raw = run_module(sipp_maintenance.main, dict(app_path=app, state='offline', language='en'))
    assert result.get('failed') is not True, result
    assert result['current'] == dict(site_offline=True, message=None)


def test_message_too_long(mariadb_server, app, run_module):
    db = mariadb_server
    result, raw = run_module(sipp_maintenance.main,
                             dict(app_path=app, state='offline', offline_message='x' * 256, language='en'))
    assert result['failed'] is True
    assert '256 characters' in result['msg'] and 'Nothing was changed' in result['msg']
    assert switch(db)[0] == '0'


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_characters_outside_latin1_refused(mariadb_server, app, run_module, backend):
    db = mariadb_server
    result, raw = run_module(sipp_maintenance.main, dict(app_path=app, state='offline',
                                                         offline_message=u'Perbaikan \u2603 sebentar',
                                                         db_client_backend=backend))
    assert result['failed'] is True
    assert u'\u2603' in result['msg'] and 'Tidak ada yang diubah' in result['msg']
    assert switch(db) == ('0', 'Situs ini sedang dalam perbaikan')
    # latin1 letters are fine
    result, raw = run_module(sipp_maintenance.main, dict(app_path=app, state='offline',
                                                         offline_message=u'Perbaikan caf\u00e9',
                                                         db_client_backend=backend))
    assert result.get('failed') is not True, result
    assert result['current']['message'] == u'Perbaikan caf\u00e9'
    # stored as asked: no warning that the saved message differs from the requested one
    assert 'tidak sama' not in json.dumps(result.get('warnings'))


def test_update_denied_says_what_state_it_is_in(mariadb_server, app, run_module):
    db = mariadb_server
    db.root_sql("REVOKE ALL ON {db}.* FROM '{user}'@'127.0.0.1';"
                "GRANT SELECT ON {db}.* TO '{user}'@'127.0.0.1';".format(db=DB, user=db.app_user))
    result, raw = run_module(sipp_maintenance.main,
                             dict(app_path=app, state='offline', offline_message=UPGRADE_MESSAGE))
    assert result['failed'] is True
    assert 'tidak dapat diubah' in result['msg']
    assert 'aktif (SiteOffline=0)' in result['msg']
    assert db.app_user in result['msg']
    assert switch(db) == ('0', 'Situs ini sedang dalam perbaikan')
    assert_no_secret(db, raw)


def test_sipp_unreachable_fails(mariadb_server, tmp_path, run_module):
    db = mariadb_server
    www = tmp_path / 'www'
    www.mkdir()
    app = make_app(www, db, database='no_such_db')
    result, raw = run_module(sipp_maintenance.main, dict(app_path=app, state='offline'))
    assert result['failed'] is True
    assert 'Tidak dapat tersambung' in result['msg']
    assert_no_secret(db, raw)
