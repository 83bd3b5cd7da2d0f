# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Symbolic links inside a SIPP application folder, and which of them a backup follows.

Courts move the uploaded documents (``resources/file``, many GB) to another disk and leave a symlink in their place;
some do the same with ``application/logs`` or a cache folder. A backup must hold what such a link points to, and a
restore must put back the same layout: the link where it was, and the files where they were.

* a link that points outside the application folder is *followed*: the backup copies what it points to (a folder or
  a file) under its ``links/<path>`` and records the link (``path``, ``target``), so a restore writes the files back
  to the target and keeps the link;
* a link that points inside the application folder is copied as a link and nothing more;
* a link that points nowhere (its disk not mounted, its folder removed) is copied as a link and reported;
* a link whose target is unsafe to follow is *refused* before anything is copied: the root folder or a system
  folder, a folder that holds the application folder itself (the copy would never end), a loop, the backup folder or
  a folder that holds it, anything but a folder or a regular file.

Only the application folder's own links are judged; links inside a followed folder are copied as links, never
followed. Plain functions free of Ansible imports; Python 3.6, stdlib only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os
import stat

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue

# where a backup keeps what the followed links point to, beside its app/ copy
LINKS_FOLDER = 'links'

# never followed: these folders themselves (they hold far more than SIPP's files) ...
UNSAFE_EXACT = ('/', '/home', '/media', '/mnt', '/opt', '/srv', '/tmp', '/usr/local', '/var', '/var/lib', '/var/log',
                '/var/www', '/var/tmp')
# ... and anything in these trees (the system, the database's own files, processes and devices)
UNSAFE_TREES = ('/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/root', '/run',
                '/sbin', '/sys', '/usr', '/var/lib/mysql', '/var/lock', '/var/run')

MESSAGES = Catalogue({
    'id': {
        'r_system': "menunjuk ke {target}, folder sistem",
        'r_holds_app': "menunjuk ke {target}, yang memuat folder aplikasi itu sendiri (salinannya tidak akan selesai)",
        'r_loop': "berputar (tautan menunjuk ke dirinya sendiri lewat tautan lain)",
        'r_backup_dir': "menunjuk ke {target}, yang memuat atau dimuat folder cadangan {backup_dir}",
        'r_special': "menunjuk ke {target}, yang bukan folder atau berkas biasa",
        'r_unreadable': "tidak dapat dibaca: {error}",
        'refused': (
            "Folder aplikasi {app_path} memuat tautan simbolik yang tidak aman untuk diikuti: {links}. Tidak ada "
            "yang disalin atau diubah. Arahkan tautan itu ke folder datanya sendiri (mis. resources/file -> "
            "/data/sipp/file), atau hapus tautan yang tidak dipakai, lalu jalankan lagi."),
        'dangling': (
            "Tautan {path} di folder aplikasi menunjuk ke {target}, yang tidak ada (disknya belum terpasang?). "
            "Tautannya dicadangkan apa adanya, isinya tidak ada untuk dicadangkan."),
        'link_item': "{path} -> {target} ({reason})",
    },
    'en': {
        'r_system': "points to {target}, a system folder",
        'r_holds_app': "points to {target}, which holds the application folder itself (its copy would never end)",
        'r_loop': "is a loop (it points back to itself through another link)",
        'r_backup_dir': "points to {target}, which holds or lies in the backup folder {backup_dir}",
        'r_special': "points to {target}, which is neither a folder nor a regular file",
        'r_unreadable': "cannot be read: {error}",
        'refused': (
            "The application folder {app_path} holds symbolic links that are not safe to follow: {links}. Nothing "
            "was copied or changed. Point each link at its own data folder (e.g. resources/file -> /data/sipp/file), "
            "or remove links that are not used, then run again."),
        'dangling': (
            "The link {path} in the application folder points to {target}, which does not exist (its disk not "
            "mounted?). The link is backed up as it is; there is no content to back up."),
        'link_item': "{path} -> {target} ({reason})",
    },
})


def _within(path, top):
    """``path`` is ``top`` or lies inside it (both absolute, normalised)."""
    if top == '/':
        return True
    return path == top or path.startswith(top.rstrip('/') + '/')


def unsafe_reason(target, app_path, backup_dir=None):
    """Why ``target`` (a link's resolved, absolute path) must not be followed from ``app_path``; None when safe."""
    if target in UNSAFE_EXACT or any(_within(target, top) for top in UNSAFE_TREES):
        return 'r_system', {}
    if _within(app_path, target):
        return 'r_holds_app', {}
    if backup_dir:
        backup_dir = os.path.realpath(backup_dir)
        if _within(target, backup_dir) or _within(backup_dir, target):
            return 'r_backup_dir', dict(backup_dir=backup_dir)
    return None


def _judge(app_path, rel, backup_dir):
    """One link of the application folder, as find_links returns it."""
    path = os.path.join(app_path, rel)
    link = os.readlink(path)
    entry = dict(path=rel, link=link, target=None, type=None, follow=False, refused=None, size_bytes=None)
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            entry.update(type='loop', refused=('r_loop', {}))
        elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
            entry.update(type='missing', target=os.path.normpath(os.path.join(os.path.dirname(path), link)))
        else:
            entry.update(type='unreadable', refused=('r_unreadable', dict(error=exc.strerror or str(exc))))
        return entry
    target = os.path.realpath(path)
    entry['target'] = target
    if _within(target, app_path):
        entry['type'] = 'inside'
        return entry
    if stat.S_ISDIR(st.st_mode):
        entry['type'] = 'dir'
    elif stat.S_ISREG(st.st_mode):
        entry.update(type='file', size_bytes=st.st_size)
    else:
        entry.update(type='special', refused=('r_special', {}))
        return entry
    reason = unsafe_reason(target, app_path, backup_dir)
    if reason:
        entry['refused'] = reason
    else:
        entry['follow'] = True
    return entry


def release_of(app_path):
    """The release layout (as ansistrano keeps releases, and many courts do): the application folder itself is a
    symbolic link to a release folder (``/var/www/html/SIPP -> /srv/sipp-rilis/SIPP-5.1.0``). Returns dict(link=
    <app_path>, target=<the link's own text>, release=<the real folder>, uid, gid) or None for a plain folder (or a
    link that does not lead to a folder)."""
    app_path = os.path.abspath(app_path).rstrip('/') or '/'
    try:
        st = os.lstat(app_path)
        if not stat.S_ISLNK(st.st_mode):
            return None
        target = os.readlink(app_path)
        release = os.path.realpath(app_path)
        if not os.path.isdir(release) or release == app_path:
            return None
    except OSError:
        return None
    return dict(link=app_path, target=target, release=release, uid=st.st_uid, gid=st.st_gid)


def find_links(app_path, backup_dir=None):
    """Every symbolic link under ``app_path`` (links not followed), judged: a list of dicts sorted by path with
    ``path`` (relative), ``link`` (as written), ``target`` (resolved; None for a loop), ``type`` (dir, file,
    inside, missing, loop, special, unreadable), ``follow`` (the backup copies what it points to),
    ``refused`` ((key, params) or None) and ``size_bytes`` (of a followed file)."""
    app_path = os.path.realpath(app_path)
    found = []
    stack = ['']
    while stack:
        rel_dir = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(app_path, rel_dir) if rel_dir else app_path))
        except OSError:
            continue
        for item in entries:
            rel = rel_dir + '/' + item.name if rel_dir else item.name
            try:
                if item.is_symlink():
                    found.append(_judge(app_path, rel, backup_dir))
                elif item.is_dir(follow_symlinks=False):
                    stack.append(rel)
            except OSError:
                continue
    return sorted(found, key=lambda e: e['path'])


def render(language, links):
    """The links as a module returns them: ``refused`` replaced by its text (None when not refused), ``message``
    for a link that points nowhere."""
    out = []
    for entry in links:
        entry = dict(entry)
        if entry['refused']:
            key, params = entry['refused']
            entry['refused'] = MESSAGES.text(language, key, target=entry['target'], **params)
        entry['message'] = (MESSAGES.text(language, 'dangling', path=entry['path'], target=entry['target'])
                            if entry['type'] == 'missing' else None)
        out.append(entry)
    return out


def refused_text(language, app_path, links):
    """One message for every refused link (rendered as by ``render``); empty when none is refused."""
    refused = [e for e in links if e['refused']]
    if not refused:
        return ''
    items = '; '.join(MESSAGES.text(language, 'link_item', path=e['path'], target=e['target'] or e['link'],
                                    reason=e['refused']) for e in refused)
    return MESSAGES.text(language, 'refused', app_path=app_path, links=items)
