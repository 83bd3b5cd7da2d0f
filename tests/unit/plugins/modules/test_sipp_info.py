# -*- coding: utf-8 -*-
"""sipp_info: main() against the scratch MariaDB and a fake SIPP tree (fixtures in tests/unit/conftest.py)."""

from __future__ import (absolute_import, division, print_function)

import json
import os

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_db
from ansible_collections.pengadilan.sipp.plugins.modules import sipp_info


def php_single(value):
    return "'" + value.replace('\\', '\\\\').replace("'", "\\'") + "'"


def write_database_php(path, db, default=None, web=None, web_group='web', extra=''):
    default = dict(dict(hostname='127.0.0.1', port=db.port, username=db.app_user, password=db.app_password,
                        database='SIPP', char_set='latin1'), **(default or {}))
    web = dict(dict(hostname='127.0.0.1', port=db.port, username=db.web_user, password=db.web_password,
                    database='sipp_web'), **(web or {}))
    lines = ["<?php  if ( ! defined('BASEPATH')) exit('No direct script access allowed');",
             "$active_group = 'default';", "$active_record = TRUE;"]
    for key, value in default.items():
        lines.append("$db['default'][%s] = %s;" % (php_single(key), value if isinstance(value, int)
                                                   else php_single(value)))
    if web_group:
        lines.append("$db['%s'] = array(" % web_group)
        for key, value in web.items():
            lines.append("    %s => %s," % (php_single(key), value if isinstance(value, int) else php_single(value)))
        lines.append(");")
    lines.append(extra)
    with open(path, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')


def make_app(root, name, db, **kwargs):
    app = os.path.join(str(root), name)
    os.makedirs(os.path.join(app, 'application', 'config'))
    os.makedirs(os.path.join(app, 'system', 'core'))
    os.makedirs(os.path.join(app, 'resources', 'file', 'petitum'))
    with open(os.path.join(app, 'index.php'), 'w') as handle:
        handle.write('<?php require "system/core/CodeIgniter.php";\n')
    with open(os.path.join(app, 'resources', 'file', 'petitum', '2.pdf'), 'wb') as handle:
        handle.write(b'%PDF' + b'x' * 996)
    with open(os.path.join(app, 'resources', 'file', 'bas.pdf'), 'wb') as handle:
        handle.write(b'y' * 24)
    os.symlink('/etc', os.path.join(app, 'resources', 'file', 'link-not-followed'))
    write_database_php(os.path.join(app, 'application', 'config', 'database.php'), db, **kwargs)
    return app


def assert_no_secret(db, raw):
    for secret in (db.app_password, db.web_password):
        assert secret not in raw
        assert json.dumps(secret)[1:-1] not in raw


@pytest.fixture
def www(tmp_path):
    path = tmp_path / 'www'
    path.mkdir()
    return path


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_discovers_installation(mariadb_server, www, run_module, backend):
    db = mariadb_server
    app = make_app(www, 'SIPP311', db)
    args = dict(search_paths=[str(www)], db_client_backend=backend)
    result, raw = run_module(sipp_info.main, args)
    assert result.get('failed') is not True, result
    assert result['changed'] is False
    sipp = result['sipp']
    assert sipp['app_path'] == app
    assert sipp['app_folder'] == 'SIPP311'
    assert sipp['app_candidates'] == [app]
    assert sipp['version'] == '5.2.0'
    assert sipp['court'] == dict(nama='Pengadilan Negeri Bandung', kode_pn='PN.BDG', kode_satker='097734',
                                 idpn='123', nama_pt='Pengadilan Tinggi Bandung', jenis_pengadilan='1')
    database = sipp['database']
    assert database['name'] == 'SIPP'
    assert database['group'] == 'default'
    assert (database['host'], database['port'], database['socket']) == ('127.0.0.1', db.port, None)
    assert database['user'] == db.app_user
    assert database['tables'] == 2
    assert database['size_bytes'] > 0
    assert database['charset'] == 'latin1'
    assert database['client_charset'] == 'latin1'
    assert 'password' not in database
    assert sipp['uploads'] == dict(path=os.path.join(app, 'resources', 'file'), exists=True, size_bytes=1024,
                                   files=2)
    assert sipp['app_size_bytes'] >= 1024
    assert sipp['disk']['path'] == app
    assert 0 < sipp['disk']['free_bytes'] <= sipp['disk']['total_bytes']
    assert sipp['maintenance'] == dict(site_offline=False, message='Situs ini sedang dalam perbaikan')
    sync = sipp['sync']
    assert sync['status'] == 'ok' and sync['reachable'] is True and sync['error'] is None
    assert sync['database'] == 'sipp_web'
    assert len(sync['stamp']) == 19 and sync['stamp'][10] == 'T'
    assert 3590 <= sync['age_seconds'] < 2 * 3600  # set one hour back: about an hour, whatever the machine's speed
    assert sipp['db_backend'] == backend
    assert sipp['python_version']
    assert set(sipp['tools']) == {'zstd', 'rsync'} and all(isinstance(v, bool) for v in sipp['tools'].values())
    # where an upgrade from 5.2.0 would keep the old tree: beside the folder, nothing there yet
    assert sipp['previous_tree'] == dict(path=os.path.join(str(www), '.SIPP311.sipp-previous-5.2.0'), exists=False)
    assert_no_secret(db, raw)

    # check mode: same output
    checked, raw_checked = run_module(sipp_info.main, dict(args, _ansible_check_mode=True))
    assert_no_secret(db, raw_checked)
    assert checked['changed'] is False
    age, age_checked = sipp['sync'].pop('age_seconds'), checked['sipp']['sync'].pop('age_seconds')
    assert abs(age - age_checked) <= 2
    # free space moves with whatever else writes to the disk meanwhile
    free, free_checked = sipp['disk'].pop('free_bytes'), checked['sipp']['disk'].pop('free_bytes')
    assert abs(free - free_checked) < 512 * 1024 * 1024
    assert checked['sipp'] == sipp

    # a tree kept by an earlier upgrade from the same version is seen
    os.mkdir(os.path.join(str(www), '.SIPP311.sipp-previous-5.2.0'))
    again = run_module(sipp_info.main, args)[0]
    assert again['sipp']['previous_tree']['exists'] is True


def test_localhost_means_socket_and_login_overrides(mariadb_server, www, run_module, monkeypatch):
    db = mariadb_server
    monkeypatch.setattr(sipp_db, 'SOCKET_CANDIDATES', ['/nonexistent/mysqld.sock', db.socket])
    app = make_app(www, 'SIPP', db, default=dict(hostname='localhost', port=1, password='wrong'),
                   web=dict(hostname='localhost', port=1))
    result, raw = run_module(sipp_info.main, dict(app_path=app, search_paths=[], login_password=db.app_password,
                                                  gather_sizes=False, language='en'))
    assert result.get('failed') is not True, result
    database = result['sipp']['database']
    assert (database['host'], database['port'], database['socket']) == ('localhost', None, db.socket)
    assert result['sipp']['sync']['status'] == 'ok'
    assert result['sipp']['uploads']['size_bytes'] is None
    assert result['sipp']['app_size_bytes'] is None
    assert_no_secret(db, raw)


def test_no_app_found(www, run_module):
    result, raw = run_module(sipp_info.main, dict(search_paths=[str(www), '/nonexistent/place']))
    assert result['failed'] is True
    assert 'tidak ditemukan' in result['msg']
    assert str(www) in result['msg'] and '/nonexistent/place' in result['msg']
    result, raw = run_module(sipp_info.main, dict(search_paths=[str(www)], language='en'))
    assert 'No SIPP application folder found' in result['msg']


def test_app_path_not_an_app(www, run_module):
    result, raw = run_module(sipp_info.main, dict(app_path=str(www)))
    assert result['failed'] is True
    assert 'bukan folder aplikasi SIPP' in result['msg'] and 'index.php' in result['msg']


def test_unparsable_database_php(mariadb_server, www, run_module):
    db = mariadb_server
    app = make_app(www, 'SIPP', db)
    path = os.path.join(app, 'application', 'config', 'database.php')
    with open(path, 'a') as handle:
        handle.write("$db['default']['password'] = 'unterminated %s\n" % db.app_password)
    result, raw = run_module(sipp_info.main, dict(search_paths=[str(www)]))
    assert result['failed'] is True
    assert path in result['msg']
    assert 'baris' in result['msg']
    assert_no_secret(db, raw)


def test_interpolated_password(mariadb_server, www, run_module):
    db = mariadb_server
    app = make_app(www, 'SIPP', db, extra="$db['default']['password'] = \"Rahasia$Negara\";")
    result, raw = run_module(sipp_info.main, dict(app_path=app))
    assert result['failed'] is True
    assert "$db['default']['password']" in result['msg'] and 'tanda kutip tunggal' in result['msg']
    assert 'Rahasia' not in raw and 'Negara' not in raw
    assert_no_secret(db, raw)


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_database_unreachable_or_denied(mariadb_server, www, run_module, backend):
    db = mariadb_server
    bad = db.app_password + 'X'
    app = make_app(www, 'SIPP', db, default=dict(password=bad))
    result, raw = run_module(sipp_info.main, dict(app_path=app, db_client_backend=backend))
    assert result['failed'] is True
    assert 'Tidak dapat tersambung' in result['msg']
    assert db.app_user in result['msg'] and str(db.port) in result['msg']
    assert 'Access denied' in result['msg']
    assert bad not in raw
    assert_no_secret(db, raw)


def test_version_missing(mariadb_server, www, run_module):
    db = mariadb_server
    app = make_app(www, 'SIPP', db, default=dict(database='sipp_nover'))
    result, raw = run_module(sipp_info.main, dict(app_path=app))
    assert result['failed'] is True
    assert 'sys_config id 80' in result['msg'] and 'sipp_nover' in result['msg']


def test_several_candidates_choose_the_one_with_a_version(mariadb_server, www, run_module):
    db = mariadb_server
    make_app(www, 'SIPP', db, default=dict(database='sipp_nover'))
    good = make_app(www, 'SIPP311', db)
    result, raw = run_module(sipp_info.main, dict(search_paths=[str(www)]))
    assert result.get('failed') is not True, result
    assert result['sipp']['app_path'] == good
    assert result['sipp']['app_candidates'] == [os.path.join(str(www), 'SIPP'), good]
    # 2.16: a list of str; 2.19: a list of structured warnings: look at the text either way
    assert 'beberapa folder SIPP' in json.dumps(result.get('warnings'))


def test_a_candidate_whose_database_does_not_answer_is_not_waited_for(mariadb_server, www, run_module,
                                                                      monkeypatch):
    """An old copy whose database server no longer runs: with connect_wait, the one folder given is waited for (the
    server may be starting again), but among several folders the next one is tried at once."""
    from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_db

    pauses = []
    monkeypatch.setattr(sipp_db, '_pause', pauses.append)
    db = mariadb_server
    old = make_app(www, 'SIPP', db, default=dict(port=1))
    good = make_app(www, 'SIPP311', db)
    result, raw = run_module(sipp_info.main, dict(search_paths=[str(www)], connect_wait=2))
    assert result.get('failed') is not True and result['sipp']['app_path'] == good, result
    assert pauses == []
    # the one folder named: waited for (quick tries first), then the failure says so
    result, raw = run_module(sipp_info.main, dict(app_path=old, search_paths=[], connect_wait=2))
    # (the third pause is cut to what is left of connect_wait when the machine is slow)
    assert result['failed'] and pauses[:2] == [0.25, 0.5] and 0 < pauses[2] <= 1.0, (pauses, result)


def test_all_candidates_fail(mariadb_server, www, run_module):
    db = mariadb_server
    make_app(www, 'SIPP', db, default=dict(database='sipp_nover'))
    make_app(www, 'SIPP311', db, default=dict(password='nope'))
    result, raw = run_module(sipp_info.main, dict(search_paths=[str(www)]))
    assert result['failed'] is True
    assert 'SIPP311' in result['msg'] and 'sipp_nover' in result['msg']
    assert_no_secret(db, raw)


def test_sync_group_missing_is_not_a_failure(mariadb_server, www, run_module):
    db = mariadb_server
    app = make_app(www, 'SIPP', db, web_group=None)
    result, raw = run_module(sipp_info.main, dict(app_path=app, gather_sizes=False))
    assert result.get('failed') is not True, result
    sync = result['sipp']['sync']
    assert sync['status'] == 'unknown' and sync['reachable'] is None and sync['stamp'] is None
    assert "'web'" in sync['error']


def test_sync_unreachable(mariadb_server, www, run_module):
    db = mariadb_server
    app = make_app(www, 'SIPP', db, web=dict(port=1))
    result, raw = run_module(sipp_info.main, dict(app_path=app, gather_sizes=False, connect_timeout=2))
    assert result.get('failed') is not True, result
    sync = result['sipp']['sync']
    assert sync['status'] == 'unreachable' and sync['reachable'] is False
    assert sync['error']
    assert_no_secret(db, raw)


def test_sync_other_group_and_site_offline(mariadb_server, www, run_module):
    db = mariadb_server
    app = make_app(www, 'SIPP', db, web_group='publik')
    db.root_sql("UPDATE SIPP.sys_config SET value = '1' WHERE id = 6;")
    try:
        result, raw = run_module(sipp_info.main, dict(app_path=app, public_db_group='publik', gather_sizes=False))
    finally:
        db.root_sql("UPDATE SIPP.sys_config SET value = '0' WHERE id = 6;")
    assert result['sipp']['maintenance']['site_offline'] is True
    assert result['sipp']['sync']['status'] == 'ok'
    assert result['sipp']['sync']['group'] == 'publik'
