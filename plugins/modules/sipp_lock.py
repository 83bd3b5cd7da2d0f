#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_lock
short_description: The lock and progress record of an upgrade run on one SIPP court server
version_added: "0.1.0"
description:
  - One file on the court (O(path), root, 0600) says which run works on the court now and how far it got. It is the
    lock that stops two runs (two AWX jobs, a job and an admin at the console) from upgrading one court at once, and
    the progress record that lets the next run finish or downgrade a court left half-way by a run that died (power
    cut at the high court, AWX job cancelled, SSH link lost).
  - "O(state=held): take the lock, or keep it. Free (no file): the record is written with O(token), O(owner), the
    time taken and a heartbeat, and O(progress). Held with our O(token): the heartbeat is renewed and O(progress)
    merged in. Held by another run: the lock is taken over only when O(takeover) names its token (the caller has found
    that run dead, e.g. with P(pengadilan.sipp.sipp_owner_state#filter), or found its heartbeat RV(stale)), or when
    that run released it keeping its progress; the record keeps that run's progress (what the next run must finish or
    undo) and lists that run in its C(taken_over) list (RV(taken_over) returns its whole record). Otherwise the lock
    is not taken: RV(acquired=false), RV(holder) describes the other run and RV(stale) says whether its heartbeat is
    older than O(stale_after) (the module does not fail: the caller reports the court)."
  - "Ages are measured on the court's boot clock (C(/proc/uptime)), never across a step of the wall clock: a court
    whose clock is set forward in the middle of a run does not make that run's heartbeat old. Across a restart of the
    court, a heartbeat is at least as old as the current boot. While a long step runs (a dump, a migration, a
    restore, a copy of the application), the step's own module renews the heartbeat (their option C(lock), doc
    fragment C(pengadilan.sipp.sipp_lock))."
  - "With O(must_hold=true) the module fails instead when the lock is no longer ours (another run took it over, or
    it was removed): the caller must stop changing the court."
  - "O(state=released): removes the record when it is ours (O(token)); a record of another run is left alone. With
    O(keep_progress=true) the record stays, marked released: the next run takes it at once and inherits its progress
    (a court left offline after a downgrade that could not be proved is taken up again by the next run)."
  - "O(reset=true) replaces the record's progress with O(progress) instead of merging (a new stage of a new run)."
  - Every read and write happens under an exclusive C(flock) on C(<path>.lock), and the record is written to a
    temporary file, flushed to disk and renamed, so a power cut leaves the old record or the new one, never half.
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  path:
    description: The record on the court.
    type: path
    default: /var/lib/pengadilan-sipp/kunci-upgrade.json
  state:
    description: V(held) takes or keeps the lock (and records progress), V(released) gives it up.
    type: str
    choices: [held, released]
    default: held
  token:
    description: This run's own mark in the lock (unique per run and court, e.g. run id and a random part).
    type: str
    required: true
  owner:
    description:
      - Who holds the lock, stored as given (run id, controller, process), written when the lock is taken.
    type: dict
    default: {}
  progress:
    description: Keys merged into the record's C(progress) (stage, backup, previous tree, ...).
    type: dict
    default: {}
  stale_after:
    description:
      - A heartbeat older than this many seconds makes another run's lock RV(stale). Long steps renew the heartbeat
        while they run; choose it longer than the longest wait of a court between two steps (the other courts of its
        wave). V(0) never calls a lock stale.
    type: int
    default: 7200
  takeover:
    description: The token of another run's lock to take over (its run is known to be dead, or its heartbeat stale).
    type: str
  takeover_beats:
    description:
      - With O(takeover), take the lock over only when its heartbeat count is still this one (C(beats) of RV(holder) as
        the caller saw it). A heartbeat renewed since then means that run lives, and the lock is left alone.
    type: int
  reset:
    description: Replace the progress with O(progress) instead of merging it in.
    type: bool
    default: false
  keep_progress:
    description: With O(state=released), keep the record (marked released) so the next run inherits its progress.
    type: bool
    default: false
  must_hold:
    description: Fail when the lock is not ours (instead of returning RV(acquired=false)).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details: Says whether the lock would be taken; nothing is written.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - ansible.builtin.action_common_attributes
seealso:
  - module: pengadilan.sipp.sipp_migrate
'''

EXAMPLES = r'''
- name: Take the court's lock for this run
  pengadilan.sipp.sipp_lock:
    token: "{{ run_id }}-{{ 99999999 | random(seed=inventory_hostname ~ run_id) }}"
    owner:
      run_id: "{{ run_id }}"
      controller: "{{ lookup('pengadilan.sipp.sipp_controller') }}"
  register: lock

- name: Record that the backup is done
  pengadilan.sipp.sipp_lock:
    token: "{{ lock.record.token }}"
    progress:
      stage: 5
      backup: /var/backups/sipp/sipp-pn_bekasi-2026-11-24-2100
    must_hold: true

- name: Give the lock back
  pengadilan.sipp.sipp_lock:
    token: "{{ lock.record.token }}"
    state: released
'''

RETURN = r'''
acquired:
  description: The lock is ours (taken now, kept, or taken over).
  returned: state=held
  type: bool
  sample: true
record:
  description: The record as it is now (ours when acquired; the other run's otherwise; null when released).
  returned: always
  type: dict
  sample:
    token: 20261124-210000-pn_bekasi-4711
    owner: {run_id: 20261124-210000}
    taken: 1795010400.0
    heartbeat: 1795011000.0
    heartbeat_boot: 8d1f0c9e-5a1b-4c57-9a43-3f0b1c2d4e5f
    heartbeat_uptime: 86400.5
    heartbeat_by: pengadilan.sipp.sipp_migrate
    beats: 12
    progress: {stage: 5, backup: /var/backups/sipp/sipp-pn_bekasi-2026-11-24-2100}
    taken_over: []
holder:
  description: The record of the other run that holds the lock, when it was not taken.
  returned: when acquired is false
  type: dict
taken_over:
  description: The record of the run whose lock was taken over now (its progress is kept in RV(record)).
  returned: when a lock was taken over
  type: dict
heartbeat_age:
  description: Seconds since the heartbeat of the record found (before this call), on the court's boot clock.
  returned: when a record was found
  type: float
age_clock:
  description:
    - How RV(heartbeat_age) was measured. V(boot) on the court's boot clock; V(rebooted) the court restarted since
      (the age is the current boot's, a lower bound); V(wall) on the wall clock (a record of an older format).
  returned: when a record was found
  type: str
stale:
  description: The other run's heartbeat is older than O(stale_after).
  returned: when acquired is false
  type: bool
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_lock import (
    DEFAULT_PATH, MESSAGES, RECORD_FORMAT, Flock, LockError, court_clock, heartbeat_age, read_record, stamp,
    write_record)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import language_argument_spec


def _run_id(record):
    return (record.get('owner') or {}).get('run_id') or record.get('token')


def held(params, check_mode, now, clock, by):
    path = params['path']
    token = params['token']
    record = read_record(path)
    result = dict(changed=False, acquired=False)
    if record is not None:
        result['heartbeat_age'], result['age_clock'] = heartbeat_age(record, now, clock)
    base = {} if params['reset'] else (record or {}).get('progress') or {}
    if record is not None and record.get('token') == token and not record.get('released'):
        new = stamp(dict(record, progress=dict(base, **params['progress'])), now, clock, by)
        result.update(acquired=True, changed=new['progress'] != (record.get('progress') or {}), key='held')
    elif record is None:
        if params['must_hold']:
            raise LockError('lost', who=MESSAGES.text(params['language'], 'lost_none'))
        new = stamp(dict(format=RECORD_FORMAT, token=token, owner=params['owner'], taken=now,
                         progress=dict(params['progress']), taken_over=[]), now, clock, by)
        result.update(acquired=True, changed=True, key='taken')
    else:
        age = result['heartbeat_age']
        stale = params['stale_after'] > 0 and age > params['stale_after']
        named = bool(params['takeover']) and params['takeover'] == record.get('token') and (
            params['takeover_beats'] is None or params['takeover_beats'] == int(record.get('beats') or 0))
        free = bool(record.get('released'))
        if params['must_hold']:
            raise LockError('lost', who=MESSAGES.text(params['language'], 'lost_other', run_id=_run_id(record),
                                                      taken=record.get('taken')))
        if not (named or free):
            result.update(record=record, holder=record, stale=stale, key='busy', run_id=_run_id(record), age=age)
            return result
        before = dict((k, v) for k, v in record.items() if k not in ('progress', 'taken_over'))
        before['reason'] = 'released' if free else 'stale' if stale else 'dead'
        new = stamp(dict(format=RECORD_FORMAT, token=token, owner=params['owner'], taken=now,
                         progress=dict(base, **params['progress']),
                         taken_over=list(record.get('taken_over') or []) + [before]), now, clock, by)
        result.update(acquired=True, changed=True, taken_over=record, run_id=_run_id(record), age=age,
                      key='taken' if free else 'taken_over')
    if not check_mode:
        write_record(path, new)
    result['record'] = new
    return result


def released(params, check_mode, now, clock, by):
    path = params['path']
    record = read_record(path)
    if record is None:
        return dict(changed=False, record=None, key='free')
    if record.get('token') != params['token'] or record.get('released'):
        return dict(changed=False, record=record, key='not_ours', run_id=_run_id(record))
    if not check_mode:
        if params['keep_progress']:
            kept = stamp(dict(record, released=True), now, clock, by)
            write_record(path, kept)
            return dict(changed=True, record=kept, key='released')
        try:
            os.unlink(path)
        except OSError as exc:
            raise LockError('unwritable', path=path, error=exc.strerror or str(exc))
    return dict(changed=True, record=None, key='released')


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', default=DEFAULT_PATH),
            state=dict(type='str', choices=['held', 'released'], default='held'),
            # a run's mark, not a secret (it is in the record on the court)
            token=dict(type='str', required=True, no_log=False),
            owner=dict(type='dict', default={}),
            progress=dict(type='dict', default={}),
            stale_after=dict(type='int', default=7200),
            takeover=dict(type='str'),
            takeover_beats=dict(type='int'),
            must_hold=dict(type='bool', default=False),
            reset=dict(type='bool', default=False),
            keep_progress=dict(type='bool', default=False),
            **language_argument_spec()
        ),
        supports_check_mode=True,
    )
    params = module.params
    language = params['language']
    action = held if params['state'] == 'held' else released
    try:
        with Flock(params['path']):
            result = action(params, module.check_mode, time.time(), court_clock(), module._name)
    except LockError as exc:
        module.fail_json(msg=exc.render(language), problem=exc.problem)
    key = result.pop('key')
    fmt = dict((k, result.pop(k)) for k in ('run_id', 'age') if k in result)
    result['msg'] = MESSAGES.text(language, key, **fmt)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
