# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading a dump as it streams: its end marker, and its sections (mysqldump's ``-- Table structure``,
``-- Dumping data``, views, routines, triggers, events): ``DumpFilter`` keeps only the wanted sections for a restore
(and reads each object's DEFINER), ``SectionWatch`` tells when the dump has passed given tables (their lock can be
released).
Python 3.6 compatible, standard library only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re


TAIL_BYTES = 4096
END_MARKER = b'-- Dump completed'


def has_end_marker(tail):
    """True when the last non-empty line of ``tail`` (the dump's last bytes) is mysqldump's ``-- Dump completed``."""
    lines = [line.strip() for line in (tail or b'').splitlines() if line.strip()]
    return bool(lines) and lines[-1].startswith(END_MARKER)


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
