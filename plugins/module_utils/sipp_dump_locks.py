# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tables without transactions (MyISAM, Aria) copied consistently while SIPP stays online: found, and held
under ``LOCK TABLES ... READ`` in a client of their own for as long as the dump reads them (``TableLock``).
Python 3.6 compatible, standard library only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import subprocess
# subprocess.Popen, not AnsibleModule.run_command: a client session held open beside the dump (the table lock), fed on
# stdin; these helpers have no module object.
# pylint: disable=ansible-bad-function
import tempfile
import time

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import scrub
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_pipes import _close, _kill, _read_err, _wait
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_programs import client_command, DumpError


def nontransactional_tables(conn, database):
    """The base tables of ``database`` whose engine has no transactions (MyISAM, Aria, MEMORY, ARCHIVE, CSV, ...):
    ``--single-transaction`` does not make their copy consistent while SIPP writes. A list of dict(name, engine),
    sorted by name."""
    rows = conn.query(
        "SELECT t.TABLE_NAME AS name, t.ENGINE AS engine FROM information_schema.TABLES t "
        "LEFT JOIN information_schema.ENGINES e ON e.ENGINE = t.ENGINE "
        "WHERE t.TABLE_SCHEMA = %s AND t.TABLE_TYPE = 'BASE TABLE' AND COALESCE(e.TRANSACTIONS, 'NO') <> 'YES' "
        "ORDER BY t.TABLE_NAME", (database,))
    return [dict(name=row['name'], engine=row['engine']) for row in rows]


def _quote_name(name):
    return '`%s`' % name.replace('`', '``')


class TableLock(object):
    """READ locks on ``tables`` held by a client session of their own (the mariadb/mysql client, credentials from
    the private option file) for as long as the ``with`` block runs: SIPP may still read them, its writes to them
    wait, so a dump made meanwhile (from another session) copies them as they were when the lock was taken. The
    client keeps the session open between statements whatever backend the module uses; if the module dies, the
    session ends and the locks go with it.

    ``wait_seconds`` bounds the wait for the lock (``lock_wait_timeout``). On entry raises DumpError(step='lock')
    with the client's words when the locks cannot be taken; nothing is then locked."""

    READY = b'sipp-locked'

    def __init__(self, client, defaults_arg, database, tables, env=None, secrets=(), wait_seconds=60):
        self.argv = client_command(client, defaults_arg, database) + ['--batch', '--skip-column-names',
                                                                      '--unbuffered']
        self.tables = list(tables)
        self.env = env
        self.secrets = [s for s in secrets if s]
        self.wait_seconds = int(wait_seconds)
        self.proc = None
        self.err = None
        self.taken = self.released = None
        self.closed = False

    def __enter__(self):
        self.err = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                         env=self.env, close_fds=True)
        except OSError as exc:
            _close(self.err)
            raise DumpError('lock', scrub(str(exc), self.secrets), program=self.argv[0])
        sql = "SET SESSION lock_wait_timeout = %d;\nLOCK TABLES %s;\nSELECT '%s';\n" % (
            max(1, self.wait_seconds), ', '.join('%s READ' % _quote_name(t) for t in self.tables),
            self.READY.decode('ascii'))
        try:
            self.proc.stdin.write(sql.encode('utf-8'))
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except (OSError, ValueError):
            line = b''
        if line.strip() != self.READY:
            self._end()
            detail = _read_err(self.err, self.secrets) or 'the client ended (exit code %s)' % self.proc.returncode
            _close(self.err)
            raise DumpError('lock', detail, returncode=self.proc.returncode, program=self.argv[0])
        self.taken = time.time()
        return self

    def release(self):
        """End the locks now (the tables' copy is done); the rest of the dump goes on. Idempotent."""
        if self.proc is not None and self.released is None:
            self.released = time.time()
            self._end()

    @property
    def locked_seconds(self):
        """How long the locks were held (so far)."""
        if self.taken is None:
            return None
        return round((self.released or time.time()) - self.taken, 3)

    def _end(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.proc.stdin.write(b'UNLOCK TABLES;\n')
            self.proc.stdin.close()
        except (OSError, ValueError):
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _kill(self.proc)
            _wait(self.proc)
        _close(self.proc.stdout)

    def __exit__(self, *exc_info):
        if self.released is None:
            self.released = time.time()
        self._end()
        _close(self.err)
        return False
