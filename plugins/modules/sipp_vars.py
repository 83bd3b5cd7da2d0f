#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name (plugins/action/sipp_vars.py), on the controller.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_vars
short_description: Check the variables a SIPP playbook takes, on the controller, before anything runs on a court
version_added: "0.1.0"
description:
  - Reads what O(playbook) takes from the collection's C(playbooks/vars/argument_specs.yml) (its own variables, the
    court variables every playbook reads, and the C(meta/argument_specs.yml) of the roles it runs) and checks every
    such variable given for the courts of O(hosts) (extra variables, AWX survey answers, the inventory's group_vars
    and host_vars) against its type, choices and rules, as strictly as the playbook reads it.
  - A required variable that is missing, a value of the wrong type or outside its choices or range, and a C(sipp_*)
    variable that nothing declares but that looks like a declared one (a typo) fail the task with one message that
    names each variable, what was given and what is allowed (and the courts, when not all of them have that value),
    in the run's language (C(sipp_language), or the playbook's own language variable). A wrong language variable
    gets the message in Bahasa Indonesia and in English. Values of variables declared C(no_log) are never shown.
  - "A variable the playbook's entry lists in C(limit_satisfies) (the rollback's C(sipp_target)) is not required in
    a run limited with C(--limit) (an AWX template's limit), since the limit names the courts."
  - Runs on the controller only and contacts no court. Run it once (C(run_once)) as the first task of a playbook,
    with C(any_errors_fatal), so that a wrong variable stops the run before anything is done on any court.
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  playbook:
    description: The playbook's entry in C(playbooks/vars/argument_specs.yml) (C(upgrade), C(backup), ...).
    type: str
    required: true
  hosts:
    description: The courts whose variables are checked. Default the play's hosts (C(ansible_play_hosts_all)).
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    description: Only reads; runs the same in check mode.
notes:
  - Action plugin; the checks themselves are in C(plugins/plugin_utils/sipp_vars.py).
'''

EXAMPLES = r'''
- name: Periksa variabel sebelum apa pun dijalankan
  pengadilan.sipp.sipp_vars:
    playbook: upgrade
  run_once: true
  any_errors_fatal: true
'''

RETURN = r'''
playbook:
  description: The playbook whose variables were checked.
  returned: always
  type: str
  sample: upgrade
checked:
  description: How many variables the playbook takes (all of them checked where given).
  returned: always
  type: int
  sample: 121
problems:
  description: One record per wrong variable (empty when all are right).
  returned: always
  type: list
  elements: dict
  contains:
    variable:
      description: The variable's name as the operator sets it.
      type: str
    problem:
      description: >-
        V(required), V(type), V(element), V(choices), V(element_choices), V(range), V(pattern), V(element_pattern),
        V(unknown) or V(unreadable).
      type: str
    hosts:
      description: The courts with this wrong value; empty when all of them have it.
      type: list
      elements: str
    text:
      description: The problem as one sentence in the run's language.
      type: str
'''
