# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIPP upgrade packages (format 1, docs/upgrade-package.md): verification before anything changes.

Plain functions, free of Ansible imports, so the module ``sipp_package`` and the upgrade role's later unpack step
use the same rules::

    try:
        pkg = verify_package('/var/backups/sipp-5.1.0-5.2.0.zip', current_version='5.1.0')
    except PackageError as exc:
        fail(exc.problem, exc.render(language), exc.params)
    pkg['manifest']        # the parsed manifest.json
    pkg['file_list']       # paths relative to the application folder, each checked by relative_path_problem()

An unpack step must re-check what it writes (``entry_problem()``, ``is_protected()``) and never apply the modes or
timestamps stored in the zip.

Every refusal raises :class:`PackageError` whose ``problem`` is one of PROBLEMS (machine readable) and whose
``key``/``params`` render a message of this file's catalogue (Bahasa Indonesia or English) with
``MESSAGES.text(language, key, **params)``.

Kept free of syntax newer than Python 3.6 (CentOS 7 court servers); stdlib only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, SippError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import sha256_stream

PACKAGE_FORMAT = 1
MANIFEST_NAME = 'manifest.json'
APP_PREFIX = 'app/'
SQL_PREFIX = 'sql/'
# Per-court files: a package must never write or delete them (credentials, encryption key).
PROTECTED_PATHS = ('application/config/config.php', 'application/config/database.php')
MANIFEST_MAX_BYTES = 16 * 1024 * 1024
LIST_LIMIT = 10

REQUIRED_KEYS = ('format', 'from_version', 'to_version', 'files', 'delete', 'migrations', 'tables_changed',
                 'release_notes')

PROBLEMS = (
    'package_missing', 'invalid_option', 'checksum_missing', 'checksum_mismatch', 'bad_archive', 'manifest_missing',
    'manifest_invalid', 'path_escape', 'symlink_entry', 'unexpected_entry', 'unlisted_file', 'missing_file',
    'file_checksum', 'migration_checksum', 'protected_path', 'version_order', 'from_version_mismatch',
    'target_mismatch',
)

_HEX64 = re.compile(r'^[0-9a-f]{64}$')
_VERSION = re.compile(r'^[0-9]+(\.[0-9]+)*$')
_DATE = re.compile(r'^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
_DRIVE = re.compile(r'^[A-Za-z]:')

_REDOWNLOAD_ID = "Unduh ulang paket beserta berkas .sha256-nya dari SATGAS SIPP"
_REDOWNLOAD_EN = "Download the package and its .sha256 file again from SATGAS SIPP"
_UNSAFE_ID = ("Paket ini tidak aman: jangan dipasang dan jangan diekstrak secara manual. Laporkan ke SATGAS SIPP dan "
              "unduh ulang paket dari sumber resminya.")
_UNSAFE_EN = ("This package is unsafe: do not install it and do not extract it by hand. Report it to SATGAS SIPP and "
              "download the package again from its official source.")

# Every failure message says what happened, that nothing was changed, and what to do next.
TERMS = {
    'id': {
        'where': {'entry': 'entri', 'manifest_files': "daftar 'files' manifest.json",
                  'manifest_delete': "daftar 'delete' manifest.json",
                  'manifest_migrations': "daftar 'migrations' manifest.json"},
        'reason': {'empty': 'kosong', 'nul': 'memuat karakter NUL', 'backslash': 'memuat garis miring terbalik',
                   'control_character': 'memuat karakter kendali', 'absolute': 'jalur absolut, diawali /',
                   'drive_letter': 'diawali huruf drive', 'dotdot': "memuat segmen '..'",
                   'empty_segment': "memuat segmen kosong atau '.'", 'outside': 'keluar dari foldernya'},
        'kind': {'symlink': 'tautan simbolik', 'directory': 'folder', 'dir_with_content': 'entri folder berisi data',
                 'file_named_as_dir': 'berkas biasa bernama seperti folder', 'device': 'berkas perangkat',
                 'fifo': 'FIFO', 'socket': 'soket', 'special': 'berkas khusus'},
        'action': {'write': 'menimpa', 'delete': 'menghapus'},
    },
    'en': {
        'where': {'entry': 'entry', 'manifest_files': "manifest.json 'files' path",
                  'manifest_delete': "manifest.json 'delete' path",
                  'manifest_migrations': "manifest.json 'migrations' file"},
        'reason': {'empty': 'empty', 'nul': 'holds a NUL character', 'backslash': 'holds a backslash',
                   'control_character': 'holds a control character', 'absolute': 'absolute, starts with /',
                   'drive_letter': 'starts with a drive letter', 'dotdot': "holds a '..' segment",
                   'empty_segment': "holds an empty or '.' segment", 'outside': 'leaves its folder'},
        'kind': {'symlink': 'a symbolic link', 'directory': 'a directory',
                 'dir_with_content': 'a directory entry with content',
                 'file_named_as_dir': 'a regular file named like a directory', 'device': 'a device',
                 'fifo': 'a FIFO', 'socket': 'a socket', 'special': 'a special file'},
        'action': {'write': 'overwrite', 'delete': 'delete'},
    },
}

MESSAGES = Catalogue({
    'id': {
        'package_missing': (
            "Paket {path} tidak ada atau bukan berkas biasa di server ini ({error}). Tidak ada yang diubah. "
            "Salin paket ke server dulu (mis. dengan ansible.builtin.copy) dan periksa opsi path."),
        'checksum_option_invalid': (
            "Opsi checksum '{value}' bukan sha256 (64 karakter heksadesimal). Tidak ada yang diubah. Salin nilai "
            "sha256 paket apa adanya dari berkas .sha256 yang diberikan SATGAS SIPP."),
        'version_option_invalid': (
            "Opsi {option} '{value}' bukan nomor versi SIPP (mis. 5.2.0). Tidak ada yang diubah. Perbaiki nilai "
            "opsi itu (versi terpasang dibaca dari sys_config id 80, mis. dengan modul sipp_info)."),
        'checksum_missing': (
            "Berkas checksum {checksum_file} untuk paket {name} tidak ada atau tidak dapat dibaca ({error}). "
            "Tidak ada yang diubah; paket belum diperiksa. Letakkan berkas .sha256 yang diunduh bersama paket di "
            "samping paket (atau tunjuk dengan opsi checksum_file, atau berikan nilainya dengan opsi checksum). "
            + _REDOWNLOAD_ID + " bila berkas itu hilang."),
        'checksum_malformed': (
            "Berkas checksum {checksum_file} tidak memuat sha256 untuk {name} dalam format sha256sum "
            "('<64 heksadesimal>  <nama berkas>'). Tidak ada yang diubah; paket belum diperiksa. "
            + _REDOWNLOAD_ID + "."),
        'checksum_mismatch': (
            "Checksum paket {name} tidak cocok: sha256 berkasnya {actual}, seharusnya {expected} (menurut "
            "{source}). Paket rusak atau tidak lengkap saat diunduh atau disalin. Tidak ada yang diubah. "
            + _REDOWNLOAD_ID + ", lalu salin lagi ke server."),
        'bad_archive': (
            "Paket {name} bukan arsip zip yang utuh: {error}. Berkas itu terpotong atau rusak. Tidak ada yang diubah. "
            + _REDOWNLOAD_ID + "; bila checksum-nya cocok tetapi arsipnya tetap rusak, paket itu rusak sejak dari "
            "sumbernya: laporkan ke SATGAS SIPP."),
        'bad_archive_entry': (
            "Paket {name}: isi berkas {entry} tidak dapat dibaca utuh ({error}). Arsipnya rusak. Tidak ada yang "
            "diubah. " + _REDOWNLOAD_ID + "; bila tetap rusak, laporkan ke SATGAS SIPP."),
        'duplicate_entry': (
            "Paket {name} memuat entri {entry} lebih dari sekali, sehingga isinya tidak pasti. Tidak ada yang "
            "diubah. " + _UNSAFE_ID),
        'encrypted_entry': (
            "Paket {name}: entri {entry} terenkripsi dan tidak dapat diperiksa. Tidak ada yang diubah. Paket upgrade "
            "SIPP tidak pernah dienkripsi: " + _REDOWNLOAD_ID + "."),
        'manifest_missing': (
            "Paket {name} tidak memuat manifest.json, jadi bukan paket upgrade SIPP format 1. Tidak ada yang diubah. "
            "Periksa bahwa berkas yang dipakai memang paket upgrade SIPP dari SATGAS SIPP (sipp-<dari>-<ke>.zip)."),
        'manifest_invalid': (
            "manifest.json di paket {name} tidak sah: {error}. Tidak ada yang diubah. Paket ini bukan paket "
            "upgrade SIPP format 1 yang benar: minta paket yang benar dari SATGAS SIPP."),
        'path_escape': (
            "Paket {name}: {where} '{entry}' bukan jalur relatif yang aman ({reason}); bila diekstrak, berkas bisa "
            "tertulis atau terhapus di luar folder aplikasi. Tidak ada yang diubah. " + _UNSAFE_ID),
        'symlink_entry': (
            "Paket {name}: entri '{entry}' bukan berkas biasa melainkan {kind} (mode {mode}). Tautan simbolik dan "
            "berkas khusus dapat membuat SIPP membaca atau menimpa berkas di luar foldernya. Tidak ada yang diubah. "
            + _UNSAFE_ID),
        'unexpected_entry': (
            "Paket {name} memuat entri '{entry}' di luar manifest.json, app/ dan sql/. Tidak ada yang diubah. "
            + _UNSAFE_ID),
        'unlisted_file': (
            "Paket {name} memuat {count} berkas yang tidak tercantum di manifest.json: {entries}. Tidak ada yang "
            "diubah. Paket tidak utuh atau telah diubah setelah dibuat: " + _REDOWNLOAD_ID + "."),
        'missing_file': (
            "manifest.json paket {name} mencantumkan {count} berkas yang tidak ada di dalam paket: {entries}. "
            "Tidak ada yang diubah. Paket tidak lengkap: " + _REDOWNLOAD_ID + "."),
        'file_checksum': (
            "Paket {name}: sha256 berkas {entry} ({actual}) berbeda dari manifest.json ({expected}){more}. Berkas "
            "itu diubah setelah paket dibuat. Tidak ada yang diubah. " + _REDOWNLOAD_ID + "; bila tetap berbeda, "
            "laporkan ke SATGAS SIPP."),
        'migration_checksum': (
            "Paket {name}: sha256 migrasi sql/{entry} ({actual}) berbeda dari manifest.json ({expected}){more}. "
            "Migrasi basis data itu tidak boleh dijalankan. Tidak ada yang diubah. " + _REDOWNLOAD_ID
            + "; bila tetap berbeda, laporkan ke SATGAS SIPP."),
        'protected_path': (
            "Paket {name} akan {action} {entry}, berkas konfigurasi milik pengadilan ini (kata sandi basis data atau "
            "kunci enkripsi). Tidak ada yang diubah. Paket seperti ini tidak boleh dipasang: laporkan ke SATGAS "
            "SIPP dan minta paket yang tidak menyentuh application/config/config.php dan database.php."),
        'version_order': (
            "Paket {name} berasal dari versi {from_version} ke versi {to_version}: itu bukan kenaikan versi "
            "(downgrade atau versi sama). Tidak ada yang diubah. Paket upgrade tidak dipakai untuk kembali ke versi "
            "lama; untuk itu gunakan playbook rollback dengan cadangan yang dibuat sebelum upgrade."),
        'from_version_behind': (
            "Paket {name} untuk SIPP versi {from_version} (ke {to_version}), tetapi pengadilan ini menjalankan versi "
            "{current_version}. Tidak ada yang diubah. Pengadilan ini membutuhkan paket yang dimulai dari versi "
            "{current_version} (sipp-{current_version}-<versi berikutnya>.zip); pasang paket-paket berurutan, "
            "tanpa melompati versi, sampai versi {from_version}."),
        'from_version_ahead': (
            "Paket {name} untuk SIPP versi {from_version} (ke {to_version}), tetapi pengadilan ini sudah menjalankan "
            "versi {current_version}. Tidak ada yang diubah. Paket ini tidak diperlukan di sini; bila masih ada "
            "versi yang lebih baru, gunakan paket yang dimulai dari versi {current_version} "
            "(sipp-{current_version}-<versi berikutnya>.zip)."),
        'chain_broken': (
            "Urutan paket terputus: paket ke-{index} ({name}) dimulai dari versi {from_version}, padahal versi "
            "sebelumnya adalah {current_version}. Tidak ada yang diubah. Susun paket berurutan sehingga setiap paket "
            "dimulai dari versi tujuan paket sebelumnya; yang dibutuhkan berikutnya adalah "
            "sipp-{current_version}-<versi berikutnya>.zip."),
        'target_mismatch': (
            "Paket {name} menuju versi {to_version}, bukan versi tujuan yang diminta ({target_version}). Tidak ada "
            "yang diubah. Pilih paket yang menuju versi {target_version} atau perbaiki opsi target_version."),
        'sha256_name_differs': (
            "Berkas {checksum_file} menyebut nama '{listed}', bukan '{name}'; sha256 di dalamnya tetap dipakai "
            "untuk memeriksa paket."),
        'name_differs': (
            "Nama berkas {name} tidak sesuai dengan manifest.json (versi {from_version} ke {to_version}); "
            "manifest.json yang berlaku."),
    },
    'en': {
        'package_missing': (
            "Package {path} does not exist or is not a regular file on this server ({error}). Nothing was changed. "
            "Copy the package to the server first (e.g. with ansible.builtin.copy) and check the path option."),
        'checksum_option_invalid': (
            "The checksum option '{value}' is not a sha256 (64 hexadecimal characters). Nothing was changed. Copy "
            "the package's sha256 as it is from the .sha256 file SATGAS SIPP provides."),
        'version_option_invalid': (
            "The {option} option '{value}' is not a SIPP version number (e.g. 5.2.0). Nothing was changed. Fix that "
            "option (the installed version is sys_config id 80, e.g. as sipp_info reports it)."),
        'checksum_missing': (
            "Checksum file {checksum_file} for package {name} is missing or unreadable ({error}). Nothing was "
            "changed; the package was not checked. Put the .sha256 file downloaded with the package beside it (or "
            "name it with the checksum_file option, or give its value with the checksum option). "
            + _REDOWNLOAD_EN + " if that file is lost."),
        'checksum_malformed': (
            "Checksum file {checksum_file} holds no sha256 for {name} in sha256sum format ('<64 hex>  <file name>'). "
            "Nothing was changed; the package was not checked. " + _REDOWNLOAD_EN + "."),
        'checksum_mismatch': (
            "Checksum of package {name} does not match: its sha256 is {actual}, expected {expected} (from {source}). "
            "The package was damaged or cut short while downloading or copying. Nothing was changed. "
            + _REDOWNLOAD_EN + ", then copy it to the server again."),
        'bad_archive': (
            "Package {name} is not a whole zip archive: {error}. The file is truncated or corrupt. Nothing was "
            "changed. " + _REDOWNLOAD_EN + "; if its checksum matches but the archive is still broken, the package "
            "was broken at its source: report it to SATGAS SIPP."),
        'bad_archive_entry': (
            "Package {name}: the content of {entry} cannot be read whole ({error}). The archive is corrupt. Nothing "
            "was changed. " + _REDOWNLOAD_EN + "; if it stays broken, report it to SATGAS SIPP."),
        'duplicate_entry': (
            "Package {name} holds entry {entry} more than once, so its content is ambiguous. Nothing was changed. "
            + _UNSAFE_EN),
        'encrypted_entry': (
            "Package {name}: entry {entry} is encrypted and cannot be checked. Nothing was changed. SIPP upgrade "
            "packages are never encrypted: " + _REDOWNLOAD_EN + "."),
        'manifest_missing': (
            "Package {name} holds no manifest.json, so it is not a SIPP upgrade package of format 1. Nothing was "
            "changed. Check that the file is a SIPP upgrade package from SATGAS SIPP (sipp-<from>-<to>.zip)."),
        'manifest_invalid': (
            "manifest.json of package {name} is not valid: {error}. Nothing was changed. This is not a proper SIPP "
            "upgrade package of format 1: ask SATGAS SIPP for the right package."),
        'path_escape': (
            "Package {name}: {where} '{entry}' is not a safe relative path ({reason}); extracted, it could write or "
            "delete files outside the application folder. Nothing was changed. " + _UNSAFE_EN),
        'symlink_entry': (
            "Package {name}: entry '{entry}' is not a regular file but {kind} (mode {mode}). Symbolic links and "
            "special files can make SIPP read or overwrite files outside its folder. Nothing was changed. "
            + _UNSAFE_EN),
        'unexpected_entry': (
            "Package {name} holds entry '{entry}' outside manifest.json, app/ and sql/. Nothing was changed. "
            + _UNSAFE_EN),
        'unlisted_file': (
            "Package {name} holds {count} file(s) that manifest.json does not list: {entries}. Nothing was changed. "
            "The package is incomplete or was changed after it was made: " + _REDOWNLOAD_EN + "."),
        'missing_file': (
            "manifest.json of package {name} lists {count} file(s) the package does not hold: {entries}. Nothing "
            "was changed. The package is incomplete: " + _REDOWNLOAD_EN + "."),
        'file_checksum': (
            "Package {name}: the sha256 of {entry} ({actual}) differs from manifest.json ({expected}){more}. The file "
            "was changed after the package was made. Nothing was changed. " + _REDOWNLOAD_EN + "; if it still "
            "differs, report it to SATGAS SIPP."),
        'migration_checksum': (
            "Package {name}: the sha256 of migration sql/{entry} ({actual}) differs from manifest.json "
            "({expected}){more}. That database migration must not run. Nothing was changed. " + _REDOWNLOAD_EN
            + "; if it still differs, report it to SATGAS SIPP."),
        'protected_path': (
            "Package {name} would {action} {entry}, a configuration file that belongs to this court (database "
            "password or encryption key). Nothing was changed. Such a package must not be installed: report it to "
            "SATGAS SIPP and ask for a package that leaves application/config/config.php and database.php alone."),
        'version_order': (
            "Package {name} goes from version {from_version} to version {to_version}: that is not an upgrade (a "
            "downgrade or the same version). Nothing was changed. Upgrade packages are not used to go back to an "
            "older version; use the rollback playbook with the backup made before the upgrade."),
        'from_version_behind': (
            "Package {name} is for SIPP version {from_version} (to {to_version}), but this court runs version "
            "{current_version}. Nothing was changed. This court needs the package that starts at version "
            "{current_version} (sipp-{current_version}-<next version>.zip); apply the packages in order, skipping "
            "no version, up to version {from_version}."),
        'from_version_ahead': (
            "Package {name} is for SIPP version {from_version} (to {to_version}), but this court already runs "
            "version {current_version}. Nothing was changed. This package is not needed here; if a newer version "
            "exists, use the package that starts at version {current_version} "
            "(sipp-{current_version}-<next version>.zip)."),
        'chain_broken': (
            "The chain of packages is broken: package number {index} ({name}) starts at version {from_version}, but "
            "the version before it is {current_version}. Nothing was changed. Order the packages so that each one "
            "starts at the version the previous one leads to; the next one needed is "
            "sipp-{current_version}-<next version>.zip."),
        'target_mismatch': (
            "Package {name} leads to version {to_version}, not to the requested target ({target_version}). Nothing "
            "was changed. Choose the package that leads to {target_version} or fix the target_version option."),
        'sha256_name_differs': (
            "{checksum_file} names '{listed}', not '{name}'; its sha256 is still used to check the package."),
        'name_differs': (
            "The file name {name} does not match manifest.json (version {from_version} to {to_version}); "
            "manifest.json is what counts."),
    },
}, terms=TERMS)


# Words that stand for a code in a message's params (the params keep the code, machine readable).


class PackageError(SippError):
    """A package is refused. ``problem``: one of PROBLEMS; ``key``: the message key (``problem`` unless a more
    precise wording exists); ``params``: the message's placeholders, also returned as machine-readable details."""

    catalogue = MESSAGES


# ----------------------------------------------------------------------------------------------------------------
# Versions and chains


def parse_version(version):
    """'5.2.1' -> (5, 2, 1). Raises ValueError when ``version`` is not dotted numbers."""
    text = str(version).strip() if version is not None else ''
    if not _VERSION.match(text):
        raise ValueError('not a version number: %r' % (version,))
    return tuple(int(part) for part in text.split('.'))


def compare_versions(left, right):
    """-1, 0 or 1 as ``left`` is older than, equal to or newer than ``right`` ('5.2.1' < '5.10.0'; '5.2' == '5.2.0')."""
    a = list(parse_version(left))
    b = list(parse_version(right))
    width = max(len(a), len(b))
    a += [0] * (width - len(a))
    b += [0] * (width - len(b))
    return (a > b) - (a < b)


def is_version(value):
    try:
        parse_version(value)
    except ValueError:
        return False
    return True


def check_chain(current_version, manifests, names=None):
    """Check an ordered chain of manifests starting at the court's ``current_version``.

    Each manifest (a dict with ``from_version``/``to_version``) must go forward (``to_version`` newer than
    ``from_version``, else ``version_order``) and start where the one before it ended (the first one at
    ``current_version``, else ``from_version_mismatch``). ``names`` (optional) names the packages in messages.
    Returns the list of versions passed through, ``[current_version, to_1, to_2, ...]``.
    """
    names = list(names or [])
    if not is_version(current_version):
        raise PackageError('invalid_option', key='version_option_invalid', option='current_version',
                           value=current_version)
    versions = [current_version]
    for index, manifest in enumerate(manifests):
        from_version = manifest.get('from_version')
        to_version = manifest.get('to_version')
        name = names[index] if index < len(names) else 'sipp-%s-%s.zip' % (from_version, to_version)
        if not is_version(from_version) or not is_version(to_version):
            raise _invalid(name, 'from_version %s or to_version %s is not a version number'
                           % (json.dumps(from_version), json.dumps(to_version)))
        if compare_versions(to_version, from_version) <= 0:
            raise PackageError('version_order', name=name, from_version=from_version, to_version=to_version)
        previous = versions[-1]
        if compare_versions(from_version, previous) != 0:
            params = dict(name=name, from_version=from_version, to_version=to_version, current_version=previous)
            if index > 0:
                raise PackageError('from_version_mismatch', key='chain_broken', index=index + 1, **params)
            key = 'from_version_behind' if compare_versions(previous, from_version) < 0 else 'from_version_ahead'
            raise PackageError('from_version_mismatch', key=key, **params)
        versions.append(to_version)
    return versions


# ----------------------------------------------------------------------------------------------------------------
# Checksums

def normalize_checksum(value):
    """A sha256 given by a user ('ABC...', 'sha256:abc...', or a whole sha256sum line) -> lower-case hex, or None."""
    text = (value or '').strip()
    if text.lower().startswith('sha256:'):
        text = text[7:].strip()
    text = text.split()[0].lower() if text else ''
    return text if _HEX64.match(text) else None


def read_checksum_file(checksum_file, name):
    """The sha256 for ``name`` from a sha256sum-format file (``<hex>  <name>`` or ``<hex> *<name>``, one a line).

    Returns (hex, listed_name, warning_key or None). A file with one line is used whatever name it lists (a warning
    key is given when it is not ``name``). Raises PackageError checksum_missing when the file is missing, unreadable
    or holds no usable line.
    """
    try:
        with open(checksum_file, 'rb') as handle:
            data = handle.read(1024 * 1024)
    except (IOError, OSError) as exc:
        raise PackageError('checksum_missing', checksum_file=checksum_file, name=name,
                           error=exc.strerror or str(exc))
    lines = []
    for raw in data.decode('utf-8', 'replace').splitlines():
        raw = raw.strip()
        if not raw or raw.startswith('#'):
            continue
        parts = raw.split(None, 1)
        digest = parts[0].lower()
        if digest.startswith('\\'):  # sha256sum escapes names with a backslash-prefixed line
            digest = digest[1:]
        if not _HEX64.match(digest):
            continue
        listed = parts[1].strip() if len(parts) > 1 else ''
        if listed.startswith('*'):
            listed = listed[1:]
        lines.append((digest, listed))
    for digest, listed in lines:
        if listed and posixpath.basename(listed) == name:
            return digest, listed, None
    if len(lines) == 1:
        digest, listed = lines[0]
        return digest, listed, ('sha256_name_differs' if listed else None)
    raise PackageError('checksum_missing', key='checksum_malformed', checksum_file=checksum_file, name=name)


# ----------------------------------------------------------------------------------------------------------------
# Entry names and modes


def relative_path_problem(path):
    """Why ``path`` is not a safe path relative to a folder (a code of TERMS[..]['reason']), or None.

    Safe: not empty, no leading /, no drive letter, no backslash, no NUL or control character, no empty, '.' or '..'
    segment, and it stays inside the folder once normalised."""
    if not isinstance(path, str) or path == '':
        return 'empty'
    if '\x00' in path:
        return 'nul'
    if '\\' in path:
        return 'backslash'
    if any(ord(ch) < 32 for ch in path):
        return 'control_character'
    if path.startswith('/'):
        return 'absolute'
    if _DRIVE.match(path):
        return 'drive_letter'
    for segment in path.split('/'):
        if segment == '..':
            return 'dotdot'
        if segment in ('', '.'):
            return 'empty_segment'
    root = '/nonexistent-sipp-root'
    normal = posixpath.normpath(posixpath.join(root, path))
    if not normal.startswith(root + '/'):
        return 'outside'
    return None


def entry_problem(name):
    """Why a zip entry name is not safe (see relative_path_problem), or None. A directory entry keeps its one
    trailing '/'."""
    if name.endswith('/') and not name.endswith('//'):
        name = name[:-1]
    return relative_path_problem(name)


def entry_mode(info):
    """Unix mode of a zip entry from ``external_attr`` (0 when the zip carries none)."""
    return (info.external_attr >> 16) & 0xFFFF


def entry_kind_problem(info):
    """None for a regular file (or a plain, empty directory entry); else what it is (a code of TERMS[..]['kind'])."""
    mode = entry_mode(info)
    is_dir_name = info.filename.endswith('/')
    if stat.S_IFMT(mode) == 0:  # no Unix file type (e.g. made on Windows): extracted as a plain file or folder
        kind_ok = True
    elif is_dir_name:
        kind_ok = stat.S_ISDIR(mode)
    else:
        kind_ok = stat.S_ISREG(mode)
    if kind_ok and is_dir_name and info.file_size:
        return 'dir_with_content'
    if kind_ok:
        return None
    if stat.S_ISLNK(mode):
        return 'symlink'
    if stat.S_ISDIR(mode):
        return 'directory'
    if stat.S_ISREG(mode):
        return 'file_named_as_dir'
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return 'device'
    if stat.S_ISFIFO(mode):
        return 'fifo'
    if stat.S_ISSOCK(mode):
        return 'socket'
    return 'special'


def is_protected(rel_path):
    """True when ``rel_path`` (relative to the application folder) is a protected per-court file."""
    normal = posixpath.normpath(rel_path) if rel_path else rel_path
    return normal in PROTECTED_PATHS


def protects(rel_path):
    """True when deleting ``rel_path`` would remove a protected file (the file itself or a folder holding it)."""
    normal = posixpath.normpath(rel_path) if rel_path else rel_path
    return any(p == normal or p.startswith(normal + '/') for p in PROTECTED_PATHS)


# ----------------------------------------------------------------------------------------------------------------
# manifest.json


def _invalid(name, error):
    return PackageError('manifest_invalid', name=name, error=error)


def validate_manifest(manifest, name='manifest.json'):
    """Check the structure of a parsed manifest (format 1); raise PackageError manifest_invalid or path_escape."""
    if not isinstance(manifest, dict):
        raise _invalid(name, 'the top level is not a JSON object')
    missing = [key for key in REQUIRED_KEYS if key not in manifest]
    if missing:
        raise _invalid(name, 'missing key(s): %s' % ', '.join(missing))
    fmt = manifest['format']
    if isinstance(fmt, bool) or not isinstance(fmt, int) or fmt != PACKAGE_FORMAT:
        raise _invalid(name, 'format is %s, only %d is supported' % (json.dumps(fmt), PACKAGE_FORMAT))
    for key in ('from_version', 'to_version'):
        if not isinstance(manifest[key], str) or not is_version(manifest[key]):
            raise _invalid(name, '%s %s is not a version number' % (key, json.dumps(manifest[key])))
    files = manifest['files']
    if not isinstance(files, dict):
        raise _invalid(name, "'files' is not an object (path -> sha256)")
    for path, digest in sorted(files.items()):
        if not isinstance(digest, str) or not _HEX64.match(digest):
            raise _invalid(name, "'files' entry %s: %s is not a lower-case sha256" % (path, json.dumps(digest)))
        reason = relative_path_problem(path)
        if reason:
            raise PackageError('path_escape', name=name, where='manifest_files', entry=path, reason=reason)
    delete = manifest['delete']
    if not isinstance(delete, list) or not all(isinstance(item, str) for item in delete):
        raise _invalid(name, "'delete' is not a list of paths")
    for path in delete:
        reason = relative_path_problem(path)
        if reason:
            raise PackageError('path_escape', name=name, where='manifest_delete', entry=path, reason=reason)
    both = sorted(set(files) & set(delete))
    if both:
        raise _invalid(name, "path(s) both in 'files' and 'delete': %s" % ', '.join(both[:LIST_LIMIT]))
    migrations = manifest['migrations']
    if not isinstance(migrations, list):
        raise _invalid(name, "'migrations' is not a list")
    seen = set()
    for number, step in enumerate(migrations, 1):
        if not isinstance(step, dict) or not isinstance(step.get('file'), str) \
                or not isinstance(step.get('sha256'), str):
            raise _invalid(name, "migration %d is not an object with 'file' and 'sha256'" % number)
        if not _HEX64.match(step['sha256']):
            raise _invalid(name, 'migration %s: %s is not a lower-case sha256'
                           % (step['file'], json.dumps(step['sha256'])))
        reason = relative_path_problem(step['file'])
        if reason:
            raise PackageError('path_escape', name=name, where='manifest_migrations', entry=step['file'],
                               reason=reason)
        if '/' in step['file']:
            raise _invalid(name, 'migration %s is not a file name directly under sql/' % step['file'])
        if step['file'] in seen:
            raise _invalid(name, 'migration %s is listed twice' % step['file'])
        seen.add(step['file'])
    tables = manifest['tables_changed']
    if not isinstance(tables, list) or not all(isinstance(item, str) for item in tables):
        raise _invalid(name, "'tables_changed' is not a list of table names")
    if not isinstance(manifest['release_notes'], str):
        raise _invalid(name, "'release_notes' is not text")
    if 'requires_assistance' in manifest and not isinstance(manifest['requires_assistance'], bool):
        raise _invalid(name, "'requires_assistance' is not true or false")
    if 'release_date' in manifest and (not isinstance(manifest['release_date'], str)
                                       or not _DATE.match(manifest['release_date'])):
        raise _invalid(name, "'release_date' %s is not YYYY-MM-DD" % json.dumps(manifest['release_date']))
    return manifest


def requires_assistance(manifest):
    """A package with migrations needs assistance whatever the manifest says; one without is mandiri unless the
    manifest itself asks for assistance."""
    return bool(manifest.get('migrations')) or manifest.get('requires_assistance') is True


def _short_list(items):
    items = list(items)
    text = ', '.join(items[:LIST_LIMIT])
    if len(items) > LIST_LIMIT:
        text += ', ... (+%d)' % (len(items) - LIST_LIMIT)
    return text


# ----------------------------------------------------------------------------------------------------------------
# The whole check

_ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, IOError, OSError, ValueError,
                   RuntimeError, NotImplementedError, struct.error, KeyError)


def _read_member(archive, info, name):
    """sha256 and byte count of one member, streamed; the CRC is checked by zipfile at the end of the stream."""
    try:
        with archive.open(info) as handle:
            digest, size = sha256_stream(handle)
    except _ARCHIVE_ERRORS as exc:
        raise PackageError('bad_archive', key='bad_archive_entry', name=name, entry=info.filename,
                           error=str(exc) or exc.__class__.__name__)
    if size != info.file_size:
        raise PackageError('bad_archive', key='bad_archive_entry', name=name, entry=info.filename,
                           error='%d bytes read, %d expected' % (size, info.file_size))
    return digest, size


def _read_manifest(archive, info, name):
    if info.file_size > MANIFEST_MAX_BYTES:
        raise _invalid(name, 'manifest.json is %d bytes, more than %d' % (info.file_size, MANIFEST_MAX_BYTES))
    try:
        with archive.open(info) as handle:
            data = handle.read(MANIFEST_MAX_BYTES + 1)
    except _ARCHIVE_ERRORS as exc:
        raise PackageError('bad_archive', key='bad_archive_entry', name=name, entry=info.filename,
                           error=str(exc) or exc.__class__.__name__)
    try:
        return json.loads(data.decode('utf-8'))
    except UnicodeDecodeError as exc:
        raise _invalid(name, 'not UTF-8 text (%s)' % exc)
    except ValueError as exc:
        raise _invalid(name, 'not JSON (%s)' % exc)


def verify_package(path, checksum=None, checksum_file=None, current_version=None, target_version=None):
    """Verify an upgrade package before anything changes; return its description or raise PackageError.

    ``checksum`` (the expected sha256) wins over ``checksum_file`` (default ``<path>.sha256``). The checks, in
    order: the zip's sha256, the archive opens (no duplicate or encrypted entry), every entry name is safe, a
    regular file and under manifest.json/app//sql/, manifest.json is valid, versions go forward and match
    ``current_version``/``target_version``, nothing protected is written or deleted, app/ and sql/ entries are
    exactly those the manifest lists, and every member reads whole (CRC) with the sha256 the manifest gives.

    Returns a dict: path, name, sha256, size_bytes, checksum_file (None when ``checksum`` was given), format,
    from_version, to_version, release_date, requires_assistance, mandiri, migrations, files, file_list, delete,
    tables_changed, release_notes, total_uncompressed_bytes, warnings (message keys with params) and manifest.
    """
    name = posixpath.basename(path)
    warnings = []

    # 1. the expected checksum, before reading the package
    if checksum is not None:
        expected = normalize_checksum(checksum)
        if expected is None:
            raise PackageError('invalid_option', key='checksum_option_invalid', value=checksum)
        source = 'checksum option'
        checksum_file = None
    else:
        checksum_file = checksum_file or path + '.sha256'
        expected = None
        source = checksum_file
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # never open a FIFO or device: it could block or never end
            raise PackageError('package_missing', path=path, name=name, error='not a regular file')
        handle = open(path, 'rb')
    except (IOError, OSError) as exc:
        raise PackageError('package_missing', path=path, name=name, error=exc.strerror or str(exc))
    # one open file for the checksum and the archive: what is verified is what was hashed
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise PackageError('package_missing', path=path, name=name, error='not a regular file')
        if expected is None:
            expected, listed, warning = read_checksum_file(checksum_file, name)
            if warning:
                warnings.append((warning, dict(checksum_file=checksum_file, listed=listed, name=name)))
        try:
            actual, size = sha256_stream(handle)
            handle.seek(0)
        except (IOError, OSError) as exc:
            raise PackageError('package_missing', path=path, name=name, error=exc.strerror or str(exc))
        if actual != expected:
            raise PackageError('checksum_mismatch', name=name, path=path, actual=actual, expected=expected,
                               source=source)

        # 2. the archive's structure
        try:
            archive = zipfile.ZipFile(handle, 'r')
        except _ARCHIVE_ERRORS as exc:
            raise PackageError('bad_archive', name=name, error=str(exc) or exc.__class__.__name__)
        try:
            return _verify_archive(archive, path, name, size, actual, checksum_file, current_version,
                                   target_version, warnings)
        finally:
            archive.close()


def check_entries(archive, name):
    """Every entry of the package's zip checked (listed once, not encrypted, a safe name, a regular file in its
    place: manifest.json, app/ or sql/) and manifest.json read and validated. Returns (manifest, {path under app/:
    ZipInfo}, {path under sql/: ZipInfo}); raises PackageError. The module sipp_package checks a package with it
    before anything changes, and the court's tree checks it again as it unpacks."""
    try:
        infos = archive.infolist()
    except _ARCHIVE_ERRORS as exc:
        raise PackageError('bad_archive', name=name, error=str(exc) or exc.__class__.__name__)
    seen = set()
    for info in infos:
        if info.filename in seen:
            raise PackageError('bad_archive', key='duplicate_entry', name=name, entry=info.filename)
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise PackageError('bad_archive', key='encrypted_entry', name=name, entry=info.filename)

    # every entry: a safe name, a regular file, its place
    manifest_info = None
    app_entries = {}
    sql_entries = {}
    for info in infos:
        entry = info.filename
        reason = entry_problem(entry)
        if reason:
            raise PackageError('path_escape', name=name, where='entry', entry=entry, reason=reason)
        kind = entry_kind_problem(info)
        if kind:
            raise PackageError('symlink_entry', name=name, entry=entry, kind=kind, mode='%06o' % entry_mode(info))
        if entry == MANIFEST_NAME:
            manifest_info = info
        elif entry in ('app/', 'sql/'):
            pass
        elif entry.startswith(APP_PREFIX):
            if not entry.endswith('/'):
                app_entries[entry[len(APP_PREFIX):]] = info
        elif entry.startswith(SQL_PREFIX):
            if not entry.endswith('/'):
                sql_entries[entry[len(SQL_PREFIX):]] = info
        else:
            raise PackageError('unexpected_entry', name=name, entry=entry)

    if manifest_info is None:
        raise PackageError('manifest_missing', name=name)
    manifest = validate_manifest(_read_manifest(archive, manifest_info, name), name)
    return manifest, app_entries, sql_entries


def check_protected(manifest, app_entries, name):
    """The package neither writes nor deletes the court's own files (its configuration with its credentials and
    keys): PackageError protected_path otherwise."""
    for rel in sorted(set(app_entries) | set(manifest['files'])):
        if is_protected(rel):
            raise PackageError('protected_path', name=name, entry=rel, action='write')
    for rel in manifest['delete']:
        if protects(rel):
            raise PackageError('protected_path', name=name, entry=rel, action='delete')


def _verify_archive(archive, path, name, size, sha256, checksum_file, current_version, target_version, warnings):
    # 2.-4. every entry, and manifest.json
    manifest, app_entries, sql_entries = check_entries(archive, name)
    from_version = manifest['from_version']
    to_version = manifest['to_version']

    # 5. versions
    if current_version is not None:
        check_chain(current_version, [manifest], [name])
    elif compare_versions(to_version, from_version) <= 0:
        raise PackageError('version_order', name=name, from_version=from_version, to_version=to_version)
    if target_version is not None and compare_versions(to_version, target_version) != 0:
        raise PackageError('target_mismatch', name=name, to_version=to_version, target_version=target_version,
                           from_version=from_version)
    if not name.startswith('sipp-%s-%s' % (from_version, to_version)):
        warnings.append(('name_differs', dict(name=name, from_version=from_version, to_version=to_version)))

    # 6. protected per-court files
    check_protected(manifest, app_entries, name)

    # 7. entries against the manifest
    listed_sql = [step['file'] for step in manifest['migrations']]
    unlisted = ['app/' + rel for rel in sorted(set(app_entries) - set(manifest['files']))]
    unlisted += ['sql/' + rel for rel in sorted(set(sql_entries) - set(listed_sql))]
    if unlisted:
        raise PackageError('unlisted_file', name=name, count=len(unlisted), entries=_short_list(unlisted),
                           files=unlisted)
    missing = ['app/' + rel for rel in sorted(set(manifest['files']) - set(app_entries))]
    missing += ['sql/' + rel for rel in listed_sql if rel not in sql_entries]
    if missing:
        raise PackageError('missing_file', name=name, count=len(missing), entries=_short_list(missing),
                           files=missing)

    # 8. read every member whole: CRC and sha256
    expected = {}
    for rel, digest in manifest['files'].items():
        expected[APP_PREFIX + rel] = ('file_checksum', rel, digest)
    for step in manifest['migrations']:
        expected[SQL_PREFIX + step['file']] = ('migration_checksum', step['file'], step['sha256'])
    mismatched = {'file_checksum': [], 'migration_checksum': []}
    total = 0
    for info in archive.infolist():
        if info.filename.endswith('/'):
            continue
        digest, count = _read_member(archive, info, name)
        total += count
        problem, rel, want = expected.get(info.filename, (None, None, None))
        if problem and digest != want:
            mismatched[problem].append(dict(entry=rel, expected=want, actual=digest))
    for problem in ('migration_checksum', 'file_checksum'):
        bad = mismatched[problem]
        if bad:
            first = bad[0]
            more = '' if len(bad) == 1 else ' (+%d: %s)' % (len(bad) - 1, _short_list(b['entry'] for b in bad[1:]))
            raise PackageError(problem, name=name, entry=first['entry'], expected=first['expected'],
                               actual=first['actual'], more=more, files=[b['entry'] for b in bad])

    migrations = [dict(file=step['file'], sha256=step['sha256']) for step in manifest['migrations']]
    assisted = requires_assistance(manifest)
    return dict(
        path=path,
        name=name,
        sha256=sha256,
        size_bytes=size,
        checksum_file=checksum_file,
        format=manifest['format'],
        from_version=from_version,
        to_version=to_version,
        release_date=manifest.get('release_date'),
        requires_assistance=assisted,
        mandiri=not assisted,
        migrations=migrations,
        files=len(manifest['files']),
        file_list=sorted(manifest['files']),
        delete=list(manifest['delete']),
        tables_changed=list(manifest['tables_changed']),
        release_notes=manifest['release_notes'],
        total_uncompressed_bytes=total,
        warnings=warnings,
        manifest=manifest,
    )
