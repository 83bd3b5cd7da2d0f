# -*- coding: utf-8 -*-
"""sipp_links: the symbolic links of an application folder, judged for a backup, on real folders and links."""

from __future__ import (absolute_import, division, print_function)

import os

import pytest

from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_links as k


@pytest.fixture
def app(tmp_path):
    root = tmp_path / 'var/www/html/SIPP'
    (root / 'resources').mkdir(parents=True)
    (root / 'application/logs').mkdir(parents=True)
    (root / 'index.php').write_text('<?php\n')
    return root


def by_path(links):
    return dict((e['path'], e) for e in links)


def test_links_outside_are_followed_inside_kept_as_links_nowhere_reported(app, tmp_path):
    disk = tmp_path / 'data/sipp/file'
    (disk / '2026').mkdir(parents=True)
    (disk / '2026/a.pdf').write_bytes(b'%PDF')
    (tmp_path / 'etc-sipp.php').write_text('<?php\n')
    os.symlink(str(disk), str(app / 'resources/file'))
    os.symlink(str(tmp_path / 'etc-sipp.php'), str(app / 'application/extra.php'))
    os.symlink('../index.php', str(app / 'resources/home.php'))
    os.symlink(str(tmp_path / 'unmounted/logs'), str(app / 'application/logs/old'))
    # a link inside a followed folder is not the application folder's own: not judged, not followed
    os.symlink('/etc', str(disk / 'etc'))
    links = by_path(k.find_links(str(app)))
    assert sorted(links) == ['application/extra.php', 'application/logs/old', 'resources/file', 'resources/home.php']
    assert links['resources/file']['type'] == 'dir' and links['resources/file']['follow']
    assert links['resources/file']['target'] == str(disk) and links['resources/file']['refused'] is None
    assert links['application/extra.php']['type'] == 'file' and links['application/extra.php']['size_bytes'] == 6
    assert links['resources/home.php']['type'] == 'inside' and not links['resources/home.php']['follow']
    assert links['application/logs/old']['type'] == 'missing' and not links['application/logs/old']['follow']
    rendered = by_path(k.render('en', list(links.values())))
    assert 'does not exist' in rendered['application/logs/old']['message']
    assert rendered['resources/file']['message'] is None
    assert k.refused_text('id', str(app), list(rendered.values())) == ''


@pytest.mark.parametrize('where, reason', [
    ('/', 'r_system'), ('/etc', 'r_system'), ('/etc/sipp', 'r_system'), ('/var', 'r_system'),
    ('/var/lib/mysql', 'r_system'), ('/usr/share/doc', 'r_system'),
])
def test_system_targets_are_refused(where, reason):
    assert k.unsafe_reason(where, '/var/www/html/SIPP')[0] == reason


def test_safe_targets_are_not_refused():
    for where in ('/data/sipp/file', '/mnt/disk2/sipp-file', '/home/sipp/file', '/var/log/sipp', '/srv/dokumen'):
        assert k.unsafe_reason(where, '/var/www/html/SIPP', '/var/backups/sipp') is None, where


def test_unsafe_links_are_refused_with_their_reasons(app, tmp_path):
    backups = tmp_path / 'backups'
    backups.mkdir()
    os.symlink('/etc', str(app / 'resources/conf'))
    os.symlink(str(tmp_path), str(app / 'resources/up'))            # holds the application folder itself
    os.symlink(str(backups / 'x'), str(app / 'resources/bk'))      # into the backup folder (not there yet)
    os.symlink(str(backups), str(app / 'resources/bk2'))
    os.symlink('loop-b', str(app / 'resources/loop-a'))
    os.symlink('loop-a', str(app / 'resources/loop-b'))
    links = by_path(k.find_links(str(app), str(backups)))
    assert links['resources/conf']['refused'][0] == 'r_system'
    assert links['resources/up']['refused'][0] == 'r_holds_app'
    assert links['resources/bk2']['refused'][0] == 'r_backup_dir'
    assert links['resources/bk']['type'] == 'missing'  # nothing there to follow
    assert links['resources/loop-a']['refused'][0] == 'r_loop' and links['resources/loop-a']['target'] is None
    assert not any(e['follow'] for e in links.values())
    rendered = k.render('id', list(links.values()))
    text = k.refused_text('id', str(app), rendered)
    assert 'resources/conf -> /etc (menunjuk ke /etc, folder sistem)' in text
    assert 'resources/loop-a -> loop-b' in text and 'Tidak ada yang disalin' in text
    assert 'resources/bk2' in text and 'resources/bk ' not in text
    assert 'Nothing was copied' in k.refused_text('en', str(app), k.render('en', list(links.values())))


def test_special_targets_are_refused(app, tmp_path):
    fifo = tmp_path / 'pipe'
    os.mkfifo(str(fifo))
    os.symlink(str(fifo), str(app / 'resources/pipe'))
    links = by_path(k.find_links(str(app)))
    assert links['resources/pipe']['type'] == 'special' and links['resources/pipe']['refused'][0] == 'r_special'


def test_a_folder_without_links_has_none(app):
    assert k.find_links(str(app)) == []
