# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # Whether the web server can write where SIPP writes (plugins/module_utils/sipp_writable.py argument_spec).
    DOCUMENTATION = r'''
options:
  writable:
    description:
      - Check that the web server can write where SIPP writes (O(write_folders)), as its user (O(web_user)), by each
        folder's owner, group and mode, and where SELinux is on by the folder's context (a type httpd may write to,
        such as C(httpd_sys_rw_content_t)). The answer is the return value C(writable) (C(sipp.writable) of
        sipp_info).
    type: bool
    default: false
  web_user:
    description:
      - The user the web server writes as, for O(writable). Empty (the default) is the user of the running web
        server's workers (httpd, apache2, nginx, php-fpm, lighttpd, PHP's built-in server); when none runs, nothing
        is checked (C(checked) false).
    type: str
    default: ""
  write_folders:
    description: The folders SIPP writes to, relative to the application folder, for O(writable) (those that exist).
    type: list
    elements: str
    default: [application/cache, application/logs, resources/file]
'''
