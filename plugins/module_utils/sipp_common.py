# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers for pengadilan.sipp modules: the catalogue of the messages about reaching SIPP (its folder,
database.php, the database) and the clock, folder sizes, free disk, times and the court's clock against the
controller's.

Kept free of Ansible imports and of syntax newer than Python 3.6 (CentOS 7 court servers).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import stat
import time

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import Catalogue

# Every failure message says what happened, what was done, and what to do next.
MESSAGES = Catalogue({
    'id': {
        'no_app_found': (
            "Folder aplikasi SIPP tidak ditemukan. Yang sudah diperiksa: {paths} (dicari folder berisi index.php, "
            "system/ dan application/config/database.php). Tidak ada yang diubah. Tentukan lokasinya dengan opsi "
            "app_path, atau tambahkan foldernya ke search_paths."),
        'app_path_invalid': (
            "Folder {path} bukan folder aplikasi SIPP: {missing} tidak ada. Tidak ada yang diubah. Periksa opsi "
            "app_path (harus folder yang berisi index.php, system/ dan application/config/database.php)."),
        'config_unreadable': (
            "Berkas {file} tidak dapat dibaca: {error}. Tidak ada yang diubah. Periksa hak akses berkas itu "
            "(modul harus berjalan sebagai root, gunakan become: true)."),
        'config_syntax': (
            "Berkas {file} tidak dapat dibaca sebagai konfigurasi CodeIgniter, baris {line}: {detail}. "
            "Tidak ada yang diubah. Perbaiki baris itu (nilai sebaiknya ditulis dalam tanda kutip tunggal)."),
        'config_interpolation': (
            "Berkas {file} baris {line}: nilai {setting} ditulis dalam tanda kutip ganda dan memuat tanda $ yang "
            "diikuti nama variabel, sehingga PHP akan menggantinya dengan isi variabel. Nilainya tidak dipakai "
            "dan tidak ada yang diubah. Tulis nilai itu dalam tanda kutip tunggal, atau tulis \\$ untuk tanda $."),
        'config_value_unsupported': (
            "Berkas {file} baris {line}: nilai {setting} berupa ekspresi PHP yang tidak dapat dibaca tanpa "
            "menjalankan PHP. Tidak ada yang diubah. Tulis nilai itu sebagai teks biasa dalam tanda kutip tunggal, "
            "atau berikan nilainya lewat opsi login_*."),
        'config_group_missing': (
            "Grup basis data '{group}' tidak ada di {file} (grup yang ada: {groups}). Tidak ada yang diubah. "
            "Periksa opsi db_group atau $active_group di berkas itu."),
        'config_key_missing': (
            "Grup '{group}' di {file} tidak memuat '{setting}'. Tidak ada yang diubah. Lengkapi berkas itu atau "
            "berikan nilainya lewat opsi login_*."),
        'driver_missing': (
            "PyMySQL tidak terpasang pada Python server ini ({python}), padahal db_client_backend=pymysql. "
            "Tidak ada yang diubah. Pasang PyMySQL, arahkan ansible_python_interpreter ke Python yang memilikinya, "
            "atau gunakan db_client_backend=auto agar klien mysql/mariadb dipakai."),
        'client_missing': (
            "PyMySQL tidak tersedia dan program klien mysql/mariadb tidak ditemukan di server ini. Tidak ada yang "
            "diubah. Pasang paket klien MariaDB/MySQL (mis. yum install mariadb) atau PyMySQL."),
        'connect_failed': (
            "Tidak dapat tersambung ke basis data {target} sebagai pengguna '{user}' (backend {backend}): {error}. "
            "Tidak ada yang diubah. Periksa bahwa MariaDB/MySQL berjalan (systemctl status mariadb) dan bahwa "
            "isian {file} atau opsi login_* benar."),
        'query_failed': (
            "Perintah SQL ke basis data {target} gagal (backend {backend}): {error}. Tidak ada yang diubah. "
            "Periksa bahwa basis data itu adalah basis data SIPP dan pengguna '{user}' berhak membacanya."),
        'version_missing': (
            "Basis data '{database}' tidak memuat versi SIPP (sys_config id 80 kosong atau tidak ada). Tidak ada "
            "yang diubah. Pastikan db_group/login_db menunjuk ke basis data SIPP yang benar."),
        'candidates_all_failed': (
            "Ditemukan beberapa folder SIPP ({paths}), tetapi tidak satu pun dapat dipakai: {errors}. Tidak ada yang "
            "diubah. Tentukan folder yang benar dengan opsi app_path."),
        'several_candidates': (
            "Ditemukan beberapa folder SIPP: {paths}. Dipilih {chosen} karena basis datanya memuat versi SIPP "
            "(sys_config id 80). Tentukan app_path bila pilihan ini salah."),
        'socket_not_found': (
            "Soket MariaDB/MySQL tidak ditemukan di tempat yang biasa (/run/mysqld/mysqld.sock, "
            "/var/run/mysqld/mysqld.sock, /var/lib/mysql/mysql.sock, /tmp/mysql.sock), jadi 'localhost' dihubungi "
            "lewat TCP 127.0.0.1. Tentukan login_unix_socket bila soketnya di tempat lain."),
        'sync_group_missing': "Grup '{group}' (basis data SIPP web/publik) tidak ada di database.php",
        'sync_unreachable': "Basis data publik {target} tidak dapat dihubungi: {error}",
        'sync_row_missing': "Baris sys_sinkronisasi id '1' tidak ada di basis data publik",
        'sync_query_failed': "Tabel sys_sinkronisasi tidak dapat dibaca: {error}",
        'clock_ahead': (
            "Jam server pengadilan ini {amount} lebih cepat dari jam controller (server {court}, controller "
            "{controller}). Waktu yang dicatat server (cadangan, hasil, log) ikut salah sebanyak itu; urutan cadangan "
            "tetap diambil dari catatannya. Setel jam server dengan benar (NTP, atau timedatectl set-time)."),
        'clock_behind': (
            "Jam server pengadilan ini {amount} lebih lambat dari jam controller (server {court}, controller "
            "{controller}). Waktu yang dicatat server (cadangan, hasil, log) ikut salah sebanyak itu; urutan cadangan "
            "tetap diambil dari catatannya. Setel jam server dengan benar (NTP, atau timedatectl set-time)."),
        'u_day': "{n} hari",
        'u_hour': "{n} jam",
        'u_minute': "{n} menit",
        'u_second': "{n} detik",
    },
    'en': {
        'no_app_found': (
            "No SIPP application folder found. Looked in: {paths} (for a folder holding index.php, system/ and "
            "application/config/database.php). Nothing was changed. Give its location with the app_path option, or "
            "add its parent folder to search_paths."),
        'app_path_invalid': (
            "{path} is not a SIPP application folder: {missing} is missing. Nothing was changed. Check the app_path "
            "option (a folder holding index.php, system/ and application/config/database.php)."),
        'config_unreadable': (
            "Cannot read {file}: {error}. Nothing was changed. Check the file's permissions (run the module as root "
            "with become: true)."),
        'config_syntax': (
            "Cannot read {file} as a CodeIgniter configuration, line {line}: {detail}. Nothing was changed. Fix that "
            "line (values are best written in single quotes)."),
        'config_interpolation': (
            "{file} line {line}: the value of {setting} is in double quotes and holds a $ followed by a variable name, "
            "which PHP replaces with the variable's content. The value was not used and nothing was changed. Write "
            "it in single quotes, or write \\$ for a literal $."),
        'config_value_unsupported': (
            "{file} line {line}: the value of {setting} is a PHP expression that cannot be read without running PHP. "
            "Nothing was changed. Write it as plain text in single quotes, or give it with the login_* options."),
        'config_group_missing': (
            "Database group '{group}' is not in {file} (groups present: {groups}). Nothing was changed. Check the "
            "db_group option or $active_group in that file."),
        'config_key_missing': (
            "Group '{group}' in {file} has no '{setting}'. Nothing was changed. Complete that file or give the value "
            "with the login_* options."),
        'driver_missing': (
            "PyMySQL is not installed for this server's Python ({python}) but db_client_backend=pymysql. Nothing was "
            "changed. Install PyMySQL, point ansible_python_interpreter at a Python that has it, or use "
            "db_client_backend=auto so the mysql/mariadb client is used."),
        'client_missing': (
            "PyMySQL is not available and no mysql/mariadb client program was found on this server. Nothing was "
            "changed. Install the MariaDB/MySQL client package (e.g. yum install mariadb) or PyMySQL."),
        'connect_failed': (
            "Cannot connect to database {target} as user '{user}' (backend {backend}): {error}. Nothing was changed. "
            "Check that MariaDB/MySQL is running (systemctl status mariadb) and that {file} or the login_* options "
            "are right."),
        'query_failed': (
            "An SQL query on {target} failed (backend {backend}): {error}. Nothing was changed. Check that this is "
            "the SIPP database and that user '{user}' may read it."),
        'version_missing': (
            "Database '{database}' holds no SIPP version (sys_config id 80 is empty or missing). Nothing was "
            "changed. Make sure db_group/login_db point at the right SIPP database."),
        'candidates_all_failed': (
            "Several SIPP folders were found ({paths}) but none could be used: {errors}. Nothing was changed. Choose "
            "the right folder with the app_path option."),
        'several_candidates': (
            "Several SIPP folders were found: {paths}. Chose {chosen} because its database holds a SIPP version "
            "(sys_config id 80). Set app_path if that choice is wrong."),
        'socket_not_found': (
            "No MariaDB/MySQL socket was found in the usual places (/run/mysqld/mysqld.sock, "
            "/var/run/mysqld/mysqld.sock, /var/lib/mysql/mysql.sock, /tmp/mysql.sock), so 'localhost' was reached "
            "over TCP 127.0.0.1. Set login_unix_socket if the socket is elsewhere."),
        'sync_group_missing': "Group '{group}' (the public SIPP web database) is not in database.php",
        'sync_unreachable': "The public database {target} cannot be reached: {error}",
        'sync_row_missing': "Row sys_sinkronisasi id '1' is missing on the public database",
        'sync_query_failed': "Table sys_sinkronisasi cannot be read: {error}",
        'clock_ahead': (
            "The clock of this court's server is {amount} ahead of the controller's (server {court}, controller "
            "{controller}). The times it records (backups, results, logs) are wrong by as much; the order of the "
            "backups still comes from their records. Set the server's clock right (NTP, or timedatectl set-time)."),
        'clock_behind': (
            "The clock of this court's server is {amount} behind the controller's (server {court}, controller "
            "{controller}). The times it records (backups, results, logs) are wrong by as much; the order of the "
            "backups still comes from their records. Set the server's clock right (NTP, or timedatectl set-time)."),
        'u_day': "{n} day(s)",
        'u_hour': "{n} hour(s)",
        'u_minute': "{n} minute(s)",
        'u_second': "{n} second(s)",
    },
})
# seconds a court's clock may differ from the controller's before it is reported
CLOCK_TOLERANCE = 300


def folder_size(path):
    """Return (bytes, files) under ``path``: regular files only, symlinks are not followed nor counted.

    Unreadable sub-folders are skipped silently (their content is not counted).
    """
    total = 0
    files = 0
    if not os.path.isdir(path):
        return 0, 0
    for root, dirs, names in os.walk(path, followlinks=False):
        for name in names:
            try:
                st = os.lstat(os.path.join(root, name))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
                files += 1
    return total, files


def disk_usage(path):
    """Return dict(path, free_bytes, total_bytes) for the filesystem holding ``path`` (os.statvfs).

    ``free_bytes`` is the space available to unprivileged users (f_bavail), as ``df`` shows it.
    """
    st = os.statvfs(path)
    return {
        'path': path,
        'free_bytes': st.f_bavail * st.f_frsize,
        'total_bytes': st.f_blocks * st.f_frsize,
    }


def iso_time(epoch):
    """Local ISO 8601 time with its offset, as this machine's clock says (Python 3.6: no %z with a colon)."""
    local = time.localtime(epoch)
    offset = time.strftime('%z', local)
    return time.strftime('%Y-%m-%dT%H:%M:%S', local) + (offset[:3] + ':' + offset[3:] if offset else '')


def duration_text(language, seconds):
    """``3 hari 2 jam``, ``45 menit``: the two largest units of a duration, rounded to the smaller, for people."""
    seconds = int(abs(seconds))
    if seconds >= 86400:
        seconds = int(round(seconds / 3600.0)) * 3600
    elif seconds >= 3600:
        seconds = int(round(seconds / 60.0)) * 60
    parts = []
    for key, size in (('u_day', 86400), ('u_hour', 3600), ('u_minute', 60), ('u_second', 1)):
        if seconds >= size or (key == 'u_second' and not parts):
            parts.append(MESSAGES.text(language, key, n=seconds // size))
            seconds %= size
            if not seconds or len(parts) == 2:
                break
        elif parts:
            break
    return ' '.join(parts)


def clock_argument_spec():
    """The options of the sipp_clock doc fragment."""
    return dict(
        controller_time=dict(type='float'),
        clock_tolerance=dict(type='int', default=CLOCK_TOLERANCE),
    )


def clock_report(language, controller_time, tolerance=CLOCK_TOLERANCE, now=None):
    """The court's clock (``now``, this machine's) against the controller's time when the task was sent.

    None when ``controller_time`` is not given; else dict(court, controller, skew_seconds (positive: the court is
    ahead), skewed, tolerance_seconds, text (empty when not skewed))."""
    if controller_time is None:
        return None
    now = time.time() if now is None else now
    skew = now - float(controller_time)
    skewed = abs(skew) > tolerance
    report = dict(court=iso_time(now), controller=iso_time(float(controller_time)), skew_seconds=int(round(skew)),
                  skewed=skewed, tolerance_seconds=tolerance, text='')
    if skewed:
        report['text'] = MESSAGES.text(language, 'clock_ahead' if skew > 0 else 'clock_behind',
                                       amount=duration_text(language, skew), court=report['court'],
                                       controller=report['controller'])
    return report
