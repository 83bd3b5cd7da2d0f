# -*- coding: utf-8 -*-
"""SELinux contexts (module_utils/sipp_selinux.py): recorded, given to a tree built beside the live one, given back.

No SELinux kernel runs here. What runs for real: the module's own code path, reading and writing the contexts as the
extended attribute ``security.selinux`` of real files (this file system keeps it as it keeps any other). What is
emulated: whether SELinux is on, through the seam's SELINUXFS (a folder holding ``enforce``), and the kernel's own
part, which a test cannot show: that the policy then lets httpd write where the context says it may."""

from __future__ import (absolute_import, division, print_function)

import os

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_selinux
from ansible_collections.pengadilan.sipp.plugins.modules import sipp_app_tree

from sippsim import release as R

RO = 'system_u:object_r:httpd_sys_content_t:s0'
RW = 'system_u:object_r:httpd_sys_rw_content_t:s0'
OTHER = 'unconfined_u:object_r:user_home_t:s0'
WRITABLE = ('application/cache', 'application/logs', 'resources/file')


@pytest.fixture
def selinux_on(tmp_path, monkeypatch):
    """SELinux 'on' for the seam: its file system is where the module looks for it."""
    fs = tmp_path / 'selinuxfs'
    fs.mkdir()
    (fs / 'enforce').write_text('1')
    monkeypatch.setattr(sipp_selinux, 'SELINUXFS', (str(fs),))
    return sipp_selinux.Labels()


def label_live(app, labels):
    """Contexts as CentOS 7's policy gives them: httpd_sys_content_t, and rw where SIPP writes."""
    for top, dirs, names in os.walk(str(app)):
        for name in dirs + names + ['.']:
            labels.set(os.path.join(top, name), RO)
    for rel in WRITABLE:
        path = app / rel
        path.mkdir(parents=True, exist_ok=True)
        (path / 'index.html').write_text('')
        for top, dirs, names in os.walk(str(path)):
            for name in dirs + names + ['.']:
                labels.set(os.path.join(top, name), RW)


def contexts(root, labels):
    out = {'': labels.get(str(root), follow=True)}
    for top, dirs, names in os.walk(str(root)):
        for name in dirs + names:
            path = os.path.join(top, name)
            out[os.path.relpath(path, str(root))] = labels.get(path)
    return out


def test_the_seam_is_off_without_selinuxfs_and_then_nothing_is_read_or_written(tmp_path, monkeypatch):
    monkeypatch.setattr(sipp_selinux, 'SELINUXFS', (str(tmp_path / 'none'),))
    labels = sipp_selinux.Labels()
    (tmp_path / 'a').mkdir()
    assert labels.enabled is False
    assert sipp_selinux.record(str(tmp_path / 'a'), labels) == {}
    assert sipp_selinux.apply(str(tmp_path / 'a'), {'': RW}, labels) == 0
    assert labels.get(str(tmp_path / 'a')) is None


def test_a_record_is_sparse_and_gives_every_path_its_context_back(tmp_path, selinux_on):
    app = R.build_tree('5.1.0', tmp_path / 'SIPP')
    label_live(app, selinux_on)
    os.symlink('../index.php', str(app / 'application' / 'tautan.php'))
    selinux_on.set(str(app / 'application' / 'tautan.php'), OTHER)
    rec = sipp_selinux.record(str(app), selinux_on)
    assert rec[''] == RO and rec['application/cache'] == RW and rec['application/tautan.php'] == OTHER
    assert 'application/cache/index.html' not in rec and 'index.php' not in rec   # as their folder's
    assert len(rec) == 1 + len(WRITABLE) + 1
    before = contexts(app, selinux_on)
    # restored from a backup: rsync made new files and folders (contexts of their parent, or none at all)
    for top, dirs, names in os.walk(str(app)):
        for name in dirs + names:
            selinux_on.set(os.path.join(top, name), OTHER)
    assert sipp_selinux.differences(str(app), rec, selinux_on)
    changed = sipp_selinux.apply(str(app), rec, selinux_on)
    assert changed == len(before) - 2   # all but the root and the link, whose context was OTHER already
    assert contexts(app, selinux_on) == before
    assert sipp_selinux.differences(str(app), rec, selinux_on) == []
    assert sipp_selinux.apply(str(app), rec, selinux_on) == 0


def test_the_tree_built_beside_keeps_the_contexts_the_web_server_needs(tmp_path, selinux_on, run_module):
    """sipp_app_tree state=prepared, its own code path: new folders and the package's new files get the live tree's
    contexts (a new path its folder's), so the switched tree still lets httpd write its cache, logs and uploads."""
    app = R.build_tree('5.1.0', tmp_path / 'www' / 'SIPP')
    label_live(app, selinux_on)
    live = contexts(app, selinux_on)
    pkg = R.build_package('5.1.0', '5.2.0', tmp_path / 'pkg')
    res, dummy = run_module(sipp_app_tree.main, dict(state='prepared', app_path=str(app), package=str(pkg)))
    assert not res.get('failed'), res
    assert res['selinux_relabelled'] > 0
    staged = contexts(res['staging'], selinux_on)
    staged.pop('.sipp-tree.json')
    for rel, context in staged.items():
        assert context == live.get(rel, sipp_selinux.expected(live, os.path.dirname(rel))), rel
    for rel in WRITABLE:
        assert staged[rel] == RW and staged[rel + '/index.html'] == RW
    # the package's files: replaced ones as the live file was, new ones as their folder
    assert staged['application/models/Perkara_model.php'] == RO
    switched, dummy = run_module(sipp_app_tree.main, dict(state='switched', app_path=str(app),
                                                          staging=res['staging']))
    assert not switched.get('failed'), switched
    now = contexts(app, selinux_on)
    now.pop('.sipp-tree.json', None)
    assert all(now[rel] == RW for rel in WRITABLE) and now[''] == RO


def test_without_selinux_the_tree_built_beside_gets_no_context(tmp_path, monkeypatch, run_module):
    monkeypatch.setattr(sipp_selinux, 'SELINUXFS', (str(tmp_path / 'none'),))
    app = R.build_tree('5.1.0', tmp_path / 'www' / 'SIPP')
    pkg = R.build_package('5.1.0', '5.2.0', tmp_path / 'pkg')
    res, dummy = run_module(sipp_app_tree.main, dict(state='prepared', app_path=str(app), package=str(pkg)))
    assert not res.get('failed') and res['selinux_relabelled'] == 0, res
    assert set(contexts(res['staging'], sipp_selinux.Labels(enabled=True)).values()) == {None}


def test_a_backup_records_the_contexts_and_a_restore_from_it_gives_them_back(tmp_path, selinux_on, run_module):
    """sipp_backups: state=verified records the contexts of what was copied; state=relabelled (the downgrade from the
    backup's copy, after its rsync) gives them back to each path, through the module's own code path."""
    import shutil

    from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_backups as B
    from ansible_collections.pengadilan.sipp.plugins.modules import sipp_backups

    app = R.build_tree('5.1.0', tmp_path / 'www' / 'SIPP')
    label_live(app, selinux_on)
    live = contexts(app, selinux_on)
    identity = dict(kode_satker='097734', app_path=str(app), database='SIPP', server=B.server_identity())
    folder = B.reserve(str(tmp_path / 'backups'), identity)['path']
    shutil.copytree(str(app), os.path.join(folder, 'app'), symlinks=True)
    res, dummy = run_module(sipp_backups.main, dict(
        dir=str(tmp_path / 'backups'), state='verified', path=folder, identity=identity,
        copies=[dict(src=str(app), name='app')]))
    assert not res.get('failed'), res
    assert res['record']['selinux'] == {'app': sipp_selinux.record(str(app), selinux_on)}
    assert res['record']['selinux']['app']['application/cache'] == RW

    # the downgrade's rsync put the tree back: new files and folders, none with the context they had
    shutil.rmtree(str(app))
    shutil.copytree(os.path.join(folder, 'app'), str(app), symlinks=True, copy_function=shutil.copy)
    for top, dirs, names in os.walk(str(app)):
        for name in dirs + names + ['.']:
            selinux_on.set(os.path.join(top, name), OTHER)
    args = dict(dir=str(tmp_path / 'backups'), state='relabelled', path=folder, identity=identity,
                copies=[dict(name='app', to=str(app))])
    checked, dummy = run_module(sipp_backups.main, dict(args, _ansible_check_mode=True))
    assert checked['changed'] is True and checked['relabelled'] == len(live)
    assert set(contexts(app, selinux_on).values()) == {OTHER}
    done, dummy = run_module(sipp_backups.main, args)
    assert done['changed'] is True and done['relabelled'] == len(live), done
    assert contexts(app, selinux_on) == live
    again, dummy = run_module(sipp_backups.main, args)
    assert again['changed'] is False and again['relabelled'] == 0


def test_without_selinux_a_backup_records_no_context_and_relabels_nothing(tmp_path, monkeypatch, run_module):
    import shutil

    from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_backups as B
    from ansible_collections.pengadilan.sipp.plugins.modules import sipp_backups

    monkeypatch.setattr(sipp_selinux, 'SELINUXFS', (str(tmp_path / 'none'),))
    app = R.build_tree('5.1.0', tmp_path / 'www' / 'SIPP')
    identity = dict(kode_satker='097734', app_path=str(app), database='SIPP', server=B.server_identity())
    folder = B.reserve(str(tmp_path / 'backups'), identity)['path']
    shutil.copytree(str(app), os.path.join(folder, 'app'), symlinks=True)
    res, dummy = run_module(sipp_backups.main, dict(dir=str(tmp_path / 'backups'), state='verified', path=folder,
                                                    identity=identity, copies=[dict(src=str(app), name='app')]))
    assert not res.get('failed') and 'selinux' not in res['record'], res
    done, dummy = run_module(sipp_backups.main, dict(dir=str(tmp_path / 'backups'), state='relabelled', path=folder,
                                                     identity=identity, copies=[dict(name='app', to=str(app))]))
    assert done['changed'] is False and done['relabelled'] == 0


def test_the_web_servers_user_is_the_one_its_workers_run_as(tmp_path):
    """sipp_writable.web_user reads the processes (a /proc of its own here): Apache's workers, not its root master;
    PHP's built-in server; none running."""
    import pwd

    from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_writable

    nobody = pwd.getpwnam('nobody')

    def proc(*processes):
        root = tmp_path / ('proc%d' % len(list(tmp_path.iterdir())))
        root.mkdir()
        for pid, (argv, uid) in enumerate(processes, start=100):
            (root / str(pid)).mkdir()
            (root / str(pid) / 'cmdline').write_bytes(b'\0'.join(a.encode() for a in argv) + b'\0')
            os.chown(str(root / str(pid)), uid, -1)
        (root / 'self').mkdir()
        return str(root)

    apache = proc((['/usr/sbin/httpd', '-DFOREGROUND'], 0), (['/usr/sbin/httpd', '-DFOREGROUND'], nobody.pw_uid),
                  (['/usr/sbin/sshd', '-D'], 0))
    assert sipp_writable.web_user(apache) == 'nobody'
    fpm = proc((['php-fpm: master process (/etc/php-fpm.conf)'], 0), (['php-fpm: pool www'], nobody.pw_uid))
    assert sipp_writable.web_user(fpm) == 'nobody'
    builtin = proc((['php', '-S', '0.0.0.0:80', '-t', '/var/www/html'], 0), (['php', 'artisan'], nobody.pw_uid))
    assert sipp_writable.web_user(builtin) == 'root'
    assert sipp_writable.web_user(proc((['/usr/sbin/sshd', '-D'], 0))) is None


def test_a_folder_is_writable_by_its_mode_for_the_user_and_by_its_selinux_context(tmp_path, selinux_on):
    import pwd

    from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_writable

    nobody = pwd.getpwnam('nobody')
    app = tmp_path / 'SIPP'
    for rel in sipp_writable.WRITE_FOLDERS:
        (app / rel).mkdir(parents=True)
        os.chmod(str(app / rel), 0o755)
    os.chown(str(app / 'application/cache'), nobody.pw_uid, -1)        # the owner may write
    os.chmod(str(app / 'resources/file'), 0o777)                        # everyone may write
    for rel in sipp_writable.WRITE_FOLDERS:
        selinux_on.set(str(app / rel), RW)
    selinux_on.set(str(app / 'resources/file'), RO)                     # but httpd may not, by its context

    def why(user, labels):
        return dict((f['folder'], f['why']) for f in sipp_writable.check(str(app), user, labels=labels))

    assert why('nobody', selinux_on) == {'application/cache': '', 'application/logs': 'mode',
                                         'resources/file': 'selinux'}
    off = sipp_selinux.Labels(enabled=False)
    assert why('nobody', off) == {'application/cache': '', 'application/logs': 'mode', 'resources/file': ''}
    assert why('root', off) == {'application/cache': '', 'application/logs': '', 'resources/file': ''}
    # only the folders that exist are checked
    os.rmdir(str(app / 'application/logs'))
    assert 'application/logs' not in why('nobody', off)


def test_a_context_that_cannot_be_given_back_is_said_with_what_to_do(tmp_path, selinux_on, run_module):
    """A restored file that refuses its attribute (immutable here, as a read-only or full file system would): the
    relabelling fails with the backup, the path, what the system said and what to run, not a traceback."""
    import shutil
    import subprocess

    from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_backups as B
    from ansible_collections.pengadilan.sipp.plugins.modules import sipp_backups

    app = R.build_tree('5.1.0', tmp_path / 'www' / 'SIPP')
    label_live(app, selinux_on)
    identity = dict(kode_satker='097734', app_path=str(app), database='SIPP', server=B.server_identity())
    folder = B.reserve(str(tmp_path / 'backups'), identity)['path']
    shutil.copytree(str(app), os.path.join(folder, 'app'), symlinks=True)
    res, dummy = run_module(sipp_backups.main, dict(dir=str(tmp_path / 'backups'), state='verified', path=folder,
                                                    identity=identity, copies=[dict(src=str(app), name='app')]))
    assert not res.get('failed'), res
    stuck = app / 'index.php'
    selinux_on.set(str(stuck), OTHER)
    subprocess.run(['chattr', '+i', str(stuck)], check=True)
    try:
        failed, raw = run_module(sipp_backups.main, dict(
            dir=str(tmp_path / 'backups'), state='relabelled', path=folder, identity=identity,
            copies=[dict(name='app', to=str(app))], language='en'))
    finally:
        subprocess.run(['chattr', '-i', str(stuck)], check=True)
    assert failed['failed'] is True and failed['problem'] == 'relabel_failed', failed
    assert str(stuck) in failed['msg'] and 'Operation not permitted' in failed['msg']
    assert 'restorecon -R' in failed['msg'] and 'Traceback' not in raw
