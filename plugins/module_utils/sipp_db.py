# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one database connection helper of pengadilan.sipp.

Two backends with the same small API (``query(sql, args=None) -> list of dict``, ``query_one``, ``close()``,
``backend``, ``server_version``):

* ``pymysql``: PyMySQL, when it can be imported by the court server's Python;
* ``cli``: the ``mariadb``/``mysql`` command-line client, for servers without PyMySQL (CentOS 7). Credentials go
  ONLY into a temporary option file (mode 0600, passed as the first argument ``--defaults-extra-file=...``, removed
  in ``finally`` after every call); never on a command line or in the environment. The SQL goes through stdin. The
  client prints XML (``--batch --xml``): unlike tab-separated output it tells NULL from the string 'NULL' and keeps
  tabs and newlines inside values.

Both backends return every value as text (``str``) or ``None``, exactly as the server prints it
(``'2025-01-31 08:00:00'``, ``'42'``), so a module gets the same result whichever backend ran. Placeholders are
``%s`` (PyMySQL ``format`` style, ``%%`` for a literal ``%`` when args are given); the CLI backend escapes the
arguments itself, taking the server's NO_BACKSLASH_ESCAPES mode into account.

Python 3.6 compatible; PyMySQL is optional.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import contextlib
import datetime
import decimal
import os
import re
import shutil
import subprocess
# subprocess.Popen, not AnsibleModule.run_command: the database client fed its statements on stdin, its login in its
# environment, with a timeout; these helpers have no module object.
# pylint: disable=ansible-bad-function
import tempfile
import threading
import time
import xml.etree.ElementTree as ET

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import SippError

try:
    import pymysql
    HAS_PYMYSQL = True
    PYMYSQL_IMPORT_ERROR = None
except ImportError as _exc:  # pragma: no cover - depends on the server
    pymysql = None
    HAS_PYMYSQL = False
    PYMYSQL_IMPORT_ERROR = str(_exc)

SOCKET_CANDIDATES = ['/run/mysqld/mysqld.sock', '/var/run/mysqld/mysqld.sock', '/var/lib/mysql/mysql.sock',
                     '/tmp/mysql.sock']
CLIENT_NAMES = ['mariadb', 'mysql']
CLIENT_EXTRA_DIRS = ['/usr/bin', '/usr/local/bin', '/usr/local/mysql/bin', '/opt/lampp/bin', '/usr/sbin']
DEFAULT_PORT = 3306
DEFAULT_CHARSET = 'utf8'
BACKENDS = ('auto', 'pymysql', 'cli')
_XSI_NIL = '{http://www.w3.org/2001/XMLSchema-instance}nil'
_CHARSET_RE = re.compile(r'^[A-Za-z0-9_]+$')


def sipp_login_argument_spec():
    """The login options every pengadilan.sipp module that talks to the database accepts.

    Documented by the doc fragment ``pengadilan.sipp.sipp_login``. Values given here override what
    ``application/config/database.php`` says.
    """
    return dict(
        login_host=dict(type='str'),
        login_port=dict(type='int'),
        login_user=dict(type='str'),
        login_password=dict(type='str', no_log=True),
        login_unix_socket=dict(type='str'),
        login_db=dict(type='str'),
        connect_timeout=dict(type='int', default=10),
        connect_wait=dict(type='int', default=0),
        db_client_backend=dict(type='str', default='auto', choices=list(BACKENDS)),
    )


class SippDbError(SippError):
    """A database problem. ``key`` is a message key of sipp_common, which words it (connect_failed, query_failed,
    driver_missing, client_missing); ``params`` fill its placeholders and never hold a password (it is scrubbed)."""


def scrub(text, secrets):
    """Replace every occurrence of each non-empty secret in ``text`` with ``********``."""
    if text is None:
        return text
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, '********')
    return text


def find_socket(candidates=None):
    """Return the first existing path of ``candidates`` (default SOCKET_CANDIDATES), or None."""
    for path in (SOCKET_CANDIDATES if candidates is None else candidates):
        if os.path.exists(path):
            return path
    return None


def _split_hostname(hostname):
    """Split a CodeIgniter hostname into (host, port or None, socket or None).

    Understands ``localhost``, ``10.0.0.5``, ``host:3307``, ``localhost:/path/mysql.sock`` and the mysqli persistent
    prefix ``p:host``.
    """
    host = (hostname or '').strip()
    if host.startswith('p:'):
        host = host[2:]
    if not host:
        return 'localhost', None, None
    if host.count(':') == 1:
        name, rest = host.split(':', 1)
        if rest.startswith('/'):
            return name or 'localhost', None, rest
        if rest.isdigit():
            return name or 'localhost', int(rest), None
    return host, None, None


def connection_params(login=None, config=None, group=None, socket_candidates=None):
    """Build the connection parameters from a parsed database.php group and explicit ``login_*`` options.

    ``login``: dict with the keys of :func:`sipp_login_argument_spec` (None values are ignored); explicit values win
    over the file. ``config``: a sipp_config.DatabaseConfig or None; ``group``: its group name.

    CodeIgniter's rule: hostname ``localhost`` (or empty) means the unix socket; the socket is ``login_unix_socket``
    when given, else the first existing one of ``socket_candidates`` (default SOCKET_CANDIDATES); when none exists,
    TCP to 127.0.0.1 is used. Any other hostname is TCP with ``port`` (default 3306).

    Returns dict(host, port, unix_socket, user, password, database, charset, connect_timeout, socket_found).
    Raises sipp_config.SippConfigError when the group is missing or a needed value cannot be read.
    """
    login = dict((k, v) for k, v in (login or {}).items() if v is not None)

    def from_file(key, default=None):
        if config is None:
            return default
        return config.value(group, key, default=default)

    if config is not None:
        config.group(group)  # raises config_group_missing

    file_host, file_port_in_host, file_socket = _split_hostname(from_file('hostname', 'localhost'))
    host = login.get('login_host') or file_host or 'localhost'
    if 'login_host' in login:
        file_socket = None  # a socket written in the file's hostname belongs to the file's host

    port = login.get('login_port')
    if port is None:
        port = from_file('port', None)
        if port in (None, '', False):
            port = file_port_in_host
    try:
        port = int(port) if port not in (None, '') else DEFAULT_PORT
    except (TypeError, ValueError):
        port = DEFAULT_PORT

    socket_found = None
    unix_socket = None
    if host == 'localhost':
        unix_socket = login.get('login_unix_socket') or file_socket
        if not unix_socket:
            unix_socket = find_socket(socket_candidates)
            socket_found = unix_socket is not None
            if not unix_socket:
                host = '127.0.0.1'
    elif 'login_host' not in login and login.get('login_unix_socket'):
        # login_unix_socket given alone overrides a TCP host of the file
        unix_socket = login['login_unix_socket']
        host = 'localhost'

    user = login.get('login_user')
    if user is None:
        user = from_file('username', None)
        if user is None and config is not None:
            config.value(group, 'username', required=True)
    password = login.get('login_password')
    if password is None:
        password = from_file('password', '')
    database = login.get('login_db')
    if database is None:
        database = from_file('database', None)

    charset = from_file('char_set', DEFAULT_CHARSET) if config is not None else DEFAULT_CHARSET
    if not isinstance(charset, str) or not _CHARSET_RE.match(charset or ''):
        charset = DEFAULT_CHARSET

    return dict(
        host=host,
        port=port,
        unix_socket=unix_socket,
        user=None if user is None else str(user),
        password='' if password is None else str(password),
        database=None if database in (None, '') else str(database),
        charset=charset,
        connect_timeout=int(login.get('connect_timeout') or 10),
        connect_wait=max(0, int(login.get('connect_wait') or 0)),
        socket_found=socket_found,
    )


def describe_target(params):
    """A short, password-free description of where ``params`` connect: ``'SIPP' @ socket /run/...``."""
    where = ('socket %s' % params['unix_socket']) if params.get('unix_socket') else (
        '%s:%s' % (params.get('host'), params.get('port')))
    return "'%s' @ %s" % (params.get('database') or '', where)


def python_codec(charset):
    """The Python codec that decodes what a connection with MySQL ``charset`` sends."""
    cs = (charset or '').lower()
    if cs.startswith('utf8'):
        return 'utf-8'
    if cs == 'latin1':
        return 'cp1252'
    if cs in ('ascii', 'latin2', 'cp1250', 'cp1251', 'cp1256', 'cp1257', 'cp850', 'greek', 'hebrew', 'koi8r'):
        return {'latin2': 'iso8859-2', 'greek': 'iso8859-7', 'hebrew': 'iso8859-8', 'koi8r': 'koi8-r'}.get(cs, cs)
    return 'utf-8'


def _decode(data, charset):
    codec = python_codec(charset)
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        if codec == 'cp1252':
            return data.decode('latin-1')
        return data.decode(codec, 'replace')


# ------------------------------------------------------------------------------------------- escaping

_ESCAPES = {'\0': '\\0', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\x1a': '\\Z', "'": "\\'", '"': '\\"'}


def escape_string(value, no_backslash_escapes=False):
    """Escape a str for use between single quotes, as mysql_real_escape_string does."""
    if no_backslash_escapes:
        return value.replace("'", "''")
    return ''.join(_ESCAPES.get(ch, ch) for ch in value)


def literal(value, no_backslash_escapes=False):
    """Return the SQL literal for a Python value (None, bool, int, float, Decimal, str, bytes, date/datetime,
    list/tuple for IN (...))."""
    if value is None:
        return 'NULL'
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return "X'%s'" % bytes(value).hex() if value else "''"
    if isinstance(value, datetime.datetime):
        return "'%s'" % value.isoformat(' ')
    if isinstance(value, datetime.date):
        return "'%s'" % value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return '(%s)' % ','.join(literal(v, no_backslash_escapes) for v in value)
    return "'%s'" % escape_string(str(value), no_backslash_escapes)


def format_query(sql, args, no_backslash_escapes=False):
    """Interpolate ``args`` (tuple/list for ``%s``, dict for ``%(name)s``) into ``sql`` as PyMySQL does."""
    if args is None:
        return sql
    if isinstance(args, dict):
        return sql % dict((k, literal(v, no_backslash_escapes)) for k, v in args.items())
    if not isinstance(args, (list, tuple)):
        args = (args,)
    return sql % tuple(literal(v, no_backslash_escapes) for v in args)


def _text(value, charset):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return _decode(bytes(value), charset)
    return str(value)


# ------------------------------------------------------------------------------------------- backends

class _Base(object):
    backend = None
    server_version = None
    # seconds spent waiting for a server that did not answer at first (connect_wait)
    waited = 0

    def query_one(self, sql, args=None):
        """Return the first row (dict) of ``sql`` or None."""
        rows = self.query(sql, args)
        return rows[0] if rows else None

    def query_value(self, sql, args=None):
        """Return the first column of the first row, or None."""
        row = self.query_one(sql, args)
        if not row:
            return None
        return list(row.values())[0]

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False


class PyMySQLConnection(_Base):
    backend = 'pymysql'

    def __init__(self, params):
        self.params = params
        self._secrets = [params.get('password')]
        kwargs = dict(
            user=params.get('user'),
            password=params.get('password') or '',
            charset=params.get('charset') or DEFAULT_CHARSET,
            connect_timeout=params.get('connect_timeout') or 10,
            autocommit=True,
            cursorclass=pymysql.cursors.DictCursor,
            # Encoders only, no decoders: the server's text comes back as text, as with the CLI backend.
            conv=dict((k, v) for k, v in pymysql.converters.conversions.items() if not isinstance(k, int)),
        )
        if params.get('database'):
            kwargs['database'] = params['database']
        if params.get('unix_socket'):
            kwargs['unix_socket'] = params['unix_socket']
        else:
            kwargs['host'] = params.get('host') or '127.0.0.1'
            kwargs['port'] = int(params.get('port') or DEFAULT_PORT)
        try:
            self._conn = pymysql.connect(**kwargs)
            version = getattr(self._conn, 'server_version', None)
            if isinstance(version, bytes):
                version = version.decode('ascii', 'replace')
            if version and version.startswith('5.5.5-') and 'mariadb' in version.lower():
                version = version[len('5.5.5-'):]  # MariaDB's replication-compatibility prefix
            self.server_version = version
        except Exception as exc:
            raise SippDbError('connect_failed', target=describe_target(params), user=params.get('user'),
                              backend=self.backend, error=self._error_text(exc))

    def _error_text(self, exc):
        args = getattr(exc, 'args', ())
        if len(args) >= 2 and isinstance(args[0], int):
            text = 'ERROR %s: %s' % (args[0], args[1])
        else:
            text = str(exc) or exc.__class__.__name__
        return scrub(text, self._secrets)

    def query(self, sql, args=None):
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(sql, args)
                rows = cursor.fetchall() if cursor.description else ()
        except Exception as exc:
            raise SippDbError('query_failed', target=describe_target(self.params), user=self.params.get('user'),
                              backend=self.backend, error=self._error_text(exc))
        charset = self.params.get('charset')
        return [dict((k, _text(v, charset)) for k, v in row.items()) for row in rows]

    def close(self):
        conn = getattr(self, '_conn', None)
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass
            self._conn = None


def _option_value(value):
    """Quote a value for a MySQL option file: double quotes, with backslash escapes the client understands."""
    out = str(value).replace('\\', '\\\\').replace('"', '\\"')
    out = out.replace('\n', '\\n').replace('\r', '\\r').replace('\t', '\\t').replace('\b', '\\b')
    return '"%s"' % out


def write_option_file(params, directory=None):
    """Write a ``[client]`` option file (mode 0600) with user, password, host/port or socket and charset.

    Returns its path; the caller removes it (``os.unlink`` in ``finally``). Use it as the FIRST argument:
    ``--defaults-extra-file=PATH``. Only options every client program (mysql, mariadb, mysqldump) accepts.
    """
    lines = ['[client]']
    if params.get('user') is not None:
        lines.append('user=%s' % _option_value(params['user']))
    lines.append('password=%s' % _option_value(params.get('password') or ''))
    if params.get('unix_socket'):
        lines.append('host=localhost')
        lines.append('socket=%s' % _option_value(params['unix_socket']))
    else:
        lines.append('host=%s' % _option_value(params.get('host') or '127.0.0.1'))
        lines.append('port=%d' % int(params.get('port') or DEFAULT_PORT))
    charset = params.get('charset') or DEFAULT_CHARSET
    if _CHARSET_RE.match(charset):
        lines.append('default-character-set=%s' % charset)
    fd, path = tempfile.mkstemp(prefix='sipp-client-', suffix='.cnf', dir=directory)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, ('\n'.join(lines) + '\n').encode('utf-8'))
    finally:
        os.close(fd)
    return path


@contextlib.contextmanager
def client_credentials(params):
    """Context for running a MySQL/MariaDB client program (mysql, mariadb, mysqldump) with ``params``.

    Yields dict(option_file, defaults_arg, env): pass ``defaults_arg`` (``--defaults-extra-file=...``) as the FIRST
    argument and ``env`` as the environment. The option file (mode 0600) lives in a private folder (mode 0700)
    that is also the client's HOME, so that a ``~/.my.cnf`` of the login user (read AFTER an extra file, it would
    win) cannot replace the credentials; the environment holds only PATH, HOME and LC_ALL (no MySQL variables).
    Everything is removed when the context ends, whatever happens.
    """
    workdir = tempfile.mkdtemp(prefix='sipp-client-')
    try:
        os.chmod(workdir, 0o700)
        option_file = write_option_file(params, directory=workdir)
        env = {'PATH': os.environ.get('PATH') or '/usr/local/bin:/usr/bin:/bin', 'HOME': workdir, 'LC_ALL': 'C'}
        yield dict(option_file=option_file, defaults_arg='--defaults-extra-file=%s' % option_file, env=env)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def find_program(names, module=None, extra_dirs=None):
    """Path of the first program of ``names`` found, or None: module.get_bin_path when a module is given, else the
    PATH; both also look in ``extra_dirs`` (default CLIENT_EXTRA_DIRS, where a court's MariaDB/MySQL tools may live
    outside the PATH)."""
    dirs = list(CLIENT_EXTRA_DIRS if extra_dirs is None else extra_dirs)
    for name in names:
        if module is not None:
            path = module.get_bin_path(name, required=False, opt_dirs=dirs)
        else:
            path = None
            for folder in os.environ.get('PATH', '').split(os.pathsep) + dirs:
                candidate = os.path.join(folder, name)
                if folder and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                    path = candidate
                    break
        if path:
            return path
    return None


def find_client(module=None):
    """Path of the mariadb/mysql client, or None."""
    return find_program(CLIENT_NAMES, module)


def parse_xml_output(text):
    """Parse ``mysql --xml`` output into a list of dict rows (the last result set; NULL -> None)."""
    body = re.sub(r'<\?xml[^>]*\?>', '', text)
    # The client never writes a carriage return of its own; one in a value would be turned into \n by the XML
    # parser, so keep it as a character reference.
    body = body.replace('\r', '&#13;')
    if not body.strip():
        return []
    try:
        root = ET.fromstring('<results>%s</results>' % body)
    except ET.ParseError:
        # Control characters are not allowed in XML 1.0; the client does not escape them.
        cleaned = re.sub(r'[\x00-\x08\x0b\x0c\x0e-\x1f]', '\ufffd', body)
        root = ET.fromstring('<results>%s</results>' % cleaned)
    sets = root.findall('resultset')
    if not sets:
        return []
    rows = []
    for row in sets[-1].findall('row'):
        record = {}
        for field in row.findall('field'):
            if field.get(_XSI_NIL) == 'true':
                record[field.get('name')] = None
            else:
                record[field.get('name')] = field.text or ''
        rows.append(record)
    return rows


class CliConnection(_Base):
    """The command-line client backend. Each query runs one client process; credentials only in an option file."""
    backend = 'cli'

    def __init__(self, params, module=None, client=None, timeout=None):
        self.params = params
        self.module = module
        self.timeout = timeout
        self._secrets = [params.get('password')]
        self.client = client or find_client(module)
        if not self.client:
            raise SippDbError('client_missing')
        self.no_backslash_escapes = False
        try:
            row = self.query_one('SELECT @@SESSION.sql_mode AS sql_mode, VERSION() AS version')
        except SippDbError as exc:
            raise SippDbError('connect_failed', target=describe_target(params), user=params.get('user'),
                              backend=self.backend, error=exc.params.get('error'))
        self.server_version = row.get('version') if row else None
        self.no_backslash_escapes = 'NO_BACKSLASH_ESCAPES' in ((row or {}).get('sql_mode') or '').upper()

    def command(self, option_file):
        """The client's argv: --defaults-extra-file first, no secret anywhere on it."""
        argv = [self.client, '--defaults-extra-file=%s' % option_file, '--batch', '--xml',
                '--connect-timeout=%d' % int(self.params.get('connect_timeout') or 10)]
        if self.params.get('database'):
            argv.append('--database=%s' % self.params['database'])
        return argv

    def query(self, sql, args=None):
        statement = format_query(sql, args, self.no_backslash_escapes)
        charset = self.params.get('charset') or DEFAULT_CHARSET
        data = (statement.rstrip().rstrip(';') + ';\n').encode(python_codec(charset), 'replace')
        try:
            with client_credentials(self.params) as creds:
                proc = subprocess.Popen(self.command(creds['option_file']), stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=creds['env'],
                                        close_fds=True)
                try:
                    out, err = proc.communicate(input=data, timeout=self.timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()
                    raise SippDbError('query_failed', target=describe_target(self.params),
                                      user=self.params.get('user'), backend=self.backend,
                                      error='timeout after %s s' % self.timeout)
        except OSError as exc:
            raise SippDbError('query_failed', target=describe_target(self.params), user=self.params.get('user'),
                              backend=self.backend, error=scrub(str(exc), self._secrets))
        if proc.returncode != 0:
            error = _decode(err, 'utf8').strip() or ('exit code %d' % proc.returncode)
            raise SippDbError('query_failed', target=describe_target(self.params), user=self.params.get('user'),
                              backend=self.backend, error=scrub(error, self._secrets))
        try:
            return parse_xml_output(_decode(out, charset))
        except ET.ParseError as exc:
            raise SippDbError('query_failed', target=describe_target(self.params), user=self.params.get('user'),
                              backend=self.backend, error='unreadable client output (%s)' % exc)

    def close(self):
        pass


def select_backend(backend='auto', module=None):
    """Resolve ``auto`` to ``pymysql`` (importable) or ``cli``. Raises SippDbError when neither is usable."""
    if backend == 'pymysql':
        if not HAS_PYMYSQL:
            import sys
            raise SippDbError('driver_missing', python=sys.executable)
        return 'pymysql'
    if backend == 'cli':
        if not find_client(module):
            raise SippDbError('client_missing')
        return 'cli'
    if HAS_PYMYSQL:
        return 'pymysql'
    if find_client(module):
        return 'cli'
    raise SippDbError('client_missing')


# A server that does not answer (yet): no socket or nothing listening, the connection lost while it starts, shutting
# down, too many connections. A refused login or an unknown database is an answer: never waited for.
NOT_ANSWERING_CODES = ('2002', '2003', '2006', '2013', '1053', '1040')
NOT_ANSWERING_RE = re.compile(r"\b(%s)\b|Can't connect|Lost connection|gone away|Connection refused|"
                              r"No such file or directory" % '|'.join(NOT_ANSWERING_CODES))
FIRST_PAUSE = 0.25
LONGEST_PAUSE = 5.0


def server_gone(error):
    """An error text (a client's or a driver's) says the server does not answer or went away: a crash or a restart of
    the server, not a fault of the statement or the login."""
    return bool(NOT_ANSWERING_RE.search(str(error or '')))


def not_answering(exc):
    """The connection failed because the server does not answer (it may be starting again)."""
    return exc.key == 'connect_failed' and server_gone(exc.params.get('error'))


def _pause(seconds):
    """Wait ``seconds`` (time.sleep fails under libfaketime, on a court with a wrong clock)."""
    threading.Event().wait(seconds)


def _connect_once(params, chosen, module):
    if chosen == 'pymysql':
        return PyMySQLConnection(params)
    return CliConnection(params, module=module)


def connect(params, backend='auto', module=None, clock=time.monotonic, pause=None):
    """Open a connection with ``params`` (from :func:`connection_params`) using ``backend`` (auto|pymysql|cli).

    With ``params['connect_wait']`` seconds, a server that does not answer (restarting, as its service manager
    starts it again after a crash) is tried again, quickly first (0.25 s, doubling up to 5 s), until it answers or
    the time is up; the connection's ``waited`` says how many seconds that took. Any other failure is raised at
    once."""
    chosen = select_backend(backend, module)
    wait = max(0, int(params.get('connect_wait') or 0))
    pause = pause or _pause
    started = clock()
    delay = FIRST_PAUSE
    while True:
        try:
            conn = _connect_once(params, chosen, module)
            conn.waited = round(clock() - started, 1)
            return conn
        except SippDbError as exc:
            left = wait - (clock() - started)
            if left <= 0 or not not_answering(exc):
                if wait and not_answering(exc):
                    exc.params['waited'] = wait
                raise
            pause(min(delay, left))
            delay = min(delay * 2, LONGEST_PAUSE)
