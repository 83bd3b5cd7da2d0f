# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The court's lock and progress record (module sipp_lock) and its heartbeat: the one owner of that record's format.

A run keeps one record on the court naming itself, renewed (its heartbeat) at every stage and, while a long step runs
(a dump, a migration, a restore, a copy of the application), by that step's own module (:func:`keep_alive`). How old a
heartbeat is comes from the court's boot clock (``/proc/uptime``), which a step of the wall clock (NTP, an admin fixing
a slow clock) does not move: the record stores the boot id and the uptime of each heartbeat beside the wall time.

Plain functions free of Ansible imports (module code runs on the court's own Python, 3.6 on CentOS 7).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import fcntl
import json
import os
import threading
import time

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import make_private_dirs, write_json
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, SippError

RECORD_FORMAT = 2
DEFAULT_PATH = '/var/lib/pengadilan-sipp/kunci-upgrade.json'
DEFAULT_INTERVAL = 30
PROC = '/proc'


# The messages of the lock record (module sipp_lock, and every module that writes a run's progress with its lock
# option); %s-free, filled with str.format.
MESSAGES = Catalogue({
    'id': {
        'unreadable': (
            "Catatan kunci {path} tidak dapat dibaca ({error}). Tidak ada yang diubah. Periksa berkas itu; bila "
            "rusak dan tidak ada run lain yang sedang berjalan pada pengadilan ini, pindahkan berkas itu lalu "
            "jalankan ulang."),
        'unwritable': (
            "Catatan kunci {path} tidak dapat ditulis ({error}). Tidak ada yang diubah oleh langkah ini. Periksa "
            "ruang disk dan hak akses folder itu (modul berjalan sebagai root)."),
        'lost': (
            "Kunci pengadilan ini tidak lagi dipegang run ini: {who}. Run ini berhenti mengubah pengadilan ini. "
            "Periksa run yang memegang kunci; run berikutnya melanjutkan atau mengembalikan pengadilan ini dari "
            "catatan kemajuannya."),
        'lost_none': "catatan kunci sudah dihapus",
        'lost_other': "dipegang run {run_id} sejak {taken}",
        'held': "Kunci dipegang run ini.",
        'taken': "Kunci diambil oleh run ini.",
        'taken_over': "Kunci run {run_id} (detak terakhir {age:.0f} detik lalu) diambil alih oleh run ini.",
        'busy': "Pengadilan ini sedang dikerjakan run {run_id} (detak terakhir {age:.0f} detik lalu).",
        'released': "Kunci dilepas.",
        'not_ours': "Kunci dipegang run {run_id}, bukan run ini: dibiarkan.",
        'free': "Tidak ada kunci.",
    },
    'en': {
        'unreadable': (
            "The lock record {path} cannot be read ({error}). Nothing was changed. Check that file; if it is damaged "
            "and no other run works on this court, move it away and run again."),
        'unwritable': (
            "The lock record {path} cannot be written ({error}). Nothing was changed by this step. Check the disk "
            "space and the folder's permissions (the module runs as root)."),
        'lost': (
            "This run no longer holds the court's lock: {who}. This run stops changing this court. Check the run "
            "that holds it; the next run finishes or undoes this court from its progress record."),
        'lost_none': "the lock record was removed",
        'lost_other': "run {run_id} holds it since {taken}",
        'held': "The lock is held by this run.",
        'taken': "The lock was taken by this run.",
        'taken_over': "The lock of run {run_id} (last heartbeat {age:.0f} seconds ago) was taken over by this run.",
        'busy': "Run {run_id} is working on this court (last heartbeat {age:.0f} seconds ago).",
        'released': "The lock was released.",
        'not_ours': "The lock is held by run {run_id}, not this run: left alone.",
        'free': "There is no lock.",
    },
})


class LockError(SippError):
    """A lock record that cannot be read or written, or a lock this run lost (``problem``: unreadable, unwritable,
    lost)."""

    catalogue = MESSAGES


def court_clock(proc=PROC):
    """(boot id, seconds since boot) of this server: a clock that a step of the wall clock does not move.
    ('', None) where /proc cannot tell."""
    try:
        with open(os.path.join(proc, 'sys', 'kernel', 'random', 'boot_id')) as handle:
            boot = handle.read().strip()
        with open(os.path.join(proc, 'uptime')) as handle:
            uptime = float(handle.read().split()[0])
    except (IOError, OSError, ValueError, IndexError):
        return '', None
    return boot, uptime


def stamp(record, now, clock, by):
    """``record`` with a new heartbeat: the wall time (for people), the boot clock (for ages) and who beat."""
    boot, uptime = clock
    return dict(record, heartbeat=now, heartbeat_boot=boot, heartbeat_uptime=uptime, heartbeat_by=by,
                beats=int(record.get('beats') or 0) + 1)


def heartbeat_age(record, now, clock):
    """(seconds since the record's last heartbeat, how it was measured).

    ``boot``: on the court's boot clock, the same boot (a wall-clock step changes nothing). ``rebooted``: the court
    restarted since; the heartbeat is at least as old as the current boot (a lower bound on one clock). ``wall``: a
    record without a boot clock (an older format, or a server whose /proc cannot tell): the wall clock, never below 0.
    """
    boot, uptime = clock
    if uptime is not None and record.get('heartbeat_uptime') is not None and record.get('heartbeat_boot'):
        if record.get('heartbeat_boot') == boot:
            return max(0.0, uptime - float(record['heartbeat_uptime'])), 'boot'
        return uptime, 'rebooted'
    return max(0.0, now - float(record.get('heartbeat') or 0)), 'wall'


def read_record(path):
    """The record at ``path`` (dict), or None when there is none; LockError('unreadable') when it is not ours."""
    try:
        with open(path, 'rb') as handle:
            data = json.loads(handle.read(1024 * 1024).decode('utf-8'))
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None
        raise LockError('unreadable', path=path, error=exc.strerror or str(exc))
    except ValueError as exc:
        raise LockError('unreadable', path=path, error=str(exc))
    if not isinstance(data, dict) or not data.get('token'):
        raise LockError('unreadable', path=path, error='no token')
    return data


def write_record(path, record):
    try:
        write_json(path, record)
    except (IOError, OSError) as exc:
        raise LockError('unwritable', path=path, error=exc.strerror or str(exc))


class Flock(object):
    """Exclusive flock on ``<path>.lock`` for one read-modify-write (waits: the holder keeps it for milliseconds)."""

    def __init__(self, path):
        self.path = path + '.lock'
        self.fd = None

    def __enter__(self):
        try:
            make_private_dirs(os.path.dirname(self.path) or '.')
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise LockError('unwritable', path=self.path, error=exc.strerror or str(exc))
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc_info):
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)
        return False


def beat_once(path, token, by, clock=None, now=None):
    """Renew the heartbeat of the record at ``path`` when it is held by ``token``. True when renewed, False when the
    record is not ours (another run took it, it was released or removed)."""
    with Flock(path):
        record = read_record(path)
        if record is None or record.get('token') != token or record.get('released'):
            return False
        write_record(path, stamp(record, time.time() if now is None else now, clock or court_clock(), by))
        return True


class Heartbeat(object):
    """Renews a run's heartbeat every ``interval`` seconds in a daemon thread while the module that started it runs
    (it ends with the module's process). It stops by itself when the record is no longer the run's. Failures to read
    or write the record are not the step's failures: the heartbeat is skipped, the step goes on."""

    def __init__(self, path, token, interval, by):
        self.path = path
        self.token = token
        self.interval = max(1, int(interval or DEFAULT_INTERVAL))
        self.by = by
        self.beats = 0
        self.lost = False
        self._stop = threading.Event()
        self._thread = None

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                if not beat_once(self.path, self.token, self.by):
                    self.lost = True
                    return
                self.beats += 1
            except (LockError, IOError, OSError):
                continue

    def start(self):
        self._thread = threading.Thread(target=self._run, name='sipp-heartbeat')
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()


def lock_argument_spec():
    """The option ``lock`` of every module that may run long on a court (doc fragment sipp_lock)."""
    return dict(lock=dict(type='dict', options=dict(
        path=dict(type='path', default=DEFAULT_PATH),
        # '' = no run holds a lock (yet): no heartbeat
        token=dict(type='str', required=True, no_log=False),
        interval=dict(type='int', default=DEFAULT_INTERVAL),
        progress=dict(type='dict', default={}),
        reset=dict(type='bool', default=False),
    )))


def record_progress(path, token, progress, reset=False, by='', clock=None, now=None, language='id'):
    """Write ``progress`` into the record held by ``token`` (merged into its progress, or replacing it with
    ``reset``), with a heartbeat. Raises LockError('lost', who=...) when the record is not the run's any more."""
    with Flock(path):
        record = read_record(path)
        if record is None:
            raise LockError('lost', who=MESSAGES.text(language, 'lost_none'))
        if record.get('token') != token or record.get('released'):
            run_id = (record.get('owner') or {}).get('run_id') or record.get('token')
            raise LockError('lost', who=MESSAGES.text(language, 'lost_other', run_id=run_id, taken=record.get('taken')))
        base = {} if reset else record.get('progress') or {}
        write_record(path, stamp(dict(record, progress=dict(base, **progress)), time.time() if now is None else now,
                                 clock or court_clock(), by))


def keep_alive(module):
    """Start the heartbeat of the run named in the module's ``lock`` option (nothing without it, nothing in check
    mode). With ``lock.progress``, that progress is written first (the stage this module belongs to, before it
    changes anything), and the module fails, having done nothing, when the lock is no longer the run's. Returns
    the Heartbeat or None."""
    lock = module.params.get('lock')
    if not lock or not lock.get('token') or module.check_mode:
        return None
    by = getattr(module, '_name', '') or ''
    if lock.get('progress'):
        language = module.params.get('language') or 'id'
        try:
            record_progress(lock['path'], lock['token'], lock['progress'], lock.get('reset'), by,
                            language=language)
        except LockError as exc:
            module.fail_json(msg=exc.render(language), problem='lock_' + exc.problem,
                             changed=False)
    return Heartbeat(lock['path'], lock['token'], lock.get('interval'), by).start()
