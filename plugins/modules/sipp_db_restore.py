#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_db_restore
short_description: Restore SIPP's database, whole or only the tables that changed, from a sipp_db_backup dump
version_added: "0.1.0"
description:
  - Restores SIPP's database on the court server from a dump made by M(pengadilan.sipp.sipp_db_backup), and proves
    the result against the per-table row counts and checksums of the dump's manifest.
  - "Before anything changes: the dump's sha256 is checked (O(sha256), and the manifest's), so a damaged or foreign
    file is refused. Without any expected sha256 the whole dump is read first to check that it ends with
    C(-- Dump completed)."
  - "Full restore (O(tables) not given): the whole dump is streamed (decompressed by C(zstd)/C(gzip)) into the
    C(mariadb)/C(mysql) client. Each table of the dump is dropped and re-created with its rows and triggers;
    tables that exist now but are not in the dump are kept unless O(drop_new_tables) or O(drop_tables) say
    otherwise."
  - "Per-table restore (O(tables) a list): only those tables' sections of the dump (structure, data, triggers) are
    passed to the client, plus the dump's opening and closing C(SET) statements, and the views
    (placeholders and final structures) when O(views=restore). O(tables=auto) restores exactly the tables whose
    row count, checksum or definition (columns, indexes, triggers: C(CHECKSUM TABLE) alone misses a renamed
    column) differs from the manifest, plus those missing; with O(drop_new_tables=true) the tables
    that are not in the manifest (created since, e.g. by a failed migration) are dropped first. A failed
    migration that touched two tables thus costs the restore of two tables, not of the whole database."
  - "Views, triggers, routines and events (O(tables=auto), with a manifest that records them): a view that is
    missing or differs is re-created, a trigger comes back with its table, stored routines and events are
    re-created when one of them differs, and with O(drop_new_tables=true) those created since the backup are
    dropped."
  - "With O(verify=true) the checksums are computed again afterwards and compared with the manifest: for the
    restored tables when O(tables) is a list, for every table of the manifest otherwise, and (full and automatic
    restores) every view, trigger, routine and event with its DEFINER; any difference fails the task (after the
    restore) with the differences listed. A DEFINER the login user may not set is not a failure: the result names
    it (RV(restore.definers_not_kept)) instead of calling the database identical."
  - Credentials reach the client only through a private option file (mode 0600, folder 0700, removed afterwards);
    never on the command line nor in the environment.
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  src:
    description:
      - The dump file on the court server (C(.sql.zst), C(.sql.gz) or C(.sql); the compression is recognised from
        the file's first bytes).
    type: path
    required: true
  manifest:
    description:
      - The backup's JSON manifest. Default C(<src>.manifest.json).
      - Required for O(verify=true), O(tables=auto) and O(drop_new_tables=true).
    type: path
  sha256:
    description:
      - Expected sha256 of O(src), checked before anything changes (in addition to the manifest's).
    type: str
  tables:
    description:
      - Restore only these tables from the dump. V(auto) (alone) restores the tables whose checksum, row count
        or definition differs from the manifest plus those missing.
      - When not given, the whole database is restored.
    type: list
    elements: str
  drop_tables:
    description:
      - Tables to drop before restoring (those a failed migration created). A table of the manifest may be named
        only when it is also restored, so that no backed-up table is lost.
    type: list
    elements: str
    default: []
  drop_new_tables:
    description:
      - Drop the tables that exist now but are not in the manifest (created since the backup).
    type: bool
    default: false
  views:
    description:
      - V(restore) re-creates the dump's views, with a full restore always, with a per-table restore when a view is
        missing or its definition (or a DEFINER the restore may set) differs from the manifest's (so an unchanged
        view keeps its DEFINER), or, for a manifest without view definitions, when a table is restored. V(keep)
        leaves the views as they are.
      - The proof compares every view, trigger, routine and event (what it does, and its DEFINER) with the
        manifest, with a full restore and with O(tables=auto).
    type: str
    choices: [restore, keep]
    default: restore
  routines:
    description:
      - Stored procedures, functions and events of the dump. V(auto) restores them with a full restore and keeps
        them with a per-table restore; V(restore) and V(keep) do so always.
    type: str
    choices: [auto, restore, keep]
    default: auto
  definers:
    description:
      - DEFINER clauses of the dump's triggers, views, events and routines. A database user without SUPER (or SET
        USER) cannot create an object for another definer, such as a view made by C(root) while SIPP's own user
        restores it.
      - V(auto) keeps them all when the restoring user may create objects for another definer (SUPER, SET USER or
        SET_USER_ID), else keeps the clauses naming the restoring user (C(CURRENT_USER())) and turns any other into
        C(DEFINER=CURRENT_USER), and says so in RV(restore.definers_not_kept) and RV(restore.definers_note);
        V(keep) keeps them all (the restoring user then needs SUPER); V(current) turns them all into
        C(DEFINER=CURRENT_USER).
    type: str
    choices: [auto, keep, current]
    default: auto
  verify:
    description:
      - Compare the checksums after the restore with the manifest, and fail when they differ.
    type: bool
    default: true
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - pengadilan.sipp.sipp_site
  - pengadilan.sipp.sipp_login
  - pengadilan.sipp.sipp_lock
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Checks the dump's sha256 and manifest and reports which tables would be restored and dropped.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Needs the C(mariadb)/C(mysql) client on the court server, and C(zstd) or C(gzip) for compressed dumps.
  - SIPP must be in maintenance (nobody writing) while this runs.
  - Checksums are comparable only on the database server that made the backup (same product and version); a warning
    is given when the server's version differs from the manifest's.
  - A restore that fails half-way leaves the tables already passed restored and the others as they were; running it
    again is safe (each table section drops and re-creates its table).
seealso:
  - module: pengadilan.sipp.sipp_db_backup
'''

EXAMPLES = r'''
- name: Roll back only what a failed migration changed
  pengadilan.sipp.sipp_db_restore:
    src: "{{ sipp_db_dump.backup.dest }}"
    sha256: "{{ sipp_db_dump.backup.sha256 }}"
    tables: auto
    drop_new_tables: true
  register: sipp_rollback

- name: Full restore of the database from the dump
  pengadilan.sipp.sipp_db_restore:
    src: /var/backups/sipp/SIPP-401234-2026-11-24-2130/database.sql.zst
  async: 7200
  poll: 15

- name: What would be restored?
  pengadilan.sipp.sipp_db_restore:
    src: /var/backups/sipp/SIPP-401234-2026-11-24-2130/database.sql.zst
    tables: auto
    drop_new_tables: true
    language: en
  check_mode: true
  register: plan
'''

RETURN = r'''
restore:
  description: What was restored (in check mode, what would be).
  returned: always
  type: dict
  contains:
    mode:
      description: V(full), V(tables) (a list was given) or V(auto).
      returned: always
      type: str
      sample: auto
    src:
      description: The dump file.
      returned: always
      type: str
      sample: /var/backups/sipp/SIPP-401234-2026-11-24-2130/database.sql.zst
    database:
      description: The database restored into.
      returned: always
      type: str
      sample: SIPP
    tables_restored:
      description: Tables restored (or to restore, in check mode).
      returned: always
      type: list
      elements: str
      sample: [perkara_jadwal_sidang, perkara_putusan]
    tables_dropped:
      description: Tables dropped (or to drop, in check mode).
      returned: always
      type: list
      elements: str
      sample: [perkara_putusan_elektronik]
    views_restored:
      description: Whether the dump's views were (or would be) re-created.
      returned: always
      type: bool
      sample: true
    routines_restored:
      description: >-
        Whether the dump's stored procedures, functions and events were (or would be) re-created: with a full
        restore, and with O(tables=auto) when one of them differs from the manifest's.
      returned: always
      type: bool
      sample: false
    objects_dropped:
      description: >-
        Views, triggers, routines and events created after the backup and dropped (O(drop_new_tables=true)), as
        C(<kind> <name>).
      returned: always
      type: list
      elements: str
      sample: [view v_perkara_elektronik]
    extra_objects:
      description: Views, triggers, routines and events present that the manifest does not hold (after the restore).
      returned: always
      type: list
      elements: str
      sample: []
    definers_not_kept:
      description: >-
        Objects restored as the login user because it may not create objects for their original DEFINER (it lacks
        SUPER or SET USER); each has C(object), C(expected) and C(actual). Not a failure of the proof: the data and
        the objects' definitions are as backed up, and RV(restore.definers_note) says so plainly.
      returned: always
      type: list
      elements: dict
      sample: [{"object": "view v_perkara_dashboard", "expected": "root@localhost", "actual": "sipp@localhost"}]
    definers_note:
      description: The sentence that names the DEFINERs not kept, what it means and what to do; empty when none.
      returned: always
      type: str
      sample: ""
    verified:
      description: True when every compared checksum equals the manifest's; null when not verified (check mode,
        O(verify=false)).
      returned: always
      type: bool
      sample: true
    differences:
      description: Tables whose row count, checksum or definition differs from the manifest (after the restore; in
        check mode, now). Each has C(table), C(problem) (V(missing), V(changed) for rows or checksum, V(structure)
        for a definition (columns, indexes, triggers) that differs while the rows are equal), C(expected_rows),
        C(actual_rows), C(expected_checksum), C(actual_checksum). A view, trigger, routine or event that is missing
        or does something else than the manifest says (or runs as another DEFINER the restore could have kept) is
        one too, C(table) naming it (C(view v_perkara_dashboard)) and C(problem) V(object_missing),
        V(object_definition) or V(object_definer).
      returned: always
      type: list
      elements: dict
      sample: []
    extra_tables:
      description: Tables present that are not in the manifest (after the restore; in check mode, now).
      returned: always
      type: list
      elements: str
      sample: []
    sha256:
      description: sha256 of O(src) (null when no expected value was given and the manifest has none).
      returned: always
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    duration_seconds:
      description: Time taken, in seconds.
      returned: always
      type: float
      sample: 12.5
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import (
    SippDbError, client_credentials, find_client, find_program)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_manifest import (
    compare_checksums, read_manifest, view_digest)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_pipes import (
    restore_stream, run_client_sql, scan_dump)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_programs import (
    client_command, detect_compression, DumpError)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_sections import DumpFilter
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import sha256_file
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_integrity import (
    compare_objects, quote_identifier, schema_objects, table_checksums, table_structures)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_site import on_site, site_argument_spec

MESSAGES = Catalogue({
    'id': {
        'src_missing': (
            "Berkas cadangan {src} tidak ada atau tidak dapat dibaca. Tidak ada yang diubah. Periksa jalur src "
            "(hasil backup.dest dari sipp_db_backup)."),
        'manifest_missing': (
            "Manifest {manifest} tidak ada atau tidak dapat dibaca ({error}), padahal dibutuhkan untuk {why}. "
            "Tidak ada yang diubah. Tentukan jalur manifest, atau gunakan verify=false dan daftar tables "
            "yang jelas."),
        'sha256_mismatch': (
            "Berkas cadangan {src} rusak atau bukan cadangan yang dimaksud: sha256-nya {actual}, seharusnya "
            "{expected} ({source}). Tidak ada yang diubah. Gunakan cadangan lain yang utuh."),
        'dump_incomplete': (
            "Berkas cadangan {src} tidak berakhir dengan '-- Dump completed': dump itu terpotong. Tidak ada yang "
            "diubah. Gunakan cadangan lain yang utuh."),
        'tool_missing': (
            "Program {program} tidak ditemukan di server ini. Tidak ada yang diubah. Pasang {program} (paket klien "
            "MariaDB/MySQL, zstd atau gzip), lalu ulangi."),
        'tables_unknown': (
            "Tabel {tables} tidak ada di manifest cadangan {manifest}. Tidak ada yang diubah. Periksa nama tabel "
            "pada opsi tables (tabel yang ada: lihat manifest)."),
        'drop_would_lose': (
            "Tabel {tables} ada di cadangan tetapi diminta dihapus (drop_tables) tanpa dipulihkan: isinya akan "
            "hilang. Tidak ada yang diubah. Tambahkan tabel itu ke tables, atau hapus dari drop_tables."),
        'query_failed': (
            "Informasi basis data {database} tidak dapat dibaca: {error}. Tidak ada yang diubah. Periksa bahwa "
            "server basis data berjalan dan pengguna berhak membaca semua tabel SIPP."),
        'drop_failed': (
            "Tabel {tables} tidak dapat dihapus: {detail}. Belum ada tabel yang dipulihkan. Periksa hak pengguna "
            "basis data (DROP), lalu ulangi."),
        'restore_failed': (
            "Pemulihan basis data {database} dari {src} gagal pada tahap {step} ({program}): {detail}. Yang sudah "
            "dilakukan: tabel dihapus {dropped}; pemulihan tabel {tables} mungkin baru sebagian. SIPP harus tetap "
            "dalam pemeliharaan. Perbaiki penyebabnya lalu jalankan ulang pemulihan (aman diulang), atau pulihkan "
            "seluruh basis data (tanpa opsi tables)."),
        'not_in_dump': (
            "Tabel {tables} tidak ditemukan di dalam dump {src}, jadi tidak dipulihkan. SIPP harus tetap dalam "
            "pemeliharaan. Periksa bahwa manifest dan dump berasal dari cadangan yang sama; pulihkan dari "
            "cadangan lain bila perlu."),
        'verify_failed': (
            "Setelah pemulihan dari {src}, {count} tabel masih berbeda dengan manifest: {tables}. Yang sudah "
            "dilakukan: tabel dipulihkan {restored}; tabel dihapus {dropped}. SIPP harus tetap dalam "
            "pemeliharaan. Pulihkan seluruh basis data (tanpa opsi tables) lalu periksa lagi; bila tetap berbeda, "
            "hubungi Admin TI PT."),
        'server_changed': (
            "Versi server basis data sekarang ({now}) berbeda dengan saat pencadangan ({then}): checksum mungkin "
            "tidak sebanding."),
        'definers_not_kept': (
            "Data dan objek basis data sama dengan cadangan, tetapi DEFINER {objects} tidak dapat dipertahankan: "
            "pengguna basis data {user} tidak berhak membuat objek atas nama pengguna lain (hak SUPER atau SET "
            "USER), jadi objek itu kini berjalan sebagai {user}. SIPP tetap berjalan seperti biasa. Bila DEFINER "
            "semula diperlukan, minta admin basis data membuat ulang objek itu sebagai pengguna semula, atau beri "
            "pengguna itu hak SUPER sebelum pemulihan berikutnya."),
        'drop_objects_failed': (
            "Objek basis data yang dibuat sesudah cadangan ({objects}) tidak dapat dihapus: {detail}. SIPP harus "
            "tetap dalam pemeliharaan. Periksa hak pengguna basis data (DROP, ALTER ROUTINE), lalu ulangi."),
    },
    'en': {
        'src_missing': (
            "The backup file {src} does not exist or cannot be read. Nothing was changed. Check the src path "
            "(backup.dest of sipp_db_backup)."),
        'manifest_missing': (
            "The manifest {manifest} is missing or unreadable ({error}) but is needed for {why}. Nothing was "
            "changed. Give the manifest path, or use verify=false with an explicit list of tables."),
        'sha256_mismatch': (
            "The backup file {src} is damaged or not the intended backup: its sha256 is {actual}, expected "
            "{expected} ({source}). Nothing was changed. Use another, intact backup."),
        'dump_incomplete': (
            "The backup file {src} does not end with '-- Dump completed': the dump is truncated. Nothing was "
            "changed. Use another, intact backup."),
        'tool_missing': (
            "The program {program} was not found on this server. Nothing was changed. Install {program} (the "
            "MariaDB/MySQL client package, zstd or gzip), then run again."),
        'tables_unknown': (
            "Tables {tables} are not in the backup's manifest {manifest}. Nothing was changed. Check the table "
            "names of the tables option (the manifest lists the tables present)."),
        'drop_would_lose': (
            "Tables {tables} are in the backup but were asked to be dropped (drop_tables) without being restored: "
            "their content would be lost. Nothing was changed. Add them to tables, or remove them from drop_tables."),
        'query_failed': (
            "Database {database}'s information cannot be read: {error}. Nothing was changed. Check that the "
            "database server runs and that the user may read every SIPP table."),
        'drop_failed': (
            "Tables {tables} cannot be dropped: {detail}. No table has been restored yet. Check the database user's "
            "privileges (DROP), then run again."),
        'restore_failed': (
            "Restoring database {database} from {src} failed at step {step} ({program}): {detail}. Done so far: "
            "tables dropped {dropped}; the restore of tables {tables} may be partial. Keep SIPP in maintenance. "
            "Fix the cause and run the restore again (safe to repeat), or restore the whole database (without "
            "the tables option)."),
        'not_in_dump': (
            "Tables {tables} were not found in the dump {src}, so they were not restored. Keep SIPP in maintenance. "
            "Check that the manifest and the dump belong to the same backup; restore from another backup if "
            "needed."),
        'verify_failed': (
            "After restoring from {src}, {count} tables still differ from the manifest: {tables}. Done: tables "
            "restored {restored}; tables dropped {dropped}. Keep SIPP in maintenance. Restore the whole database "
            "(without the tables option) and check again; if they still differ, call the high court's IT admin."),
        'server_changed': (
            "The database server's version now ({now}) differs from the backup's ({then}): checksums may not be "
            "comparable."),
        'definers_not_kept': (
            "The data and the database objects equal the backup's, but the DEFINER of {objects} could not be kept: "
            "the database user {user} may not create objects on behalf of another user (the SUPER or SET USER "
            "privilege), so they now run as {user}. SIPP works as usual. If the original DEFINER is needed, ask the "
            "database administrator to re-create those objects as their original user, or give that user SUPER "
            "before the next restore."),
        'drop_objects_failed': (
            "The database objects created after the backup ({objects}) cannot be dropped: {detail}. Keep SIPP in "
            "maintenance. Check the database user's privileges (DROP, ALTER ROUTINE), then run again."),
    },
})


def _names(items):
    return ', '.join(items) if items else '-'


def _object_items(object_diffs):
    """Object differences in the form of the table differences (``table`` names the object, e.g. ``view v_x``)."""
    return [dict(table=d['object'], problem='object_' + d['problem'], expected_definer=d['expected_definer'],
                 actual_definer=d['actual_definer']) for d in object_diffs if d['problem'] != 'extra']


class Restore(object):
    def __init__(self, module, site):
        self.module = module
        self.site = site
        self.lang = site.language
        self.params = module.params
        self.database = site.database
        self.secrets = [site.params.get('password')]
        self.result = dict(mode=None, src=None, database=self.database, tables_restored=[], tables_dropped=[],
                           views_restored=False, routines_restored=False, objects_dropped=[], verified=None,
                           differences=[], extra_tables=[], extra_objects=[], definers_not_kept=[],
                           definers_note='', sha256=None, duration_seconds=None)
        self.changed = False
        self.user = None          # the login user, as CURRENT_USER() names it (user@host)
        self.any_definer = False  # it may create objects for another DEFINER (SUPER, SET USER)

    def fail(self, key, **params):
        self.module.fail_json(msg=MESSAGES.text(self.lang, key, **params), changed=self.changed, restore=self.result)

    def load_manifest(self, path, needed_for):
        if not os.path.exists(path):
            if needed_for:
                self.fail('manifest_missing', manifest=path, error='not found', why=', '.join(needed_for))
            return None
        try:
            return read_manifest(path)
        except (OSError, ValueError) as exc:
            self.fail('manifest_missing', manifest=path, error=str(exc), why=', '.join(needed_for) or 'src')

    def checksums(self):
        """(table_checksums, table_structures) of the database now."""
        try:
            return (table_checksums(self.site.conn, self.database),
                    table_structures(self.site.conn, self.database))
        except SippDbError as exc:
            self.fail('query_failed', database=self.database, error=exc.cause)

    def definer_rights(self):
        """Who restores (CURRENT_USER()) and whether it may create objects for another DEFINER: SUPER (MySQL and
        MariaDB), SET USER (MariaDB 10.5.2 and later) or SET_USER_ID (MySQL 8)."""
        conn = self.site.conn
        try:
            self.user = conn.query_value('SELECT CURRENT_USER() AS u') or ''
        except SippDbError as exc:
            self.fail('query_failed', database=self.database, error=exc.cause)
        name, _at, host = self.user.rpartition('@')
        try:
            rows = conn.query("SELECT PRIVILEGE_TYPE AS p FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %s",
                              ("'%s'@'%s'" % (name, host),))
        except SippDbError:
            rows = []
        self.any_definer = any((r.get('p') or '').upper() in ('SUPER', 'SET USER', 'SET_USER_ID') for r in rows)

    def settable(self, definer):
        """The restore can give an object this DEFINER (as the ``definers`` option and the login user allow)."""
        choice = self.params['definers']
        return choice == 'keep' or (choice == 'auto' and self.any_definer) or definer == self.user

    def keep_definer(self):
        choice = self.params['definers']
        if choice == 'keep' or (choice == 'auto' and self.any_definer):
            return None
        if choice == 'current':
            return ''
        return self.user

    def objects(self):
        try:
            return schema_objects(self.site.conn, self.database)
        except SippDbError as exc:
            self.fail('query_failed', database=self.database, error=exc.cause)

    def mendable(self, diff):
        """An object difference that restoring the object from the dump mends."""
        return diff['problem'] in ('missing', 'definition') or (
            diff['problem'] == 'definer' and self.settable(diff['expected_definer']))

    def object_proof(self, object_diffs):
        """The object differences that fail the proof, as items of ``differences``; records the extra objects and
        the DEFINERs the login user could not keep (an object restored as that user because it may not set
        another's: said plainly in ``definers_note``, not a failure of the data)."""
        not_kept = [d for d in object_diffs if d['problem'] == 'definer' and
                    not self.settable(d['expected_definer']) and d['actual_definer'] == self.user]
        self.result['definers_not_kept'] = [dict(object=d['object'], expected=d['expected_definer'],
                                                 actual=d['actual_definer']) for d in not_kept]
        self.result['definers_note'] = MESSAGES.text(self.lang, 'definers_not_kept', user=self.user, objects=_names(
            ['%s (%s)' % (d['object'], d['expected_definer']) for d in not_kept])) if not_kept else ''
        self.result['extra_objects'] = [d['object'] for d in object_diffs if d['problem'] == 'extra']
        return _object_items([d for d in object_diffs if d not in not_kept])

    def drop_objects(self, client, extra):
        kinds = dict(view='VIEW', procedure='PROCEDURE', function='FUNCTION', event='EVENT', trigger='TRIGGER')
        sql = ''.join('DROP %s IF EXISTS %s;\n' % (kinds[d['kind']], quote_identifier(d['name'])) for d in extra)
        try:
            run_client_sql(client, self.site.params, self.database, sql, secrets=self.secrets)
        except DumpError as exc:
            self.fail('drop_objects_failed', objects=_names([d['object'] for d in extra]), detail=exc.detail)
        self.changed = True

    def views_differ(self, manifest):
        wanted = manifest.get('view_definitions')
        if wanted is None:
            return False
        try:
            rows = self.site.conn.query(
                "SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition FROM information_schema.VIEWS "
                "WHERE TABLE_SCHEMA = %s", (self.database,))
        except SippDbError as exc:
            self.fail('query_failed', database=self.database, error=exc.cause)
        now = dict((r['name'], view_digest(r.get('definition'))) for r in rows)
        return any(now.get(name) != digest for name, digest in wanted.items())

    def run(self):
        module = self.module
        params = self.params
        started = time.time()
        src = os.path.abspath(params['src'])
        self.result['src'] = src
        if not (os.path.isfile(src) and os.access(src, os.R_OK)):
            self.fail('src_missing', src=src)

        tables = params['tables']
        if tables is not None:
            tables = [t.strip() for t in tables if t and t.strip()]
        mode = 'full' if tables is None else ('auto' if tables == ['auto'] else 'tables')
        self.result['mode'] = mode
        needed_for = []
        if params['verify']:
            needed_for.append('verify=true')
        if mode == 'auto':
            needed_for.append('tables=auto')
        if params['drop_new_tables']:
            needed_for.append('drop_new_tables=true')
        manifest_path = os.path.abspath(params['manifest'] or src + '.manifest.json')
        manifest = self.load_manifest(manifest_path, needed_for)

        # 1. the dump is the one we mean, before anything changes
        expected = []
        if params['sha256']:
            expected.append((params['sha256'].strip().lower(), 'sha256'))
        if manifest and (manifest.get('dump') or {}).get('sha256'):
            expected.append((manifest['dump']['sha256'].lower(), manifest_path))
        kind = detect_compression(src)
        decompressor = None
        if kind != 'none':
            decompressor = find_program([kind], module)
            if not decompressor:
                self.fail('tool_missing', program=kind)
        client = find_client(module)
        if not client:
            self.fail('tool_missing', program='mariadb/mysql')
        if expected:
            actual = sha256_file(src)
            self.result['sha256'] = actual
            for want, source in expected:
                if want != actual:
                    self.fail('sha256_mismatch', src=src, actual=actual, expected=want, source=source)
        else:
            try:
                scanned = scan_dump(src, kind, decompressor)
            except DumpError as exc:
                self.fail('restore_failed', database=self.database, src=src, step=exc.step,
                          program=exc.program, detail=exc.detail, dropped='-', tables='-')
            if not scanned['end_marker']:
                self.fail('dump_incomplete', src=src)

        if manifest and manifest.get('server_version') and self.site.conn.server_version and \
                manifest['server_version'] != self.site.conn.server_version:
            module.warn(MESSAGES.text(self.lang, 'server_changed', now=self.site.conn.server_version,
                                      then=manifest['server_version']))

        # 2. the plan
        expected_sums = (manifest or {}).get('tables') or {}
        expected_structures = (manifest or {}).get('structures')
        current, structures = self.checksums() if (manifest or params['drop_tables']) else ({}, {})
        if mode == 'auto':
            restore = [d['table'] for d in compare_checksums(expected_sums, current, None, expected_structures,
                                                             structures)]
        elif mode == 'tables':
            restore = sorted(set(tables))
            if manifest:
                unknown = [t for t in restore if t not in expected_sums]
                if unknown:
                    self.fail('tables_unknown', tables=_names(unknown), manifest=manifest_path)
        else:
            restore = sorted(expected_sums) if manifest else None
        drop = set(t for t in (params['drop_tables'] or []) if t in current)
        if params['drop_new_tables'] and manifest:
            drop.update(t for t in current if t not in expected_sums)
        if manifest:
            restoring = set(expected_sums) if mode == 'full' else set(restore)
            lost = sorted(t for t in drop if t in expected_sums and t not in restoring)
            if lost:
                self.fail('drop_would_lose', tables=_names(lost))
        drop = sorted(drop)
        # views, triggers, routines and events: what differs from the backup, and what a restore can mend
        expected_objects = (manifest or {}).get('objects')
        self.definer_rights()
        object_diffs = []
        now_objects = {}
        if expected_objects is not None and mode != 'tables':
            now_objects = self.objects()
            object_diffs = compare_objects(expected_objects, now_objects)
        mend = [d for d in object_diffs if self.mendable(d)]
        if mode == 'auto':
            # a trigger comes back with its table
            restore = sorted(set(restore) | set(
                expected_objects[d['object']].get('table') for d in mend
                if d['kind'] == 'trigger' and expected_objects[d['object']].get('table') in expected_sums))
        going = set(drop) | set(restore or [])
        extra_objects = [d for d in object_diffs if d['problem'] == 'extra'
                         and not (d['kind'] == 'trigger' and now_objects[d['object']].get('table') in going)]
        if params['views'] == 'restore':
            # A view survives the drop and re-creation of its tables; re-creating it when its definition did not
            # change would only swap its DEFINER for the restoring user's. Without definitions in the manifest (an
            # older backup) the views are re-created whenever tables are.
            if mode == 'full':
                restore_views = True
            elif expected_objects is not None and mode == 'auto':
                restore_views = any(d['kind'] == 'view' for d in mend)
            elif manifest is not None and manifest.get('view_definitions') is not None:
                restore_views = self.views_differ(manifest)
            else:
                restore_views = bool(restore)
        else:
            restore_views = False
        routines = params['routines'] == 'restore' or (params['routines'] == 'auto' and (
            mode == 'full' or any(d['kind'] in ('procedure', 'function', 'event') for d in mend)))
        drop_objects = extra_objects if params['drop_new_tables'] else []

        self.result.update(tables_restored=list(restore or []), tables_dropped=drop, views_restored=restore_views,
                           routines_restored=routines, objects_dropped=[d['object'] for d in drop_objects])
        if manifest:
            self.result['differences'] = compare_checksums(expected_sums, current, None, expected_structures,
                                                           structures) + self.object_proof(object_diffs)
            self.result['extra_tables'] = sorted(t for t in current if t not in expected_sums)
            self.result['extra_objects'] = [d['object'] for d in extra_objects]
        anything = mode != 'auto' or bool(restore) or bool(drop) or restore_views or routines or bool(drop_objects)
        if module.check_mode or not anything:
            self.result['duration_seconds'] = round(time.time() - started, 3)
            if not anything and manifest and params['verify']:
                self.result['verified'] = not self.result['differences']
                if self.result['differences'] and not module.check_mode:
                    # nothing this restore may mend (e.g. routines=keep), and still not as backed up
                    diffs = self.result['differences']
                    self.fail('verify_failed', src=src, count=len(diffs), tables=_names([d['table'] for d in diffs]),
                              restored='-', dropped='-')
            if self.result['definers_note']:
                module.warn(self.result['definers_note'])
            return anything, self.result

        # 3. drop, then restore
        if drop_objects:
            self.drop_objects(client, drop_objects)
        if drop:
            sql = 'SET FOREIGN_KEY_CHECKS=0;\n' + ''.join(
                'DROP TABLE IF EXISTS %s;\n' % quote_identifier(t) for t in drop)
            try:
                run_client_sql(client, self.site.params, self.database, sql, secrets=self.secrets)
            except DumpError as exc:
                self.fail('drop_failed', tables=_names(drop), detail=exc.detail)
            self.changed = True
        if mode == 'full' or restore or restore_views or routines:
            dump_filter = DumpFilter(tables=None if mode == 'full' else restore, views=restore_views,
                                     routines=routines, keep_definer=self.keep_definer())
            charset = ((manifest or {}).get('dump') or {}).get('charset')
            try:
                with client_credentials(self.site.params) as creds:
                    argv = client_command(client, creds['defaults_arg'], self.database, charset)
                    self.changed = True
                    restore_stream(src, kind, decompressor, argv, env=creds['env'], secrets=self.secrets,
                                   dump_filter=dump_filter)
            except DumpError as exc:
                self.fail('restore_failed', database=self.database, src=src, step=exc.step,
                          program=exc.program or client, detail=exc.detail, dropped=_names(drop),
                          tables='*' if mode == 'full' else _names(restore))
            if mode == 'full':
                self.result['tables_restored'] = list(dump_filter.kept_tables)
            else:
                absent = [t for t in restore if t not in dump_filter.kept_tables]
                if absent:
                    self.fail('not_in_dump', tables=_names(absent), src=src)

        # 4. the proof
        if params['verify'] and manifest:
            after, after_structures = self.checksums()
            scope = restore if mode == 'tables' else None
            diffs = compare_checksums(expected_sums, after, scope, expected_structures, after_structures)
            if expected_objects is not None and mode != 'tables':
                diffs = diffs + self.object_proof(compare_objects(expected_objects, self.objects()))
            self.result['differences'] = diffs
            self.result['extra_tables'] = sorted(t for t in after if t not in expected_sums)
            self.result['verified'] = not diffs
            self.result['duration_seconds'] = round(time.time() - started, 3)
            if diffs:
                self.fail('verify_failed', src=src, count=len(diffs), tables=_names([d['table'] for d in diffs]),
                          restored=_names(self.result['tables_restored']), dropped=_names(drop))
        self.result['duration_seconds'] = round(time.time() - started, 3)
        if self.result['definers_note']:
            module.warn(self.result['definers_note'])
        return True, self.result


def main():
    argument_spec = site_argument_spec()
    argument_spec.update(
        src=dict(type='path', required=True),
        manifest=dict(type='path'),
        sha256=dict(type='str'),
        tables=dict(type='list', elements='str'),
        drop_tables=dict(type='list', elements='str', default=[]),
        drop_new_tables=dict(type='bool', default=False),
        views=dict(type='str', default='restore', choices=['restore', 'keep']),
        routines=dict(type='str', default='auto', choices=['auto', 'restore', 'keep']),
        definers=dict(type='str', default='auto', choices=['auto', 'keep', 'current']),
        verify=dict(type='bool', default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    changed, restore = on_site(module, lambda site: Restore(module, site).run())
    module.exit_json(changed=changed, restore=restore)


if __name__ == '__main__':
    main()
