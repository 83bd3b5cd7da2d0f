# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side filters: sipp_owner_state (is the run that left a lock on a court still alive?) and
sipp_text_list (a list given as one text, as an AWX survey gives it)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.pengadilan.sipp.plugins.plugin_utils.sipp_controller import owner_state
from ansible_collections.pengadilan.sipp.plugins.plugin_utils.sipp_vars import text_list


def sipp_text_list(value):
    """A list as given; a text as the list of its values, one per line or separated by commas."""
    if value is None:
        return []
    if isinstance(value, str):
        return text_list(value)
    return list(value)


class FilterModule(object):
    """pengadilan.sipp controller filters."""

    def filters(self):
        return {'sipp_owner_state': owner_state, 'sipp_text_list': sipp_text_list}
