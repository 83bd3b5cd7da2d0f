# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module layer's file helpers, written once (module_utils/sipp_files.py): private folders, the atomic write,
sha256."""
from __future__ import (absolute_import, division, print_function)

import hashlib
import io
import json
import os
import stat

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_files as f


def test_private_folders_are_made_0700_whatever_the_umask_and_a_file_in_the_way_is_refused(tmp_path):
    target = tmp_path / 'a' / 'b' / 'c'
    old = os.umask(0o022)
    try:
        created = f.make_private_dirs(str(target))
    finally:
        os.umask(old)
    assert created == [str(tmp_path / 'a'), str(tmp_path / 'a' / 'b'), str(target)]
    for folder in created:
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    # an existing folder keeps its mode, and nothing is created again
    (tmp_path / 'open').mkdir(mode=0o755)
    os.chmod(str(tmp_path / 'open'), 0o755)
    assert f.make_private_dirs(str(tmp_path / 'open')) == []
    assert stat.S_IMODE((tmp_path / 'open').stat().st_mode) == 0o755
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    with pytest.raises(OSError):
        f.make_private_dirs(str(blocker / 'sub'))
    assert f.existing_ancestor(str(tmp_path / 'a' / 'x' / 'y')) == str(tmp_path / 'a')


def test_the_atomic_write_leaves_the_file_0600_and_no_temporary_name(tmp_path):
    path = tmp_path / 'record.json'
    path.write_text('old')
    os.chmod(str(path), 0o644)
    f.write_json(str(path), {'b': 1, 'a': [1, 2]})
    assert json.loads(path.read_text()) == {'a': [1, 2], 'b': 1}
    assert path.read_text().startswith('{\n  "a"')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    f.write_json(str(path), {'a': 1}, indent=1)
    assert path.read_text() == '{\n "a": 1\n}\n'
    assert os.listdir(str(tmp_path)) == ['record.json']


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary_one(tmp_path):
    path = tmp_path / 'record.json'
    path.write_text('{"old": true}')
    with pytest.raises(TypeError):
        f.write_json(str(path), {'not json': object()})
    assert path.read_text() == '{"old": true}'
    assert os.listdir(str(tmp_path)) == ['record.json']
    # a link at the temporary name is never written through
    name = f.temporary_name(str(path))
    assert os.path.dirname(name) == str(tmp_path) and f.TMP_MARK in os.path.basename(name)


def test_a_write_through_a_folder_that_is_gone_fails_and_leaves_nothing(tmp_path):
    with pytest.raises(OSError):
        f.write_atomic(str(tmp_path / 'gone' / 'x'), b'data')
    assert os.listdir(str(tmp_path)) == []


def test_sha256_of_a_file_and_of_a_stream_copied_while_it_is_summed(tmp_path):
    data = os.urandom(3 * 1024 + 7)
    path = tmp_path / 'blob'
    path.write_bytes(data)
    assert f.sha256_file(str(path)) == hashlib.sha256(data).hexdigest()
    copy = io.BytesIO()
    digest, size = f.sha256_stream(io.BytesIO(data), chunk_size=1000, write=copy.write)
    assert (digest, size) == (hashlib.sha256(data).hexdigest(), len(data)) and copy.getvalue() == data
