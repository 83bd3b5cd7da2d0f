#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_db_backup
short_description: Dump SIPP's database on the court server, verified, with a checksum manifest
version_added: "0.1.0"
description:
  - "Dumps SIPP's database (and nothing else of the server) with C(mariadb-dump) or C(mysqldump) into one
    compressed file on the court server, and writes a JSON manifest beside it holding, per table, the row count
    and C(CHECKSUM TABLE) taken just before the dump, and a fingerprint of each table's definition (columns,
    indexes, triggers), and every view, trigger, stored routine and event with its DEFINER and a digest of what it
    does: the yardstick a later restore is proved against."
  - "The dump: C(--single-transaction --quick --routines --triggers --events --hex-blob --no-tablespaces
    --skip-dump-date) and C(--default-character-set) set to the database's character set (C(latin1) on SIPP)
    when every text column uses it, else C(utf8mb4) (C(utf8) on a server without C(utf8mb4), MySQL before 5.5.3).
    Only SIPP's database is named, without C(--databases): the dump holds no C(CREATE DATABASE) nor C(USE), so it
    restores into the database the restoring client names."
  - "A login user that may not read everything still gets a complete backup of what it may read, and is told what
    is not in it: without the EVENT privilege the dump leaves C(--events) out (the dump program would refuse the
    whole backup); when a stored routine was made by another user and its body is hidden from the login user (no
    SELECT on C(mysql.proc), MariaDB and MySQL 5.x), it leaves C(--routines) out (the dump program backs up all
    routines or none). What was left out is named in RV(backup.left_out), in the manifest and in a warning, with
    what would make the backup complete; it stays on the server and is not touched by a restore of this backup."
  - "The pipeline is checked at every stage (the effect of C(set -o pipefail) and more): the dump program's exit
    status, the compressor's exit status (a compressor that dies stops the dump at once), the dump's last line
    C(-- Dump completed), then C(zstd -t)/C(gzip -t) on the finished file, then its sha256. The file is written
    under a temporary name (C(.<name>.*.part)) in the destination folder and renamed only when all of this passed;
    on any failure the temporary file is removed and nothing else was changed."
  - Credentials reach the dump program only through a private option file (mode 0600, in a folder of mode 0700,
    removed afterwards) given as its first argument C(--defaults-extra-file); never on the command line (visible
    in C(ps)) nor in the environment.
  - "Free space is estimated before anything is written: the C(data_length + index_length) of the database's tables
    (information_schema), times 0.5 for compressed output (SQL dumps compress 4 to 10 times; half is a
    conservative figure) or times 1 without compression, times O(min_free_ratio). A shortfall fails the task
    with what is needed and what is free, and nothing is written."
  - SIPP must be in maintenance (C(SiteOffline = 1)) while this runs, so that the checksums of the manifest and the
    dump describe the same data; the playbooks of this collection ensure it.
  - "Tables without transactions (MyISAM, Aria, MEMORY, ...; common in older SIPP databases): C(--single-transaction)
    does not hold them still. With O(lock_nontransactional) (the default) a session of its own (the mariadb/mysql
    client) READ-locks them from before the checksums until their data has passed in the dump's stream, so their
    copy is consistent even while SIPP is online (SIPP may read them; its writes to them wait meanwhile, not for the
    rest of the dump). The manifest and RV(backup.nontransactional)
    name them and say how they were copied: C(locked), C(maintenance) (SIPP offline), or C(unlocked) (a warning says
    so, and why)."
  - Runs without any interaction, so it can be run with C(async) (a large database takes a while).
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  dest:
    description:
      - Path of the dump file on the court server, for example
        C(/var/backups/sipp/SIPP-401234-2026-11-24-2130/database.sql.zst).
      - Missing parent folders are created with mode 0700; the file gets mode 0600.
      - When the file and its manifest already exist and the file's sha256 equals the manifest's, nothing is done
        and the existing backup is returned (C(changed=false)), unless O(force=true).
    type: path
    required: true
  compression:
    description:
      - V(auto) uses C(zstd) when the server has it, else C(gzip) (else none). V(zstd) and V(gzip) fail when the
        program is missing. V(none) writes plain SQL.
    type: str
    choices: [auto, zstd, gzip, none]
    default: auto
  compression_level:
    description:
      - Compression level passed to the compressor (C(zstd) 1-19, default 3; C(gzip) 1-9, default 6).
    type: int
  manifest:
    description:
      - Path of the JSON manifest written beside the dump (mode 0600). Default C(<dest>.manifest.json).
    type: path
  min_free_ratio:
    description:
      - The free space of the destination's filesystem must be at least the estimated dump size times this ratio.
      - V(0) disables the check.
    type: float
    default: 1.5
  lock_nontransactional:
    description:
      - READ-lock the tables without transactions for their copy (see the description). When the lock cannot be
        taken within O(lock_wait_timeout), the backup is still made, recorded as C(unlocked), with a warning.
    type: bool
    default: true
  lock_wait_timeout:
    description:
      - Seconds to wait for the lock on the tables without transactions (a long write of SIPP holds it).
    type: int
    default: 60
  force:
    description:
      - Replace an existing O(dest) (a new dump is made in all cases). Without it, an existing O(dest) that its
        manifest verifies is kept as it is, and one that does not verify stops the task.
    type: bool
    default: false
  dump_charset:
    description:
      - C(--default-character-set) of the dump. V(auto) uses the database's character set when every text column
        uses it, else C(utf8mb4).
    type: str
    default: auto
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - pengadilan.sipp.sipp_site
  - pengadilan.sipp.sipp_login
  - pengadilan.sipp.sipp_lock
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Estimates the size and checks the free space and the tools; writes nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Needs C(mariadb-dump) or C(mysqldump) on the court server (package C(mariadb) on CentOS 7), and C(zstd) or
    C(gzip) for compressed output.
  - The manifest's checksums are comparable only on the same database server (MySQL and MariaDB, and their
    versions, compute C(CHECKSUM TABLE) differently).
seealso:
  - module: pengadilan.sipp.sipp_db_restore
  - name: mysqldump
    description: Options of the dump program.
    link: https://mariadb.com/kb/en/mariadb-dump/
'''

EXAMPLES = r'''
- name: Dump SIPP's database while SIPP is in maintenance
  pengadilan.sipp.sipp_db_backup:
    dest: "/var/backups/sipp/SIPP-{{ kode_satker }}-{{ now(fmt='%Y-%m-%d-%H%M') }}/database.sql.zst"
  async: 7200
  poll: 15
  register: sipp_db_dump

- name: Show where it went
  ansible.builtin.debug:
    msg: "{{ sipp_db_dump.backup.dest }} sha256 {{ sipp_db_dump.backup.sha256 }}"

- name: Preview (size estimate and free space only)
  pengadilan.sipp.sipp_db_backup:
    dest: /var/backups/sipp/test/database.sql.gz
    compression: gzip
    language: en
  check_mode: true
  register: estimate
'''

RETURN = r'''
backup:
  description: The backup made (or, in check mode, the estimate).
  returned: always
  type: dict
  contains:
    dest:
      description: Path of the dump file.
      returned: always
      type: str
      sample: /var/backups/sipp/SIPP-401234-2026-11-24-2130/database.sql.zst
    sha256:
      description: sha256 of the dump file; null in check mode.
      returned: always
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    size_bytes:
      description: Size of the dump file; null in check mode.
      returned: always
      type: int
      sample: 73400320
    uncompressed_bytes:
      description: Size of the SQL text the dump program wrote; null in check mode or when an existing backup is kept.
      returned: always
      type: int
      sample: 734003200
    compression:
      description: V(zstd), V(gzip) or V(none).
      returned: always
      type: str
      sample: zstd
    manifest:
      description: Path of the JSON manifest.
      returned: always
      type: str
      sample: /var/backups/sipp/SIPP-401234-2026-11-24-2130/database.sql.zst.manifest.json
    tables:
      description: Number of tables in the manifest (in check mode, of the database).
      returned: always
      type: int
      sample: 312
    duration_seconds:
      description: Time taken, in seconds.
      returned: always
      type: float
      sample: 42.5
    database:
      description: Name of the database dumped.
      returned: always
      type: str
      sample: SIPP
    sipp_version:
      description: SIPP version of the database (C(sys_config) id 80).
      returned: always
      type: str
      sample: 5.2.0
    server_version:
      description: Version of the database server.
      returned: always
      type: str
      sample: 5.5.68-MariaDB
    estimated_bytes:
      description: Estimated size of the dump file (before O(min_free_ratio)).
      returned: always
      type: int
      sample: 367001600
    free_bytes:
      description: Free space of the destination's filesystem before the dump.
      returned: always
      type: int
      sample: 53687091200
    dump_program:
      description: The dump program used.
      returned: always
      type: str
      sample: /usr/bin/mysqldump
    charset:
      description: C(--default-character-set) of the dump.
      returned: always
      type: str
      sample: latin1
    kept_existing:
      description: True when an existing verified backup at O(dest) was kept.
      returned: always
      type: bool
      sample: false
    left_out:
      description: >-
        What the login user may not dump and the backup therefore does not hold (also in the manifest): C(kind)
        V(events) (C(name) V(*); C(reason) what the server answered) or V(procedure)/V(function) (C(reason) V(hidden)
        for a body the login user may not read, V(with_hidden) for a readable routine left out with it), with
        C(definer). Empty when the backup holds everything.
      returned: always
      type: list
      elements: dict
      sample:
        - kind: events
          name: "*"
          definer: null
          reason: "Access denied for user 'sipp'@'localhost' to database 'SIPP'"
        - {kind: procedure, name: sipp_hitung_perkara, definer: root@localhost, reason: hidden}
    nontransactional:
      description: The tables without transactions and how they were copied (also in the manifest).
      returned: when a dump was made
      type: dict
      contains:
        tables:
          description: Each table's C(name) and C(engine), sorted by name; empty when every table is transactional.
          type: list
          elements: dict
          sample: [{name: sys_audittrail, engine: MyISAM}]
        sipp_online:
          description: SIPP was online (not in maintenance) during the dump.
          type: bool
          sample: true
        locked:
          description: They were READ-locked from before the checksums until the dump ended.
          type: bool
          sample: true
        locked_seconds:
          description: >-
            How long SIPP's writes to them could have waited: from the lock until their data had passed in the
            dump's stream (the rest of the dump goes on without it); null when not locked.
          type: float
          sample: 1.8
        lock_error:
          description: Why the lock could not be taken (null when it was, or was not asked for).
          type: str
          sample: null
        copied:
          description: >-
            C(no_tables), C(locked), C(maintenance) (SIPP offline, not locked) or C(unlocked) (SIPP online, not
            locked: the copy may not be consistent).
          type: str
          sample: locked
        consistent:
          description: False only when C(copied) is C(unlocked).
          type: bool
          sample: true
'''

import contextlib
import os
import socket
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_common import disk_usage
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import (
    SippDbError, client_credentials, find_client)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_locks import nontransactional_tables, TableLock
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_manifest import read_manifest, view_digest
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_pipes import dump_to_file
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_programs import (
    choose_compression, compress_command, COMPRESSED_FRACTION, COMPRESSIONS, dump_command, dump_help, DumpError,
    find_dump_program, test_command)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_sections import SectionWatch
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import (
    existing_ancestor, make_private_dirs, sha256_file, write_json)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_integrity import (
    quote_identifier, schema_objects, table_checksums, table_structures)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_site import on_site, site_argument_spec

MANIFEST_FORMAT = 1

MESSAGES = Catalogue({
    'id': {
        'dump_missing': (
            "Program mariadb-dump/mysqldump tidak ditemukan di server ini. Tidak ada yang ditulis. Pasang paket "
            "klien MariaDB/MySQL (mis. yum install mariadb) lalu ulangi."),
        'compressor_missing': (
            "Program kompresi {program} tidak ditemukan di server ini. Tidak ada yang ditulis. Pasang {program}, "
            "atau gunakan compression=auto (zstd bila ada, jika tidak gzip)."),
        'not_enough_space': (
            "Ruang kosong di {path} tidak cukup untuk cadangan basis data {database}: tersedia {free}, dibutuhkan "
            "{needed} (perkiraan ukuran {estimate} x min_free_ratio {ratio}). Tidak ada yang ditulis. Pilih tujuan "
            "lain (dest, mis. disk eksternal) atau kosongkan ruang di {path}, lalu ulangi."),
        'dest_unwritable': (
            "Folder tujuan {folder} tidak dapat dibuat atau ditulisi: {error}. Tidak ada yang ditulis. Periksa "
            "jalur dest dan hak aksesnya (modul harus berjalan sebagai root, gunakan become: true)."),
        'dest_exists_unverified': (
            "Berkas {dest} sudah ada tetapi tidak cocok dengan manifestnya ({reason}). Berkas itu tidak disentuh. "
            "Pilih dest lain, atau gunakan force=true untuk menggantinya dengan cadangan baru."),
        'step_failed': (
            "Pencadangan basis data {database} gagal pada tahap {step} ({program}): {detail}. Berkas sementara "
            "sudah dihapus; tidak ada berkas lain yang diubah dan basis data tidak disentuh. {advice}"),
        'checksums_failed': (
            "Checksum tabel basis data {database} tidak dapat dihitung: {error}. Tidak ada yang ditulis. Periksa "
            "bahwa pengguna basis data berhak membaca semua tabel SIPP, lalu ulangi."),
        'manifest_failed': (
            "Manifest {manifest} tidak dapat ditulis: {error}. Berkas cadangan sementara sudah dihapus; tidak ada "
            "yang lain diubah. Periksa ruang kosong dan hak akses folder tujuan, lalu ulangi."),
        'query_failed': (
            "Informasi basis data {database} tidak dapat dibaca: {error}. Tidak ada yang ditulis. Periksa hak "
            "pengguna basis data, lalu ulangi."),
        'advice_dump': "Periksa pesan di atas (hak akses pengguna basis data, server basis data berjalan), lalu ulangi.",
        'advice_compress': (
            "Periksa ruang kosong di folder tujuan (df -h) dan program kompresinya, atau gunakan compression "
            "lain, lalu ulangi."),
        'advice_write': "Periksa ruang kosong dan hak akses folder tujuan (df -h), lalu ulangi.",
        'advice_end_marker': (
            "Dump terpotong: periksa log server basis data (mis. koneksi terputus, max_allowed_packet), lalu ulangi."),
        'advice_test': "Berkas hasil kompresi rusak: periksa disk tujuan (df -h, dmesg), lalu ulangi.",
        'nontx_unlocked': (
            "Database {database} memuat tabel non-transaksional {tables}. Tabel itu disalin saat SIPP online "
            "tanpa dikunci ({why}), sehingga salinannya mungkin tidak konsisten bila SIPP menulis ke sana saat "
            "pencadangan. Cadangan tetap dibuat dan dicatat demikian. Untuk salinan yang konsisten: cadangkan dengan "
            "SIPP dalam mode perbaikan, biarkan penguncian aktif (lock_nontransactional), atau ubah tabel itu ke "
            "InnoDB bersama SATGAS SIPP."),
        'nontx_why_off': "penguncian dimatikan",
        'nontx_why_error': "kunci tidak dapat diambil: {error}",
        'left_out': (
            "Cadangan database {database} dibuat tanpa yang tidak boleh dibaca pengguna login {user}: {what}. Semua "
            "tabel dengan isinya, view dan trigger ada di cadangan dan diperiksa; yang tidak dicadangkan tetap ada di "
            "server, tidak diubah oleh upgrade ini kecuali paket mengubahnya, dan tidak dipulihkan dari cadangan ini. "
            "Agar cadangan lengkap: {advice}."),
        'left_out_events': "event (server menjawab: {error})",
        'left_out_routines': (
            "rutin {routines} (isi {hidden} tidak dapat dibaca karena dibuat pengguna lain, dan mysqldump mencadangkan "
            "semua rutin atau tidak sama sekali)"),
        'advice_events': "beri pengguna {user} hak EVENT atas database {database}",
        'advice_routines': (
            "beri pengguna {user} hak membaca rutin pengguna lain (MariaDB dan MySQL 5.x: SELECT pada mysql.proc), "
            "atau biarkan pembuatnya menjadi {user}"),
        'and': " dan ",
    },
    'en': {
        'dump_missing': (
            "No mariadb-dump/mysqldump program was found on this server. Nothing was written. Install the "
            "MariaDB/MySQL client package (e.g. yum install mariadb) and run again."),
        'compressor_missing': (
            "The compressor {program} was not found on this server. Nothing was written. Install {program}, or use "
            "compression=auto (zstd when present, else gzip)."),
        'not_enough_space': (
            "Not enough free space in {path} for the backup of database {database}: {free} free, {needed} needed "
            "(estimated size {estimate} x min_free_ratio {ratio}). Nothing was written. Choose another destination "
            "(dest, e.g. an external disk) or free space in {path}, then run again."),
        'dest_unwritable': (
            "The destination folder {folder} cannot be created or written: {error}. Nothing was written. Check the "
            "dest path and its permissions (the module must run as root: use become: true)."),
        'dest_exists_unverified': (
            "{dest} already exists but does not match its manifest ({reason}). That file was not touched. Choose "
            "another dest, or use force=true to replace it with a new backup."),
        'step_failed': (
            "The backup of database {database} failed at step {step} ({program}): {detail}. The temporary file was "
            "removed; no other file was changed and the database was not touched. {advice}"),
        'checksums_failed': (
            "The table checksums of database {database} cannot be computed: {error}. Nothing was written. Check "
            "that the database user may read every SIPP table, then run again."),
        'manifest_failed': (
            "The manifest {manifest} cannot be written: {error}. The temporary dump file was removed; nothing else "
            "was changed. Check the destination's free space and permissions, then run again."),
        'query_failed': (
            "Database {database}'s information cannot be read: {error}. Nothing was written. Check the database "
            "user's privileges, then run again."),
        'advice_dump': "Check the message above (database user's privileges, database server running), then run again.",
        'advice_compress': (
            "Check the free space of the destination (df -h) and the compressor, or choose another compression, "
            "then run again."),
        'advice_write': "Check the free space and permissions of the destination (df -h), then run again.",
        'advice_end_marker': (
            "The dump was cut short: check the database server's log (lost connection, max_allowed_packet), then "
            "run again."),
        'advice_test': "The compressed file is damaged: check the destination disk (df -h, dmesg), then run again.",
        'nontx_unlocked': (
            "Database {database} holds tables without transactions: {tables}. They were copied while SIPP was online "
            "without a lock ({why}), so their copy may not be consistent if SIPP wrote to them during the backup. "
            "The backup was made and is recorded so. For a consistent copy: back up with SIPP in maintenance, keep "
            "the lock on (lock_nontransactional), or convert those tables to InnoDB with SATGAS SIPP."),
        'nontx_why_off': "locking was turned off",
        'nontx_why_error': "the lock could not be taken: {error}",
        'left_out': (
            "The backup of database {database} was made without what the login user {user} may not read: {what}. "
            "Every table with its data, every view and trigger is in the backup and checked; what was left out stays "
            "on the server, is not changed by this upgrade unless a package changes it, and is not restored from this "
            "backup. For a complete backup: {advice}."),
        'left_out_events': "the events (the server answered: {error})",
        'left_out_routines': (
            "the routines {routines} (the body of {hidden} cannot be read because another user made it, and "
            "mysqldump backs up all routines or none)"),
        'advice_events': "give the user {user} the EVENT privilege on the database {database}",
        'advice_routines': (
            "give the user {user} the right to read other users' routines (MariaDB and MySQL 5.x: SELECT on "
            "mysql.proc), or let {user} be their definer"),
        'and': " and ",
    },
})


def human(n):
    """Bytes as a short human figure (1.5 GiB)."""
    n = float(n or 0)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if abs(n) < 1024 or unit == 'TiB':
            return ('%d %s' % (n, unit)) if unit == 'B' else ('%.1f %s' % (n, unit))
        n /= 1024.0


def _now():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


class Backup(object):
    def __init__(self, module, site):
        self.module = module
        self.site = site
        self.lang = site.language
        self.params = module.params
        self.database = site.database
        self.secrets = [site.params.get('password')]
        self.dest = None

    def fail(self, key, **params):
        self.module.fail_json(msg=MESSAGES.text(self.lang, key, **params), **self.extra)

    @property
    def extra(self):
        return dict(backup=dict(dest=self.dest, database=self.database))

    def objects(self):
        """Routines, triggers, events and views of the database (names), for the manifest."""
        conn = self.site.conn
        db = self.database
        views = conn.query("SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition FROM information_schema.VIEWS "
                           "WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME", (db,))
        routines = conn.query("SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES "
                              "WHERE ROUTINE_SCHEMA = %s ORDER BY ROUTINE_TYPE, ROUTINE_NAME", (db,))
        triggers = conn.query("SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl FROM "
                              "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s ORDER BY TRIGGER_NAME", (db,))
        try:
            events = conn.query("SELECT EVENT_NAME AS name FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s "
                                "ORDER BY EVENT_NAME", (db,))
        except SippDbError:
            events = []
        return dict(
            views=[r['name'] for r in views],
            view_definitions=dict((r['name'], view_digest(r.get('definition'))) for r in views),
            routines=[dict(name=r['name'], type=r['type']) for r in routines],
            triggers=[dict(name=r['name'], table=r['tbl']) for r in triggers],
            events=[r['name'] for r in events],
        )

    def left_out(self):
        """What the login user may not dump, named instead of failing the whole dump: mariadb-dump/mysqldump refuse
        everything when --events meets a user without the EVENT privilege, or --routines a routine whose body the
        user may not read (made by another user, without SELECT on mysql.proc). [{'kind', 'name', 'definer',
        'reason'}]: kind ``events`` (name ``*``: the events cannot even be listed; reason what the server said) or
        ``procedure``/``function`` (reason ``hidden`` for a body the user may not read, ``with_hidden`` for a
        readable one left out with it)."""
        conn = self.site.conn
        out = []
        try:
            conn.query('SHOW EVENTS FROM %s' % quote_identifier(self.database))
        except SippDbError as exc:
            out.append(dict(kind='events', name='*', definer=None, reason=exc.cause))
        routines = conn.query(
            "SELECT ROUTINE_TYPE AS type, ROUTINE_NAME AS name, DEFINER AS definer, "
            "CASE WHEN ROUTINE_DEFINITION IS NULL THEN 'hidden' ELSE 'with_hidden' END AS reason "
            "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
            (self.database,))
        if any(r['reason'] == 'hidden' for r in routines):
            out.extend(dict(kind=str(r['type']).lower(), name=r['name'], definer=r['definer'], reason=r['reason'])
                       for r in routines)
        return out

    def left_out_warning(self, left):
        """The warning that names what the backup left out, and what would make it complete."""
        user = self.site.params.get('user') or '-'
        what, advice = [], []
        events = [x for x in left if x['kind'] == 'events']
        routines = [x for x in left if x['kind'] != 'events']
        if events:
            what.append(MESSAGES.text(self.lang, 'left_out_events', error=events[0]['reason']))
            advice.append(MESSAGES.text(self.lang, 'advice_events', user=user, database=self.database))
        if routines:
            what.append(MESSAGES.text(
                self.lang, 'left_out_routines',
                routines=', '.join('%s %s' % (x['kind'].upper(), x['name']) for x in routines),
                hidden=', '.join('%s (%s)' % (x['name'], x['definer']) for x in routines if x['reason'] == 'hidden')))
            advice.append(MESSAGES.text(self.lang, 'advice_routines', user=user))
        joiner = MESSAGES.text(self.lang, 'and')
        return MESSAGES.text(self.lang, 'left_out', database=self.database, user=user, what=joiner.join(what),
                             advice=joiner.join(advice))

    def charset(self):
        choice = self.params['dump_charset']
        if choice and choice != 'auto':
            return choice
        conn = self.site.conn
        # utf8mb4 only where the server has it (MySQL before 5.5.3 has utf8, its three-byte form, only)
        unicode = 'utf8mb4' if int(float(conn.query_value(
            "SELECT COUNT(*) FROM information_schema.CHARACTER_SETS WHERE CHARACTER_SET_NAME = 'utf8mb4'") or 0)) \
            else 'utf8'
        db_charset = conn.query_value(
            'SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s',
            (self.database,)) or unicode
        others = conn.query_value(
            "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND CHARACTER_SET_NAME "
            "IS NOT NULL AND CHARACTER_SET_NAME <> %s", (self.database, db_charset))
        if int(float(others or 0)) == 0:
            return db_charset
        return unicode

    def existing(self, manifest_path):
        """The backup already at dest, when its manifest verifies it: dict, or a reason string."""
        try:
            manifest = read_manifest(manifest_path)
        except (OSError, ValueError) as exc:
            return 'manifest %s: %s' % (manifest_path, exc)
        want = (manifest.get('dump') or {}).get('sha256')
        try:
            got = sha256_file(self.dest)
        except OSError as exc:
            return '%s: %s' % (self.dest, exc.strerror or exc)
        if not want or want != got:
            return 'sha256 %s, manifest %s' % (got, want)
        return manifest

    def run(self):
        module = self.module
        started = time.time()
        started_iso = _now()
        self.dest = dest = os.path.abspath(self.params['dest'])
        manifest_path = os.path.abspath(self.params['manifest'] or dest + '.manifest.json')
        folder = os.path.dirname(dest)

        if os.path.isdir(dest):
            self.fail('dest_unwritable', folder=dest, error='dest is a folder, not a file path')
        if os.path.exists(dest) and not self.params['force']:
            found = self.existing(manifest_path)
            if isinstance(found, dict):
                dump = found.get('dump') or {}
                return False, dict(
                    dest=dest, sha256=dump.get('sha256'), size_bytes=os.path.getsize(dest),
                    uncompressed_bytes=dump.get('uncompressed_bytes'), compression=dump.get('compression'),
                    manifest=manifest_path, tables=len(found.get('tables') or {}),
                    duration_seconds=round(time.time() - started, 3), database=found.get('database'),
                    sipp_version=found.get('sipp_version'), server_version=found.get('server_version'),
                    estimated_bytes=None, free_bytes=None, dump_program=dump.get('program'),
                    charset=dump.get('charset'), kept_existing=True, left_out=found.get('left_out') or [])
            self.fail('dest_exists_unverified', dest=dest, reason=found)

        program = find_dump_program(module)
        if not program:
            self.fail('dump_missing')
        try:
            kind, compressor = choose_compression(self.params['compression'], module)
        except DumpError as exc:
            self.fail('compressor_missing', program=exc.program)

        conn = self.site.conn
        try:
            size = conn.query_value(
                'SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.TABLES '
                'WHERE table_schema = %s', (self.database,))
            table_count = int(float(conn.query_value(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE table_schema = %s AND "
                "table_type = 'BASE TABLE'", (self.database,)) or 0))
            charset = self.charset()
            left = self.left_out()
        except SippDbError as exc:
            self.fail('query_failed', database=self.database, error=exc.cause)
        raw = int(float(size or 0))
        estimate = int(raw * (COMPRESSED_FRACTION if kind != 'none' else 1.0))
        ratio = float(self.params['min_free_ratio'] or 0)
        needed = int(estimate * ratio)
        measured = existing_ancestor(folder)
        free = disk_usage(measured)['free_bytes']
        result = dict(dest=dest, sha256=None, size_bytes=None, uncompressed_bytes=None, compression=kind,
                      manifest=manifest_path, tables=table_count, duration_seconds=None, database=self.database,
                      sipp_version=self.site.version, server_version=conn.server_version, estimated_bytes=estimate,
                      free_bytes=free, dump_program=program, charset=charset, kept_existing=False,
                      left_out=left)
        if ratio > 0 and free < needed:
            self.fail('not_enough_space', path=measured, database=self.database, free=human(free),
                      needed=human(needed), estimate=human(estimate), ratio=ratio)
        if module.check_mode:
            result['duration_seconds'] = round(time.time() - started, 3)
            return True, result

        try:
            make_private_dirs(folder)
        except OSError as exc:
            self.fail('dest_unwritable', folder=folder, error=exc.strerror or str(exc))

        try:
            nontx_tables = nontransactional_tables(conn, self.database)
            offline = (conn.query_value("SELECT value FROM sys_config WHERE id = 6") or '').strip() == '1'
        except SippDbError as exc:
            self.fail('query_failed', database=self.database, error=exc.cause)
        # tables without transactions: --single-transaction does not hold them still, so they are READ-locked by a
        # session of their own from before the checksums until their data has passed in the dump's stream (SIPP's
        # writes to them wait for their own copy only, not for the rest of the dump)
        nontx = dict(tables=nontx_tables, sipp_online=not offline, locked=False, lock_error=None, locked_seconds=None)
        lock = watch = None
        with contextlib.ExitStack() as stack:
            creds = stack.enter_context(client_credentials(self.site.params))
            if nontx_tables and self.params['lock_nontransactional']:
                client = find_client(module)
                try:
                    if client is None:
                        raise DumpError('lock', 'mariadb/mysql client not found')
                    lock = stack.enter_context(TableLock(
                        client, creds['defaults_arg'], self.database, [t['name'] for t in nontx_tables],
                        env=creds['env'], secrets=self.secrets, wait_seconds=self.params['lock_wait_timeout']))
                    watch = SectionWatch([t['name'] for t in nontx_tables], lock.release)
                    nontx['locked'] = True
                except DumpError as exc:
                    lock = None
                    nontx['lock_error'] = exc.detail
            nontx['copied'] = ('no_tables' if not nontx_tables else 'locked' if nontx['locked']
                               else 'maintenance' if offline else 'unlocked')
            nontx['consistent'] = nontx['copied'] != 'unlocked'

            try:
                checksums = table_checksums(conn, self.database)
                structures = table_structures(conn, self.database)
                objects = self.objects()
                definitions = schema_objects(conn, self.database)
            except SippDbError as exc:
                self.fail('checksums_failed', database=self.database, error=exc.cause)

            try:
                fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(dest), suffix='.part', dir=folder)
                os.close(fd)
                os.unlink(tmp)  # dump_to_file creates it exclusively (O_EXCL), mode 0600
            except OSError as exc:
                self.fail('dest_unwritable', folder=folder, error=exc.strerror or str(exc))

            help_text = dump_help(program)
            try:
                argv = dump_command(program, creds['defaults_arg'], self.database, charset, help_text,
                                    events=not any(x['kind'] == 'events' for x in left),
                                    routines=not any(x['kind'] != 'events' for x in left))
                compress_argv = compress_command(kind, compressor, self.params['compression_level']) \
                    if kind != 'none' else None
                test_argv = test_command(kind, compressor, tmp) if kind != 'none' else None
                info = dump_to_file(argv, compress_argv, tmp, env=creds['env'], secrets=self.secrets,
                                    test_argv=test_argv, watch=watch)
            except DumpError as exc:
                self.fail('step_failed', database=self.database, step=exc.step, program=exc.program or program,
                          detail=exc.detail, advice=MESSAGES.text(self.lang, 'advice_%s' % exc.step))
        if lock is not None:
            nontx['locked_seconds'] = lock.locked_seconds
        if not nontx['consistent']:
            module.warn(MESSAGES.text(self.lang, 'nontx_unlocked', database=self.database,
                                      tables=', '.join('%s (%s)' % (t['name'], t['engine']) for t in nontx_tables),
                                      why=MESSAGES.text(self.lang, 'nontx_why_error',
                                                        error=nontx['lock_error']) if nontx['lock_error']
                                      else MESSAGES.text(self.lang, 'nontx_why_off')))
        try:
            digest = sha256_file(tmp)
            size_bytes = os.path.getsize(tmp)
            finished_iso = _now()
            manifest = dict(
                format=MANIFEST_FORMAT,
                created_by='pengadilan.sipp.sipp_db_backup',
                host=socket.gethostname(),
                app_path=self.site.path,
                database=self.database,
                sipp_version=self.site.version,
                server_version=conn.server_version,
                started=started_iso,
                finished=finished_iso,
                dump=dict(file=os.path.basename(dest), sha256=digest, size_bytes=size_bytes,
                          uncompressed_bytes=info['uncompressed_bytes'], sql_sha256=info['sql_sha256'],
                          compression=kind, charset=charset, program=os.path.basename(program),
                          options=[a for a in argv[2:] if a.startswith('--') and a != '--'],
                          databases_option=False),
                tables=checksums,
                structures=structures,
                views=objects['views'],
                view_definitions=objects['view_definitions'],
                routines=objects['routines'],
                triggers=objects['triggers'],
                events=objects['events'],
                # every view, trigger, routine and event with its DEFINER and a digest of what it does: what the
                # restore's proof compares
                objects=definitions,
                # tables without transactions and whether their copy is consistent (locked, or SIPP in
                # maintenance): what the backup's record and the monitoring report say about them
                nontransactional=nontx,
                # what the login user may not dump (events, routines of another definer), named, not in the dump
                left_out=left,
            )
            write_json(manifest_path, manifest, indent=1)
        except (OSError, ValueError) as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            self.fail('manifest_failed', manifest=manifest_path, error=getattr(exc, 'strerror', None) or str(exc))
        try:
            os.rename(tmp, dest)
        except OSError as exc:
            os.unlink(tmp)
            if os.path.exists(manifest_path):
                os.unlink(manifest_path)
            self.fail('dest_unwritable', folder=folder, error=exc.strerror or str(exc))
        if info.get('dump_stderr'):
            module.warn(info['dump_stderr'])
        if left:
            module.warn(self.left_out_warning(left))
        result.update(sha256=digest, size_bytes=size_bytes, uncompressed_bytes=info['uncompressed_bytes'],
                      tables=len(checksums), duration_seconds=round(time.time() - started, 3),
                      nontransactional=nontx)
        return True, result


def main():
    argument_spec = site_argument_spec()
    argument_spec.update(
        dest=dict(type='path', required=True),
        compression=dict(type='str', default='auto', choices=list(COMPRESSIONS)),
        compression_level=dict(type='int'),
        manifest=dict(type='path'),
        min_free_ratio=dict(type='float', default=1.5),
        force=dict(type='bool', default=False),
        dump_charset=dict(type='str', default='auto'),
        lock_nontransactional=dict(type='bool', default=True),
        lock_wait_timeout=dict(type='int', default=60),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    changed, backup = on_site(module, lambda site: Backup(module, site).run())
    module.exit_json(changed=changed, backup=backup)


if __name__ == '__main__':
    main()
