# -*- coding: utf-8 -*-
"""sipp_backups, the module: the query that prepares the backup folder of a backup and says how much room it has
(one call instead of a mkdir and a df). The decisions themselves are tested in module_utils/test_sipp_backups.py."""

from __future__ import (absolute_import, division, print_function)

import os
import stat

from ansible_collections.pengadilan.sipp.plugins.modules import sipp_backups

IDENTITY = dict(kode_satker='097734', app_path='/var/www/html/SIPP', database='SIPP', inventory_name='pn_x')


def query(run_module, folder, **args):
    return run_module(sipp_backups.main, dict(dir=str(folder), identity=IDENTITY, **args))[0]


def test_create_makes_the_folder_root_s_alone_and_the_answer_has_its_free_space(run_module, tmp_path):
    folder = tmp_path / 'cadangan' / 'sipp'
    # check mode makes nothing; the space is that of the nearest folder that exists
    checked = query(run_module, folder, create=True, _ansible_check_mode=True)
    assert not folder.exists() and checked['changed'] is False
    assert checked['disk']['path'] == str(folder) and checked['disk']['free_bytes'] > 0
    made = query(run_module, folder, create=True)
    assert made['changed'] is True and stat.S_IMODE(os.stat(str(folder)).st_mode) == 0o700
    assert made['backups'] == [] and 0 < made['disk']['free_bytes'] <= made['disk']['total_bytes']
    # a folder someone opened to others is closed again; then nothing is left to change
    os.chmod(str(folder), 0o755)
    assert query(run_module, folder, create=True)['changed'] is True
    assert stat.S_IMODE(os.stat(str(folder)).st_mode) == 0o700
    assert query(run_module, folder, create=True)['changed'] is False
    # without create, a query reads only
    other = tmp_path / 'lain'
    assert query(run_module, other)['changed'] is False and not other.exists()
