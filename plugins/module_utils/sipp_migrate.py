# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIPP database migrations (SOP step 6): the per-court history, its lock, and one migration run by the client.

The history is a JSON-lines file on the court, outside SIPP's database (folder 0700, file 0600), one line per step
of a run (as Flyway's schema history, but where a failed migration cannot drop it)::

    {"run_id": "...", "package": "sipp-5.1.0-5.2.0.zip", "package_sha256": "...", "database": "SIPP",
     "app_path": "/var/www/html/SIPP", "from_version": "5.1.0", "to_version": "5.2.0",
     "file": "001_jadwal_sidang.sql", "sha256": "...", "kind": "migration", "result": "ok", "error": null,
     "line": null, "started": "2026-11-24T21:30:00Z", "finished": "...", "seconds": 0.42}

``kind`` is ``migration``, ``stamp`` (the version row of a mandiri package, ``file`` = STAMP_FILE) or ``rollback``
(``result`` = ``rolled_back``: the database was restored from the backup made before the run; earlier lines of
that package no longer describe the database). A run holds an exclusive ``flock`` on ``<history>.lock``.

Plain functions, free of Ansible imports; Python 3.6, stdlib only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import fcntl
import json
import os
import re
import subprocess
# subprocess.Popen, not AnsibleModule.run_command: the client fed a migration on stdin, with a timeout; these helpers
# have no module object.
# pylint: disable=ansible-bad-function
import time

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, SippError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import make_private_dirs

DEFAULT_HISTORY = '/var/lib/pengadilan-sipp/history.jsonl'
STAMP_FILE = 'sys_config#80'
RESULTS = ('ok', 'failed', 'skipped')
# "ERROR 1054 (42S22) at line 12: Unknown column ..." (mysql and mariadb clients; the SQLSTATE may be absent)
_CLIENT_ERROR = re.compile(r'^ERROR\s+(\d+)(?:\s+\(([0-9A-Za-z]+)\))?(?:\s+at line\s+(\d+))?[^:]*:\s*(.*)$',
                           re.MULTILINE)
_CHARSET = re.compile(r'^[A-Za-z0-9_]+$')

_NEXT_ID = ("Langkah berikutnya: jalankan downgrade (playbook rollback, dengan cadangan yang dibuat sebelum upgrade), "
            "lalu perbaiki penyebabnya sebelum mencoba lagi.")
_NEXT_EN = ("Next: run the downgrade (the rollback playbook, with the backup made before the upgrade), then fix the "
            "cause before trying again.")

# Every failure says what happened, what was done, and what to do next.
MESSAGES = Catalogue({
    'id': {
        'package_refused': "{text}",
        'stamp_reads': "sys_config id 80 berisi {version} sesudah perubahan",
        'version_unread': ("Versi SIPP sesudah migrasi (sys_config id 80) tidak dapat dibaca: {error}. Hasil ini "
                           "tidak menyebut versinya. Periksa basis data SIPP bila pesan ini berulang."),
        'version_mismatch': (
            "Paket {name} untuk SIPP versi {from_version} (ke {to_version}), tetapi basis data {database} berversi "
            "{current_version} (sys_config id 80), dan riwayat {history} tidak mencatat paket ini sudah berhasil di "
            "sini. Tidak ada migrasi yang dijalankan dan tidak ada yang diubah. Gunakan paket yang dimulai dari versi "
            "{current_version}, pasang paket berurutan tanpa melompati versi."),
        'partial_run': (
            "Riwayat {history} mencatat paket {name} pernah dijalankan sebagian pada basis data {database} (run "
            "{run_id}: berhasil {done}; gagal {failed}). Skema basis data kini setengah berubah (DDL MySQL tidak dapat "
            "dibatalkan). Tidak ada migrasi yang dijalankan. Pengadilan ini harus di-downgrade lebih dulu: pulihkan "
            "basis data dari cadangan sebelum upgrade (playbook rollback), catat dengan record_rollback=true, lalu "
            "ulangi upgrade."),
        'locked': (
            "Riwayat migrasi {history} sedang dikunci oleh proses lain ({lock}): migrasi lain sedang berjalan di "
            "server ini. Tidak ada yang dijalankan. Tunggu sampai proses itu selesai (periksa dengan ps), lalu "
            "ulangi."),
        'history_unwritable': (
            "Riwayat migrasi {history} tidak dapat dibuat atau ditulisi: {error}. {done} Periksa jalur opsi history "
            "dan hak aksesnya (modul harus berjalan sebagai root: become: true)."),
        'history_unwritable_none': "Tidak ada migrasi yang dijalankan.",
        'history_unwritable_some': (
            "Migrasi sudah dijalankan sebagian ({done}); hasilnya ada di keluaran tugas ini tetapi tidak tercatat. "
            + _NEXT_ID),
        'client_missing': (
            "Program klien mariadb/mysql tidak ditemukan di server ini; migrasi hanya dijalankan dengan klien itu. "
            "Tidak ada migrasi yang dijalankan. Pasang paket klien MariaDB/MySQL (mis. yum install mariadb), lalu "
            "ulangi."),
        'migration_changed': (
            "Migrasi sql/{file} di paket {name} berubah sejak paket diperiksa: sha256 {actual}, seharusnya {expected} "
            "(manifest.json). Migrasi itu tidak dijalankan. {done} Unduh ulang paket dari SATGAS SIPP."),
        'migration_failed': (
            "Migrasi {file} (paket {name}) gagal pada baris {line}: {error}. Migrasi sebelumnya ({done}) sudah "
            "dijalankan dan skema basis data {database} kini setengah berubah; migrasi berikutnya ({skipped}) tidak "
            "dijalankan. Semua tercatat di {history}. " + _NEXT_ID),
        'database_lost': (
            "Basis data {database} berhenti menjawab saat migrasi {file} (paket {name}) berjalan: {error}. Ini "
            "bukan kesalahan paket. Migrasi sebelumnya ({done}) sudah dijalankan dan skema basis data kini setengah "
            "berubah; migrasi berikutnya ({skipped}) tidak dijalankan. Semua tercatat di {history}. " + _NEXT_ID),
        'query_failed': (
            "Basis data {database} tidak dapat dibaca atau diubah: {error}. {done} Periksa bahwa MariaDB/MySQL "
            "berjalan dan pengguna basis data berhak mengubah SIPP, lalu ulangi."),
        'stamp_failed': (
            "Versi basis data {database} tidak dapat diubah ke {to_version} (sys_config id 80): {error}. Tidak ada "
            "yang diubah di basis data. Periksa hak pengguna basis data, lalu ulangi."),
        'done_not_bumped': (
            "Riwayat {history} mencatat semua migrasi paket {name} berhasil di basis data {database}, tetapi "
            "sys_config id 80 masih {current_version}, bukan {to_version}. Tidak ada yang dijalankan. Bila basis data "
            "telah dipulihkan dari cadangan, catat dengan record_rollback=true lalu ulangi; bila tidak, migrasi "
            "terakhir tidak menaikkan versi dan upgrade ini gagal: lakukan downgrade."),
        'done_none': "Tidak ada migrasi yang dijalankan.",
        'done_some': "Yang sudah dijalankan: {files}.",
        'none': "tidak ada",
        'ok_ran': "Migrasi paket {name} berhasil dijalankan: {files}. Versi basis data kini {version}.",
        'ok_stamped': "Paket mandiri {name}: versi basis data ditetapkan ke {version} (sys_config id 80).",
        'ok_already': "Paket {name} sudah dijalankan di basis data {database} (riwayat {history}); tidak ada yang diubah.",
        'ok_nothing': "Paket {name} tidak memuat migrasi dan stamp_version=false; tidak ada yang diubah.",
        'ok_would_run': "Mode periksa: akan dijalankan {files}. Tidak ada yang diubah.",
        'ok_rollback': "Pemulihan basis data {database} untuk paket {name} dicatat di {history}.",
    },
    'en': {
        'package_refused': "{text}",
        'stamp_reads': "sys_config id 80 reads {version} after the update",
        'version_unread': ("The SIPP version after the migrations (sys_config id 80) could not be read: {error}. This "
                           "result does not give the version. Check SIPP's database if this message comes again."),
        'version_mismatch': (
            "Package {name} is for SIPP version {from_version} (to {to_version}), but database {database} is at "
            "version {current_version} (sys_config id 80), and the history {history} does not record this package as "
            "done here. No migration was run and nothing was changed. Use the package that starts at version "
            "{current_version}; apply packages in order, skipping none."),
        'partial_run': (
            "The history {history} records a partial earlier run of package {name} on database {database} (run "
            "{run_id}: done {done}; failed {failed}). The database schema is now half changed (MySQL DDL cannot be "
            "rolled back). No migration was run. This court must be downgraded first: restore the database from the "
            "backup made before the upgrade (the rollback playbook), record it with record_rollback=true, then run "
            "the upgrade again."),
        'locked': (
            "The migration history {history} is locked by another process ({lock}): another migration is running on "
            "this server. Nothing was run. Wait until it ends (check with ps), then run again."),
        'history_unwritable': (
            "The migration history {history} cannot be created or written: {error}. {done} Check the history option's "
            "path and its permissions (the module must run as root: become: true)."),
        'history_unwritable_none': "No migration was run.",
        'history_unwritable_some': (
            "Migrations were partly run ({done}); their results are in this task's output but not recorded. "
            + _NEXT_EN),
        'client_missing': (
            "No mariadb/mysql client program was found on this server; migrations run only through it. No migration "
            "was run. Install the MariaDB/MySQL client package (e.g. yum install mariadb), then run again."),
        'migration_changed': (
            "Migration sql/{file} of package {name} changed since the package was checked: sha256 {actual}, expected "
            "{expected} (manifest.json). That migration was not run. {done} Download the package again from SATGAS "
            "SIPP."),
        'migration_failed': (
            "Migration {file} (package {name}) failed at line {line}: {error}. The migrations before it ({done}) ran "
            "and the schema of database {database} is now half changed; the migrations after it ({skipped}) were not "
            "run. All of it is recorded in {history}. " + _NEXT_EN),
        'database_lost': (
            "Database {database} stopped answering while migration {file} (package {name}) ran: {error}. This is "
            "not the package's fault. The migrations before it ({done}) ran and the schema is now half changed; the "
            "migrations after it ({skipped}) were not run. All of it is recorded in {history}. " + _NEXT_EN),
        'query_failed': (
            "Database {database} cannot be read or changed: {error}. {done} Check that MariaDB/MySQL is running and "
            "that the database user may change SIPP, then run again."),
        'stamp_failed': (
            "The version of database {database} cannot be set to {to_version} (sys_config id 80): {error}. Nothing "
            "was changed in the database. Check the database user's privileges, then run again."),
        'done_not_bumped': (
            "The history {history} records every migration of package {name} as done on database {database}, but "
            "sys_config id 80 still reads {current_version}, not {to_version}. Nothing was run. If the database was "
            "restored from a backup, record it with record_rollback=true and run again; if not, the last migration "
            "did not set the version and this upgrade failed: downgrade."),
        'done_none': "No migration was run.",
        'done_some': "Already run: {files}.",
        'none': "none",
        'ok_ran': "The migrations of package {name} ran: {files}. The database is now at version {version}.",
        'ok_stamped': "Mandiri package {name}: the database version was set to {version} (sys_config id 80).",
        'ok_already': "Package {name} has already run on database {database} (history {history}); nothing changed.",
        'ok_nothing': "Package {name} holds no migration and stamp_version=false; nothing changed.",
        'ok_would_run': "Check mode: would run {files}. Nothing was changed.",
        'ok_rollback': "The restore of database {database} for package {name} was recorded in {history}.",
    },
})


def now_iso():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


def default_run_id():
    return time.strftime('%Y%m%dT%H%M%SZ', time.gmtime()) + '-%d' % os.getpid()


# ------------------------------------------------------------------------------------------------ the history

class HistoryError(SippError):
    """The migration history cannot be used (``problem``: ``locked`` or ``history_unwritable``)."""

    catalogue = MESSAGES


def read_history(path):
    """The lines of the history (list of dict; unreadable lines skipped) and how many were skipped."""
    entries = []
    bad = 0
    try:
        handle = open(path, 'rb')
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return entries, bad
        raise HistoryError('history_unwritable', history=path, error=exc.strerror or str(exc))
    with handle:
        for raw in handle:
            raw = raw.strip()
            if not raw:
                continue
            try:
                entry = json.loads(raw.decode('utf-8'))
            except ValueError:
                bad += 1
                continue
            if isinstance(entry, dict):
                entries.append(entry)
            else:
                bad += 1
    return entries, bad


class History(object):
    """The history file of one court, locked while a run uses it (``with History(path) as history:``)."""

    def __init__(self, path, create=True):
        self.path = path
        self.lock_path = path + '.lock'
        self.create = create
        self._lock = None

    def __enter__(self):
        if self.create:
            try:
                make_private_dirs(os.path.dirname(self.path) or '.')
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise HistoryError('history_unwritable', history=self.path, error=exc.strerror or str(exc))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except (IOError, OSError):
                os.close(fd)
                raise HistoryError('locked', history=self.path, lock=self.lock_path)
            self._lock = fd
        return self

    def __exit__(self, *exc_info):
        if self._lock is not None:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            finally:
                os.close(self._lock)
                self._lock = None
        return False

    def entries(self):
        return read_history(self.path)[0]

    def append(self, entry):
        """Append one JSON line (file created with mode 0600), flushed to disk."""
        data = (json.dumps(entry, sort_keys=True) + '\n').encode('utf-8')
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise HistoryError('history_unwritable', history=self.path, error=exc.strerror or str(exc))


def package_state(entries, database, package_sha256, steps):
    """What the history says of one package on one database, after its last ``rolled_back`` line.

    ``steps``: the file names a complete run records ``ok`` (the migrations, or [STAMP_FILE]). Returns a dict:
    ``state`` (``new``: nothing recorded; ``done``: every step's last result is ok; ``partial``: anything else
    recorded), ``last`` ({file: last entry}), ``run_id`` of the latest line.
    """
    mine = [e for e in entries if e.get('database') == database and e.get('package_sha256') == package_sha256]
    cut = 0
    for index, entry in enumerate(mine):
        if entry.get('result') == 'rolled_back':
            cut = index + 1
    mine = mine[cut:]
    last = {}
    for entry in mine:
        if entry.get('file') is not None:
            last[entry['file']] = entry
    if not mine:
        return dict(state='new', last=last, run_id=None)
    if steps and all((last.get(f) or {}).get('result') == 'ok' for f in steps):
        return dict(state='done', last=last, run_id=mine[-1].get('run_id'))
    return dict(state='partial', last=last, run_id=mine[-1].get('run_id'))


# ------------------------------------------------------------------------------------------------ running SQL

def valid_charset(name):
    return bool(name) and bool(_CHARSET.match(name))


def migration_command(client, defaults_arg, database, charset, connect_timeout=10):
    """argv of one migration: --defaults-extra-file first, SQL on stdin, stop at the first error (no --force)."""
    argv = [client, defaults_arg, '--batch', '--connect-timeout=%d' % int(connect_timeout or 10)]
    if valid_charset(charset):
        argv.append('--default-character-set=%s' % charset)
    argv.append('--database=%s' % database)
    return argv


def parse_client_error(text):
    """(line or None, error text) of the client's stderr: the first ``ERROR nnnn (state) at line N: ...``."""
    text = (text or '').strip()
    match = _CLIENT_ERROR.search(text)
    if not match:
        return None, text
    code, state, line, detail = match.groups()
    error = 'ERROR %s%s: %s' % (code, ' (%s)' % state if state else '', detail.strip())
    return (int(line) if line else None), error


def run_sql(argv, data, env, timeout=None):
    """Run the client with ``data`` on stdin. Returns (returncode, stdout text, stderr text)."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            close_fds=True)
    try:
        out, err = proc.communicate(input=data, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return -9, out.decode('utf-8', 'replace'), 'timeout after %s s; the client was stopped' % timeout
    return proc.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')
