# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of pengadilan.sipp.sipp_offline_slot: a court's place among the run's courts offline at once, on
the controller (it contacts no court). Documentation: plugins/modules/sipp_offline_slot.py."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible import context
from ansible.plugins.action import ActionBase

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, language_argument_spec
from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_slots

# a slot older than this no longer counts (a court whose offline steps take longer lets one more court start)
LEASE = 3600

MESSAGES = Catalogue({
    'id': {
        'held': "Giliran offline didapat (paling banyak {slots} pengadilan offline bersamaan).",
        'waited': "Giliran offline didapat setelah menunggu {waited} detik, SIPP tetap online selama menunggu "
                  "(paling banyak {slots} pengadilan offline bersamaan; yang sedang offline: {held_by}).",
        'bypassed': "Lanjut tanpa menunggu giliran offline: pengadilan yang menunggu sudah memakai hampir semua "
                    "forks Ansible ({forks}). Naikkan forks agar antrean offline bekerja.",
        'released': "Giliran offline dikembalikan.",
        'none': "Tidak memegang giliran offline.",
    },
    'en': {
        'held': "Offline slot taken (at most {slots} courts offline at once).",
        'waited': "Offline slot taken after waiting {waited} seconds, SIPP stayed online while waiting (at most "
                  "{slots} courts offline at once; offline meanwhile: {held_by}).",
        'bypassed': "Went on without waiting for an offline slot: the waiting courts already take nearly all of "
                    "Ansible's forks ({forks}). Raise forks so that the offline queue works.",
        'released': "Offline slot given back.",
        'none': "Held no offline slot.",
    },
})


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec={
            'run': {'type': 'str', 'required': True},
            'state': {'type': 'str', 'default': 'acquired', 'choices': ['acquired', 'released']},
            'slots': {'type': 'int', 'default': 0},
            'holder': {'type': 'str'},
            **language_argument_spec()
        })
        lang = args['language']
        holder = args['holder'] or task_vars.get('inventory_hostname', 'localhost')
        slots = args['slots'] if args['slots'] > 0 else sipp_slots.controller_cpus()
        run = sipp_slots.Slots(args['run'])
        result.update({'changed': False, 'slots': slots, 'holder': holder})
        if args['state'] == 'released':
            had = run.release(holder)
            result.update({'released': had, 'msg': MESSAGES.text(lang, 'released' if had else 'none')})
            return result
        forks = context.CLIARGS.get('forks') if context.CLIARGS else None
        alive = task_vars.get('ansible_play_hosts')
        out = run.acquire(holder, slots, forks=forks, alive=set(alive) | {holder} if alive else None, lease=LEASE)
        key = 'bypassed' if out['bypassed'] else 'waited' if out['waited'] >= 1 else 'held'
        result.update(out)
        result['msg'] = MESSAGES.text(lang, key, slots=slots, waited=int(out['waited']), forks=forks,
                                      held_by=', '.join(out['held_by']) or '-')
        return result
