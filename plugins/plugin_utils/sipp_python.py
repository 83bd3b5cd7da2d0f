# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a court's Python can run this collection's modules, and what to tell the admin when it cannot (the verdict
of the action plugin pengadilan.sipp.sipp_ping, on the controller; plain functions, driven by unit tests).

The modules' code is written for Python 3.6 (CentOS 7's python3) and newer. ansible-core has its own floor: a
Python below it cannot even start a module (ansible-core 2.17 and newer do not start on Python 3.6)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue

MIN_PYTHON = (3, 6)
# the oldest Python on which each ansible-core release line starts modules (ansible-core's support matrix); a release
# newer than the last line named here is taken to need what that line needs
CORE_MIN_PYTHON = (((2, 16), (2, 7)), ((2, 17), (3, 7)), ((2, 18), (3, 8)), ((2, 20), (3, 9)))
# where a Python 3 is looked for on a court whose Python cannot be used (CentOS 7: python3 3.6; RHEL 8: platform-python)
CANDIDATES = ('python3', '/usr/bin/python3', '/usr/libexec/platform-python')
# what a Python is asked to print its version (Python 2.6 and up)
VERSION_CODE = 'import sys; print("%d.%d.%d" % tuple(sys.version_info[:3]))'
# prints "<path> <version>" for each candidate found, one per line (POSIX sh; nothing else runs on the court)
PROBE = ('for p in %s; do q=$(command -v "$p" 2>/dev/null) || continue; '
         'v=$("$q" -c \'' + VERSION_CODE.replace('%', '%%') + '\' 2>/dev/null) && echo "$q $v"; done')

MESSAGES = Catalogue({
    'id': {
        'ok': "Terjangkau; Python {version} ({interpreter}).",
        'too_old': "Python yang dipakai Ansible di server ini terlalu lama: {interpreter} adalah Python {version}, "
                   "sedangkan modul pengadilan.sipp membutuhkan Python {required} atau lebih baru. Tidak ada yang "
                   "dijalankan atau diubah di server ini; pengadilan lain tetap dikerjakan. {advice}",
        'core': "ansible-core {core} tidak dapat menjalankan modul dengan Python {version} ({interpreter}) di server "
                "ini: ansible-core {core} membutuhkan Python {required} atau lebih baru. Tidak ada yang dijalankan "
                "atau diubah di server ini; pengadilan lain tetap dikerjakan. {advice}",
        'unusable': "Python yang dipakai Ansible di server ini tidak dapat dijalankan: {interpreter} ({error}). "
                    "Tidak ada yang dijalankan atau diubah di server ini; pengadilan lain tetap dikerjakan. {advice}",
        'use_found': "Server ini punya {suggested} (Python {suggested_version}): setel ansible_python_interpreter: "
                     "{suggested} untuk pengadilan ini di inventaris (server CentOS 7: grup centos7 pada contoh "
                     "inventaris), lalu jalankan lagi.",
        'use_core216': "Python 3.6 (CentOS 7) hanya dapat dikelola dengan ansible-core 2.16: jalankan dengan "
                       "ansible-core 2.16 (README, bagian server sungguhan), atau pasang Python {required} atau lebih "
                       "baru di server ini dan setel ansible_python_interpreter ke sana, lalu jalankan lagi.",
        'install': "Pasang Python 3 di server ini (CentOS 7: yum install python3), setel ansible_python_interpreter: "
                   "/usr/bin/python3 untuk pengadilan ini di inventaris, lalu jalankan lagi.",
    },
    'en': {
        'ok': "Reachable; Python {version} ({interpreter}).",
        'too_old': "The Python Ansible uses on this server is too old: {interpreter} is Python {version}, and the "
                   "modules of pengadilan.sipp need Python {required} or newer. Nothing was run or changed on this "
                   "server; the other courts go on. {advice}",
        'core': "ansible-core {core} cannot run modules with Python {version} ({interpreter}) on this server: "
                "ansible-core {core} needs Python {required} or newer. Nothing was run or changed on this server; "
                "the other courts go on. {advice}",
        'unusable': "The Python Ansible uses on this server cannot be run: {interpreter} ({error}). Nothing was run "
                    "or changed on this server; the other courts go on. {advice}",
        'use_found': "This server has {suggested} (Python {suggested_version}): set ansible_python_interpreter: "
                     "{suggested} for this court in the inventory (CentOS 7 servers: the group centos7 of the "
                     "example inventory), then run again.",
        'use_core216': "Python 3.6 (CentOS 7) can only be managed with ansible-core 2.16: run with ansible-core 2.16 "
                       "(README, section on real servers), or install Python {required} or newer on this server and "
                       "set ansible_python_interpreter to it, then run again.",
        'install': "Install Python 3 on this server (CentOS 7: yum install python3), set ansible_python_interpreter: "
                   "/usr/bin/python3 for this court in the inventory, then run again.",
    },
})


def parse_version(text):
    """(major, minor, micro) of a text such as '3.6.15', or None."""
    parts = (text or '').strip().split('.')
    try:
        return tuple(int(p) for p in parts[:3]) if len(parts) >= 2 else None
    except ValueError:
        return None


def core_min_python(core_version):
    """The oldest Python ansible-core ``core_version`` ('2.19.4') starts modules on."""
    release = (parse_version(core_version) or (0, 0))[:2]
    needed = CORE_MIN_PYTHON[0][1]
    for line, python in CORE_MIN_PYTHON:
        if release >= line:
            needed = python
    return needed


def required(core_version):
    """The oldest Python that both this collection and ansible-core ``core_version`` run modules on."""
    return max(MIN_PYTHON, core_min_python(core_version))


def parse_probe(stdout):
    """[(path, version tuple)] of PROBE's output, first found first, each path once."""
    found = []
    for line in (stdout or '').splitlines():
        path, _sep, text = line.strip().partition(' ')
        version = parse_version(text)
        if path.startswith('/') and version and path not in [p for p, _v in found]:
            found.append((path, version))
    return found


def dotted(version, parts=3):
    """'3.6.15' of (3, 6, 15); the first ``parts`` numbers."""
    return '.'.join(str(v) for v in version[:parts])


def verdict(language, interpreter, version, core_version, module_ran, found=(), error=''):
    """(supported, msg, suggested path or None) for the Python ``interpreter`` of a court.

    version: its version tuple, or None when it could not be run; module_ran: the module's own code ran there (so
    ansible-core can start modules on it); found: PROBE's [(path, version)] (read only when it cannot be used);
    error: what running it said."""
    needed = required(core_version)
    if module_ran and version and version >= needed:
        return True, MESSAGES.text(language, 'ok', version=dotted(version), interpreter=interpreter), None
    suggested = next(((p, v) for p, v in found if v >= needed and p != interpreter), None)
    if suggested:
        advice = MESSAGES.text(language, 'use_found', suggested=suggested[0], suggested_version=dotted(suggested[1]))
    elif version and version >= MIN_PYTHON or any(v >= MIN_PYTHON for _p, v in found):
        advice = MESSAGES.text(language, 'use_core216', required=dotted(needed, 2))
    else:
        advice = MESSAGES.text(language, 'install')
    if version is None or version >= needed:
        key = 'unusable'  # it does not run, or it runs but could not start the module
    elif version < MIN_PYTHON:
        key = 'too_old'
    else:
        key = 'core'
    msg = MESSAGES.text(language, key, interpreter=interpreter, version=dotted(version or ()),
                        required=dotted(needed, 2), core=dotted(parse_version(core_version) or (), 2),
                        error=error or '-', advice=advice)
    return False, msg, suggested[0] if suggested else None
