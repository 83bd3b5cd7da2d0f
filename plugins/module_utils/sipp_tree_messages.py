# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The words of the application tree (module sipp_app_tree): its message catalogue and its error.

Every refusal or failure of the tree raises :class:`TreeError` (``problem`` one of PROBLEMS, ``key``, ``params``),
or ``PackageError`` of ``sipp_package`` for a package refused before anything changed; ``render()`` words either in
the operator's language. Python 3.6, stdlib only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue, SippError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_package import PackageError


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
