#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_backups
short_description: The backups of one SIPP court, decided by what each records about itself
version_added: "0.1.0"
description:
  - The one owner of "which backups are this court's", "which is the newest verified", retention and leftovers.
    Retention, the rollback's default backup, the monitoring report and the upgrade all ask this module.
  - A backup belongs to the court when its record (C(BACKUP.json)) names it as owner by kode satker, application
    folder, database name and server (machine id, else host name). A folder shared by several courts (a NAS mounted on each
    server) therefore holds each court's own backups side by side, and no court sees, chooses or deletes another's.
  - The newest backup is the one with the highest recorded C(sequence) (one more than the court's highest when the
    backup started), then the latest recorded time; never by a folder's name or mtime, so a court whose clock ran
    ahead, or a copy renamed by hand, does not reorder the backups. A backup is verified when its record says so
    and its dump is still as recorded (O(check)).
  - "O(state=query): reads only. Returns the court's backups newest first, the backup a restore stands on and why
    (RV(chosen)), other courts' backups in the folder, and with O(leftovers=true) what interrupted work left (with
    sizes). With O(backup), that backup is checked to be the court's own and returned as RV(chosen)."
  - "The backup a restore stands on, when none is named, is the court's newest complete backup, and it must prove
    itself (with O(check=sha256): its dump read through against the recorded sha256, its application copy's files
    counted). When it is damaged, renamed, or its time lies in the future of the court's clock (RV(clock)), nothing
    is chosen: RV(refused) says why, and RV(next) names the newest older backup that proves itself. An older backup
    is never chosen in its place without being named, since restoring it discards what was entered after it."
  - A backup whose recorded time lies in the future of the court's clock, or whose folder name and record disagree,
    is never the newest verified one (RV(newest_verified)); its problems say so.
  - "O(state=reserved): creates the court's new backup folder C(SIPP-<kode_satker>-<YYYY>-<MM>-<DD>-<HHMM>) with
    C(mkdir) (atomic: two courts or two runs never write into one; a name taken gets C(-2), C(-3)) and writes its
    record at once, C(state: in_progress). RV(previous) is the newest verified backup (for C(rsync --link-dest))."
  - "O(state=verified): marks the backup O(path) verified, recording O(facts) (the dump's result, file count, ...)
    and, where SELinux is on, the contexts of what O(copies) copied (sparse: a path only where it differs from its
    folder's)."
  - "O(state=relabelled): gives the paths restored from the backup O(path) the SELinux contexts its record holds:
    each of O(copies) (C(name) V(app) or V(links/<path>), C(to) where it was put back) gets its recorded contexts,
    a path not recorded its folder's, so that the web server writes again where it did (the cache, logs and
    uploads). Nothing where SELinux is off or absent, or where the backup recorded no contexts."
  - "O(state=pruned): retention and leftovers. Keeps the newest O(keep) verified backups and always the newest
    verified one, the backups O(protect) names (the one this run made), the one the court's lock or progress record
    (O(lock_file)) names and the one its latest result (O(result_dir)) names. Removes the court's other backups,
    its backups that never finished and folders named for its kode satker without a record, unless they may still
    be running (younger than O(in_progress_after)). With O(clean_trees=true), trees beside the application folder
    (C(.<folder>.sipp-previous-*), C(.sipp-failed-*), staged trees) that the lock does not name are removed too,
    never while another run holds the court's lock."
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  dir:
    description: The folder holding the backups (on the court, or a court's folder of pulled copies).
    type: path
    required: true
  state:
    description: >-
      V(query) reads only; V(reserved), V(verified) and V(pruned) change the folder; V(relabelled) changes the
      contexts of what was restored from a backup.
    type: str
    choices: [query, reserved, verified, pruned, relabelled]
    default: query
  identity:
    description: The court the backups must belong to, as P(pengadilan.sipp.sipp_info#module) found it.
    type: dict
    required: true
    suboptions:
      kode_satker:
        description: The court's kode satker (C(sys_config) id 82). Required to reserve a folder.
        type: str
      nama:
        description: The court's name, recorded for people.
        type: str
      app_path:
        description: The court's application folder.
        type: str
      database:
        description: The name of SIPP's database.
        type: str
      inventory_name:
        description: The court's name in the inventory, recorded for people.
        type: str
      server:
        description: The server (C(hostname), C(machine_id)); default this machine's. Give it when the module runs
          elsewhere than on the court (the controller's pulled copies).
        type: dict
  path:
    description: >-
      The backup folder to mark verified (O(state=verified)), or whose contexts to give back (O(state=relabelled)).
    type: path
  facts:
    description: What the backup recorded (O(state=verified)), merged into its record.
    type: dict
    default: {}
  backup:
    description: With O(state=query), a backup folder (path, or name in O(dir)) to check and return as RV(chosen).
    type: str
  keep:
    description: How many verified backups O(state=pruned) keeps (at least one, the newest verified).
    type: int
    default: 7
  protect:
    description: Backup folders (paths or names) never removed by this call, such as the one this run made.
    type: list
    elements: str
    default: []
  lock_file:
    description: The court's lock and progress record (P(pengadilan.sipp.sipp_lock#module)); the backup and trees it
      names are kept.
    type: path
    default: /var/lib/pengadilan-sipp/kunci-upgrade.json
  lock_token:
    description: The token of the lock this run holds, when it holds one; trees are cleaned only when no other run
      holds the court's lock.
    type: str
  result_dir:
    description: The folder of the court's upgrade results; the backup its latest result names is kept.
    type: path
    default: /var/lib/pengadilan-sipp/hasil
  clean_trees:
    description: With O(state=pruned), also remove trees beside O(identity.app_path) nothing names.
    type: bool
    default: false
  leftovers:
    description: With O(state=query), also list what interrupted work left, with sizes.
    type: bool
    default: false
  check:
    description:
      - How a recorded verification is confirmed. V(record) trusts the record; V(size) also wants the dump there
        with its recorded size, its manifest and the application copy; V(sha256) also reads the dump's sha256 and
        counts the application copy's files (for O(state=query), of O(backup), or of the backups considered for
        RV(chosen) and RV(next), newest first, until one proves itself).
    type: str
    choices: [record, size, sha256]
    default: size
  copies:
    description:
      - >-
        With O(state=verified), what was copied into the backup, each C(src) (on the court) and C(name) (in the
        backup, C(app) or C(links/<path>)). The files of the sources and of their copies are counted first (as
        C(find -H <src> -type f) counts them); a copy that lacks files is refused and the backup is not marked
        verified. Their count is recorded as C(app_files).
      - >-
        With O(state=relabelled), where each copy was put back: C(name) as in the backup and C(to) on the court.
    type: list
    elements: dict
    default: []
  create:
    description:
      - With O(state=query), make O(dir) root's alone first (mode 0700, owner root; created when missing), so that
        one call prepares the folder of a backup and reads it. Nothing is changed in check mode.
    type: bool
    default: false
  in_progress_after:
    description: Seconds during which a backup that has not finished (or a folder without a record) is taken as
      still running and left alone.
    type: int
    default: 14400
attributes:
  check_mode:
    support: full
    details: Says what would be created or removed; nothing changes.
  diff_mode:
    support: none
  platform:
    platforms: posix
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - pengadilan.sipp.sipp_clock
  - ansible.builtin.action_common_attributes
seealso:
  - module: pengadilan.sipp.sipp_db_backup
  - module: pengadilan.sipp.sipp_lock
'''

EXAMPLES = r'''
- name: Start this court's backup
  pengadilan.sipp.sipp_backups:
    dir: /var/backups/sipp
    state: reserved
    identity:
      kode_satker: "{{ info.sipp.court.kode_satker }}"
      app_path: "{{ info.sipp.app_path }}"
      database: "{{ info.sipp.database.name }}"
  register: reserved

- name: Keep seven, never the one just made nor what the lock names
  pengadilan.sipp.sipp_backups:
    dir: /var/backups/sipp
    state: pruned
    identity: "{{ reserved.identity }}"
    keep: 7
    protect: ["{{ reserved.path }}"]

- name: The newest verified backup of this court, its dump read through
  pengadilan.sipp.sipp_backups:
    dir: /var/backups/sipp
    identity: "{{ reserved.identity }}"
    check: sha256
  register: found
'''

RETURN = r'''
disk:
  description: >-
    Free and total space of the file system holding O(dir) (of its nearest existing parent when it is missing), as
    C(df) shows it.
  returned: with O(state=query)
  type: dict
  sample: {"path": "/var/backups/sipp", "free_bytes": 52613349376, "total_bytes": 105088212992}
identity:
  description: The court's identity as compared (with the server filled in).
  returned: always
  type: dict
backups:
  description: The court's own backups, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    name: {description: Folder name., type: str, returned: always}
    path: {description: Folder., type: str, returned: always}
    sequence: {description: The record's sequence (0 for records of the first format)., type: int, returned: always}
    created: {description: The record's time., type: str, returned: always}
    verified: {description: Verified by its record and O(check)., type: bool, returned: always}
    complete: {description: Its record says it finished and was verified., type: bool, returned: always}
    damaged: {description: "Complete, but no longer as recorded (O(check)).", type: bool, returned: always}
    in_future: {description: Its time lies in the future of the court's clock., type: bool, returned: always}
    suspect: {description: "Renamed or in the future: never the newest verified by itself.", type: bool,
              returned: always}
    age_seconds: {description: The court's clock minus its recorded time (negative in the future)., type: int,
                  returned: always}
    problems: {description: Why it is not verified (or suspect)., type: list, elements: str, returned: always}
chosen:
  description: The backup to use (O(backup), or the newest that proves itself when no newer one is damaged or
    suspect), as in RV(backups), with its record.
  returned: state=query and a backup was found
  type: dict
  contains:
    record: {description: Its BACKUP.json., type: dict, returned: always}
    why:
      description: Why it was chosen (naming the newer backups passed over and why), or what is wrong with O(backup).
      type: str
      returned: always
newest_verified:
  description: Name of the newest verified backup that is not suspect; null when there is none.
  returned: always
  type: str
refused:
  description: Why the backup a restore would stand on cannot be used (damaged, renamed, in the future, not
    verified), with what was done (nothing) and the next backup that proves itself; empty when there is no refusal.
  returned: state=query
  type: str
next:
  description: When there is a refusal, the newest older backup that proves itself (name, path, sequence, created),
    as in RV(backups); null when there is none.
  returned: state=query
  type: dict
clock:
  description: The court's clock against O(controller_time) (court, controller, skew_seconds, skewed, text).
  returned: when O(controller_time) is given
  type: dict
unusable:
  description: The court's backups that are not verified, each with why (empty when there are none).
  returned: state=query
  type: str
others:
  description: Backups of other courts in O(dir) (name and why they are not this court's).
  returned: always
  type: list
  elements: dict
leftovers:
  description: What interrupted work left (path, what, size_bytes, action removed or kept, why).
  returned: state=pruned, or state=query with leftovers=true
  type: list
  elements: dict
removed:
  description: Folders removed (path, kind retention or leftover, size_bytes).
  returned: state=pruned
  type: list
  elements: dict
name:
  description: The new folder's name.
  returned: state=reserved or state=verified
  type: str
  sample: SIPP-097734-2026-11-24-2100
path:
  description: The new folder.
  returned: state=reserved or state=verified
  type: str
sequence:
  description: The new backup's sequence.
  returned: state=reserved
  type: int
previous:
  description: Path of the newest verified backup before this one (empty when none).
  returned: state=reserved
  type: str
relabelled:
  description: Paths given their recorded SELinux context (in check mode, paths whose context differs).
  returned: when O(state=relabelled)
  type: int
  sample: 12
record:
  description: The record as written.
  returned: state=reserved or state=verified
  type: dict
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_backups import (
    BackupsError, apply, choose, describe, latest_result, leftovers_of, measure, mismatch, named_backups,
    newest_verified, plan, problem_text, read_lock, read_record, record_verified, refused_text,
    relabel, reserve, scan, server_identity, unusable_text, why_chosen, MESSAGES)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_common import (
    clock_argument_spec, clock_report, disk_usage)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_files import make_private_dirs
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import language_argument_spec


def _public(language, backup):
    out = dict((k, v) for k, v in backup.items() if k not in ('problems', 'record'))
    out['problems'] = [MESSAGES.text(language, key, **params) for key, params in backup['problems']]
    return out


def _others(language, found):
    return [dict(name=o['name'], path=o['path'], why=MESSAGES.text(language, o['why'][0], theirs=o['why'][1],
                                                                   ours=o['why'][2]))
            for o in found['others']]


def _chosen(params, identity, found, language, now):
    """(chosen, refused text, next): the backup a restore stands on, or why none, and the next that proves itself."""
    wanted = params['backup']
    tolerance = params['clock_tolerance']
    if not wanted:
        if params['check'] == 'sha256':
            chosen, refused, following = choose(found['own'], now, params['in_progress_after'], tolerance)
        else:
            chosen = newest_verified(found['own'])
            refused, following = [], None
        if refused:
            return None, refused_text(language, refused, following), following
        if chosen is None:
            return None, '', None
        return (dict(_public(language, chosen), record=chosen['record'],
                     why=why_chosen(language, found['own'], chosen)), '', None)
    folder = wanted.rstrip('/') if '/' in wanted else os.path.join(params['dir'], wanted)
    record, error = read_record(folder)
    if record is None:
        raise BackupsError('not_found', path=folder, record='BACKUP.json')
    why = mismatch(record, identity)
    if why is not None:
        raise BackupsError('not_owned', path=folder, why=MESSAGES.text(language, why[0], theirs=why[1], ours=why[2]))
    backup = describe(folder, record, params['check'], now, params['in_progress_after'], tolerance)
    chosen = dict(_public(language, backup), record=record,
                  why=problem_text(language, backup) if backup['problems'] else '')
    if backup['verified']:
        return chosen, '', None
    # a named backup that fails its proof: the court's next one that does (older than it, else the newest)
    own = found['own']
    at = [i for i, b in enumerate(own) if os.path.realpath(b['path']) == os.path.realpath(folder)]
    chosen_next, _refused, following = choose(own, now, params['in_progress_after'], tolerance,
                                              start=at[0] + 1 if at else 0)
    following = chosen_next or following
    return chosen, refused_text(language, [backup], following, named=True), following


def _private_folder(directory):
    """Make ``directory`` root's alone (mode 0700, owner root where the module runs as root), creating it when
    missing. Returns whether anything changed."""
    try:
        changed = not os.path.isdir(directory)
        make_private_dirs(directory)
        st = os.stat(directory)
        if st.st_mode & 0o777 != 0o700:
            os.chmod(directory, 0o700)
            changed = True
        if os.geteuid() == 0 and (st.st_uid, st.st_gid) != (0, 0):
            os.chown(directory, 0, 0)
            changed = True
    except OSError as exc:
        raise BackupsError('dir_unusable', path=directory, error=exc.strerror or str(exc))
    return changed


def run(module):
    params = module.params
    language = params['language']
    check_mode = module.check_mode
    identity = dict((k, v) for k, v in (params['identity'] or {}).items() if v is not None)
    if not identity.get('server'):
        identity['server'] = server_identity()
    result = dict(changed=False, identity=identity)
    now = time.time()
    clock = clock_report(language, params['controller_time'], params['clock_tolerance'], now=now)
    if clock is not None:
        result['clock'] = clock
    state = params['state']
    directory = params['dir']
    if state == 'reserved':
        made = reserve(directory, identity, check_mode=check_mode)
        previous = made['previous']
        result.update(changed=True, name=made['name'], path=made['path'], sequence=made['sequence'],
                      previous=previous['path'] if previous else '', record=made['record'],
                      msg=MESSAGES.text(language, 'reserved', name=made['name'], sequence=made['sequence']))
        return result
    if state == 'verified':
        done = record_verified(params['path'], identity, params['facts'], check_mode=check_mode, language=language,
                               copies=params['copies'])
        result.update(changed=True, name=done['name'], path=done['path'], record=done['record'],
                      msg=MESSAGES.text(language, 'recorded', name=done['name']))
        return result
    if state == 'relabelled':
        count = relabel(params['path'], params['copies'], check_mode=check_mode)
        result.update(changed=count > 0, relabelled=count,
                      msg=MESSAGES.text(language, 'relabelled', name=os.path.basename(params['path']), count=count))
        return result
    if state == 'pruned':
        lock = read_lock(params['lock_file'])
        decided = plan(directory, identity, params['keep'], protect=params['protect'], lock=lock,
                       result=latest_result(params['result_dir'], identity), lock_token=params['lock_token'],
                       app_path=identity.get('app_path') if params['clean_trees'] else None,
                       check=params['check'], in_progress_seconds=params['in_progress_after'],
                       future_seconds=params['clock_tolerance'], language=language)
        removed = apply(decided, check_mode=check_mode)
        gone = set(r['path'] for r in removed)
        own = [b for b in decided['found']['own'] if b['path'] not in gone]
        newest = decided['newest']
        result.update(
            changed=bool(removed), removed=removed, leftovers=decided['leftovers'],
            backups=[_public(language, b) for b in own], others=_others(language, decided['found']),
            newest_verified=newest['name'] if newest else None,
            msg=MESSAGES.text(language, 'pruned', kept=len([b for b in own if b['verified']]),
                              removed=len([r for r in removed if r['kind'] == 'retention']),
                              cleaned=len([r for r in removed if r['kind'] == 'leftover'])))
        return result
    # query
    if params['create'] and not check_mode:
        result['changed'] = _private_folder(directory)
    existing = directory
    while not os.path.isdir(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    result['disk'] = dict(disk_usage(existing), path=directory)
    # sha256 is read for the backups a restore may stand on (_chosen), not for every backup in the folder
    found = scan(directory, identity, check='size' if params['check'] == 'sha256' else params['check'], now=now,
                 in_progress_seconds=params['in_progress_after'], future_seconds=params['clock_tolerance'])
    if params['leftovers']:
        lock = read_lock(params['lock_file'])
        named = named_backups(lock, latest_result(params['result_dir'], identity), [])
        entries = leftovers_of(found, named, lock=lock, lock_token=params['lock_token'],
                               app_path=identity.get('app_path'), in_progress_seconds=params['in_progress_after'],
                               language=language)[0]
        result['leftovers'] = [dict(entry, action='found') for entry in measure(entries)]
    chosen, refused, following = _chosen(params, identity, found, language, now)
    newest = newest_verified(found['own'])
    result.update(
        backups=[_public(language, b) for b in found['own']], others=_others(language, found),
        newest_verified=newest['name'] if newest else None,
        unusable=unusable_text(language, found['own']),
        msg=MESSAGES.text(language, 'query', own=len(found['own']),
                          verified=len([b for b in found['own'] if b['verified']]),
                          newest=newest['name'] if newest else MESSAGES.text(language, 'none')))
    result.update(refused=refused, next=dict(_public(language, following), record=following['record'])
                  if following else None)
    if chosen is not None:
        result['chosen'] = chosen
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dir=dict(type='path', required=True),
            state=dict(type='str', choices=['query', 'reserved', 'verified', 'pruned', 'relabelled'],
                       default='query'),
            identity=dict(type='dict', required=True, options=dict(
                kode_satker=dict(type='str'),
                nama=dict(type='str'),
                app_path=dict(type='str'),
                database=dict(type='str'),
                inventory_name=dict(type='str'),
                server=dict(type='dict'),
            )),
            path=dict(type='path'),
            facts=dict(type='dict', default={}),
            backup=dict(type='str'),
            keep=dict(type='int', default=7),
            protect=dict(type='list', elements='str', default=[]),
            lock_file=dict(type='path', default='/var/lib/pengadilan-sipp/kunci-upgrade.json'),
            # a run's mark, not a secret (it is in the lock record on the court)
            lock_token=dict(type='str', no_log=False),
            result_dir=dict(type='path', default='/var/lib/pengadilan-sipp/hasil'),
            clean_trees=dict(type='bool', default=False),
            create=dict(type='bool', default=False),
            copies=dict(type='list', elements='dict', default=[]),
            leftovers=dict(type='bool', default=False),
            check=dict(type='str', choices=['record', 'size', 'sha256'], default='size'),
            in_progress_after=dict(type='int', default=14400),
            **dict(clock_argument_spec(), **language_argument_spec())
        ),
        supports_check_mode=True,
        required_if=[('state', 'verified', ['path']), ('state', 'relabelled', ['path'])],
    )
    try:
        result = run(module)
    except BackupsError as exc:
        module.fail_json(msg=exc.render(module.params['language']), problem=exc.key)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
