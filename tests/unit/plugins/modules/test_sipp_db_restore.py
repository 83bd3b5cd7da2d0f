# -*- coding: utf-8 -*-
"""sipp_db_restore: main() against the scratch MariaDB (tests/unit/conftest.py): full, per-table and auto restores of
a dump made by sipp_db_backup, proved with the manifest's checksums."""

from __future__ import (absolute_import, division, print_function)

import json
import os
import sys

import pytest

from ansible_collections.pengadilan.sipp.plugins.modules import sipp_db_backup, sipp_db_restore

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'module_utils'))
import test_sipp_dump as dumpdb  # noqa: E402
from test_sipp_db_backup import assert_no_secret, make_app  # noqa: E402

DB = 'sipp_rs_unit'


@pytest.fixture(scope='module')
def rsdb(mariadb_server):
    dumpdb.make_db(mariadb_server, DB)
    return mariadb_server


@pytest.fixture
def made(rsdb, tmp_path, run_module):
    """A fresh database, its application folder and a backup of it: (app, dest, manifest)."""
    dumpdb.make_db(rsdb, DB)
    return backed_up(rsdb, tmp_path, run_module)


def backed_up(rsdb, tmp_path, run_module):
    """The database's application folder and a backup of it: (app, dest, manifest, backup result)."""
    www = tmp_path / 'www'
    www.mkdir()
    app = make_app(www, rsdb, DB)
    dest = str(tmp_path / 'backups' / 'SIPP-x' / 'database.sql.zst')
    result, raw = run_module(sipp_db_backup.main, dict(app_path=app, dest=dest))
    assert result.get('failed') is not True, result
    with open(result['backup']['manifest']) as handle:
        return app, dest, json.load(handle), result['backup']


@pytest.mark.parametrize('backend', ['pymysql', 'cli'])
def test_full_restore_after_damage(rsdb, made, run_module, backend):
    app, dest, manifest, b = made
    dumpdb.damage(rsdb, DB)
    dumpdb.app_sql(rsdb, DB, "DROP VIEW v_perkara")
    assert dumpdb.sums(rsdb, DB) != manifest['tables']
    result, raw = run_module(sipp_db_restore.main,
                             dict(app_path=app, src=dest, sha256=b['sha256'], db_client_backend=backend))
    assert result.get('failed') is not True, result
    r = result['restore']
    assert result['changed'] is True and r['mode'] == 'full' and r['verified'] is True and r['differences'] == []
    assert sorted(r['tables_restored']) == sorted(manifest['tables']) and r['views_restored'] is True
    assert dumpdb.sums(rsdb, DB) == manifest['tables']
    # the root-made view came back (its DEFINER became the restoring user) and the trigger too
    assert dumpdb.app_sql(rsdb, DB, "SELECT n FROM v_root")[0][0] == manifest['tables']['perkara']['rows']
    assert dumpdb.app_sql(rsdb, DB, "SELECT COUNT(*) FROM v_perkara")[0][0] == manifest['tables']['perkara']['rows']
    assert dumpdb.app_sql(rsdb, DB, "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE "
                                    "TRIGGER_SCHEMA = '%s'" % DB)[0][0] == 1
    assert_no_secret(rsdb, raw)


def test_explicit_tables_restore_only_those(rsdb, made, run_module):
    app, dest, manifest, b = made
    dumpdb.damage(rsdb, DB)
    damaged = dumpdb.sums(rsdb, DB)
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, tables=['perkara_pihak1']))
    assert result.get('failed') is not True, result
    r = result['restore']
    assert r['mode'] == 'tables' and r['tables_restored'] == ['perkara_pihak1'] and r['verified'] is True
    now = dumpdb.sums(rsdb, DB)
    assert now['perkara_pihak1'] == manifest['tables']['perkara_pihak1']
    assert now['perkara'] == damaged['perkara'] != manifest['tables']['perkara']


def test_auto_restores_what_changed_and_drops_new_tables(rsdb, made, run_module):
    app, dest, manifest, b = made
    definers = "SELECT TABLE_NAME, DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '%s' ORDER BY 1" % DB
    views_before = dumpdb.app_sql(rsdb, DB, definers)
    # what a failed migration does: a column renamed, a table created, rows changed
    dumpdb.app_sql(rsdb, DB, "ALTER TABLE perkara CHANGE pihak1_text pihak1_nama TEXT")
    dumpdb.app_sql(rsdb, DB, "CREATE TABLE perkara_elektronik (id INT PRIMARY KEY)")
    dumpdb.app_sql(rsdb, DB, "UPDATE sys_config SET value = '5.3.0' WHERE id = 80")

    plan, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, tables='auto', drop_new_tables=True,
                                                      _ansible_check_mode=True))
    assert plan.get('failed') is not True, plan
    assert plan['changed'] is True
    assert sorted(plan['restore']['tables_restored']) == ['perkara', 'sys_config']
    assert plan['restore']['tables_dropped'] == ['perkara_elektronik']
    assert 'perkara_elektronik' in dumpdb.sums(rsdb, DB)  # nothing changed in check mode

    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, tables='auto', drop_new_tables=True,
                                                        language='en'))
    assert result.get('failed') is not True, result
    r = result['restore']
    assert sorted(r['tables_restored']) == ['perkara', 'sys_config'] and r['tables_dropped'] == ['perkara_elektronik']
    assert r['verified'] is True and r['differences'] == [] and r['extra_tables'] == []
    assert dumpdb.sums(rsdb, DB) == manifest['tables']
    # the views' definitions did not change: they are left alone, so a root-made view keeps its DEFINER
    assert r['views_restored'] is False and dumpdb.app_sql(rsdb, DB, definers) == views_before
    assert any(d.startswith('root@') for _n, d in views_before)

    again, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, tables='auto', drop_new_tables=True))
    assert again['changed'] is False and again['restore']['verified'] is True


def test_wrong_sha256_changes_nothing(rsdb, made, run_module):
    app, dest, manifest, b = made
    dumpdb.damage(rsdb, DB)
    damaged = dumpdb.sums(rsdb, DB)
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, sha256='0' * 64))
    assert result['failed'] is True and 'sha256' in result['msg'] and 'Tidak ada yang diubah' in result['msg']
    assert dumpdb.sums(rsdb, DB) == damaged
    # a damaged file: the manifest's sha256 refuses it
    with open(dest, 'r+b') as handle:
        handle.seek(100)
        handle.write(b'XXXX')
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, language='en'))
    assert result['failed'] is True and 'damaged' in result['msg'] and 'Nothing was changed' in result['msg']
    assert dumpdb.sums(rsdb, DB) == damaged


def test_dropping_a_backed_up_table_without_restoring_it_is_refused(rsdb, made, run_module):
    app, dest, manifest, b = made
    result, raw = run_module(sipp_db_restore.main,
                             dict(app_path=app, src=dest, tables=['sys_config'], drop_tables=['perkara']))
    assert result['failed'] is True and 'perkara' in result['msg'] and 'Tidak ada yang diubah' in result['msg']
    assert dumpdb.sums(rsdb, DB) == manifest['tables']


def test_unknown_table_and_missing_manifest(rsdb, made, run_module):
    app, dest, manifest, b = made
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, tables=['nope']))
    assert result['failed'] is True and 'nope' in result['msg']
    os.rename(dest + '.manifest.json', dest + '.moved')
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest))
    assert result['failed'] is True and 'verify=true' in result['msg']
    # without a manifest nor verification: the dump's end marker is checked, then it is restored
    dumpdb.damage(rsdb, DB)
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, verify=False))
    assert result.get('failed') is not True, result
    assert result['restore']['verified'] is None
    assert dumpdb.sums(rsdb, DB) == manifest['tables']


def test_keeping_foreign_definers_needs_super(rsdb, made, run_module):
    app, dest, manifest, b = made
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, definers='keep'))
    assert result['failed'] is True
    assert 'tahap client' in result['msg'] and ('SUPER' in result['msg'] or 'denied' in result['msg'])
    assert 'aman diulang' in result['msg']
    assert_no_secret(rsdb, raw)
    # and running it again the default way repairs everything
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest))
    assert result.get('failed') is not True, result
    assert dumpdb.sums(rsdb, DB) == manifest['tables']


def _definers(db):
    return dict((r[0], r[1]) for r in dumpdb.app_sql(db, DB, (
        "SELECT CONCAT('view ', TABLE_NAME), DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '{0}' UNION "
        "SELECT CONCAT('trigger ', TRIGGER_NAME), DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{0}' "
        "UNION SELECT CONCAT('procedure ', ROUTINE_NAME), DEFINER FROM information_schema.ROUTINES "
        "WHERE ROUTINE_SCHEMA = '{0}'").format(DB)))


@pytest.fixture
def objects_made(rsdb, tmp_path, run_module):
    """A database with a root-made view (v_root), a trigger and a root-made procedure, backed up. The login user may
    read the procedure's body (SELECT on mysql.proc): without it, mariadb-dump refuses to dump a routine of another
    definer at all."""
    dumpdb.make_db(rsdb, DB)
    rsdb.root_sql("CREATE DEFINER='root'@'localhost' PROCEDURE `%s`.hitung() SELECT COUNT(*) FROM `%s`.perkara;\n"
                  "GRANT SELECT ON mysql.proc TO '%s'@'localhost';\nGRANT SELECT ON mysql.proc TO '%s'@'127.0.0.1';"
                  % (DB, DB, rsdb.app_user, rsdb.app_user))
    app, dest, manifest, _b = backed_up(rsdb, tmp_path, run_module)
    assert {'view v_root', 'view v_perkara', 'trigger trg_perkara', 'procedure hitung'} <= set(manifest['objects'])
    assert manifest['objects']['view v_root']['definer'].startswith('root@')
    return app, dest, manifest


def test_a_replaced_view_and_routine_are_proved_with_their_definers(rsdb, objects_made, run_module):
    """What a migration run as SIPP's own user does to root-made objects, undone: without SUPER the definitions
    come back and the result says plainly which DEFINER could not be kept; with SUPER they come back as they were."""
    app, dest, manifest = objects_made
    before = _definers(rsdb)
    user = dumpdb.app_sql(rsdb, DB, "SELECT CURRENT_USER()")[0][0]

    def migrate():
        dumpdb.app_sql(rsdb, DB, "CREATE OR REPLACE VIEW v_root AS SELECT COUNT(*) + 1 AS n FROM perkara")
        dumpdb.app_sql(rsdb, DB, "CREATE VIEW v_baru AS SELECT 1 AS satu")
        dumpdb.app_sql(rsdb, DB, "DROP PROCEDURE hitung")
        dumpdb.app_sql(rsdb, DB, "CREATE PROCEDURE hitung() SELECT COUNT(*) + 1 FROM perkara")

    migrate()
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, tables='auto', drop_new_tables=True,
                                                        language='en'))
    assert result.get('failed') is not True, result
    r = result['restore']
    assert r['verified'] is True and r['differences'] == [], r['differences']
    assert r['views_restored'] is True and r['routines_restored'] is True and r['objects_dropped'] == ['view v_baru']
    assert dumpdb.app_sql(rsdb, DB, "SELECT n FROM v_root")[0][0] == manifest['tables']['perkara']['rows']
    assert {(d['object'], d['expected'].split('@')[0], d['actual']) for d in r['definers_not_kept']} == {
        ('view v_root', 'root', user), ('procedure hitung', 'root', user)}
    assert 'could not be kept' in r['definers_note'] and 'view v_root (root@' in r['definers_note']
    assert 'could not be kept' in json.dumps(result.get('warnings')), result.get('warnings')
    # run again: nothing to mend, and still said
    again, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, tables='auto', drop_new_tables=True))
    assert again['changed'] is False and again['restore']['verified'] is True
    assert 'tidak dapat dipertahankan' in again['restore']['definers_note']

    # a login user that may set any DEFINER keeps them all
    host = user.split('@')[1]
    rsdb.root_sql("GRANT SUPER ON *.* TO '%s'@'%s';" % (rsdb.app_user, host))
    try:
        migrate()
        result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, tables='auto',
                                                            drop_new_tables=True))
        r = result['restore']
        assert result.get('failed') is not True and r['verified'] is True, result
        assert r['definers_not_kept'] == [] and r['definers_note'] == ''
        assert _definers(rsdb) == before
    finally:
        rsdb.root_sql("REVOKE SUPER ON *.* FROM '%s'@'%s';" % (rsdb.app_user, host))


def test_an_object_that_cannot_be_mended_fails_the_proof(rsdb, objects_made, run_module):
    """A routine changed but restored only table by table (routines=keep): the proof names it, not "identical"."""
    app, dest, manifest = objects_made
    dumpdb.app_sql(rsdb, DB, "DROP PROCEDURE hitung")
    dumpdb.app_sql(rsdb, DB, "CREATE PROCEDURE hitung() SELECT 2")
    result, raw = run_module(sipp_db_restore.main, dict(app_path=app, src=dest, tables='auto', routines='keep'))
    assert result['failed'] is True and 'procedure hitung' in result['msg']
    assert [(d['table'], d['problem']) for d in result['restore']['differences']] == [
        ('procedure hitung', 'object_definition')]
