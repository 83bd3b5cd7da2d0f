# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's offline slots, on the controller: how many courts of one run may be offline at once.

A court's offline steps (the backup, the files, the migrations, the verification) cost the controller a task per
module run; when every court of a region takes SIPP offline at the same moment, each court stays offline as long as
the controller needs for all of them. A court therefore takes a slot before it goes offline and gives it back when
its path ends; while every slot is taken it waits, still online.

A slot governs the controller's load, never a court's data: a holder that is gone (its court dropped from the play,
or a slot older than the lease) no longer counts, and a waiter that could starve the holders of Ansible's workers
(forks) goes on without waiting. Each slot is a file ``<root>/<run>/<holder>`` written under one lock file, so the
workers of one ansible-playbook (and the slices of one AWX job on the same controller) share them.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import fcntl
import json
import os
import re
import tempfile
import time

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import TMP_MARK, make_private_dirs, write_json


def default_root():
    return os.path.join(tempfile.gettempdir(), 'pengadilan-sipp-slots')


def _cgroup_cpus(root):
    """The CPU limit of this process's control group (an AWX job's pod: its CPU limit), or None when unlimited."""
    quota = period = None
    try:
        with open(os.path.join(root, 'cpu.max')) as handle:  # cgroup v2: "<quota> <period>" or "max <period>"
            fields = handle.read().split()
        if fields and fields[0] != 'max':
            quota, period = int(fields[0]), int(fields[1])
    except (IOError, OSError, ValueError, IndexError):
        try:  # cgroup v1
            with open(os.path.join(root, 'cpu', 'cpu.cfs_quota_us')) as handle:
                quota = int(handle.read().strip())
            with open(os.path.join(root, 'cpu', 'cpu.cfs_period_us')) as handle:
                period = int(handle.read().strip())
        except (IOError, OSError, ValueError):
            return None
    if not quota or quota <= 0 or not period or period <= 0:
        return None
    return max(1, -(-quota // period))


def controller_cpus(cgroup='/sys/fs/cgroup'):
    """The CPUs this controller process may use, at least 1: the CPUs it may run on (a container's affinity), or
    its control group's CPU limit when lower (an AWX job runs in a pod with a CPU limit on a larger node)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    limit = _cgroup_cpus(cgroup)
    return max(1, min(cpus, limit) if limit else cpus)


def _safe(name):
    return re.sub(r'[^A-Za-z0-9._-]', '_', str(name))[:120] or '_'


class Slots(object):
    """The slots of one run under ``root``; ``clock`` and ``sleep`` are seams for the tests."""

    def __init__(self, run, root=None, clock=time.time, sleep=time.sleep):
        self.root = root or default_root()
        self.dir = os.path.join(self.root, _safe(run))
        self.clock = clock
        self.sleep = sleep

    def _locked(self):
        make_private_dirs(self.root)
        handle = open(os.path.join(self.root, '.lock'), 'a')
        fcntl.flock(handle, fcntl.LOCK_EX)
        return handle

    def _read(self):
        """{holder: record} of the run's files (a file that cannot be read counts as taken now)."""
        out = {}
        try:
            names = os.listdir(self.dir)
        except OSError:
            return out
        for name in names:
            if TMP_MARK in name:  # a write cut short
                continue
            try:
                with open(os.path.join(self.dir, name)) as handle:
                    out[name] = json.load(handle)
            except (IOError, OSError, ValueError):
                out[name] = {'holder': name, 'since': self.clock(), 'state': 'held'}
        return out

    def _write(self, holder, record):
        make_private_dirs(self.dir)
        write_json(os.path.join(self.dir, _safe(holder)), record)

    def _remove(self, holder):
        try:
            os.unlink(os.path.join(self.dir, _safe(holder)))
        except OSError:
            pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass

    def counts(self, alive=None, lease=None):
        """(held, waiting): the records that still count, by state."""
        now = self.clock()
        held = []
        waiting = []
        for name, rec in sorted(self._read().items()):
            if name.endswith('.tmp'):
                continue
            if alive is not None and rec.get('holder') not in alive:
                continue
            if lease and now - float(rec.get('since', now)) > lease:
                continue
            (held if rec.get('state') == 'held' else waiting).append(rec.get('holder'))
        return held, waiting

    def acquire(self, holder, slots, forks=None, alive=None, lease=None, poll=0.5):
        """Hold one of ``slots`` slots for ``holder``, waiting while all are held. Returns a dict: acquired (always
        true), waited (seconds), held_by (the holders seen when it had to wait first), bypassed (went on without
        waiting, so that the waiters would not take every one of Ansible's ``forks`` workers from the holders)."""
        start = self.clock()
        first_seen = None
        registered = False
        while True:
            handle = self._locked()
            try:
                held, waiting = self.counts(alive=alive, lease=lease)
                if holder in held:
                    return {'acquired': True, 'waited': 0, 'held_by': [], 'bypassed': False}
                others_waiting = [w for w in waiting if w != holder]
                free = len(held) < slots
                # the workers the waiters take are not there for the holders: never leave them fewer than slots
                starving = (not registered and forks is not None
                            and len(others_waiting) + 1 > max(0, int(forks) - slots))
                if free or starving:
                    self._write(holder, {'holder': holder, 'since': self.clock(), 'state': 'held'})
                    return {'acquired': True, 'waited': round(self.clock() - start, 1),
                            'held_by': first_seen or [], 'bypassed': bool(starving and not free)}
                if first_seen is None:
                    first_seen = held
                if not registered:
                    self._write(holder, {'holder': holder, 'since': self.clock(), 'state': 'waiting'})
                    registered = True
            finally:
                handle.close()
            self.sleep(poll)

    def release(self, holder):
        """Give the holder's slot back (nothing to do when it holds none). Returns whether it held one."""
        handle = self._locked()
        try:
            had = _safe(holder) in self._read()
            self._remove(holder)
            return had
        finally:
            handle.close()
