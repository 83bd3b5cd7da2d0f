# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""File helpers every module that keeps a record on the court shares: an atomic JSON write, private folders.

Plain functions free of Ansible imports (module code runs on the court's own Python, 3.6 on CentOS 7)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import uuid

# the mark of a temporary file of ours (written, then renamed over its target): a leftover of a power cut
TMP_MARK = '.sipp-tmp-'


def make_private_dirs(folder):
    """Create ``folder`` and missing parents with mode 0700 (an existing folder keeps its mode)."""
    if not os.path.isdir(folder):
        os.makedirs(folder, 0o700)
        os.chmod(folder, 0o700)


def write_json(path, data, mode=0o600):
    """Write JSON atomically (temp file + rename), mode 0600 root: the web server cannot read it."""
    tmp = '%s%s%s' % (path, TMP_MARK, uuid.uuid4().hex[:8])
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), mode)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write((json.dumps(data, indent=2, sort_keys=True) + '\n').encode('utf-8'))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except Exception:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
