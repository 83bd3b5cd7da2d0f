# -*- coding: utf-8 -*-
"""The verdict on a court's Python (action plugin sipp_ping): which Python can run the modules, what the admin is told."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import subprocess

import pytest

from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_python


def test_the_floor_is_the_collections_or_ansible_cores_whichever_is_higher():
    assert sipp_python.required('2.16.14') == (3, 6)
    assert sipp_python.required('2.17.0') == (3, 7)
    assert sipp_python.required('2.19.4') == (3, 8)
    assert sipp_python.required('2.21.0') == (3, 9)
    assert sipp_python.required('2.16.0rc1') == (3, 6)


def test_the_probe_lists_each_python3_once_with_its_version():
    out = "/usr/bin/python3 3.6.15\n/usr/bin/python3 3.6.15\n/usr/libexec/platform-python 3.6.8\nrubbish\n"
    assert sipp_python.parse_probe(out) == [('/usr/bin/python3', (3, 6, 15)),
                                            ('/usr/libexec/platform-python', (3, 6, 8))]
    assert sipp_python.parse_probe('') == []


def test_the_probe_runs_in_a_posix_shell_and_names_a_real_python(tmp_path):
    """PROBE as the action plugin sends it, run by sh: a candidate missing is passed over, one found is named."""
    script = sipp_python.PROBE % ' '.join(('no-such-python-here', 'python3'))
    out = subprocess.run(['sh', '-c', script], capture_output=True, text=True, check=True).stdout
    found = sipp_python.parse_probe(out)
    assert len(found) == 1 and found[0][0].startswith('/') and found[0][1] >= (3, 6)


def test_a_supported_python_passes():
    ok, msg, suggested = sipp_python.verdict('id', '/usr/bin/python3', (3, 11, 2), '2.19.4', True)
    assert ok and suggested is None and msg == "Terjangkau; Python 3.11.2 (/usr/bin/python3)."


@pytest.mark.parametrize('language', ['id', 'en'])
def test_python_27_chosen_by_discovery_is_refused_with_the_python3_to_set(language):
    ok, msg, suggested = sipp_python.verdict(language, '/usr/bin/python', (2, 7, 18), '2.16.14', True,
                                             [('/usr/bin/python3', (3, 6, 15))])
    assert not ok and suggested == '/usr/bin/python3'
    assert '/usr/bin/python' in msg and '2.7.18' in msg and '3.6' in msg and '3.6.15' in msg
    assert 'ansible_python_interpreter: /usr/bin/python3' in msg
    assert ('Tidak ada yang dijalankan' if language == 'id' else 'Nothing was run') in msg


def test_python_36_under_a_newer_ansible_core_is_told_to_use_216():
    ok, msg, suggested = sipp_python.verdict('en', '/usr/bin/python3', (3, 6, 15), '2.19.4', False,
                                             [('/usr/bin/python3', (3, 6, 15))], 'SyntaxError: future feature')
    assert not ok and suggested is None
    assert msg.startswith('ansible-core 2.19 cannot run modules with Python 3.6.15 (/usr/bin/python3)')
    assert 'needs Python 3.8 or newer' in msg and 'with ansible-core 2.16' in msg


def test_python_35_with_no_python3_to_take_is_told_to_install_one():
    ok, msg, suggested = sipp_python.verdict('id', '/usr/bin/python3', (3, 5, 2), '2.16.14', True, [])
    assert not ok and suggested is None
    assert 'terlalu lama' in msg and 'Python 3.5.2' in msg and 'yum install python3' in msg


def test_a_python_that_does_not_run_says_what_it_said():
    ok, msg, dummy = sipp_python.verdict('en', '/opt/python', None, '2.16.14', False, [],
                                         '/bin/sh: 1: /opt/python: not found')
    assert not ok and 'cannot be run: /opt/python (/bin/sh: 1: /opt/python: not found)' in msg
    assert 'Install Python 3' in msg


def test_both_languages_have_the_same_messages():
    assert set(sipp_python.MESSAGES['id']) == set(sipp_python.MESSAGES['en'])
