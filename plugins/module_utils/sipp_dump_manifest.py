# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A database backup's manifest (``manifest.json`` beside the dump: tables with rows and checksums, views,
routines, triggers, events) read back, and what the restored database is compared with.
Python 3.6 compatible, standard library only.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import hashlib
import json


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
