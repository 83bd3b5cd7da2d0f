# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # The language of every module's messages (plugins/module_utils/sipp_messages.py language_argument_spec).
    DOCUMENTATION = r'''
options:
  language:
    description:
      - Language of the module's messages (failures, warnings, C(msg)), V(id) (Bahasa Indonesia) or V(en).
    type: str
    choices: [id, en]
    default: id
notes:
  - Messages are in Bahasa Indonesia unless O(language=en).
'''
