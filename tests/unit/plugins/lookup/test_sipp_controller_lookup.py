# -*- coding: utf-8 -*-
"""The lookup pengadilan.sipp.sipp_controller and the filters sipp_owner_state and sipp_text_list, run by a real
ansible-playbook on this controller: the owner a run writes into each court's lock names that ansible-playbook
process (not a task worker), the filter finds it alive while it runs, and dead once it has ended (the lock of a dead
run, which the next run may take over)."""

from __future__ import (absolute_import, division, print_function)

import json
import os
import re
import socket
import subprocess
import sys

from ansible_collections.pengadilan.sipp.plugins.filter.sipp_controller import FilterModule, sipp_text_list
from ansible_collections.pengadilan.sipp.plugins.lookup.sipp_controller import LookupModule
from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_controller as c

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
PLAYBOOK = '''
- name: The owner of this run, as a court's lock records it
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Name the owner and judge it
      ansible.builtin.set_fact:
        owner: "{{ lookup('pengadilan.sipp.sipp_controller') }}"
    - name: Write what was found
      ansible.builtin.copy:
        dest: "{{ out }}"
        mode: "0600"
        content: "{{ {'owner': owner, 'state': owner | pengadilan.sipp.sipp_owner_state,
                     'other': (owner | combine({'controller': 'awx-job-lain'})) | pengadilan.sipp.sipp_owner_state,
                     'list': 'pn_bandung, pn_garut\\npn_sumedang' | pengadilan.sipp.sipp_text_list} | to_json }}"
'''


def test_a_run_names_its_ansible_playbook_alive_while_it_runs_and_dead_once_it_ended(tmp_path):
    book = tmp_path / 'owner.yml'
    book.write_text(PLAYBOOK)
    out = tmp_path / 'owner.json'
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(book),
                           '-i', 'localhost,', '-c', 'local', '-e', 'out=%s' % out,
                           '-e', 'ansible_python_interpreter=%s' % sys.executable],
                          cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout
    found = json.loads(out.read_text())
    owner = found['owner']
    assert owner['controller'] == socket.gethostname() and owner['boot_id'] == c.boot_id()
    assert re.match(r'^\d{8}-\d{6}-[0-9a-f]{8}$', owner['run_id'])
    # the ansible-playbook process itself (its workers are forks of it): alive while the run ran
    assert found['state'] == 'alive' and found['other'] == 'unknown'
    assert found['list'] == ['pn_bandung', 'pn_garut', 'pn_sumedang']
    # the run has ended: its lock is the lock of a dead run
    assert c.owner_state(owner) == 'dead'


def test_the_lookup_and_the_filters_as_plugins():
    assert LookupModule().run([])[0]['pid'] == os.getpid()
    filters = FilterModule().filters()
    assert filters['sipp_owner_state'](c.owner()) == 'alive'
    assert filters['sipp_owner_state'](None) == 'unknown'
    assert sipp_text_list(None) == [] and sipp_text_list(('a', 'b')) == ['a', 'b']
    assert sipp_text_list('pn_a,\n\n pn_b ') == ['pn_a', 'pn_b']
