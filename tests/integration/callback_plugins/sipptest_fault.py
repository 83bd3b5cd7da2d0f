# -*- coding: utf-8 -*-
"""Test equipment, not product: a fault injected into a simulated court at an exact point of a playbook.

Enabled for one run by the tests (sipptest.run_playbook(..., faults=[...])) through ANSIBLE_CALLBACKS_ENABLED and
the JSON list in SIPPTEST_FAULT: when the task named ``task`` reports ``event`` (ok or failed) for ``host``, a fault
damages the dump of the newest backup (by its record's sequence) in ``backup_dir``: ``damage`` truncate (cut to
half its size) or flip (one byte changed, the size kept); or, with ``fill`` (a folder on a small filesystem the
test made, never the machine's own disk), fills that filesystem to the last byte; or, with ``remove`` (a folder of
the newest backup, e.g. app), removes one file of the backup's copy there; or, with ``write`` (a file) and ``text``,
writes that file (e.g. a simulated court's sync fault); or, with ``db_restart`` (the simulator's state folder), kills
the court's MariaDB and has it start again ``after`` seconds later (``sippsim db-restart``); with ``fingerprint`` (the simulator's state folder) it
also writes the simulator's fingerprint of the court at that moment. Callbacks run in the controller's main process
while the results of a task are processed, before the next task is sent, so the fault lands exactly between the two
tasks. Each fault fires once; what it did is written to ``done`` (one JSON file per fault).
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import glob
import json
import os

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
name: sipptest_fault
type: aggregate
short_description: inject a fault into a simulated court between two tasks (tests only)
description: See the module docstring.
requirements: [SIPPTEST_FAULT in the environment]
'''


def newest_dump(backup_dir):
    """The dump of the backup with the highest recorded sequence in backup_dir."""
    folder, record = newest_backup(backup_dir)
    return os.path.join(folder, os.path.basename(record['database']['dest']))


def remove_one_file(folder):
    """Remove the first regular file (by name) under folder; returns its path."""
    for dirpath, dirnames, filenames in sorted(os.walk(folder)):
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                os.unlink(path)
                return path
    raise RuntimeError('sipptest_fault: no file under %s' % folder)


def newest_backup(backup_dir):
    """(folder, record) of the backup with the highest recorded sequence in backup_dir (finished or not)."""
    best = None
    for record_path in glob.glob(os.path.join(backup_dir, '*', 'BACKUP.json')):
        with open(record_path) as handle:
            record = json.load(handle)
        key = (record.get('sequence') or 0, record_path)
        if best is None or key > best[0]:
            best = (key, os.path.dirname(record_path), record)
    if best is None:
        raise RuntimeError('sipptest_fault: no backup in %s' % backup_dir)
    return best[1], best[2]


def damage(path, how):
    size = os.path.getsize(path)
    with open(path, 'r+b') as handle:
        if how == 'truncate':
            handle.truncate(size // 2)
        else:
            handle.seek(size // 2)
            byte = handle.read(1)
            handle.seek(size // 2)
            handle.write(bytes([byte[0] ^ 0xFF]))
    return path


def fill(folder):
    """Write sipptest-fill in folder until its filesystem is full; returns the bytes written."""
    fd = os.open(os.path.join(folder, 'sipptest-fill'), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    written = 0
    size = 1 << 20
    try:
        while size >= 512:
            try:
                written += os.write(fd, b'\0' * size)
            except OSError:
                size //= 2
    finally:
        os.close(fd)
    return written


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'sipptest_fault'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self.faults = json.loads(os.environ.get('SIPPTEST_FAULT') or '[]')

    def _maybe(self, result, event):
        for fault in self.faults:
            if fault.get('fired') or fault.get('event', 'ok') != event or result._host.get_name() != fault['host'] \
                    or not result._task.get_name().endswith(fault['task']):
                continue
            fault['fired'] = True
            record = dict(task=result._task.get_name(), host=fault['host'])
            if fault.get('write'):
                if not os.path.isdir(os.path.dirname(fault['write'])):
                    os.makedirs(os.path.dirname(fault['write']))
                with open(fault['write'], 'w') as handle:
                    handle.write(fault['text'])
                record['written'] = fault['write']
            elif fault.get('fill'):
                record['filled'] = fill(fault['fill'])
            elif fault.get('db_restart'):
                from sippsim.simregion import Region
                region = Region(fault['db_restart'])
                region.court(fault['host']).restart_db(fault.get('after', 5))
                region.save()
                record['db_restart'] = fault.get('after', 5)
            elif fault.get('remove'):
                record['removed'] = remove_one_file(os.path.join(newest_backup(fault['backup_dir'])[0],
                                                                 fault['remove']))
            else:
                record['damaged'] = damage(newest_dump(fault['backup_dir']), fault['damage'])
            if fault.get('fingerprint'):
                from sippsim import fingerprint
                from sippsim.simregion import Region
                record['fingerprint'] = fingerprint.fingerprint(Region(fault['fingerprint']).court(fault['host']))
            with open(fault['done'], 'w') as handle:
                json.dump(record, handle, sort_keys=True)

    def v2_runner_on_ok(self, result):
        self._maybe(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._maybe(result, 'failed')
