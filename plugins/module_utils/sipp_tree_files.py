# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A tree of ours on the court's disk: where it may lie, its record, walking it, what is stale in it, closing
and removing it.

Trees of ours lie beside the live application folder and are named ``.<folder>.sipp-<something>``
(sipp_tree_names); anything else is never touched. ``<tree>/.sipp-tree.json`` records what was built. Trees that
are not live are closed (root, mode 0700) so the web server never serves them. Python 3.6, stdlib only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import json
import os
import posixpath
import shutil
import stat

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import write_json
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_links import release_of
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_messages import TreeError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_names import (
    sibling_prefix, split_app, tree_home)


RECORD_NAME = '.sipp-tree.json'
RECORD_FORMAT = 1
DIR_MODE = 0o755
CLOSED_MODE = 0o700


def is_sibling(app_path, path):
    """True when ``path`` is named ``.<folder>.sipp-<something>`` and lies where this module keeps its trees (beside
    ``app_path``, or beside its release folder in the release layout)."""
    app_path, parent, folder = tree_home(app_path)
    path = os.path.abspath(path)
    name = os.path.basename(path)
    prefix = sibling_prefix(app_path)
    return (os.path.dirname(path) in (parent, os.path.dirname(app_path)) and name.startswith(prefix)
            and len(name) > len(prefix) and '/' not in name)


def check_sibling(app_path, path, option):
    if not is_sibling(app_path, path):
        app_path, parent, folder = tree_home(app_path)
        raise TreeError('invalid_option', key='not_sibling', option=option, path=path, app_path=app_path,
                        parent=parent, prefix=sibling_prefix(app_path))
    return os.path.abspath(path)


def check_previous(app_path, path):
    """The ``previous`` option: a tree of this module, or in the release layout a release folder beside the live
    one (the release the link pointed to before the switch)."""
    release = release_of(app_path)
    full = os.path.abspath(path)
    if release and os.path.dirname(full) == os.path.dirname(release['release']) and full != app_path:
        return full
    return check_sibling(app_path, path, 'previous')


def check_app(app_path):
    """The live folder: a real directory on the same file system as its parent (in the release layout, the release
    folder the link points to, on the same file system as the folder of releases). Returns its lstat."""
    app_path, parent, folder = split_app(app_path)
    release = release_of(app_path)
    live = release['release'] if release else app_path
    try:
        st = os.lstat(live)
        if stat.S_ISLNK(st.st_mode):
            raise OSError(errno.ELOOP, 'a symbolic link')
        if not stat.S_ISDIR(st.st_mode):
            raise OSError(errno.ENOTDIR, 'not a folder')
        pst = os.stat(os.path.dirname(live))
    except OSError as exc:
        raise TreeError('app_missing', app_path=app_path, error=exc.strerror or str(exc))
    if pst.st_dev != st.st_dev:
        raise TreeError('cross_device', app_path=live, parent=os.path.dirname(live))
    return st


def read_record(tree):
    """The ``.sipp-tree.json`` of ``tree`` as a dict, or None when absent or not valid."""
    try:
        with open(os.path.join(tree, RECORD_NAME), 'rb') as handle:
            data = json.loads(handle.read(16 * 1024 * 1024).decode('utf-8'))
    except (IOError, OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get('format') != RECORD_FORMAT or not data.get('tree_id'):
        return None
    return data


def write_record(tree, record):
    write_json(os.path.join(tree, RECORD_NAME), record)


def _fsync_dir(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _under(path, top):
    """True when ``path`` is ``top`` or inside it (both relative)."""
    top = top.strip('/')
    return path == top or path.startswith(top + '/')


def _contains(path, inner):
    """True when removing ``path`` would remove ``inner`` (``path`` is that folder or one holding it)."""
    return _under(path=inner, top=path)


def walk_tree(root, skip_record=True):
    """Yield (rel, lstat) for everything under ``root`` (not ``root`` itself), parents before children, symbolic
    links not followed."""
    stack = ['']
    while stack:
        rel_dir = stack.pop()
        base = os.path.join(root, rel_dir) if rel_dir else root
        try:
            names = sorted(os.listdir(base))
        except OSError:
            continue
        subdirs = []
        for name in names:
            rel = posixpath.join(rel_dir, name) if rel_dir else name
            if skip_record and rel == RECORD_NAME:
                continue
            try:
                st = os.lstat(os.path.join(root, rel))
            except OSError:
                continue
            yield rel, st
            if stat.S_ISDIR(st.st_mode):
                subdirs.append(rel)
        stack.extend(reversed(subdirs))


def _safe_parent(staging, rel, create=False, owner=None):
    """Make sure every folder of ``rel`` inside ``staging`` is a real folder (never a symlink or a file); create the
    missing ones (0755, ``owner``) when ``create``. Returns False when a folder is missing and not created."""
    parts = rel.split('/')[:-1]
    current = staging
    for index, part in enumerate(parts):
        current = os.path.join(current, part)
        try:
            st = os.lstat(current)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise
            if not create:
                return False
            os.mkdir(current, DIR_MODE)
            os.chmod(current, DIR_MODE)
            if owner:
                os.lchown(current, owner[0], owner[1])
            continue
        if not stat.S_ISDIR(st.st_mode):
            kind = 'symlink' if stat.S_ISLNK(st.st_mode) else ('file' if stat.S_ISREG(st.st_mode) else 'other')
            raise TreeError('unsafe_target', entry=rel, component='/'.join(parts[:index + 1]), kind=kind)
    return True


def _remove_path(path):
    """Remove a file, symlink or folder (its content too, symlinks never followed). True when something went."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return False
        raise
    if stat.S_ISDIR(st.st_mode):
        os.chmod(path, CLOSED_MODE)  # in case a folder of it was read-only
        shutil.rmtree(path)
    else:
        os.unlink(path)
    return True


def stale_paths(app_path, staging, record, limit=None):
    """Paths where the staging tree no longer mirrors the live tree outside what the package writes/deletes: a live
    file whose staging link is missing or another file (new upload, changed file), a link that is gone from live."""
    written = set(record.get('written') or [])
    deleted = record.get('deleted_paths') or []
    stale = []

    def excluded(rel):
        return rel in written or any(_under(rel, d) for d in deleted)

    live_names = set()
    for rel, st in walk_tree(app_path):
        if excluded(rel):
            continue
        live_names.add(rel)
        try:
            sst = os.lstat(os.path.join(staging, rel))
        except OSError:
            stale.append(rel)
            continue
        if stat.S_ISREG(st.st_mode):
            if (sst.st_dev, sst.st_ino) != (st.st_dev, st.st_ino):
                stale.append(rel)
        elif stat.S_ISLNK(st.st_mode):
            if not stat.S_ISLNK(sst.st_mode) or os.readlink(os.path.join(staging, rel)) != \
                    os.readlink(os.path.join(app_path, rel)):
                stale.append(rel)
        elif stat.S_ISDIR(st.st_mode) and not stat.S_ISDIR(sst.st_mode):
            stale.append(rel)
        if limit and len(stale) >= limit:
            return stale
    # a linked file removed from live since (its link would bring it back)
    for rel, sst in walk_tree(staging):
        if rel not in live_names and not excluded(rel) and not stat.S_ISDIR(sst.st_mode):
            stale.append(rel)
            if limit and len(stale) >= limit:
                break
    return stale


def _ino(path):
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return [st.st_dev, st.st_ino]


def _open_tree(path, mode, uid, gid):
    os.lchown(path, uid, gid)
    os.chmod(path, mode)


def _close_tree(path):
    os.lchown(path, 0, 0)
    os.chmod(path, CLOSED_MODE)


def clean_trees(app_path, paths, check_mode=False):
    app_path, parent, _folder = tree_home(app_path)
    targets = []
    for path in paths or []:
        full = os.path.abspath(path)
        if full == app_path or not is_sibling(app_path, full):
            raise TreeError('not_removable', path=path, app_path=app_path, prefix=sibling_prefix(app_path),
                            parent=parent)
        targets.append(full)
    removed = []
    for full in targets:
        if not os.path.lexists(full):
            continue
        if not check_mode:
            try:
                _remove_path(full)
            except OSError as exc:
                raise TreeError('remove_failed', path=full, error=exc.strerror or str(exc),
                                removed=', '.join(removed) or '-', done=removed)
        removed.append(full)
    return dict(changed=bool(removed), removed=removed)
