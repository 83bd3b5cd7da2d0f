# -*- coding: utf-8 -*-
"""sipp_db_backup: main() against the scratch MariaDB (tests/unit/conftest.py) and a fake SIPP tree.

The database (its app user's password holds quotes, $, \\, # and spaces) is built by test_sipp_dump.make_db.
"""

from __future__ import (absolute_import, division, print_function)

import hashlib
import json
import os
import stat
import sys

import pytest

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
