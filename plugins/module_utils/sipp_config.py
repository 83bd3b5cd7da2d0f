# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a CodeIgniter 2 ``application/config/database.php`` without running PHP, and find SIPP folders.

PHP may be missing or be the wrong version on a court server, so the file is read by a small PHP lexer that
understands what ``database.php`` files contain:

* ``$active_group = 'default';``
* ``$db['default']['password'] = 'x';`` (any depth of ``[...]`` keys)
* ``$db['default'] = array('hostname' => 'localhost', ...);`` and the short ``[...]`` form, nested arrays
* values: single-quoted strings (only ``\\\\`` and ``\\'`` are escapes), double-quoted strings (``\\n \\t \\r \\v
  \\e \\f \\\\ \\$ \\"``, octal, ``\\x..``, ``\\u{..}``), integers, floats, ``TRUE``/``FALSE``/``NULL`` in any case,
  and ``.`` concatenation of those
* comments ``//``, ``#``, ``/* */``; any whitespace; statements other than assignments to ``$db`` and
  ``$active_group`` are ignored (``defined('BASEPATH') OR exit(...)``, ``$query_builder = TRUE;``).

A double-quoted string holding ``$name`` or ``{$`` (PHP interpolation), or a value that needs PHP to compute (a
constant such as ``APPPATH``, a function call) is not guessed: the key is recorded as unreadable with its line, and
using it raises :class:`SippConfigError`. Error details never carry the text of a value (it may be a password).

This file imports nothing but the standard library, so that it can be tested on its own (Python 3.6 and later).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import os
import re

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import SippError

DEFAULT_SEARCH_PATHS = ['/var/www/html', '/var/www', '/srv/www', '/opt/lampp/htdocs']
APP_MARKERS = ('index.php', 'system', os.path.join('application', 'config', 'database.php'))
DATABASE_PHP = os.path.join('application', 'config', 'database.php')


class SippConfigError(SippError):
    """A problem with database.php. ``key`` is a key of the catalogue of sipp_common (which words it), ``params``
    the values for its placeholders (never a value from the file)."""


class UnparsedValue(object):
    """Stands for a value that could not be read without running PHP."""

    def __init__(self, line, kind):
        self.line = line
        self.kind = kind  # 'interpolation' or 'expression'

    def __repr__(self):
        return 'UnparsedValue(line=%d, kind=%s)' % (self.line, self.kind)

    def __eq__(self, other):
        return isinstance(other, UnparsedValue) and (self.line, self.kind) == (other.line, other.kind)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None


class _Unsupported(Exception):
    def __init__(self, line, kind):
        super(_Unsupported, self).__init__(kind)
        self.line = line
        self.kind = kind


# --------------------------------------------------------------------------------------------------- lexer

_IDENT_RE = re.compile(r'[A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*')
_NUMBER_RE = re.compile(
    r'0[xX][0-9a-fA-F_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?\.[0-9][0-9_]*(?:[eE][+-]?[0-9]+)?'
    r'|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][+-]?[0-9]+)?')
_SIMPLE_ESCAPES = {'n': '\n', 't': '\t', 'r': '\r', 'v': '\v', 'e': '\x1b', 'f': '\f', '\\': '\\', '$': '$', '"': '"'}


class _Tok(object):
    __slots__ = ('kind', 'value', 'line', 'interp')

    def __init__(self, kind, value, line, interp=False):
        self.kind = kind      # str, num, var, ident, op, end
        self.value = value
        self.line = line
        self.interp = interp  # double-quoted string with $var / {$ interpolation

    def __repr__(self):
        return '_Tok(%s, %r, %d)' % (self.kind, self.value, self.line)


def _syntax(filename, line, detail):
    return SippConfigError('config_syntax', file=filename, line=line, detail=detail)


def _lex_double_quoted(text, i, line, filename):
    """Lex a double-quoted string whose opening quote is at text[i-1]. Return (value, interp, new_i, new_line)."""
    start_line = line
    out = []
    interp = False
    n = len(text)
    while i < n:
        c = text[i]
        if c == '"':
            return ''.join(out), interp, i + 1, line
        if c == '\n':
            line += 1
        if c == '\\' and i + 1 < n:
            e = text[i + 1]
            if e in _SIMPLE_ESCAPES:
                out.append(_SIMPLE_ESCAPES[e])
                i += 2
                continue
            if e in '01234567':
                m = re.match(r'[0-7]{1,3}', text[i + 1:])
                out.append(chr(int(m.group(0), 8) & 0xFF))
                i += 1 + len(m.group(0))
                continue
            if e == 'x':
                m = re.match(r'[0-9A-Fa-f]{1,2}', text[i + 2:])
                if m:
                    out.append(chr(int(m.group(0), 16)))
                    i += 2 + len(m.group(0))
                    continue
            if e == 'u':
                m = re.match(r'\{([0-9A-Fa-f]+)\}', text[i + 2:])
                if m:
                    out.append(chr(int(m.group(1), 16)))
                    i += 2 + len(m.group(0))
                    continue
            out.append(c)  # unknown escape: PHP keeps the backslash
            i += 1
            continue
        if c == '$' and i + 1 < n and (_IDENT_RE.match(text, i + 1) is not None):
            interp = True
        if c == '{' and i + 1 < n and text[i + 1] == '$':
            interp = True
        out.append(c)
        i += 1
    raise _syntax(filename, start_line, 'unterminated double-quoted string / string dalam tanda kutip ganda tidak ditutup')


def _tokenize(text, filename):
    toks = []
    i = 0
    n = len(text)
    line = 1
    php = False
    while i < n:
        if not php:
            j = text.find('<?', i)
            if j < 0:
                break
            line += text.count('\n', i, j)
            i = j + 2
            if text.startswith('php', i) or text.startswith('PHP', i):
                i += 3
            elif text.startswith('=', i):
                i += 1
            php = True
            continue
        c = text[i]
        if c == '\n':
            line += 1
            i += 1
        elif c in ' \t\r\f\v':
            i += 1
        elif c == '?' and text.startswith('?>', i):
            toks.append(_Tok('op', ';', line))  # a closing tag ends a statement
            php = False
            i += 2
        elif c == '#' or text.startswith('//', i):
            while i < n and text[i] != '\n' and not text.startswith('?>', i):
                i += 1
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            if j < 0:
                raise _syntax(filename, line, 'unterminated /* comment / komentar /* tidak ditutup')
            line += text.count('\n', i, j)
            i = j + 2
        elif c == "'":
            start_line = line
            out = []
            i += 1
            while True:
                if i >= n:
                    raise _syntax(filename, start_line,
                                  'unterminated single-quoted string / string dalam tanda kutip tunggal tidak ditutup')
                ch = text[i]
                if ch == '\\' and i + 1 < n and text[i + 1] in ("'", '\\'):
                    out.append(text[i + 1])
                    i += 2
                    continue
                if ch == "'":
                    i += 1
                    break
                if ch == '\n':
                    line += 1
                out.append(ch)
                i += 1
            toks.append(_Tok('str', ''.join(out), start_line))
        elif c == '"':
            start_line = line
            value, interp, i, line = _lex_double_quoted(text, i + 1, line, filename)
            toks.append(_Tok('str', value, start_line, interp))
        elif c == '$' and _IDENT_RE.match(text, i + 1):
            m = _IDENT_RE.match(text, i + 1)
            toks.append(_Tok('var', m.group(0), line))
            i = m.end()
        elif c.isdigit() or (c == '.' and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER_RE.match(text, i)
            raw = m.group(0).replace('_', '')
            try:
                if raw[:2] in ('0x', '0X'):
                    val = int(raw, 16)
                elif raw[:2] in ('0b', '0B'):
                    val = int(raw, 2)
                elif re.match(r'^[0-9]+$', raw):
                    val = int(raw, 8) if (len(raw) > 1 and raw[0] == '0') else int(raw)
                else:
                    val = float(raw)
            except ValueError:
                raise _syntax(filename, line, 'invalid number / angka tidak sah')
            toks.append(_Tok('num', val, line))
            i = m.end()
        elif _IDENT_RE.match(text, i):
            m = _IDENT_RE.match(text, i)
            toks.append(_Tok('ident', m.group(0), line))
            i = m.end()
        else:
            for op in ('<<<', '=>', '::', '->', '.=', '==', '!=', '&&', '||'):
                if text.startswith(op, i):
                    toks.append(_Tok('op', op, line))
                    i += len(op)
                    break
            else:
                toks.append(_Tok('op', c, line))
                i += 1
    toks.append(_Tok('end', None, line))
    return toks


# -------------------------------------------------------------------------------------------------- parser

class _Parser(object):
    def __init__(self, toks, filename):
        self.toks = toks
        self.pos = 0
        self.filename = filename

    def peek(self, ahead=0):
        return self.toks[min(self.pos + ahead, len(self.toks) - 1)]

    def take(self):
        tok = self.toks[self.pos]
        if tok.kind != 'end':
            self.pos += 1
        return tok

    def is_op(self, value, ahead=0):
        tok = self.peek(ahead)
        return tok.kind == 'op' and tok.value == value

    def skip(self, in_array=False):
        """Skip what cannot be read: to the end of the statement (``;``, ``{`` or ``}`` outside brackets, not
        consumed), or with ``in_array`` to the end of the current array item (its ``,`` consumed; the closing
        bracket, or a ``;``, not consumed)."""
        depth = 0
        while True:
            tok = self.peek()
            if tok.kind == 'end':
                return
            if tok.kind == 'op':
                if tok.value in ('(', '['):
                    depth += 1
                elif tok.value in (')', ']'):
                    if in_array and depth == 0:
                        return
                    depth = max(0, depth - 1)
                elif tok.value == ',' and in_array and depth == 0:
                    self.take()
                    return
                elif tok.value == ';' and (in_array or depth == 0):
                    return
                elif tok.value in ('{', '}') and depth == 0 and not in_array:
                    return
            self.take()

    # expression := term ('.' term)*
    def expression(self, failures, path):
        value = self.term(failures, path)
        while self.is_op('.'):
            op_line = self.take().line
            right = self.term(failures, path)
            if isinstance(value, dict) or isinstance(right, dict):
                raise _Unsupported(op_line, 'expression')
            value = _to_php_string(value) + _to_php_string(right)
        return value

    def term(self, failures, path):
        tok = self.take()
        if tok.kind == 'str':
            if tok.interp:
                raise _Unsupported(tok.line, 'interpolation')
            return tok.value
        if tok.kind == 'num':
            return tok.value
        if tok.kind == 'op' and tok.value in ('-', '+') and self.peek().kind == 'num':
            num = self.take().value
            return -num if tok.value == '-' else num
        if tok.kind == 'op' and tok.value == '(':
            value = self.expression(failures, path)
            if not self.is_op(')'):
                raise _Unsupported(tok.line, 'expression')
            self.take()
            return value
        if tok.kind == 'op' and tok.value == '[':
            return self.array_items(']', failures, path)
        if tok.kind == 'ident':
            low = tok.value.lower()
            if low == 'true':
                return True
            if low == 'false':
                return False
            if low == 'null':
                return None
            if low == 'array' and self.is_op('('):
                self.take()
                return self.array_items(')', failures, path)
        raise _Unsupported(tok.line, 'expression')

    def array_items(self, closer, failures, path):
        result = {}
        next_index = 0
        while True:
            if self.is_op(closer):
                self.take()
                return result
            if self.peek().kind == 'end' or self.is_op(';'):
                raise _Unsupported(self.peek().line, 'expression')
            start = self.pos
            key = None
            try:
                first = self.expression(failures, path)
                if self.is_op('=>'):
                    self.take()
                    key = _php_key(first, self.peek().line)
                    value = self.expression(failures, path + (key,))
                else:
                    value = first
            except _Unsupported as exc:
                if key is None:
                    # The key itself, or a value without a key, could not be read: look for 'key' => ahead.
                    self.pos = start
                    tok = self.peek()
                    if tok.kind in ('str', 'num') and not tok.interp and self.is_op('=>', 1):
                        key = _php_key(tok.value, tok.line)
                if key is not None:
                    failures.append((path + (key,), exc.line, exc.kind))
                self.skip(in_array=True)
                continue
            if key is None:
                key = next_index
            if isinstance(key, int) and key >= next_index:
                next_index = key + 1
            result[key] = value
            if self.is_op(','):
                self.take()
            elif not self.is_op(closer):
                raise _Unsupported(self.peek().line, 'expression')

    def statements(self):
        """Yield (target_var, keys, value_or_UnparsedValue, line, failures) for each assignment to a variable."""
        while self.peek().kind != 'end':
            tok = self.peek()
            if tok.kind == 'op' and tok.value in (';', '{', '}'):
                self.take()
                continue
            if tok.kind != 'var':
                self.skip()
                continue
            var = self.take()
            keys = []
            bad_key = False
            while self.is_op('['):
                self.take()
                ktok = self.take()
                if ktok.kind in ('str', 'num') and not ktok.interp and self.is_op(']'):
                    keys.append(_php_key(ktok.value, ktok.line))
                    self.take()
                else:
                    bad_key = True
                    break
            if bad_key or not self.is_op('='):
                self.skip()
                continue
            self.take()  # '='
            failures = []
            try:
                value = self.expression(failures, ())
                if not (self.is_op(';') or self.peek().kind == 'end'):
                    raise _Unsupported(self.peek().line, 'expression')
            except _Unsupported as exc:
                value = UnparsedValue(exc.line, exc.kind)
            self.skip()
            yield var.value, tuple(keys), value, var.line, failures


def _php_key(value, line):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return int(value)
    if value is None:
        return ''
    if isinstance(value, str) and re.match(r'^(0|-?[1-9][0-9]*)$', value):
        return int(value)
    if isinstance(value, (str, int)):
        return value
    raise _Unsupported(line, 'expression')


def _to_php_string(value):
    if value is True:
        return '1'
    if value is False or value is None:
        return ''
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return str(value) if not isinstance(value, str) else value


def _assign(root, keys, value):
    node = root
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


# ---------------------------------------------------------------------------------------------- public API

class DatabaseConfig(object):
    """What database.php defines.

    ``groups``: dict group -> dict key -> value (str, int, float, bool, None, dict, or :class:`UnparsedValue`).
    ``active_group``: the ``$active_group`` value or None; ``active_group_line``; ``filename``.
    """

    def __init__(self, filename):
        self.filename = filename
        self.groups = {}
        self.active_group = None
        self.active_group_line = None

    def group_names(self):
        return sorted(str(g) for g in self.groups)

    def default_group(self):
        if isinstance(self.active_group, UnparsedValue):
            raise _error_for_unparsed(self.filename, '$active_group', self.active_group)
        return self.active_group if self.active_group else 'default'

    def group(self, name):
        """Return the settings dict of group ``name``; raise SippConfigError('config_group_missing') if absent."""
        group = self.groups.get(name)
        if isinstance(group, UnparsedValue):
            raise _error_for_unparsed(self.filename, "$db['%s']" % name, group)
        if not isinstance(group, dict):
            raise SippConfigError('config_group_missing', group=name, file=self.filename,
                                  groups=', '.join(self.group_names()) or '-')
        return group

    def value(self, group, key, default=None, required=False):
        """Return one value of a group; raise SippConfigError when it is unreadable, or missing and required."""
        settings = self.group(group)
        if key not in settings:
            if required:
                raise SippConfigError('config_key_missing', group=group, setting=key, file=self.filename)
            return default
        val = settings[key]
        if isinstance(val, UnparsedValue):
            raise _error_for_unparsed(self.filename, "$db['%s']['%s']" % (group, key), val)
        return val


def _error_for_unparsed(filename, key, unparsed):
    code = 'config_interpolation' if unparsed.kind == 'interpolation' else 'config_value_unsupported'
    return SippConfigError(code, file=filename, line=unparsed.line, setting=key)


def parse_database_php_text(text, filename='database.php'):
    """Parse the text of a database.php. Return a :class:`DatabaseConfig`.

    Raises SippConfigError('config_syntax', file, line, detail) when the file cannot be tokenized (an unterminated
    string or comment). Values that need PHP are kept as :class:`UnparsedValue` and raise only when used.
    """
    if text.startswith('\ufeff'):
        text = text[1:]
    toks = _tokenize(text, filename)
    config = DatabaseConfig(filename)
    db = {}
    for var, keys, value, line, failures in _Parser(toks, filename).statements():
        if var == 'active_group' and not keys:
            config.active_group = value if isinstance(value, (str, UnparsedValue)) else _to_php_string(value)
            config.active_group_line = line
        elif var == 'db':
            if not keys:
                if isinstance(value, dict):
                    db = value
                else:
                    db = {}
            else:
                _assign(db, keys, value)
            for subpath, fline, kind in failures:
                _assign(db, keys + subpath, UnparsedValue(fline, kind))
    config.groups = db
    return config


def read_file_text(path):
    """Read a PHP file as text: UTF-8, or Latin-1 when it is not valid UTF-8."""
    with open(path, 'rb') as handle:
        raw = handle.read()
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError:
        return raw.decode('latin-1')


def parse_database_php(path):
    """Read and parse the database.php at ``path``. Raises SippConfigError (config_unreadable / config_syntax)."""
    try:
        text = read_file_text(path)
    except (IOError, OSError) as exc:
        raise SippConfigError('config_unreadable', file=path, error=getattr(exc, 'strerror', None) or str(exc))
    return parse_database_php_text(text, path)


# --------------------------------------------------------------------------------------- folder discovery

def app_missing_markers(path):
    """Return the markers a SIPP (CodeIgniter) folder needs and ``path`` lacks; empty list when it is one."""
    missing = []
    if not os.path.isfile(os.path.join(path, 'index.php')):
        missing.append('index.php')
    if not os.path.isdir(os.path.join(path, 'system')):
        missing.append('system/')
    if not os.path.isfile(os.path.join(path, DATABASE_PHP)):
        missing.append(DATABASE_PHP)
    return missing


def _preference(path, order):
    name = os.path.basename(path.rstrip(os.sep))
    return (0 if name.lower().startswith('sipp') else 1, order, name.lower(), name)


def find_app_candidates(search_paths=None):
    """Find SIPP application folders.

    Each search path is itself checked, then its direct sub-folders (hidden ones excepted). A folder qualifies when it holds ``index.php``,
    ``system/`` and ``application/config/database.php``. The result is a list of absolute paths (as found, symlinks
    not resolved; a folder reached twice is listed once), ordered by preference: names starting with ``SIPP``
    (any case) first, then by the order of ``search_paths``, then by name.
    """
    if search_paths is None:
        search_paths = DEFAULT_SEARCH_PATHS
    found = []
    seen = set()
    for order, base in enumerate(search_paths):
        base = os.path.abspath(base)
        if not os.path.isdir(base):
            continue
        paths = [base]
        try:
            names = sorted(os.listdir(base))
        except OSError:
            names = []
        for name in names:
            full = os.path.join(base, name)
            # hidden folders are not served applications: among them the trees the collection keeps beside the live
            # one (.SIPP.sipp-previous-<version> after an upgrade), which would otherwise be a second "SIPP" on every
            # later run
            if not name.startswith('.') and os.path.isdir(full):
                paths.append(full)
        for path in paths:
            if app_missing_markers(path):
                continue
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
            found.append((_preference(path, order), path))
    found.sort()
    return [path for _pref, path in found]
