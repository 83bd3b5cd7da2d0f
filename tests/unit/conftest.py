# -*- coding: utf-8 -*-
"""Shared fixtures for the unit tests of pengadilan.sipp.

* puts ``<repo root>/.build`` on sys.path so that ``ansible_collections.pengadilan.sipp`` imports work (the copy is
  made with ``rsync -a --delete --exclude .build --exclude .git --exclude .venv ./ .build/ansible_collections/
  pengadilan/sipp/``);
* ``mariadb_server``: a scratch MariaDB (``sippsim.mariadb.Server.scratch``: 127.0.0.1 on a free port and a unix
  socket) with a SIPP database, a public ``sipp_web`` database and users whose passwords hold every character
  that is awkward in SQL, shells and option files. The fixture fails (never skips) when MariaDB is missing;
* ``run_module``: runs a module's ``main()`` with given arguments and returns its parsed JSON result, the one way
  the tests of ``tests/unit/plugins/modules`` run a module.
"""

from __future__ import (absolute_import, division, print_function)

import contextlib
import json
import os
import subprocess
import sys

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as common_warnings
from ansible.module_utils.common.text.converters import to_bytes

from sippsim.mariadb import Server

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core 2.19+
except ImportError:  # ansible-core 2.16-2.18: the classic way
    patch_module_args = None

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
_marker = os.sep + os.path.join('ansible_collections', 'pengadilan', 'sipp') + os.sep
if _marker in HERE + os.sep:
    # running inside an installed copy (e.g. ansible-test units): its collections root is the import root
    BUILD = (HERE + os.sep).split(_marker)[0]
else:
    BUILD = os.path.join(REPO_ROOT, '.build')
COLLECTION_COPY = os.path.join(BUILD, 'ansible_collections', 'pengadilan', 'sipp')

if BUILD not in sys.path:
    sys.path.insert(0, BUILD)

if not os.path.isdir(os.path.join(COLLECTION_COPY, 'plugins', 'module_utils')):
    raise RuntimeError(
        'The collection copy %s is missing, so ansible_collections.pengadilan.sipp cannot be imported. Make it '
        'with: make collection (scripts/sync-collection.sh)' % COLLECTION_COPY)

# Passwords with ' " $ \ spaces # ; (leading and trailing spaces too): the option-file and SQL quoting must hold.
APP_PASSWORD = " a'b\"c$d\\e f#g;h\\ "
WEB_PASSWORD = "w#;'\"$HOME`x`\\\\n z"

SYS_CONFIG_ROWS = [
    (1, 'System', 'OfflineMessage', 'Situs ini sedang dalam perbaikan', 1),
    (6, 'System', 'SiteOffline', '0', 6),
    (61, 'Pengadilan', 'KodePN', 'PN.BDG', 61),
    (62, 'Pengadilan', 'NamaPN', 'Pengadilan Negeri Bandung', 62),
    (63, 'Pengadilan', 'AlamatPN', 'Jl. L.L.R.E. Martadinata No. 74-80', 63),
    (76, 'Pengadilan', 'NamaPT', 'Pengadilan Tinggi Bandung', 76),
    (80, 'System', 'app_version', '5.2.0', 80),
    (81, 'Pengadilan', 'IDPN', '123', 81),
    (82, 'Pengadilan', 'kode_satker', '097734', 82),
    (83, 'Pengadilan', 'jenis_pengadilan', '1', 83),
]


class MariaDB(Server):
    """The scratch server with the users of the tests and a root SQL shell."""
    client = 'mariadb'
    app_user = 'sipp_app'
    app_password = APP_PASSWORD
    web_user = 'sipp_web'
    web_password = WEB_PASSWORD

    @property
    def socket(self):
        # a string, as sipp_db and the module take and return it
        return str(super(MariaDB, self).socket)

    def root_sql(self, sql):
        """Run SQL as root through the socket (root has no password in a scratch server)."""
        proc = subprocess.Popen([self.client, '--no-defaults', '--socket=%s' % self.socket, '-uroot', '--batch'],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(sql.encode('utf-8'), timeout=60)
        if proc.returncode != 0:
            raise RuntimeError('root SQL failed: %s' % err.decode('utf-8', 'replace'))
        return out.decode('utf-8', 'replace')


def _sql_str(value):
    return "'%s'" % value.replace('\\', '\\\\').replace("'", "\\'")


def _setup_sql(db):
    lines = [
        "CREATE DATABASE SIPP CHARACTER SET latin1 COLLATE latin1_swedish_ci;",
        "CREATE TABLE SIPP.sys_config (id INT PRIMARY KEY, category VARCHAR(50), name VARCHAR(50) UNIQUE, "
        "value VARCHAR(255), ordering INT) ENGINE=InnoDB DEFAULT CHARSET=latin1;",
        "CREATE TABLE SIPP.perkara (perkara_id INT PRIMARY KEY, nomor_perkara VARCHAR(100) UNIQUE, "
        "pihak1_text TEXT, petitum_dok VARCHAR(255)) ENGINE=InnoDB DEFAULT CHARSET=latin1;",
        "INSERT INTO SIPP.perkara VALUES (1, '1/Pdt.G/2025/PN Bdg', 'Andi\\tBudi\\nCitra', NULL),"
        " (2, '2/Pdt.G/2025/PN Bdg', 'NULL', 'petitum/2.pdf'),"
        " (3, '3/Pdt.G/2025/PN Bdg', CONVERT(_utf8mb4'Jos\u00e9' USING latin1), '');",
        "CREATE DATABASE sipp_nover CHARACTER SET latin1;",
        "CREATE TABLE sipp_nover.sys_config LIKE SIPP.sys_config;",
        "CREATE DATABASE sipp_web CHARACTER SET latin1;",
        "CREATE TABLE sipp_web.sys_sinkronisasi (id CHAR(1) PRIMARY KEY, time_stamp TIMESTAMP NULL) ENGINE=InnoDB;",
        "INSERT INTO sipp_web.sys_sinkronisasi VALUES ('1', NOW() - INTERVAL 1 HOUR);",
    ]
    for row in SYS_CONFIG_ROWS:
        lines.append("INSERT INTO SIPP.sys_config VALUES (%d, %s, %s, %s, %d);" % (
            row[0], _sql_str(row[1]), _sql_str(row[2]), _sql_str(row[3]), row[4]))
    for host in ('localhost', '127.0.0.1'):
        lines.append("CREATE USER '%s'@'%s' IDENTIFIED BY %s;" % (db.app_user, host, _sql_str(db.app_password)))
        lines.append("GRANT ALL ON SIPP.* TO '%s'@'%s';" % (db.app_user, host))
        lines.append("GRANT ALL ON sipp_nover.* TO '%s'@'%s';" % (db.app_user, host))
        lines.append("CREATE USER '%s'@'%s' IDENTIFIED BY %s;" % (db.web_user, host, _sql_str(db.web_password)))
        lines.append("GRANT ALL ON sipp_web.* TO '%s'@'%s';" % (db.web_user, host))
    return '\n'.join(lines) + '\n'


@pytest.fixture(scope='session')
def mariadb_server():
    # a missing MariaDB fails here (RuntimeError from sippsim.mariadb.require_installed), it never skips
    with MariaDB.scratch('unit-tests') as db:
        db.root_sql(_setup_sql(db))
        yield db


@contextlib.contextmanager
def _module_args(args):
    """Give ``args`` to the AnsibleModule that a module's main() makes."""
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
    else:
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


@pytest.fixture
def run_module(capsys):
    """``run_module(module_main, args) -> (result dict, raw JSON text)``: run a module's ``main()`` with ``args`` as
    Ansible would and read the JSON it prints (exit_json and fail_json alike; ``failed`` is in the result).

    ansible-core keeps module warnings and deprecations process-wide: each run starts without earlier runs' ones, so
    a result's ``warnings`` are that run's own.
    """
    def run(module_main, args):
        capsys.readouterr()
        for name in ('_global_warnings', '_global_deprecations'):
            getattr(common_warnings, name).clear()
        with _module_args(args):
            with pytest.raises(SystemExit):
                module_main()
        out = capsys.readouterr().out
        return json.loads(out), out
    return run
