#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_snapshot
short_description: Take an integrity snapshot of a court's SIPP database and compare it with an earlier one
version_added: "0.1.0"
description:
  - Reads, from SIPP's database, the row count, C(CHECKSUM TABLE) and definition fingerprint (columns, indexes,
    engine, collation, triggers) of every base table, the figures a court already trusts (the LIPA 1 report of
    O(year)/O(month) and the dashboard "kinerja" of O(year)) and the row counts of the case tables (C(perkara),
    C(perkara_pihak1), C(perkara_pihak2), C(pihak), C(perkara_jadwal_sidang), C(perkara_putusan),
    C(perkara_penetapan), C(perkara_hakim_pn), C(perkara_biaya) and every other C(perkara_*) table).
  - Optionally writes the snapshot as JSON on the court server (O(dest)) and compares it with an earlier snapshot
    file (O(compare_to)), as the SOP's backup and verification steps need; an upgrade must leave the figures and the
    case-table row counts unchanged, and the content and definition of every table except those the upgrade package
    declares changed (O(ignore_tables)).
  - The figures are computed with SQL over columns present in every SIPP version (C(perkara.tanggal_pendaftaran),
    C(perkara.jenis_perkara_id), C(perkara_putusan.tanggal_putusan), C(perkara_putusan.tanggal_minutasi),
    C(perkara_penetapan.penetapan_majelis_hakim)), with the same rules as SIPP's own reports, so they are comparable
    across an upgrade.
  - Reads only; the only write is the file O(dest).
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  year:
    description:
      - Year of the LIPA 1 report and of the kinerja figures.
      - Default is the year of the snapshot of O(compare_to) (the same figures compared), else the current year on
        the court server (its local date).
    type: int
  month:
    description:
      - Month (1 to 12) of the LIPA 1 report.
      - Default is the month of the snapshot of O(compare_to), else the current month on the court server (its local
        date).
    type: int
  tables:
    description:
      - Only these tables get a row count, checksum and definition fingerprint (names that are not base tables of
        the database are left out). Default is every base table; views are never included.
      - With O(compare_to), the earlier snapshot is restricted to the same tables before comparing.
      - The LIPA 1, kinerja and case-table figures are always taken.
    type: list
    elements: str
  dest:
    description:
      - Path on the court server where the snapshot is written as JSON (mode C(0600); missing parent folders are
        created with mode C(0700)). The file is replaced atomically.
      - The file is left alone when it already holds the same snapshot (apart from RV(snapshot.taken_at)) with mode
        C(0600); then the module reports no change.
    type: path
  compare_to:
    description:
      - Path on the court server of an earlier snapshot file (written with O(dest)) to compare with. The result is
        RV(equal) and RV(differences).
    type: path
  ignore_tables:
    description:
      - Tables whose content (checksum), definition (structure) and row count may differ from O(compare_to), usually
        the C(tables_changed) of the upgrade package's manifest. The row counts of case tables and the figures are
        compared even for these.
    type: list
    elements: str
    default: []
  fail_on_difference:
    description:
      - Fail when RV(equal) is false. The result still carries RV(snapshot) and RV(differences), and O(dest) has
        been written.
    type: bool
    default: false
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - pengadilan.sipp.sipp_site
  - pengadilan.sipp.sipp_login
  - pengadilan.sipp.sipp_lock
  - pengadilan.sipp.sipp_writable
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The snapshot is taken and compared; O(dest) is not written, and the result's C(changed) tells whether
      it would be.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - C(CHECKSUM TABLE) reads whole tables without stopping writers, so two snapshots agree only while nobody writes;
    take them while SIPP is in maintenance (C(SiteOffline) = 1), as the backup and verification steps do. A warning
    is given when SIPP is not in maintenance.
  - Checksums are comparable only on the same database server and version (MySQL and MariaDB compute them
    differently), and a table's checksum changes when its definition changes (a migration), even when no row does.
    Not always, though; a renamed column of the same type leaves it equal. That is why each table's definition is
    fingerprinted too (RV(snapshot.structures)), and a changed definition is a difference of its own (V(structure)).
  - On a large database a snapshot reads every row once; it can take minutes. Use O(tables) to narrow it.
  - Works with PyMySQL or, when it is missing, with the C(mariadb)/C(mysql) command-line client; see
    O(db_client_backend). The database password is never returned.
seealso:
  - module: pengadilan.sipp.sipp_info
  - name: CHECKSUM TABLE
    description: What the server computes for each table.
    link: https://mariadb.com/kb/en/checksum-table/
'''

EXAMPLES = r'''
- name: Snapshot before the upgrade (SIPP already in maintenance)
  pengadilan.sipp.sipp_snapshot:
    dest: /var/backups/sipp/snapshot-before.json
  register: before

- name: Snapshot after the migrations, compared with the one before
  pengadilan.sipp.sipp_snapshot:
    dest: /var/backups/sipp/snapshot-after.json
    compare_to: /var/backups/sipp/snapshot-before.json
    ignore_tables: "{{ sipp_package_manifest.tables_changed }}"
    fail_on_difference: true
    language: en

- name: LIPA 1 of March 2025 and the kinerja of 2025, without checksumming every table
  pengadilan.sipp.sipp_snapshot:
    year: 2025
    month: 3
    tables: [perkara, perkara_putusan]
  register: figures

- name: Show the figures
  ansible.builtin.debug:
    msg: "Kinerja {{ figures.snapshot.kinerja.kinerja }} %, sisa akhir {{ figures.snapshot.lipa1.jumlah.sisa_akhir }}"
'''

RETURN = r'''
snapshot:
  description: The integrity snapshot. This is also what O(dest) holds.
  returned: success
  type: dict
  contains:
    taken_at:
      description: When it was taken (UTC, ISO 8601).
      returned: success
      type: str
      sample: "2025-03-14T21:05:00Z"
    version:
      description: SIPP version (C(sys_config) id 80).
      returned: success
      type: str
      sample: 5.2.0
    database:
      description: Name of SIPP's database.
      returned: success
      type: str
      sample: SIPP
    server_version:
      description: Version of the database server (checksums are comparable only on the same one).
      returned: success
      type: str
      sample: 5.5.68-MariaDB
    app_path:
      description: The SIPP application folder.
      returned: success
      type: str
      sample: /var/www/html/SIPP
    site_offline:
      description: Whether SIPP was in maintenance (C(SiteOffline) = 1) when the snapshot was taken.
      returned: success
      type: bool
      sample: true
    tables:
      description: Per base table, C(rows) (C(COUNT(*))) and C(checksum) (C(CHECKSUM TABLE), as text).
      returned: success
      type: dict
      sample: {"perkara": {"rows": 1520, "checksum": "3017565092"}, "sys_config": {"rows": 12, "checksum": "41"}}
    structures:
      description:
        - Per base table (the same tables as RV(snapshot.tables)), the sha256 of its definition as
          C(information_schema) describes it, on this database server. Its columns (name, position, type,
          nullability, default, character set, collation, extra), indexes, engine, collation and triggers.
        - C(CHECKSUM TABLE) does not notice a renamed column whose type and data are unchanged; this does.
      returned: success
      type: dict
      sample: {"perkara": "5d0b2c1e9f3a47e8b6c2d4a1f0e9b8c7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1",
               "sys_config": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"}
    objects:
      description:
        - Every view, trigger, stored procedure and function and event, keyed C(<kind> <name>), with its C(kind),
          C(name), C(definer) (C(user@host)) and C(digest) (sha256 of what it does; null for a routine whose body
          the login user may not read). A trigger also has its C(table).
        - Recorded for the record; the comparison of two snapshots leaves them out (a migration replaces views and
          routines on purpose). The downgrade's proof compares them with the backup's manifest
          (M(pengadilan.sipp.sipp_db_restore)).
      returned: success
      type: dict
      sample: {"view v_perkara_dashboard": {"kind": "view", "name": "v_perkara_dashboard",
               "definer": "root@localhost", "digest": "9a0c5e1b7d3f4a2c8e6b0d9f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c"}}
    lipa1:
      description:
        - LIPA 1 (Laporan Keadaan Perkara) of the month, in the shape of SIPP's own JSON report.
        - C(rincian) has one row per jenis perkara (rows whose four main figures are zero are left out);
          C(sisa_bulan_lalu) + C(diterima) - C(diputus) = C(sisa_akhir) = C(belum_dibagi) + C(belum_diputus).
          C(belum_dibagi) and C(belum_diputus) are null when the database has no C(perkara_penetapan
          .penetapan_majelis_hakim). C(jumlah) holds the totals.
      returned: success
      type: dict
      sample: {"tahun": 2025, "bulan": 3, "rincian": [{"jenis_perkara_id": 1, "jenis_perkara_nama": "Gugatan",
               "sisa_bulan_lalu": 12, "diterima": 5, "diputus": 4, "sisa_akhir": 13, "belum_dibagi": 2,
               "belum_diputus": 11}], "jumlah": {"sisa_bulan_lalu": 12, "diterima": 5, "diputus": 4,
               "sisa_akhir": 13, "belum_dibagi": 2, "belum_diputus": 11}}
    kinerja:
      description:
        - The dashboard figures of the year. C(masuk) registered in the year; C(sisa) registered before it and not
          minuted by 1 January; C(minutasi) minuted in the year; C(kinerja) = minutasi * 100 / (masuk + sisa),
          rounded to 2 decimals (0 when masuk + sisa is 0).
      returned: success
      type: dict
      sample: {"tahun": 2025, "masuk": 310, "sisa": 45, "minutasi": 280, "kinerja": 78.87}
    case_counts:
      description: Row counts of the case tables; null for a usual case table that does not exist.
      returned: success
      type: dict
      sample: {"perkara": 1520, "perkara_putusan": 1300, "perkara_ecourt": 210, "pihak": 3100}
equal:
  description:
    - Whether the snapshot matches O(compare_to), i.e. no difference is an error (a new table alone does not make it
      unequal). Null without O(compare_to).
  returned: success
  type: bool
  sample: true
differences:
  description:
    - What differs from O(compare_to) (empty without it). Figures first, then tables by name.
  returned: success
  type: list
  elements: dict
  contains:
    kind:
      description:
        - V(figure) (a LIPA 1 or kinerja figure), V(rows) (a row count), V(checksum) (a table's content),
          V(structure) (a table's definition, e.g. a renamed column, even with the same checksum; C(before) and
          C(after) are the fingerprints of RV(snapshot.structures)), V(missing_table) (a table of the earlier
          snapshot is gone) or V(new_table) (a table only the new snapshot has; expected from a migration).
        - V(checksum) and V(structure) are errors unless the table is in O(ignore_tables) (then they are not
          reported). V(structure) is compared only when both snapshots have RV(snapshot.structures); a snapshot
          file written by an earlier version of this module has none.
      type: str
      returned: always
      sample: checksum
    table:
      description: The table, for every kind except V(figure).
      type: str
      returned: when kind is not figure
      sample: perkara
    figure:
      description: The figure, for V(figure), e.g. C(kinerja.masuk), C(lipa1.1.diterima) (jenis perkara 1),
        C(lipa1.jumlah.sisa_akhir).
      type: str
      returned: when kind is figure
      sample: kinerja.masuk
    before:
      description: The value in O(compare_to).
      type: raw
      returned: always
      sample: "3017565092"
    after:
      description: The value now.
      type: raw
      returned: always
      sample: "118208765"
    error:
      description: Whether this difference makes RV(equal) false.
      type: bool
      returned: always
      sample: true
    text:
      description: The difference in words, in the language of O(language).
      type: str
      returned: always
      sample: "isi tabel perkara berubah: checksum 3017565092 -> 118208765"
app_release:
  description:
    - The release layout of the application folder (C(link), C(release)) as M(pengadilan.sipp.sipp_info) reports it
      (RV(pengadilan.sipp.sipp_info#module:sipp.app_release)); null for a plain folder. Not part of the snapshot.
  returned: success
  type: dict
  sample: {"link": "/srv/sipp-rilis/SIPP-5.2.0", "release": "/srv/sipp-rilis/SIPP-5.2.0"}
dest:
  description: The path of O(dest), or null.
  returned: success
  type: str
  sample: /var/backups/sipp/snapshot-before.json
writable:
  description:
    - >-
      Whether the web server can write where SIPP writes (with O(writable=true); null otherwise): C(user) (the web
      server's), C(checked) (false when no web server runs and O(web_user) is empty), C(selinux) (SELinux is on),
      C(folders) each with C(folder), C(writable), C(why) (V(mode): owner, group and mode do not let the user write;
      V(selinux): its context's type does not let httpd write; empty when writable), C(owner), C(group), C(mode),
      C(context). Not part of the snapshot.
  returned: success
  type: dict
'''

import datetime
import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import SippDbError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import make_private_dirs, write_atomic
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_links import release_of
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_integrity import (
    compare_snapshots, difference_text, has_errors, take_snapshot)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_site import on_site, site_argument_spec
from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_writable

SNAPSHOT_KEYS = ('tables', 'lipa1', 'kinerja', 'case_counts')
MAX_LISTED = 10

# Every failure says what happened, what was done, and what to do next.
MESSAGES = Catalogue({
    'id': {
        'bad_period': (
            "Periode tidak valid: tahun {year}, bulan {month} (bulan harus 1 sampai 12, tahun 1900 sampai 9999). "
            "Tidak ada yang dibaca maupun diubah. Perbaiki opsi year/month."),
        'compare_missing': (
            "Berkas snapshot pembanding {path} tidak ada di server ini. Tidak ada yang dibaca maupun diubah. "
            "Berikan path berkas yang ditulis lewat opsi dest pada langkah sebelumnya (mis. sebelum upgrade)."),
        'compare_unreadable': (
            "Berkas snapshot pembanding {path} tidak dapat dibaca: {error}. Tidak ada yang dibaca maupun diubah. "
            "Periksa path dan hak akses berkas itu (jalankan modul sebagai root, become: true)."),
        'compare_invalid': (
            "Berkas {path} bukan snapshot sipp_snapshot ({error}). Tidak ada yang dibaca maupun diubah. Berikan "
            "berkas JSON yang ditulis lewat opsi dest modul ini."),
        'snapshot_failed': (
            "Snapshot basis data SIPP gagal diambil: {error} Berkas dest tidak ditulis. Ulangi setelah masalah "
            "basis data itu diperbaiki."),
        'dest_failed': (
            "Snapshot sudah diambil tetapi tidak dapat disimpan ke {path}: {error}. Tidak ada yang diubah di "
            "aplikasi maupun basis data SIPP; berkas itu tidak ditulis (hasilnya ada di snapshot). Pilih folder "
            "yang dapat ditulis untuk dest, atau periksa ruang disk dan hak aksesnya."),
        'differences': (
            "Snapshot berbeda dari {path}: {count} perbedaan, mis. {listing}. Modul ini tidak mengubah data apa "
            "pun{saved}. Periksa perbedaan itu: angka LIPA 1/kinerja atau jumlah baris tabel perkara yang berubah "
            "berarti data perkara hilang atau berubah; jangan lanjutkan upgrade, pulihkan (downgrade) dari backup "
            "bila perubahan itu tidak diharapkan."),
        'saved': "; snapshot baru tersimpan di {path}",
        'not_in_maintenance': (
            "SIPP tidak dalam mode perbaikan (SiteOffline bukan 1): pengguna mungkin sedang mengubah data, sehingga "
            "checksum dapat berbeda antara dua snapshot walaupun tidak ada yang hilang. Ambil snapshot saat SIPP "
            "dalam mode perbaikan."),
        'server_changed': (
            "Snapshot pembanding diambil pada server basis data {before}, sekarang {after}: checksum dan definisi "
            "tabel dapat berbeda hanya karena itu."),
    },
    'en': {
        'bad_period': (
            "Invalid period: year {year}, month {month} (month must be 1 to 12, year 1900 to 9999). Nothing was read "
            "or changed. Fix the year/month options."),
        'compare_missing': (
            "The earlier snapshot file {path} does not exist on this server. Nothing was read or changed. Give the "
            "path of a file written with the dest option in an earlier step (e.g. before the upgrade)."),
        'compare_unreadable': (
            "The earlier snapshot file {path} cannot be read: {error}. Nothing was read or changed. Check the path "
            "and the file's permissions (run the module as root, become: true)."),
        'compare_invalid': (
            "{path} is not a sipp_snapshot snapshot ({error}). Nothing was read or changed. Give a JSON file written "
            "with this module's dest option."),
        'snapshot_failed': (
            "Taking the snapshot of SIPP's database failed: {error} The dest file was not written. Run it again once "
            "that database problem is fixed."),
        'dest_failed': (
            "The snapshot was taken but cannot be saved to {path}: {error}. Nothing was changed in SIPP's "
            "application or database and that file was not written (the result is in snapshot). Choose a writable "
            "folder for dest, or check its free space and permissions."),
        'differences': (
            "The snapshot differs from {path}: {count} differences, e.g. {listing}. This module changed no data"
            "{saved}. Check those differences: a LIPA 1/kinerja figure or a case-table row count that changed means "
            "case data was lost or altered; do not go on with the upgrade, restore (downgrade) from the backup if "
            "the change was not expected."),
        'saved': "; the new snapshot was saved to {path}",
        'not_in_maintenance': (
            "SIPP is not in maintenance (SiteOffline is not 1): users may be changing data, so two snapshots can "
            "differ in their checksums although nothing was lost. Take snapshots while SIPP is in maintenance."),
        'server_changed': (
            "The earlier snapshot was taken on database server {before}, now it is {after}: table checksums and "
            "definitions may differ for that reason alone."),
    },
})


def load_snapshot(path):
    """Read an earlier snapshot file. Returns (snapshot, None) or (None, (message key, params))."""
    if not os.path.exists(path):
        return None, ('compare_missing', dict(path=path))
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except (IOError, OSError) as exc:
        return None, ('compare_unreadable', dict(path=path, error=exc.strerror or str(exc)))
    try:
        snapshot = json.loads(data.decode('utf-8'))
    except (ValueError, UnicodeDecodeError) as exc:
        return None, ('compare_invalid', dict(path=path, error='JSON: %s' % exc))
    if not isinstance(snapshot, dict):
        return None, ('compare_invalid', dict(path=path, error='not a JSON object'))
    missing = [k for k in SNAPSHOT_KEYS if not isinstance(snapshot.get(k), dict)]
    if missing:
        return None, ('compare_invalid', dict(path=path, error='missing: %s' % ', '.join(missing)))
    return snapshot, None


def snapshot_json(snapshot):
    """The file content of a snapshot: sorted keys, indented, UTF-8, newline at the end."""
    return (json.dumps(snapshot, sort_keys=True, indent=2, ensure_ascii=False) + '\n').encode('utf-8')


def _same_content(path, snapshot):
    """True when ``path`` holds ``snapshot`` (ignoring taken_at) with mode 0600."""
    try:
        st = os.stat(path)
        with open(path, 'rb') as handle:
            old = json.loads(handle.read().decode('utf-8'))
    except (IOError, OSError, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(old, dict) or (st.st_mode & 0o7777) != 0o600:
        return False
    new = dict(snapshot)
    old.pop('taken_at', None)
    new.pop('taken_at', None)
    return json.loads(snapshot_json(new).decode('utf-8')) == old


def write_snapshot(path, snapshot):
    """Write ``snapshot`` to ``path`` atomically with mode 0600 (parents created 0700)."""
    if os.path.isdir(path):
        raise OSError('%s is a folder' % path)
    make_private_dirs(os.path.dirname(path) or '.')
    write_atomic(path, snapshot_json(snapshot))


def _period(module, before=None):
    """The period asked for; else the one of the snapshot compared to (the figures of the same month); else the
    court's current month."""
    today = datetime.date.today()
    earlier = (before or {}).get('lipa1') or {}
    year = module.params['year']
    month = module.params['month']
    if year is None:
        year = earlier.get('tahun') if isinstance(earlier.get('tahun'), int) else today.year
    if month is None:
        month = earlier.get('bulan') if isinstance(earlier.get('bulan'), int) else today.month
    return year, month


def _site_offline(conn):
    value = conn.query_value('SELECT value FROM sys_config WHERE id = 6')
    return (value or '').strip() == '1'


def run_module(module):
    lang = module.params['language']
    before = None
    compare_to = module.params['compare_to']
    if compare_to:
        before, problem = load_snapshot(compare_to)
        if problem:
            module.fail_json(msg=MESSAGES.text(lang, problem[0], **problem[1]), compare_to=compare_to)

    year, month = _period(module, before)
    if not (1 <= month <= 12 and 1900 <= year <= 9999):
        module.fail_json(msg=MESSAGES.text(lang, 'bad_period', year=year, month=month))

    def take(site):
        try:
            snapshot = take_snapshot(site.conn, site.database, year, month, tables=module.params['tables'],
                                     version=site.version)
            snapshot['app_path'] = site.path
            snapshot['site_offline'] = _site_offline(site.conn)
        except SippDbError as exc:
            module.fail_json(msg=MESSAGES.text(lang, 'snapshot_failed', error=site.error_text(exc)),
                             app_path=site.path)
        return snapshot

    snapshot = on_site(module, take)

    if not snapshot['site_offline']:
        module.warn(MESSAGES.text(lang, 'not_in_maintenance'))

    release = release_of(snapshot['app_path'])
    result = dict(changed=False, snapshot=snapshot, equal=None, differences=[], dest=module.params['dest'],
                  app_release=dict(link=release['target'], release=release['release']) if release else None,
                  writable=sipp_writable.report(snapshot['app_path'], module.params))
    if before is not None:
        if module.params['tables'] is not None:
            keep = set(snapshot['tables'])
            before = dict(before, tables=dict((t, v) for t, v in before['tables'].items() if t in keep))
        if before.get('server_version') and before.get('server_version') != snapshot.get('server_version'):
            module.warn(MESSAGES.text(lang, 'server_changed', before=before.get('server_version'),
                                      after=snapshot.get('server_version')))
        differences = compare_snapshots(before, snapshot, ignore_tables=module.params['ignore_tables'] or ())
        for diff in differences:
            diff['text'] = difference_text(diff, lang)
        result['differences'] = differences
        result['equal'] = not has_errors(differences)

    dest = module.params['dest']
    if dest and not _same_content(dest, snapshot):
        result['changed'] = True
        if not module.check_mode:
            try:
                write_snapshot(dest, snapshot)
            except (IOError, OSError) as exc:
                result.pop('changed')
                module.fail_json(msg=MESSAGES.text(lang, 'dest_failed', path=dest, error=getattr(exc, 'strerror',
                                                                                                 None) or
                                                   str(exc)), changed=False, **result)

    if module.params['fail_on_difference'] and result['equal'] is False:
        errors = [d for d in result['differences'] if d['error']]
        listing = '; '.join(d['text'] for d in errors[:MAX_LISTED])
        saved = MESSAGES.text(lang, 'saved', path=dest) if dest and not module.check_mode else ''
        changed = result.pop('changed')
        module.fail_json(msg=MESSAGES.text(lang, 'differences', path=compare_to, count=len(errors), listing=listing,
                                           saved=saved), changed=changed, **result)
    return result


def main():
    argument_spec = site_argument_spec()
    argument_spec.update(
        year=dict(type='int'),
        month=dict(type='int'),
        tables=dict(type='list', elements='str'),
        dest=dict(type='path'),
        compare_to=dict(type='path'),
        ignore_tables=dict(type='list', elements='str', default=[]),
        fail_on_difference=dict(type='bool', default=False),
        **sipp_writable.argument_spec()
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    result = run_module(module)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
