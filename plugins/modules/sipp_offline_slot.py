#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The work is done by the action plugin of the same name (plugins/action/sipp_offline_slot.py), on the controller.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_offline_slot
short_description: Limit how many courts of one run are offline at once, on the controller
version_added: "0.1.0"
description:
  - A court's offline steps (backup, files, migrations, verification) cost the controller one task per module run.
    When every court of a region takes SIPP offline at the same moment, each court stays offline as long as the
    controller needs for all of them. With O(state=acquired) a court takes one of O(slots) slots of the run before it
    goes offline, waiting while all are taken; SIPP stays online while it waits. O(state=released) gives the slot
    back when the court's path ends.
  - A slot governs the controller's load, never a court's data. A holder that is no longer among the play's courts
    (dropped as unreachable), or whose slot is older than an hour, no longer counts. A court that would leave the
    courts holding a slot without one of Ansible's workers (C(forks)) goes on without waiting, and says so.
  - Slots are files under the controller's temporary folder (C(pengadilan-sipp-slots/<run>/)), shared by the
    workers of one ansible-playbook and by other jobs of the same run on the same controller.
  - Runs on the controller only and contacts no court. Meant for the C(free) strategy, where each court goes its own
    way; under C(linear) every court waits for the slowest at each task anyway.
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  run:
    description: The run whose slots these are (the run id).
    type: str
    required: true
  state:
    description: V(acquired) takes a slot (waiting while all are taken), V(released) gives it back.
    type: str
    choices: [acquired, released]
    default: acquired
  slots:
    description: >-
      How many courts of the run may hold a slot at once; V(0) is one per CPU of the controller (the CPU limit of its
      container, an AWX job's pod, when lower).
    type: int
    default: 0
  holder:
    description: Who holds the slot. Default the court (C(inventory_hostname)).
    type: str
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
attributes:
  check_mode:
    support: full
    description: Takes and gives back the slot in check mode too (it changes nothing on a court).
notes:
  - Action plugin; the slots themselves are in C(plugins/plugin_utils/sipp_slots.py).
'''

EXAMPLES = r'''
- name: Tunggu giliran offline (SIPP tetap online selama menunggu)
  pengadilan.sipp.sipp_offline_slot:
    run: "{{ run_id }}"
    slots: 2

- name: Kembalikan giliran offline
  pengadilan.sipp.sipp_offline_slot:
    run: "{{ run_id }}"
    state: released
'''

RETURN = r'''
acquired:
  description: The slot is held (always true after O(state=acquired)).
  returned: when O(state=acquired)
  type: bool
waited:
  description: Seconds the court waited, online, for its slot.
  returned: when O(state=acquired)
  type: float
  sample: 12.5
held_by:
  description: The courts that held the slots when it first had to wait.
  returned: when O(state=acquired)
  type: list
  elements: str
bypassed:
  description: It went on without waiting, so that the waiting courts would not take every worker (C(forks)).
  returned: when O(state=acquired)
  type: bool
released:
  description: It held a slot that is now given back.
  returned: when O(state=released)
  type: bool
slots:
  description: How many courts may hold a slot at once (O(slots), or the controller's CPUs).
  returned: always
  type: int
  sample: 2
holder:
  description: Who held or holds the slot.
  returned: always
  type: str
msg:
  description: What happened, in the run's language.
  returned: always
  type: str
'''
