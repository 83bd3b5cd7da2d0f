# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter sipp_owner_state: is the run that left a lock on a court still alive? (controller-side)"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.pengadilan.sipp.plugins.plugin_utils.sipp_controller import owner_state


class FilterModule(object):
    """pengadilan.sipp controller filters."""

    def filters(self):
        return {'sipp_owner_state': owner_state}
