# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIPP application tree: prepare the new tree beside the live one, switch it in atomically, switch back.

The ansistrano way (docs of the collection: conventions.md), for SOP steps 5 and 8:

* ``prepare_tree()``: ``<parent>/.<folder>.sipp-<to_version>`` gets every file of the live tree as a hard link
  (directories recreated with their modes and owners, symbolic links recreated as links), then each package file is
  written to a temporary name and renamed over its path (so the link to the live file is replaced, never written
  through), and the manifest's ``delete`` entries are removed. The court's ``config.php``/``database.php`` and the
  uploads (``resources/file/``) stay links to the live files. ``<staging>/.sipp-tree.json`` records what was done.
* ``switch_tree()``: one ``renameat2(RENAME_EXCHANGE)`` swaps staging and live, then the old tree is renamed to
  ``<parent>/.<folder>.sipp-previous-<from_version>``; where the kernel lacks the call (CentOS 7's 3.10), two
  renames (live -> previous, staging -> live).
* ``restore_tree()``: the same exchange with the previous tree; the failed tree is kept aside
  (``.<folder>.sipp-failed-<timestamp>``) or removed.
* ``clean_trees()``: removes trees beside the live folder whose names match ``.<folder>.sipp-``, nothing else.

Trees that are not live are closed (root, mode 0700) so the web server never serves them; the live tree gets its
own mode and owner back at the switch.

Plain functions free of Ansible imports; failures raise :class:`TreeError` (``problem``, ``key``, ``params``), or
``PackageError`` of ``sipp_package`` for a package refused before anything changed. Python 3.6, stdlib only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ctypes
import errno
import json
import os
import posixpath
import shutil
import stat
import time
import uuid
import zipfile

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, SippError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import (
    sha256_file, sha256_stream, temporary_name, write_json)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_links import release_of
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_names import (  # noqa: F401 (re-exported)
    default_previous, default_staging, failed_name, release_path, sibling_prefix, split_app, tree_home)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_package import (
    APP_PREFIX, MANIFEST_NAME, SQL_PREFIX, PackageError, entry_kind_problem, entry_mode, entry_problem,
    is_protected, protects, relative_path_problem, validate_manifest,
    _ARCHIVE_ERRORS, _read_manifest)

RECORD_NAME = '.sipp-tree.json'
RECORD_FORMAT = 1
RESTORE_JOURNAL = 'restored.json'   # <parent>/.<folder>.sipp-restored.json
DEFAULT_KEEP = ('resources/file',)
FILE_MODE = 0o644
DIR_MODE = 0o755
CLOSED_MODE = 0o700

AT_FDCWD = -100
RENAME_EXCHANGE = 2
_SYSCALL_RENAMEAT2 = {'x86_64': 316, 'aarch64': 276}

PROBLEMS = (
    'invalid_option', 'app_missing', 'cross_device', 'upload_path', 'staging_foreign', 'unsafe_target',
    'file_checksum', 'bad_archive', 'write_failed', 'staging_missing', 'staging_incomplete', 'staging_stale',
    'staging_other', 'previous_exists', 'switch_failed', 'previous_missing', 'restore_failed', 'not_removable',
    'remove_failed', 'release_exists',
)

_STAGING_GONE_ID = ("Folder persiapan {staging} sudah dihapus; folder aplikasi {app_path} yang berjalan tidak "
                    "disentuh.")
_STAGING_GONE_EN = "The staging folder {staging} was removed; the live application folder {app_path} was not touched."

TERMS = {
    'id': {'action': {'write': 'menulis', 'delete': 'menghapus'},
           'kind': {'symlink': 'tautan simbolik', 'file': 'berkas', 'other': 'berkas khusus'}},
    'en': {'action': {'write': 'write', 'delete': 'delete'},
           'kind': {'symlink': 'a symbolic link', 'file': 'a file', 'other': 'a special file'}},
}

MESSAGES = Catalogue({
    'id': {
        'option_required': (
            "Opsi {option} wajib untuk state={state}. Tidak ada yang diubah. Lengkapi opsi itu."),
        'not_sibling': (
            "{option} {path} harus folder di samping {app_path} yang namanya diawali '{prefix}'. Tidak ada yang "
            "diubah. Gunakan nilai bawaan opsi itu atau nama dengan awalan tersebut di folder {parent}."),
        'app_missing': (
            "Folder aplikasi {app_path} tidak ada, bukan folder, atau berupa tautan simbolik ({error}). Tidak ada "
            "yang diubah. Tunjuk folder aplikasi SIPP yang sebenarnya dengan opsi app_path (mis. seperti yang "
            "dilaporkan sipp_info)."),
        'cross_device': (
            "Folder aplikasi {app_path} berada di sistem berkas lain dari folder induknya {parent} (titik kait), "
            "sehingga tidak dapat ditautkan keras atau ditukar dengan rename. Tidak ada yang diubah. Upgrade folder "
            "ini dengan cara manual atau pindahkan titik kaitnya ke folder induk."),
        'upload_path': (
            "Paket {name} akan {action} {entry} di {keep}, tempat berkas unggahan pengadilan (dokumen perkara). "
            "Tidak ada yang diubah. Paket upgrade tidak boleh menyentuh unggahan: laporkan ke SATGAS SIPP."),
        'staging_foreign': (
            "Folder {staging} sudah ada tetapi bukan folder persiapan modul ini (tidak ada {record} yang sah). "
            "Tidak ada yang diubah dan folder itu tidak dihapus. Periksa isinya; bila tidak diperlukan, hapus dengan "
            "state=cleaned, atau pilih nama lain dengan opsi staging."),
        'unsafe_target': (
            "Di folder persiapan, {entry} tidak dapat ditulis atau dihapus dengan aman: {component} adalah {kind}, "
            "bukan folder biasa, sehingga penulisan bisa keluar dari folder aplikasi. " + _STAGING_GONE_ID + " "
            "Periksa {component} di folder aplikasi yang berjalan (tautan simbolik di sana menyalahi struktur "
            "SIPP) dan laporkan ke SATGAS SIPP bila itu memang bawaan SIPP."),
        'file_checksum': (
            "Paket {name}: sha256 berkas {entry} saat ditulis ({actual}) berbeda dari manifest.json ({expected}). "
            + _STAGING_GONE_ID + " Unduh ulang paket dari SATGAS SIPP dan periksa lagi dengan sipp_package."),
        'bad_archive': (
            "Paket {name}: entri {entry} tidak dapat dibaca utuh ({error}). " + _STAGING_GONE_ID + " Unduh ulang "
            "paket dari SATGAS SIPP dan periksa lagi dengan sipp_package."),
        'file_checksum_check': (
            "Paket {name}: sha256 berkas {entry} ({actual}) berbeda dari manifest.json ({expected}). Tidak ada yang "
            "diubah (mode periksa). Unduh ulang paket dari SATGAS SIPP dan periksa lagi dengan sipp_package."),
        'bad_archive_check': (
            "Paket {name}: entri {entry} tidak dapat dibaca utuh ({error}). Tidak ada yang diubah (mode periksa). "
            "Unduh ulang paket dari SATGAS SIPP dan periksa lagi dengan sipp_package."),
        'write_failed': (
            "Gagal menyiapkan {path} di folder persiapan: {error}. " + _STAGING_GONE_ID + " Periksa ruang disk "
            "(df -h {parent}) dan hak akses (jalankan sebagai root, become: true), lalu ulangi."),
        'staging_missing': (
            "Folder persiapan {staging} tidak ada dan folder aplikasi {app_path} bukan hasil peralihan ke folder "
            "itu. Tidak ada yang diubah. Jalankan dulu state=prepared dengan paket yang sama."),
        'staging_incomplete': (
            "Folder persiapan {staging} belum lengkap (persiapan terhenti di tengah jalan). Tidak ada yang diubah. "
            "Jalankan lagi state=prepared: folder itu akan dibangun ulang."),
        'staging_other': (
            "Folder persiapan {staging} disiapkan untuk {other}, bukan untuk {app_path}. Tidak ada yang diubah. "
            "Periksa opsi staging dan app_path."),
        'staging_stale': (
            "Folder aplikasi {app_path} berubah sejak folder persiapan {staging} dibuat ({count} berkas, mis. "
            "{paths}); peralihan sekarang akan menghilangkan perubahan itu (mis. dokumen yang baru diunggah). "
            "Tidak ada yang diubah. Jalankan lagi state=prepared (folder persiapan diperbarui), lalu alihkan."),
        'previous_exists': (
            "Folder {previous} sudah ada (sisa upgrade sebelumnya). Tidak ada yang diubah dan folder itu tidak "
            "ditimpa. Periksa isinya; bila tidak diperlukan lagi hapus dengan state=cleaned, atau pilih nama lain "
            "dengan opsi previous."),
        'switch_failed': (
            "Peralihan ke {staging} gagal pada langkah '{step}': {error}. Keadaan sekarang: {state}. Periksa pesan "
            "kesalahan itu lalu jalankan lagi modul yang sama: langkah yang sudah selesai dikenali dan dilanjutkan."),
        'previous_missing': (
            "Folder aplikasi lama {previous} tidak ada, jadi folder aplikasi tidak dapat dikembalikan. Tidak ada "
            "yang diubah. Periksa opsi previous (nilai 'previous' hasil state=switched); bila folder itu hilang, "
            "pulihkan folder aplikasi dari cadangan (playbook rollback)."),
        'restore_failed': (
            "Pengembalian {previous} ke {app_path} gagal pada langkah '{step}': {error}. Keadaan sekarang: "
            "{state}. Periksa pesan kesalahan itu lalu jalankan lagi modul yang sama."),
        'not_removable': (
            "{path} tidak dihapus: hanya folder di samping {app_path} yang namanya diawali '{prefix}' (selain "
            "folder aplikasi itu sendiri) yang boleh dihapus modul ini. Tidak ada yang dihapus. Periksa opsi "
            "remove."),
        'remove_failed': (
            "Gagal menghapus {path}: {error}. Yang sudah dihapus: {removed}. Periksa hak akses lalu ulangi."),
        'state_exchanged': (
            "pertukaran sudah terjadi: {app_path} kini berisi pohon yang tadinya {came_from}; pohon yang lain ada "
            "di {where}"),
        'state_renamed_half': (
            "folder aplikasi {app_path} tidak ada; pohon lama ada di {where}, pohon baru di {staging}"),
        'state_untouched': "tidak ada yang diubah",
        'state_link': "{app_path} kini menunjuk ke {release}",
        'state_release_ready': (
            "folder rilis baru {release} sudah siap, tetapi {app_path} masih menunjuk ke {old} (SIPP tetap pada "
            "rilis lama)"),
        'release_exists': (
            "Folder rilis {release} sudah ada dan bukan buatan modul ini, sehingga rilis baru tidak dapat dibuat "
            "di sana. Tidak ada yang diubah; {app_path} tetap menunjuk ke rilis lama. Periksa folder itu: bila "
            "tidak dipakai, pindahkan atau ganti namanya, lalu jalankan lagi."),
        'previous_release': (
            "Opsi previous ({previous}) tidak berlaku untuk {app_path}, sebuah tautan ke folder rilis {release}: "
            "rilis lama tetap di tempatnya dan menjadi pohon sebelumnya. Tidak ada yang diubah. Hapus opsi "
            "previous."),
        'release_set_aside': (
            "Folder rilis {release}, sisa run sebelumnya yang tidak jadi dipakai, disisihkan ke {where}."),
        'method_fallback': (
            "Kernel ini tidak mendukung renameat2(RENAME_EXCHANGE) ({error}); peralihan memakai dua rename, "
            "sehingga {app_path} sesaat tidak ada."),
        'skipped_special': "Berkas khusus (soket/perangkat) tidak disalin ke folder persiapan: {paths}",
    },
    'en': {
        'option_required': "The {option} option is required with state={state}. Nothing was changed. Give it.",
        'not_sibling': (
            "{option} {path} must be a folder beside {app_path} whose name starts with '{prefix}'. Nothing was "
            "changed. Use the option's default or a name with that prefix in {parent}."),
        'app_missing': (
            "Application folder {app_path} is missing, not a folder, or a symbolic link ({error}). Nothing was "
            "changed. Point app_path at the real SIPP folder (e.g. as sipp_info reports it)."),
        'cross_device': (
            "Application folder {app_path} is on another file system than its parent {parent} (a mount point), so "
            "it can be neither hard-linked nor swapped by rename. Nothing was changed. Upgrade this folder by hand "
            "or mount the parent folder instead."),
        'upload_path': (
            "Package {name} would {action} {entry} under {keep}, where the court's uploads (case documents) live. "
            "Nothing was changed. An upgrade package must not touch uploads: report it to SATGAS SIPP."),
        'staging_foreign': (
            "{staging} already exists but is not a staging folder of this module (no valid {record}). Nothing was "
            "changed and that folder was not removed. Inspect it; if it is not needed remove it with "
            "state=cleaned, or choose another name with the staging option."),
        'unsafe_target': (
            "In the staging folder, {entry} cannot be written or removed safely: {component} is {kind}, not a plain "
            "folder, so writing there could leave the application folder. " + _STAGING_GONE_EN + " Check "
            "{component} in the live application folder (a symbolic link there breaks SIPP's layout) and report it "
            "to SATGAS SIPP if SIPP ships it that way."),
        'file_checksum': (
            "Package {name}: the sha256 of {entry} as written ({actual}) differs from manifest.json ({expected}). "
            + _STAGING_GONE_EN + " Download the package again from SATGAS SIPP and check it with sipp_package."),
        'bad_archive': (
            "Package {name}: entry {entry} cannot be read whole ({error}). " + _STAGING_GONE_EN + " Download the "
            "package again from SATGAS SIPP and check it with sipp_package."),
        'file_checksum_check': (
            "Package {name}: the sha256 of {entry} ({actual}) differs from manifest.json ({expected}). Nothing was "
            "changed (check mode). Download the package again from SATGAS SIPP and check it with sipp_package."),
        'bad_archive_check': (
            "Package {name}: entry {entry} cannot be read whole ({error}). Nothing was changed (check mode). "
            "Download the package again from SATGAS SIPP and check it with sipp_package."),
        'write_failed': (
            "Preparing {path} in the staging folder failed: {error}. " + _STAGING_GONE_EN + " Check the free space "
            "(df -h {parent}) and permissions (run as root, become: true), then run it again."),
        'staging_missing': (
            "Staging folder {staging} does not exist and {app_path} is not the result of a switch to it. Nothing "
            "was changed. Run state=prepared with the same package first."),
        'staging_incomplete': (
            "Staging folder {staging} is incomplete (its preparation stopped halfway). Nothing was changed. Run "
            "state=prepared again: the folder is rebuilt."),
        'staging_other': (
            "Staging folder {staging} was prepared for {other}, not for {app_path}. Nothing was changed. Check the "
            "staging and app_path options."),
        'staging_stale': (
            "{app_path} changed since staging folder {staging} was prepared ({count} file(s), e.g. {paths}); "
            "switching now would lose those changes (e.g. newly uploaded documents). Nothing was changed. Run "
            "state=prepared again (it refreshes the staging folder), then switch."),
        'previous_exists': (
            "{previous} already exists (left by an earlier upgrade). Nothing was changed and it was not "
            "overwritten. Inspect it; if it is no longer needed remove it with state=cleaned, or choose another "
            "name with the previous option."),
        'switch_failed': (
            "Switching to {staging} failed at step '{step}': {error}. Current state: {state}. Check that error, "
            "then run the same module again: steps already done are recognised and the rest is completed."),
        'previous_missing': (
            "The old application tree {previous} does not exist, so the application folder cannot be switched "
            "back. Nothing was changed. Check the previous option (the 'previous' value state=switched returned); "
            "if that tree is lost, restore the application folder from its backup (rollback playbook)."),
        'restore_failed': (
            "Switching {previous} back to {app_path} failed at step '{step}': {error}. Current state: {state}. "
            "Check that error, then run the same module again."),
        'not_removable': (
            "{path} was not removed: this module removes only folders beside {app_path} whose name starts with "
            "'{prefix}' (never the application folder itself). Nothing was removed. Check the remove option."),
        'remove_failed': "Removing {path} failed: {error}. Removed so far: {removed}. Check permissions, then retry.",
        'state_exchanged': (
            "the swap was done: {app_path} now holds the tree that was {came_from}; the other tree is at {where}"),
        'state_renamed_half': "{app_path} does not exist; the old tree is at {where}, the new one at {staging}",
        'state_untouched': "nothing was changed",
        'state_link': "{app_path} now points to {release}",
        'state_release_ready': (
            "the new release folder {release} is ready, but {app_path} still points to {old} (SIPP stays on the "
            "old release)"),
        'release_exists': (
            "The release folder {release} already exists and was not made by this module, so the new release "
            "cannot be made there. Nothing was changed; {app_path} still points to the old release. Check that "
            "folder: if it is not used, move or rename it, then run again."),
        'previous_release': (
            "The previous option ({previous}) does not apply to {app_path}, a link to the release folder {release}: "
            "the old release stays where it is and is the previous tree. Nothing was changed. Remove the previous "
            "option."),
        'release_set_aside': (
            "The release folder {release}, left by an earlier run and never kept live, was set aside as {where}."),
        'method_fallback': (
            "This kernel has no renameat2(RENAME_EXCHANGE) ({error}); the switch used two renames, so {app_path} "
            "was missing for an instant."),
        'skipped_special': "Special files (sockets/devices) were not carried into the staging folder: {paths}",
    },
}, terms=TERMS)


class TreeError(SippError):
    """A refusal or failure. ``problem``: one of PROBLEMS; ``key``: message key; ``params``: its placeholders."""

    catalogue = MESSAGES


# ----------------------------------------------------------------------------------------------------------------
# Names beside the live folder


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


# ----------------------------------------------------------------------------------------------------------------
# Records


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


# ----------------------------------------------------------------------------------------------------------------
# The package, checked again entry by entry


def _under(path, top):
    """True when ``path`` is ``top`` or inside it (both relative)."""
    top = top.strip('/')
    return path == top or path.startswith(top + '/')


def _contains(path, inner):
    """True when removing ``path`` would remove ``inner`` (``path`` is that folder or one holding it)."""
    return _under(path=inner, top=path)


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
        infos = archive.infolist()
    except _ARCHIVE_ERRORS as exc:
        raise PackageError('bad_archive', name=name, error=str(exc) or exc.__class__.__name__)
    try:
        seen = set()
        manifest_info = None
        app_entries = {}
        for info in infos:
            entry = info.filename
            if entry in seen:
                raise PackageError('bad_archive', key='duplicate_entry', name=name, entry=entry)
            seen.add(entry)
            if info.flag_bits & 0x1:
                raise PackageError('bad_archive', key='encrypted_entry', name=name, entry=entry)
            reason = entry_problem(entry)
            if reason:
                raise PackageError('path_escape', name=name, where='entry', entry=entry, reason=reason)
            kind = entry_kind_problem(info)
            if kind:
                raise PackageError('symlink_entry', name=name, entry=entry, kind=kind,
                                   mode='%06o' % entry_mode(info))
            if entry == MANIFEST_NAME:
                manifest_info = info
            elif entry in ('app/', 'sql/') or entry.startswith(SQL_PREFIX):
                pass
            elif entry.startswith(APP_PREFIX):
                if not entry.endswith('/'):
                    app_entries[entry[len(APP_PREFIX):]] = info
            else:
                raise PackageError('unexpected_entry', name=name, entry=entry)
        if manifest_info is None:
            raise PackageError('manifest_missing', name=name)
        manifest = validate_manifest(_read_manifest(archive, manifest_info, name), name)
        for rel in sorted(set(app_entries) | set(manifest['files'])):
            if relative_path_problem(rel):
                raise PackageError('path_escape', name=name, where='entry', entry=rel,
                                   reason=relative_path_problem(rel))
            if is_protected(rel):
                raise PackageError('protected_path', name=name, entry=rel, action='write')
        for rel in manifest['delete']:
            if protects(rel):
                raise PackageError('protected_path', name=name, entry=rel, action='delete')
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


# ----------------------------------------------------------------------------------------------------------------
# Walking a tree


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


# ----------------------------------------------------------------------------------------------------------------
# state=prepared


def _live_owner(st):
    return (st.st_uid, st.st_gid)


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


def prepare_tree(app_path, package, staging=None, keep=DEFAULT_KEEP, check_mode=False):
    """Build the new tree beside the live one (see the module docstring). Returns a result dict."""
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
        result.update(_build(app_path, live_st, staging, archive, manifest, app_entries, digest, name, package))
        result.update(changed=True, reused=False)
        return result
    finally:
        archive.close()


def _build(app_path, live_st, staging, archive, manifest, app_entries, digest, name, package):
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
        record.update(complete=True, written=written, deleted=deleted, deleted_paths=deleted_paths,
                      files_linked=linked, bytes_written=total, skipped=skipped,
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
    out = dict(files_written=len(written), files_deleted=len(deleted), files_linked=linked, bytes_written=total)
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


# ----------------------------------------------------------------------------------------------------------------
# The exchange


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


# ----------------------------------------------------------------------------------------------------------------
# state=switched


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


# ----------------------------------------------------------------------------------------------------------------
# state=restored


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


# ----------------------------------------------------------------------------------------------------------------
# state=cleaned


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


def render_state(language, state):
    """The ``state`` param of switch_failed/restore_failed is a (key, params) pair: put it into words."""
    if isinstance(state, tuple):
        return MESSAGES.text(language, state[0], **state[1])
    return state


def render(language, exc):
    """Message of a TreeError or PackageError in ``language``."""
    if isinstance(exc, PackageError):
        return exc.render(language)
    params = dict(exc.params)
    if 'state' in params:
        params['state'] = render_state(language, params['state'])
    return MESSAGES.text(language, exc.key, **params)
