# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of pengadilan.sipp.sipp_vars: the playbook's variables, checked on the controller before anything
runs on a court (it contacts no court). Documentation: plugins/modules/sipp_vars.py."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_vars


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _requires_connection = False

    def _host_values(self, host_vars, names):
        """({name: value} of the declared names this host has, [unreadable problems])."""
        values = {}
        problems = []
        for name in names:
            if name not in host_vars:
                continue
            try:
                values[name] = host_vars[name]
            except (AnsibleError, ValueError, TypeError) as exc:  # a value whose template fails
                problems.append({'variable': name, 'problem': 'unreadable', 'error': to_text(exc).splitlines()[0]})
        return values, problems

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec={
            'playbook': {'type': 'str', 'required': True},
            'hosts': {'type': 'list', 'elements': 'str'},
        })
        playbook = args['playbook']
        try:
            declaration = sipp_vars.load(playbook)
            known = sipp_vars.known_names()
        except sipp_vars.VarsSpecError as exc:
            raise AnsibleError('pengadilan.sipp.sipp_vars: %s' % exc)
        if task_vars.get('ansible_limit'):
            declaration = sipp_vars.limited(declaration)
        hosts = args['hosts'] if args['hosts'] is not None else task_vars.get('ansible_play_hosts_all') or []
        hosts = list(hosts) or [task_vars.get('inventory_hostname', 'localhost')]
        hostvars = task_vars.get('hostvars') or {}
        names = sorted(declaration['options'])

        grouped = {}
        order = []
        lang = None
        for host in hosts:
            host_vars = hostvars[host] if host in hostvars else task_vars
            values, problems = self._host_values(host_vars, names)
            given = set(n for n in host_vars if isinstance(n, str) and n.startswith('sipp_'))
            problems += sipp_vars.check(declaration, values, missing=set(names) - set(values))
            problems += sipp_vars.misspelled(given, declaration, known)
            if lang is None:  # the run's language: the first court's (extra vars and group_vars are everyone's)
                lang, lang_ok = sipp_vars.language(declaration, values)
                lang = lang if lang_ok else None
            for problem in problems:
                spec = declaration['options'].get(problem['variable'], {})
                shown = sipp_vars.line(problem, 'en') if not spec.get('no_log') else problem['variable']
                key = (problem['variable'], problem['problem'], shown)
                if key not in grouped:
                    grouped[key] = dict(problem, hosts=[])
                    order.append(key)
                grouped[key]['hosts'].append(host)

        problems = []
        for key in order:
            problem = grouped[key]
            if len(problem['hosts']) == len(hosts):
                problem['hosts'] = []
            problems.append(problem)
        result['changed'] = False
        result['playbook'] = playbook
        result['checked'] = len(names)
        result['problems'] = [
            {'variable': p['variable'], 'problem': p['problem'], 'hosts': p['hosts'],
             'text': sipp_vars.line(p, lang or 'id')} for p in problems]
        if problems:
            result['failed'] = True
            result['msg'] = sipp_vars.render(playbook, problems, lang)
        else:
            result['msg'] = '%d variables checked on %d courts: right.' % (len(names), len(hosts)) if lang == 'en' \
                else '%d variabel diperiksa di %d pengadilan: benar.' % (len(names), len(hosts))
        return result
