# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dump and restore pipelines of SIPP's database: streams that check every stage.

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

Python 3.6 compatible, standard library only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import os
import subprocess
# subprocess.Popen, not AnsibleModule.run_command: the dump streamed into its compressor, a dump file into the client,
# process to process; these helpers have no module object.
# pylint: disable=ansible-bad-function
import tempfile

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import client_credentials, scrub
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_programs import (
    client_command, decompress_command, DumpError)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_dump_sections import (
    DumpFilter, has_end_marker, TAIL_BYTES)


CHUNK = 1024 * 1024


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


def _end_pipeline(first, second):
    """Stop the pipeline ``first | second`` (either may be None): kill both, close the pipe between them, reap
    them."""
    _kill(first)
    _kill(second)
    if first is not None:
        _close(first.stdout)
        _wait(first)
    if second is not None:
        _close(second.stdin)
        _wait(second)


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
            _end_pipeline(dump, comp)
        _close(out)
        _close(dump_err)
        _close(comp_err)
        if not ok and os.path.exists(out_path):
            os.unlink(out_path)


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
        _end_pipeline(dec, client)
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
