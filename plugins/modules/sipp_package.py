#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: sipp_package
short_description: Verify a SIPP upgrade package on the court server before anything changes (read-only)
version_added: "0.1.0"
description:
  - Verifies a SIPP upgrade package (C(sipp-<from>-<to>.zip), format 1) where it lies on the managed host, and
    returns its manifest. Nothing is extracted, written or deleted; the result is the same in check mode.
  - "The checks, in this order: the zip's sha256 equals its C(.sha256) file (or O(checksum)); the zip opens, with
    no duplicate or encrypted entry; every entry name is a safe relative path (no leading C(/), drive letter,
    backslash, NUL, empty, C(.) or C(..) segment, nothing resolving outside its folder); every entry is a regular
    file or a plain empty directory (its Unix mode in C(external_attr)); entries are only C(manifest.json), C(app/...)
    and C(sql/...); C(manifest.json) is valid JSON of format 1 with every key and type; the version goes forward and
    matches O(current_version) and O(target_version); the package neither writes nor deletes
    C(application/config/config.php) or C(application/config/database.php); the C(app/) and C(sql/) entries are
    exactly those the manifest lists; every entry is read whole (CRC checked) and its sha256 equals the manifest's."
  - Entries are streamed in chunks of 1 MiB, so packages of hundreds of megabytes need little memory; each byte of
    the zip is read twice (its sha256, then its entries).
  - A refusal fails the task with a message (what happened, that nothing was changed, what to do next) and a
    machine-readable RV(problem) code, so a playbook can branch on it.
  - "Verifying a chain: a court more than one version behind applies several packages in order. Loop over the
    packages with O(current_version) set to the previous package's C(to_version), starting at the court's version
    (see EXAMPLES); or verify each package alone and compare the registered C(from_version)/C(to_version) values.
    Other code of the collection applies the same rule with the function C(check_chain) of the module_utils
    C(sipp_package).
    The package format is described in C(docs/upgrade-package.md) of the collection's source."
author:
  - Tim Infrastruktur SIPP Pengadilan (!UNKNOWN)
options:
  path:
    description:
      - The package (zip file) on the managed host.
    type: path
    required: true
  checksum_file:
    description:
      - The package's checksum file in C(sha256sum) format (C(<64 hex>  <file name>)). Default C(<path>.sha256).
      - A file of several lines is searched for the package's file name; a file of one line is used whatever name
        it lists (with a warning when the name differs).
      - Mutually exclusive with O(checksum).
    type: path
  checksum:
    description:
      - The package's expected sha256 given directly (64 hexadecimal characters, C(sha256:) prefix allowed),
        instead of a checksum file.
      - Mutually exclusive with O(checksum_file).
    type: str
  current_version:
    description:
      - The version the court runs now (C(sys_config) id 80, as M(pengadilan.sipp.sipp_info) reports it in
        C(sipp.version)). The package's C(from_version) must equal it, otherwise RV(problem=from_version_mismatch).
      - When omitted, the package is verified on its own (its version must still go forward).
    type: str
  target_version:
    description:
      - The version the upgrade must lead to. The package's C(to_version) must equal it, otherwise
        RV(problem=target_mismatch).
    type: str
extends_documentation_fragment:
  - pengadilan.sipp.sipp_language
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Read-only; check mode runs the same checks and returns the same result.
  diff_mode:
    support: none
  platform:
    platforms: posix
  idempotent:
    description: Running the module again with the same options gives the same result.
    support: full
    details: Never changes anything; C(changed) is always false.
notes:
  - Runs on the managed host with its own Python (3.6 or later, standard library only). Copy the package and its
    C(.sha256) to the court first, e.g. with M(ansible.builtin.copy) into C(/var/backups/sipp/paket).
  - "Problem codes of a refusal: C(package_missing), C(invalid_option), C(checksum_missing), C(checksum_mismatch),
    C(bad_archive), C(manifest_missing), C(manifest_invalid), C(path_escape), C(symlink_entry), C(unexpected_entry),
    C(unlisted_file), C(missing_file), C(file_checksum), C(migration_checksum), C(protected_path),
    C(version_order), C(from_version_mismatch), C(target_mismatch)."
  - A package passing this check can still fail later (a migration that stops halfway, a PHP error, a version row
    not updated); the upgrade role's migration runner and verification catch those.
seealso:
  - module: pengadilan.sipp.sipp_info
'''

EXAMPLES = r'''
- name: Verify the package copied to the court
  pengadilan.sipp.sipp_package:
    path: /var/backups/sipp/paket/sipp-5.1.0-5.2.0.zip
  register: sipp_pkg

- name: Tell whether the high court's IT admin must assist
  ansible.builtin.debug:
    msg: >-
      {{ sipp_pkg.package.from_version }} -> {{ sipp_pkg.package.to_version }}:
      {{ 'menunggu pendampingan Admin TI PT' if sipp_pkg.package.requires_assistance else 'mandiri' }}

- name: Check against the court's version and the target, checksum given directly, English messages
  pengadilan.sipp.sipp_package:
    path: /var/backups/sipp/paket/sipp-5.2.0-5.2.1.zip
    checksum: 47e944b041197bde52d341abd8598833e864a3a65355a8a18012affd93cf1d1d
    current_version: "{{ sipp_facts.sipp.version }}"
    target_version: 5.2.1
    language: en

- name: Branch on the reason of a refusal
  pengadilan.sipp.sipp_package:
    path: /var/backups/sipp/paket/sipp-5.2.1-5.3.0.zip
    current_version: "{{ sipp_facts.sipp.version }}"
  register: sipp_pkg
  failed_when: false

- name: Skip the court when the package is for another version
  ansible.builtin.meta: end_host
  when: sipp_pkg.problem | default('') == 'from_version_mismatch'

# A chain of packages, in order, each checked against the version the previous one leads to.
# tasks/verify_chain.yml:
- name: Start the chain at the court's version
  ansible.builtin.set_fact:
    __sipp_chain_version: "{{ sipp_facts.sipp.version }}"
    __sipp_chain_packages: []

- name: Verify each package of the chain
  ansible.builtin.include_tasks: verify_one.yml
  loop:
    - /var/backups/sipp/paket/sipp-5.1.0-5.2.0.zip
    - /var/backups/sipp/paket/sipp-5.2.0-5.2.1.zip
    - /var/backups/sipp/paket/sipp-5.2.1-5.3.0.zip
  loop_control:
    loop_var: __sipp_chain_path

# tasks/verify_one.yml:
- name: Verify one package of the chain
  pengadilan.sipp.sipp_package:
    path: "{{ __sipp_chain_path }}"
    current_version: "{{ __sipp_chain_version }}"
  register: __sipp_chain_one

- name: The next package must start where this one ends
  ansible.builtin.set_fact:
    __sipp_chain_version: "{{ __sipp_chain_one.package.to_version }}"
    __sipp_chain_packages: "{{ __sipp_chain_packages + [__sipp_chain_one.package] }}"

# Or: verify each package alone in one loop, then assert the chain on the registered results.
- name: Verify every package
  pengadilan.sipp.sipp_package:
    path: "{{ item }}"
  loop: "{{ sipp_packages }}"
  register: sipp_pkgs

- name: Each package starts where the previous one ends, the first at the court's version
  ansible.builtin.assert:
    that:
      - (sipp_pkgs.results | map(attribute='package.from_version') | list)
        == ([sipp_facts.sipp.version] + (sipp_pkgs.results | map(attribute='package.to_version') | list))[:-1]
    fail_msg: Urutan paket tidak bersambung dengan versi pengadilan ini. Tidak ada yang diubah.
'''

RETURN = r'''
package:
  description: The verified package and its manifest.
  returned: success
  type: dict
  contains:
    path:
      description: The package's path on the managed host.
      returned: success
      type: str
      sample: /var/backups/sipp/paket/sipp-5.1.0-5.2.0.zip
    name:
      description: Its file name (informational; C(manifest.json) is authoritative).
      returned: success
      type: str
      sample: sipp-5.1.0-5.2.0.zip
    sha256:
      description: sha256 of the zip's bytes (equal to its C(.sha256) or O(checksum)).
      returned: success
      type: str
      sample: a9b633b7d9066dddeeff025b5d3a35f02d5e5f7ffabc08df292b48dfac512a14
    size_bytes:
      description: Size of the zip file.
      returned: success
      type: int
      sample: 5417
    checksum_file:
      description: The checksum file used; null when O(checksum) was given.
      returned: success
      type: str
      sample: /var/backups/sipp/paket/sipp-5.1.0-5.2.0.zip.sha256
    format:
      description: Package format (always 1).
      returned: success
      type: int
      sample: 1
    from_version:
      description: The version a court must run to apply this package.
      returned: success
      type: str
      sample: 5.1.0
    to_version:
      description: The version after the upgrade.
      returned: success
      type: str
      sample: 5.2.0
    release_date:
      description: Release date (C(YYYY-MM-DD)); null when the manifest has none.
      returned: success
      type: str
      sample: "2024-04-22"
    requires_assistance:
      description: >-
        True when the package changes the database (it has migrations), whatever the manifest says, and when the
        manifest itself asks for assistance: SATGAS SIPP or the high court's IT admin must assist.
      returned: success
      type: bool
      sample: true
    mandiri:
      description: The court may upgrade alone (not RV(package.requires_assistance)).
      returned: success
      type: bool
      sample: false
    migrations:
      description: The SQL migrations, in the order they run (file names relative to C(sql/)).
      returned: success
      type: list
      elements: dict
      contains:
        file:
          description: File name under C(sql/).
          type: str
        sha256:
          description: sha256 of the file, verified.
          type: str
      sample: [{file: 001_jadwal_sidang.sql, sha256: c9aef2164e8cd58288993d7d7e0c81e1f45b5486e1f39d41c3b4636193388767}]
    files:
      description: Number of application files the package writes.
      returned: success
      type: int
      sample: 3
    file_list:
      description: The application files it writes, relative to the application folder, sorted.
      returned: success
      type: list
      elements: str
      sample: [application/config/constants.php, application/models/Perkara_model.php]
    delete:
      description: Paths relative to the application folder the package removes after writing its files.
      returned: success
      type: list
      elements: str
      sample: [resources/js/jquery.placeholder.min.js]
    tables_changed:
      description: Tables and views the migrations change (back them up before migrating).
      returned: success
      type: list
      elements: str
      sample: [perkara_jadwal_sidang, perkara_putusan, v_perkara_dashboard, sys_config]
    release_notes:
      description: Release notes (Bahasa Indonesia), for the report.
      returned: success
      type: str
      sample: "SIPP versi 5.2.0: ..."
    total_uncompressed_bytes:
      description: Bytes of all entries once extracted (for the disk space estimate).
      returned: success
      type: int
      sample: 23817
problem:
  description: >-
    Why the package was refused: one of C(package_missing), C(invalid_option), C(checksum_missing),
    C(checksum_mismatch), C(bad_archive), C(manifest_missing), C(manifest_invalid), C(path_escape), C(symlink_entry),
    C(unexpected_entry), C(unlisted_file), C(missing_file), C(file_checksum), C(migration_checksum),
    C(protected_path), C(version_order), C(from_version_mismatch), C(target_mismatch).
  returned: failure
  type: str
  sample: file_checksum
details:
  description: >-
    Machine-readable values of the refusal: always C(path) (the package as given), and as the problem has them
    C(name), C(entry), C(expected), C(actual), C(files) (every file concerned), C(from_version), C(to_version),
    C(current_version), C(target_version), C(reason), C(kind), C(mode), C(checksum_file), C(error).
  returned: failure
  type: dict
  sample: {path: /var/backups/sipp/paket/sipp-5.0.0-5.1.0.zip, name: sipp-5.0.0-5.1.0.zip,
           entry: application/models/Perkara_model.php, expected: 3f0c..., actual: 9a1b...,
           files: [application/models/Perkara_model.php]}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_messages import language_argument_spec
from ansible_collections.pengadilan.sipp.plugins.module_utils.sipp_package import (
    MESSAGES, PackageError, is_version, verify_package)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            checksum_file=dict(type='path'),
            checksum=dict(type='str'),
            current_version=dict(type='str'),
            target_version=dict(type='str'),
            **language_argument_spec()
        ),
        mutually_exclusive=[('checksum', 'checksum_file')],
        supports_check_mode=True,
    )
    params = module.params
    lang = params['language']
    path = params['path']

    for option in ('current_version', 'target_version'):
        value = params[option]
        if value is not None and not is_version(value):
            module.fail_json(msg=MESSAGES.text(lang, 'version_option_invalid', option=option, value=value),
                             problem='invalid_option', details=dict(option=option, value=value, path=path),
                             changed=False)

    try:
        package = verify_package(path, checksum=params['checksum'], checksum_file=params['checksum_file'],
                                 current_version=params['current_version'],
                                 target_version=params['target_version'])
    except PackageError as exc:
        details = dict(exc.params)
        details['path'] = path
        module.fail_json(msg=exc.render(lang), problem=exc.problem, details=details,
                         changed=False)

    for key, warning_params in package.pop('warnings'):
        module.warn(MESSAGES.text(lang, key, **warning_params))
    package.pop('manifest')
    module.exit_json(changed=False, package=package)


if __name__ == '__main__':
    main()
