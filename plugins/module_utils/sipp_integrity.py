# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integrity figures of a SIPP database: per-table row counts, checksums and definition fingerprints, the LIPA 1
report, the "kinerja" dashboard figures, the row counts of the case tables, and the comparison of two snapshots.

Works on a connection of ``sipp_db`` (either backend: every value comes back as text or None) against MySQL 5.x and
MariaDB 5.5 and later. Only ``information_schema``, ``COUNT(*)``, ``CHECKSUM TABLE`` and plain SELECTs are used;
nothing is written.

Python 3.6 compatible, standard library only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import decimal
import hashlib
import json

from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import SippDbError

# Tables per statement: keeps each statement (one client process with the CLI backend) of a sane size.
CHUNK = 50


def quote_identifier(name):
    """Quote a MySQL identifier with backticks (a backtick inside is doubled)."""
    return '`%s`' % str(name).replace('`', '``')


def _qualified(database, table):
    return '%s.%s' % (quote_identifier(database), quote_identifier(table))


def _chunks(items, size=CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _int(value):
    if value in (None, ''):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return int(float(value))


def base_tables(conn, database):
    """Sorted names of the BASE TABLEs (not views) of ``database``."""
    rows = conn.query(
        "SELECT TABLE_NAME AS name FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE'", (database,))
    return sorted(set(row['name'] for row in rows if row.get('name')))


def row_counts(conn, database, tables):
    """``{table: COUNT(*)}`` of the given tables (which must exist), a few tables per statement."""
    counts = {}
    for chunk in _chunks(list(tables)):
        # each table is named by its position in the chunk: no table name inside a string literal
        parts = ['SELECT %d AS i, COUNT(*) AS n FROM %s' % (index, _qualified(database, table))
                 for index, table in enumerate(chunk)]
        for row in conn.query(' UNION ALL '.join(parts)):
            counts[chunk[_int(row['i'])]] = _int(row['n'])
    for table in tables:
        counts.setdefault(table, 0)
    return counts


def _checksums(conn, database, tables):
    sums = {}
    prefix = '%s.' % database
    for chunk in _chunks(list(tables)):
        rows = conn.query('CHECKSUM TABLE %s' % ', '.join(_qualified(database, t) for t in chunk))
        for index, row in enumerate(rows):
            name = row.get('Table') or ''
            table = name[len(prefix):] if name.startswith(prefix) else None
            if table not in chunk:
                # the server reports db.table; fall back to the order of the statement
                table = chunk[index] if index < len(chunk) else name
            value = row.get('Checksum')
            sums[table] = None if value is None else str(value)
    return sums


def table_checksums(conn, database, tables=None):
    """Row count and checksum of every BASE TABLE (views are skipped) of ``database``.

    ``tables``: only these (names that are not base tables of ``database`` are left out of the result); default all.
    Returns ``{table: {'rows': int, 'checksum': str}}`` in sorted table order (a plain dict built in that order;
    callers that serialise it should sort keys). ``rows`` is ``COUNT(*)``; ``checksum`` is what ``CHECKSUM TABLE``
    reports, as text (None when the server could not compute it).

    ``CHECKSUM TABLE`` reads the whole table without a lock that stops writers: the figures are consistent only while
    SIPP is in maintenance (SiteOffline = 1, nobody writing), which is when the backup and verify steps run. Checksums
    are comparable only on the same server (MySQL and MariaDB, and their versions, compute them differently) and
    change when a table's definition changes (that is what ``ignore_tables`` of :func:`compare_snapshots` is for),
    but not always: a renamed column leaves them equal, which :func:`table_structures` sees.
    """
    present = base_tables(conn, database)
    if tables is not None:
        wanted = set(str(t) for t in tables)
        present = [t for t in present if t in wanted]
    counts = row_counts(conn, database, present)
    sums = _checksums(conn, database, present)
    result = {}
    for table in present:
        result[table] = {'rows': counts.get(table, 0), 'checksum': sums.get(table)}
    return result


def table_structures(conn, database, tables=None):
    """``{table: sha256}`` of each base table's definition: its columns (name, position, type, nullability, default,
    character set, collation, extra), indexes, engine, collation and triggers, from information_schema.

    ``CHECKSUM TABLE`` does not see a renamed column whose type and data are unchanged; this does. Comparable only on
    the same server (as the checksums). ``tables``: only these (default all base tables).
    """
    parts = {}

    def add(table, text):
        if tables is not None and table not in tables:
            return
        parts.setdefault(table, []).append(text)

    for row in conn.query(
            "SELECT TABLE_NAME AS t, ENGINE AS e, TABLE_COLLATION AS c FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME", (database,)):
        add(row['t'], 'table|%s|%s' % (row.get('e'), row.get('c')))
    known = set(parts)
    for row in conn.query(
            "SELECT TABLE_NAME AS t, COLUMN_NAME AS n, ORDINAL_POSITION AS p, COLUMN_TYPE AS ty, IS_NULLABLE AS nu, "
            "COLUMN_DEFAULT AS d, CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co, EXTRA AS x "
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, ORDINAL_POSITION",
            (database,)):
        if row['t'] in known:
            add(row['t'], 'column|%s' % json.dumps([row.get(k) for k in ('n', 'p', 'ty', 'nu', 'd', 'cs', 'co', 'x')]))
    for row in conn.query(
            "SELECT TABLE_NAME AS t, INDEX_NAME AS i, SEQ_IN_INDEX AS s, COLUMN_NAME AS n, NON_UNIQUE AS u, "
            "SUB_PART AS sp, INDEX_TYPE AS ty FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s "
            "ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX", (database,)):
        if row['t'] in known:
            add(row['t'], 'index|%s' % json.dumps([row.get(k) for k in ('i', 's', 'n', 'u', 'sp', 'ty')]))
    for row in conn.query(
            "SELECT EVENT_OBJECT_TABLE AS t, TRIGGER_NAME AS n, EVENT_MANIPULATION AS m, ACTION_TIMING AS w, "
            "ACTION_STATEMENT AS a FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = %s "
            "ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME", (database,)):
        if row['t'] in known:
            add(row['t'], 'trigger|%s' % json.dumps([row.get(k) for k in ('n', 'm', 'w', 'a')]))
    return dict((table, hashlib.sha256('\n'.join(lines).encode('utf-8')).hexdigest())
                for table, lines in parts.items())


# ------------------------------------------------------------------------------------------- views, routines

# information_schema columns that make each kind of object what it is (besides its name and DEFINER)
_OBJECT_QUERIES = (
    ('view', "SELECT TABLE_NAME AS name, DEFINER AS definer, VIEW_DEFINITION AS body, SECURITY_TYPE AS st, "
             "CHECK_OPTION AS co FROM information_schema.VIEWS WHERE TABLE_SCHEMA = %s", ('st', 'co')),
    ('trigger', "SELECT TRIGGER_NAME AS name, DEFINER AS definer, ACTION_STATEMENT AS body, EVENT_OBJECT_TABLE AS t, "
                "ACTION_TIMING AS w, EVENT_MANIPULATION AS m FROM information_schema.TRIGGERS "
                "WHERE TRIGGER_SCHEMA = %s", ('t', 'w', 'm')),
    ('routine', "SELECT CONCAT(LOWER(ROUTINE_TYPE), ' ', ROUTINE_NAME) AS name, DEFINER AS definer, "
                "ROUTINE_DEFINITION AS body, SECURITY_TYPE AS st, DTD_IDENTIFIER AS r FROM "
                "information_schema.ROUTINES WHERE ROUTINE_SCHEMA = %s", ('st', 'r')),
    ('event', "SELECT EVENT_NAME AS name, DEFINER AS definer, EVENT_DEFINITION AS body, STATUS AS s, "
              "INTERVAL_VALUE AS iv, INTERVAL_FIELD AS f FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s",
     ('s', 'iv', 'f')),
)


def schema_objects(conn, database):
    """The views, triggers, stored procedures and functions and events of ``database``: ``{'<kind> <name>':
    {'kind', 'name', 'definer', 'digest'}}`` (a trigger also has its ``table``; kind: view, trigger, procedure, function, event; ``definer`` as
    information_schema gives it, ``user@host``; ``digest``: sha256 of what the object does, None when the login user
    may not read its body: MySQL and MariaDB hide a routine's body from a user who neither defined it nor may read
    every routine). Events are left out where the server has none (MySQL 5.0, or the event scheduler tables
    missing)."""
    out = {}
    for kind, sql, extra in _OBJECT_QUERIES:
        try:
            rows = conn.query(sql, (database,))
        except SippDbError:
            if kind == 'event':
                continue
            raise
        for row in rows:
            name = row.get('name')
            if not name:
                continue
            this = kind
            if kind == 'routine':
                this, name = name.split(' ', 1)
            body = row.get('body')
            digest = None if body in (None, '') and this in ('procedure', 'function') else hashlib.sha256(
                json.dumps([body] + [row.get(k) for k in extra]).encode('utf-8')).hexdigest()
            out['%s %s' % (this, name)] = {'kind': this, 'name': name, 'definer': row.get('definer'),
                                           'digest': digest}
            if this == 'trigger':
                out['%s %s' % (this, name)]['table'] = row.get('t')
    return dict(sorted(out.items()))


def compare_objects(expected, actual):
    """Differences between two :func:`schema_objects` results: a list of ``{object, kind, name, problem,
    expected_definer, actual_definer}`` sorted by object, ``problem`` one of ``missing`` (gone), ``extra`` (only in
    ``actual``), ``definition`` (it does something else) and ``definer`` (the same, run as another user). A
    definition that cannot be read on either side is not compared."""
    out = []
    for key in sorted(set(expected) | set(actual)):
        want = expected.get(key)
        got = actual.get(key)
        item = dict(object=key, kind=(want or got)['kind'], name=(want or got)['name'], problem=None,
                    expected_definer=(want or {}).get('definer'), actual_definer=(got or {}).get('definer'))
        if got is None:
            item['problem'] = 'missing'
        elif want is None:
            item['problem'] = 'extra'
        elif want.get('digest') and got.get('digest') and want['digest'] != got['digest']:
            item['problem'] = 'definition'
        elif want.get('definer') != got.get('definer'):
            item['problem'] = 'definer'
        if item['problem']:
            out.append(item)
    return out


# ------------------------------------------------------------------------------------------- case tables

CASE_TABLES = ('perkara', 'perkara_pihak1', 'perkara_pihak2', 'pihak', 'perkara_jadwal_sidang', 'perkara_putusan',
               'perkara_penetapan', 'perkara_hakim_pn', 'perkara_biaya')


def case_table_counts(conn, database):
    """Row counts of the case tables: those of CASE_TABLES and every other base table named ``perkara_*``.

    Returns ``{table: int}``; a table of CASE_TABLES that does not exist is given as None (so that a comparison
    reports it missing rather than empty).
    """
    present = base_tables(conn, database)
    names = [t for t in present if t in CASE_TABLES or t.startswith('perkara_')]
    counts = row_counts(conn, database, names)
    result = {}
    for table in sorted(set(CASE_TABLES) | set(names)):
        result[table] = counts.get(table) if table in counts else None
    return result


# ------------------------------------------------------------------------------------------- figures

LIPA1_COLUMNS = ('sisa_bulan_lalu', 'diterima', 'diputus', 'sisa_akhir', 'belum_dibagi', 'belum_diputus')


def _has_column(conn, database, table, column):
    row = conn.query_one(
        "SELECT COUNT(*) AS n FROM information_schema.COLUMNS "
        "WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND COLUMN_NAME = %s", (database, table, column))
    return bool(row) and _int(row.get('n')) > 0


def _month_bounds(year, month):
    year = int(year)
    month = int(month)
    if not 1 <= month <= 12:
        raise ValueError('month must be 1..12, got %s' % month)
    if month == 12:
        following = (year + 1, 1)
    else:
        following = (year, month + 1)
    last = datetime.date(following[0], following[1], 1) - datetime.timedelta(days=1)
    return '%04d-%02d-01' % (year, month), last.isoformat()


def _current_database(conn):
    row = conn.query_one('SELECT DATABASE() AS db')
    return (row or {}).get('db')


def lipa1(conn, year, month, database=None):
    """LIPA 1 (Laporan Keadaan Perkara) of ``year``/``month``: one row per jenis perkara, as SIPP's own report.

    Each row: ``jenis_perkara_id`` (int), ``jenis_perkara_nama``, ``sisa_bulan_lalu`` (registered before the month
    and not decided before it), ``diterima`` (registered in the month), ``diputus`` (decided in the month),
    ``sisa_akhir`` (not decided by the month's end; sisa_bulan_lalu + diterima - diputus), and the split of
    sisa_akhir into ``belum_dibagi`` (no majelis appointed by the month's end, perkara_penetapan
    .penetapan_majelis_hakim) and ``belum_diputus``; both are None when the schema has no such column. Rows whose
    four main figures are all zero are left out, as SIPP does. Sorted by jenis_perkara_id.

    Uses only perkara(perkara_id, jenis_perkara_id, jenis_perkara_nama, tanggal_pendaftaran) and
    perkara_putusan(perkara_id, tanggal_putusan), present in every SIPP version (and perkara_penetapan when present);
    never the dashboard view, whose columns changed between versions. ``database``: where to look for
    perkara_penetapan (default: the connection's current database).
    """
    first, last = _month_bounds(year, month)
    database = database or _current_database(conn)
    split = bool(database) and _has_column(conn, database, 'perkara_penetapan', 'penetapan_majelis_hakim')
    if split:
        belum_dibagi = ("SUM(IF((pp.tanggal_putusan IS NULL OR pp.tanggal_putusan > %s) AND "
                        "(pn.penetapan_majelis_hakim IS NULL OR pn.penetapan_majelis_hakim > %s), 1, 0))")
        join = ' LEFT JOIN perkara_penetapan pn ON pn.perkara_id = p.perkara_id'
        extra = (last, last)
    else:
        belum_dibagi = 'NULL'
        join = ''
        extra = ()
    sql = ('SELECT p.jenis_perkara_id AS jenis_perkara_id, p.jenis_perkara_nama AS jenis_perkara_nama, '
           'SUM(IF(p.tanggal_pendaftaran < %s AND (pp.tanggal_putusan IS NULL OR pp.tanggal_putusan >= %s), 1, 0))'
           ' AS sisa_bulan_lalu, '
           'SUM(IF(p.tanggal_pendaftaran >= %s, 1, 0)) AS diterima, '
           'SUM(IF(pp.tanggal_putusan BETWEEN %s AND %s, 1, 0)) AS diputus, '
           'SUM(IF(pp.tanggal_putusan IS NULL OR pp.tanggal_putusan > %s, 1, 0)) AS sisa_akhir, '
           + belum_dibagi + ' AS belum_dibagi '
           'FROM perkara p LEFT JOIN perkara_putusan pp ON pp.perkara_id = p.perkara_id' + join +
           ' WHERE p.tanggal_pendaftaran <= %s '
           'GROUP BY p.jenis_perkara_id, p.jenis_perkara_nama ORDER BY p.jenis_perkara_id')
    args = (first, first, first, first, last, last) + extra + (last,)
    result = []
    for row in conn.query(sql, args):
        item = {'jenis_perkara_id': _int(row.get('jenis_perkara_id')),
                'jenis_perkara_nama': row.get('jenis_perkara_nama')}
        for key in LIPA1_COLUMNS[:4]:
            item[key] = _int(row.get(key))
        if split:
            item['belum_dibagi'] = _int(row.get('belum_dibagi'))
            item['belum_diputus'] = item['sisa_akhir'] - item['belum_dibagi']
        else:
            item['belum_dibagi'] = None
            item['belum_diputus'] = None
        if item['sisa_bulan_lalu'] + item['diterima'] + item['diputus'] + item['sisa_akhir'] == 0:
            continue
        result.append(item)
    result.sort(key=lambda r: (r['jenis_perkara_id'], r['jenis_perkara_nama'] or ''))
    return result


def lipa1_totals(rows):
    """The ``jumlah`` line of LIPA 1: the sum of every column over ``rows`` (None stays None)."""
    totals = {}
    for key in LIPA1_COLUMNS:
        values = [r.get(key) for r in rows]
        totals[key] = None if any(v is None for v in values) and values else sum(v or 0 for v in values)
    return totals


def lipa1_report(conn, year, month, database=None):
    """LIPA 1 in the shape SIPP's JSON report has: ``{tahun, bulan, rincian: [rows], jumlah: {totals}}``."""
    rows = lipa1(conn, year, month, database=database)
    return {'tahun': int(year), 'bulan': int(month), 'rincian': rows, 'jumlah': lipa1_totals(rows)}


def kinerja_percent(minutasi, beban):
    """minutasi * 100 / beban rounded to 2 decimals half away from zero (PHP's round()), 0 when beban is 0."""
    if not beban:
        return 0
    value = (decimal.Decimal(minutasi) * 100 / decimal.Decimal(beban)).quantize(
        decimal.Decimal('0.01'), rounding=decimal.ROUND_HALF_UP)
    return float(value)


def kinerja(conn, year):
    """The dashboard "kinerja" figures of ``year``: ``{tahun, masuk, sisa, minutasi, kinerja}``.

    masuk: registered in the year; sisa: registered before it and not minuted by 1 January; minutasi: minuted in
    the year; kinerja = minutasi * 100 / (masuk + sisa), 2 decimals (0 when nothing was to be done). Uses only
    perkara.tanggal_pendaftaran and perkara_putusan.tanggal_minutasi (every SIPP version).
    """
    year = int(year)
    first = '%04d-01-01' % year
    last = '%04d-12-31' % year
    row = conn.query_one(
        'SELECT SUM(IF(p.tanggal_pendaftaran BETWEEN %s AND %s, 1, 0)) AS masuk, '
        'SUM(IF(p.tanggal_pendaftaran < %s AND (pp.tanggal_minutasi IS NULL OR pp.tanggal_minutasi >= %s), 1, 0))'
        ' AS sisa, '
        'SUM(IF(pp.tanggal_minutasi BETWEEN %s AND %s, 1, 0)) AS minutasi '
        'FROM perkara p LEFT JOIN perkara_putusan pp ON pp.perkara_id = p.perkara_id',
        (first, last, first, first, first, last)) or {}
    masuk = _int(row.get('masuk'))
    sisa = _int(row.get('sisa'))
    minutasi = _int(row.get('minutasi'))
    return {'tahun': year, 'masuk': masuk, 'sisa': sisa, 'minutasi': minutasi,
            'kinerja': kinerja_percent(minutasi, masuk + sisa)}


# ------------------------------------------------------------------------------------------- snapshots

def take_snapshot(conn, database, year, month, tables=None, version=None, taken_at=None):
    """Everything :func:`compare_snapshots` compares, as a JSON-ready dict.

    ``{taken_at, version, database, server_version, tables: table_checksums(), structures: table_structures(),
    objects: schema_objects(), lipa1: lipa1_report(), kinerja: kinerja(), case_counts: case_table_counts()}``. ``taken_at``: ISO text (default:
    now, UTC). ``tables`` narrows ``tables`` and ``structures`` alike. Consistent only while SIPP is in maintenance
    (see :func:`table_checksums`).
    """
    if taken_at is None:
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0, tzinfo=None)
        taken_at = now.isoformat() + 'Z'
    return {
        'taken_at': taken_at,
        'version': version,
        'database': database,
        'server_version': getattr(conn, 'server_version', None),
        'tables': table_checksums(conn, database, tables),
        'structures': table_structures(conn, database, tables),
        'objects': schema_objects(conn, database),
        'lipa1': lipa1_report(conn, year, month, database=database),
        'kinerja': kinerja(conn, year),
        'case_counts': case_table_counts(conn, database),
    }


DIFFERENCE_TEXT = {
    'en': {
        'figure': "figure {figure} was {before}, is now {after}",
        'rows': "table {table} had {before} rows, now has {after}",
        'checksum': "table {table} changed: checksum {before} -> {after}",
        'structure': "table {table} changed its definition (columns, indexes, engine, collation or triggers)",
        'missing_table': "table {table} has disappeared (it had {before} rows)",
        'new_table': "table {table} is new ({after} rows)",
    },
    'id': {
        'figure': "angka {figure} semula {before}, sekarang {after}",
        'rows': "tabel {table} semula {before} baris, sekarang {after} baris",
        'checksum': "isi tabel {table} berubah: checksum {before} -> {after}",
        'structure': "definisi tabel {table} berubah (kolom, indeks, engine, collation atau trigger)",
        'missing_table': "tabel {table} hilang (semula {before} baris)",
        'new_table': "tabel {table} baru ({after} baris)",
    },
}


def difference_text(diff, language='en'):
    """One line describing a difference of :func:`compare_snapshots` in ``language`` (id or en)."""
    templates = DIFFERENCE_TEXT.get(language) or DIFFERENCE_TEXT['en']
    values = dict(table='', figure='', before='', after='')
    values.update(dict((k, v) for k, v in diff.items() if v is not None))
    return templates.get(diff.get('kind'), '{kind}').format(**values)


def _figure_differences(before, after):
    """Differences of the LIPA 1 and kinerja figures; a figure missing on one side counts as a difference."""
    diffs = []

    def add(name, old, new):
        if old != new:
            diffs.append({'kind': 'figure', 'figure': name, 'before': old, 'after': new})

    old_k = before.get('kinerja') or {}
    new_k = after.get('kinerja') or {}
    for key in ('tahun', 'masuk', 'sisa', 'minutasi', 'kinerja'):
        add('kinerja.%s' % key, old_k.get(key), new_k.get(key))

    old_l = before.get('lipa1') or {}
    new_l = after.get('lipa1') or {}
    add('lipa1.tahun', old_l.get('tahun'), new_l.get('tahun'))
    add('lipa1.bulan', old_l.get('bulan'), new_l.get('bulan'))

    def by_jenis(report):
        return dict((str(r.get('jenis_perkara_id')), r) for r in (report.get('rincian') or []))

    old_rows = by_jenis(old_l)
    new_rows = by_jenis(new_l)
    keys = sorted(set(old_rows) | set(new_rows), key=lambda k: (len(k), k))
    for jenis in keys:
        old_row = old_rows.get(jenis) or {}
        new_row = new_rows.get(jenis) or {}
        for col in LIPA1_COLUMNS:
            add('lipa1.%s.%s' % (jenis, col), old_row.get(col), new_row.get(col))
    old_sum = old_l.get('jumlah') or {}
    new_sum = new_l.get('jumlah') or {}
    for col in LIPA1_COLUMNS:
        add('lipa1.jumlah.%s' % col, old_sum.get(col), new_sum.get(col))
    return diffs


def compare_snapshots(before, after, ignore_tables=(), new_tables_are_errors=False):
    """Differences between two snapshots of :func:`take_snapshot` (``before``, ``after``).

    Returns a list of dicts ``{kind, table|figure, before, after, error, text}``; ``kind`` is one of:

    * ``figure``: a LIPA 1 or kinerja figure differs (always an error);
    * ``rows``: a table's row count differs (always an error for the case tables; for other tables unless the table
      is in ``ignore_tables``);
    * ``checksum``: a table's content differs (an error unless the table is in ``ignore_tables``, which should be
      the tables the upgrade package declares changed; ignored tables are not reported at all);
    * ``structure``: a table's definition differs (its :func:`table_structures` fingerprint; ``before``/``after``
      are the two fingerprints): a renamed column, say, which leaves the checksum equal. An error unless the table
      is in ``ignore_tables`` (then not reported, as for ``checksum``); compared only when both snapshots have
      ``structures`` (a snapshot written before they existed has none);
    * ``missing_table``: a table of ``before`` is gone (always an error);
    * ``new_table``: a table only ``after`` has (expected from a migration: an error only with
      ``new_tables_are_errors``).

    ``text`` is an English one-liner (:func:`difference_text` gives it in Indonesian). Order: figures, then tables by
    name. An empty list, or one without errors, means the data a court trusts is unchanged.
    """
    ignore = set(ignore_tables or ())
    diffs = _figure_differences(before, after)
    for diff in diffs:
        diff['error'] = True

    old_tables = before.get('tables') or {}
    new_tables = after.get('tables') or {}
    old_cases = before.get('case_counts') or {}
    new_cases = after.get('case_counts') or {}
    old_structures = before.get('structures') or {}
    new_structures = after.get('structures') or {}

    def rows_of(tables, cases, name):
        if name in tables:
            return tables[name].get('rows')
        return cases.get(name)

    def exists(tables, cases, name):
        return name in tables or cases.get(name) is not None

    names = sorted(set(old_tables) | set(new_tables) | set(old_cases) | set(new_cases))
    table_diffs = []
    for name in names:
        had = exists(old_tables, old_cases, name)
        has = exists(new_tables, new_cases, name)
        old_rows = rows_of(old_tables, old_cases, name)
        new_rows = rows_of(new_tables, new_cases, name)
        if had and not has:
            table_diffs.append({'kind': 'missing_table', 'table': name, 'before': old_rows, 'after': None,
                                'error': True})
            continue
        if has and not had:
            table_diffs.append({'kind': 'new_table', 'table': name, 'before': None, 'after': new_rows,
                                'error': bool(new_tables_are_errors)})
            continue
        if not had:
            continue
        is_case = name in old_cases or name in new_cases
        if old_rows != new_rows and (is_case or name not in ignore):
            table_diffs.append({'kind': 'rows', 'table': name, 'before': old_rows, 'after': new_rows,
                                'error': True})
        if name in ignore or name not in old_tables or name not in new_tables:
            continue
        old_sum = old_tables[name].get('checksum')
        new_sum = new_tables[name].get('checksum')
        if old_sum != new_sum:
            table_diffs.append({'kind': 'checksum', 'table': name, 'before': old_sum, 'after': new_sum,
                                'error': True})
        old_def = old_structures.get(name)
        new_def = new_structures.get(name)
        if old_def and new_def and old_def != new_def:
            table_diffs.append({'kind': 'structure', 'table': name, 'before': old_def, 'after': new_def,
                                'error': True})
    diffs.extend(table_diffs)
    for diff in diffs:
        diff['text'] = difference_text(diff, 'en')
    return diffs


def has_errors(differences):
    """True when any difference of :func:`compare_snapshots` is an error."""
    return any(d.get('error') for d in differences)
