# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The new application tree, prepared beside the live one (state=prepared, SOP step 5).

The ansistrano way (docs of the collection: conventions.md): ``prepare_tree()`` makes
``<parent>/.<folder>.sipp-<to_version>`` with every file of the live tree as a hard link (directories recreated with
their modes and owners, symbolic links recreated as links), then writes each package file to a temporary name and
renames it over its path (so the link to the live file is replaced, never written through), and removes the
manifest's ``delete`` entries. The court's ``config.php``/``database.php`` and the uploads (``resources/file/``) stay
links to the live files. The package is checked again entry by entry as it is read. Python 3.6, stdlib only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os
import posixpath
import stat
import time
import uuid
import zipfile

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import (
    sha256_file, sha256_stream, temporary_name)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_package import (
    _ARCHIVE_ERRORS, check_entries, check_protected, PackageError)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_files import (
    check_app, check_sibling, CLOSED_MODE, _contains, _fsync_dir, read_record, RECORD_FORMAT, RECORD_NAME,
    _remove_path, _safe_parent, stale_paths, _under, walk_tree, write_record)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_messages import TreeError
from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_selinux
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_names import default_staging, split_app


DEFAULT_KEEP = ('resources/file',)
FILE_MODE = 0o644


def open_package(path, keep=DEFAULT_KEEP):
    """Open ``path`` and check its structure again (names, entry kinds, places, manifest, protected files, uploads,
    app/ entries equal to the manifest's files). Returns (zipfile, manifest, {rel: ZipInfo}, sha256 of the zip).
    Raises PackageError (the catalogue of sipp_package: nothing was changed) or TreeError upload_path."""
    name = posixpath.basename(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise OSError(errno.EINVAL, 'not a regular file')
        digest = sha256_file(path)
    except (IOError, OSError) as exc:
        raise PackageError('package_missing', path=path, name=name, error=exc.strerror or str(exc))
    try:
        archive = zipfile.ZipFile(path, 'r')
    except _ARCHIVE_ERRORS as exc:
        raise PackageError('bad_archive', name=name, error=str(exc) or exc.__class__.__name__)
    try:
        manifest, app_entries, dummy = check_entries(archive, name)
        check_protected(manifest, app_entries, name)
        for folder in keep:
            for rel in sorted(app_entries):
                if _under(rel, folder):
                    raise TreeError('upload_path', name=name, entry=rel, keep=folder, action='write')
            for rel in manifest['delete']:
                if _under(rel, folder) or _contains(rel, folder):
                    raise TreeError('upload_path', name=name, entry=rel, keep=folder, action='delete')
        unlisted = sorted(set(app_entries) - set(manifest['files']))
        if unlisted:
            raise PackageError('unlisted_file', name=name, count=len(unlisted), entries=', '.join(unlisted[:10]),
                               files=['app/' + r for r in unlisted])
        missing = sorted(set(manifest['files']) - set(app_entries))
        if missing:
            raise PackageError('missing_file', name=name, count=len(missing), entries=', '.join(missing[:10]),
                               files=['app/' + r for r in missing])
    except Exception:
        archive.close()
        raise
    return archive, manifest, app_entries, digest


def _stream_entry(archive, info, name, rel, write=None):
    """sha256 and size of an entry, streamed; each chunk also given to ``write``."""
    try:
        with archive.open(info) as handle:
            return sha256_stream(handle, write=write)
    except _ARCHIVE_ERRORS as exc:
        raise TreeError('bad_archive', name=name, entry='app/' + rel, error=str(exc) or exc.__class__.__name__)


def _live_owner(st):
    return (st.st_uid, st.st_gid)


def _reusable(app_path, staging, record, manifest, digest):
    """True when ``record`` describes a complete staging of this package for this live tree, still intact."""
    if not record or not record.get('complete'):
        return False
    if record.get('package_sha256') != digest or record.get('app_path') != app_path:
        return False
    for rel in record.get('written') or []:
        target = os.path.join(staging, rel)
        try:
            if os.path.islink(target) or sha256_file(target) != manifest['files'].get(rel):
                return False
        except (IOError, OSError):
            return False
    for rel in record.get('deleted_paths') or []:
        if os.path.lexists(os.path.join(staging, rel)):
            return False
    return not stale_paths(app_path, staging, record, limit=1)


def _predict(app_path, manifest):
    linked = 0
    deleted = 0
    for rel, st in walk_tree(app_path):
        if not stat.S_ISDIR(st.st_mode):
            linked += 1
    for rel in manifest['delete']:
        if os.path.lexists(os.path.join(app_path, rel)):
            deleted += 1
    return linked, deleted


def prepare_tree(app_path, package, staging=None, keep=DEFAULT_KEEP, check_mode=False, labels=None):
    """Build the new tree beside the live one (see the module docstring). Returns a result dict. ``labels``
    (sipp_selinux.Labels, default the server's): where SELinux is on, every path of the new tree gets the context
    of the same path in the live tree, a new one its folder's (``selinux_relabelled`` counts what was set)."""
    app_path = split_app(app_path)[0]
    live_st = check_app(app_path)
    parent = os.path.dirname(app_path)
    archive, manifest, app_entries, digest = open_package(package, keep)
    name = posixpath.basename(package)
    try:
        staging = check_sibling(app_path, staging or default_staging(app_path, manifest['to_version']), 'staging')
        result = dict(staging=staging, from_version=manifest['from_version'], to_version=manifest['to_version'],
                      package_sha256=digest, record=os.path.join(staging, RECORD_NAME), warnings=[])
        record = None
        if os.path.lexists(staging):
            record = read_record(staging) if os.path.isdir(staging) and not os.path.islink(staging) else None
            if record is None:
                raise TreeError('staging_foreign', staging=staging, record=RECORD_NAME)
            if record.get('app_path') != app_path:
                raise TreeError('staging_other', staging=staging, other=record.get('app_path'), app_path=app_path)
            if _reusable(app_path, staging, record, manifest, digest):
                result.update(changed=False, reused=True, files_written=len(record.get('written') or []),
                              files_deleted=len(record.get('deleted') or []),
                              files_linked=record.get('files_linked', 0),
                              bytes_written=record.get('bytes_written', 0))
                return result
        if check_mode:
            # the package's bytes are checked as they would be written, nothing is written
            total = 0
            for rel in sorted(manifest['files']):
                try:
                    got, size = _stream_entry(archive, app_entries[rel], name, rel)
                except TreeError as exc:
                    exc.key = 'bad_archive_check'
                    raise
                if got != manifest['files'][rel]:
                    raise TreeError('file_checksum', key='file_checksum_check', name=name, entry=rel, actual=got,
                                    expected=manifest['files'][rel], staging=staging, app_path=app_path)
                total += size
            linked, deleted = _predict(app_path, manifest)
            replaced = sum(1 for rel in manifest['files'] if os.path.isfile(os.path.join(app_path, rel)))
            result.update(changed=True, reused=False, files_written=len(manifest['files']), files_deleted=deleted,
                          files_linked=linked - replaced - deleted, bytes_written=total)
            return result
        if record is not None:
            _remove_path(staging)
        result.update(_build(app_path, live_st, staging, archive, manifest, app_entries, digest, name, package,
                             labels if labels is not None else sipp_selinux.Labels()))
        result.update(changed=True, reused=False)
        return result
    finally:
        archive.close()


def _build(app_path, live_st, staging, archive, manifest, app_entries, digest, name, package, labels):
    parent = os.path.dirname(app_path)
    owner = _live_owner(live_st)
    record = dict(format=RECORD_FORMAT, tree_id=uuid.uuid4().hex, app_path=app_path, staging=staging,
                  package=package, package_name=name, package_sha256=digest,
                  from_version=manifest['from_version'], to_version=manifest['to_version'],
                  live_mode='%04o' % stat.S_IMODE(live_st.st_mode), live_uid=live_st.st_uid,
                  live_gid=live_st.st_gid, prepared_at=time.strftime('%Y-%m-%dT%H:%M:%S%z'),
                  complete=False, written=[], deleted=[], deleted_paths=[], files_linked=0, bytes_written=0)
    current = dict(path=staging)
    try:
        os.mkdir(staging, CLOSED_MODE)
        os.chmod(staging, CLOSED_MODE)
        os.lchown(staging, 0, 0)
        write_record(staging, record)
        dir_modes = []
        skipped = []
        linked = 0
        for rel, st in walk_tree(app_path):
            current['path'] = rel
            src = os.path.join(app_path, rel)
            dst = os.path.join(staging, rel)
            mode = st.st_mode
            if stat.S_ISDIR(mode):
                os.mkdir(dst, 0o700)
                os.lchown(dst, st.st_uid, st.st_gid)
                dir_modes.append((dst, stat.S_IMODE(mode), st))
            elif stat.S_ISREG(mode):
                os.link(src, dst)
                linked += 1
            elif stat.S_ISLNK(mode):
                os.symlink(os.readlink(src), dst)
                os.lchown(dst, st.st_uid, st.st_gid)
                linked += 1
            elif stat.S_ISFIFO(mode):
                os.mkfifo(dst, stat.S_IMODE(mode))
                os.lchown(dst, st.st_uid, st.st_gid)
                linked += 1
            else:
                skipped.append(rel)
        written = []
        total = 0
        for rel in sorted(manifest['files']):
            current['path'] = rel
            _safe_parent(staging, rel, create=True, owner=owner)
            target = os.path.join(staging, rel)
            try:
                tst = os.lstat(target)
            except OSError:
                tst = None
            if tst is not None and stat.S_ISDIR(tst.st_mode):
                raise TreeError('unsafe_target', entry=rel, component=rel, kind='other')
            if tst is not None and not stat.S_ISLNK(tst.st_mode) and stat.S_ISREG(tst.st_mode):
                linked -= 1  # the link is replaced by the package's file
            total += _write_entry(archive, app_entries[rel], name, rel, target, manifest['files'][rel], owner,
                                  staging, app_path)
            written.append(rel)
        deleted = []
        deleted_paths = []
        for rel in manifest['delete']:
            current['path'] = rel
            deleted_paths.append(rel)
            if not _safe_parent(staging, rel):
                continue
            target = os.path.join(staging, rel)
            if os.path.lexists(target):
                if not os.path.isdir(target) or os.path.islink(target):
                    linked -= 1
                else:
                    linked -= sum(1 for _r, s in walk_tree(target, False) if not stat.S_ISDIR(s.st_mode))
                _remove_path(target)
                deleted.append(rel)
        for dst, mode, st in reversed(dir_modes):
            os.chmod(dst, mode)
        # the folders are new, and so are the package's files: without the live tree's contexts the web server
        # could no longer write its cache, logs and uploads where SELinux enforces them
        current['path'] = '.'
        relabelled = sipp_selinux.apply(staging, sipp_selinux.record(app_path, labels), labels)
        record.update(complete=True, written=written, deleted=deleted, deleted_paths=deleted_paths,
                      files_linked=linked, bytes_written=total, skipped=skipped, selinux_relabelled=relabelled,
                      completed_at=time.strftime('%Y-%m-%dT%H:%M:%S%z'))
        write_record(staging, record)
        _fsync_dir(staging)
    except TreeError as exc:
        _discard(staging)
        exc.params.setdefault('staging', staging)
        exc.params.setdefault('app_path', app_path)
        raise
    except (IOError, OSError) as exc:
        _discard(staging)
        raise TreeError('write_failed', path=current['path'], error=exc.strerror or str(exc), staging=staging,
                        app_path=app_path, parent=parent)
    out = dict(files_written=len(written), files_deleted=len(deleted), files_linked=linked, bytes_written=total,
               selinux_relabelled=relabelled)
    if skipped:
        out['warnings'] = [('skipped_special', dict(paths=', '.join(skipped[:10])))]
    return out


def _discard(staging):
    try:
        _remove_path(staging)
    except OSError:
        pass


def _write_entry(archive, info, name, rel, target, expected, owner, staging, app_path):
    """Write one package file to a temporary name beside ``target`` (0644, live owner), check its sha256 while
    streaming, then rename it over ``target``: a hard link there is replaced, never written through."""
    tmp = temporary_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), FILE_MODE)
    try:
        with os.fdopen(fd, 'wb') as handle:
            got, size = _stream_entry(archive, info, name, rel, handle.write)
            handle.flush()
            os.fchmod(handle.fileno(), FILE_MODE)
            os.fchown(handle.fileno(), owner[0], owner[1])
            os.fsync(handle.fileno())
        if got != expected:
            raise TreeError('file_checksum', name=name, entry=rel, actual=got, expected=expected, staging=staging,
                            app_path=app_path)
        os.rename(tmp, target)
    except Exception:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return size
