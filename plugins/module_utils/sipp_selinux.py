# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SELinux contexts of the application folder: recorded in a backup, given to a tree built beside the live one, given
back to what is restored from a backup.

CentOS 7 runs SELinux enforcing: the web server may write only where the context says so (the cache, logs and upload
folders are ``httpd_sys_rw_content_t``, the rest ``httpd_sys_content_t``). A folder created anew (a tree rebuilt
beside the live one) takes its parent's context, so without this SIPP could no longer write its cache or its uploads.

``Labels`` is the one seam to SELinux: whether it is on (its file system is mounted), and a path's context read and
written as the extended attribute the kernel keeps it in (``security.selinux``; no libselinux binding is needed, which
CentOS 7's Python 3 lacks). Where SELinux is off or absent nothing is read, written or said.

A recorded tree is sparse: ``{'': root's context, rel: context}`` holds a path only where its context differs from its
parent folder's; a path not named takes its parent's, as a file created in a folder does.

Plain Python free of Ansible imports and of syntax newer than 3.6 (module code runs on CentOS 7's Python)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os

XATTR = 'security.selinux'
SELINUXFS = ('/sys/fs/selinux', '/selinux')


class Labels(object):
    """SELinux as the modules see it. ``enabled`` None: on when its file system is mounted (``enforce`` in
    SELINUXFS); a test gives True and, where no SELinux kernel runs, an extended attribute of its own."""

    def __init__(self, enabled=None, xattr=XATTR):
        self._enabled = enabled
        self.xattr = xattr

    @property
    def enabled(self):
        if self._enabled is None:
            self._enabled = hasattr(os, 'getxattr') and any(
                os.path.exists(os.path.join(d, 'enforce')) for d in SELINUXFS)
        return self._enabled

    def get(self, path, follow=False):
        """The context of ``path`` (the link itself unless ``follow``), or None when it has none."""
        try:
            value = os.getxattr(path, self.xattr, follow_symlinks=follow)
        except OSError:
            return None
        return value.rstrip(b'\0').decode('utf-8', 'replace') or None

    def set(self, path, context, follow=False):
        os.setxattr(path, self.xattr, context.encode('utf-8') + b'\0', follow_symlinks=follow)


def _entries(root):
    """(rel, path) of every folder, file and link under ``root`` (``root`` itself followed when it is a link; links
    inside it not), parents before their children."""
    for top, dirs, names in os.walk(root):
        dirs.sort()
        for name in dirs + sorted(names):
            path = os.path.join(top, name)
            yield os.path.relpath(path, root), path


def _parent(rel):
    return os.path.dirname(rel)


def record(root, labels):
    """The contexts of the tree at ``root``, sparse (see the file's docstring); {} where SELinux is off."""
    if not labels.enabled:
        return {}
    out = {'': labels.get(root, follow=True)}
    effective = dict(out)
    for rel, path in _entries(root):
        context = labels.get(path)
        effective[rel] = context
        if context != effective[_parent(rel)]:
            out[rel] = context
    return out


def expected(recorded, rel):
    """The context ``recorded`` gives to ``rel``: its own, else its nearest recorded parent's."""
    while True:
        if rel in recorded:
            return recorded[rel]
        if rel == '':
            return None
        rel = _parent(rel)


def apply(root, recorded, labels):
    """Give every path under ``root`` the context ``recorded`` gives it (a path not recorded takes its parent's);
    returns how many paths were changed. Nothing where SELinux is off or nothing was recorded."""
    if not labels.enabled or not recorded:
        return 0
    changed = 0
    want = recorded.get('')
    if want and labels.get(root, follow=True) != want:
        labels.set(root, want, follow=True)
        changed += 1
    for rel, path in _entries(root):
        want = expected(recorded, rel)
        if want and labels.get(path) != want:
            labels.set(path, want)
            changed += 1
    return changed


def differences(root, recorded, labels):
    """Paths under ``root`` whose context is not the one ``recorded`` gives them: [(rel, found, wanted)]."""
    if not labels.enabled or not recorded:
        return []
    out = []
    for rel, path in [('', root)] + list(_entries(root)):
        want = expected(recorded, rel)
        got = labels.get(path, follow=(rel == ''))
        if want and got != want:
            out.append((rel, got, want))
    return out
