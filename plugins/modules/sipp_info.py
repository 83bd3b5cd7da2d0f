#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_info
short_description: Discover a court's SIPP installation (read-only)
version_added: "0.1.0"
description:
  - Finds the SIPP application folder on a court server, reads its C(application/config/database.php) without
    running PHP, connects to SIPP's database and reports the installed version, the court's identity, the
    database, the upload folder, free disk space, the maintenance switch and the state of synchronisation with the
    public SIPP web database.
  - Changes nothing; returns the same result in check mode.
  - "How the folder is chosen: O(app_path) when given. Otherwise every folder found in O(search_paths) (each path
    itself and its direct sub-folders, hidden ones excepted) that holds C(index.php), C(system/) and
    C(application/config/database.php), ordered with names starting with C(SIPP) (any case) first, then by the order
    of O(search_paths), then by name; the first whose database answers with a SIPP version (C(sys_config) id 80) is
    chosen, and a warning lists the others."
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  public_db_group:
    description:
      - The group of C(database.php) holding the public side (SIPP web) database used by synchronisation.
      - When the group is missing, RV(sipp.sync.status) is V(unknown) with the reason in RV(sipp.sync.error);
        this is not a failure.
    type: str
    default: web
  gather_sizes:
    description:
      - Walk the application and upload folders to report their sizes and file counts. This can take a while
        on folders of many gigabytes; with V(false) those values are null.
    type: bool
    default: true
  links:
    description:
      - Walk the application folder for symbolic links and judge each one (RV(sipp.app_links)). One that points
        outside the folder (an uploads disk mounted elsewhere, a log folder) is one a backup follows; one that points
        somewhere unsafe (the root folder or a system folder, a folder holding the application folder, a loop, the
        backup folder) is refused, with the reason. Links inside a followed folder are not judged (a backup copies
        them as links).
    type: bool
    default: false
  backup_dir:
    description:
      - With O(links=true), the backup folder. A link that points into it, or to a folder that holds it, is refused.
    type: path
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - pengadilan.sipp.sipp_site
  - pengadilan.sipp.sipp_login
  - pengadilan.sipp.sipp_lock
  - pengadilan.sipp.sipp_writable
  - pengadilan.sipp.sipp_clock
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Works with PyMySQL or, when it is missing, with the C(mariadb)/C(mysql) command-line client; see
    O(db_client_backend). The database password is never returned.
seealso:
  - name: CodeIgniter 2 database configuration
    description: The format of C(application/config/database.php).
    link: https://codeigniter.com/userguide2/database/configuration.html
'''

EXAMPLES = r'''
- name: Discover SIPP on the court server
  pengadilan.sipp.sipp_info:
  register: sipp_facts

- name: Show version and court
  ansible.builtin.debug:
    msg: "{{ sipp_facts.sipp.court.nama }} runs SIPP {{ sipp_facts.sipp.version }}"

- name: Known folder, English messages, no folder walk
  pengadilan.sipp.sipp_info:
    app_path: /var/www/html/SIPP311
    gather_sizes: false
    language: en
  register: sipp_facts

- name: Symbolic links of the application folder, judged for a backup into /var/backups/sipp
  pengadilan.sipp.sipp_info:
    gather_sizes: false
    links: true
    backup_dir: /var/backups/sipp
  register: sipp_facts

- name: Force the command-line client backend and a local socket
  pengadilan.sipp.sipp_info:
    db_client_backend: cli
    login_unix_socket: /var/lib/mysql/mysql.sock
  register: sipp_facts
'''

RETURN = r'''
sipp:
  description: What was found about the SIPP installation.
  returned: success
  type: dict
  contains:
    app_path:
      description: The chosen application folder.
      returned: success
      type: str
      sample: /var/www/html/SIPP
    app_folder:
      description: Name of the chosen application folder.
      returned: success
      type: str
      sample: SIPP
    app_candidates:
      description: Every SIPP-looking folder found, in order of preference (plus O(app_path) when given).
      returned: success
      type: list
      elements: str
      sample: [/var/www/html/SIPP, /var/www/html/SIPP_lama]
    config_file:
      description: The C(database.php) that was read.
      returned: success
      type: str
      sample: /var/www/html/SIPP/application/config/database.php
    version:
      description: Installed SIPP version, C(sys_config) id 80 (C(app_version)).
      returned: success
      type: str
      sample: 5.2.0
    court:
      description: The court's identity from C(sys_config); a value is null when its row is missing.
      returned: success
      type: dict
      contains:
        nama:
          description: Court name, id 62 (C(NamaPN)).
          returned: success
          type: str
          sample: Pengadilan Negeri Bandung
        kode_pn:
          description: Court code, id 61 (C(KodePN)).
          returned: success
          type: str
          sample: PN.BDG
        kode_satker:
          description: Work unit code, id 82 (C(kode_satker)).
          returned: success
          type: str
          sample: "097734"
        idpn:
          description: Court id, id 81 (C(IDPN)).
          returned: success
          type: str
          sample: "123"
        nama_pt:
          description: High court name, id 76 (C(NamaPT)).
          returned: success
          type: str
          sample: Pengadilan Tinggi Bandung
        jenis_pengadilan:
          description: Court type, id 83 (1 umum, 2 militer, 3 TUN, 4 agama).
          returned: success
          type: str
          sample: "1"
    database:
      description: SIPP's database. The password is never returned.
      returned: success
      type: dict
      contains:
        name:
          description: Database (schema) name.
          returned: success
          type: str
          sample: SIPP
        group:
          description: The C(database.php) group used.
          returned: success
          type: str
          sample: default
        host:
          description: Host connected to (C(localhost) when through the unix socket).
          returned: success
          type: str
          sample: localhost
        port:
          description: TCP port; null when connected through the unix socket.
          returned: success
          type: int
          sample: 3306
        socket:
          description: Unix socket used; null over TCP.
          returned: success
          type: str
          sample: /var/lib/mysql/mysql.sock
        user:
          description: Database user.
          returned: success
          type: str
          sample: sipp
        size_bytes:
          description: Data and index length of the schema's tables (information_schema).
          returned: success
          type: int
          sample: 734003200
        tables:
          description: Number of base tables in the schema.
          returned: success
          type: int
          sample: 312
        charset:
          description: Default character set of the schema.
          returned: success
          type: str
          sample: latin1
        client_charset:
          description: Connection character set (C(char_set) of database.php).
          returned: success
          type: str
          sample: utf8
        server_version:
          description: Version string of the database server.
          returned: success
          type: str
          sample: 5.5.68-MariaDB
    uploads:
      description: The upload folder inside the application (C(resources/file)).
      returned: success
      type: dict
      contains:
        path:
          description: Its path.
          returned: success
          type: str
          sample: /var/www/html/SIPP/resources/file
        exists:
          description: Whether it exists.
          returned: success
          type: bool
          sample: true
        size_bytes:
          description: Total size of its regular files (symlinks not followed); null when O(gather_sizes=false).
          returned: success
          type: int
          sample: 12884901888
        files:
          description: Number of its regular files; null when O(gather_sizes=false).
          returned: success
          type: int
          sample: 48211
    app_release:
      description:
        - The release layout, when the application folder is itself a symbolic link to a release folder (as courts
          that keep releases side by side do); null for a plain folder. Backups record it, upgrades keep it (a new
          release folder beside the old one, the link switched), downgrades put it back.
      returned: success
      type: dict
      contains:
        link:
          description: What the application folder's link says, as written.
          type: str
          sample: /srv/sipp-rilis/SIPP-5.1.0
        release:
          description: The release folder it leads to, resolved.
          type: str
          sample: /srv/sipp-rilis/SIPP-5.1.0
    app_links:
      description:
        - The symbolic links of the application folder, sorted by path; null unless O(links=true).
      returned: success
      type: list
      elements: dict
      contains:
        path:
          description: The link, relative to the application folder.
          type: str
          sample: resources/file
        link:
          description: What the link says, as written.
          type: str
          sample: /data/sipp/file
        target:
          description: Where it leads, resolved (null for a loop).
          type: str
          sample: /data/sipp/file
        type:
          description: >-
            V(dir) or V(file) (outside the application folder), V(inside) (points inside it), V(missing) (points
            nowhere), V(loop), V(special) (a device, socket or pipe), V(unreadable).
          type: str
          sample: dir
        follow:
          description: A backup copies what it points to, and records the link to put it back.
          type: bool
          sample: true
        refused:
          description: Why it is not safe to follow (a backup then refuses before copying anything); null when safe.
          type: str
          sample: null
        size_bytes:
          description: Size of a followed file; null for the other types.
          type: int
          sample: null
        message:
          description: For a link that points nowhere, a sentence saying so; null otherwise.
          type: str
          sample: null
    app_links_refused:
      description: >-
        One sentence naming every refused link, what was done and what to do next; empty when none is refused or
        O(links=false).
      returned: success
      type: str
      sample: ""
    writable:
      description: >-
        Whether the web server can write where SIPP writes (with O(writable=true); null otherwise), as
        RV(pengadilan.sipp.sipp_snapshot#module:writable) says it.
      returned: success
      type: dict
    app_size_bytes:
      description: Total size of the application folder, uploads included; null when O(gather_sizes=false).
      returned: success
      type: int
      sample: 13958643712
    disk:
      description: The filesystem holding the application folder.
      returned: success
      type: dict
      contains:
        path:
          description: The path measured (the application folder).
          returned: success
          type: str
          sample: /var/www/html/SIPP
        free_bytes:
          description: Space available to non-root users (as C(df) shows).
          returned: success
          type: int
          sample: 53687091200
        total_bytes:
          description: Size of the filesystem.
          returned: success
          type: int
          sample: 107374182400
    maintenance:
      description: The maintenance switch.
      returned: success
      type: dict
      contains:
        site_offline:
          description: True when C(sys_config) id 6 (C(SiteOffline)) is C(1).
          returned: success
          type: bool
          sample: false
        message:
          description: C(sys_config) id 1 (C(OfflineMessage)).
          returned: success
          type: str
          sample: Situs ini sedang dalam perbaikan
    sync:
      description: State of synchronisation with the public SIPP web database (O(public_db_group)).
      returned: success
      type: dict
      contains:
        status:
          description: V(ok) (stamp read), V(unreachable) (cannot connect), V(unknown) (group missing or stamp
            unreadable; see RV(sipp.sync.error)).
          returned: success
          type: str
          sample: ok
        reachable:
          description: Whether the public database answered; null when no connection was tried.
          returned: success
          type: bool
          sample: true
        group:
          description: The C(database.php) group used.
          returned: success
          type: str
          sample: web
        host:
          description: Host of the public database (null when unknown).
          returned: success
          type: str
          sample: 10.1.2.3
        database:
          description: Name of the public database (null when unknown).
          returned: success
          type: str
          sample: sipp_web
        stamp:
          description: C(sys_sinkronisasi) row C('1') time stamp, ISO 8601 in the public server's time.
          returned: success
          type: str
          sample: "2025-06-30T14:05:00"
        age_seconds:
          description: The public server's C(NOW()) minus the stamp.
          returned: success
          type: int
          sample: 3600
        error:
          description: Why the status is not V(ok); null otherwise.
          returned: success
          type: str
          sample: null
    db_backend:
      description: Backend used for the database, V(pymysql) or V(cli).
      returned: success
      type: str
      sample: pymysql
    python_version:
      description: Version of the Python that ran the module on the server.
      returned: success
      type: str
      sample: 3.6.8
    previous_tree:
      description:
        - Where an upgrade from the court's version keeps the old application tree (what the downgrade puts back),
          and whether something is there already (left by an earlier upgrade from the same version). Null when the
          version is unknown.
        - Beside the application folder (C(<parent>/.<folder>.sipp-previous-<version>)); in the release layout the
          old release folder itself, which the switch leaves in place.
      returned: success
      type: dict
      contains:
        path:
          description: The old tree's path after a switch.
          type: str
        exists:
          description: Something is at that path now.
          type: bool
      sample: {"path": "/var/www/html/.SIPP.sipp-previous-5.1.0", "exists": false}
    tools:
      description: Programs the backup needs that the server has (found on its PATH or in the usual folders).
      returned: success
      type: dict
      contains:
        zstd:
          description: C(zstd) is there (dumps are compressed with it; else with gzip).
          type: bool
        rsync:
          description: C(rsync) is there (the application folder is copied with it).
          type: bool
      sample: {"zstd": false, "rsync": true}
    clock:
      description:
        - The court's clock against O(controller_time), read when the module started; null without it.
        - C(court) and C(controller) are ISO 8601 times, C(skew_seconds) is positive when the court's clock is
          ahead, C(skewed) is true beyond O(clock_tolerance), and C(text) says so for people (empty otherwise).
      returned: success
      type: dict
      sample: {court: "2026-12-03T10:35:05+07:00", controller: "2026-12-06T10:35:04+07:00",
               skew_seconds: -259199, skewed: true, tolerance_seconds: 300, text: "Jam server ..."}
'''

import os
import platform
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_common import (
    clock_argument_spec, clock_report, disk_usage, folder_size, MESSAGES as COMMON_MESSAGES)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_db import (
    SippDbError, describe_target, find_program)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_links import (
    find_links, refused_text, release_of, render)
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_site import SiteError, on_site, site_argument_spec
from ansible_collections.pengadilan.sipp.plugins.module_utils import sipp_writable
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_names import kept_tree

COURT_ROWS = (
    ('nama', 62), ('kode_pn', 61), ('kode_satker', 82), ('idpn', 81), ('nama_pt', 76), ('jenis_pengadilan', 83))


def _sync_info(module, site):
    lang = site.language
    group = module.params['public_db_group']
    info = dict(status='unknown', reachable=None, group=group, host=None, database=None, stamp=None,
                age_seconds=None, error=None)
    if group not in site.config.groups:
        info['error'] = COMMON_MESSAGES.text(lang, 'sync_group_missing', group=group)
        return info
    try:
        params = site.public_params(group)
    except SiteError as exc:
        info['error'] = exc.text
        return info
    info['host'] = params['host'] if not params.get('unix_socket') else 'localhost'
    info['database'] = params.get('database')
    try:
        conn = site.public_connect(group)
    except SiteError as exc:
        info['status'] = 'unreachable'
        info['reachable'] = False
        info['error'] = COMMON_MESSAGES.text(lang, 'sync_unreachable',
                                             target=exc.params.get('target') or describe_target(params),
                                             error=exc.cause)
        return info
    info['reachable'] = True
    try:
        row = conn.query_one(
            "SELECT time_stamp AS stamp, TIMESTAMPDIFF(SECOND, time_stamp, NOW()) AS age "
            "FROM sys_sinkronisasi WHERE id = '1'")
    except SippDbError as exc:
        info['error'] = COMMON_MESSAGES.text(lang, 'sync_query_failed', error=exc.cause)
        return info
    finally:
        conn.close()
    if not row or not row.get('stamp'):
        info['error'] = COMMON_MESSAGES.text(lang, 'sync_row_missing')
        return info
    info['status'] = 'ok'
    info['stamp'] = row['stamp'].replace(' ', 'T')
    info['age_seconds'] = int(row['age']) if row.get('age') not in (None, '') else None
    return info


def _gather(module, site):
    conn = site.conn
    params = site.params
    path = site.path
    rows = conn.query('SELECT id, value FROM sys_config WHERE id IN (1, 6, 61, 62, 76, 80, 81, 82, 83)')
    cfg = dict((int(r['id']), r['value']) for r in rows)

    db_name = params.get('database') or conn.query_value('SELECT DATABASE()')
    stats = conn.query_one(
        "SELECT COALESCE(SUM(data_length + index_length), 0) AS size_bytes, "
        "COALESCE(SUM(table_type = 'BASE TABLE'), 0) AS tables "
        "FROM information_schema.TABLES WHERE table_schema = %s", (db_name,)) or {}
    charset = conn.query_value(
        'SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s', (db_name,))

    uploads_path = os.path.join(path, 'resources', 'file')
    uploads = dict(path=uploads_path, exists=os.path.isdir(uploads_path), size_bytes=None, files=None)
    app_size = None
    if module.params['gather_sizes']:
        uploads['size_bytes'], uploads['files'] = folder_size(uploads_path)
        app_size = folder_size(path)[0]
    links = refused = None
    if module.params['links']:
        links = render(site.language, find_links(path, module.params['backup_dir']))
        refused = refused_text(site.language, path, links)

    writable = sipp_writable.report(path, module.params)
    release = release_of(path)
    previous = kept_tree(path, site.version) if site.version else None
    return dict(
        app_path=path,
        app_folder=os.path.basename(path.rstrip(os.sep)),
        app_release=dict(link=release['target'], release=release['release']) if release else None,
        previous_tree=dict(path=previous, exists=os.path.lexists(previous)) if previous else None,
        app_candidates=site.candidates,
        config_file=site.config_file,
        version=site.version,
        court=dict((name, cfg.get(row_id)) for name, row_id in COURT_ROWS),
        database=dict(
            name=db_name,
            group=site.group,
            host=params['host'],
            port=None if params.get('unix_socket') else params['port'],
            socket=params.get('unix_socket'),
            user=params.get('user'),
            size_bytes=int(float(stats.get('size_bytes') or 0)),
            tables=int(float(stats.get('tables') or 0)),
            charset=charset,
            client_charset=params.get('charset'),
            server_version=conn.server_version,
        ),
        uploads=uploads,
        app_links=links,
        app_links_refused=refused or '',
        app_size_bytes=app_size,
        writable=writable,
        disk=disk_usage(path),
        maintenance=dict(site_offline=(cfg.get(6) or '').strip() == '1', message=cfg.get(1)),
        sync=_sync_info(module, site),
        db_backend=conn.backend,
        python_version=platform.python_version(),
        # the same search as the dump's compressor
        tools=dict((name, bool(find_program([name], module))) for name in ('zstd', 'rsync')),
    )


def run_module(module):
    started = time.time()
    sipp, language = on_site(module, lambda site: (_gather(module, site), site.language))
    for link in sipp['app_links'] or []:
        if link['message']:
            module.warn(link['message'])
    sipp['clock'] = clock_report(language, module.params['controller_time'], module.params['clock_tolerance'],
                                 now=started)
    return sipp


def main():
    argument_spec = site_argument_spec()
    argument_spec.update(
        public_db_group=dict(type='str', default='web'),
        gather_sizes=dict(type='bool', default=True),
        links=dict(type='bool', default=False),
        backup_dir=dict(type='path'),
        **sipp_writable.argument_spec()
    )
    argument_spec.update(clock_argument_spec())
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    sipp = run_module(module)
    module.exit_json(changed=False, sipp=sipp)


if __name__ == '__main__':
    main()
