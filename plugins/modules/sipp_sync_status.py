#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_sync_status
short_description: Check that a court's SIPP synchronisation to the public SIPP site is healthy (read-only)
version_added: "0.1.0"
description:
  - SIPP data reaches the court's public SIPP site only through synchronisation, which the SOP asks for at least
    three times a day and checks before an upgrade. This module says whether the last synchronisation is recent
    and complete.
  - It reads, on the public side database (group O(public_db_group) of C(application/config/database.php)), the
    stamp of the last synchronisation (C(sys_sinkronisasi) row C('1'), set by C(updateData())) and the public
    server's C(NOW()); and it compares the row counts of the publication tables O(tables) on SIPP's own database
    with those on the public side.
  - "RV(status) is V(ok) when the public side answered, the stamp is at most O(max_age) minutes old (and newer than
    O(since) when given) and every count matches; V(stale) when the stamp is older, missing, or not newer than
    O(since); V(mismatch) when a count differs; V(unreachable) when the public database cannot be reached;
    V(unknown) when something needed cannot be read (the group is missing from database.php, a table cannot be
    counted). When several apply, the first of unreachable, stale, mismatch, unknown is reported and RV(reason)
    explains them all."
  - A bad status is not a failure (the caller decides what to do with it); the module fails only when SIPP's own
    database cannot be reached or an option is wrong.
  - Changes nothing; returns the same result in check mode.
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  public_db_group:
    description:
      - The group of C(database.php) holding the public side (SIPP web) database used by synchronisation.
      - Only the login options' O(connect_timeout) applies to it; the other login options concern SIPP's own
        database.
    type: str
    default: web
  max_age:
    description:
      - The oldest acceptable synchronisation, in minutes (C(NOW()) of the public server minus the stamp).
      - The default, 8 hours, follows the rule of at least three synchronisations a day.
    type: int
    default: 480
  since:
    description:
      - A time C(YYYY-MM-DD HH:MM:SS) in the public server's clock; the stamp must be strictly newer, which proves
        that a synchronisation started after that time succeeded.
      - Take it from RV(public_now) of a run made before the synchronisation is started, and start it at least
        one second later (the stamp has a resolution of one second).
    type: str
  settle:
    description:
      - Return only once a second has passed since RV(public_now), so that a synchronisation started right after
        this task stamps a time strictly newer than it (the stamp has a resolution of one second). For the check
        made before starting a synchronisation whose result a later check takes with O(since).
    type: bool
    default: false
  tables:
    description:
      - The publication tables whose row counts must be equal on both sides.
    type: list
    elements: str
    default: [dataumumweb, jadwalsidangweb, pihakweb, perkaraputusanweb]
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - pengadilan.sipp.sipp_site
  - pengadilan.sipp.sipp_login
  - pengadilan.sipp.sipp_lock
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    description: Whether a second run with the same options changes nothing.
    support: full
  platform:
    platforms: posix
notes:
  - How SIPP triggers and logs its own synchronisation is not published, so the check relies only on what the
    public side shows (the stamp and the rows), as the public site's "Pembaharuan Data" does.
seealso:
  - module: pengadilan.sipp.sipp_info
    description: Also reports the synchronisation stamp, with everything else about the court.
'''

EXAMPLES = r'''
- name: Is the court's synchronisation healthy?
  pengadilan.sipp.sipp_sync_status:
  register: sipp_sync

- name: Skip a court whose synchronisation failed
  ansible.builtin.debug:
    msg: "{{ sipp_sync.reason }}"
  when: not sipp_sync.ok

- name: Note the public server's time before a synchronisation is started
  pengadilan.sipp.sipp_sync_status:
  register: sipp_sync_before

- name: After the synchronisation, prove that it succeeded (stamp newer than its start, counts equal)
  pengadilan.sipp.sipp_sync_status:
    since: "{{ sipp_sync_before.public_now }}"
    max_age: 60
    language: en
  register: sipp_sync_after
  until: sipp_sync_after.ok
  retries: 10
  delay: 30
'''

RETURN = r'''
status:
  description: V(ok), V(stale), V(mismatch), V(unreachable) or V(unknown) (see the description).
  returned: success
  type: str
  sample: ok
ok:
  description: True when RV(status) is V(ok).
  returned: success
  type: bool
  sample: true
reason:
  description: What is wrong and what to do, in the chosen language; when RV(status) is V(ok), a short summary.
  returned: success
  type: str
  sample: "Sinkronisasi terakhir 2025-06-30 06:05:00 (waktu server publik), 900 menit yang lalu, lebih lama dari
    batas 480 menit. Jalankan sinkronisasi dari SIPP lalu periksa lagi; bila gagal, periksa jaringan ke server
    SIPP publik."
problems:
  description: Every status found besides V(ok), most important first (RV(status) is its first element).
  returned: success
  type: list
  elements: str
  sample: [stale, mismatch]
stamp:
  description: C(sys_sinkronisasi) row C('1'), C(YYYY-MM-DD HH:MM:SS) in the public server's clock; null when it
    cannot be read.
  returned: success
  type: str
  sample: "2025-06-30 14:05:00"
public_now:
  description: C(NOW()) of the public server, C(YYYY-MM-DD HH:MM:SS); use it as O(since) of a later check.
  returned: success
  type: str
  sample: "2025-06-30 15:05:00"
age_seconds:
  description: RV(public_now) minus RV(stamp), in seconds; null when unknown.
  returned: success
  type: int
  sample: 3600
max_age:
  description: The threshold used, in minutes.
  returned: success
  type: int
  sample: 480
since:
  description: O(since) as given (null when not given).
  returned: success
  type: str
  sample: "2025-06-30 14:00:00"
counts:
  description: Row count of each table, on SIPP's own database (C(local)) and on the public side (C(public));
    a count is null when it could not be read.
  returned: success
  type: dict
  sample: {"dataumumweb": {"local": 1520, "public": 1520}, "pihakweb": {"local": 3312, "public": 1656}}
public:
  description: Where the public side database is (never its password).
  returned: success
  type: dict
  contains:
    group:
      description: The C(database.php) group used.
      returned: success
      type: str
      sample: web
    host:
      description: Its host (C(localhost) through a unix socket); null when the group is missing.
      returned: success
      type: str
      sample: 10.1.2.3
    database:
      description: Its name; null when the group is missing.
      returned: success
      type: str
      sample: sippweb
app_path:
  description: The SIPP application folder whose C(database.php) was used.
  returned: success
  type: str
  sample: /var/www/html/SIPP
version:
  description: Installed SIPP version (C(sys_config) id 80).
  returned: success
  type: str
  sample: 5.2.0
'''

import datetime
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, SippError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import SippDbError, describe_target
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_site import SiteError, on_site, site_argument_spec

PUBLICATION_TABLES = ['dataumumweb', 'jadwalsidangweb', 'pihakweb', 'perkaraputusanweb']
STATUS_ORDER = ('unreachable', 'stale', 'mismatch', 'unknown')
TIME_FORMAT = '%Y-%m-%d %H:%M:%S'
_TIME_RE = re.compile(r'^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,6})?$')
_TABLE_RE = re.compile(r'^[A-Za-z0-9_$]{1,64}$')

# Every failure says what happened, what was done, and what to do next; every reason what is wrong and what to do.
MESSAGES = Catalogue({
    'id': {
        'since_invalid': (
            "Opsi since '{since}' bukan waktu berformat 'YYYY-MM-DD HH:MM:SS'. Tidak ada yang diperiksa atau "
            "diubah. Berikan waktu server publik, misalnya public_now dari pemeriksaan sebelumnya."),
        'max_age_invalid': (
            "Opsi max_age harus paling sedikit 1 menit (diberikan {max_age}). Tidak ada yang diperiksa atau diubah. "
            "Perbaiki nilainya (bawaan 480: sinkronisasi paling sedikit tiga kali sehari)."),
        'table_invalid': (
            "Nama tabel '{table}' pada opsi tables tidak sah (hanya huruf, angka, _ dan $). Tidak ada yang "
            "diperiksa atau diubah. Perbaiki opsi tables."),
        'tables_empty': (
            "Opsi tables kosong, jadi kelengkapan sinkronisasi tidak dapat diperiksa. Tidak ada yang diperiksa atau "
            "diubah. Sebutkan tabel publikasi SIPP (bawaan: dataumumweb, jadwalsidangweb, pihakweb, "
            "perkaraputusanweb)."),
        'group_missing': (
            "Grup '{group}' (basis data SIPP publik) tidak ada di {file} (grup yang ada: {groups}), jadi "
            "sinkronisasi tidak dapat diperiksa. Periksa opsi public_db_group, atau lengkapi database.php seperti "
            "pada server SIPP lain."),
        'public_config': "Grup '{group}' di {file} tidak dapat dipakai: {error}",
        'unreachable': (
            "Basis data SIPP publik {target} tidak dapat dihubungi: {error}. Periksa jaringan dari server ini ke "
            "server SIPP publik (kabel/VPN, firewall, port {port}) dan isian grup '{group}' di database.php; setelah "
            "tersambung, jalankan sinkronisasi dari SIPP."),
        'stamp_unreadable': (
            "Stempel sinkronisasi (tabel sys_sinkronisasi) tidak dapat dibaca di basis data publik {target}: "
            "{error}. Pastikan grup '{group}' menunjuk ke basis data SIPP publik; bila benar, mintalah bantuan "
            "Admin TI PT."),
        'never_synced': (
            "Basis data SIPP publik belum mencatat sinkronisasi (baris sys_sinkronisasi id '1' tidak ada atau "
            "kosong). Jalankan sinkronisasi dari SIPP lalu periksa lagi."),
        'stale': (
            "Sinkronisasi terakhir {stamp} (waktu server publik), {age} menit yang lalu, lebih lama dari batas "
            "{max_age} menit. Jalankan sinkronisasi dari SIPP lalu periksa lagi; bila gagal, periksa jaringan ke "
            "server SIPP publik."),
        'not_since': (
            "Stempel sinkronisasi {stamp} tidak lebih baru dari {since}: sinkronisasi yang dimulai sejak itu belum "
            "berhasil. Tunggu sampai selesai atau ulangi sinkronisasi dari SIPP; bila tetap gagal, periksa jaringan "
            "ke server SIPP publik."),
        'mismatch': (
            "Jumlah baris di sisi publik berbeda dari SIPP ({tables}): sinkronisasi tidak lengkap. Ulangi "
            "sinkronisasi dari SIPP; bila tetap berbeda, periksa jaringan dan ruang disk server SIPP publik."),
        'count_failed': (
            "Tabel {table} tidak dapat dihitung di {side}: {error}. Periksa opsi tables (nama tabel publikasi "
            "versi SIPP ini) dan hak baca pengguna basis data."),
        'side_local': "basis data SIPP",
        'side_public': "basis data SIPP publik",
        'ok': (
            "Sinkronisasi sehat: terakhir {stamp} (waktu server publik, {age} menit yang lalu) dan jumlah baris "
            "{n} tabel publikasi sama."),
    },
    'en': {
        'since_invalid': (
            "Option since '{since}' is not a time formatted 'YYYY-MM-DD HH:MM:SS'. Nothing was checked or changed. "
            "Give a time of the public server, such as public_now of an earlier check."),
        'max_age_invalid': (
            "Option max_age must be at least 1 minute (given {max_age}). Nothing was checked or changed. Fix it "
            "(default 480: at least three synchronisations a day)."),
        'table_invalid': (
            "Table name '{table}' in option tables is not valid (letters, digits, _ and $ only). Nothing was "
            "checked or changed. Fix the tables option."),
        'tables_empty': (
            "Option tables is empty, so the completeness of synchronisation cannot be checked. Nothing was checked "
            "or changed. Name SIPP's publication tables (default: dataumumweb, jadwalsidangweb, pihakweb, "
            "perkaraputusanweb)."),
        'group_missing': (
            "Group '{group}' (the public SIPP database) is not in {file} (groups present: {groups}), so the "
            "synchronisation cannot be checked. Check the public_db_group option, or complete database.php as on "
            "other SIPP servers."),
        'public_config': "Group '{group}' in {file} cannot be used: {error}",
        'unreachable': (
            "The public SIPP database {target} cannot be reached: {error}. Check the network from this server to "
            "the public SIPP server (cable/VPN, firewall, port {port}) and group '{group}' of database.php; once "
            "it is reachable, run a synchronisation from SIPP."),
        'stamp_unreadable': (
            "The synchronisation stamp (table sys_sinkronisasi) cannot be read on the public database {target}: "
            "{error}. Make sure group '{group}' points at the public SIPP database; if it does, ask the high "
            "court's IT admin for help."),
        'never_synced': (
            "The public SIPP database has recorded no synchronisation (row sys_sinkronisasi id '1' is missing or "
            "empty). Run a synchronisation from SIPP, then check again."),
        'stale': (
            "The last synchronisation was at {stamp} (public server's time), {age} minutes ago, older than the "
            "limit of {max_age} minutes. Run a synchronisation from SIPP, then check again; if it fails, check the "
            "network to the public SIPP server."),
        'not_since': (
            "The synchronisation stamp {stamp} is not newer than {since}: the synchronisation started since then "
            "has not succeeded. Wait for it to finish or run it again from SIPP; if it keeps failing, check the "
            "network to the public SIPP server."),
        'mismatch': (
            "Row counts on the public side differ from SIPP's ({tables}): the synchronisation is incomplete. Run "
            "it again from SIPP; if they still differ, check the network and the disk space of the public SIPP "
            "server."),
        'count_failed': (
            "Table {table} cannot be counted on {side}: {error}. Check the tables option (the publication tables "
            "of this SIPP version) and the database user's read permission."),
        'side_local': "SIPP's database",
        'side_public': "the public SIPP database",
        'ok': (
            "Synchronisation is healthy: last at {stamp} (public server's time, {age} minutes ago) and the row "
            "counts of {n} publication tables are equal."),
    },
})


class SyncStatusError(SippError):
    """A refusal or failure of this module, worded in the module's language when raised."""

    catalogue = MESSAGES


def parse_time(text):
    """'YYYY-MM-DD HH:MM:SS' (or with T, optional fraction) -> datetime; None when it is not such a time."""
    match = _TIME_RE.match((text or '').strip())
    if not match:
        return None
    try:
        value = datetime.datetime.strptime('%s %s' % (match.group(1), match.group(2)), TIME_FORMAT)
    except ValueError:
        return None
    if match.group(3):
        value = value.replace(microsecond=int((match.group(3)[1:] + '000000')[:6]))
    return value


def _minutes(seconds):
    return int(seconds // 60) if seconds is not None else '?'


def _error(exc):
    return getattr(exc, 'params', {}).get('error') or getattr(exc, 'code', None) or str(exc)


def count_rows(conn, table):
    return int(conn.query_value('SELECT COUNT(*) AS n FROM `%s`' % table))


def check_options(module, lang):
    since = module.params['since']
    since_time = None
    if since not in (None, ''):
        since_time = parse_time(since)
        if since_time is None:
            raise SyncStatusError.said(lang, 'since_invalid', since=since)
    if module.params['max_age'] < 1:
        raise SyncStatusError.said(lang, 'max_age_invalid', max_age=module.params['max_age'])
    tables = module.params['tables'] or []
    if not tables:
        raise SyncStatusError.said(lang, 'tables_empty')
    for table in tables:
        if not _TABLE_RE.match(table or ''):
            raise SyncStatusError.said(lang, 'table_invalid', table=table)
    return since_time


def read_public(site, conn, group, result, problems):
    """Stamp, NOW() and age of the public side into ``result``; problems appended as (status, text)."""
    lang = site.language
    try:
        row = conn.query_one(
            "SELECT NOW() AS now, s.time_stamp AS stamp, TIMESTAMPDIFF(SECOND, s.time_stamp, NOW()) AS age "
            "FROM (SELECT 1 AS one) AS x LEFT JOIN sys_sinkronisasi AS s ON s.id = '1'")
    except SippDbError as exc:
        problems.append(('unknown', MESSAGES.text(lang, 'stamp_unreadable', target=describe_target(conn.params),
                                                  error=_error(exc), group=group)))
        return
    row = row or {}
    result['public_now'] = (row.get('now') or '')[:19] or None
    if not row.get('stamp'):
        problems.append(('stale', MESSAGES.text(lang, 'never_synced')))
        return
    result['stamp'] = row['stamp'][:19]
    result['age_seconds'] = int(row['age']) if row.get('age') not in (None, '') else None


def run_module(module, site, since_time):
    lang = site.language
    group = module.params['public_db_group']
    max_age = module.params['max_age']
    tables = module.params['tables']
    result = dict(status='unknown', ok=False, reason=None, problems=[], stamp=None, public_now=None,
                  age_seconds=None, max_age=max_age, since=module.params['since'] or None,
                  counts=dict((t, dict(local=None, public=None)) for t in tables),
                  public=dict(group=group, host=None, database=None), app_path=site.path, version=site.version)
    problems = []

    # SIPP's own side: a table that cannot be counted is reported, not a failure
    for table in tables:
        try:
            result['counts'][table]['local'] = count_rows(site.conn, table)
        except SippDbError as exc:
            problems.append(('unknown', MESSAGES.text(lang, 'count_failed', table=table,
                                                      side=MESSAGES.text(lang, 'side_local'), error=_error(exc))))

    conn = None
    if group not in site.config.groups:
        problems.append(('unknown', MESSAGES.text(lang, 'group_missing', group=group, file=site.config_file,
                                                  groups=', '.join(sorted(site.config.groups)) or '-')))
    else:
        try:
            params = site.public_params(group)
        except SiteError as exc:
            params = None
            problems.append(('unknown', MESSAGES.text(lang, 'public_config', group=group, file=site.config_file,
                                                      error=exc.text)))
        if params is not None:
            result['public']['host'] = 'localhost' if params.get('unix_socket') else params['host']
            result['public']['database'] = params.get('database')
            try:
                conn = site.public_connect(group)
            except SiteError as exc:
                problems.append(('unreachable', MESSAGES.text(
                    lang, 'unreachable', target=exc.params.get('target') or describe_target(params),
                    error=exc.params.get('error') or exc.text, group=group, port=params.get('port'))))

    if conn is not None:
        try:
            read_public(site, conn, group, result, problems)
            for table in tables:
                try:
                    result['counts'][table]['public'] = count_rows(conn, table)
                except SippDbError as exc:
                    problems.append(('unknown', MESSAGES.text(lang, 'count_failed', table=table,
                                                              side=MESSAGES.text(lang,
                                                                                 'side_public'), error=_error(exc))))
        finally:
            conn.close()

        if result['stamp'] is not None:
            age = result['age_seconds']
            if age is not None and age > max_age * 60:
                problems.append(('stale', MESSAGES.text(lang, 'stale', stamp=result['stamp'], age=_minutes(age),
                                                        max_age=max_age)))
            if since_time is not None:
                stamp_time = parse_time(result['stamp'])
                if stamp_time is None or stamp_time <= since_time:
                    problems.append(('stale', MESSAGES.text(lang, 'not_since', stamp=result['stamp'],
                                                            since=module.params['since'])))
        differing = ['%s %s/%s' % (t, c['local'], c['public']) for t, c in
                     ((t, result['counts'][t]) for t in tables)
                     if c['local'] is not None and c['public'] is not None and c['local'] != c['public']]
        if differing:
            problems.append(('mismatch', MESSAGES.text(lang, 'mismatch', tables=', '.join(differing))))

    statuses = []
    for status in STATUS_ORDER:
        if any(p[0] == status for p in problems) and status not in statuses:
            statuses.append(status)
    result['problems'] = statuses
    if statuses:
        result['status'] = statuses[0]
        ordered = sorted(problems, key=lambda p: STATUS_ORDER.index(p[0]))
        result['reason'] = ' '.join(p[1] for p in ordered)
    else:
        result['status'] = 'ok'
        result['ok'] = True
        result['reason'] = MESSAGES.text(lang, 'ok', stamp=result['stamp'], age=_minutes(result['age_seconds']),
                                         n=len(tables))
    return result


def main():
    argument_spec = site_argument_spec()
    argument_spec.update(
        public_db_group=dict(type='str', default='web'),
        max_age=dict(type='int', default=480),
        since=dict(type='str'),
        settle=dict(type='bool', default=False),
        tables=dict(type='list', elements='str', default=list(PUBLICATION_TABLES)),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        since_time = check_options(module, module.params['language'])
    except SyncStatusError as exc:
        module.fail_json(msg=exc.text)
    result = on_site(module, lambda site: run_module(module, site, since_time))
    if module.params['settle'] and result.get('public_now'):
        time.sleep(1)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
