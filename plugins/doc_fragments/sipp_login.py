# -*- coding: utf-8 -*-
# Copyright: contributors to pengadilan.sipp
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # Shared login options of pengadilan.sipp modules (plugins/module_utils/sipp_db.py sipp_login_argument_spec).
    DOCUMENTATION = r'''
options:
  login_host:
    description:
      - Database host. Overrides C(hostname) of the C(application/config/database.php) group in use.
      - C(localhost) means the local unix socket, as in CodeIgniter (see O(login_unix_socket)); any other
        host is reached over TCP on O(login_port).
    type: str
  login_port:
    description:
      - TCP port of the database server. Overrides C(port) of database.php; default 3306 when neither gives one.
    type: int
  login_user:
    description:
      - Database user. Overrides C(username) of database.php.
    type: str
  login_password:
    description:
      - Database password. Overrides C(password) of database.php.
      - Never logged, never returned. The command-line client backend receives it only through a temporary
        option file (mode 0600) that is removed after each query.
    type: str
  login_unix_socket:
    description:
      - Unix socket of the database server, used when the host is C(localhost).
      - When not given, the first existing of C(/run/mysqld/mysqld.sock), C(/var/run/mysqld/mysqld.sock),
        C(/var/lib/mysql/mysql.sock), C(/tmp/mysql.sock) is used; when none exists, TCP to 127.0.0.1.
    type: str
  login_db:
    description:
      - Database (schema) name. Overrides C(database) of database.php.
    type: str
  connect_timeout:
    description:
      - Seconds to wait for the database server to answer a connection.
    type: int
    default: 10
  connect_wait:
    description:
      - Seconds to keep trying when the database server does not answer at all (no socket, nothing listening, the
        connection lost while it starts), as a server that crashed and is being started again by its service
        manager. Quick tries first (0.25 s, doubling up to 5 s). A refused login is never waited for.
      - V(0) tries once. The upgrade playbook waits (C(sipp_campaign_db_wait)) once SIPP is offline for the upgrade,
        the rollback role always (C(sipp_rollback_db_wait)).
    type: int
    default: 0
  db_client_backend:
    description:
      - How to talk to the database.
      - V(auto) uses PyMySQL when the managed host's Python can import it, else the C(mariadb)/C(mysql)
        command-line client (CentOS 7 servers usually lack PyMySQL).
      - V(pymysql) requires PyMySQL; V(cli) always uses the command-line client.
    type: str
    choices: [auto, pymysql, cli]
    default: auto
notes:
  - Values given with the login options override those read from C(application/config/database.php);
    each option overrides only its own value.
  - Both backends return the same results; with the command-line client no credential ever appears on a
    command line or in the environment.
'''
