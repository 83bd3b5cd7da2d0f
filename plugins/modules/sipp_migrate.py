#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_migrate
short_description: Run the database migrations of a SIPP upgrade package, with a per-court history
version_added: "0.1.0"
description:
  - "SOP step 6 (database changes). Takes the migrations (C(sql/NNN_*.sql)) of a SIPP upgrade package (format 1,
    see C(docs/upgrade-package.md)) and runs them in the manifest's order on SIPP's database through the
    C(mariadb)/C(mysql) command-line client, stopping at the first failing statement."
  - "The package is verified first as M(pengadilan.sipp.sipp_package) does (C(.sha256) beside the zip, safe
    entries, manifest), and every migration's bytes are checked again against the manifest's sha256 just before the
    first one runs; the bytes checked are the bytes run."
  - "Each migration runs as C(mariadb --defaults-extra-file=<private option file> --batch
    --default-character-set=<the database's character set> --database=<SIPP's database>) with the SQL on stdin and
    without C(--force). Credentials go only through that option file (mode 0600 in a folder of mode 0700, removed
    afterwards), never on a command line or in the environment."
  - "A failing migration is reported with its file, the line the client names (C(ERROR 1054 (42S22) at line 12:
    ...)) and the error text (password scrubbed); the migrations after it are not run and are recorded C(skipped).
    The task then fails with C(changed=true), so that the playbook's C(rescue) downgrades the court (MySQL DDL
    commits implicitly: a migration that failed halfway leaves the schema half changed)."
  - "A history is kept on the court, outside SIPP's database (O(history): folder 0700, file 0600), one JSON line
    per step: run_id, package, package_sha256, database, app_path, from_version, to_version, file, sha256, kind,
    result (V(ok), V(failed), V(skipped); V(rolled_back) for O(record_rollback)), error, line, started, finished,
    seconds. A run holds an exclusive lock on C(<history>.lock), so two runs never migrate at once."
  - "Refuses, before running anything, when SIPP's version (C(sys_config) id 80) is not the package's
    C(from_version), unless the history records every migration of this package as V(ok) on this database (an
    idempotent rerun: nothing runs, C(changed=false)). Refuses too when the history records a partial earlier run of
    this package (some migrations V(ok), one V(failed), or a run cut short): the court must be downgraded first
    and the restore recorded with O(record_rollback=true)."
  - "A package without migrations (mandiri) does not touch the database except for the version row: with
    O(stamp_version=true) this module sets C(sys_config) id 80 to C(to_version) and records it in the history as the
    pseudo-step C(sys_config#80). A package with migrations is never stamped: its last migration must set the
    version itself, and the verification step checks it (RV(version_after))."
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  package:
    description:
      - Path of the upgrade package (C(sipp-<from>-<to>.zip)) on the court server; its C(.sha256) file must be
        beside it.
    type: path
    required: true
  history:
    description:
      - The court's migration history (JSON lines). Missing folders are created with mode 0700, the file with
        mode 0600. Keep it out of the backup-and-restore cycle of SIPP's database.
    type: path
    default: /var/lib/pengadilan-sipp/history.jsonl
  run_id:
    description:
      - Identifier of this upgrade run, written on every history line (for example the AWX job id or a timestamp
        the playbook chose once for all courts).
      - Default a UTC timestamp with the process id.
    type: str
  stamp_version:
    description:
      - For a package without migrations (mandiri), set C(sys_config) id 80 to the package's C(to_version) and
        record it in the history.
      - Has no effect on a package with migrations (its last migration must set the version itself).
    type: bool
    default: true
  record_rollback:
    description:
      - Run nothing; record in the history that SIPP's database was restored from the backup made before this
        package ran (after the downgrade proved itself). Lines of this package recorded before are then no longer
        taken into account, so the package may be run again.
    type: bool
    default: false
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - pengadilan.sipp.sipp_site
  - pengadilan.sipp.sipp_login
  - pengadilan.sipp.sipp_lock
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Verifies the package, reads the version and the history, and lists what would run; runs nothing and
      writes nothing (not even the history).
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Needs the C(mariadb) or C(mysql) command-line client on the court server (package C(mariadb) on CentOS 7),
    whatever O(db_client_backend) says; O(db_client_backend) is used only to read the version and the character set.
  - Back up the database (and put SIPP in maintenance) before running this module; see M(pengadilan.sipp.sipp_db_backup).
seealso:
  - module: pengadilan.sipp.sipp_package
  - module: pengadilan.sipp.sipp_db_backup
  - module: pengadilan.sipp.sipp_db_restore
'''

EXAMPLES = r'''
- name: Upgrade the database, downgrading the court when a migration fails
  block:
    - name: Run the migrations of the package
      pengadilan.sipp.sipp_migrate:
        package: /var/backups/sipp/paket/sipp-5.1.0-5.2.0.zip
        run_id: "{{ sipp_run_id }}"
      register: sipp_migrate_result
  rescue:
    - name: Say which migration failed
      ansible.builtin.debug:
        msg: "{{ sipp_migrate_result.failed_file }} line {{ sipp_migrate_result.failed_line }}:
          {{ sipp_migrate_result.error }}"

- name: A mandiri package stamps the version (history under /var/backups on this server)
  pengadilan.sipp.sipp_migrate:
    package: /var/backups/sipp/paket/sipp-5.2.0-5.2.1.zip
    history: /var/backups/sipp/history.jsonl
    language: en

- name: Preview what would run
  pengadilan.sipp.sipp_migrate:
    package: /var/backups/sipp/paket/sipp-5.2.1-5.3.0.zip
  check_mode: true

- name: After the downgrade proved itself, record it so the package may run again
  pengadilan.sipp.sipp_migrate:
    package: /var/backups/sipp/paket/sipp-5.1.0-5.2.0.zip
    run_id: "{{ sipp_run_id }}"
    record_rollback: true
'''

RETURN = r'''
migrations:
  description:
    - One item per migration of the package in order (for a mandiri package, the pseudo-step C(sys_config#80)
      when stamped). In check mode the result is V(pending); on an idempotent rerun, the recorded results.
  returned: always
  type: list
  elements: dict
  contains:
    file:
      description: Migration file name relative to C(sql/) (or C(sys_config#80)).
      type: str
      sample: 002_putusan_elektronik.sql
    sha256:
      description: sha256 of the migration's bytes (null for the pseudo-step).
      type: str
      sample: 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b
    result:
      description: V(ok), V(failed), V(skipped), or V(pending) in check mode.
      type: str
      sample: ok
    seconds:
      description: Time the migration took (null when it did not run).
      type: float
      sample: 0.41
    line:
      description: Line of the failing statement as the client names it (null unless failed).
      type: int
      sample: 12
    error:
      description: Error of a failed migration, password scrubbed (null unless failed).
      type: str
      sample: "ERROR 1054 (42S22): Unknown column 'agenda' in 'where clause'"
failed_file:
  description: The migration that failed, or null.
  returned: always
  type: str
  sample: 002_putusan_elektronik.sql
failed_line:
  description: The line the client named in the failed migration, or null.
  returned: always
  type: int
  sample: 3
error:
  description: The error text of the failed migration (password scrubbed), or null.
  returned: always
  type: str
  sample: "ERROR 1054 (42S22): Unknown column 'agenda' in 'where clause'"
version_before:
  description: C(sys_config) id 80 before the run.
  returned: when SIPP's database was reached
  type: str
  sample: 5.1.0
version_after:
  description: C(sys_config) id 80 read back after the run (equal to RV(version_before) when nothing ran).
  returned: when SIPP's database was reached
  type: str
  sample: 5.2.0
history:
  description: Path of the history file.
  returned: always
  type: str
  sample: /var/lib/pengadilan-sipp/history.jsonl
run_id:
  description: The run identifier written on the history lines.
  returned: always
  type: str
  sample: 20261124T213000Z-4242
package:
  description: The package (name, sha256, from_version, to_version, mandiri).
  returned: always
  type: dict
  sample: {name: sipp-5.1.0-5.2.0.zip, sha256: 9f86d0..., from_version: 5.1.0, to_version: 5.2.0, mandiri: false}
already_done:
  description: True when the history already records this package as done on this database (nothing ran).
  returned: always
  type: bool
  sample: false
stamped:
  description: True when this run set C(sys_config) id 80 (mandiri package).
  returned: always
  type: bool
  sample: false
'''

import hashlib
import os
import time
import zipfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import (
    SippDbError, client_credentials, connect, find_client, scrub, server_gone)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_migrate import (
    DEFAULT_HISTORY, MESSAGES, STAMP_FILE, History, HistoryError, default_run_id, migration_command, now_iso,
    package_state, parse_client_error, run_sql, valid_charset)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_package import (
    PackageError, compare_versions, verify_package)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_package import MESSAGES as PACKAGE_MESSAGES
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_site import on_site, site_argument_spec
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import DEFAULT_LANGUAGE, LANGUAGES


class Migrate(object):
    def __init__(self, module, site, pkg):
        self.module = module
        self.site = site
        self.pkg = pkg
        self.lang = site.language
        self.params = module.params
        self.secrets = [site.params.get('password')]
        self.database = site.database
        self.history_path = os.path.abspath(self.params['history'])
        self.run_id = self.params['run_id'] or default_run_id()
        self.version_before = site.version
        self.version_after = site.version
        self.steps = []  # returned migrations
        self.history = None

    # ---------------------------------------------------------------------------------------------- results
    def result(self, **extra):
        out = dict(
            migrations=self.steps, failed_file=None, failed_line=None, error=None,
            version_before=self.version_before, version_after=self.version_after, history=self.history_path,
            run_id=self.run_id, already_done=False, stamped=False,
            package=dict(name=self.pkg['name'], sha256=self.pkg['sha256'], path=self.pkg['path'],
                         from_version=self.pkg['from_version'], to_version=self.pkg['to_version'],
                         mandiri=not self.pkg['migrations']))
        out.update(extra)
        return out

    def fail(self, text, changed=False, **extra):
        self.module.fail_json(msg=scrub(text, self.secrets), changed=changed, **self.result(**extra))

    def done_text(self):
        ran = [s['file'] for s in self.steps if s['result'] == 'ok']
        if not ran:
            return MESSAGES.text(self.lang, 'done_none')
        return MESSAGES.text(self.lang, 'done_some', files=', '.join(ran))

    def line(self, step, kind, result, started, finished, seconds, error=None, line=None):
        return dict(run_id=self.run_id, package=self.pkg['name'], package_sha256=self.pkg['sha256'],
                    database=self.database, app_path=self.site.path, from_version=self.pkg['from_version'],
                    to_version=self.pkg['to_version'], file=step.get('file'), sha256=step.get('sha256'), kind=kind,
                    result=result, error=error, line=line, started=started, finished=finished, seconds=seconds)

    def record(self, entry):
        try:
            self.history.append(entry)
        except HistoryError as exc:
            key = 'history_unwritable_some' if any(s['result'] == 'ok' for s in self.steps) \
                else 'history_unwritable_none'
            ran = ', '.join(s['file'] for s in self.steps if s['result'] == 'ok')
            self.read_back()
            self.fail(MESSAGES.text(self.lang, 'history_unwritable', history=self.history_path,
                                    error=exc.params.get('error'),
                                    done=MESSAGES.text(self.lang, key, done=ran)), changed=bool(ran))

    # ---------------------------------------------------------------------------------------------- database
    def read_back(self):
        """Read sys_config id 80 again on a fresh connection (a long migration may outlive the first one)."""
        try:
            conn = connect(self.site.params, self.params.get('db_client_backend') or 'auto', self.module)
            try:
                value = conn.query_value('SELECT value FROM sys_config WHERE id = 80')
            finally:
                conn.close()
        except SippDbError as exc:
            self.module.warn(MESSAGES.text(self.lang, 'version_unread', error=scrub(exc.cause, self.secrets)))
            return None
        self.version_after = None if value is None else str(value).strip()
        return self.version_after

    def charset(self):
        try:
            name = self.site.conn.query_value(
                'SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s',
                (self.database,))
        except SippDbError as exc:
            self.fail(MESSAGES.text(self.lang, 'query_failed', database=self.database,
                                    error=exc.cause,
                                    done=MESSAGES.text(self.lang, 'done_none')))
        return name if valid_charset(name) else None

    # ---------------------------------------------------------------------------------------------- the run
    def run(self):
        pkg = self.pkg
        migrations = pkg['migrations']
        stamp = not migrations and self.params['stamp_version']
        steps = [m['file'] for m in migrations] or ([STAMP_FILE] if stamp else [])
        check = self.module.check_mode
        try:
            with History(self.history_path, create=not check) as history:
                self.history = history
                entries = history.entries()
                state = package_state(entries, self.database, pkg['sha256'], steps)
                if self.params['record_rollback']:
                    return self.record_rollback(state)
                return self.decide(state, steps, stamp)
        except HistoryError as exc:
            if exc.key == 'locked':
                self.fail(MESSAGES.text(self.lang, 'locked', **exc.params))
            self.fail(MESSAGES.text(self.lang, 'history_unwritable', history=self.history_path,
                                    error=exc.params.get('error'),
                                    done=MESSAGES.text(self.lang, 'history_unwritable_none')))

    def record_rollback(self, state):
        if state['state'] == 'new':
            return False, self.result(), MESSAGES.text(self.lang, 'ok_rollback', database=self.database,
                                                       name=self.pkg['name'],
                                                       history=self.history_path)
        if not self.module.check_mode:
            now = now_iso()
            self.record(self.line(dict(file=None, sha256=None), 'rollback', 'rolled_back', now, now, 0.0))
        return True, self.result(), MESSAGES.text(self.lang, 'ok_rollback', database=self.database,
                                                  name=self.pkg['name'],
                                                  history=self.history_path)

    def same_version(self, a, b):
        try:
            return compare_versions(a, b) == 0
        except ValueError:
            return a == b

    def decide(self, state, steps, stamp):
        pkg = self.pkg
        at_from = self.same_version(self.version_before, pkg['from_version'])
        if state['state'] == 'done' and stamp and at_from:
            state = dict(state, state='new')  # stamped once, then the database was restored: stamp again
        if state['state'] == 'done':
            for name in steps:
                entry = state['last'][name]
                self.steps.append(dict(file=name, sha256=entry.get('sha256'), result='ok',
                                       seconds=entry.get('seconds'), line=None, error=None))
            if at_from:
                self.module.warn(MESSAGES.text(self.lang, 'done_not_bumped', name=pkg['name'],
                                               to_version=pkg['to_version'],
                                               database=self.database, current_version=self.version_before,
                                               history=self.history_path))
            return False, self.result(already_done=True), MESSAGES.text(
                self.lang, 'ok_already', name=pkg['name'], database=self.database, history=self.history_path)
        if state['state'] == 'partial':
            done = sorted(f for f, e in state['last'].items() if e.get('result') == 'ok')
            failed = sorted(f for f, e in state['last'].items() if e.get('result') == 'failed')
            none = MESSAGES.text(self.lang, 'none')
            self.fail(MESSAGES.text(self.lang, 'partial_run', history=self.history_path, name=pkg['name'],
                                    database=self.database, run_id=state['run_id'], done=', '.join(done) or none,
                                    failed=', '.join(failed) or none),
                      problem='partial_run')
        if not at_from:
            self.fail(MESSAGES.text(self.lang, 'version_mismatch', name=pkg['name'], from_version=pkg['from_version'],
                                    to_version=pkg['to_version'], database=self.database,
                                    current_version=self.version_before, history=self.history_path),
                      problem='version_mismatch')
        if not steps:
            return False, self.result(), MESSAGES.text(self.lang, 'ok_nothing', name=pkg['name'])
        if self.module.check_mode:
            for m in (pkg['migrations'] or [dict(file=STAMP_FILE, sha256=None)]):
                self.steps.append(dict(file=m['file'], sha256=m['sha256'], result='pending', seconds=None, line=None,
                                       error=None))
            return True, self.result(), MESSAGES.text(self.lang, 'ok_would_run', files=', '.join(steps))
        if stamp:
            return self.stamp()
        return self.migrate()

    def stamp(self):
        pkg = self.pkg
        started, t0 = now_iso(), time.time()
        step = dict(file=STAMP_FILE, sha256=None)
        error = None
        try:
            self.site.conn.query('UPDATE sys_config SET value = %s WHERE id = 80 AND value = %s',
                                 (pkg['to_version'], self.version_before))
        except SippDbError as exc:
            error = scrub(exc.cause, self.secrets)
        after = self.read_back()
        if error is None and after != pkg['to_version']:
            error = MESSAGES.text(self.lang, 'stamp_reads', version=after)
        seconds = round(time.time() - t0, 3)
        result = 'ok' if error is None else 'failed'
        self.steps.append(dict(file=STAMP_FILE, sha256=None, result=result, seconds=seconds, line=None, error=error))
        self.record(self.line(step, 'stamp', result, started, now_iso(), seconds, error=error))
        if error is not None:
            self.fail(MESSAGES.text(self.lang, 'stamp_failed', database=self.database, to_version=pkg['to_version'],
                                    error=error),
                      changed=after != self.version_before, error=error, failed_file=STAMP_FILE)
        return True, self.result(stamped=True), MESSAGES.text(self.lang, 'ok_stamped', name=pkg['name'], version=after)

    def load_migrations(self):
        """The bytes of every migration, each checked against the manifest's sha256 before any runs."""
        loaded = []
        try:
            with zipfile.ZipFile(self.pkg['path']) as archive:
                for m in self.pkg['migrations']:
                    data = archive.read('sql/' + m['file'])
                    actual = hashlib.sha256(data).hexdigest()
                    if actual != m['sha256']:
                        self.fail(MESSAGES.text(self.lang, 'migration_changed', file=m['file'], name=self.pkg['name'],
                                                actual=actual,
                                                expected=m['sha256'], done=MESSAGES.text(self.lang, 'done_none')),
                                  problem='migration_checksum')
                    loaded.append((m, data))
        except (zipfile.BadZipFile, IOError, OSError, KeyError) as exc:
            self.fail(PACKAGE_MESSAGES.text(self.lang, 'bad_archive', name=self.pkg['name'], error=str(exc)),
                      problem='bad_archive')
        return loaded

    def migrate(self):
        pkg = self.pkg
        client = find_client(self.module)
        if not client:
            self.fail(MESSAGES.text(self.lang, 'client_missing'), problem='client_missing')
        charset = self.charset()
        loaded = self.load_migrations()
        self.site.close()  # each migration runs in its own client; the version is read back on a new connection
        failed = None
        for index, (m, data) in enumerate(loaded):
            if failed is not None:
                now = now_iso()
                self.steps.append(dict(file=m['file'], sha256=m['sha256'], result='skipped', seconds=None, line=None,
                                       error=None))
                self.record(self.line(m, 'migration', 'skipped', now, now, None))
                continue
            started, t0 = now_iso(), time.time()
            try:
                with client_credentials(self.site.params) as creds:
                    argv = migration_command(client, creds['defaults_arg'], self.database, charset,
                                             self.site.params.get('connect_timeout'))
                    code, out, err = run_sql(argv, data, creds['env'])
            except (IOError, OSError) as exc:
                code, out, err = -1, '', '%s: %s' % (client, exc.strerror or exc)
            seconds = round(time.time() - t0, 3)
            if code == 0:
                self.steps.append(dict(file=m['file'], sha256=m['sha256'], result='ok', seconds=seconds, line=None,
                                       error=None))
                self.record(self.line(m, 'migration', 'ok', started, now_iso(), seconds))
                continue
            line, error = parse_client_error(scrub(err, self.secrets))
            error = error or 'exit code %d' % code
            failed = dict(file=m['file'], line=line, error=error)
            self.steps.append(dict(file=m['file'], sha256=m['sha256'], result='failed', seconds=seconds, line=line,
                                   error=error))
            self.record(self.line(m, 'migration', 'failed', started, now_iso(), seconds, error=error, line=line))
        self.read_back()
        if failed is not None:
            done = [s['file'] for s in self.steps if s['result'] == 'ok']
            skipped = [s['file'] for s in self.steps if s['result'] == 'skipped']
            none = MESSAGES.text(self.lang, 'none')
            # the server stopped answering (a crash, a restart): not the package's fault
            problem = 'database_lost' if server_gone(failed['error']) else 'migration_failed'
            self.fail(MESSAGES.text(self.lang, problem, file=failed['file'], name=pkg['name'],
                                    line=failed['line'] if failed['line'] is not None else '?', error=failed['error'],
                                    done=', '.join(done) or none, skipped=', '.join(skipped) or none,
                                    database=self.database, history=self.history_path),
                      changed=True, problem=problem, failed_file=failed['file'],
                      failed_line=failed['line'], error=failed['error'])
        return True, self.result(), MESSAGES.text(self.lang, 'ok_ran', name=pkg['name'],
                                                  files=', '.join(s['file'] for s in self.steps),
                                                  version=self.version_after)


def main():
    argument_spec = site_argument_spec()
    argument_spec.update(
        package=dict(type='path', required=True),
        history=dict(type='path', default=DEFAULT_HISTORY),
        run_id=dict(type='str'),
        stamp_version=dict(type='bool', default=True),
        record_rollback=dict(type='bool', default=False),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    lang = module.params.get('language') or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    history = os.path.abspath(module.params['history'])
    path = os.path.abspath(module.params['package'])
    try:
        pkg = verify_package(path)
    except PackageError as exc:
        module.fail_json(msg=PACKAGE_MESSAGES.text(lang, exc.key, **exc.params), problem=exc.problem,
                         details=dict(exc.params), changed=False, migrations=[], failed_file=None, failed_line=None,
                         error=None, history=history, run_id=module.params['run_id'])
    for key, warning_params in pkg.pop('warnings'):
        module.warn(PACKAGE_MESSAGES.text(lang, key, **warning_params))
    changed, result, text = on_site(module, lambda site: Migrate(module, site, pkg).run(), nothing_done=dict(
        changed=False, migrations=[], failed_file=None, failed_line=None, error=None, history=history,
        run_id=module.params['run_id']))
    module.exit_json(changed=changed, msg=text, **result)


if __name__ == '__main__':
    main()
