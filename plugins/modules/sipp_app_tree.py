#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_app_tree
short_description: Prepare the new SIPP application tree beside the live one, switch it in atomically, switch back
version_added: "0.1.0"
description:
  - SOP steps 5 (application files) and 8 (downgrade of the files) of "Up-Grade Aplikasi SIPP", the ansistrano way
    - the new tree is prepared beside the live folder and switched in with one atomic rename, so the old tree stays
    whole until the switch and can be switched back in one step.
  - "O(state=prepared): builds C(<parent>/.<folder>.sipp-<to_version>) (O(staging)). Every file of the live tree is
    hard-linked there (not copied; directories recreated with their modes and owners, symbolic links recreated as
    links); then each package file is written to a temporary name and renamed over its path, so the link to the
    live file is replaced and the live file is never written through; then the manifest's C(delete) entries are
    removed. The court's C(application/config/config.php), C(application/config/database.php) and the uploads
    (O(keep), default C(resources/file)) stay links to the live files. Written files get mode 0644 (new folders 0755)
    and the owner and group of the live folder, never the modes or times stored in the zip. Where SELinux is on,
    every path of the new tree gets the context of the same path in the live tree (a new path its folder's), so the
    web server still writes its cache, logs and uploads (C(httpd_sys_rw_content_t)) once it is switched in. What was written and
    removed is recorded in C(<staging>/.sipp-tree.json) (root, 0600, so the web server cannot read it)."
  - "The package must have been verified with M(pengadilan.sipp.sipp_package); every entry is checked again as it is
    written: safe relative name, a regular file (no symlink or special entry), only C(manifest.json), C(app/) and
    C(sql/), nothing protected or under O(keep), C(app/) entries exactly the manifest's files, the sha256 of the bytes
    written equal to the manifest's, and no folder on the way inside the staging tree that is a symbolic link. A
    refusal removes the staging folder; nothing outside it is ever written."
  - "A complete staging folder for the same package (same sha256) that still mirrors the live tree is reused
    (C(changed=false)); an incomplete or outdated one is rebuilt. A folder of that name without a valid record is
    never removed: the module refuses."
  - "O(state=switched): makes the staging tree live and keeps the old tree whole at O(previous) (default
    C(<parent>/.<folder>.sipp-previous-<from_version>)). On Linux 3.15 or later the two folders are swapped with one
    C(renameat2(RENAME_EXCHANGE)) call (through libc's C(renameat2), or the raw system call 316 on x86_64 / 276 on
    aarch64 where libc lacks it, e.g. CentOS 7's glibc 2.17), then the old tree is renamed to O(previous). Where the
    kernel or the file system cannot exchange (CentOS 7's 3.10 kernel), two renames are used instead (live ->
    previous, staging -> live): the application folder is then missing for an instant, which is harmless while SIPP
    is in maintenance. The switch is refused when the live tree changed after the staging folder was prepared (e.g.
    a document uploaded since), because those changes would be lost: prepare again first."
  - "O(state=restored): the downgrade of the files. Swaps O(previous) back in the same way; the failed tree is kept
    aside as C(<parent>/.<folder>.sipp-failed-<YYYYmmdd-HHMMSS>) for inspection, or removed with
    O(remove_failed=true). A journal C(<parent>/.<folder>.sipp-restored.json) (root, 0600) makes a rerun harmless."
  - "O(state=cleaned): removes the trees named in O(remove), and the old trees switches from the versions in
    O(remove_kept) kept; only paths directly beside O(app_path) whose name starts with C(.<folder>.sipp-) are
    accepted, anything else is refused before anything is removed."
  - "The release layout (as ansistrano keeps releases): when O(app_path) is a symbolic link to a release folder
    (C(/var/www/html/SIPP -> /srv/sipp-rilis/SIPP-5.1.0)), the module keeps that layout. Its trees live beside the
    release folders (same file system), still named after O(app_path) (C(/srv/sipp-rilis/.SIPP.sipp-5.2.0)).
    O(state=switched) renames the staging tree to a new release folder beside the old one (the old name with the
    old version replaced by the new one, C(SIPP-5.2.0), else C(<old name>-<to_version>)) and points the link at it
    atomically (a new link renamed over it, written absolute or relative as the old one was); the old release stays
    where it is, untouched, and is the previous tree (method C(link)). A folder of the new release's name that the
    module did not make is refused before anything changes. O(state=restored) points the link back at O(previous)
    (the old release) atomically, keeps the failed release aside as C(.<folder>.sipp-failed-<time>) (closed) or
    removes it, and removes the releases made in between."
  - Trees that are not live (staging, previous, failed) are closed (owner root, mode 0700) so the web server does not
    serve them from the document root; the tree made live gets the live folder's mode and owner.
  - A run stopped halfway (power cut, lost connection) is completed by running the module again with the same
    options; the steps already done are recognised from the records.
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  state:
    description:
      - V(prepared) builds the staging tree, V(switched) makes it live, V(restored) switches the previous tree
        back, V(cleaned) removes trees beside the live folder.
    type: str
    choices: [prepared, switched, restored, cleaned]
    required: true
  app_path:
    description:
      - The live SIPP application folder, e.g. C(/var/www/html/SIPP) (as M(pengadilan.sipp.sipp_info) reports it).
        It must be a real folder, not a symbolic link, on the same file system as its parent.
    type: path
    required: true
  package:
    description:
      - The upgrade package (zip) on the managed host, already verified with M(pengadilan.sipp.sipp_package).
      - Required with O(state=prepared). With O(state=switched) it may name the package instead of O(staging)
        (the default staging name is taken from its manifest).
    type: path
  staging:
    description:
      - The staging folder. Default C(<parent>/.<folder>.sipp-<to_version>). Must be directly beside O(app_path)
        and named C(.<folder>.sipp-...).
      - With O(state=switched), required unless O(package) is given.
    type: path
  previous:
    description:
      - Where the old tree is kept by O(state=switched) (default C(<parent>/.<folder>.sipp-previous-<from_version>)),
        and the tree O(state=restored) switches back in (required there; use the RV(previous) value returned by the
        switch). Must be directly beside O(app_path) and named C(.<folder>.sipp-...). An existing folder is never
        overwritten.
    type: path
  keep:
    description:
      - Folders, relative to O(app_path), whose content always comes from the live tree (the court's uploads). A
        package that writes or deletes anything under them is refused.
    type: list
    elements: str
    default: [resources/file]
  remove_failed:
    description:
      - With O(state=restored), remove the failed tree instead of keeping it as C(.<folder>.sipp-failed-<time>).
    type: bool
    default: false
  remove:
    description:
      - With O(state=cleaned), the trees to remove (staging, previous or failed trees beside O(app_path), or the
        restore journal). Paths that do not exist are fine.
    type: list
    elements: path
    default: []
  remove_kept:
    description:
      - With O(state=cleaned), versions whose kept trees are removed too (C(.<folder>.sipp-previous-<version>) where
        O(state=switched) keeps them), so that a caller never builds those names itself.
    type: list
    elements: str
    default: []
  switch_method:
    description:
      - V(auto) swaps with C(renameat2(RENAME_EXCHANGE)) where available and falls back to two renames; V(rename)
        always uses the two renames (for file systems whose exchange is unreliable, and for tests).
    type: str
    choices: [auto, rename]
    default: auto
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - pengadilan.sipp.sipp_lock
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: >-
      Nothing is written. V(prepared) still reads and checks every package entry (its sha256) and predicts the
      counts; V(switched) and V(restored) check every precondition and predict the method; V(cleaned) lists what
      would go.
  diff_mode:
    support: none
  platform:
    platforms: posix
  idempotent:
    description: Running the module again with the same options changes nothing more.
    support: full
    details: >-
      A complete staging folder of the same package is reused, an applied switch or restore is recognised, a removed
      tree stays removed: C(changed=false) on the rerun.
notes:
  - Runs on the managed host as root (hard links and owners), Python 3.6 or later, standard library only.
  - The folders beside the live one need about the size of the package's files in free space (the rest are links).
  - "Problem codes of a failure: C(invalid_option), C(app_missing), C(cross_device), C(upload_path),
    C(staging_foreign), C(unsafe_target), C(file_checksum), C(bad_archive), C(write_failed), C(staging_missing),
    C(staging_incomplete), C(staging_stale), C(staging_other), C(previous_exists), C(switch_failed),
    C(previous_missing), C(restore_failed), C(not_removable), C(remove_failed), and the codes of
    M(pengadilan.sipp.sipp_package) for a package refused before anything was written (C(path_escape),
    C(symlink_entry), C(protected_path), ...)."
seealso:
  - module: pengadilan.sipp.sipp_package
  - module: pengadilan.sipp.sipp_maintenance
'''

EXAMPLES = r'''
- name: Prepare SIPP 5.2.0 beside the live folder
  pengadilan.sipp.sipp_app_tree:
    state: prepared
    app_path: /var/www/html/SIPP
    package: /var/backups/sipp/paket/sipp-5.1.0-5.2.0.zip
  register: sipp_tree

- name: Switch it in (after the migrations ran)
  pengadilan.sipp.sipp_app_tree:
    state: switched
    app_path: /var/www/html/SIPP
    staging: "{{ sipp_tree.staging }}"
  register: sipp_switch

- name: Downgrade the files (the verification failed)
  pengadilan.sipp.sipp_app_tree:
    state: restored
    app_path: /var/www/html/SIPP
    previous: "{{ sipp_switch.previous }}"

- name: Once the upgrade is verified, remove the old tree
  pengadilan.sipp.sipp_app_tree:
    state: cleaned
    app_path: /var/www/html/SIPP
    remove:
      - "{{ sipp_switch.previous }}"
'''

RETURN = r'''
staging:
  description: The staging folder.
  returned: state is prepared or switched
  type: str
  sample: /var/www/html/.SIPP.sipp-5.2.0
files_written:
  description: Package files written into the staging tree.
  returned: state is prepared
  type: int
  sample: 7
files_deleted:
  description: Paths of the manifest's C(delete) list that existed and were removed from the staging tree.
  returned: state is prepared
  type: int
  sample: 1
files_linked:
  description: Files (and symbolic links) of the live tree that the staging tree shares as hard links.
  returned: state is prepared
  type: int
  sample: 1523
bytes_written:
  description: Bytes written (the package's files); the rest costs no space.
  returned: state is prepared
  type: int
  sample: 23817
selinux_relabelled:
  description: >-
    Paths of the staging tree given the SELinux context of the same path in the live tree (a new path its folder's);
    0 where SELinux is off or absent.
  returned: state is prepared and the staging tree was built
  type: int
  sample: 42
reused:
  description: True when a complete staging folder of the same package was found and kept.
  returned: state is prepared
  type: bool
  sample: false
from_version:
  description: The version of the live tree before the upgrade.
  returned: state is prepared or switched
  type: str
  sample: 5.1.0
to_version:
  description: The version of the staging tree.
  returned: state is prepared or switched
  type: str
  sample: 5.2.0
package_sha256:
  description: sha256 of the package the staging tree was built from (a staging tree is reused only for the same one).
  returned: state is prepared
  type: str
  sample: a9b633b7d9066dddeeff025b5d3a35f02d5e5f7ffabc08df292b48dfac512a14
record:
  description: The record of the staging tree (C(.sipp-tree.json)), also in the live tree after the switch.
  returned: state is prepared
  type: str
  sample: /var/www/html/.SIPP.sipp-5.2.0/.sipp-tree.json
method:
  description: >-
    How the trees were swapped, C(exchange) (one atomic call), C(rename) (two renames) or C(link) (the
    release layout, the link pointed at the other release folder).
  returned: state is switched or restored
  type: str
  sample: exchange
previous:
  description: Where the old tree is kept (switched), or the tree switched back in (restored).
  returned: state is switched or restored
  type: str
  sample: /var/www/html/.SIPP.sipp-previous-5.1.0
release:
  description: In the release layout, the new release folder the link now points to.
  returned: state is switched and O(app_path) is a link to a release folder
  type: str
  sample: /srv/sipp-rilis/SIPP-5.2.0
failed_tree:
  description: Where the failed tree is kept; null when it was removed (O(remove_failed)).
  returned: state is restored
  type: str
  sample: /var/www/html/.SIPP.sipp-failed-20261124-214501
removed:
  description: The paths removed (with O(state=restored) in the release layout, the releases made in between).
  returned: state is cleaned, or restored in the release layout
  type: list
  elements: str
  sample: [/var/www/html/.SIPP.sipp-previous-5.1.0]
problem:
  description: Why the module failed (see notes for the codes).
  returned: failure
  type: str
  sample: staging_stale
details:
  description: Machine-readable values of the failure (paths, entry, step, files concerned, ...).
  returned: failure
  type: dict
  sample: {staging: /var/www/html/.SIPP.sipp-5.2.0, app_path: /var/www/html/SIPP, count: 1}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import language_argument_spec
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_lock import keep_alive, lock_argument_spec
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_package import PackageError
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_files import clean_trees
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_messages import MESSAGES, TreeError, render, render_state
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_names import default_previous, default_staging
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_prepare import open_package, prepare_tree
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_tree_switch import restore_tree, switch_tree


def _staging_from_package(app_path, package):
    archive, manifest, _entries, _digest = open_package(package, keep=())
    archive.close()
    return default_staging(app_path, manifest['to_version'])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', required=True, choices=['prepared', 'switched', 'restored', 'cleaned']),
            app_path=dict(type='path', required=True),
            package=dict(type='path'),
            staging=dict(type='path'),
            previous=dict(type='path'),
            keep=dict(type='list', elements='str', default=['resources/file']),
            remove_failed=dict(type='bool', default=False),
            remove=dict(type='list', elements='path', default=[]),
            remove_kept=dict(type='list', elements='str', default=[]),
            switch_method=dict(type='str', default='auto', choices=['auto', 'rename']),
            **dict(lock_argument_spec(), **language_argument_spec())
        ),
        supports_check_mode=True,
    )
    # a copy of a large application folder keeps the run's lock alive while it runs
    keep_alive(module)
    p = module.params
    lang = p['language']
    state = p['state']
    check = module.check_mode

    def need(option):
        if not p[option]:
            module.fail_json(msg=MESSAGES.text(lang, 'option_required', option=option, state=state),
                             problem='invalid_option', details=dict(option=option, state=state), changed=False)

    try:
        if state == 'prepared':
            need('package')
            result = prepare_tree(p['app_path'], p['package'], staging=p['staging'],
                                  keep=tuple(k.strip('/') for k in p['keep'] if k.strip('/')), check_mode=check)
        elif state == 'switched':
            staging = p['staging']
            if not staging:
                need('package')
                staging = _staging_from_package(p['app_path'], p['package'])
            result = switch_tree(p['app_path'], staging, previous=p['previous'], method=p['switch_method'],
                                 check_mode=check)
        elif state == 'restored':
            need('previous')
            result = restore_tree(p['app_path'], p['previous'], remove_failed=p['remove_failed'],
                                  method=p['switch_method'], check_mode=check)
        else:
            kept = [default_previous(p['app_path'], version) for version in p['remove_kept']]
            result = clean_trees(p['app_path'], p['remove'] + kept, check_mode=check)
    except (TreeError, PackageError) as exc:
        details = dict(exc.params)
        if 'state' in details:
            details['state'] = render_state(lang, details['state'])
        module.fail_json(msg=render(lang, exc), problem=exc.problem, details=details,
                         changed=exc.problem in ('switch_failed', 'restore_failed', 'remove_failed'))

    for key, params in result.pop('warnings', []):
        module.warn(MESSAGES.text(lang, key, **params))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
