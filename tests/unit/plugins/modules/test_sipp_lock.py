# -*- coding: utf-8 -*-
"""sipp_lock: the court's lock and its heartbeat, on real files. Ages come from the court's boot clock, so a step of
the wall clock never makes a live run's lock old; a lock is taken over only when the caller names it (and it has not
beaten since), or when its run released it."""

from __future__ import (absolute_import, division, print_function)

import json
import time

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_lock as k
from ansible_collections.pengadilan.sipp.plugins.modules import sipp_lock


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / 'kunci' / 'kunci-upgrade.json')


def call(run_module, args):
    """The module's result for ``args``."""
    return run_module(sipp_lock.main, args)[0]


def read(path):
    with open(path) as handle:
        return json.load(handle)


def write(path, record):
    with open(path, 'w') as handle:
        json.dump(record, handle)


def test_a_clock_step_does_not_age_a_heartbeat_on_the_same_boot():
    record = k.stamp({'token': 'a'}, 1000.0, ('boot-1', 500.0), 'x')
    # the wall clock jumped three hours forward, 20 s of real time passed
    assert k.heartbeat_age(record, 1000.0 + 3 * 3600 + 20, ('boot-1', 520.0)) == (20.0, 'boot')
    # and backwards: still 20 s
    assert k.heartbeat_age(record, 1000.0 - 3 * 3600, ('boot-1', 520.0)) == (20.0, 'boot')


def test_after_a_restart_a_heartbeat_is_at_least_as_old_as_the_boot():
    record = k.stamp({'token': 'a'}, 1000.0, ('boot-1', 500.0), 'x')
    assert k.heartbeat_age(record, 1005.0, ('boot-2', 42.0)) == (42.0, 'rebooted')


def test_a_record_without_boot_clock_is_aged_on_the_wall_clock_never_below_zero():
    assert k.heartbeat_age({'token': 'a', 'heartbeat': 1000.0}, 1600.0, ('boot-1', 5.0)) == (600.0, 'wall')
    assert k.heartbeat_age({'token': 'a', 'heartbeat': 1000.0}, 900.0, ('boot-1', 5.0)) == (0.0, 'wall')
    assert k.heartbeat_age({'token': 'a', 'heartbeat': 1000.0, 'heartbeat_uptime': 3.0, 'heartbeat_boot': 'b'},
                           1600.0, ('', None)) == (600.0, 'wall')


def test_the_court_clock_reads_proc(tmp_path):
    (tmp_path / 'sys/kernel/random').mkdir(parents=True)
    (tmp_path / 'sys/kernel/random/boot_id').write_text('abc\n')
    (tmp_path / 'uptime').write_text('1234.56 999.0\n')
    assert k.court_clock(str(tmp_path)) == ('abc', 1234.56)
    assert k.court_clock(str(tmp_path / 'nowhere')) == ('', None)
    boot, uptime = k.court_clock()
    assert boot and uptime > 0


def test_a_live_lock_is_left_alone_and_reported_stale_only_by_the_boot_clock(run_module, path):
    first = call(run_module, {'path': path, 'token': 'a', 'owner': {'run_id': 'satu'}, 'progress': {'stage': 5}})
    assert first['acquired'] and first['record']['beats'] == 1 and first['record']['heartbeat_uptime'] > 0
    # the court's wall clock says three hours later: nothing of it reaches the age
    rec = read(path)
    write(path, dict(rec, heartbeat=rec['heartbeat'] - 3 * 3600))
    busy = call(run_module, {'path': path, 'token': 'b', 'stale_after': 60})
    assert not busy['acquired'] and not busy['stale'] and busy['age_clock'] == 'boot'
    assert busy['heartbeat_age'] < 60 and 'satu' in busy['msg'] and busy['holder']['token'] == 'a'
    # its heartbeat 90 s older on the boot clock: stale, but still not taken without being named
    write(path, dict(rec, heartbeat_uptime=rec['heartbeat_uptime'] - 90))
    stale = call(run_module, {'path': path, 'token': 'b', 'stale_after': 60})
    assert not stale['acquired'] and stale['stale'] and stale['heartbeat_age'] >= 90
    assert read(path)['token'] == 'a'


def test_a_takeover_needs_the_token_and_the_beats_seen(run_module, path):
    call(run_module, {'path': path, 'token': 'a', 'owner': {'run_id': 'satu'}, 'progress': {'stage': 5}})
    seen = read(path)['beats']
    # the holder beat since the caller judged it: it lives, the lock stays
    assert k.beat_once(path, 'a', 'pengadilan.sipp.sipp_migrate')
    late = call(run_module, {'path': path, 'token': 'b', 'takeover': 'a', 'takeover_beats': seen})
    assert not late['acquired'] and read(path)['token'] == 'a'
    assert late['holder']['heartbeat_by'] == 'pengadilan.sipp.sipp_migrate'
    # another token named: nothing
    wrong = call(run_module, {'path': path, 'token': 'b', 'takeover': 'zzz'})
    assert not wrong['acquired']
    # check mode predicts, writes nothing
    args = {'path': path, 'token': 'b', 'takeover': 'a', 'takeover_beats': seen + 1, 'owner': {'run_id': 'dua'},
            '_ansible_check_mode': True}
    predicted = call(run_module, args)
    assert predicted['acquired'] and read(path)['token'] == 'a'
    args.pop('_ansible_check_mode')
    taken = call(run_module, args)
    assert taken['acquired'] and taken['taken_over']['token'] == 'a'
    rec = read(path)
    assert rec['token'] == 'b' and rec['progress'] == {'stage': 5} and rec['taken_over'][0]['reason'] == 'dead'
    # the old run's heartbeat no longer renews anything, and its must_hold fails
    assert not k.beat_once(path, 'a', 'x')
    lost = call(run_module, {'path': path, 'token': 'a', 'must_hold': True})
    assert lost['failed'] and 'tidak lagi dipegang' in lost['msg'] and 'dua' in lost['msg']


def test_release_keeps_or_removes_and_leaves_other_runs_alone(run_module, path):
    call(run_module, {'path': path, 'token': 'a', 'progress': {'stage': 8}})
    other = call(run_module, {'path': path, 'token': 'b', 'state': 'released'})
    assert not other['changed'] and read(path)['token'] == 'a'
    kept = call(run_module, {'path': path, 'token': 'a', 'state': 'released', 'keep_progress': True})
    assert kept['changed'] and read(path)['released']
    # a released record is taken at once by the next run, with its progress
    nxt = call(run_module, {'path': path, 'token': 'c', 'language': 'en'})
    assert nxt['acquired'] and nxt['record']['progress'] == {'stage': 8} and nxt['msg'] == 'The lock was taken by this run.'
    gone = call(run_module, {'path': path, 'token': 'c', 'state': 'released'})
    assert gone['changed'] and gone['record'] is None
    free = call(run_module, {'path': path, 'token': 'c', 'state': 'released'})
    assert not free['changed']


def test_a_record_that_is_not_ours_is_refused_with_its_path(run_module, path, tmp_path):
    import os
    os.makedirs(os.path.dirname(path))
    with open(path, 'w') as handle:
        handle.write('{"bukan": "kunci"}')
    res = call(run_module, {'path': path, 'token': 'a'})
    assert res['failed'] and res['problem'] == 'unreadable' and path in res['msg']


def test_the_heartbeat_renews_while_a_step_runs_and_stops_when_the_lock_is_lost(run_module, path):
    call(run_module, {'path': path, 'token': 'a'})
    beat = k.Heartbeat(path, 'a', 1, 'pengadilan.sipp.sipp_migrate').start()
    deadline = time.time() + 30
    while beat.beats < 2 and time.time() < deadline:
        time.sleep(0.2)
    assert beat.beats >= 2 and read(path)['heartbeat_by'] == 'pengadilan.sipp.sipp_migrate'
    # another run takes it (named): the heartbeat stops by itself
    call(run_module, {'path': path, 'token': 'b', 'takeover': 'a'})
    while not beat.lost and time.time() < deadline:
        time.sleep(0.2)
    assert beat.lost and read(path)['token'] == 'b'
    beat.stop()


def test_a_stage_progress_rides_on_the_stages_first_module_which_does_nothing_once_the_lock_is_lost(
        run_module, path, tmp_path):
    """The SOP writes each stage's progress with the first module of that stage (its lock option), not with a
    sipp_lock call of its own: written before the module acts, merged (or replacing it with reset), and a module
    whose run lost the lock fails having done nothing."""
    from ansible_collections.pengadilan.sipp.plugins.modules import sipp_app_tree
    app = tmp_path / 'www' / 'SIPP'
    app.mkdir(parents=True)
    kept = tmp_path / 'www' / '.SIPP.sipp-previous-5.1.0'
    kept.mkdir()
    call(run_module, {'path': path, 'token': 'a', 'progress': {'stage': 2, 'run_id': 'r1'}})

    def clean(lock):
        return run_module(sipp_app_tree.main, {'state': 'cleaned', 'app_path': str(app), 'remove': [str(kept)],
                                               'lock': dict({'path': path, 'token': 'a'}, **lock)})[0]

    before = read(path)['beats']
    assert not clean({'progress': {'stage': 5, 'backup': '/b'}}).get('failed')
    record = read(path)
    assert record['progress'] == {'stage': 5, 'run_id': 'r1', 'backup': '/b'} and record['beats'] > before
    assert not kept.exists()

    kept.mkdir()
    clean({'progress': {'stage': 7}, 'reset': True})
    assert read(path)['progress'] == {'stage': 7}

    # another run took the court: nothing is removed, the message says who holds it, in the module's language
    kept.mkdir()
    call(run_module, {'path': path, 'token': 'b', 'takeover': 'a'})
    res = run_module(sipp_app_tree.main, {'state': 'cleaned', 'app_path': str(app), 'remove': [str(kept)],
                                          'language': 'en',
                                          'lock': {'path': path, 'token': 'a', 'progress': {'stage': 9}}})[0]
    assert res['failed'] and res['problem'] == 'lock_lost' and res['changed'] is False
    assert 'no longer holds' in res['msg'] and kept.exists()
    assert read(path)['token'] == 'b' and read(path)['progress'] == {'stage': 7}
    # without progress a lost lock only stops the heartbeat: the module still runs (unchanged behaviour)
    assert not clean({}).get('failed') and not kept.exists()


def test_the_lock_of_a_dead_run_is_taken_over_with_its_progress_and_a_stale_one_says_so(run_module, path):
    import subprocess
    from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_controller as c
    # a run whose ansible-playbook has ended (killed, power cut): its owner is dead on this controller
    gone = subprocess.Popen(['sleep', '30'])
    owner = c.owner(pid=gone.pid)
    gone.kill()
    gone.wait()
    call(run_module, {'path': path, 'token': 'mati', 'owner': owner, 'progress': {'stage': 7, 'run_id': 'mati'}})
    holder = read(path)
    assert c.owner_state(holder['owner']) == 'dead'
    taken = call(run_module, {'path': path, 'token': 'baru', 'owner': c.owner(), 'takeover': holder['token'],
                              'takeover_beats': holder['beats']})
    rec = read(path)
    assert taken['acquired'] and rec['token'] == 'baru' and rec['progress'] == {'stage': 7, 'run_id': 'mati'}
    assert rec['taken_over'][0]['reason'] == 'dead' and rec['taken_over'][0]['token'] == 'mati'
    # a live owner whose heartbeat stopped (a hung run): stale on the boot clock, taken over only when named
    write(path, dict(rec, heartbeat_uptime=rec['heartbeat_uptime'] - 600))
    seen = call(run_module, {'path': path, 'token': 'ketiga', 'stale_after': 60})
    assert not seen['acquired'] and seen['stale'] and c.owner_state(seen['holder']['owner']) == 'alive'
    named = call(run_module, {'path': path, 'token': 'ketiga', 'stale_after': 60, 'takeover': 'baru',
                              'takeover_beats': seen['holder']['beats']})
    assert named['acquired'] and read(path)['taken_over'][-1]['reason'] == 'stale'


@pytest.mark.parametrize('content', [b'', b'\x00\xff bukan json', b'[1, 2]', b'{"token": ""}'])
def test_a_lock_file_that_is_not_ours_is_left_as_it_is_and_named(run_module, path, content):
    import os
    os.makedirs(os.path.dirname(path))
    with open(path, 'wb') as handle:
        handle.write(content)
    for args in ({'path': path, 'token': 'a'}, {'path': path, 'token': 'a', 'state': 'released'},
                 {'path': path, 'token': 'a', 'language': 'en'}):
        res = call(run_module, args)
        assert res['failed'] and res['problem'] == 'unreadable' and path in res['msg'], res
    assert 'cannot be read' in res['msg'] and 'Nothing was changed' in res['msg']
    with open(path, 'rb') as handle:
        assert handle.read() == content
    # a folder where the lock file belongs: the same
    os.unlink(path)
    os.mkdir(path)
    res = call(run_module, {'path': path, 'token': 'a'})
    assert res['failed'] and res['problem'] == 'unreadable' and os.path.isdir(path)


def test_a_lock_that_cannot_be_written_fails_having_created_nothing(run_module, tmp_path):
    blocker = tmp_path / 'berkas'
    blocker.write_text('bukan folder')
    path = str(blocker / 'kunci-upgrade.json')
    res = call(run_module, {'path': path, 'token': 'a', 'language': 'en'})
    assert res['failed'] and res['problem'] == 'unwritable' and path in res['msg'] and 'disk' in res['msg']
    assert blocker.read_text() == 'bukan folder' and sorted(p.name for p in tmp_path.iterdir()) == ['berkas']
