# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rsync options that reach a court the way Ansible's own SSH connection does (filter sipp_rsync_remote).

Controller-side only: the roles run rsync on the controller (a delegated task), so a court's connection variables
must be turned into rsync's own options. One place for it, used by the backup role (pulling a backup off the court)
and the preflight role (pushing the upgrade packages to it). No password is ever read or put on a command line:
the SSH key is a file path, and become works only where sudo needs no password (C(sudo -n)).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import shlex

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean

LOCAL_CONNECTIONS = ('local', 'ansible.builtin.local')
SSH_CONNECTIONS = ('ssh', 'ansible.builtin.ssh', 'paramiko', 'paramiko_ssh', 'ansible.builtin.paramiko_ssh',
                   'ansible.legacy.ssh', 'smart')
# Privilege escalation that runs the court's rsync as another user without asking for a password.
BECOME_COMMANDS = {'sudo': ['sudo', '-n'], 'doas': ['doas', '-n']}
# Ansible's names for each setting, first match wins (ansible_ssh_* are the older aliases).
NAMES = {
    'connection': ('ansible_connection',),
    'host': ('ansible_host', 'ansible_ssh_host', 'inventory_hostname'),
    'user': ('ansible_user', 'ansible_ssh_user'),
    'port': ('ansible_port', 'ansible_ssh_port'),
    'key': ('ansible_ssh_private_key_file', 'ansible_private_key_file'),
    'become': ('ansible_become',),
    'become_method': ('ansible_become_method',),
    'become_user': ('ansible_become_user',),
}
# ssh arguments in the order Ansible's ssh connection puts them on its own command line.
ARGS_NAMES = ('ansible_ssh_args', 'ansible_ssh_common_args', 'ansible_ssh_extra_args')
# Placed after the court's own options, so a court that sets BatchMode itself keeps its value (ssh takes the first
# value of an option): never wait for a password prompt nobody answers in a background job.
BATCH = ['-o', 'BatchMode=yes']


def _get(court, setting):
    for name in NAMES[setting]:
        value = court.get(name)
        if value is not None and to_text(value) != '':
            return value
    return None


def _rsync_quote(arg):
    """One argument of rsync's -e command: rsync splits it at spaces and honours quotes (a doubled quote inside
    quotes stands for itself), not backslashes."""
    if arg and not any(c in arg for c in ' \t\'"'):
        return arg
    return "'" + arg.replace("'", "''") + "'"


def _ssh_args(court):
    args = []
    for name in ARGS_NAMES:
        value = court.get(name)
        if value:
            try:
                args.extend(shlex.split(to_text(value)))
            except ValueError as exc:
                raise AnsibleFilterError('sipp_rsync_remote: %s cannot be split into arguments: %s' % (name, exc))
    return args


def rsync_remote(court):
    """court: the court's variables (hostvars[inventory_hostname]). Returns {local, options, prefix}: rsync's
    options to reach it (-e with the ssh command, --rsync-path when become) and the 'user@host:' to put before a
    path on the court ('' for a local connection)."""
    if not hasattr(court, 'get'):
        raise AnsibleFilterError('sipp_rsync_remote expects the court\'s variables (hostvars[inventory_hostname]), '
                                 'got %s' % type(court).__name__)
    connection = to_text(_get(court, 'connection') or 'ssh')
    if connection in LOCAL_CONNECTIONS:
        return {'local': True, 'options': [], 'prefix': ''}
    if connection not in SSH_CONNECTIONS:
        raise AnsibleFilterError('sipp_rsync_remote: rsync reaches a court over SSH or locally; connection %s is '
                                 'neither' % connection)

    host = _get(court, 'host')
    if host is None:
        raise AnsibleFilterError('sipp_rsync_remote: the court has neither ansible_host nor inventory_hostname')
    host = to_text(host)
    if ':' in host and not host.startswith('['):
        host = '[%s]' % host  # an IPv6 address, as rsync wants it in host:path
    user = _get(court, 'user')

    ssh = ['ssh']
    port = _get(court, 'port')
    if port is not None:
        ssh += ['-p', to_text(port)]
    key = _get(court, 'key')
    if key is not None:
        ssh += ['-i', os.path.expanduser(to_text(key))]
    ssh += _ssh_args(court) + BATCH
    options = ['-e', ' '.join(_rsync_quote(a) for a in ssh)]

    if boolean(_get(court, 'become') or False, strict=False):
        method = to_text(_get(court, 'become_method') or 'sudo')
        if method not in BECOME_COMMANDS:
            raise AnsibleFilterError('sipp_rsync_remote: become method %s cannot start rsync on the court without a '
                                     'password; use %s' % (method, ' or '.join(sorted(BECOME_COMMANDS))))
        command = list(BECOME_COMMANDS[method])
        become_user = _get(court, 'become_user')
        if become_user is not None and to_text(become_user) != 'root':
            command += ['-u', to_text(become_user)]
        options.append('--rsync-path=%s' % ' '.join(command + ['rsync']))

    prefix = ('%s@%s:' % (to_text(user), host)) if user is not None else '%s:' % host
    return {'local': False, 'options': options, 'prefix': prefix}


class FilterModule(object):
    """pengadilan.sipp rsync filter."""

    def filters(self):
        return {'sipp_rsync_remote': rsync_remote}
