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
version_added: "1.0.0"
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
  - "With O(verify=true) the checksums are computed again afterwards and compared with the manifest: for the
    restored tables when O(tables) is a list, for every table of the manifest otherwise; any difference fails the
    task (after the restore) with the differences listed."
  - Credentials reach the client only through a private option file (mode 0600, folder 0700, removed afterwards);
    never on the command line nor in the environment.
  - Messages are in Bahasa Indonesia unless O(language=en).
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
      - V(restore) re-creates the dump's views, with a full restore always, with a per-table restore when a view's
        definition differs from the manifest's (so an unchanged view keeps its DEFINER), or, for a manifest without
        view definitions, when a table is restored. V(keep) leaves the views as they are.
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
      - V(auto) keeps the clauses naming the restoring user (C(CURRENT_USER())) and turns any other into
        C(DEFINER=CURRENT_USER); V(keep) keeps them all (the restoring user then needs SUPER); V(current) turns them
        all into C(DEFINER=CURRENT_USER).
    type: str
    choices: [auto, keep, current]
    default: auto
  verify:
    description:
      - Compare the checksums after the restore with the manifest, and fail when they differ.
    type: bool
    default: true
extends_documentation_fragment:
  - pengadilan.sipp.sipp_site
  - pengadilan.sipp.sipp_login
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
        C(actual_rows), C(expected_checksum), C(actual_checksum).
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
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_common import msg
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import (
    SippDbError, client_credentials, find_client)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump import (
    DumpError, DumpFilter, client_command, compare_checksums, detect_compression, find_program, read_manifest,
    restore_stream, run_client_sql, scan_dump, sha256_file, view_digest)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_integrity import (
    quote_identifier, table_checksums, table_structures)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_site import (
    SiteError, open_site, site_argument_spec)

MESSAGES = {
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
    },
}


def _m(lang, key, **params):
    return msg(lang, key, catalogue=MESSAGES, **params)


def _names(items):
    return ', '.join(items) if items else '-'


class Restore(object):
    def __init__(self, module, site):
        self.module = module
        self.site = site
        self.lang = site.language
        self.params = module.params
        self.database = site.database
        self.secrets = [site.params.get('password')]
        self.result = dict(mode=None, src=None, database=self.database, tables_restored=[], tables_dropped=[],
                           views_restored=False, verified=None, differences=[], extra_tables=[], sha256=None,
                           duration_seconds=None)
        self.changed = False

    def fail(self, key, **params):
        self.module.fail_json(msg=_m(self.lang, key, **params), changed=self.changed, restore=self.result)

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
            self.fail('query_failed', database=self.database, error=exc.params.get('error') or exc.code)

    def keep_definer(self):
        choice = self.params['definers']
        if choice == 'keep':
            return None
        if choice == 'current':
            return ''
        try:
            return self.site.conn.query_value('SELECT CURRENT_USER() AS u') or ''
        except SippDbError as exc:
            self.fail('query_failed', database=self.database, error=exc.params.get('error') or exc.code)

    def views_differ(self, manifest):
        wanted = manifest.get('view_definitions')
        if wanted is None:
            return False
        try:
            rows = self.site.conn.query(
                "SELECT TABLE_NAME AS name, VIEW_DEFINITION AS definition FROM information_schema.VIEWS "
                "WHERE TABLE_SCHEMA = %s", (self.database,))
        except SippDbError as exc:
            self.fail('query_failed', database=self.database, error=exc.params.get('error') or exc.code)
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
            module.warn(_m(self.lang, 'server_changed', now=self.site.conn.server_version,
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
        if params['views'] == 'restore':
            # A view survives the drop and re-creation of its tables; re-creating it when its definition did not
            # change would only swap its DEFINER for the restoring user's. Without definitions in the manifest (an
            # older backup) the views are re-created whenever tables are.
            if mode == 'full':
                restore_views = True
            elif manifest is not None and manifest.get('view_definitions') is not None:
                restore_views = self.views_differ(manifest)
            else:
                restore_views = bool(restore)
        else:
            restore_views = False
        routines = params['routines'] == 'restore' or (params['routines'] == 'auto' and mode == 'full')

        self.result.update(tables_restored=list(restore or []), tables_dropped=drop, views_restored=restore_views)
        if manifest:
            self.result['differences'] = compare_checksums(expected_sums, current, None, expected_structures,
                                                           structures)
            self.result['extra_tables'] = sorted(t for t in current if t not in expected_sums)
        anything = mode != 'auto' or bool(restore) or bool(drop) or restore_views
        if module.check_mode or not anything:
            self.result['duration_seconds'] = round(time.time() - started, 3)
            if not anything and manifest and params['verify']:
                self.result['verified'] = not self.result['differences']
            return anything, self.result

        # 3. drop, then restore
        if drop:
            sql = 'SET FOREIGN_KEY_CHECKS=0;\n' + ''.join(
                'DROP TABLE IF EXISTS %s;\n' % quote_identifier(t) for t in drop)
            try:
                run_client_sql(client, self.site.params, self.database, sql, secrets=self.secrets)
            except DumpError as exc:
                self.fail('drop_failed', tables=_names(drop), detail=exc.detail)
            self.changed = True
        if mode == 'full' or restore or restore_views:
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
            self.result['differences'] = diffs
            self.result['extra_tables'] = sorted(t for t in after if t not in expected_sums)
            self.result['verified'] = not diffs
            self.result['duration_seconds'] = round(time.time() - started, 3)
            if diffs:
                self.fail('verify_failed', src=src, count=len(diffs), tables=_names([d['table'] for d in diffs]),
                          restored=_names(self.result['tables_restored']), dropped=_names(drop))
        self.result['duration_seconds'] = round(time.time() - started, 3)
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
    try:
        site = open_site(module)
    except SiteError as exc:
        module.fail_json(msg=exc.text, **exc.details)
    try:
        changed, restore = Restore(module, site).run()
    finally:
        site.close()
    module.exit_json(changed=changed, restore=restore)


if __name__ == '__main__':
    main()
