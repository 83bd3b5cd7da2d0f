# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # The court's clock against the controller's (plugins/module_utils/sipp_common.py clock_argument_spec).
    DOCUMENTATION = r'''
options:
  controller_time:
    description:
      - The controller's time when the task was sent, in seconds since the epoch (C({{ now().timestamp() }})).
      - When given, the returned C(clock) compares the court's clock with it. Court servers' clocks are often wrong (no NTP on
        the office LAN); the times they record (backups, results) are then wrong too.
    type: float
  clock_tolerance:
    description:
      - Seconds the court's clock may differ from the controller's before the returned C(clock.skewed) is true and the
        difference is reported. The time the task takes to reach the court counts in the difference.
      - Also how far a backup's recorded time may lie ahead of the court's clock before it is taken as "in the
        future" (the clock was set back since it was made).
    type: int
    default: 300
'''
