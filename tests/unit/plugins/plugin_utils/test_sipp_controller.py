# -*- coding: utf-8 -*-
"""plugin_utils/sipp_controller: the owner record a run writes into each court's lock, the run id of a run given
none, and whether the run that left a lock still lives (read from this controller's real /proc)."""

from __future__ import (absolute_import, division, print_function)

import os
import re
import socket
import subprocess

from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_controller as c


def test_run_ids_started_in_the_same_second_are_unique():
    ids = set(c.new_run_id(now=1795010400.0) for _count in range(200))
    assert len(ids) == 200
    assert all(re.match(r'^\d{8}-\d{6}-[0-9a-f]{8}$', i) for i in ids)


def test_the_owner_of_this_process_names_this_controller_and_a_run_id():
    me = c.owner()
    assert me['controller'] == socket.gethostname() and me['boot_id'] and me['pid'] == os.getpid()
    assert re.match(r'^\d{8}-\d{6}-[0-9a-f]{8}$', me['run_id'])
    assert c.owner_state(me) == 'alive'


def test_a_run_whose_process_ended_is_dead_and_another_controller_is_unknown():
    proc = subprocess.Popen(['sleep', '30'])
    try:
        gone = c.owner(pid=proc.pid)
        assert c.owner_state(gone) == 'alive'
    finally:
        proc.kill()
        proc.wait()
    assert c.owner_state(gone) == 'dead'
    # the same pid reused by another process later: its start time differs
    assert c.owner_state(dict(c.owner(), pid_start=1)) == 'dead'
    # the controller restarted since
    assert c.owner_state(dict(c.owner(), boot_id='another-boot')) == 'dead'
    # another controller (another AWX job's container): nothing here can tell
    assert c.owner_state(dict(c.owner(), controller='awx-job-lain')) == 'unknown'
    assert c.owner_state({}) == 'unknown' and c.owner_state('x') == 'unknown'


def _fake_proc(tmp_path, processes, boot='boot-1'):
    """A /proc of ``processes``: {pid: (ppid, starttime, argv, comm)}."""
    root = tmp_path / 'proc'
    (root / 'sys' / 'kernel' / 'random').mkdir(parents=True)
    (root / 'sys' / 'kernel' / 'random' / 'boot_id').write_text(boot + '\n')
    for pid, (ppid, start, argv, comm) in processes.items():
        folder = root / str(pid)
        folder.mkdir()
        # stat: pid (comm) state ppid ... field 22 is the start time
        rest = ['S', str(ppid)] + ['0'] * 17 + [str(start)] + ['0'] * 5
        (folder / 'stat').write_bytes(('%d (%s) ' % (pid, comm)).encode() + ' '.join(rest).encode())
        (folder / 'cmdline').write_bytes(b'\0'.join(a.encode() for a in argv) + b'\0')
    return str(root)


def test_the_owner_is_the_topmost_ansible_playbook_of_a_worker_and_its_start_time_read_past_odd_names(tmp_path):
    proc = _fake_proc(tmp_path, {
        1: (0, 1, ['/sbin/init'], 'systemd'),
        40: (1, 100, ['/usr/bin/python3', '/usr/local/bin/ansible-runner'], 'ansible-runner'),
        50: (40, 200, ['/usr/bin/python3', '/venv/bin/ansible-playbook', 'upgrade.yml'], 'ansible-playboo'),
        # a worker forked by the playbook, and a worker's own child: their names hold spaces and parentheses
        60: (50, 300, ['/usr/bin/python3', '/venv/bin/ansible-playbook', 'upgrade.yml'], 'ansible-playbook (w) x'),
        70: (60, 400, ['/bin/sh', '-c', 'ssh court'], 'sh'),
    })
    assert c.playbook_pid(70, proc) == 50 and c.playbook_pid(60, proc) == 50
    # a process of no ansible-playbook: itself
    assert c.playbook_pid(40, proc) == 40
    me = c.owner(pid=70, proc=proc)
    assert (me['pid'], me['pid_start'], me['boot_id']) == (50, 200, 'boot-1')
    assert c.owner_state(me, proc) == 'alive'
    # the same pid with another start time (reused), a pid that is not a number, a stat that cannot be read
    assert c.owner_state(dict(me, pid_start=999), proc) == 'dead'
    assert c.owner_state(dict(me, pid='x'), proc) == 'unknown'
    (tmp_path / 'proc' / '50' / 'stat').write_bytes(b'50 (broken')
    assert c.owner_state(me, proc) == 'dead'
