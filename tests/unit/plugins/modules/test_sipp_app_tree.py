# -*- coding: utf-8 -*-
"""sipp_app_tree: main() on real application trees and packages of the simulator (sippsim.release, sippsim.faults):
prepare beside the live tree with hard links, switch with one exchange, switch back, clean; faulty packages refused
with the live tree untouched."""

from __future__ import (absolute_import, division, print_function)

import errno
import hashlib
import json
import os
import stat
import zipfile

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_tree_files as F
from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_tree_messages as M
from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_tree_switch as S
from ansible_collections.pengadilan.sipp.plugins.modules import sipp_app_tree as module

from sippsim import faults, release as R

CHAIN = [('5.0.0', '5.1.0'), ('5.1.0', '5.2.0'), ('5.2.0', '5.2.1'), ('5.2.1', '5.3.0')]
CONFIG = 'application/config/config.php'
DATABASE = 'application/config/database.php'
UPLOAD = 'resources/file/2025/putusan_1_Pdt.G_2025.pdf'
LINK = 'resources/img/logo-pengadilan.png'
LIVE_OWNER = (1234, 2345)
EXTRAS = (CONFIG, DATABASE, UPLOAD, LINK)


def sha(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def snapshot(root):
    """rel -> (kind, mode, uid, gid, sha256 or link target, inode) for everything under root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(str(root)):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, str(root))
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ('link', 0, st.st_uid, st.st_gid, os.readlink(path), st.st_ino)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ('dir', stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, None, None)
            else:
                out[rel] = ('file', stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, sha(path), st.st_ino)
    return out


def content(snap):
    """What a tree holds, without inodes (trees compared across renames and copies) and without the module's record
    (the switch adds its details to it)."""
    return dict((rel, v[:5]) for rel, v in snap.items() if rel != F.RECORD_NAME)


def files_of(snap):
    return dict((rel, v[4]) for rel, v in snap.items() if v[0] == 'file')


def make_live(tmp_path, version):
    """A court's live folder: the release tree, the court's own config files, an upload, a symlink; owned by a
    non-root user (as on a real server) so the owner of written files can be checked."""
    app = R.build_tree(version, tmp_path / 'www' / 'SIPP')
    (app / CONFIG).write_text("<?php $config['encryption_key'] = 'rahasia-pn';\n")
    (app / DATABASE).write_text("<?php $db['default']['password'] = 'sandi';\n")
    (app / UPLOAD).parent.mkdir(parents=True)
    (app / UPLOAD).write_bytes(b'%PDF-1.4 putusan\n')
    (app / LINK).parent.mkdir(parents=True, exist_ok=True)
    os.symlink('../../index.php', str(app / LINK))
    for dirpath, dirnames, filenames in os.walk(str(app)):
        for name in dirnames + filenames + ['.']:
            os.lchown(os.path.join(dirpath, name), *LIVE_OWNER)
    os.chmod(str(app / 'resources' / 'file'), 0o775)
    return app


def expected_tree(tmp_path, version):
    return snapshot(R.build_tree(version, tmp_path / ('expected-' + version)))


def siblings(app):
    return sorted(os.listdir(str(app.parent)))


def ok(run_module, **args):
    res = run_module(module.main, args)[0]
    assert not res.get('failed'), res
    return res


def refused(run_module, problem, language='id', **args):
    res = run_module(module.main, dict(args, language=language))[0]
    assert res.get('failed') is True, res
    assert res['problem'] == problem, res
    return res


@pytest.fixture(scope='module')
def faulty(tmp_path_factory):
    out = tmp_path_factory.mktemp('faulty')
    labels = faults.build_faulty(out)
    return dict((meta['breaks'], out / name) for name, meta in labels.items())


# ---------------------------------------------------------------------------------------------------------------
# state=prepared


@pytest.mark.parametrize('from_version,to_version', CHAIN)
def test_prepare_builds_the_new_tree_beside_with_hard_links(tmp_path, run_module, from_version, to_version):
    app = make_live(tmp_path, from_version)
    pkg = R.build_package(from_version, to_version, tmp_path / 'pkg')
    manifest = json.loads(zipfile.ZipFile(str(pkg)).read('manifest.json').decode('utf-8'))
    before = snapshot(app)
    listing = siblings(app)

    predicted = ok(run_module, state='prepared', app_path=str(app), package=str(pkg), _ansible_check_mode=True)
    assert predicted['changed'] is True
    assert siblings(app) == listing, 'check mode wrote something'

    res = ok(run_module, state='prepared', app_path=str(app), package=str(pkg))
    staging = app.parent / ('.SIPP.sipp-' + to_version)
    assert res['changed'] is True and res['staging'] == str(staging)
    for key in ('files_written', 'files_deleted', 'files_linked', 'bytes_written'):
        assert predicted[key] == res[key], key
    assert res['files_written'] == len(manifest['files'])
    assert res['bytes_written'] == sum(os.path.getsize(str(staging / rel)) for rel in manifest['files'])
    assert res['files_deleted'] == len([rel for rel in manifest['delete'] if rel in before])

    # the live tree: byte for byte, mode for mode, inode for inode the same
    assert snapshot(app) == before
    assert sorted(os.listdir(str(app.parent))) == sorted(listing + [staging.name])

    # the staging tree is the release tree of to_version, plus the court's own files kept
    staged = snapshot(staging)
    record = json.loads((staging / F.RECORD_NAME).read_text())
    assert stat.S_IMODE(os.lstat(str(staging / F.RECORD_NAME)).st_mode) == 0o600
    del staged[F.RECORD_NAME]
    expected = expected_tree(tmp_path, to_version)
    assert files_of(dict((r, v) for r, v in staged.items() if r not in EXTRAS)) == files_of(expected)
    assert sorted(r for r, v in staged.items() if v[0] != 'dir' and r not in EXTRAS) == \
        sorted(r for r, v in expected.items() if v[0] != 'dir')
    for rel in manifest['delete']:
        assert rel not in staged
    # kept: config files, uploads and the symlink are the live ones (same inode), untouched
    for rel in (CONFIG, DATABASE, UPLOAD):
        assert staged[rel][5] == before[rel][5], rel
    assert staged[LINK][:5] == before[LINK][:5]
    # unchanged files share their inode with the live tree; written ones do not, are 0644 and owned like the live
    for rel, value in staged.items():
        if value[0] != 'file':
            continue
        if rel in manifest['files']:
            assert rel not in before or value[5] != before[rel][5], rel
            assert value[1] == 0o644 and value[2:4] == LIVE_OWNER, (rel, value)
        else:
            assert value[5] == before[rel][5], rel
    # folders: modes and owners of the live ones, new folders 0755 with the live owner
    for rel, value in staged.items():
        if value[0] == 'dir':
            if rel in before:
                assert value[1:4] == before[rel][1:4], rel
            else:
                assert value[1:4] == (0o755,) + LIVE_OWNER, rel
    # the staging root is closed until the switch
    root = os.lstat(str(staging))
    assert stat.S_IMODE(root.st_mode) == 0o700 and (root.st_uid, root.st_gid) == (0, 0)
    assert record['complete'] is True and record['from_version'] == from_version
    assert record['to_version'] == to_version and sorted(record['written']) == sorted(manifest['files'])

    # idempotent: reused as it is
    again = ok(run_module, state='prepared', app_path=str(app), package=str(pkg))
    assert again['changed'] is False and again['reused'] is True
    assert snapshot(staging) == dict(staged, **{F.RECORD_NAME: snapshot(staging)[F.RECORD_NAME]})


def test_the_zip_modes_are_never_applied(tmp_path, run_module):
    app = make_live(tmp_path, '5.1.0')
    entries = R.package_entries('5.1.0', '5.2.0')
    apps = sorted(n for n in entries if n.startswith('app/'))
    modes = {apps[0]: 0o104777, apps[1]: 0o100600}   # setuid world-writable, private
    pkg = R.write_package(tmp_path / 'pkg' / 'sipp-5.1.0-5.2.0.zip', entries, modes=modes)
    res = ok(run_module, state='prepared', app_path=str(app), package=str(pkg))
    for name in apps:
        st = os.lstat(os.path.join(res['staging'], name[4:]))
        assert stat.S_IMODE(st.st_mode) == 0o644, name
        assert (st.st_uid, st.st_gid) == LIVE_OWNER


def test_incomplete_or_damaged_staging_is_rebuilt_foreign_one_refused(tmp_path, run_module):
    app = make_live(tmp_path, '5.1.0')
    pkg = R.build_package('5.1.0', '5.2.0', tmp_path / 'pkg')
    args = dict(state='prepared', app_path=str(app), package=str(pkg))
    staging = app.parent / '.SIPP.sipp-5.2.0'
    ok(run_module, **args)
    first = snapshot(staging)
    # a written file damaged
    written = json.loads((staging / F.RECORD_NAME).read_text())['written']
    os.chmod(str(staging), 0o700)
    (staging / written[0]).write_bytes(b'rusak')
    assert ok(run_module, **args)['changed'] is True
    assert files_of(snapshot(staging)) != {} and sha(str(staging / written[0])) != sha256_of(b'rusak')
    # a record left incomplete (a run stopped halfway)
    record = json.loads((staging / F.RECORD_NAME).read_text())
    record['complete'] = False
    F.write_record(str(staging), record)
    res = ok(run_module, **args)
    assert res['changed'] is True and res['reused'] is False
    assert content(snapshot(staging)).keys() == content(first).keys()
    # a folder of that name that is not ours: refused, kept
    F.clean_trees(str(app), [str(staging)])
    staging.mkdir()
    (staging / 'catatan.txt').write_text('punya admin')
    res = refused(run_module, 'staging_foreign', **args)
    assert 'Tidak ada yang diubah' in res['msg']
    assert (staging / 'catatan.txt').read_text() == 'punya admin'


def sha256_of(data):
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize('label,version,problem', [
    ('path_escape', '5.2.0', 'path_escape'),
    ('symlink_entry', '5.2.0', 'symlink_entry'),
    ('checksum_mismatch', '5.0.0', 'file_checksum'),
])
@pytest.mark.parametrize('language', ['id', 'en'])
def test_faulty_packages_refused_live_untouched(tmp_path, run_module, faulty, label, version, problem, language):
    app = make_live(tmp_path, version)
    before = snapshot(app)
    everything = sorted(os.path.relpath(os.path.join(d, n), str(tmp_path))
                        for d, ds, fs in os.walk(str(tmp_path)) for n in ds + fs)
    checked = refused(run_module, problem, language=language, state='prepared', app_path=str(app),
                      package=str(faulty[label]), _ansible_check_mode=True)
    assert siblings(app) == ['SIPP'] and snapshot(app) == before
    assert ('Tidak ada yang diubah' if language == 'id' else 'Nothing was changed') in checked['msg']
    res = refused(run_module, problem, language=language, state='prepared', app_path=str(app),
                  package=str(faulty[label]))
    assert res['changed'] is False
    assert snapshot(app) == before
    assert siblings(app) == ['SIPP'], 'the staging folder must be gone'
    after = sorted(os.path.relpath(os.path.join(d, n), str(tmp_path))
                   for d, ds, fs in os.walk(str(tmp_path)) for n in ds + fs)
    assert after == everything
    assert not os.path.exists('/etc/cron.d/sipp-update')
    words = {'id': ('Tidak ada yang diubah', 'sudah dihapus'), 'en': ('Nothing was changed', 'was removed')}
    assert any(w in res['msg'] for w in words[language]), res['msg']
    assert res['msg'] != M.MESSAGES.text(language, problem)


def test_a_symlinked_folder_in_the_live_tree_is_never_written_through(tmp_path, run_module):
    app = make_live(tmp_path, '5.1.0')
    outside = tmp_path / 'di-luar'
    outside.mkdir()
    models = app / 'application' / 'models'
    os.rename(str(models), str(outside / 'models'))
    os.symlink(str(outside / 'models'), str(models))
    before_out = snapshot(outside)
    before = snapshot(app)
    pkg = R.build_package('5.1.0', '5.2.0', tmp_path / 'pkg')
    res = refused(run_module, 'unsafe_target', state='prepared', app_path=str(app), package=str(pkg))
    assert 'application/models' in res['msg']
    assert snapshot(outside) == before_out and snapshot(app) == before
    assert siblings(app) == ['SIPP']


def test_uploads_and_protected_files_are_refused(tmp_path, run_module):
    app = make_live(tmp_path, '5.1.0')
    entries = R.package_entries('5.1.0', '5.2.0')
    manifest = json.loads(entries['manifest.json'].decode('utf-8'))
    entries['app/resources/file/index.html'] = b'<html></html>'
    manifest['files']['resources/file/index.html'] = sha256_of(b'<html></html>')
    entries['manifest.json'] = R.manifest_bytes(manifest)
    pkg = R.write_package(tmp_path / 'pkg' / 'sipp-5.1.0-5.2.0.zip', entries)
    res = refused(run_module, 'upload_path', state='prepared', app_path=str(app), package=str(pkg))
    assert 'resources/file' in res['msg'] and siblings(app) == ['SIPP']


def test_options_and_places_checked(tmp_path, run_module):
    app = make_live(tmp_path, '5.1.0')
    pkg = R.build_package('5.1.0', '5.2.0', tmp_path / 'pkg')
    refused(run_module, 'invalid_option', state='prepared', app_path=str(app))
    refused(run_module, 'invalid_option', state='prepared', app_path=str(app), package=str(pkg),
            staging=str(tmp_path / 'elsewhere'))
    refused(run_module, 'app_missing', state='prepared', app_path=str(tmp_path / 'www' / 'TIDAKADA'),
            package=str(pkg))
    os.symlink(str(tmp_path / 'www' / 'TIDAKADA'), str(tmp_path / 'www' / 'SIPPLINK'))
    refused(run_module, 'app_missing', state='prepared', app_path=str(tmp_path / 'www' / 'SIPPLINK'),
            package=str(pkg))
    refused(run_module, 'invalid_option', state='restored', app_path=str(app))
    assert siblings(app) == ['SIPP', 'SIPPLINK']


# ---------------------------------------------------------------------------------------------------------------
# state=switched, restored, cleaned


def prepared(tmp_path, run_module, from_version='5.1.0', to_version='5.2.0'):
    app = make_live(tmp_path, from_version)
    pkg = R.build_package(from_version, to_version, tmp_path / 'pkg')
    original = snapshot(app)
    res = ok(run_module, state='prepared', app_path=str(app), package=str(pkg))
    return app, pkg, original, res['staging']


@pytest.mark.parametrize('switch_method', ['auto', 'rename'])
def test_switch_then_restore_gives_back_the_original_tree(tmp_path, run_module, switch_method):
    app, pkg, original, staging = prepared(tmp_path, run_module)
    staged = content(snapshot(staging))
    args = dict(state='switched', app_path=str(app), staging=staging, switch_method=switch_method)

    checked = ok(run_module, _ansible_check_mode=True, **args)
    assert checked['changed'] is True and checked['previous'].endswith('.SIPP.sipp-previous-5.1.0')
    assert snapshot(app) == original and os.path.isdir(staging)

    res = ok(run_module, **args)
    previous = res['previous']
    assert res['changed'] is True
    assert res['method'] == ('exchange' if switch_method == 'auto' else 'rename')
    assert not os.path.exists(staging)
    live = content(snapshot(app))
    assert live == staged                              # the prepared tree is live, as it was prepared
    root = os.lstat(str(app))
    assert stat.S_IMODE(root.st_mode) == 0o755 and (root.st_uid, root.st_gid) == LIVE_OWNER
    # the old tree kept whole, closed to the web server
    kept = snapshot(previous)
    assert kept == original                            # same inodes, same bytes, same modes
    prev_root = os.lstat(previous)
    assert stat.S_IMODE(prev_root.st_mode) == 0o700 and prev_root.st_uid == 0

    again = ok(run_module, **args)
    assert again['changed'] is False and again['previous'] == previous

    # restored: the original tree again, byte for byte; the failed tree kept aside
    rargs = dict(state='restored', app_path=str(app), previous=previous, switch_method=switch_method)
    checked = ok(run_module, _ansible_check_mode=True, **rargs)
    assert checked['changed'] is True and content(snapshot(app)) == staged
    back = ok(run_module, **rargs)
    assert back['changed'] is True and not os.path.exists(previous)
    assert snapshot(app) == original
    root = os.lstat(str(app))
    assert stat.S_IMODE(root.st_mode) == 0o755 and (root.st_uid, root.st_gid) == LIVE_OWNER
    assert content(dict((r, v) for r, v in snapshot(back['failed_tree']).items())) == staged
    assert ok(run_module, **rargs)['changed'] is False
    assert snapshot(app) == original


def test_restore_can_remove_the_failed_tree(tmp_path, run_module):
    app, pkg, original, staging = prepared(tmp_path, run_module)
    previous = ok(run_module, state='switched', app_path=str(app), package=str(pkg))['previous']
    res = ok(run_module, state='restored', app_path=str(app), previous=previous, remove_failed=True)
    assert res['failed_tree'] is None and snapshot(app) == original
    assert siblings(app) == ['.SIPP.sipp-restored.json', 'SIPP']
    missing = refused(run_module, 'previous_missing', language='en', state='restored', app_path=str(app),
                      previous=str(app.parent / '.SIPP.sipp-previous-4.0.0'))
    assert 'Nothing was changed' in missing['msg']


def test_switch_refused_when_live_changed_since_prepare(tmp_path, run_module):
    app, pkg, original, staging = prepared(tmp_path, run_module)
    (app / 'resources' / 'file' / 'baru.pdf').write_bytes(b'%PDF baru')
    res = refused(run_module, 'staging_stale', state='switched', app_path=str(app), staging=staging)
    assert 'resources/file/baru.pdf' in res['msg'] and os.path.isdir(staging)
    assert (app / 'resources' / 'file' / 'baru.pdf').exists()
    assert ok(run_module, state='prepared', app_path=str(app), package=str(pkg))['changed'] is True
    ok(run_module, state='switched', app_path=str(app), staging=staging)
    assert (app / 'resources' / 'file' / 'baru.pdf').read_bytes() == b'%PDF baru'


def test_switch_preconditions(tmp_path, run_module):
    app, pkg, original, staging = prepared(tmp_path, run_module)
    refused(run_module, 'staging_missing', state='switched', app_path=str(app),
            staging=str(app.parent / '.SIPP.sipp-9.9.9'))
    os.mkdir(str(app.parent / '.SIPP.sipp-previous-5.1.0'))
    res = refused(run_module, 'previous_exists', state='switched', app_path=str(app), staging=staging)
    assert 'Tidak ada yang diubah' in res['msg']
    assert snapshot(app) == original and os.path.isdir(staging)


def test_switch_without_renameat2_falls_back_to_two_renames(tmp_path, run_module, monkeypatch):
    app, pkg, original, staging = prepared(tmp_path, run_module)
    monkeypatch.setattr(S, '_renameat2', lambda: None)
    res = ok(run_module, state='switched', app_path=str(app), staging=staging)
    assert res['method'] == 'rename' and res['changed'] is True
    assert 'renameat2' in json.dumps(res.get('warnings')), res
    assert snapshot(res['previous']) == original


def test_exchange_really_is_the_kernel_call(tmp_path):
    a = tmp_path / 'a'
    b = tmp_path / 'b'
    a.mkdir()
    b.mkdir()
    (a / 'x').write_text('a')
    (b / 'x').write_text('b')
    assert S._renameat2() is not None
    assert S.exchange(str(a), str(b)) is None
    assert (a / 'x').read_text() == 'b' and (b / 'x').read_text() == 'a'
    with pytest.raises(OSError) as info:
        S.exchange(str(a), str(tmp_path / 'tidak-ada'))
    assert info.value.errno == errno.ENOENT


def test_a_switch_stopped_after_the_exchange_is_completed_by_a_rerun(tmp_path, run_module, monkeypatch):
    app, pkg, original, staging = prepared(tmp_path, run_module)
    staged = content(snapshot(staging))

    def crash(*args):
        raise OSError(errno.EIO, 'Input/output error')
    monkeypatch.setattr(S, '_finish_old', crash)
    res = refused(run_module, 'switch_failed', state='switched', app_path=str(app), staging=staging)
    assert res['changed'] is True and staging in res['details']['state']
    monkeypatch.undo()
    done = ok(run_module, state='switched', app_path=str(app), staging=staging)
    assert done['changed'] is True and not os.path.exists(staging)
    assert content(snapshot(app)) == staged and snapshot(done['previous']) == original
    assert ok(run_module, state='switched', app_path=str(app), staging=staging)['changed'] is False


def test_cleaned_removes_only_trees_beside_named_by_the_pattern(tmp_path, run_module):
    app, pkg, original, staging = prepared(tmp_path, run_module)
    outside = tmp_path / 'www' / 'lain'
    outside.mkdir()
    for path in (str(app), str(outside), '/etc', str(tmp_path / '.SIPP.sipp-x'), str(app / '.SIPP.sipp-x'),
                 str(app.parent / '.SIPP.sipp-')):
        res = refused(run_module, 'not_removable', state='cleaned', app_path=str(app), remove=[staging, path])
        assert os.path.isdir(staging), path
    assert outside.is_dir() and snapshot(app) == original
    checked = ok(run_module, state='cleaned', app_path=str(app), remove=[staging], _ansible_check_mode=True)
    assert checked['changed'] is True and os.path.isdir(staging)
    res = ok(run_module, state='cleaned', app_path=str(app), remove=[staging])
    assert res['changed'] is True and res['removed'] == [staging] and not os.path.exists(staging)
    assert snapshot(app) == original
    assert ok(run_module, state='cleaned', app_path=str(app), remove=[staging])['changed'] is False


def test_cleaned_removes_the_trees_kept_from_named_versions(tmp_path, run_module):
    """The SOP's downgrade removes the intermediate trees by their versions; the module names them."""
    app, pkg, original, staging = prepared(tmp_path, run_module)
    kept = [app.parent / '.SIPP.sipp-previous-5.2.0', app.parent / '.SIPP.sipp-previous-5.2.1']
    for tree in kept:
        tree.mkdir()
    res = ok(run_module, state='cleaned', app_path=str(app), remove_kept=['5.2.0', '5.2.1', '5.3.0'])
    assert res['removed'] == [str(t) for t in kept] and not any(t.exists() for t in kept)
    assert os.path.isdir(staging) and snapshot(app) == original


def test_exchange_through_the_raw_syscall_where_libc_lacks_renameat2(tmp_path, monkeypatch):
    """CentOS 7's glibc 2.17 has no renameat2(): the raw system call number of the architecture is used."""
    import ctypes
    real = ctypes.CDLL(None, use_errno=True)

    class OldLibc(object):
        syscall = real.syscall
    monkeypatch.setattr(S.ctypes, 'CDLL', lambda *args, **kwargs: OldLibc())
    a = tmp_path / 'a'
    b = tmp_path / 'b'
    a.mkdir()
    b.mkdir()
    (a / 'x').write_text('a')
    (b / 'x').write_text('b')
    assert S.exchange(str(a), str(b)) is None
    assert (a / 'x').read_text() == 'b' and (b / 'x').read_text() == 'a'


# ---------------------------------------------------------------------------------------------------------------
# the release layout: the application folder is a link to a release folder


def release_layout(tmp_path, relative, version='5.1.0'):
    """/srv/sipp-rilis/SIPP-<version> holds the application, /var/www/html/SIPP is a link to it."""
    built = make_live(tmp_path / 'build', version)
    releases = tmp_path / 'srv' / 'sipp-rilis'
    releases.mkdir(parents=True)
    release = releases / ('SIPP-' + version)
    os.rename(str(built), str(release))
    www = tmp_path / 'var' / 'www' / 'html'
    www.mkdir(parents=True)
    link = www / 'SIPP'
    os.symlink(os.path.relpath(str(release), str(www)) if relative else str(release), str(link))
    return link, releases, release


def link_text(link):
    return os.readlink(str(link))


@pytest.mark.parametrize('relative', [False, True])
def test_release_layout_new_release_beside_the_old_link_switched_and_back(tmp_path, run_module, relative):
    link, releases, old = release_layout(tmp_path, relative)
    original = snapshot(old)
    text = link_text(link)
    pkg = R.build_package('5.1.0', '5.2.0', tmp_path / 'pkg')
    prep = ok(run_module, state='prepared', app_path=str(link), package=str(pkg))
    assert prep['staging'] == str(releases / '.SIPP.sipp-5.2.0')          # beside the releases, same file system
    staged = content(snapshot(prep['staging']))
    assert sorted(os.listdir(str(link.parent))) == ['SIPP']

    args = dict(state='switched', app_path=str(link), package=str(pkg))
    checked = ok(run_module, _ansible_check_mode=True, **args)
    assert checked['method'] == 'link' and link_text(link) == text
    res = ok(run_module, **args)
    new = str(releases / 'SIPP-5.2.0')
    assert (res['method'], res['previous'], res['release']) == ('link', str(old), new)
    assert os.path.islink(str(link)) and os.path.realpath(str(link)) == new
    assert os.path.isabs(link_text(link)) is not relative                 # written as the old link was
    assert content(snapshot(new)) == staged
    assert stat.S_IMODE(os.lstat(new).st_mode) == 0o755 and os.lstat(new).st_uid == LIVE_OWNER[0]
    assert snapshot(old) == original                                       # the old release untouched, in place
    assert sorted(os.listdir(str(link.parent))) == ['SIPP']
    assert ok(run_module, **args)['changed'] is False

    rargs = dict(state='restored', app_path=str(link), previous=res['previous'])
    assert ok(run_module, _ansible_check_mode=True, **rargs)['changed'] is True
    assert os.path.realpath(str(link)) == new
    back = ok(run_module, **rargs)
    assert back['changed'] is True and back['method'] == 'link'
    assert link_text(link) == text and snapshot(old) == original
    assert not os.path.exists(new)
    failed = back['failed_tree']
    assert os.path.dirname(failed) == str(releases) and os.path.basename(failed).startswith('.SIPP.sipp-failed-')
    assert os.lstat(failed).st_uid == 0 and stat.S_IMODE(os.lstat(failed).st_mode) == 0o700
    assert content(snapshot(failed)) == staged
    assert ok(run_module, **rargs)['changed'] is False and link_text(link) == text


def test_release_layout_chain_restored_to_the_first_release(tmp_path, run_module):
    link, releases, old = release_layout(tmp_path, False)
    # a link written by hand, not in its shortest form: written back exactly so
    os.unlink(str(link))
    os.symlink(str(releases) + '/./SIPP-5.1.0', str(link))
    original = snapshot(old)
    for from_version, to_version in (('5.1.0', '5.2.0'), ('5.2.0', '5.2.1')):
        pkg = R.build_package(from_version, to_version, tmp_path / 'pkg')
        ok(run_module, state='prepared', app_path=str(link), package=str(pkg))
        res = ok(run_module, state='switched', app_path=str(link), package=str(pkg))
        assert res['previous'] == str(releases / ('SIPP-' + from_version))
    assert os.path.realpath(str(link)) == str(releases / 'SIPP-5.2.1')
    back = ok(run_module, state='restored', app_path=str(link), previous=str(old), remove_failed=True)
    assert back['removed'] == [str(releases / 'SIPP-5.2.0')] and back['failed_tree'] is None
    assert sorted(os.listdir(str(releases))) == ['.SIPP.sipp-restored.json', 'SIPP-5.1.0']
    assert os.path.realpath(str(link)) == str(old) and snapshot(old) == original
    assert link_text(link) == str(releases) + '/./SIPP-5.1.0'


def test_release_layout_foreign_release_refused_our_leftover_set_aside(tmp_path, run_module):
    link, releases, old = release_layout(tmp_path, False)
    original = snapshot(old)
    pkg = R.build_package('5.1.0', '5.2.0', tmp_path / 'pkg')
    ok(run_module, state='prepared', app_path=str(link), package=str(pkg))
    foreign = releases / 'SIPP-5.2.0'
    foreign.mkdir()
    (foreign / 'catatan.txt').write_text('milik admin')
    res = refused(run_module, 'release_exists', language='en', state='switched', app_path=str(link),
                  package=str(pkg))
    assert 'Nothing was changed' in res['msg'] and str(foreign) in res['msg']
    assert os.path.realpath(str(link)) == str(old) and snapshot(old) == original
    assert (foreign / 'catatan.txt').read_text() == 'milik admin'
    os.rename(str(foreign), str(releases / 'milik-admin'))
    # a release of ours that never stayed live (switched, then the link pointed back by hand)
    first = ok(run_module, state='switched', app_path=str(link), package=str(pkg))
    S.switch_link(str(link), str(old), str(old))
    ok(run_module, state='prepared', app_path=str(link), package=str(pkg))
    again = ok(run_module, state='switched', app_path=str(link), package=str(pkg))
    assert again['release'] == first['release'] and os.path.realpath(str(link)) == first['release']
    assert 'disisihkan' in json.dumps(again.get('warnings'))
    aside = [n for n in os.listdir(str(releases)) if n.startswith('.SIPP.sipp-failed-')]
    assert len(aside) == 1 and (releases / 'milik-admin' / 'catatan.txt').exists()


def test_release_layout_switch_stopped_before_the_link_is_completed_by_a_rerun(tmp_path, run_module, monkeypatch):
    link, releases, old = release_layout(tmp_path, True)
    pkg = R.build_package('5.1.0', '5.2.0', tmp_path / 'pkg')
    ok(run_module, state='prepared', app_path=str(link), package=str(pkg))

    def crash(*args, **kwargs):
        raise OSError(errno.EIO, 'Input/output error')
    monkeypatch.setattr(S, 'switch_link', crash)
    res = refused(run_module, 'switch_failed', state='switched', app_path=str(link), package=str(pkg))
    assert 'SIPP-5.2.0' in res['details']['state'] and os.path.realpath(str(link)) == str(old)
    monkeypatch.undo()
    done = ok(run_module, state='switched', app_path=str(link), package=str(pkg))
    assert done['changed'] is True and os.path.realpath(str(link)) == str(releases / 'SIPP-5.2.0')
    assert ok(run_module, state='switched', app_path=str(link), package=str(pkg))['changed'] is False
    assert not os.path.isabs(link_text(link))
