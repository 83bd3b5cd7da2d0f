# -*- coding: utf-8 -*-
"""sipp_backups: whose backup, which is newest and verified, what retention and the leftovers' owner remove, on real
folders. The times are given to the functions (``now``): the machine's clock is never touched."""

from __future__ import (absolute_import, division, print_function)

import json
import os
import time

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_backups as b

DAY = 86400
SERVER = dict(hostname='sipp-pn', machine_id='m-1')


def court(kode='097734', app='/var/www/html/SIPP', database='SIPP', server=None):
    return dict(kode_satker=kode, app_path=app, database=database, server=dict(server or SERVER),
                inventory_name='pn_x')


def make_backup(directory, identity, now, dump=b'-- dump\n-- Dump completed\n', app=True):
    """A backup as the backup role makes one: reserved, dump and manifest and app/ written, recorded verified."""
    made = b.reserve(str(directory), identity, now=now)
    folder = made['path']
    with open(os.path.join(folder, 'database.sql.zst'), 'wb') as handle:
        handle.write(dump)
    with open(os.path.join(folder, 'database.sql.zst.manifest.json'), 'w') as handle:
        handle.write('{}')
    if app:
        os.makedirs(os.path.join(folder, 'app', 'resources', 'file'))
        with open(os.path.join(folder, 'app', 'index.php'), 'w') as handle:
            handle.write('<?php\n')
    facts = dict(database=dict(dest='/elsewhere/database.sql.zst', size_bytes=len(dump),
                               sha256=b.sha256_file(os.path.join(folder, 'database.sql.zst'))),
                 app_files=1 if app else None, version='5.2.0')
    b.record_verified(folder, identity, facts, now=now + 30)
    return folder


def test_reserve_is_atomic_and_numbers_the_court_s_backups(tmp_path):
    me = court()
    now = 1796000000.0
    first = b.reserve(str(tmp_path), me, now=now)
    second = b.reserve(str(tmp_path), me, now=now)        # the same minute: its own folder, never the same one
    assert first['path'] != second['path'] and second['name'] == first['name'] + '-2'
    assert (first['sequence'], second['sequence']) == (1, 2)
    assert os.stat(first['path']).st_mode & 0o777 == 0o700
    record = json.load(open(os.path.join(first['path'], 'BACKUP.json')))
    assert record['state'] == 'in_progress' and record['verified'] is False
    assert record['owner']['kode_satker'] == '097734' and record['owner']['machine_id'] == 'm-1'
    assert os.stat(os.path.join(first['path'], 'BACKUP.json')).st_mode & 0o777 == 0o600


def test_newest_comes_from_the_record_not_the_name_nor_the_clock(tmp_path):
    me = court()
    now = 1796000000.0
    # made while the court's clock ran a year ahead: its name and its time are "later", its sequence is not
    ahead = make_backup(tmp_path, me, now + 365 * DAY)
    tonight = make_backup(tmp_path, me, now)
    found = b.scan(str(tmp_path), me, now=now + 60)
    assert [x['path'] for x in found['own']] == [tonight, ahead]
    assert b.newest_verified(found['own'])['path'] == tonight
    # a verified copy renamed by hand so that its name sorts last: the same backup, not a newer one
    copy = os.path.join(str(tmp_path), 'SIPP-097734-2999-12-31-2359')
    os.system('cp -a %s %s' % (ahead, copy))
    found = b.scan(str(tmp_path), me, now=now + 60)
    assert b.newest_verified(found['own'])['path'] == tonight
    renamed = [x for x in found['own'] if x['path'] == copy][0]
    assert renamed['renamed'] and renamed['verified']


def test_verified_means_the_dump_is_still_as_recorded(tmp_path):
    me = court()
    now = 1796000000.0
    older = make_backup(tmp_path, me, now - DAY)
    newer = make_backup(tmp_path, me, now)
    dump = os.path.join(newer, 'database.sql.zst')
    with open(dump, 'r+b') as handle:      # damaged after it was verified: cut to half
        handle.truncate(os.path.getsize(dump) // 2)
    found = b.scan(str(tmp_path), me, now=now + 60)
    assert b.newest_verified(found['own'])['path'] == older
    assert found['own'][0]['problems'][0][0] == 'p_dump_size'
    why = b.why_chosen('en', found['own'], b.newest_verified(found['own']))
    assert os.path.basename(older) in why and os.path.basename(newer) in why and 'bytes' in why
    unusable = b.unusable_text('en', found['own'])
    assert unusable.startswith(os.path.basename(newer) + ': the dump') and os.path.basename(older) not in unusable
    # the same size, other bytes: only the sha256 check sees it
    with open(os.path.join(older, 'database.sql.zst'), 'r+b') as handle:
        handle.write(b'X')
    assert b.newest_verified(b.scan(str(tmp_path), me, now=now + 60, check='size')['own'])['path'] == older
    assert b.newest_verified(b.scan(str(tmp_path), me, now=now + 60, check='sha256')['own']) is None


def test_a_shared_folder_keeps_each_court_to_its_own(tmp_path):
    now = 1796000000.0
    bekasi = court(kode='111', app='/var/www/html/SIPP')
    bogor = court(kode='222', app='/var/www/html/SIPP', server=dict(hostname='sipp-bogor', machine_id='m-2'))
    # the same kode satker copied by mistake, on another server
    twin = court(kode='111', app='/var/www/html/SIPP', server=dict(hostname='sipp-twin', machine_id='m-3'))
    mine = make_backup(tmp_path, bekasi, now)
    theirs = make_backup(tmp_path, bogor, now + 600)
    twins = make_backup(tmp_path, twin, now + 1200)
    assert mine != twins
    found = b.scan(str(tmp_path), bekasi, now=now + 2000)
    assert [x['path'] for x in found['own']] == [mine]
    assert sorted(o['path'] for o in found['others']) == sorted([theirs, twins])
    assert [o['why'][0] for o in found['others'] if o['path'] == twins] == ['w_server']
    # retention of one court never touches another's, whatever it keeps
    decided = b.plan(str(tmp_path), bekasi, keep=1, now=now + 2000)
    assert decided['remove'] == []
    make_backup(tmp_path, bekasi, now + 3000)
    decided = b.plan(str(tmp_path), bekasi, keep=1, now=now + 4000)
    assert decided['remove'] == [(mine, 'retention')]


def test_retention_never_removes_what_this_run_a_lock_or_the_latest_result_names(tmp_path):
    me = court()
    now = 1796000000.0
    folders = [make_backup(tmp_path, me, now + i * DAY) for i in range(5)]
    names = [os.path.basename(f) for f in folders]
    lock = dict(token='t-other', owner=dict(run_id='run-7'), progress=dict(stage=5, backup=folders[0]))
    results = tmp_path / 'hasil'
    results.mkdir()
    (results / 'run-1.json').write_text(json.dumps(dict(run_id='run-1', kode_satker='097734',
                                                        finished='2026-11-01T21:00:00+07:00',
                                                        backup=dict(name=names[2]))))
    (results / 'run-2.json').write_text(json.dumps(dict(run_id='run-2', kode_satker='097734',
                                                        finished='2026-11-02T21:00:00+07:00',
                                                        backup=dict(name=names[1]))))
    latest = b.latest_result(str(results), me)
    assert latest['run_id'] == 'run-2'
    decided = b.plan(str(tmp_path), me, keep=1, protect=[folders[3]], lock=lock, result=latest, now=now + 6 * DAY)
    assert sorted(path for path, kind in decided['remove']) == [folders[2]]
    kept = dict((k['name'], k['named_by']) for k in decided['kept'])
    assert kept[names[0]] == 'catatan kemajuan run run-7' and kept[names[1]] == 'hasil run run-2'
    assert kept[names[3]] == 'run ini' and kept[names[4]] is None


def test_leftovers_interrupted_unrecorded_and_trees(tmp_path):
    me = court(app=str(tmp_path / 'www' / 'SIPP'))
    now = 1796000000.0
    os.makedirs(me['app_path'])
    backups = tmp_path / 'backups'
    good = make_backup(backups, me, now - DAY)
    interrupted = b.reserve(str(backups), me, now=now - DAY + 60)['path']        # died a day ago
    running = b.reserve(str(backups), me, now=now - 60)['path']                  # started a minute ago
    old_bare = backups / 'SIPP-097734-2026-01-01-0100'                           # no record, old
    old_bare.mkdir()
    (old_bare / 'database.sql.zst').write_bytes(b'x' * 5000)
    os.utime(str(old_bare), (now - 2 * DAY, now - 2 * DAY))
    new_bare = backups / 'SIPP-097734-2026-01-02-0100'                           # no record, just made
    new_bare.mkdir()
    os.utime(str(new_bare), (now - 10, now - 10))
    foreign_bare = backups / 'SIPP-222-2026-01-01-0100'                          # another court's: never ours
    foreign_bare.mkdir()
    os.utime(str(foreign_bare), (now - 2 * DAY, now - 2 * DAY))
    www = tmp_path / 'www'
    previous = www / '.SIPP.sipp-previous-5.1.0'
    failed = www / '.SIPP.sipp-failed-20261101-210000'
    named = www / '.SIPP.sipp-previous-5.0.0'
    for tree in (previous, failed, named):
        (tree / 'application').mkdir(parents=True)
    (www / '.SIPP.sipp-restored.json').write_text('{}')                           # a file, not a tree
    (www / 'SIPP_lama').mkdir()                                                  # not ours at all
    lock = dict(token='mine', released=True, owner=dict(run_id='run-9'), progress=dict(previous_tree=str(named)))
    decided = b.plan(str(backups), me, keep=7, lock=lock, app_path=me['app_path'], now=now)
    actions = dict((os.path.basename(e['path']), e['action']) for e in decided['leftovers'])
    assert actions == {os.path.basename(interrupted): 'removed', os.path.basename(running): 'kept',
                       old_bare.name: 'removed', new_bare.name: 'kept', previous.name: 'removed',
                       failed.name: 'removed', named.name: 'kept'}
    removed = b.apply(decided)
    assert sorted(r['path'] for r in removed) == sorted([interrupted, str(old_bare), str(previous), str(failed)])
    assert [r['size_bytes'] for r in removed if r['path'] == str(old_bare)][0] >= 5000
    assert os.path.isdir(good) and foreign_bare.is_dir() and named.is_dir() and (www / 'SIPP_lama').is_dir()
    assert (www / '.SIPP.sipp-restored.json').exists()
    # a backup started "in the future" (the court's clock was set back since): may still be running, left alone
    ahead = b.reserve(str(backups), me, now=now + DAY)['path']
    decided = b.plan(str(backups), me, keep=7, now=now)
    assert [e['action'] for e in decided['leftovers'] if e['path'] == ahead] == ['kept']
    # a lock another live run holds: no tree is touched
    (www / '.SIPP.sipp-failed-x').mkdir()
    held = dict(token='other', owner=dict(run_id='run-10'), progress={})
    decided = b.plan(str(backups), me, keep=7, lock=held, lock_token='mine', app_path=me['app_path'], now=now)
    trees = [e for e in decided['leftovers'] if e['kind'] == 'l_tree']
    assert trees and all(e['action'] == 'kept' and 'run-10' in e['why'] for e in trees)


def test_times_parse_with_their_offset():
    assert b.parse_time('2026-11-24T21:00:05+07:00') == b.parse_time('2026-11-24T14:00:05Z')
    assert b.parse_time('2026-11-24T14:00:05+00:00') - b.parse_time('2026-11-24T13:00:05+00:00') == 3600
    assert b.parse_time('bukan waktu') is None
    now = time.time()
    assert abs(b.parse_time(b.iso_time(now)) - int(now)) < 1


def test_a_record_of_another_court_is_refused_when_named(tmp_path):
    me, other = court(kode='111'), court(kode='222')
    folder = make_backup(tmp_path, other, 1796000000.0)
    with pytest.raises(b.BackupsError) as err:
        b.record_verified(folder, me, {})
    assert err.value.key == 'not_owned' and '222' in err.value.render('en')


def test_a_restore_never_stands_on_a_damaged_newest_backup_nor_silently_on_an_older_one(tmp_path):
    me = court()
    now = 1796000000.0
    older = make_backup(tmp_path, me, now - DAY)
    newer = make_backup(tmp_path, me, now)
    found = b.scan(str(tmp_path), me, now=now + 60)
    chosen, refused, following = b.choose(found['own'], now + 60)
    assert chosen['path'] == newer and refused == [] and following is None
    # the same size, other bytes: only the proof (sha256) sees it
    with open(os.path.join(newer, 'database.sql.zst'), 'r+b') as handle:
        handle.write(b'X')
    found = b.scan(str(tmp_path), me, now=now + 60)
    assert b.newest_verified(found['own'])['path'] == newer          # size alone still trusts it
    chosen, refused, following = b.choose(found['own'], now + 60)
    assert chosen is None and [r['path'] for r in refused] == [newer] and following['path'] == older
    text = b.refused_text('en', refused, following)
    recorded = found['own'][0]['record']['database']['sha256']
    assert os.path.basename(newer) in text and recorded in text and b.sha256_file(
        os.path.join(newer, 'database.sql.zst')) in text
    assert 'sipp_rollback_backup=%s' % os.path.basename(older) in text and 'Nothing was changed' in text
    assert 'verified' not in text.split('Nothing')[0]
    # and with no intact backup at all: nothing chosen, nothing named
    with open(os.path.join(older, 'app', 'index.php'), 'w'):
        pass
    os.unlink(os.path.join(older, 'app', 'index.php'))          # its application copy lost a file
    chosen, refused, following = b.choose(b.scan(str(tmp_path), me, now=now + 60)['own'], now + 60)
    assert chosen is None and following is None
    assert 'No other backup' in b.refused_text('en', refused, following)
    assert 'holds 0 files, recorded 1' in b.problem_text('en', b.prove(
        [x for x in b.scan(str(tmp_path), me, now=now + 60)['own'] if x['path'] == older][0], now + 60))
    # an interrupted backup newer than both never held the court's data: it hides nothing
    interrupted = b.reserve(str(tmp_path), me, now=now - 7 * DAY)['path']
    own = b.scan(str(tmp_path), me, now=now + 60)['own']
    assert own[0]['path'] == interrupted
    chosen, refused, following = b.choose(own, now + 60)
    assert [r['path'] for r in refused] == [newer, older]


def test_a_backup_in_the_future_of_the_court_s_clock_is_named_and_never_the_newest(tmp_path):
    me = court()
    now = 1796000000.0
    older = make_backup(tmp_path, me, now - DAY)
    ahead = make_backup(tmp_path, me, now + 30 * DAY)        # made while the clock ran 30 days ahead
    found = b.scan(str(tmp_path), me, now=now + 60)           # the clock is right again
    assert [x['path'] for x in found['own']] == [ahead, older]   # the record's sequence still orders them
    assert found['own'][0]['in_future'] and found['own'][0]['suspect'] and found['own'][0]['verified']
    assert found['own'][0]['age_seconds'] < 0
    assert b.newest_verified(found['own'])['path'] == older
    chosen, refused, following = b.choose(found['own'], now + 60)
    assert chosen is None and following['path'] == older
    assert 'lies in the future' in b.refused_text('en', refused, following)
    # while the clock still runs ahead, the same backup is the newest and its age is real
    found = b.scan(str(tmp_path), me, now=now + 30 * DAY + 600)
    assert b.newest_verified(found['own'])['path'] == ahead and found['own'][0]['age_seconds'] == 600


def test_retention_keeps_a_recent_damaged_backup_and_never_calls_it_interrupted(tmp_path):
    me = court()
    now = 1796000000.0
    oldest = make_backup(tmp_path, me, now - 3 * DAY)
    middle = make_backup(tmp_path, me, now - 2 * DAY)
    newest = make_backup(tmp_path, me, now - DAY)
    with open(os.path.join(newest, 'database.sql.zst'), 'r+b') as handle:
        handle.truncate(3)
    decided = b.plan(str(tmp_path), me, keep=1, now=now)
    assert [p for p, kind in decided['remove']] == [oldest]
    assert sorted(k['path'] for k in decided['kept']) == sorted([middle, newest])
    assert decided['leftovers'] == []
    # damaged and older than every verified backup kept: retention removes it like any other
    with open(os.path.join(oldest, 'database.sql.zst'), 'r+b') as handle:
        handle.truncate(3)
    assert [p for p, kind in b.plan(str(tmp_path), me, keep=1, now=now)['remove']] == [oldest]


def test_app_trees_found_beside_the_releases_in_the_release_layout(tmp_path):
    releases = tmp_path / 'srv' / 'sipp-rilis'
    (releases / 'SIPP-5.1.0').mkdir(parents=True)
    (releases / '.SIPP.sipp-failed-20261206-170000').mkdir()
    (releases / '.SIPP.sipp-tmp-x').mkdir()
    (releases / 'SIPP-5.2.0').mkdir()
    www = tmp_path / 'www'
    www.mkdir()
    (www / '.SIPP.sipp-previous-5.0.0').mkdir()
    os.symlink(str(releases / 'SIPP-5.1.0'), str(www / 'SIPP'))
    assert b.app_trees(str(www / 'SIPP')) == sorted([str(releases / '.SIPP.sipp-failed-20261206-170000'),
                                                     str(www / '.SIPP.sipp-previous-5.0.0')])
    # a plain folder: only beside it
    os.unlink(str(www / 'SIPP'))
    (www / 'SIPP').mkdir()
    assert b.app_trees(str(www / 'SIPP')) == [str(www / '.SIPP.sipp-previous-5.0.0')]


def test_a_copy_that_lacks_files_is_never_marked_verified_and_the_count_is_recorded(tmp_path):
    """The application folder and what its links point to, counted against their copies in the backup, as find -H
    counts them (the source followed when it is a link, links inside it not)."""
    app = tmp_path / 'www' / 'SIPP'
    (app / 'resources' / 'file').mkdir(parents=True)
    (app / 'index.php').write_text('<?php\n')
    (app / 'resources' / 'file' / 'a.pdf').write_text('a')
    os.symlink('index.php', str(app / 'alias.php'))
    logs = tmp_path / 'logs.txt'
    logs.write_text('log')
    identity = court(app=str(app))
    made = b.reserve(str(tmp_path / 'backups'), identity, now=1000)
    folder = made['path']
    copies = [dict(src=str(app), name='app'), dict(src=str(logs), name='links/application/logs')]
    os.makedirs(os.path.join(folder, 'app', 'resources', 'file'))
    with open(os.path.join(folder, 'app', 'index.php'), 'w') as handle:
        handle.write('<?php\n')
    with pytest.raises(b.BackupsError) as err:
        b.record_verified(folder, identity, {}, now=1030, copies=copies)
    assert err.value.key == 'copy_incomplete' and err.value.params == dict(source=3, backup=1)
    assert 'memuat 3 berkas' in err.value.render('id') and 'backup 1 files' in err.value.render('en')
    assert not b.read_record(folder)[0]['verified']
    with open(os.path.join(folder, 'app', 'resources', 'file', 'a.pdf'), 'w') as handle:
        handle.write('a')
    os.makedirs(os.path.join(folder, 'links', 'application'))
    with open(os.path.join(folder, 'links', 'application', 'logs'), 'w') as handle:
        handle.write('log')
    done = b.record_verified(folder, identity, {}, now=1030, copies=copies)
    assert done['record']['app_files'] == 3 and b.read_record(folder)[0]['verified']
