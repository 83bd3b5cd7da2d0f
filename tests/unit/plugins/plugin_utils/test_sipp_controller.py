# -*- coding: utf-8 -*-
"""plugin_utils/sipp_controller: the owner record a run writes into each court's lock, the run id of a run given
none, and whether the run that left a lock still lives (read from this controller's real /proc)."""

from __future__ import (absolute_import, division, print_function)

import os
import re
import socket
import subprocess

from ansible_collections.pengadilan.sipp.plugins.plugin_utils import sipp_controller as c


def test_run_ids_started_in_the_same_second_are_unique():
    ids = set(c.new_run_id(now=1795010400.0) for _count in range(200))
    assert len(ids) == 200
    assert all(re.match(r'^\d{8}-\d{6}-[0-9a-f]{8}$', i) for i in ids)


def test_the_owner_of_this_process_names_this_controller_and_a_run_id():
    me = c.owner()
    assert me['controller'] == socket.gethostname() and me['boot_id'] and me['pid'] == os.getpid()
    assert re.match(r'^\d{8}-\d{6}-[0-9a-f]{8}$', me['run_id'])
    assert c.owner_state(me) == 'alive'


def test_a_run_whose_process_ended_is_dead_and_another_controller_is_unknown():
    proc = subprocess.Popen(['sleep', '30'])
    try:
        gone = c.owner(pid=proc.pid)
        assert c.owner_state(gone) == 'alive'
    finally:
        proc.kill()
        proc.wait()
    assert c.owner_state(gone) == 'dead'
    # the same pid reused by another process later: its start time differs
    assert c.owner_state(dict(c.owner(), pid_start=1)) == 'dead'
    # the controller restarted since
    assert c.owner_state(dict(c.owner(), boot_id='another-boot')) == 'dead'
    # another controller (another AWX job's container): nothing here can tell
    assert c.owner_state(dict(c.owner(), controller='awx-job-lain')) == 'unknown'
    assert c.owner_state({}) == 'unknown' and c.owner_state('x') == 'unknown'
