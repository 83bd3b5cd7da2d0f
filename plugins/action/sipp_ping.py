# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of pengadilan.sipp.sipp_ping: reaches the court with the module (which only reports its Python) and
gives the verdict on the controller (plugins/plugin_utils/sipp_python.py). Documentation: plugins/modules/sipp_ping.py.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import shlex

from ansible.module_utils.ansible_release import __version__ as core_version
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import language_argument_spec
from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_python

AUTO = ('auto', 'auto_silent', 'auto_legacy', 'auto_legacy_silent')


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _supports_check_mode = True

    def _interpreter(self, task_vars, ran):
        """The Python Ansible used on the court, as Ansible calls it."""
        if isinstance(self._discovered_interpreter, str) and self._discovered_interpreter:
            return to_text(self._discovered_interpreter)
        facts = task_vars.get('ansible_facts') or {}
        if facts.get('discovered_interpreter_python'):
            return to_text(facts['discovered_interpreter_python'])
        configured = task_vars.get('ansible_python_interpreter')
        if configured:
            configured = to_text(self._templar.template(configured))
            if configured not in AUTO:
                return configured
        return to_text((ran or {}).get('executable') or '/usr/bin/python3')

    def _run_on_court(self, command):
        res = self._low_level_execute_command(command, sudoable=False)
        return res.get('rc'), to_text(res.get('stdout', '')), to_text(res.get('stderr', ''))

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        dummy, args = self.validate_argument_spec(argument_spec=language_argument_spec())
        module = self._execute_module(module_name='pengadilan.sipp.sipp_ping', module_args=args, task_vars=task_vars)
        if module.get('unreachable'):
            result.update(module)
            return result
        for key in ('ansible_facts', 'warnings', 'deprecations'):
            if key in module:
                result[key] = module[key]
        ran = module.get('python') if isinstance(module.get('python'), dict) else None
        interpreter = self._interpreter(task_vars, ran)
        error = ''
        if ran:
            version = sipp_python.parse_version(ran.get('version'))
        else:
            # ansible-core could not start the module: ask the Python itself which version it is
            asked = '%s -c %s' % (shlex.quote(interpreter), shlex.quote(sipp_python.VERSION_CODE))
            rc, out, err = self._run_on_court(asked)
            version = sipp_python.parse_version(out) if rc == 0 else None
            stderr = to_text(module.get('module_stderr') or err or module.get('msg') or '').strip().splitlines()
            error = stderr[-1].strip() if stderr else ''
        found = []
        if not ran or not version or version < sipp_python.required(core_version):
            rc, out, dummy = self._run_on_court(sipp_python.PROBE % ' '.join(sipp_python.CANDIDATES))
            found = sipp_python.parse_probe(out)
        supported, msg, suggested = sipp_python.verdict(args['language'], interpreter, version, core_version,
                                                        bool(ran), found, error)
        python = {'interpreter': interpreter, 'supported': supported,
                  'version': sipp_python.dotted(version) if version else '',
                  'required': sipp_python.dotted(sipp_python.required(core_version), 2)}
        if suggested:
            python['suggested'] = suggested
        result.update(changed=False, python=python, msg=msg)
        if not supported:
            result['failed'] = True
        return result
