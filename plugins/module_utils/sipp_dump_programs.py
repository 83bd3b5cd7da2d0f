# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The programs a dump or a restore runs on the court, found and given their command lines: mysqldump or
mariadb-dump, the mysql/mariadb client, zstd or gzip; and the error of any stage of a dump or restore.

Credentials reach client programs ONLY through ``sipp_db.client_credentials`` (private option file, clean
environment); never on a command line or in the environment. Python 3.6 compatible, standard library only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import subprocess
# subprocess.Popen, not AnsibleModule.run_command: the dump program's --help read with a timeout; these helpers have
# no module object.
# pylint: disable=ansible-bad-function

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import find_program
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import SippError


DUMP_NAMES = ['mariadb-dump', 'mysqldump']
COMPRESSIONS = ('auto', 'zstd', 'gzip', 'none')
MAGIC = ((b'\x28\xb5\x2f\xfd', 'zstd'), (b'\x1f\x8b', 'gzip'))
EXTENSIONS = {'zstd': '.zst', 'gzip': '.gz', 'none': ''}

# Conservative estimate of the dump size, documented in sipp_db_backup: the SQL text of a dump is smaller than
# data_length + index_length (indexes are not dumped, InnoDB pages are not full), and SQL dumps compress 4 to 10
# times with gzip or zstd; we count half of it for compressed output.
COMPRESSED_FRACTION = 0.5

# Options given to the dump program after --defaults-extra-file (which must be first).
DUMP_OPTIONS = ['--single-transaction', '--quick', '--routines', '--triggers', '--events', '--hex-blob',
                '--no-tablespaces', '--skip-dump-date']


class DumpError(SippError):
    """A stage of a dump or restore pipeline failed (the module that ran it words it: its ``step_failed``).

    ``step`` (its ``problem``): ``dump``, ``compress``, ``write``, ``end_marker``, ``test``, ``decompress``,
    ``client``, ``read``; ``detail``: what the tool said (stderr, scrubbed) or what was found; ``returncode`` when a
    process failed; ``program`` the tool.
    """

    def __init__(self, step, detail, returncode=None, program=None):
        super(DumpError, self).__init__(step, detail=detail, returncode=returncode, program=program)
        self.step = step
        self.detail = detail
        self.returncode = returncode
        self.program = program

    def __str__(self):
        return '%s failed: %s' % (self.step, self.detail)


def find_dump_program(module=None):
    """Path of mariadb-dump or mysqldump, or None."""
    return find_program(DUMP_NAMES, module)


def choose_compression(choice, module=None):
    """Resolve ``choice`` (auto|zstd|gzip|none) to ``(kind, program path or None)``.

    ``auto``: zstd when found, else gzip, else none. Raises DumpError(step='compress') when a named compressor is
    missing.
    """
    if choice == 'none':
        return 'none', None
    if choice in ('zstd', 'gzip'):
        path = find_program([choice], module)
        if not path:
            raise DumpError('compress', '%s not found' % choice, program=choice)
        return choice, path
    for kind in ('zstd', 'gzip'):
        path = find_program([kind], module)
        if path:
            return kind, path
    return 'none', None


def compress_command(kind, program, level=None):
    """argv of a compressor that reads stdin and writes stdout."""
    if kind == 'zstd':
        # -T0: every core; level 3 is zstd's default, fast and already better than gzip -6
        return [program, '-q', '-c', '-T0', '-%d' % int(level or 3)]
    if kind == 'gzip':
        return [program, '-c', '-%d' % int(level or 6)]
    raise ValueError(kind)


def decompress_command(kind, program):
    """argv of a decompressor that reads stdin and writes stdout."""
    if kind == 'zstd':
        return [program, '-q', '-d', '-c']
    if kind == 'gzip':
        return [program, '-d', '-c']
    raise ValueError(kind)


def test_command(kind, program, path):
    """argv that tests a compressed file's integrity."""
    if kind == 'zstd':
        return [program, '-q', '-t', path]
    return [program, '-t', path]


def detect_compression(path):
    """``zstd``, ``gzip`` or ``none`` from the first bytes of ``path``."""
    with open(path, 'rb') as f:
        head = f.read(4)
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    return 'none'


def dump_help(program):
    """The dump program's ``--help`` text (read with --no-defaults: no option file is read), '' on failure."""
    try:
        proc = subprocess.Popen([program, '--no-defaults', '--help'], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, close_fds=True,
                                env={'PATH': os.environ.get('PATH') or '/usr/bin:/bin', 'LC_ALL': 'C'})
        out = proc.communicate(timeout=60)[0]
    except (OSError, subprocess.TimeoutExpired):
        return ''
    return out.decode('utf-8', 'replace')


def dump_command(program, defaults_arg, database, charset, help_text='', events=True, routines=True):
    """argv of the dump: ``--defaults-extra-file`` FIRST, the consistent-snapshot options, the database.

    Only SIPP's database is dumped, without ``--databases``: the dump has no CREATE DATABASE nor USE, so it restores
    into whatever database the restoring client names (the same name on the court). ``--set-gtid-purged=OFF`` is added
    when the program knows it (MySQL 5.6+ with GTIDs would otherwise write a statement that needs SUPER), and
    ``--column-statistics=0`` when it knows that (MySQL 8's mysqldump against an older server). ``events`` and
    ``routines`` false leave ``--events`` and ``--routines`` out (what the login user may not dump).
    """
    argv = [program, defaults_arg] + [o for o in DUMP_OPTIONS
                                      if (events or o != '--events') and (routines or o != '--routines')]
    if charset:
        argv.append('--default-character-set=%s' % charset)
    if '--set-gtid-purged' in (help_text or ''):
        argv.append('--set-gtid-purged=OFF')
    if '--column-statistics' in (help_text or ''):
        # MySQL 8's mysqldump asks information_schema.COLUMN_STATISTICS, which MySQL 5.x and MariaDB lack
        argv.append('--column-statistics=0')
    if help_text and '--skip-dump-date' not in help_text and '--dump-date' not in help_text:
        argv.remove('--skip-dump-date')
    argv.append('--')
    argv.append(database)
    return argv


def client_command(client, defaults_arg, database, charset=None):
    """argv of the mysql/mariadb client that executes a dump: ``--defaults-extra-file`` FIRST."""
    argv = [client, defaults_arg]
    if charset:
        argv.append('--default-character-set=%s' % charset)
    argv.append('--database=%s' % database)
    return argv
