# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # The heartbeat of a run's lock while a step runs (plugins/module_utils/sipp_lock.py lock_argument_spec).
    DOCUMENTATION = r'''
options:
  lock:
    description:
      - The court's lock held by the run this task belongs to (M(pengadilan.sipp.sipp_lock)). While the module runs, it
        renews that lock's heartbeat every O(lock.interval) seconds, so that a long step (a large dump, a migration
        of a big table, a restore) is never taken for a dead run by another run. It stops renewing when the lock is
        no longer the run's. Nothing is written in check mode.
      - Usually given once for a whole play with C(module_defaults) (groups C(group/pengadilan.sipp.sipp) and
        C(group/pengadilan.sipp.lock)).
    type: dict
    suboptions:
      path:
        description: The lock record on the court.
        type: path
        default: /var/lib/pengadilan-sipp/kunci-upgrade.json
      token:
        description: The run's token in the lock (RV(pengadilan.sipp.sipp_lock#module:record.token)).
        type: str
        required: true
      interval:
        description: Seconds between two heartbeats.
        type: int
        default: 30
      progress:
        description:
          - Keys merged into the lock's progress record before the module does anything (the stage of the run this
            task belongs to, as C(pengadilan.sipp.sipp_lock)'s O(pengadilan.sipp.sipp_lock#module:progress)), so
            that a stage's first task records it without a round trip of its own. When the lock is no longer the
            run's, the module fails having done nothing.
        type: dict
        default: {}
      reset:
        description: Replace the progress record with O(lock.progress) instead of merging it in.
        type: bool
        default: false
'''
