# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Dump and restore mechanics of SIPP's database: a streaming pipeline that checks every stage.

Backup (:func:`dump_to_file`)::

    mysqldump/mariadb-dump --defaults-extra-file=<0600 file> ... DB
        | Python (counts bytes, keeps the last bytes to find "-- Dump completed", feeds the next stage)
        | zstd -c / gzip -c (or nothing)
        > <dest folder>/.<name>.XXXX.part   (mode 0600, same folder as dest, renamed by the caller when verified)

Every process's exit status is checked (that is ``pipefail``), a compressor that dies early is noticed at once (a
broken pipe) and the dump is stopped, the dump's end marker must be the last line, and the compressed file is then
tested by its own tool (``zstd -t`` / ``gzip -t``). The first failing stage raises :class:`DumpError` naming the step
(``dump``, ``compress``, ``write``, ``end_marker``, ``test``) with the tool's stderr, scrubbed of the password; the
partial file is removed. Nothing else is touched.

Restore (:func:`restore_stream`)::

    <file> | zstd -dc / gzip -dc | Python (DumpFilter: keep only the wanted sections) | mariadb/mysql --defaults-extra-file=...

Credentials reach client programs ONLY through ``sipp_db.client_credentials`` (private option file, clean
environment); never on a command line or in the environment.

Python 3.6 compatible, standard library only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import json
import os
import re
import subprocess
import tempfile
import time

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import SippError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import (
    CLIENT_EXTRA_DIRS, client_credentials, scrub)

DUMP_NAMES = ['mariadb-dump', 'mysqldump']
COMPRESSIONS = ('auto', 'zstd', 'gzip', 'none')
CHUNK = 1024 * 1024
TAIL_BYTES = 4096
END_MARKER = b'-- Dump completed'
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


# ------------------------------------------------------------------------------------------- programs

def find_program(names, module=None, extra_dirs=None):
    """Path of the first program of ``names`` found (module.get_bin_path when a module is given), or None."""
    dirs = list(CLIENT_EXTRA_DIRS if extra_dirs is None else extra_dirs)
    for name in names:
        if module is not None:
            path = module.get_bin_path(name, required=False, opt_dirs=dirs)
        else:
            path = None
            for d in os.environ.get('PATH', '').split(os.pathsep) + dirs:
                candidate = os.path.join(d, name)
                if d and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                    path = candidate
                    break
        if path:
            return path
    return None


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


def dump_command(program, defaults_arg, database, charset, help_text=''):
    """argv of the dump: ``--defaults-extra-file`` FIRST, the consistent-snapshot options, the database.

    Only SIPP's database is dumped, without ``--databases``: the dump has no CREATE DATABASE nor USE, so it restores
    into whatever database the restoring client names (the same name on the court). ``--set-gtid-purged=OFF`` is added
    when the program knows it (MySQL 5.6+ with GTIDs would otherwise write a statement that needs SUPER), and
    ``--column-statistics=0`` when it knows that (MySQL 8's mysqldump against an older server).
    """
    argv = [program, defaults_arg] + list(DUMP_OPTIONS)
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


# ------------------------------------------------------------------------------------------- helpers

def has_end_marker(tail):
    """True when the last non-empty line of ``tail`` (the dump's last bytes) is mysqldump's ``-- Dump completed``."""
    lines = [line.strip() for line in (tail or b'').splitlines() if line.strip()]
    return bool(lines) and lines[-1].startswith(END_MARKER)


def _read_err(handle, secrets, limit=4000):
    if handle is None:
        return ''
    try:
        handle.seek(0)
        data = handle.read()
    except (OSError, ValueError):
        return ''
    text = data.decode('utf-8', 'replace').strip()
    if len(text) > limit:
        text = '...' + text[-limit:]
    return scrub(text, secrets)


def _kill(proc):
    if proc is not None and proc.poll() is None:
        try:
            proc.kill()
        except OSError:
            pass


def _wait(proc):
    if proc is None:
        return None
    try:
        return proc.wait()
    except OSError:
        return proc.returncode


def _close(handle):
    if handle is not None:
        try:
            handle.close()
        except (OSError, ValueError):
            pass


# ------------------------------------------------------------------------------------------- backup

def dump_to_file(dump_argv, compress_argv, out_path, env=None, secrets=(), test_argv=None, watch=None):
    """Run ``dump_argv | Python | compress_argv > out_path`` checking every stage (see the module docstring).

    ``compress_argv`` None writes the dump as it is. ``out_path`` must not exist; it is created with mode 0600 and
    removed when any stage fails. ``test_argv``: a command that tests the finished file (``zstd -t FILE``).
    ``secrets``: strings scrubbed from every error text. ``watch``: an object whose ``feed(block)`` sees every block
    of the dump as it passes (a SectionWatch).

    Returns dict(uncompressed_bytes, sql_sha256, dump_stderr). Raises DumpError.
    """
    secrets = [s for s in secrets if s]
    fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    out = os.fdopen(fd, 'wb')
    dump_err = tempfile.TemporaryFile()
    comp_err = tempfile.TemporaryFile() if compress_argv else None
    dump = comp = None
    ok = False
    try:
        try:
            dump = subprocess.Popen(dump_argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=dump_err,
                                    env=env, close_fds=True)
        except OSError as exc:
            raise DumpError('dump', scrub(str(exc), secrets), program=dump_argv[0])
        if compress_argv:
            try:
                comp = subprocess.Popen(compress_argv, stdin=subprocess.PIPE, stdout=out, stderr=comp_err,
                                        close_fds=True)
            except OSError as exc:
                _kill(dump)
                _wait(dump)
                raise DumpError('compress', str(exc), program=compress_argv[0])
        sink = comp.stdin if comp is not None else out
        digest = hashlib.sha256()
        total = 0
        tail = b''
        failed = None
        while True:
            block = dump.stdout.read(CHUNK)
            if not block:
                break
            total += len(block)
            digest.update(block)
            tail = (tail + block)[-TAIL_BYTES:]
            try:
                sink.write(block)
            except (OSError, ValueError) as exc:
                failed = exc
                break
            if watch is not None:
                watch.feed(block)
        if failed is not None:
            # the next stage is gone (compressor died, disk full): stop the dump, then say which stage failed
            _kill(dump)
        _close(dump.stdout)
        dump_rc = _wait(dump)
        comp_rc = None
        if comp is not None:
            try:
                comp.stdin.close()
            except (OSError, ValueError) as exc:
                failed = failed or exc
            comp_rc = _wait(comp)
        else:
            try:
                out.flush()
                os.fsync(out.fileno())
            except OSError as exc:
                failed = failed or exc

        if comp is not None and comp_rc != 0:
            raise DumpError('compress', _read_err(comp_err, secrets) or 'exit code %s' % comp_rc,
                            returncode=comp_rc, program=compress_argv[0])
        if failed is not None and comp is None:
            raise DumpError('write', scrub(str(failed), secrets))
        if dump_rc != 0:
            if failed is not None and dump_rc < 0:
                raise DumpError('compress', 'the compressor stopped reading: %s' % failed,
                                program=compress_argv[0] if compress_argv else None)
            raise DumpError('dump', _read_err(dump_err, secrets) or 'exit code %s' % dump_rc, returncode=dump_rc,
                            program=dump_argv[0])
        if failed is not None:
            raise DumpError('compress', 'the compressor stopped reading: %s' % failed,
                            program=compress_argv[0] if compress_argv else None)
        if not has_end_marker(tail):
            raise DumpError('end_marker', 'the dump does not end with "-- Dump completed" (%d bytes received)'
                            % total)
        try:
            out.flush()
            os.fsync(out.fileno())
        except OSError as exc:
            raise DumpError('write', str(exc))
        _close(out)
        out = None
        if test_argv:
            proc = subprocess.Popen(test_argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, close_fds=True)
            text = proc.communicate()[0]
            if proc.returncode != 0:
                raise DumpError('test', scrub(text.decode('utf-8', 'replace').strip(), secrets) or
                                'exit code %s' % proc.returncode, returncode=proc.returncode, program=test_argv[0])
        ok = True
        return dict(uncompressed_bytes=total, sql_sha256=digest.hexdigest(),
                    dump_stderr=_read_err(dump_err, secrets))
    finally:
        if not ok:
            _kill(dump)
            _kill(comp)
            if dump is not None:
                _close(dump.stdout)
                _wait(dump)
            if comp is not None:
                _close(comp.stdin)
                _wait(comp)
        _close(out)
        _close(dump_err)
        _close(comp_err)
        if not ok and os.path.exists(out_path):
            os.unlink(out_path)


# ------------------------------------------------------------------------------------------- section filter

_HEADER_RE = re.compile(
    br'^-- (Table structure for table|Dumping data for table|Temporary (?:table|view) structure for view|'
    br'Final view structure for view) `(.*)`\s*$')
_DB_HEADER_RE = re.compile(br'^-- Dumping (events|routines) for database\b')
_TRAILER_RE = re.compile(
    br'^/\*!\d+ SET (?:TIME_ZONE|SQL_MODE|FOREIGN_KEY_CHECKS|UNIQUE_CHECKS|CHARACTER_SET_CLIENT|'
    br'CHARACTER_SET_RESULTS|COLLATION_CONNECTION|SQL_NOTES)\s*=\s*@OLD_')
# Lines that carry a DEFINER clause: triggers, views, events, routines (MySQL and MariaDB forms). Data lines start
# with "INSERT" or "(", so they never match.
_DEFINER_LINE_RE = re.compile(
    br'^(?:/\*!50003 CREATE\*/ /\*!500(?:17|20) DEFINER=|/\*!50013 DEFINER=|/\*!50106 CREATE\*/ /\*!50117 DEFINER=|'
    br'CREATE DEFINER=)')
_DEFINER_RE = re.compile(br'DEFINER=(`(?:[^`]|``)*`@`(?:[^`]|``)*`|CURRENT_USER(?:\(\))?)')
_KIND = {
    b'Table structure for table': 'table',
    b'Dumping data for table': 'table',
    b'Final view structure for view': 'view',
}


def definer_text(user_at_host):
    """``user@host`` (as CURRENT_USER() returns it) in the dump's quoted form (backquoted user, @, backquoted host)."""
    user, _sep, host = (user_at_host or '').rpartition('@')
    return ('`%s`@`%s`' % (user.replace('`', '``'), host.replace('`', '``'))).encode('utf-8')


def _unquote_name(raw):
    return raw.replace(b'``', b'`').decode('utf-8', 'replace')


class DumpFilter(object):
    """Keep the wanted sections of a mysqldump/mariadb-dump text, line by line.

    A dump is: a preamble (SET statements), then sections, each opened by a three-line comment header
    (``--`` / ``-- Table structure for table `t``` / ``--``): a table's structure, its data (and its triggers,
    written right after the data without a header of their own), view placeholders (``Temporary table structure for
    view``), events, routines, final view structures, then a trailer of ``SET ...=@OLD_...`` statements and the
    ``-- Dump completed`` line. Data never holds a raw newline (mysqldump escapes it as ``\\n``), so a header line
    cannot be forged by a value.

    ``tables``: names of the tables to keep (None: every table). ``views``: keep view placeholders and final view
    structures. ``routines``: keep the events and routines sections. The preamble and trailer are always kept.
    ``keep_definer``: None keeps every DEFINER clause; otherwise a ``user@host`` (the restoring user, as
    ``CURRENT_USER()`` gives it) whose clauses are kept while any other definer of a trigger, view, event or
    routine becomes ``DEFINER=CURRENT_USER`` (a user without SUPER cannot create objects for another definer);
    ``''`` rewrites them all. ``definers_rewritten`` counts the rewritten clauses.
    ``seen_tables``/``seen_views`` list what the dump held; ``end_marker`` is True once ``-- Dump completed`` was seen.
    """

    def __init__(self, tables=None, views=True, routines=True, keep_definer=None):
        self.tables = None if tables is None else set(tables)
        self.keep_definer = None if keep_definer is None else definer_text(keep_definer) if keep_definer else b''
        self.definers_rewritten = 0
        self.views = views
        self.routines = routines
        self.section = ('preamble', None)
        self.keep = True
        self.pending = []
        self.in_trailer = False
        self.seen_tables = []
        self.seen_views = []
        self.kept_tables = []
        self.end_marker = False

    def _wanted(self, section):
        kind, name = section
        if kind in ('preamble', 'trailer'):
            return True
        if kind == 'table':
            return self.tables is None or name in self.tables
        if kind in ('placeholder', 'view'):
            return self.views
        if kind in ('events', 'routines'):
            return self.routines
        return True

    def _open(self, section):
        kind, name = section
        if kind == 'table' and name not in self.seen_tables:
            self.seen_tables.append(name)
            if self._wanted(section):
                self.kept_tables.append(name)
        if kind == 'placeholder' and name not in self.seen_views:
            self.seen_views.append(name)
        self.section = section
        self.keep = self._wanted(section)

    def _emit(self, lines):
        return b''.join(lines) if self.keep else b''

    def _definer(self, match):
        if match.group(1) == self.keep_definer:
            return match.group(0)
        self.definers_rewritten += 1
        return b'DEFINER=CURRENT_USER'

    def feed(self, line):
        """Process one line (bytes, with its newline). Returns the bytes to pass on (possibly b'')."""
        bare = line.rstrip(b'\r\n')
        if self.in_trailer:
            if bare.startswith(END_MARKER):
                self.end_marker = True
            return line
        if self.pending:
            header = None
            if len(self.pending) == 1:
                match = _HEADER_RE.match(bare)
                if match:
                    title = match.group(1)
                    kind = _KIND.get(title, 'placeholder')
                    header = (kind, _unquote_name(match.group(2)))
                else:
                    match = _DB_HEADER_RE.match(bare)
                    if match:
                        header = (match.group(1).decode('ascii'), None)
            if header is not None:
                self.pending.append(line)
                pending, self.pending = self.pending, []
                self._open(header)
                return self._emit(pending)
            pending, self.pending = self.pending, []
            return self._emit(pending) + self.feed(line)
        if bare == b'--':
            self.pending = [line]
            return b''
        if _TRAILER_RE.match(bare):
            self.in_trailer = True
            self.section = ('trailer', None)
            self.keep = True
            return line
        if bare.startswith(END_MARKER):
            self.end_marker = True
            self.keep = True
            self.in_trailer = True
            return line
        if self.keep and self.keep_definer is not None and _DEFINER_LINE_RE.match(line):
            line = _DEFINER_RE.sub(self._definer, line)
        return self._emit([line])

    def flush(self):
        """Bytes still held at the end of the input."""
        pending, self.pending = self.pending, []
        return self._emit(pending)

    def filter_bytes(self, data):
        """Filter a whole dump held in memory (for tests and small dumps)."""
        out = []
        for line in data.splitlines(True):
            out.append(self.feed(line))
        out.append(self.flush())
        return b''.join(out)


# ------------------------------------------------------------------------------------------- restore

def restore_stream(src, kind, decompressor, client_argv, env=None, secrets=(), dump_filter=None):
    """Stream ``src`` (compression ``kind``: zstd|gzip|none, ``decompressor`` its program) through ``dump_filter``
    (a DumpFilter, default: keep everything) into ``client_argv`` (the mysql/mariadb client).

    Checks the decompressor's and the client's exit status and that the input ended with ``-- Dump completed``.
    Returns dict(bytes_in, bytes_out, filter). Raises DumpError (step ``read``, ``decompress``, ``client``,
    ``end_marker``).
    """
    secrets = [s for s in secrets if s]
    dump_filter = dump_filter or DumpFilter()
    src_file = open(src, 'rb')
    dec_err = tempfile.TemporaryFile() if kind != 'none' else None
    client_err = tempfile.TemporaryFile()
    dec = client = None
    try:
        if kind != 'none':
            try:
                dec = subprocess.Popen(decompress_command(kind, decompressor), stdin=src_file,
                                       stdout=subprocess.PIPE, stderr=dec_err, close_fds=True)
            except OSError as exc:
                raise DumpError('decompress', str(exc), program=decompressor)
            reader = dec.stdout
        else:
            reader = src_file
        try:
            client = subprocess.Popen(client_argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      stderr=client_err, env=env, close_fds=True)
        except OSError as exc:
            raise DumpError('client', scrub(str(exc), secrets), program=client_argv[0])
        bytes_in = bytes_out = 0
        failed = None
        for line in reader:
            bytes_in += len(line)
            data = dump_filter.feed(line)
            if data:
                try:
                    client.stdin.write(data)
                except (OSError, ValueError) as exc:
                    failed = exc
                    break
                bytes_out += len(data)
        if failed is None:
            data = dump_filter.flush()
            try:
                if data:
                    client.stdin.write(data)
                    bytes_out += len(data)
            except (OSError, ValueError) as exc:
                failed = exc
        if failed is not None:
            _kill(dec)
        _close(reader)
        dec_rc = _wait(dec)
        try:
            client.stdin.close()
        except (OSError, ValueError) as exc:
            failed = failed or exc
        client_rc = _wait(client)
        if client_rc != 0 or failed is not None:
            raise DumpError('client', _read_err(client_err, secrets) or 'exit code %s (%s)' % (client_rc, failed),
                            returncode=client_rc, program=client_argv[0])
        if dec is not None and dec_rc != 0:
            raise DumpError('decompress', _read_err(dec_err, secrets) or 'exit code %s' % dec_rc,
                            returncode=dec_rc, program=decompressor)
        if not dump_filter.end_marker:
            raise DumpError('end_marker', 'the dump does not end with "-- Dump completed" (%d bytes read)'
                            % bytes_in)
        return dict(bytes_in=bytes_in, bytes_out=bytes_out, filter=dump_filter)
    finally:
        _kill(dec)
        _kill(client)
        if dec is not None:
            _close(dec.stdout)
            _wait(dec)
        if client is not None:
            _close(client.stdin)
            _wait(client)
        _close(src_file)
        _close(dec_err)
        _close(client_err)


def scan_dump(src, kind, decompressor):
    """Read a whole dump (decompressing it) without executing it. Returns dict(tables, views, end_marker).

    Raises DumpError(step='decompress') when the decompressor fails.
    """
    dump_filter = DumpFilter()
    dec_err = tempfile.TemporaryFile()
    src_file = open(src, 'rb')
    dec = None
    try:
        if kind != 'none':
            dec = subprocess.Popen(decompress_command(kind, decompressor), stdin=src_file, stdout=subprocess.PIPE,
                                   stderr=dec_err, close_fds=True)
            reader = dec.stdout
        else:
            reader = src_file
        for line in reader:
            dump_filter.feed(line)
        dump_filter.flush()
        _close(reader)
        rc = _wait(dec)
        if dec is not None and rc != 0:
            raise DumpError('decompress', _read_err(dec_err, ()) or 'exit code %s' % rc, returncode=rc,
                            program=decompressor)
        return dict(tables=list(dump_filter.seen_tables), views=list(dump_filter.seen_views),
                    end_marker=dump_filter.end_marker)
    finally:
        _kill(dec)
        if dec is not None:
            _close(dec.stdout)
            _wait(dec)
        _close(src_file)
        _close(dec_err)


def run_client_sql(client, params, database, sql, secrets=(), timeout=None):
    """Run ``sql`` (text, several statements allowed) with the mysql/mariadb client and the private option file.

    Raises DumpError(step='client') with the scrubbed stderr when the client fails.
    """
    secrets = [s for s in secrets if s] + [params.get('password')]
    with client_credentials(params) as creds:
        argv = client_command(client, creds['defaults_arg'], database)
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    env=creds['env'], close_fds=True)
            out, err = proc.communicate(sql.encode('utf-8'), timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise DumpError('client', scrub(str(exc), [s for s in secrets if s]), program=client)
    if proc.returncode != 0:
        raise DumpError('client', scrub(err.decode('utf-8', 'replace').strip(), [s for s in secrets if s]) or
                        'exit code %s' % proc.returncode, returncode=proc.returncode, program=client)
    return out.decode('utf-8', 'replace')


# ------------------------------------------------------------------------------------------- tables that are not transactional

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


class SectionWatch(object):
    """Watches a dump's stream (``feed`` each block as it passes) and calls ``done()`` once, as soon as the data of
    every table in ``tables`` has passed: the first section header after the last of their data sections began (a
    table's data, then its triggers, end where the next section's header starts). A lock held for their copy can
    end there while the rest of the dump goes on. A header counts once its line is whole; headers cut between two
    blocks are found (a tail is carried over), none is counted twice."""

    _RE = re.compile(
        br'\n-- (Table structure for table|Dumping data for table|Temporary (?:table|view) structure for view|'
        br'Final view structure for view|Dumping (?:events|routines) for database|Dump completed)'
        br'(?: `((?:[^`\n]|``)*)`)?[^\n]*\n')

    def __init__(self, tables, done):
        self.waiting = set(tables)
        self.done = done
        self.finished = not self.waiting
        self.carry = b''
        self.total = 0
        self.last = -1

    def feed(self, block):
        if self.finished:
            return
        data = self.carry + block
        base = self.total - len(self.carry)
        self.total += len(block)
        for match in self._RE.finditer(data):
            at = base + match.start()
            if at <= self.last:
                continue
            self.last = at
            if not self.waiting:
                self.finished = True
                self.done()
                return
            if match.group(1) == b'Dumping data for table' and match.group(2) is not None:
                self.waiting.discard(_unquote_name(match.group(2)))
        self.carry = data[-TAIL_BYTES:]


# ------------------------------------------------------------------------------------------- manifests

def compare_checksums(expected, actual, tables=None, expected_structures=None, actual_structures=None):
    """Differences between two ``table_checksums`` results, for ``tables`` (default: every table of ``expected``).

    With ``expected_structures``/``actual_structures`` (from ``sipp_integrity.table_structures``), a table whose
    definition differs is a difference too, even when its rows and checksum are equal.

    Returns a list of dict(table, problem (missing|changed|structure), expected_rows, actual_rows,
    expected_checksum, actual_checksum), sorted by table.
    """
    names = sorted(expected) if tables is None else sorted(tables)
    out = []
    for table in names:
        want = expected.get(table)
        got = actual.get(table)
        if want is None:
            continue
        item = dict(table=table, problem=None, expected_rows=want.get('rows'), actual_rows=None,
                    expected_checksum=want.get('checksum'), actual_checksum=None)
        if got is None:
            item['problem'] = 'missing'
        else:
            item.update(actual_rows=got.get('rows'), actual_checksum=got.get('checksum'))
            if (str(want.get('checksum')) != str(got.get('checksum')) or
                    int(want.get('rows') or 0) != int(got.get('rows') or 0)):
                item['problem'] = 'changed'
            elif expected_structures and actual_structures is not None and expected_structures.get(table) and \
                    expected_structures.get(table) != actual_structures.get(table):
                item['problem'] = 'structure'
        if item['problem']:
            out.append(item)
    return out


def view_digest(definition):
    """sha256 of a view's definition (information_schema.VIEWS.VIEW_DEFINITION), to tell a replaced view."""
    return hashlib.sha256((definition or '').encode('utf-8')).hexdigest()


def read_manifest(path):
    """Load a backup manifest (JSON). Raises OSError/ValueError."""
    with open(path, 'rb') as f:
        data = json.loads(f.read().decode('utf-8'))
    if not isinstance(data, dict) or not isinstance(data.get('tables'), dict):
        raise ValueError('not a pengadilan.sipp backup manifest (no tables)')
    return data
