# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who runs this playbook, and is an earlier run still alive? Controller-side only (Linux /proc).

A run that works on a court leaves a lock there naming its owner: the controller's host name and boot id, and the
process id and start time of its ansible-playbook. A later run on the same controller can then tell a run that is
still working (same boot, same process, same start time) from one that died (power cut, job cancelled, killed): a
different boot id means the controller restarted since, a missing process or another start time means it ended.
On another controller (an AWX job runs in a new container each time) nothing can be told: ``unknown``.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import binascii
import os
import socket
import time

PROC = '/proc'


def _read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def boot_id(proc=PROC):
    raw = _read(os.path.join(proc, 'sys', 'kernel', 'random', 'boot_id'))
    return raw.decode('ascii', 'replace').strip() if raw else ''


def _stat(pid, proc=PROC):
    """(ppid, starttime) of ``pid`` from /proc/<pid>/stat, or None when there is no such process."""
    raw = _read(os.path.join(proc, str(pid), 'stat'))
    if not raw:
        return None
    # the command name is in parentheses and may hold spaces or parentheses: fields follow the last ')'
    fields = raw[raw.rfind(b')') + 2:].split()
    try:
        return int(fields[1]), int(fields[19])
    except (IndexError, ValueError):
        return None


def _is_playbook(pid, proc=PROC):
    raw = _read(os.path.join(proc, str(pid), 'cmdline'))
    if not raw:
        return False
    return any(os.path.basename(arg) == b'ansible-playbook' for arg in raw.split(b'\0')[:3])


def playbook_pid(pid=None, proc=PROC):
    """The process of the running ansible-playbook: the topmost of the chain of ansible-playbook processes this one
    belongs to (task workers are forks of it). Falls back to ``pid`` itself when none is found."""
    pid = pid or os.getpid()
    found = None
    current = pid
    for _depth in range(64):
        if _is_playbook(current, proc):
            found = current
        elif found is not None:
            break
        info = _stat(current, proc)
        if info is None or info[0] <= 1:
            break
        current = info[0]
    return found or pid


def new_run_id(now=None):
    """A name for a new run: the controller's local date and time, and a random part so that two runs started in the
    same second (two AWX jobs, a job and an admin) never share one (their reports and results would overwrite each
    other). 32 random bits: two ids of one second are the same once in about four billion pairs (16 bits were seen
    to collide among 200 runs). E.g. ``20261124-210000-7f3a09c2``."""
    stamp = time.strftime('%Y%m%d-%H%M%S', time.localtime(time.time() if now is None else now))
    return '%s-%s' % (stamp, binascii.hexlify(os.urandom(4)).decode('ascii'))


def owner(pid=None, proc=PROC):
    """The owner record of this run: controller, boot_id, pid, pid_start, and a new run id (new_run_id) for a run
    that is given none."""
    main = playbook_pid(pid, proc)
    info = _stat(main, proc)
    return {
        'controller': socket.gethostname(),
        'boot_id': boot_id(proc),
        'pid': main,
        'pid_start': info[1] if info else None,
        'run_id': new_run_id(),
    }


def owner_state(holder, proc=PROC):
    """``alive``, ``dead`` or ``unknown`` for an owner record written by another run."""
    if not isinstance(holder, dict) or not holder.get('controller'):
        return 'unknown'
    if holder.get('controller') != socket.gethostname():
        return 'unknown'
    if holder.get('boot_id') and holder.get('boot_id') != boot_id(proc):
        return 'dead'
    try:
        pid = int(holder.get('pid'))
    except (TypeError, ValueError):
        return 'unknown'
    info = _stat(pid, proc)
    if info is None:
        return 'dead'
    if holder.get('pid_start') is not None and str(info[1]) != str(holder.get('pid_start')):
        return 'dead'
    return 'alive'
