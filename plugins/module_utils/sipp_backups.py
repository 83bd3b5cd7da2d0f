# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backups of one SIPP court: which are its own, which is the newest verified, what may go, what is left over.

The one owner of these decisions (retention, the rollback's default backup, the monitoring report and the upgrade
all ask here). Everything is decided from what each backup records about itself in ``BACKUP.json``, never from a
folder's name or its mtime:

* a backup belongs to a court when its record's owner is that court: kode satker, application folder, database
  name and server (machine id, else host name); a folder shared by several courts (a NAS) holds each court's own;
* "newest" is the record's ``sequence`` (one more than the court's highest when the backup was started, so a court
  whose clock ran ahead or back does not reorder its backups), then its recorded time;
* "verified" is the record's own verification (``verified: true``) and its dump still as recorded: there, with the
  recorded size (``check=size``) or also the recorded sha256 (``check=sha256``), its manifest beside it, the
  application copy present when one was made.

A new backup folder is created with ``mkdir`` (atomic: two courts, or two runs, never write into one), and its
record is written at once with ``state: in_progress``, so that an interrupted backup is known as one.

Plain functions free of Ansible imports; Python 3.6, stdlib only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import errno
import json
import os
import re
import shutil
import socket
import stat
import time
import uuid

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_common import CLOCK_TOLERANCE, iso_time
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, SippError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_links import LINKS_FOLDER, release_of
from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_selinux
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import (
    make_private_dirs, sha256_file, write_json)

RECORD = 'BACKUP.json'
RECORD_FORMAT = 2
PREFIX = 'SIPP-'
MACHINE_ID_FILES = ('/etc/machine-id', '/var/lib/dbus/machine-id')
# trees beside the application folder (sipp_app_tree): .<folder>.sipp-previous-<v>, .sipp-failed-<t>, .sipp-<v>
TREE_MARK = '.sipp-'

MESSAGES = Catalogue({
    'id': {
        'dir_unusable': (
            "Folder cadangan {path} tidak dapat dipakai: {error}. Tidak ada yang diubah. Periksa bahwa folder itu ada "
            "(atau dapat dibuat), dapat ditulis root, dan disk atau NAS-nya terpasang."),
        'not_found': (
            "Folder cadangan {path} tidak ada atau bukan cadangan (tanpa {record}). Tidak ada yang diubah. Sebutkan "
            "folder cadangan yang benar (SIPP-<kode_satker>-<tanggal>-<jam>)."),
        'not_owned': (
            "Cadangan {path} bukan milik pengadilan ini: {why}. Tidak ada yang diubah. Sebutkan cadangan pengadilan "
            "ini sendiri, atau kosongkan pilihan agar cadangan terverifikasi terbaru pengadilan ini yang dipakai."),
        'record_unwritable': (
            "Catatan cadangan {path} tidak dapat ditulis: {error}. Cadangan ini tidak dianggap terverifikasi. Periksa "
            "ruang disk dan hak akses folder cadangan, lalu jalankan lagi."),
        'remove_failed': (
            "{path} tidak dapat dihapus: {error}. Yang sudah dihapus: {removed}. Cadangan lain tidak disentuh. "
            "Periksa hak akses dan disk, lalu jalankan lagi."),
        'no_kode': (
            "Kode satker pengadilan ini tidak diketahui (sys_config id 82 kosong), jadi cadangannya tidak dapat "
            "dinamai dan dikenali. Tidak ada yang diubah. Isi kode_satker di sys_config SIPP pengadilan ini."),
        'reserved': "Folder cadangan {name} dibuat untuk pengadilan ini (urutan {sequence}).",
        'recorded': "Cadangan {name} tercatat terverifikasi.",
        'relabelled': "Konteks SELinux dari cadangan {name} diberikan kembali ke {count} path yang dipulihkan.",
        'relabel_failed': (
            "Konteks SELinux dari cadangan {name} tidak dapat diberikan kembali ke {path}: {error}. Berkas SIPP "
            "sudah dipulihkan, tetapi server web mungkin tidak dapat menulis cache, log atau unggahan. Jalankan "
            "restorecon -R pada folder aplikasi dan folder unggahan, lalu periksa SIPP."),
        'copy_incomplete': (
            "Salinan folder aplikasi tidak sama dengan aslinya: folder aplikasi (dengan isi folder bertautnya) memuat "
            "{source} berkas, salinannya di cadangan {backup} berkas."),
        'query': "{own} cadangan milik pengadilan ini ({verified} terverifikasi), terbaru terverifikasi: {newest}.",
        'pruned': (
            "Retensi: {kept} cadangan disimpan, {removed} dihapus; sisa pekerjaan yang terputus dibersihkan: "
            "{cleaned}."),
        'none': "tidak ada",
        'why_newest': (
            "{name} dipilih karena cadangan terverifikasi terbaru pengadilan ini menurut catatannya sendiri "
            "(urutan {sequence}, dibuat {created}){skipped}"),
        'why_skipped': "; dilewati yang lebih baru: {items}",
        'refused': (
            "Cadangan terbaru pengadilan ini tidak dapat dipakai: {items}. Tidak ada yang diubah dan tidak ada yang "
            "dipulihkan dari cadangan itu. {next}"),
        'refused_named': (
            "Cadangan {items} tidak lolos pembuktian. Tidak ada yang diubah dan tidak ada yang dipulihkan dari "
            "cadangan itu. {next}"),
        'next_verified': (
            "Cadangan berikutnya yang lolos pembuktian: {name} (urutan {sequence}, dibuat {created}); memulihkan "
            "darinya membuang data yang dimasukkan sesudah waktu itu. Bila itu yang dikehendaki, sebutkan cadangan itu "
            "(sipp_rollback_backup={name}); bila tidak, periksa disk cadangan dan hubungi SATGAS SIPP."),
        'no_next_verified': (
            "Tidak ada cadangan lain pengadilan ini yang lolos pembuktian. Periksa disk cadangan (berkas yang rusak "
            "atau terpotong), jangan menghapus apa pun, dan hubungi SATGAS SIPP."),
        # problems of one backup
        'p_not_verified': "belum terverifikasi (pencadangan tidak selesai)",
        'p_in_progress': "sedang berjalan (dimulai {started})",
        'p_no_dump': "berkas dump {file} tidak ada",
        'p_dump_size': "ukuran dump {file} {size} byte, tercatat {expected}",
        'p_dump_sha256': "sha256 dump {file} {found}, tercatat {expected}",
        'p_app_count': "salinan folder aplikasi berisi {found} berkas, tercatat {expected}",
        'p_in_future': "waktunya {created} di masa depan menurut jam server ini (sekarang {now})",
        'p_no_manifest': "manifest dump {file} tidak ada",
        'p_no_app': "salinan folder aplikasi (app/) tidak ada",
        'p_renamed': "folder bernama {folder}, catatannya menyebut {name} (disalin atau diganti nama)",
        'p_unreadable': "catatan {record} tidak dapat dibaca: {error}",
        # why a backup is not this court's
        'w_kode': "kode satker {theirs}, pengadilan ini {ours}",
        'w_app': "folder aplikasi {theirs}, pengadilan ini {ours}",
        'w_db': "database {theirs}, pengadilan ini {ours}",
        'w_server': "server {theirs}, pengadilan ini {ours}",
        'w_unreadable': "catatannya tidak dapat dibaca",
        # leftovers
        'l_unrecorded': "folder cadangan tanpa catatan",
        'l_interrupted': "cadangan yang tidak selesai",
        'l_tree': "pohon aplikasi yang tertinggal",
        'k_named': "disebut {by}",
        'k_in_progress': "mungkin sedang berjalan",
        'k_locked': "pengadilan sedang dikerjakan run {run_id}",
        'by_lock': "catatan kemajuan run {run_id}",
        'by_result': "hasil run {run_id}",
        'by_protect': "run ini",
    },
    'en': {
        'dir_unusable': (
            "The backup folder {path} cannot be used: {error}. Nothing was changed. Check that it exists (or can be "
            "created), root can write it, and its disk or NAS is mounted."),
        'not_found': (
            "The backup folder {path} does not exist or is not a backup (no {record}). Nothing was changed. Name the "
            "right backup folder (SIPP-<kode_satker>-<date>-<time>)."),
        'not_owned': (
            "Backup {path} does not belong to this court: {why}. Nothing was changed. Name a backup of this court, "
            "or leave the choice empty so that this court's newest verified backup is used."),
        'record_unwritable': (
            "The backup record {path} cannot be written: {error}. This backup is not taken as verified. Check the "
            "disk space and the backup folder's permissions, then run again."),
        'remove_failed': (
            "{path} cannot be removed: {error}. Removed so far: {removed}. No other backup was touched. Check the "
            "permissions and the disk, then run again."),
        'no_kode': (
            "This court's kode satker is unknown (sys_config id 82 is empty), so its backups cannot be named and "
            "told apart. Nothing was changed. Fill in kode_satker in this court's SIPP sys_config."),
        'reserved': "Backup folder {name} created for this court (sequence {sequence}).",
        'recorded': "Backup {name} recorded as verified.",
        'relabelled': "The SELinux contexts of backup {name} were given back to {count} restored paths.",
        'relabel_failed': (
            "The SELinux contexts of backup {name} could not be given back to {path}: {error}. SIPP's files are "
            "restored, but the web server may not be able to write its cache, logs or uploads. Run restorecon -R on "
            "the application folder and the uploads folder, then check SIPP."),
        'copy_incomplete': (
            "The copy of the application folder differs from the original: the application folder (with what its "
            "links point to) holds {source} files, its copy in the backup {backup} files."),
        'query': "{own} backups of this court ({verified} verified), newest verified: {newest}.",
        'pruned': "Retention: {kept} backups kept, {removed} removed; left by interrupted work and cleaned: {cleaned}.",
        'none': "none",
        'why_newest': (
            "{name} was chosen as this court's newest verified backup by its own record (sequence {sequence}, made "
            "{created}){skipped}"),
        'why_skipped': "; newer ones passed over: {items}",
        'refused': (
            "This court's newest backup cannot be used: {items}. Nothing was changed and nothing was restored from it. "
            "{next}"),
        'refused_named': (
            "Backup {items} failed its proof. Nothing was changed and nothing was restored from it. {next}"),
        'next_verified': (
            "The next backup that passes its proof: {name} (sequence {sequence}, made {created}); restoring it "
            "discards what was entered after that time. If that is what you want, name it "
            "(sipp_rollback_backup={name}); if not, check the backup disk and call SATGAS SIPP."),
        'no_next_verified': (
            "No other backup of this court passes its proof. Check the backup disk (damaged or cut files), delete "
            "nothing, and call SATGAS SIPP."),
        'p_not_verified': "not verified (the backup did not finish)",
        'p_in_progress': "in progress (started {started})",
        'p_no_dump': "the dump {file} is missing",
        'p_dump_size': "the dump {file} is {size} bytes, recorded {expected}",
        'p_dump_sha256': "the dump {file} has sha256 {found}, recorded {expected}",
        'p_app_count': "the application copy holds {found} files, recorded {expected}",
        'p_in_future': "its time {created} lies in the future of this server's clock (now {now})",
        'p_no_manifest': "the dump's manifest {file} is missing",
        'p_no_app': "the application copy (app/) is missing",
        'p_renamed': "the folder is named {folder}, its record says {name} (copied or renamed)",
        'p_unreadable': "its record {record} cannot be read: {error}",
        'w_kode': "kode satker {theirs}, this court {ours}",
        'w_app': "application folder {theirs}, this court {ours}",
        'w_db': "database {theirs}, this court {ours}",
        'w_server': "server {theirs}, this court {ours}",
        'w_unreadable': "its record cannot be read",
        'l_unrecorded': "backup folder without a record",
        'l_interrupted': "backup that did not finish",
        'l_tree': "application tree left behind",
        'k_named': "named by {by}",
        'k_in_progress': "may be in progress",
        'k_locked': "the court is being worked on by run {run_id}",
        'by_lock': "the progress record of run {run_id}",
        'by_result': "the result of run {run_id}",
        'by_protect': "this run",
    },
})


class BackupsError(SippError):
    """A refusal of the backups folder (``problem``: a key of MESSAGES)."""

    catalogue = MESSAGES


# ------------------------------------------------------------------------------------------------ identity

def server_identity():
    """This machine: its host name and machine id (None when unreadable)."""
    machine_id = None
    for path in MACHINE_ID_FILES:
        try:
            with open(path) as handle:
                machine_id = handle.read().strip() or None
        except (IOError, OSError):
            continue
        if machine_id:
            break
    return dict(hostname=socket.gethostname(), machine_id=machine_id)


def _norm_path(path):
    return os.path.normpath(path).rstrip('/') if path else path


def owner_of(identity):
    """The ``owner`` part of a record for the court described by ``identity`` (the module's option)."""
    server = identity.get('server') or {}
    return dict(
        kode_satker=identity.get('kode_satker') or None,
        nama=identity.get('nama') or None,
        app_path=_norm_path(identity.get('app_path')) or None,
        database=identity.get('database') or None,
        hostname=server.get('hostname') or None,
        machine_id=server.get('machine_id') or None,
        inventory_name=identity.get('inventory_name') or None,
    )


def record_owner(record):
    """The owner a record names; records of the first format kept it in their top-level fields."""
    owner = record.get('owner')
    if isinstance(owner, dict):
        return owner
    database = record.get('database') if isinstance(record.get('database'), dict) else {}
    return dict(kode_satker=record.get('kode_satker'), nama=record.get('nama'),
                app_path=_norm_path(record.get('app_path')), database=database.get('database'),
                hostname=None, machine_id=None, inventory_name=record.get('court'))


def mismatch(record, identity):
    """None when the record belongs to the court ``identity`` describes, else (key, theirs, ours) of the first
    difference. A field the court's identity does not give (unknown) is not compared."""
    theirs = record_owner(record)
    ours = owner_of(identity)
    pairs = [('w_kode', 'kode_satker'), ('w_app', 'app_path'), ('w_db', 'database')]
    for key, field in pairs:
        if ours.get(field) and (theirs.get(field) or None) != ours[field]:
            return key, theirs.get(field) or '-', ours[field]
    if theirs.get('machine_id') and ours.get('machine_id'):
        if theirs['machine_id'] != ours['machine_id']:
            return 'w_server', theirs.get('hostname') or theirs['machine_id'], ours.get('hostname') or ours['machine_id']
    elif theirs.get('hostname') and ours.get('hostname') and theirs['hostname'] != ours['hostname']:
        return 'w_server', theirs['hostname'], ours['hostname']
    return None


def safe_kode(kode):
    return re.sub(r'[^A-Za-z0-9._-]+', '_', (kode or '').strip())


# ------------------------------------------------------------------------------------------------ times

def parse_time(value):
    """Epoch seconds of an ISO 8601 time with an offset (``2026-11-24T21:00:05+07:00``), or None."""
    if isinstance(value, (int, float)):
        return float(value)
    found = re.match(r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$',
                     (value or '').strip())
    if not found:
        return None
    parts = [int(x) for x in found.groups()[:6]]
    zone = found.group(7)
    try:
        moment = datetime.datetime(*parts)
    except ValueError:
        return None
    if not zone:
        return time.mktime(moment.timetuple())
    offset = 0
    if zone != 'Z':
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        offset = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    epoch = (moment - datetime.datetime(1970, 1, 1)).total_seconds()
    return epoch - offset


def _legacy_created(record):
    """Epoch of a first-format record's ``created`` (``YYYY-MM-DD-HHMM`` by the court's clock)."""
    found = re.match(r'^(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})$', str(record.get('created') or ''))
    if not found:
        return None
    try:
        return time.mktime(datetime.datetime(*[int(x) for x in found.groups()]).timetuple())
    except (ValueError, OverflowError):
        return None


# ------------------------------------------------------------------------------------------------ reading

def read_json(path):
    """(data, error): a JSON object from ``path``, or None and why not (None, None: there is no such file)."""
    try:
        with open(path, 'rb') as handle:
            data = json.loads(handle.read(4 * 1024 * 1024).decode('utf-8'))
    except (IOError, OSError) as exc:
        if exc.errno == errno.ENOENT:
            return None, None
        return None, exc.strerror or str(exc)
    except ValueError as exc:
        return None, str(exc)
    if not isinstance(data, dict):
        return None, 'not a JSON object'
    return data, None


def read_record(folder):
    """(record, error): the folder's BACKUP.json, as read_json returns it."""
    return read_json(os.path.join(folder, RECORD))


def tree_bytes(path):
    """Bytes taken on disk by a folder (allocated blocks, each hard-linked file once), like ``du -s``."""
    total = 0
    seen = set()
    for root, dirs, names in os.walk(path, followlinks=False):
        for name in dirs + names:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in seen:
                continue
            if st.st_nlink > 1:
                seen.add((st.st_dev, st.st_ino))
            total += getattr(st, 'st_blocks', 0) * 512
    return total


def _dump_problems(folder, record, check):
    """What differs between a backup and its record: ``size`` looks at the dump's size, its manifest and the
    application copy; ``sha256`` also reads the dump through and counts the application copy's files."""
    problems = []
    database = record.get('database') if isinstance(record.get('database'), dict) else {}
    dest = database.get('dest')
    if not dest:
        return [('p_no_dump', dict(file='database.sql'))]
    dump = os.path.join(folder, os.path.basename(dest))
    try:
        st = os.stat(dump)
    except OSError:
        return [('p_no_dump', dict(file=os.path.basename(dump)))]
    expected = database.get('size_bytes')
    if check in ('size', 'sha256') and isinstance(expected, int) and st.st_size != expected:
        problems.append(('p_dump_size', dict(file=os.path.basename(dump), size=st.st_size, expected=expected)))
    if check == 'sha256' and database.get('sha256'):
        try:
            actual = sha256_file(dump)
        except (IOError, OSError) as exc:
            actual = exc.strerror or str(exc)
        if actual != database['sha256']:
            problems.append(('p_dump_sha256', dict(file=os.path.basename(dump), found=actual,
                                                   expected=database['sha256'])))
    if not os.path.isfile(dump + '.manifest.json'):
        problems.append(('p_no_manifest', dict(file=os.path.basename(dump) + '.manifest.json')))
    if record.get('app_files') is not None:
        app = os.path.join(folder, 'app')
        if not os.path.isdir(app):
            problems.append(('p_no_app', {}))
        elif check == 'sha256' and isinstance(record.get('app_files'), int):
            # the application copy, and what the application's symlinks pointed to (uploads on another disk)
            found = count_files(app) + count_files(os.path.join(folder, LINKS_FOLDER))
            if found != record['app_files']:
                problems.append(('p_app_count', dict(found=found, expected=record['app_files'])))
    return problems


# problems that do not make a backup unverified, but keep it from being taken as the newest by itself
SUSPECT = ('p_renamed', 'p_in_future')
# a backup's time further ahead of the court's clock than this is "in the future" (the clock was set back since)
FUTURE_SECONDS = CLOCK_TOLERANCE


def describe(folder, record, check, now, in_progress_seconds, future_seconds=FUTURE_SECONDS):
    """One backup as the module returns it: name, times, sequence, verified, problems (keys and params).

    ``complete``: its record says the backup finished and was verified; ``damaged``: complete, but what is on disk
    no longer matches the record (``check``); ``suspect``: renamed, or its time lies in the future of the court's
    clock (``now``): never taken as the newest by itself."""
    name = os.path.basename(folder)
    created = parse_time(record.get('created'))
    if created is None:
        created = record.get('created_epoch') if isinstance(record.get('created_epoch'), (int, float)) else None
    if created is None:
        created = _legacy_created(record)
    started = record.get('started_epoch') if isinstance(record.get('started_epoch'), (int, float)) else created
    problems = []
    state = record.get('state') or ('verified' if record.get('verified') is True else 'in_progress')
    in_progress = False
    if record.get('verified') is not True or state != 'verified':
        # started less than in_progress_seconds ago, or "in the future" (the clock was set back): left alone
        if started is not None and now - started < in_progress_seconds:
            in_progress = True
            problems.append(('p_in_progress', dict(started=record.get('started') or '-')))
        else:
            problems.append(('p_not_verified', {}))
    else:
        problems.extend(_dump_problems(folder, record, check))
    complete = record.get('verified') is True and state == 'verified'
    if record.get('name') and record.get('name') != name:
        problems.append(('p_renamed', dict(folder=name, name=record.get('name'))))
    in_future = created is not None and created > now + future_seconds
    if in_future:
        problems.append(('p_in_future', dict(created=record.get('created') or iso_time(created), now=iso_time(now))))
    verified = not [p for p in problems if p[0] not in SUSPECT]
    sequence = record.get('sequence') if isinstance(record.get('sequence'), int) else 0
    return dict(
        name=name, path=folder, id=record.get('id'), sequence=sequence,
        created=record.get('created'), created_epoch=created, started=record.get('started'),
        age_seconds=int(now - created) if created is not None else None,
        version=record.get('version'), verified=verified, in_progress=in_progress,
        complete=complete, damaged=complete and not verified, in_future=in_future,
        suspect=bool([p for p in problems if p[0] in SUSPECT]),
        renamed=bool(record.get('name') and record.get('name') != name),
        sha256=(record.get('database') or {}).get('sha256') if isinstance(record.get('database'), dict) else None,
        problems=problems, record=record,
    )


def newest_key(backup):
    """Order of "newest": the recorded sequence, then the recorded time (one in the future of the court's clock
    last), the original before a renamed copy."""
    return (backup['sequence'], not backup['in_future'], backup['created_epoch'] or 0, not backup['renamed'],
            backup['name'])


def scan(directory, identity, check='size', now=None, in_progress_seconds=14400, future_seconds=FUTURE_SECONDS):
    """Everything in ``directory``: the court's own backups (newest first), other courts' backups (names and why),
    and folders named for this court's kode satker that hold no record (``unrecorded``)."""
    now = time.time() if now is None else now
    own, others, unrecorded, unreadable = [], [], [], []
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            names = []
        else:
            raise BackupsError('dir_unusable', path=directory, error=exc.strerror or str(exc))
    kode = safe_kode(identity.get('kode_satker'))
    for name in names:
        folder = os.path.join(directory, name)
        if name.startswith('.') or not os.path.isdir(folder) or os.path.islink(folder):
            continue
        record, error = read_record(folder)
        if record is None:
            entry = dict(name=name, path=folder, error=error)
            if error is not None:
                unreadable.append(entry)
            elif kode and name.startswith('%s%s-' % (PREFIX, kode)):
                unrecorded.append(entry)
            continue
        why = mismatch(record, identity)
        if why is not None:
            others.append(dict(name=name, path=folder, why=why))
            continue
        own.append(describe(folder, record, check, now, in_progress_seconds, future_seconds))
    own.sort(key=newest_key, reverse=True)
    return dict(own=own, others=others, unrecorded=unrecorded, unreadable=unreadable)


def newest_verified(own):
    """The newest backup that is verified and not suspect (renamed, or in the future of the court's clock)."""
    for backup in own:
        if backup['verified'] and not backup['suspect']:
            return backup
    return None


def prove(backup, now, in_progress_seconds=14400, future_seconds=FUTURE_SECONDS):
    """The same backup described again with its dump read through (sha256) and its application copy counted."""
    return describe(backup['path'], backup['record'], 'sha256', now, in_progress_seconds, future_seconds)


def choose(own, now, in_progress_seconds=14400, future_seconds=FUTURE_SECONDS, start=0):
    """The backup a restore stands on when none is named: (chosen, refused, next) where ``own`` is updated with the
    proofs made. The newest complete backup (from ``own[start]`` on) must prove itself (sha256 of its dump, its
    application copy); when it is damaged or suspect, nothing is chosen (``refused`` lists it and why) and ``next`` is
    the newest older backup that proves itself: an older backup is never restored in its place without being named,
    since that discards what was entered after it. ``chosen or next`` is the newest that proves itself."""
    refused, chosen, following = [], None, None
    for index in range(start, len(own)):
        if not own[index]['complete']:
            continue        # never finished: it never held the court's data, and does not hide older ones
        # read through even when its size already differs: the message gives the sha256 found and recorded
        backup = own[index] = prove(own[index], now, in_progress_seconds, future_seconds)
        if backup['verified'] and not backup['suspect']:
            if refused:
                following = backup
            else:
                chosen = backup
            break
        refused.append(backup)
    return chosen, refused, following


def next_text(language, backup):
    if backup is None:
        return MESSAGES.text(language, 'no_next_verified')
    return MESSAGES.text(language, 'next_verified', name=backup['name'], sequence=backup['sequence'],
                         created=backup['created'] or '-')


def refused_text(language, refused, following, named=False):
    """Why no backup is restored from (the newest ones, or the one named), and the next one that proves itself."""
    items = ', '.join('%s (%s)' % (b['name'], problem_text(language, b)) for b in refused)
    return MESSAGES.text(language, 'refused_named' if named else 'refused', items=items, next=next_text(language,
                                                                                                        following))


def problem_text(language, backup):
    return '; '.join(MESSAGES.text(language, key, **params) for key, params in backup['problems'])


def why_chosen(language, own, chosen):
    """Why ``chosen`` is the backup to use, naming the newer ones passed over and their problems."""
    skipped = []
    for backup in own:
        if backup is chosen:
            break
        skipped.append('%s (%s)' % (backup['name'], problem_text(language, backup)))
    return MESSAGES.text(language, 'why_newest', name=chosen['name'], sequence=chosen['sequence'],
                         created=chosen['created'] or '-',
                         skipped=MESSAGES.text(language, 'why_skipped', items=', '.join(skipped)) if skipped else '')


# ------------------------------------------------------------------------------------------------ what names a backup

def read_lock(lock_file):
    return read_json(lock_file)[0] if lock_file else None


def latest_result(result_dir, identity):
    """The newest result of an upgrade run on this court (by its recorded end, then run id), or None."""
    best, best_key = None, None
    try:
        names = os.listdir(result_dir) if result_dir else []
    except OSError:
        names = []
    for name in names:
        if not name.endswith('.json'):
            continue
        data = read_json(os.path.join(result_dir, name))[0]
        if not data:
            continue
        kode = identity.get('kode_satker')
        if kode and data.get('kode_satker') and data.get('kode_satker') != kode:
            continue
        key = (parse_time(data.get('finished')) or 0, str(data.get('run_id') or ''))
        if best_key is None or key > best_key:
            best, best_key = data, key
    return best


def _run_id(lock):
    return ((lock or {}).get('owner') or {}).get('run_id') or (lock or {}).get('token') or '?'


def named_backups(lock, result, protect):
    """{folder name: who names it} for the backups a lock, a progress record, the latest result or this run names."""
    named = {}
    for item in protect or []:
        if item:
            named[os.path.basename(_norm_path(item))] = ('by_protect', {})
    if lock:
        progress = lock.get('progress') or {}
        if progress.get('backup'):
            named[os.path.basename(_norm_path(progress['backup']))] = ('by_lock', dict(run_id=_run_id(lock)))
    if result:
        name = (result.get('backup') or {}).get('name') if isinstance(result.get('backup'), dict) else None
        if name:
            named.setdefault(name, ('by_result', dict(run_id=result.get('run_id') or '?')))
    return named


# ------------------------------------------------------------------------------------------------ changes

def _stamp(now):
    return time.strftime('%Y-%m-%d-%H%M', time.localtime(now))


def reserve(directory, identity, now=None, check_mode=False):
    """Create this court's new backup folder atomically, with a record ``state: in_progress``."""
    now = time.time() if now is None else now
    kode = safe_kode(identity.get('kode_satker'))
    if not kode:
        raise BackupsError('no_kode')
    try:
        if not check_mode:
            make_private_dirs(directory)
    except OSError as exc:
        raise BackupsError('dir_unusable', path=directory, error=exc.strerror or str(exc))
    found = scan(directory, identity, check='record', now=now)
    sequence = max([b['sequence'] for b in found['own']] + [0]) + 1
    previous = newest_verified(found['own'])
    base = '%s%s-%s' % (PREFIX, kode, _stamp(now))
    record = dict(
        format=RECORD_FORMAT, id=uuid.uuid4().hex, sequence=sequence, state='in_progress', verified=False,
        started=iso_time(now), started_epoch=now, owner=owner_of(identity),
        kode_satker=identity.get('kode_satker'), nama=identity.get('nama'),
        app_path=_norm_path(identity.get('app_path')), court=identity.get('inventory_name'),
    )
    if check_mode:
        return dict(changed=True, name=base, path=os.path.join(directory, base), sequence=sequence,
                    previous=previous, record=record)
    for attempt in range(1, 100):
        name = base if attempt == 1 else '%s-%d' % (base, attempt)
        folder = os.path.join(directory, name)
        try:
            os.mkdir(folder, 0o700)
        except OSError as exc:
            if exc.errno == errno.EEXIST:
                continue
            raise BackupsError('dir_unusable', path=folder, error=exc.strerror or str(exc))
        os.chmod(folder, 0o700)
        record['name'] = name
        try:
            write_json(os.path.join(folder, RECORD), record, indent=1)
        except (IOError, OSError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise BackupsError('record_unwritable', path=os.path.join(folder, RECORD), error=exc.strerror or str(exc))
        return dict(changed=True, name=name, path=folder, sequence=sequence, previous=previous, record=record)
    raise BackupsError('dir_unusable', path=os.path.join(directory, base), error='100 folders of that name')


def count_files(path):
    """Regular files under ``path`` as ``find -H <path> -type f`` counts them: the path itself followed when it is a
    link (an application folder that is a link to its release, a linked uploads disk), links inside it not."""
    if os.path.isfile(path):
        return 1
    total = 0
    for _root, _dirs, names in os.walk(path):
        for name in names:
            if stat.S_ISREG(os.lstat(os.path.join(_root, name)).st_mode):
                total += 1
    return total


def record_verified(folder, identity, facts, now=None, check_mode=False, language='id', copies=None, labels=None):
    """Mark the backup in ``folder`` verified, with ``facts`` (database, app_files, version, linked_to, ...).

    ``copies``: what was copied into the backup, each ``{src, name}`` (the application folder as ``app``, what its
    links point to as ``links/<path>``): the files of the sources and of their copies are counted first, and a copy
    that lacks files is refused (BackupsError 'copy_incomplete'); their count is recorded as ``app_files``, and,
    where SELinux is on (``labels``, sipp_selinux.Labels), their contexts as ``selinux`` ({name: sparse record}), for
    a restore to give back.
    Its time (``created``) is when it was started: the moment its data is from."""
    now = time.time() if now is None else now
    record, error = read_record(folder)
    if record is None:
        raise BackupsError('not_found', path=folder, record=RECORD)
    why = mismatch(record, identity)
    if why is not None:
        raise BackupsError('not_owned', path=folder, why=MESSAGES.text(language, why[0], theirs=why[1], ours=why[2]))
    record = dict(record)
    record.update(facts or {})
    if copies:
        source = sum(count_files(c['src']) for c in copies)
        backup = sum(count_files(os.path.join(folder, c['name'])) for c in copies)
        if source != backup:
            raise BackupsError('copy_incomplete', source=source, backup=backup)
        record['app_files'] = source
        labels = labels if labels is not None else sipp_selinux.Labels()
        if labels.enabled:
            record['selinux'] = dict((c['name'], sipp_selinux.record(c['src'], labels)) for c in copies)
    started = record.get('started_epoch') if isinstance(record.get('started_epoch'), (int, float)) else now
    record.update(state='verified', verified=True, created=iso_time(started), created_epoch=started,
                  verified_at=iso_time(now), name=os.path.basename(folder), format=RECORD_FORMAT)
    if not check_mode:
        try:
            write_json(os.path.join(folder, RECORD), record, indent=1)
        except (IOError, OSError) as exc:
            raise BackupsError('record_unwritable', path=os.path.join(folder, RECORD), error=exc.strerror or str(exc))
    return dict(changed=True, name=os.path.basename(folder), path=folder, record=record)


def relabel(folder, copies, check_mode=False, labels=None):
    """Give the paths restored from the backup in ``folder`` the SELinux contexts its record holds: ``copies``, each
    ``{name, to}`` (``app`` and ``links/<path>``, where each was put back). Returns the number of paths changed (to
    change, in check mode); 0 where SELinux is off or the backup recorded no contexts."""
    labels = labels if labels is not None else sipp_selinux.Labels()
    if not labels.enabled:
        return 0
    record, dummy = read_record(folder)
    if record is None:
        raise BackupsError('not_found', path=folder, record=RECORD)
    recorded = record.get('selinux') or {}
    changed = 0
    for copy in copies:
        contexts = recorded.get(copy['name'])
        if not contexts or not os.path.lexists(copy['to']):
            continue
        try:
            if check_mode:
                changed += len(sipp_selinux.differences(copy['to'], contexts, labels))
            else:
                changed += sipp_selinux.apply(copy['to'], contexts, labels)
        except OSError as exc:
            raise BackupsError('relabel_failed', name=os.path.basename(folder),
                               path=getattr(exc, 'filename', None) or copy['to'], error=exc.strerror or str(exc))
    return changed


def _remove(path):
    if os.path.islink(path) or not os.path.isdir(path):
        os.unlink(path)
        return
    # the backups are root 0700/0600: make every folder writable first so rmtree can empty it
    for root, dirs, names in os.walk(path):
        for name in dirs:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                os.chmod(full, stat.S_IRWXU)
    os.chmod(path, stat.S_IRWXU)
    shutil.rmtree(path)


def app_trees(app_path):
    """Folders beside the application folder named ``.<folder>.sipp-...`` (kept, failed and staged trees)."""
    if not app_path:
        return []
    app_path = _norm_path(app_path)
    folder = os.path.basename(app_path)
    prefix = '.%s%s' % (folder, TREE_MARK)
    # in the release layout (the application folder a link to a release folder) they lie beside the releases
    release = release_of(app_path)
    parents = [os.path.dirname(app_path)] + ([os.path.dirname(release['release'])] if release else [])
    found = []
    for parent in sorted(set(parents)):
        try:
            names = sorted(os.listdir(parent))
        except OSError:
            continue
        found.extend(os.path.join(parent, n) for n in names
                     if n.startswith(prefix) and len(n) > len(prefix) and '.sipp-tmp-' not in n
                     and os.path.isdir(os.path.join(parent, n)) and not os.path.islink(os.path.join(parent, n)))
    return found


def _named_why(language, by):
    return MESSAGES.text(language, 'k_named', by=MESSAGES.text(language, by[0], **by[1]))


def leftovers_of(found, named, lock=None, lock_token=None, app_path=None, now=None, in_progress_seconds=14400,
                 language='id'):
    """What interrupted work left, and what the leftovers' owner does with each: ([entry], [path to remove]).

    The court's backups that never finished, folders named for its kode satker without a record, and (with
    ``app_path``) the trees beside its application folder; each entry says ``removed``, or ``kept`` and why (named
    by the lock, a result or this run; may still be running; another run holds the lock)."""
    now = time.time() if now is None else now
    entries, remove = [], []

    def decide(entry, by, running):
        if by:
            entry.update(action='kept', why=_named_why(language, by))
        elif running:
            entry.update(action='kept', why=MESSAGES.text(language, 'k_in_progress'))
        else:
            entry.update(action='removed')
            remove.append(entry['path'])
        entries.append(entry)

    for backup in found['own']:
        if not backup['complete']:
            decide(dict(path=backup['path'], name=backup['name'], kind='l_interrupted',
                        what=MESSAGES.text(language, 'l_interrupted'), detail=problem_text(language, backup)),
                   named.get(backup['name']), backup['in_progress'])
    for item in found['unrecorded']:
        try:
            age = now - os.lstat(item['path']).st_mtime
        except OSError:
            age = 0
        decide(dict(path=item['path'], name=item['name'], kind='l_unrecorded', what=MESSAGES.text(language,
                                                                                                  'l_unrecorded'),
                    detail=None), named.get(item['name']), age < in_progress_seconds)
    held_by_other = bool(lock and not lock.get('released') and lock.get('token') != lock_token)
    progress = (lock or {}).get('progress') or {}
    tree_named = set(_norm_path(p) for p in (progress.get('previous_tree'), progress.get('staging')) if p)
    for tree in app_trees(app_path):
        entry = dict(path=tree, name=os.path.basename(tree), kind='l_tree', what=MESSAGES.text(language, 'l_tree'),
                     detail=None)
        if held_by_other:
            entry.update(action='kept', why=MESSAGES.text(language, 'k_locked', run_id=_run_id(lock)))
            entries.append(entry)
        else:
            decide(entry, ('by_lock', dict(run_id=_run_id(lock))) if _norm_path(tree) in tree_named else None, False)
    return entries, remove


def measure(entries):
    """Each entry's ``size_bytes``: the space its folder takes (the monitoring report shows it)."""
    for entry in entries:
        if 'size_bytes' not in entry:
            entry['size_bytes'] = tree_bytes(entry['path'])
    return entries


def plan(directory, identity, keep, protect=(), lock=None, result=None, lock_token=None, app_path=None,
         check='size', now=None, in_progress_seconds=14400, future_seconds=FUTURE_SECONDS, language='id'):
    """What retention and the leftovers' owner decide, without changing anything.

    Returns dict(found, kept, remove, leftovers, newest) where ``remove`` is a list of (path, kind) and
    ``leftovers`` lists every leftover and what is done with it (removed, or kept and why)."""
    now = time.time() if now is None else now
    found = scan(directory, identity, check=check, now=now, in_progress_seconds=in_progress_seconds,
                 future_seconds=future_seconds)
    named = named_backups(lock, result, protect)
    newest = newest_verified(found['own'])
    verified = [b for b in found['own'] if b['verified']]
    kept_names = set(b['name'] for b in verified[:max(1, keep)])
    if newest is not None:
        kept_names.add(newest['name'])
    # a damaged backup (complete, but no longer as recorded) is kept while it is newer than a kept verified one:
    # (or there is none): the operator sees it in the monitoring report and decides; older ones go with retention
    kept_keys = [newest_key(b) for b in verified if b['name'] in kept_names]
    last_kept = min(kept_keys) if kept_keys else None
    remove, kept = [], []
    for backup in [b for b in found['own'] if b['complete']]:
        by = named.get(backup['name'])
        damaged_but_recent = backup['damaged'] and (last_kept is None or newest_key(backup) > last_kept)
        if backup['name'] in kept_names or by or damaged_but_recent:
            kept.append(dict(backup, named_by=MESSAGES.text(language, by[0], **by[1]) if by else None))
        else:
            remove.append((backup['path'], 'retention'))
    leftovers, cleaned = leftovers_of(found, named, lock=lock, lock_token=lock_token, app_path=app_path, now=now,
                                      in_progress_seconds=in_progress_seconds, language=language)
    remove.extend((path, 'leftover') for path in cleaned)
    return dict(found=found, kept=kept, remove=remove, leftovers=leftovers, newest=newest)


def apply(decided, check_mode=False):
    """Remove what ``plan`` decided; sizes are measured before (the result says how much space was freed)."""
    removed = []
    by_path = dict((e['path'], e) for e in decided['leftovers'])
    for path, kind in decided['remove']:
        size = tree_bytes(path)
        if path in by_path:
            by_path[path]['size_bytes'] = size
        if not check_mode:
            try:
                _remove(path)
            except OSError as exc:
                raise BackupsError('remove_failed', path=path, error=exc.strerror or str(exc),
                                   removed=', '.join(r['path'] for r in removed) or '-')
        removed.append(dict(path=path, kind=kind, size_bytes=size))
    measure(decided['leftovers'])
    return removed


def unusable_text(language, own):
    """The court's backups and why none can be used ('' when it has none)."""
    return ', '.join('%s: %s' % (b['name'], problem_text(language, b)) for b in own if not b['verified'])
