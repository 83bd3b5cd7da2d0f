# -*- coding: utf-8 -*-
"""plugin_utils/sipp_slots: how many courts of a run are offline at once (files under a lock, on the controller).
Real files and real processes; the clock and the sleep are seams so that waiting is driven, not timed."""

from __future__ import (absolute_import, division, print_function)

import multiprocessing
import os
import time

from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_slots as s


class Clock(object):
    """A clock that moves only when the code under test sleeps; calls ``on_sleep`` at each sleep."""

    def __init__(self, on_sleep=None):
        self.now = 1000.0
        self.sleeps = 0
        self.on_sleep = on_sleep

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps += 1
        self.now += seconds
        if self.on_sleep:
            self.on_sleep(self)


def test_slots_are_taken_up_to_the_limit_and_a_holder_taking_again_keeps_its_own(tmp_path):
    run = s.Slots('run-1', root=str(tmp_path))
    assert run.acquire('pn_a', 2)['acquired']
    assert run.acquire('pn_b', 2)['waited'] == 0
    assert run.acquire('pn_a', 2) == {'acquired': True, 'waited': 0, 'held_by': [], 'bypassed': False}
    assert run.counts() == (['pn_a', 'pn_b'], [])
    # root only: the run's folder and its parent
    assert oct(os.stat(str(tmp_path / 'run-1')).st_mode & 0o777) == '0o700'


def test_a_court_waits_while_all_slots_are_held_and_goes_when_one_is_given_back(tmp_path):
    run = s.Slots('run-1', root=str(tmp_path))
    run.acquire('pn_a', 1)

    def give_back(clock):
        # while pn_b waits it is recorded as waiting, not holding
        assert run.counts() == (['pn_a'], ['pn_b'])
        if clock.sleeps == 3:
            run.release('pn_a')

    clock = Clock(give_back)
    waiter = s.Slots('run-1', root=str(tmp_path), clock=clock.time, sleep=clock.sleep)
    out = waiter.acquire('pn_b', 1, poll=2)
    assert out == {'acquired': True, 'waited': 6.0, 'held_by': ['pn_a'], 'bypassed': False}
    assert run.counts() == (['pn_b'], [])


def test_a_holder_dropped_from_the_play_or_older_than_the_lease_no_longer_counts(tmp_path):
    clock = Clock()
    run = s.Slots('run-1', root=str(tmp_path), clock=clock.time, sleep=clock.sleep)
    run.acquire('pn_gone', 1)
    # pn_gone was dropped (unreachable): it is not among the play's courts any more
    assert run.acquire('pn_b', 1, alive={'pn_b'})['waited'] == 0
    clock.now += 7200
    assert run.acquire('pn_c', 1, lease=3600)['waited'] == 0
    assert run.counts(lease=3600) == (['pn_c'], [])


def test_a_waiter_that_would_take_the_holders_last_worker_goes_on_without_waiting(tmp_path):
    run = s.Slots('run-1', root=str(tmp_path))
    run.acquire('pn_a', 1)
    # forks 2, one slot: one waiter may block a worker, the holder keeps the other one
    run._write('pn_w', {'holder': 'pn_w', 'since': time.time(), 'state': 'waiting'})
    out = run.acquire('pn_b', 1, forks=2)
    assert out['bypassed'] and out['acquired'] and out['waited'] == 0
    assert run.counts() == (['pn_a', 'pn_b'], ['pn_w'])


def test_giving_back_a_slot_never_held_is_harmless_and_the_last_one_removes_the_run(tmp_path):
    run = s.Slots('run/with:odd name', root=str(tmp_path))
    assert not run.release('pn_a')
    run.acquire('pn_a', 1)
    assert run.release('pn_a')
    assert os.listdir(str(tmp_path)) == ['.lock']


def _take(root, holder, log):
    run = s.Slots('run-p', root=root)
    run.acquire(holder, 2, poll=0.01)
    log.put(('in', holder, len(run.counts()[0])))
    time.sleep(0.05)
    log.put(('out', holder))
    run.release(holder)


def test_processes_taking_slots_at_once_never_exceed_the_limit(tmp_path):
    log = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_take, args=(str(tmp_path), 'pn_%d' % i, log)) for i in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    events = [log.get(timeout=5) for _i in range(16)]
    # what each one saw held right after taking its slot (itself included)
    assert all(ev[2] <= 2 for ev in events if ev[0] == 'in')
    assert sorted(ev[1] for ev in events if ev[0] == 'in') == sorted('pn_%d' % i for i in range(8))


def test_the_controller_s_cpus_are_its_affinity_or_its_pod_s_cpu_limit_when_lower(tmp_path):
    cpus = len(os.sched_getaffinity(0))
    assert s.controller_cpus(cgroup=str(tmp_path / 'none')) == cpus
    (tmp_path / 'cpu.max').write_text('max 100000\n')
    assert s.controller_cpus(cgroup=str(tmp_path)) == cpus
    # an AWX job's pod limited to 1.5 CPUs: 2 slots (never more than the CPUs it may run on)
    (tmp_path / 'cpu.max').write_text('150000 100000\n')
    assert s.controller_cpus(cgroup=str(tmp_path)) == min(cpus, 2)
    (tmp_path / 'cpu.max').write_text('50000 100000\n')
    assert s.controller_cpus(cgroup=str(tmp_path)) == 1
    # cgroup v1
    v1 = tmp_path / 'v1'
    (v1 / 'cpu').mkdir(parents=True)
    (v1 / 'cpu' / 'cpu.cfs_quota_us').write_text('100000\n')
    (v1 / 'cpu' / 'cpu.cfs_period_us').write_text('100000\n')
    assert s.controller_cpus(cgroup=str(v1)) == 1
    (v1 / 'cpu' / 'cpu.cfs_quota_us').write_text('-1\n')
    assert s.controller_cpus(cgroup=str(v1)) == cpus
