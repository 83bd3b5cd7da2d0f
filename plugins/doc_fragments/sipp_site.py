# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # How a pengadilan.sipp module reaches the court's SIPP (plugins/module_utils/sipp_site.py site_argument_spec).
    # Use together with pengadilan.sipp.sipp_login.
    DOCUMENTATION = r'''
options:
  app_path:
    description:
      - The SIPP application folder. When given, no other folder is considered.
      - When not given, every folder found in O(search_paths) (each path itself and its direct sub-folders, hidden
        ones excepted) that holds C(index.php), C(system/) and C(application/config/database.php) is tried, names starting with
        C(SIPP) (any case) first, then in the order of O(search_paths), then by name; the first whose database
        answers with a SIPP version (C(sys_config) id 80) is used, and a warning lists the others.
    type: path
  search_paths:
    description:
      - Folders searched for the SIPP application folder when O(app_path) is not given.
    type: list
    elements: path
    default: [/var/www/html, /var/www, /srv/www, /opt/lampp/htdocs]
  db_group:
    description:
      - The group of C(application/config/database.php) holding SIPP's own database. Default is the file's
        C($active_group) (C(default) when the file sets none).
    type: str
notes:
  - The module reads C(application/config/database.php), usually readable by root only, so use C(become) when
    connecting as another user. The database password is never returned nor logged.
'''
