# -*- coding: utf-8 -*-
"""The sipp_rsync_remote filter: a court's connection variables -> rsync's options and its user@host: prefix."""

from __future__ import (absolute_import, division, print_function)

import os
import shlex
import subprocess

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.pengadilan.sipp.plugins.filter import sipp_rsync
from ansible_collections.pengadilan.sipp.plugins.filter.sipp_rsync import rsync_remote

COURT = {'inventory_hostname': 'pn_bekasi', 'ansible_host': '10.10.2.10'}


def court(**kw):
    return dict(COURT, **kw)


def ssh_of(result):
    """The -e command, as a list."""
    assert result['options'][0] == '-e'
    return shlex.split(result['options'][1])


def test_local_court_needs_nothing():
    for name in ('local', 'ansible.builtin.local'):
        assert rsync_remote(court(ansible_connection=name, ansible_user='root', ansible_become=True)) == \
            {'local': True, 'options': [], 'prefix': ''}


def test_plain_ssh_court():
    res = rsync_remote(court())
    assert res == {'local': False, 'options': ['-e', 'ssh -o BatchMode=yes'], 'prefix': '10.10.2.10:'}


def test_user_port_key_and_ssh_args_in_ansibles_order():
    res = rsync_remote(court(ansible_user='admin-sipp', ansible_port=2222, ansible_ssh_private_key_file='/k/id',
                             ansible_ssh_args='-C', ansible_ssh_common_args='-o StrictHostKeyChecking=no',
                             ansible_ssh_extra_args='-o LogLevel=ERROR'))
    assert res['prefix'] == 'admin-sipp@10.10.2.10:'
    assert ssh_of(res) == ['ssh', '-p', '2222', '-i', '/k/id', '-C', '-o', 'StrictHostKeyChecking=no',
                           '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes']
    assert res['options'][2:] == []


def test_older_aliases_and_host_fallback():
    res = rsync_remote({'inventory_hostname': 'pn_bogor', 'ansible_ssh_user': 'u', 'ansible_ssh_port': '22',
                        'ansible_private_key_file': '~/.ssh/sipp'})
    assert res['prefix'] == 'u@pn_bogor:'
    assert ssh_of(res) == ['ssh', '-p', '22', '-i', os.path.expanduser('~/.ssh/sipp'), '-o', 'BatchMode=yes']
    assert rsync_remote(court(ansible_ssh_host='10.0.0.9', ansible_host=None))['prefix'] == '10.0.0.9:'


def test_ipv6_host_in_brackets():
    assert rsync_remote(court(ansible_host='fd00::10', ansible_user='root'))['prefix'] == 'root@[fd00::10]:'


@pytest.mark.parametrize('become, expected', [
    (True, ['--rsync-path=sudo -n rsync']),
    ('yes', ['--rsync-path=sudo -n rsync']),
    (False, []),
    ('false', []),
    (None, []),
])
def test_become_through_sudo_without_a_password(become, expected):
    res = rsync_remote(court(ansible_user='admin-sipp', ansible_become=become))
    assert res['options'][2:] == expected


def test_become_method_and_user():
    assert rsync_remote(court(ansible_become=True, ansible_become_method='doas'))['options'][2:] == \
        ['--rsync-path=doas -n rsync']
    assert rsync_remote(court(ansible_become=True, ansible_become_user='root'))['options'][2:] == \
        ['--rsync-path=sudo -n rsync']
    assert rsync_remote(court(ansible_become=True, ansible_become_user='sipp'))['options'][2:] == \
        ['--rsync-path=sudo -n -u sipp rsync']
    with pytest.raises(AnsibleFilterError, match='become method su'):
        rsync_remote(court(ansible_become=True, ansible_become_method='su'))


def test_no_password_reaches_the_command_line():
    secret = 'Rahasia "sekali" $(rm -rf /)'
    res = rsync_remote(court(ansible_user='admin-sipp', ansible_password=secret, ansible_ssh_pass=secret,
                             ansible_become=True, ansible_become_password=secret, ansible_become_pass=secret))
    assert secret not in repr(res) and 'Rahasia' not in repr(res)


def test_quoted_ssh_args_survive_rsyncs_own_splitting(tmp_path):
    """rsync splits -e at spaces and honours quotes: run the real rsync with a fake ssh that prints its
    arguments, so the court's ProxyCommand with spaces and a key path with a space and a quote arrive whole."""
    fake = tmp_path / 'fake-ssh'
    log = tmp_path / 'args'
    fake.write_text('#!/bin/sh\nfor a in "$@"; do printf "%%s\\n" "$a"; done > %s\nexit 1\n' % log)
    fake.chmod(0o755)
    key = str(tmp_path / "kunci pt's")
    res = rsync_remote(court(ansible_user='root', ansible_ssh_private_key_file=key,
                             ansible_ssh_common_args='-o ProxyCommand="ssh -W %h:%p -q bastion"'))
    options = list(res['options'])
    options[1] = options[1].replace('ssh', str(fake), 1)
    subprocess.call(['rsync'] + options + [res['prefix'] + '/x', str(tmp_path / 'y')],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    args = log.read_text().splitlines()
    assert args[:6] == ['-i', key, '-o', 'ProxyCommand=ssh -W %h:%p -q bastion', '-o', 'BatchMode=yes']
    assert 'root' in args and '10.10.2.10' in args


def test_refuses_what_rsync_cannot_reach():
    with pytest.raises(AnsibleFilterError, match='winrm'):
        rsync_remote(court(ansible_connection='winrm'))
    with pytest.raises(AnsibleFilterError, match='hostvars'):
        rsync_remote('pn_bekasi')
    with pytest.raises(AnsibleFilterError, match='ansible_ssh_common_args'):
        rsync_remote(court(ansible_ssh_common_args='-o "unclosed'))


def test_registered_as_a_filter():
    assert sipp_rsync.FilterModule().filters() == {'sipp_rsync_remote': rsync_remote}
