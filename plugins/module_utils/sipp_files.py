# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The file helpers of the module layer, written once: an atomic write (JSON or bytes), private folders, sha256.

Everything of ours that a module keeps on the court (records, manifests, snapshots, the lock) is root's alone: files
mode 0600, folders 0700, written to a temporary name beside the target and renamed over it, so a power cut leaves
the old file or the new one, never half of one. Plain functions free of Ansible imports (module code runs on the
court's own Python, 3.6 on CentOS 7); the controller's plugins use them too."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import hashlib
import json
import os
import uuid

# the mark of a temporary file of ours (written, then renamed over its target): a leftover of a power cut
TMP_MARK = '.sipp-tmp-'
CHUNK = 1024 * 1024


def make_private_dirs(path):
    """Create ``path`` and its missing parents with mode 0700 (whatever the umask; an existing folder keeps its
    mode). Returns the folders created, outermost first; raises OSError(ENOTDIR) when a part is not a folder."""
    created = []
    missing = []
    current = os.path.abspath(path)
    while not os.path.isdir(current):
        if os.path.lexists(current):
            raise OSError(errno.ENOTDIR, 'exists and is not a folder', current)
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except OSError as exc:
            if exc.errno != errno.EEXIST or not os.path.isdir(folder):  # made meanwhile by another process: fine
                raise
            continue
        os.chmod(folder, 0o700)
        created.append(folder)
    return created


def existing_ancestor(path):
    """The nearest existing folder of ``path`` (itself when it is one)."""
    current = os.path.abspath(path)
    while not os.path.isdir(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def temporary_name(path):
    """A new name beside ``path`` for a file to be renamed over it (marked TMP_MARK, hidden)."""
    folder, name = os.path.split(path)
    return os.path.join(folder, '.%s%s%s' % (name, TMP_MARK, uuid.uuid4().hex[:8]))


def write_atomic(path, data, mode=0o600):
    """Write ``data`` (bytes) to ``path`` atomically: a temporary file beside it (never through a link), synced, given
    ``mode`` and renamed over ``path``. The temporary file is removed when anything fails."""
    tmp = temporary_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), mode)
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except Exception:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise


def write_json(path, data, mode=0o600, indent=2):
    """Write ``data`` as JSON (sorted keys) to ``path`` atomically, mode 0600: the web server cannot read it."""
    write_atomic(path, (json.dumps(data, indent=indent, sort_keys=True) + '\n').encode('utf-8'), mode)


def sha256_stream(handle, chunk_size=CHUNK, write=None):
    """Hex sha256 and byte count of what is left to read in an open binary file, read in chunks (each also given to
    ``write`` when one is given: a copy made while it is summed)."""
    digest = hashlib.sha256()
    size = 0
    while True:
        chunk = handle.read(chunk_size)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        if write is not None:
            write(chunk)
    return digest.hexdigest(), size


def sha256_file(path, chunk_size=CHUNK):
    """Hex sha256 of a file's bytes, read in chunks."""
    with open(path, 'rb') as handle:
        return sha256_stream(handle, chunk_size)[0]
