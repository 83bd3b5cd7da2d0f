# -*- coding: utf-8 -*-
"""sipp_snapshot: main() against the scratch MariaDB (tests/unit/conftest.py) and a fake SIPP tree.

The database ``snap_sipp`` is SIPP 5.0.0's schema (the simulator's SQL) with a few cases and sys_config rows.
"""

from __future__ import (absolute_import, division, print_function)

import datetime
import json
import os
import stat

import pytest

from ansible_collections.pengadilan.sipp.plugins.modules import sipp_snapshot

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
SCHEMA = os.path.join(REPO_ROOT, 'sim', 'sippsim', 'releases', '5.0.0', 'sql', '000_schema.sql')
DB = 'snap_sipp'


def php_single(value):
    return "'" + value.replace('\\', '\\\\').replace("'", "\\'") + "'"


def make_app(root, db, name='SIPP'):
    app = os.path.join(str(root), name)
    os.makedirs(os.path.join(app, 'application', 'config'))
    os.makedirs(os.path.join(app, 'system', 'core'))
    with open(os.path.join(app, 'index.php'), 'w') as handle:
        handle.write('<?php require "system/core/CodeIgniter.php";\n')
    values = dict(hostname='127.0.0.1', port=db.port, username=db.app_user, password=db.app_password, database=DB,
                  char_set='latin1')
    lines = ["<?php  if ( ! defined('BASEPATH')) exit('No direct script access allowed');",
             "$active_group = 'default';"]
    for key, value in values.items():
        lines.append("$db['default'][%s] = %s;" % (php_single(key), value if isinstance(value, int)
                                                   else php_single(value)))
    with open(os.path.join(app, 'application', 'config', 'database.php'), 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    return app


SEED_SQL = """
INSERT INTO sys_config (id, category, name, value, ordering) VALUES
 (1, 'System', 'OfflineMessage', 'Situs ini sedang dalam perbaikan', 1), (6, 'System', 'SiteOffline', '0', 6),
 (80, 'System', 'app_version', '5.0.0', 80);
INSERT INTO perkara (perkara_id, alur_perkara_id, tanggal_pendaftaran, jenis_perkara_id, jenis_perkara_nama,
 nomor_urut_perkara, nomor_perkara) VALUES
 (1, 1, '2024-11-05', 1, 'Gugatan', 1, '1/Pdt.G/2024/PN Uji'),
 (2, 1, '2025-02-10', 1, 'Gugatan', 1, '1/Pdt.G/2025/PN Uji'),
 (3, 2, '2025-03-03', 2, 'Permohonan', 1, '1/Pdt.P/2025/PN Uji'),
 (4, 111, '2025-03-20', 111, 'Pidana Biasa', 1, '1/Pid.B/2025/PN Uji');
INSERT INTO perkara_putusan (perkara_id, tanggal_putusan, tanggal_minutasi) VALUES
 (1, '2025-03-10', '2025-03-15'), (3, '2025-03-25', NULL);
INSERT INTO perkara_penetapan (perkara_id, penetapan_majelis_hakim) VALUES
 (1, '2024-11-10'), (2, '2025-02-12'), (3, '2025-03-05');
"""


@pytest.fixture(scope='module')
def snapdb(mariadb_server):
    db = mariadb_server
    db.root_sql('DROP DATABASE IF EXISTS %s; CREATE DATABASE %s CHARACTER SET latin1;' % (DB, DB))
    db.source(SCHEMA, DB)
    db.root_sql('USE %s;\n%s' % (DB, SEED_SQL))
    for host in ('localhost', '127.0.0.1'):
        db.root_sql("GRANT ALL ON %s.* TO '%s'@'%s';" % (DB, db.app_user, host))
    return db


@pytest.fixture
def app(tmp_path, snapdb):
    www = tmp_path / 'www'
    www.mkdir()
    return make_app(www, snapdb)


def assert_no_secret(db, raw):
    assert db.app_password not in raw
    assert json.dumps(db.app_password)[1:-1] not in raw


def base_args(app, **kw):
    args = dict(app_path=app, year=2025, month=3)
    args.update(kw)
    return args


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_snapshot_figures(snapdb, app, run_module, backend):
    result, raw = run_module(sipp_snapshot.main, base_args(app, db_client_backend=backend))
    assert result.get('failed') is not True, result
    assert result['changed'] is False and result['equal'] is None and result['differences'] == []
    snap = result['snapshot']
    assert snap['version'] == '5.0.0' and snap['database'] == DB and snap['app_path'] == app
    assert snap['site_offline'] is False
    assert 'SiteOffline' in json.dumps(result.get('warnings')), result.keys()
    assert snap['kinerja'] == dict(tahun=2025, masuk=3, sisa=1, minutasi=1, kinerja=25.0)
    rincian = dict((r['jenis_perkara_id'], r) for r in snap['lipa1']['rincian'])
    assert rincian[1] == dict(jenis_perkara_id=1, jenis_perkara_nama='Gugatan', sisa_bulan_lalu=2, diterima=0,
                              diputus=1, sisa_akhir=1, belum_dibagi=0, belum_diputus=1)
    assert rincian[2]['diterima'] == 1 and rincian[2]['diputus'] == 1 and rincian[2]['sisa_akhir'] == 0
    assert rincian[111]['belum_dibagi'] == 1
    assert snap['lipa1']['jumlah']['diterima'] == 2
    assert snap['case_counts']['perkara'] == 4 and snap['case_counts']['perkara_putusan'] == 2
    assert snap['tables']['perkara']['rows'] == 4
    assert 'v_perkara_dashboard' not in snap['tables']
    assert sorted(snap['structures']) == sorted(snap['tables'])
    assert_no_secret(snapdb, raw)


def test_default_period_is_today(snapdb, app, run_module):
    result = run_module(sipp_snapshot.main, dict(app_path=app, tables=['sys_config']))[0]
    today = datetime.date.today()
    assert result['snapshot']['lipa1']['tahun'] == today.year
    assert result['snapshot']['lipa1']['bulan'] == today.month
    assert result['snapshot']['kinerja']['tahun'] == today.year
    assert list(result['snapshot']['tables']) == ['sys_config']
    assert list(result['snapshot']['structures']) == ['sys_config']


def test_compared_snapshot_gives_its_period_when_none_is_asked(snapdb, app, run_module, tmp_path):
    """Verification compares the figures of the month the snapshot before the upgrade took (also across midnight
    at a month's end), without reading that file first."""
    first = str(tmp_path / 'before.json')
    run_module(sipp_snapshot.main, dict(app_path=app, tables=['sys_config'], year=2025, month=3, dest=first))
    again = run_module(sipp_snapshot.main, dict(app_path=app, tables=['sys_config'], compare_to=first))[0]
    assert (again['snapshot']['lipa1']['tahun'], again['snapshot']['lipa1']['bulan']) == (2025, 3)
    assert again['snapshot']['kinerja']['tahun'] == 2025 and again['equal'] is True
    asked = run_module(sipp_snapshot.main, dict(app_path=app, tables=['sys_config'], compare_to=first, month=4))[0]
    assert asked['snapshot']['lipa1']['bulan'] == 4 and asked['equal'] is False


def test_dest_written_0600_and_idempotent(snapdb, app, run_module, tmp_path):
    dest = str(tmp_path / 'new' / 'deeper' / 'snap.json')
    # check mode: predicts the change, writes nothing
    checked = run_module(sipp_snapshot.main, base_args(app, dest=dest, _ansible_check_mode=True))[0]
    assert checked['changed'] is True and not os.path.exists(str(tmp_path / 'new'))

    result = run_module(sipp_snapshot.main, base_args(app, dest=dest))[0]
    assert result['changed'] is True and result['dest'] == dest
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(tmp_path / 'new')).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(str(tmp_path / 'new' / 'deeper')).st_mode) == 0o700
    with open(dest) as handle:
        saved = json.load(handle)
    assert saved == result['snapshot']

    again = run_module(sipp_snapshot.main, base_args(app, dest=dest))[0]
    assert again['changed'] is False
    os.chmod(dest, 0o644)
    fixed = run_module(sipp_snapshot.main, base_args(app, dest=dest))[0]
    assert fixed['changed'] is True and stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert os.listdir(os.path.dirname(dest)) == ['snap.json']


def test_compare_detects_one_changed_row(snapdb, app, run_module, tmp_path):
    first = str(tmp_path / 'before.json')
    second = str(tmp_path / 'after.json')
    run_module(sipp_snapshot.main, base_args(app, dest=first))
    same = run_module(sipp_snapshot.main, base_args(app, compare_to=first))[0]
    assert same['equal'] is True and same['differences'] == []

    snapdb.root_sql("UPDATE %s.perkara SET pihak1_text = 'diubah' WHERE perkara_id = 2;" % DB)
    try:
        diff = run_module(sipp_snapshot.main, base_args(app, compare_to=first, language='en'))[0]
        assert diff['equal'] is False
        assert [(d['kind'], d['table']) for d in diff['differences']] == [('checksum', 'perkara')]
        assert diff['differences'][0]['text'].startswith('table perkara changed')

        ignored = run_module(sipp_snapshot.main, base_args(app, compare_to=first, ignore_tables=['perkara']))[0]
        assert ignored['equal'] is True and ignored['differences'] == []

        failed, raw = run_module(sipp_snapshot.main, base_args(app, compare_to=first, dest=second,
                                                               fail_on_difference=True, language='en'))
        assert failed['failed'] is True and failed['equal'] is False
        assert 'perkara' in failed['msg'] and 'changed no data' in failed['msg'] and second in failed['msg']
        assert failed['changed'] is True and os.path.exists(second)
        assert_no_secret(snapdb, raw)
    finally:
        snapdb.root_sql("UPDATE %s.perkara SET pihak1_text = NULL WHERE perkara_id = 2;" % DB)


def test_compare_detects_a_renamed_column(snapdb, app, run_module, tmp_path):
    """A column renamed, its type and the rows unchanged (a failed migration): the checksum is equal, the table's
    definition is not, and that is reported."""
    first = str(tmp_path / 'before.json')
    saved = run_module(sipp_snapshot.main, base_args(app, dest=first))[0]
    rename = "ALTER TABLE %s.perkara CHANGE %s %s VARCHAR(500) DEFAULT NULL;"
    snapdb.root_sql(rename % (DB, 'pihak1_text', 'pihak1_nama'))
    try:
        diff = run_module(sipp_snapshot.main, base_args(app, compare_to=first, language='en'))[0]
        ignored = run_module(sipp_snapshot.main, base_args(app, compare_to=first, ignore_tables=['perkara']))[0]
    finally:
        snapdb.root_sql(rename % (DB, 'pihak1_nama', 'pihak1_text'))
    assert diff['snapshot']['tables'] == saved['snapshot']['tables']  # CHECKSUM TABLE does not see it
    assert diff['equal'] is False
    assert [(d['kind'], d['table']) for d in diff['differences']] == [('structure', 'perkara')]
    assert diff['differences'][0]['error'] is True
    assert diff['differences'][0]['text'].startswith('table perkara changed its definition')
    assert diff['differences'][0]['after'] == diff['snapshot']['structures']['perkara']
    assert ignored['equal'] is True and ignored['differences'] == []


def test_compare_reports_figures_rows_and_new_tables(snapdb, app, run_module, tmp_path):
    first = str(tmp_path / 'before.json')
    run_module(sipp_snapshot.main, base_args(app, dest=first))
    snapdb.root_sql("USE %s; INSERT INTO perkara (perkara_id, alur_perkara_id, tanggal_pendaftaran, "
                    "jenis_perkara_id, jenis_perkara_nama, nomor_urut_perkara, nomor_perkara) VALUES "
                    "(5, 1, '2025-03-21', 1, 'Gugatan', 2, '2/Pdt.G/2025/PN Uji');"
                    "CREATE TABLE perkara_baru (id INT PRIMARY KEY);" % DB)
    try:
        result = run_module(sipp_snapshot.main, base_args(app, compare_to=first, ignore_tables=['perkara']))[0]
    finally:
        snapdb.root_sql('USE %s; DELETE FROM perkara WHERE perkara_id = 5; DROP TABLE perkara_baru;' % DB)
    kinds = set((d['kind'], d.get('table') or d.get('figure')) for d in result['differences'])
    assert ('rows', 'perkara') in kinds  # a case table's row count, even when ignored
    assert ('figure', 'kinerja.masuk') in kinds and ('figure', 'lipa1.1.diterima') in kinds
    assert ('new_table', 'perkara_baru') in kinds
    assert result['equal'] is False
    new = [d for d in result['differences'] if d['kind'] == 'new_table'][0]
    assert new['error'] is False and 'baru' in new['text']


def test_tables_option_restricts_the_comparison(snapdb, app, run_module, tmp_path):
    first = str(tmp_path / 'full.json')
    run_module(sipp_snapshot.main, base_args(app, dest=first))
    result = run_module(sipp_snapshot.main, base_args(app, compare_to=first, tables=['perkara', 'sys_config']))[0]
    assert result['equal'] is True and result['differences'] == []
    assert sorted(result['snapshot']['tables']) == ['perkara', 'sys_config']


@pytest.mark.parametrize('content,key', [(None, 'does not exist'), ('{not json', 'not a sipp_snapshot'),
                                         ('[1, 2]', 'not a sipp_snapshot'), ('{"tables": {}}', 'missing: lipa1')])
def test_compare_to_problems(app, run_module, tmp_path, content, key):
    path = str(tmp_path / 'earlier.json')
    if content is not None:
        with open(path, 'w') as handle:
            handle.write(content)
    dest = str(tmp_path / 'out.json')
    result = run_module(sipp_snapshot.main, base_args(app, compare_to=path, dest=dest, language='en'))[0]
    assert result['failed'] is True
    assert key in result['msg'] and 'Nothing was read or changed' in result['msg'] and path in result['msg']
    assert not os.path.exists(dest)


def test_bad_month_and_dest_folder(app, run_module, tmp_path):
    result = run_module(sipp_snapshot.main, base_args(app, month=13))[0]
    assert result['failed'] is True and 'bulan' in result['msg'] and 'Tidak ada' in result['msg']
    folder = str(tmp_path / 'a-folder')
    os.mkdir(folder)
    result = run_module(sipp_snapshot.main, base_args(app, dest=folder, tables=['sys_config'], language='en'))[0]
    assert result['failed'] is True and 'cannot be saved' in result['msg'] and 'is a folder' in result['msg']
    assert result['changed'] is False and result['snapshot']['tables']['sys_config']['rows'] == 3


def test_site_error_is_reported(run_module, tmp_path):
    result = run_module(sipp_snapshot.main, dict(search_paths=[str(tmp_path)], language='en'))[0]
    assert result['failed'] is True and 'No SIPP application folder found' in result['msg']


def test_maintenance_no_warning(snapdb, app, run_module):
    snapdb.root_sql("UPDATE %s.sys_config SET value = '1' WHERE id = 6;" % DB)
    try:
        result = run_module(sipp_snapshot.main, base_args(app, tables=['sys_config']))[0]
    finally:
        snapdb.root_sql("UPDATE %s.sys_config SET value = '0' WHERE id = 6;" % DB)
    assert result['snapshot']['site_offline'] is True
    assert 'SiteOffline' not in json.dumps(result.get('warnings'))
