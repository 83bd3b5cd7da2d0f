# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether the web server can write where SIPP writes (its cache, logs and uploads): by the folder's owner, group and
mode for the web server's user, and, where SELinux is on, by the folder's context (sipp_selinux.Labels).

Plain Python free of Ansible imports and of syntax newer than 3.6 (module code runs on CentOS 7's Python)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import grp
import os
import pwd
import stat

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_selinux

# the folders SIPP writes to, relative to the application folder
WRITE_FOLDERS = ('application/cache', 'application/logs', 'resources/file')
# the SELinux types httpd may write to
WRITABLE_TYPES = ('httpd_sys_rw_content_t', 'httpd_sys_script_rw_t', 'httpd_cache_t', 'httpd_tmp_t')
# the programs that serve SIPP: Apache (CentOS: httpd, Debian: apache2), nginx with php-fpm, lighttpd, and PHP's
# built-in server (php -S)
SERVERS = ('httpd', 'apache2', 'nginx', 'php-fpm', 'lighttpd', 'php')


def _read(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except (IOError, OSError):
        return b''


def web_user(proc='/proc'):
    """The user the web server's workers run as: of the running processes of SERVERS, a user other than root when
    one runs as such (Apache's and nginx's workers; their master runs as root), else root; None when none runs."""
    users = []
    try:
        pids = [p for p in os.listdir(proc) if p.isdigit()]
    except OSError:
        return None
    for pid in pids:
        cmdline = _read(os.path.join(proc, pid, 'cmdline')).split(b'\0')
        name = os.path.basename(cmdline[0].decode('utf-8', 'replace')) if cmdline and cmdline[0] else ''
        name = name.split(':')[0].strip()
        program = next((s for s in SERVERS if name == s or name.startswith(s + '-') or
                        (s == 'php-fpm' and name.startswith('php-fpm'))), None)
        if program is None or (program == 'php' and b'-S' not in cmdline):
            continue
        try:
            uid = os.stat(os.path.join(proc, pid)).st_uid
        except OSError:
            continue
        users.append(uid)
    if not users:
        return None
    uid = next((u for u in users if u != 0), 0)
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _groups(user):
    entry = pwd.getpwnam(user)
    ids = set([entry.pw_gid])
    ids.update(g.gr_gid for g in grp.getgrall() if user in g.gr_mem)
    return entry.pw_uid, ids


def check(app_path, user, folders=WRITE_FOLDERS, labels=None):
    """[{folder, writable, why}] for each of ``folders`` that exists under ``app_path`` (followed, as the web server
    follows a linked uploads folder): ``why`` ``mode`` (neither owner, group nor others give ``user`` write and
    enter), ``selinux`` (its context's type is not one httpd may write to) or ''."""
    labels = labels if labels is not None else sipp_selinux.Labels()
    uid, gids = _groups(user)
    out = []
    for rel in folders:
        path = os.path.join(app_path, rel)
        try:
            st = os.stat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            continue
        mode = stat.S_IMODE(st.st_mode)
        if uid == 0:
            by_mode = True
        elif st.st_uid == uid:
            by_mode = mode & 0o300 == 0o300
        elif st.st_gid in gids:
            by_mode = mode & 0o030 == 0o030
        else:
            by_mode = mode & 0o003 == 0o003
        context = labels.get(path, follow=True) if labels.enabled else None
        kind = context.split(':')[2] if context and context.count(':') >= 2 else None
        by_label = not labels.enabled or kind in WRITABLE_TYPES
        why = 'mode' if not by_mode else ('selinux' if not by_label else '')
        out.append(dict(folder=rel, writable=not why, why=why, owner=st.st_uid, group=st.st_gid,
                        mode='%04o' % mode, context=context))
    return out


def argument_spec():
    """The options of a module that checks it (doc fragment sipp_writable)."""
    return dict(writable=dict(type='bool', default=False), web_user=dict(type='str', default=''),
                write_folders=dict(type='list', elements='str', default=list(WRITE_FOLDERS)))


def report(app_path, params, labels=None):
    """The module's answer (RV ``writable``): None unless asked (``params['writable']``)."""
    if not params.get('writable'):
        return None
    labels = labels if labels is not None else sipp_selinux.Labels()
    user = params.get('web_user') or web_user()
    return dict(user=user, checked=bool(user), selinux=labels.enabled,
                folders=check(app_path, user, params.get('write_folders') or WRITE_FOLDERS, labels) if user else [])
