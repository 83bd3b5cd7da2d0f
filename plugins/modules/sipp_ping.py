#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# The verdict is given by the action plugin of the same name (plugins/action/sipp_ping.py), on the controller. This
# file runs on the court with whatever Python Ansible found there, Python 2.7 included: it is written for both and
# imports nothing of this collection, so that it reports the Python instead of failing on it.

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_ping
short_description: Reach a court and make sure its Python can run this collection's modules
version_added: "0.1.0"
description:
  - The first contact of every playbook of this collection with a court. It reaches the court like
    M(ansible.builtin.ping) and tells which Python Ansible uses there (its path and version).
  - >-
    The collection's modules need Python 3.6 or newer on the court. ansible-core 2.16's interpreter discovery
    chooses C(/usr/bin/python) on CentOS 7, which is Python 2.7 there (yum needs it): the court fails here, before
    anything runs on it, with a message that names the Python found, the Python needed, and the value of
    C(ansible_python_interpreter) to set (a Python 3 of that court when it has one). A Python that ansible-core
    itself cannot start (Python 3.6 under ansible-core 2.17 or newer) fails the same way.
  - A court that cannot be reached is reported as unreachable, as by M(ansible.builtin.ping).
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options: {}
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
attributes:
  check_mode:
    support: full
    description: It only reads.
notes:
  - Action plugin; the verdict and its messages are in C(plugins/plugin_utils/sipp_python.py).
  - On a court whose Python is too old the module's own code runs only to report its version (it is written for
    Python 2.7 too); only the action plugin runs a command there when ansible-core could not start the module, to
    read the version and to look for a Python 3 (C(python3), C(/usr/bin/python3), C(/usr/libexec/platform-python)).
'''

EXAMPLES = r'''
- name: Pastikan pengadilan terjangkau dan Python-nya dapat menjalankan modul pengadilan.sipp
  pengadilan.sipp.sipp_ping:
    language: "{{ sipp_language | default('id') }}"
  ignore_unreachable: true
  register: reach
'''

RETURN = r'''
python:
  description: The Python Ansible uses on the court.
  returned: when the court was reached
  type: dict
  contains:
    interpreter:
      description: Its path, as Ansible calls it (discovered or set in C(ansible_python_interpreter)).
      type: str
      sample: /usr/bin/python3
    version:
      description: Its version, or an empty text when it could not be read.
      type: str
      sample: 3.6.15
    supported:
      description: It can run this collection's modules.
      type: bool
    required:
      description: The oldest Python this collection's modules run on.
      type: str
      sample: "3.6"
    suggested:
      description: A Python 3 of the court that would do, to set as C(ansible_python_interpreter).
      returned: when RV(python.supported) is false and the court has one
      type: str
      sample: /usr/bin/python3
msg:
  description: >-
    What was found, in the run's language; when the Python cannot be used, what happened, that nothing changed, and
    what to set.
  returned: always
  type: str
'''

import sys

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(language=dict(type='str', default='id', choices=['id', 'en'])),
        supports_check_mode=True,
    )
    module.exit_json(changed=False, python=dict(
        executable=sys.executable, version='%d.%d.%d' % tuple(sys.version_info[:3])))


if __name__ == '__main__':
    main()
