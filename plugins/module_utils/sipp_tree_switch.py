# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The application tree switched in and back (state=switched, SOP step 5; state=restored, SOP step 8).

``switch_tree()``: one ``renameat2(RENAME_EXCHANGE)`` swaps staging and live, then the old tree is renamed to
``<parent>/.<folder>.sipp-previous-<from_version>``; where the kernel lacks the call (CentOS 7's 3.10), two renames
(live -> previous, staging -> live). In the release layout (the application folder a link to a release folder) the
link is switched instead. ``restore_tree()``: the same exchange with the previous tree; the failed tree is kept aside
(``.<folder>.sipp-failed-<timestamp>``) or removed. The live tree gets its own mode and owner back at the switch.
Python 3.6, stdlib only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ctypes
import errno
import json
import os
import stat
import time

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import write_json
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_links import release_of
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_files import (
    check_app, check_previous, check_sibling, _close_tree, DIR_MODE, _fsync_dir, _ino, _open_tree, read_record,
    RECORD_NAME, _remove_path, stale_paths, write_record)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_messages import TreeError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_names import (
    default_previous, failed_name, release_path, sibling_prefix, split_app, tree_home)


RESTORE_JOURNAL = 'restored.json'   # <parent>/.<folder>.sipp-restored.json

AT_FDCWD = -100
RENAME_EXCHANGE = 2
_SYSCALL_RENAMEAT2 = {'x86_64': 316, 'aarch64': 276}


def switch_link(link, dest, like, owner=None, text=None):
    """Point the symbolic link ``link`` at ``dest`` atomically (a new link beside it renamed over it), written the
    way ``like`` (the link's old text) was: absolute or relative to the link's folder; or written exactly as
    ``text`` (the text it had before, when it leads to ``dest``)."""
    folder = os.path.dirname(link)
    if text is None or os.path.realpath(os.path.join(folder, text)) != os.path.realpath(dest):
        text = dest if os.path.isabs(like) else os.path.relpath(dest, folder)
    tmp = os.path.join(folder, '%slink-%d' % (sibling_prefix(link), os.getpid()))
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(text, tmp)
    if owner:
        os.lchown(tmp, owner[0], owner[1])
    os.rename(tmp, link)
    _fsync_dir(folder)


def _renameat2():
    """A callable ``(old, new, flags) -> (ok, errno)``: libc renameat2 if present, else the raw syscall on x86_64 and
    aarch64; None where neither exists."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols: libc is always among them
    except OSError:
        return None
    func = getattr(libc, 'renameat2', None)
    if func is not None:
        func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        func.restype = ctypes.c_int

        def call(old, new, flags):
            ctypes.set_errno(0)
            ret = func(AT_FDCWD, old, AT_FDCWD, new, flags)
            return ret == 0, ctypes.get_errno()
        return call
    number = _SYSCALL_RENAMEAT2.get(os.uname()[4])
    syscall = getattr(libc, 'syscall', None)
    if number is None or syscall is None:
        return None
    syscall.restype = ctypes.c_long

    def call_raw(old, new, flags):
        ctypes.set_errno(0)
        ret = syscall(ctypes.c_long(number), ctypes.c_long(AT_FDCWD), ctypes.c_char_p(old),
                      ctypes.c_long(AT_FDCWD), ctypes.c_char_p(new), ctypes.c_ulong(flags))
        return ret == 0, ctypes.get_errno()
    return call_raw


def exchange(a, b):
    """Atomically swap the paths ``a`` and ``b``. Returns None on success; raises OSError on a real failure;
    returns the reason text when the kernel or file system cannot exchange (the caller falls back to renames)."""
    call = _renameat2()
    if call is None:
        return 'renameat2 not available'
    ok, err = call(a.encode('utf-8') if not isinstance(a, bytes) else a,
                   b.encode('utf-8') if not isinstance(b, bytes) else b, RENAME_EXCHANGE)
    if ok:
        return None
    if err in (errno.ENOSYS, errno.EINVAL, getattr(errno, 'EOPNOTSUPP', errno.ENOSYS)):
        return os.strerror(err)
    raise OSError(err, os.strerror(err))


def switch_tree(app_path, staging, previous=None, method='auto', check_mode=False):
    app_path = split_app(app_path)[0]
    staging = check_sibling(app_path, staging, 'staging')
    if previous:
        previous = check_sibling(app_path, previous, 'previous')
    live_exists = os.path.lexists(app_path)
    live_record = read_record(app_path) if live_exists else None
    staging_record = read_record(staging) if os.path.isdir(staging) and not os.path.islink(staging) else None
    result = dict(staging=staging, warnings=[])

    # already switched (or switched halfway by an earlier run)
    if live_record and live_record.get('staging') == staging and live_record.get('switch') \
            and (staging_record is None or staging_record.get('tree_id') != live_record.get('tree_id')):
        sw = live_record['switch']
        prev = sw['previous']
        result.update(method=sw.get('method'), previous=prev, from_version=live_record.get('from_version'),
                      to_version=live_record.get('to_version'))
        if os.path.lexists(staging) and _ino(staging) == sw.get('old_ino'):
            # the exchange happened, the rename of the old tree did not
            if not check_mode:
                _finish_old(staging, prev, result, app_path)
            result['changed'] = True
            return result
        result['changed'] = False
        return result
    if not live_exists and staging_record and staging_record.get('switch'):
        # two-rename switch stopped between its renames
        sw = staging_record['switch']
        if _ino(sw['previous']) == sw.get('old_ino'):
            result.update(method='rename', previous=sw['previous'], changed=True,
                          from_version=staging_record.get('from_version'),
                          to_version=staging_record.get('to_version'))
            if not check_mode:
                _open_tree(staging, int(staging_record['live_mode'], 8), staging_record['live_uid'],
                           staging_record['live_gid'])
                os.rename(staging, app_path)
                _close_tree(sw['previous'])
                _fsync_dir(os.path.dirname(app_path))
            return result

    release = release_of(app_path)
    if release and staging_record is None and not os.path.lexists(staging):
        done = _renamed_release(app_path, release, staging)
        if done is not None:
            # the staging folder became its release folder, the link did not follow yet
            sw = done['switch']
            result.update(method='link', previous=sw['previous'], release=sw['release'], changed=True,
                          from_version=done.get('from_version'), to_version=done.get('to_version'))
            if not check_mode:
                switch_link(app_path, sw['release'], release['target'], (release['uid'], release['gid']))
            return result

    live_st = check_app(app_path)
    if staging_record is None:
        if os.path.lexists(staging):
            raise TreeError('staging_foreign', staging=staging, record=RECORD_NAME)
        raise TreeError('staging_missing', staging=staging, app_path=app_path)
    if staging_record.get('app_path') != app_path:
        raise TreeError('staging_other', staging=staging, other=staging_record.get('app_path'), app_path=app_path)
    if not staging_record.get('complete'):
        raise TreeError('staging_incomplete', staging=staging)
    stale = stale_paths(app_path, staging, staging_record, limit=50)
    if stale:
        raise TreeError('staging_stale', staging=staging, app_path=app_path, count=len(stale),
                        paths=', '.join(stale[:5]), files=stale)
    if release:
        return _switch_release(app_path, release, staging, staging_record, previous, result, check_mode)
    previous = previous or default_previous(app_path, staging_record['from_version'])
    if os.path.lexists(previous):
        raise TreeError('previous_exists', previous=previous)
    result.update(previous=previous, from_version=staging_record['from_version'],
                  to_version=staging_record['to_version'], changed=True)
    if check_mode:
        result['method'] = 'rename' if method == 'rename' or _renameat2() is None else 'exchange'
        return result

    old_ino = _ino(app_path)
    staging_record['switch'] = dict(previous=previous, old_ino=old_ino, old_mode='%04o' % stat.S_IMODE(live_st.st_mode),
                                    old_uid=live_st.st_uid, old_gid=live_st.st_gid,
                                    at=time.strftime('%Y-%m-%dT%H:%M:%S%z'), method=None)
    step = 'prepare'
    try:
        write_record(staging, staging_record)
        _open_tree(staging, int(staging_record['live_mode'], 8), staging_record['live_uid'],
                   staging_record['live_gid'])
        reason = 'rename forced by the method option' if method == 'rename' else None
        if reason is None:
            step = 'exchange'
            staging_record['switch']['method'] = 'exchange'
            write_record(staging, staging_record)
            reason = exchange(staging, app_path)
        if reason is None:
            result['method'] = 'exchange'
            step = 'rename old tree'
            _finish_old(staging, previous, result, app_path)
        else:
            if method != 'rename':
                result['warnings'].append(('method_fallback', dict(error=reason, app_path=app_path)))
            staging_record['switch']['method'] = 'rename'
            write_record(staging, staging_record)
            result['method'] = 'rename'
            step = 'rename live -> previous'
            os.rename(app_path, previous)
            step = 'rename staging -> live'
            os.rename(staging, app_path)
            _close_tree(previous)
            _fsync_dir(os.path.dirname(app_path))
    except (IOError, OSError) as exc:
        raise TreeError('switch_failed', staging=staging, step=step, error=exc.strerror or str(exc),
                        state=_describe(app_path, staging, previous, old_ino), app_path=app_path,
                        previous=previous)
    return result


def _renamed_release(app_path, release, staging):
    """The record of a release folder this module renamed from ``staging`` that the link does not point to yet."""
    parent = os.path.dirname(release['release'])
    try:
        names = os.listdir(parent)
    except OSError:
        return None
    for name in names:
        path = os.path.join(parent, name)
        if path == release['release'] or os.path.islink(path) or not os.path.isdir(path):
            continue
        record = read_record(path)
        sw = (record or {}).get('switch') or {}
        if record and record.get('app_path') == app_path and record.get('staging') == staging \
                and sw.get('method') == 'link' and sw.get('release') == path:
            return record
    return None


def _switch_release(app_path, release, staging, staging_record, previous, result, check_mode):
    """The release layout's switch: the staging folder becomes the new release folder beside the old one, then the
    link is pointed at it atomically. The old release stays where it is, as it was (it is the previous tree)."""
    old = release['release']
    if previous and os.path.abspath(previous) != old:
        raise TreeError('invalid_option', key='previous_release', previous=previous, app_path=app_path, release=old)
    new = release_path(old, staging_record['from_version'], staging_record['to_version'])
    result.update(previous=old, release=new, from_version=staging_record['from_version'],
                  to_version=staging_record['to_version'], changed=True, method='link')
    leftover = None
    if os.path.lexists(new):
        record = read_record(new) if os.path.isdir(new) and not os.path.islink(new) else None
        if record is None or record.get('app_path') != app_path:
            raise TreeError('release_exists', release=new, app_path=app_path)
        leftover = failed_name(app_path)   # a release of an earlier run that never stayed live: set aside, closed
    if check_mode:
        return result
    staging_record['switch'] = dict(previous=old, old_ino=_ino(old), old_target=release['target'], release=new,
                                    method='link', at=time.strftime('%Y-%m-%dT%H:%M:%S%z'))
    step = 'prepare'
    try:
        if leftover:
            step = 'set aside ' + new
            _park_failed(new, leftover, False)
            result['warnings'].append(('release_set_aside', dict(release=new, where=leftover)))
        write_record(staging, staging_record)
        _open_tree(staging, int(staging_record['live_mode'], 8), staging_record['live_uid'],
                   staging_record['live_gid'])
        step = 'rename staging -> release'
        os.rename(staging, new)
        _fsync_dir(os.path.dirname(new))
        step = 'switch link'
        switch_link(app_path, new, release['target'], (release['uid'], release['gid']))
    except (IOError, OSError) as exc:
        if os.path.realpath(app_path) == new:
            state = ('state_link', dict(app_path=app_path, release=new))
        elif os.path.isdir(new) and not os.path.lexists(staging):
            state = ('state_release_ready', dict(app_path=app_path, release=new, old=old))
        else:
            state = ('state_untouched', {})
        raise TreeError('switch_failed', staging=staging, step=step, error=exc.strerror or str(exc), state=state,
                        app_path=app_path, previous=old)
    return result


def _finish_old(old_path, previous, result, app_path):
    os.rename(old_path, previous)
    _close_tree(previous)
    _fsync_dir(os.path.dirname(app_path))


def _describe(app_path, staging, previous, old_ino):
    if not os.path.lexists(app_path):
        return ('state_renamed_half', dict(app_path=app_path, where=previous, staging=staging))
    if _ino(app_path) == old_ino:
        return ('state_untouched', {})
    where = staging if _ino(staging) == old_ino else previous
    return ('state_exchanged', dict(app_path=app_path, came_from=staging, where=where))


def _journal_path(app_path):
    return os.path.join(tree_home(app_path)[1], sibling_prefix(app_path) + RESTORE_JOURNAL)


def _read_journal(app_path):
    try:
        with open(_journal_path(app_path), 'rb') as handle:
            data = json.loads(handle.read(1024 * 1024).decode('utf-8'))
    except (IOError, OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def restore_tree(app_path, previous, remove_failed=False, method='auto', check_mode=False):
    """Swap ``previous`` back in; the failed tree goes to ``.<folder>.sipp-failed-<timestamp>`` (or is removed).

    A journal beside the folder (``.<folder>.sipp-restored.json``, root 0600) is written before the swap, so a rerun
    after success changes nothing and a run stopped halfway is completed, never swapped back."""
    app_path = split_app(app_path)[0]
    previous = check_previous(app_path, previous)
    result = dict(previous=previous, warnings=[])
    release = release_of(app_path)
    if release:
        return _restore_release(app_path, release, previous, remove_failed, result, check_mode)
    journal = _read_journal(app_path)
    ours = journal if journal and journal.get('previous') == previous else None
    live_exists = os.path.lexists(app_path)

    # the swap already happened (this run's journal): finish or report
    if ours and live_exists and _ino(app_path) == ours.get('prev_ino'):
        failed = ours.get('failed')
        result.update(method=ours.get('method'), failed_tree=None if ours.get('remove_failed') else failed)
        if not os.path.lexists(previous):
            result['changed'] = False
            return result
        result['changed'] = True
        if not check_mode:
            try:
                _park_failed(previous, failed, ours.get('remove_failed'))
            except (IOError, OSError) as exc:
                raise TreeError('restore_failed', previous=previous, app_path=app_path, step='rename failed tree',
                                error=exc.strerror or str(exc), state=('state_untouched', {}))
        return result

    try:
        prev_st = os.lstat(previous)
    except OSError:
        prev_st = None
    if prev_st is None or not stat.S_ISDIR(prev_st.st_mode):
        raise TreeError('previous_missing', previous=previous)
    live_record = read_record(app_path) if live_exists else None
    sw = (live_record or {}).get('switch') or {}
    if live_exists:
        live_st = check_app(app_path)
        if sw.get('previous') == previous:
            mode, uid, gid = int(sw['old_mode'], 8), sw['old_uid'], sw['old_gid']
        else:
            mode, uid, gid = stat.S_IMODE(live_st.st_mode), live_st.st_uid, live_st.st_gid
    elif ours:
        mode, uid, gid = int(ours['mode'], 8), ours['uid'], ours['gid']
    else:
        mode, uid, gid = DIR_MODE, 0, 0
    failed = (ours or {}).get('failed') if not live_exists and ours else failed_name(app_path)
    can_exchange = live_exists and method != 'rename' and _renameat2() is not None
    result.update(changed=True, failed_tree=None if remove_failed else failed,
                  method='exchange' if can_exchange else 'rename')
    if check_mode:
        return result
    prev_ino = _ino(previous)
    step = 'journal'
    try:
        write_json(_journal_path(app_path), dict(previous=previous, prev_ino=prev_ino, failed=failed,
                                                 remove_failed=bool(remove_failed), mode='%04o' % mode, uid=uid,
                                                 gid=gid, method=result['method'],
                                                 at=time.strftime('%Y-%m-%dT%H:%M:%S%z')))
        step = 'open previous'
        _open_tree(previous, mode, uid, gid)
        if not live_exists:
            step = 'rename previous -> live'
            os.rename(previous, app_path)
            result['method'] = 'rename'
            if failed and os.path.lexists(failed):
                _park_failed(failed, failed, remove_failed)
        else:
            reason = 'rename forced by the method option' if method == 'rename' else None
            if reason is None:
                step = 'exchange'
                reason = exchange(previous, app_path)
            if reason is None:
                result['method'] = 'exchange'
                step = 'rename failed tree'
                _park_failed(previous, failed, remove_failed)
            else:
                if method != 'rename':
                    result['warnings'].append(('method_fallback', dict(error=reason, app_path=app_path)))
                result['method'] = 'rename'
                step = 'rename live -> failed'
                os.rename(app_path, failed)
                step = 'rename previous -> live'
                os.rename(previous, app_path)
                step = 'close failed tree'
                _park_failed(failed, failed, remove_failed)
        _fsync_dir(os.path.dirname(app_path))
    except (IOError, OSError) as exc:
        raise TreeError('restore_failed', previous=previous, app_path=app_path, step=step,
                        error=exc.strerror or str(exc), state=_describe_restore(app_path, previous, failed, prev_ino))
    return result


def _restore_release(app_path, release, previous, remove_failed, result, check_mode):
    """The release layout's way back: the link is pointed at ``previous`` again atomically, then the releases this
    module made since (each one's record names the release before it) are set aside: the one that was live as
    ``.<folder>.sipp-failed-<time>`` (closed, or removed with ``remove_failed``), those in between removed."""
    journal = _read_journal(app_path)
    ours = journal if journal and journal.get('previous') == previous else None
    if release['release'] == os.path.realpath(previous):
        result.update(changed=False, method='link', failed_tree=(ours or {}).get('failed'))
        return result
    if not os.path.isdir(previous) or os.path.islink(previous):
        raise TreeError('previous_missing', previous=previous)
    chain = []
    current, seen = release['release'], set()
    while current and current != previous and current not in seen:
        seen.add(current)
        record = read_record(current) if os.path.isdir(current) else None
        if not record or record.get('app_path') != app_path:
            break
        chain.append(current)
        current = (record.get('switch') or {}).get('previous')
    # the link's text before the first of those releases, when it led to previous: written back as it was
    first = read_record(chain[-1]) if chain else None
    sw = (first or {}).get('switch') or {}
    text = sw.get('old_target') if sw.get('previous') == previous else None
    failed = failed_name(app_path) if chain else None
    result.update(changed=True, method='link', failed_tree=None if remove_failed else failed, removed=chain[1:])
    if check_mode:
        return result
    step = 'journal'
    try:
        write_json(_journal_path(app_path), dict(previous=previous, failed=failed, remove_failed=bool(remove_failed),
                                                 method='link', release=release['release'],
                                                 at=time.strftime('%Y-%m-%dT%H:%M:%S%z')))
        step = 'switch link'
        switch_link(app_path, previous, release['target'], (release['uid'], release['gid']), text=text)
        for index, path in enumerate(chain):
            step = 'set aside ' + path
            if index == 0:
                _park_failed(path, failed, remove_failed)
            else:
                _remove_path(path)
        _fsync_dir(os.path.dirname(previous))
    except (IOError, OSError) as exc:
        state = (('state_link', dict(app_path=app_path, release=previous))
                 if os.path.realpath(app_path) == os.path.realpath(previous) else ('state_untouched', {}))
        raise TreeError('restore_failed', previous=previous, app_path=app_path, step=step,
                        error=exc.strerror or str(exc), state=state)
    return result


def _park_failed(path, failed, remove_failed):
    """Close the failed tree (root, 0700) at ``failed``, or remove it."""
    if path != failed:
        os.rename(path, failed)
    if remove_failed:
        _remove_path(failed)
    else:
        _close_tree(failed)


def _describe_restore(app_path, previous, failed, prev_ino):
    if not os.path.lexists(app_path):
        return ('state_renamed_half', dict(app_path=app_path, where=failed, staging=previous))
    if _ino(app_path) == prev_ino:
        where = previous if os.path.lexists(previous) else failed
        return ('state_exchanged', dict(app_path=app_path, came_from=previous, where=where))
    return ('state_untouched', {})
