#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_maintenance
short_description: Switch a court's SIPP into or out of maintenance (offline) mode
version_added: "0.1.0"
description:
  - Puts SIPP in maintenance (users see the maintenance message instead of the application, the web server answers
    503) or takes it out, as the SOP requires while SIPP is backed up and upgraded.
  - With O(method=sys_config), the switch is C(sys_config) id 6 (C(SiteOffline)), V(1) for offline and V(0) for
    online, and the message shown is C(sys_config) id 1 (C(OfflineMessage)).
  - Changes only what differs, in one SQL statement; reports RV(changed) only when something changed. Going offline,
    the message and the switch change together, so users never see the old message.
  - In check mode nothing is changed; the result says what would change (RV(current) is the predicted state).
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  state:
    description:
      - V(offline) puts SIPP in maintenance, V(online) makes it available again.
    type: str
    required: true
    choices: [offline, online]
  offline_message:
    description:
      - The maintenance message shown to users (C(OfflineMessage)), at most 255 characters. The column is
        C(latin1) on SIPP servers; a message holding characters outside the column's character set is refused.
      - It is set whatever O(state) is; when not given, the stored message is kept.
      - Named so because C(message) is reserved by Ansible.
    type: str
  method:
    description:
      - How the maintenance switch is set. The mechanism SIPP itself uses is not published, so it is a pluggable
        choice; V(sys_config) (rows 6 C(SiteOffline) and 1 C(OfflineMessage) of C(sys_config), which SIPP reads on
        every request) is the only one so far.
    type: str
    choices: [sys_config]
    default: sys_config
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
    support: full
  idempotent:
    description: Whether a second run with the same options changes nothing.
    support: full
  platform:
    platforms: posix
notes:
  - The switch is refused, with nothing changed, when row 6 (or row 1 when O(offline_message) is given) is missing
    from C(sys_config); then this is not a SIPP database, or its version handles maintenance differently.
seealso:
  - module: pengadilan.sipp.sipp_info
    description: Reports the maintenance switch (RV(pengadilan.sipp.sipp_info#module:sipp.maintenance)) with
      everything else about the court.
'''

EXAMPLES = r'''
- name: Put SIPP in maintenance before the upgrade
  pengadilan.sipp.sipp_maintenance:
    state: offline
    offline_message: "Situs ini sedang dalam perbaikan: upgrade SIPP ke versi 5.3.0. Mohon tunggu."
  register: sipp_maintenance

- name: Make SIPP available again
  pengadilan.sipp.sipp_maintenance:
    state: online

- name: Put it back the way it was found (after a run that started offline, leave it offline)
  pengadilan.sipp.sipp_maintenance:
    state: "{{ 'offline' if sipp_maintenance.previous.site_offline else 'online' }}"
    offline_message: "{{ sipp_maintenance.previous.message }}"
'''

RETURN = r'''
changed:
  description: Whether the switch or the message changed (in check mode, whether they would change).
  returned: always
  type: bool
  sample: true
state:
  description: The requested state.
  returned: success
  type: str
  sample: offline
method:
  description: The method used.
  returned: success
  type: str
  sample: sys_config
previous:
  description: The maintenance switch before the module ran.
  returned: success
  type: dict
  contains:
    site_offline:
      description: True when C(SiteOffline) was C(1).
      returned: success
      type: bool
      sample: false
    message:
      description: C(OfflineMessage) (null when its row is missing).
      returned: success
      type: str
      sample: Situs ini sedang dalam perbaikan
current:
  description: The maintenance switch after the module ran (in check mode, as it would be).
  returned: success
  type: dict
  contains:
    site_offline:
      description: True when C(SiteOffline) is C(1).
      returned: success
      type: bool
      sample: true
    message:
      description: C(OfflineMessage) as stored (read back from the database after a change).
      returned: success
      type: str
      sample: "Situs ini sedang dalam perbaikan: upgrade SIPP ke versi 5.3.0. Mohon tunggu."
app_path:
  description: The SIPP application folder whose database was used.
  returned: success
  type: str
  sample: /var/www/html/SIPP
version:
  description: Installed SIPP version (C(sys_config) id 80).
  returned: success
  type: str
  sample: 5.2.0
msg:
  description: What was done (or would be done in check mode), in the chosen language.
  returned: always
  type: str
  sample: SIPP di /var/www/html/SIPP sekarang dalam pemeliharaan (SiteOffline=1).
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, SippError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import (
    SippDbError, describe_target, python_codec)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_site import on_site, site_argument_spec

ROW_MESSAGE = 1
ROW_SWITCH = 6
ROW_NAMES = {ROW_MESSAGE: 'OfflineMessage', ROW_SWITCH: 'SiteOffline'}
MESSAGE_MAX = 255

# Every failure says what happened, what was done, and what to do next.
MESSAGES = Catalogue({
    'id': {
        'row_missing': (
            "Baris sys_config id {row} ({name}) tidak ada di basis data '{database}', jadi sakelar pemeliharaan SIPP "
            "tidak dapat diubah. Tidak ada yang diubah. Pastikan db_group/login_db menunjuk ke basis data SIPP yang "
            "benar; bila sudah benar, versi SIPP ini mengatur pemeliharaan dengan cara lain: mintalah bantuan Admin "
            "TI PT."),
        'message_too_long': (
            "Pesan pemeliharaan terlalu panjang ({length} karakter, paling banyak {max}: kolom sys_config.value). "
            "Tidak ada yang diubah. Persingkat opsi offline_message."),
        'message_charset': (
            "Pesan pemeliharaan memuat huruf yang tidak dapat disimpan di sys_config ({chars}). Tidak ada yang "
            "diubah. Tulis pesan itu dengan huruf tanpa aksen khusus dan tanpa emoji."),
        'update_failed': (
            "Sakelar pemeliharaan SIPP di {target} tidak dapat diubah: {error}. Keadaan sekarang: {now}. Periksa "
            "bahwa MariaDB/MySQL berjalan dan pengguna '{user}' boleh mengubah tabel sys_config, lalu jalankan "
            "lagi."),
        'readback_failed': (
            "Sakelar pemeliharaan SIPP sudah diubah (SIPP {state}), tetapi hasilnya tidak dapat dibaca kembali dari "
            "{target}: {error}. Periksa keadaannya dengan modul sipp_info atau dengan membuka halaman SIPP, lalu "
            "jalankan lagi modul ini (aman diulang)."),
        'readback_differs': (
            "Pesan pemeliharaan tersimpan tidak sama dengan yang diminta (tersimpan: '{stored}'): kolomnya memakai "
            "set karakter yang tidak memuat sebagian huruf pesan itu. Gunakan huruf tanpa aksen, tanpa emoji."),
        'state_offline': "dalam pemeliharaan (SiteOffline=1)",
        'state_online': "aktif (SiteOffline=0)",
        'state_unknown': "tidak diketahui (basis data tidak dapat dibaca)",
        'done_changed': "SIPP di {path} sekarang {state}.",
        'done_unchanged': "SIPP di {path} sudah {state}; tidak ada yang diubah.",
        'check_changed': "Mode periksa: SIPP di {path} akan menjadi {state}{detail}; belum ada yang diubah.",
        'check_message': " dengan pesan baru",
    },
    'en': {
        'row_missing': (
            "Row sys_config id {row} ({name}) is missing from database '{database}', so SIPP's maintenance switch "
            "cannot be set. Nothing was changed. Make sure db_group/login_db point at the right SIPP database; if "
            "they do, this SIPP version handles maintenance another way: ask the high court's IT admin for help."),
        'message_too_long': (
            "The maintenance message is too long ({length} characters, at most {max}: column sys_config.value). "
            "Nothing was changed. Shorten the offline_message option."),
        'message_charset': (
            "The maintenance message holds characters that sys_config cannot store ({chars}). Nothing was "
            "changed. Write the message without special accents or emoji."),
        'update_failed': (
            "SIPP's maintenance switch on {target} could not be set: {error}. Current state: {now}. Check that "
            "MariaDB/MySQL is running and that user '{user}' may update table sys_config, then run again."),
        'readback_failed': (
            "SIPP's maintenance switch was set (SIPP {state}), but the result cannot be read back from {target}: "
            "{error}. Check its state with the sipp_info module or by opening SIPP's page, then run this module "
            "again (safe to repeat)."),
        'readback_differs': (
            "The stored maintenance message differs from the one requested (stored: '{stored}'): the column's "
            "character set lacks some of its characters. Use letters without accents and no emoji."),
        'state_offline': "in maintenance (SiteOffline=1)",
        'state_online': "online (SiteOffline=0)",
        'state_unknown': "unknown (the database cannot be read)",
        'done_changed': "SIPP at {path} is now {state}.",
        'done_unchanged': "SIPP at {path} is already {state}; nothing was changed.",
        'check_changed': "Check mode: SIPP at {path} would become {state}{detail}; nothing was changed yet.",
        'check_message': " with a new message",
    },
})


class MaintenanceError(SippError):
    """A refusal or failure of this module, worded in the module's language when raised."""

    catalogue = MESSAGES


class SysConfigMethod(object):
    """The maintenance switch as rows of sys_config: 6 SiteOffline ('1'/'0'), 1 OfflineMessage."""

    def __init__(self, site):
        self.site = site

    def read(self):
        """Return dict(rows={id: value}, site_offline, message); rows holds only the rows that exist."""
        rows = self.site.conn.query('SELECT id, value FROM sys_config WHERE id IN (%s, %s)',
                                    (ROW_MESSAGE, ROW_SWITCH))
        values = dict((int(r['id']), r['value']) for r in rows)
        return dict(rows=values, site_offline=(values.get(ROW_SWITCH) or '').strip() == '1',
                    message=values.get(ROW_MESSAGE))

    def check_rows(self, state, wanted_ids):
        for row in sorted(wanted_ids):
            if row not in state['rows']:
                raise MaintenanceError.said(self.site.language, 'row_missing', row=row, name=ROW_NAMES[row],
                                            database=self.site.database or '')

    def unstorable(self, text):
        """The characters of ``text`` that sys_config.value (or the connection) cannot hold, sorted."""
        try:
            column = self.site.conn.query_value(
                "SELECT CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                "AND TABLE_NAME = 'sys_config' AND COLUMN_NAME = 'value'")
        except SippDbError:
            column = None
        codecs = set([python_codec(column or 'latin1'), python_codec(self.site.params.get('charset'))])
        bad = set()
        for char in text:
            for codec in codecs:
                try:
                    char.encode(codec)
                except UnicodeEncodeError:
                    bad.add(char)
        return sorted(bad)

    def write(self, changes):
        """Set the rows of ``changes`` ({id: value}) in one statement (atomic, autocommit)."""
        ids = sorted(changes)
        cases = ' '.join(['WHEN %s THEN %s'] * len(ids))
        args = []
        for row in ids:
            args.extend([row, changes[row]])
        args.extend(ids)
        sql = 'UPDATE sys_config SET value = CASE id %s END WHERE id IN (%s)' % (
            cases, ', '.join(['%s'] * len(ids)))
        self.site.conn.query(sql, tuple(args))


METHODS = {'sys_config': SysConfigMethod}


def _public(state):
    return dict(site_offline=state['site_offline'], message=state['message'])


def run_module(module, site):
    lang = site.language
    offline = module.params['state'] == 'offline'
    message = module.params['offline_message']
    if message is not None and len(message) > MESSAGE_MAX:
        raise MaintenanceError.said(lang, 'message_too_long', length=len(message), max=MESSAGE_MAX)

    method = METHODS[module.params['method']](site)
    before = method.read()
    wanted = {ROW_SWITCH: '1' if offline else '0'}
    if message is not None:
        wanted[ROW_MESSAGE] = message
    method.check_rows(before, wanted)
    if message is not None:
        bad = method.unstorable(message)
        if bad:
            raise MaintenanceError.said(lang, 'message_charset', chars=' '.join(bad))
    changes = dict((row, value) for row, value in wanted.items()
                   if (before['rows'].get(row) if row == ROW_MESSAGE else (before['rows'].get(row) or '').strip())
                   != value)
    state_text = MESSAGES.text(lang, 'state_offline' if offline else 'state_online')

    result = dict(changed=bool(changes), state=module.params['state'], method=module.params['method'],
                  previous=_public(before), app_path=site.path, version=site.version)
    if module.check_mode or not changes:
        after = dict(site_offline=offline, message=message if message is not None else before['message'])
        if not changes:
            result['msg'] = MESSAGES.text(lang, 'done_unchanged', path=site.path, state=state_text)
        else:
            detail = MESSAGES.text(lang, 'check_message') if ROW_MESSAGE in changes else ''
            result['msg'] = MESSAGES.text(lang, 'check_changed', path=site.path, state=state_text, detail=detail)
    else:
        try:
            method.write(changes)
        except SippDbError as exc:
            try:
                now = MESSAGES.text(lang, 'state_offline' if method.read()['site_offline'] else 'state_online')
            except SippDbError:
                now = MESSAGES.text(lang, 'state_unknown')
            raise MaintenanceError.said(lang, 'update_failed', target=describe_target(site.params),
                                        error=exc.cause, now=now, user=site.params.get('user'))
        try:
            after = _public(method.read())
        except SippDbError as exc:
            raise MaintenanceError.said(lang, 'readback_failed', state=state_text, target=describe_target(site.params),
                                        error=exc.cause)
        if message is not None and after['message'] != message:
            module.warn(MESSAGES.text(lang, 'readback_differs', stored=after['message']))
        result['msg'] = MESSAGES.text(lang, 'done_changed', path=site.path, state=state_text)
    result['current'] = after
    if module._diff:
        result['diff'] = dict(before=_public(before), after=after)
    return result


def main():
    argument_spec = site_argument_spec()
    argument_spec.update(
        state=dict(type='str', required=True, choices=['offline', 'online']),
        offline_message=dict(type='str'),
        method=dict(type='str', default='sys_config', choices=sorted(METHODS)),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    result = on_site(module, lambda site: run_module(module, site))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
