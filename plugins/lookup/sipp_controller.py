# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
name: sipp_controller
version_added: "0.1.0"
author: Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
short_description: The owner record of this run (controller, boot id, ansible-playbook process, a new run id) for court locks
description:
  - "Returns who runs this playbook, to be written into the lock a run keeps on each court
    (M(pengadilan.sipp.sipp_lock)): the controller's host name, its boot id, and the process id and start time of
    the ansible-playbook process (the topmost one; task workers are forks of it)."
  - A later run on the same controller tells from this record whether the run that left a lock still lives (filter
    P(pengadilan.sipp.sipp_owner_state#filter)).
  - Linux controllers only (it reads C(/proc)); an AWX execution environment is one.
options: {}
'''

EXAMPLES = r'''
- name: Name the owner of this run
  ansible.builtin.set_fact:
    run_owner: "{{ lookup('pengadilan.sipp.sipp_controller') }}"
'''

RETURN = r'''
_raw:
  description: One owner record.
  type: list
  elements: dict
  contains:
    controller:
      description: Host name of the controller.
      type: str
    boot_id:
      description: Boot id of the controller's kernel (changes with every restart).
      type: str
    pid:
      description: Process id of ansible-playbook.
      type: int
    pid_start:
      description: Start time of that process in clock ticks after boot (tells a reused process id apart).
      type: int
    run_id:
      description:
        - A new name for this run, for a run that is given none (the controller's local date and time and a random
          part, so two runs started in the same second never share one), e.g. C(20261124-210000-7f3a09c2).
      type: str
'''

from ansible.plugins.lookup import LookupBase

from ansible_collections.pengadilan.sipp.plugins.plugin_utils.sipp_controller import owner


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        return [owner()]
