"""One MariaDB server of a simulated court (SIPP side or public side).

A server has a root folder laid out as on a real machine: `etc/mysql/my.cnf`, `var/lib/mysql`, `run/mysqld`.
`inside` is how the server itself sees that root: the same folder in local mode, `/` inside a court's mount
namespace in ssh mode. The simulator always reaches the server through the socket's path on the host.
"""
import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pymysql

from . import procs, servers

MYSQLD_SETTINGS = """\
skip-name-resolve
skip-log-bin
performance_schema = OFF
innodb_buffer_pool_size = 6M
innodb_log_file_size = 4M
innodb_log_buffer_size = 2M
innodb_use_native_aio = 0
innodb_temp_data_file_path = ibtmp1:1M:autoextend
innodb_undo_tablespaces = 0
key_buffer_size = 1M
aria_pagecache_buffer_size = 1M
max_connections = 30
table_open_cache = 200
thread_cache_size = 0
innodb_adaptive_hash_index = OFF
tmp_table_size = 1M
max_heap_table_size = 16M
sort_buffer_size = 256K
character-set-server = latin1
collation-server = latin1_swedish_ci
max_allowed_packet = 64M
"""


PROGRAMS = ("mariadbd", "mariadb-install-db", "mariadb")


def require_installed():
    """Fail with a clear message, not a FileNotFoundError from deep inside, when MariaDB is missing."""
    missing = [p for p in PROGRAMS if not shutil.which(p)]
    if missing:
        raise RuntimeError("MariaDB is needed but not found on PATH (missing: %s). Install it: "
                           "apt-get install mariadb-server mariadb-client" % ", ".join(missing))


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "sippsim"


def _install_db(datadir, cnf, build=None):
    datadir.mkdir(parents=True, exist_ok=True)
    prog = servers.programs(build)
    argv = [prog["install_db"] if prog else "mariadb-install-db", "--defaults-file=%s" % cnf,
            "--auth-root-authentication-method=normal", "--skip-test-db", "--user=root"]
    if prog:
        argv.append("--basedir=%s" % prog["basedir"])
    out = subprocess.run(argv, capture_output=True, text=True, env=prog["env"] if prog else None)
    if out.returncode != 0:
        raise RuntimeError("mariadb-install-db failed: %s" % (out.stderr or out.stdout)[-2000:])


def mariadb_version(build=None):
    """The server's version: the machine's MariaDB, or a build of sippsim/servers.py."""
    require_installed()
    prog = servers.programs(build)
    return subprocess.run([prog["mariadbd"] if prog else "mariadbd", "--version"], capture_output=True, text=True,
                          env=prog["env"] if prog else None).stdout.split()[2]


def template_datadir(build=None):
    """An initialised, empty datadir made once per server version and copied for every server (install-db is
    slow)."""
    ver = mariadb_version(build)
    tpl = cache_dir() / ("datadir-%s" % ver)
    if (tpl / ".complete").exists():
        return tpl
    tpl.parent.mkdir(parents=True, exist_ok=True)
    # One maker at a time: the courts of a region are built by threads of one process, and regions by several
    # processes (pytest workers, molecule). flock holds per open file, so it also keeps two threads apart.
    with open(tpl.with_name(tpl.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (tpl / ".complete").exists():
            return tpl
        work = tpl.with_name(tpl.name + ".tmp")
        shutil.rmtree(work, ignore_errors=True)
        (work / "data").mkdir(parents=True)
        cnf = work / "my.cnf"
        cnf.write_text("[mysqld]\ndatadir = %s\n%s" % (work / "data", MYSQLD_SETTINGS))
        _install_db(work / "data", cnf, build)
        (work / "data" / ".complete").touch()
        shutil.rmtree(tpl, ignore_errors=True)
        os.rename(work / "data", tpl)
        shutil.rmtree(work, ignore_errors=True)
    return tpl


class Server:
    """options: more [mysqld] settings ({"lock-wait-timeout": 60}), written after (so over) MYSQLD_SETTINGS."""

    def __init__(self, name, root, inside=None, port=3306, bind="127.0.0.1", wrap=(), options=None, build=None):
        """build: a server build of sippsim/servers.py (local mode only), else the machine's MariaDB."""
        self.build = build
        self.name = name
        self.root = Path(root)
        self.inside = str(inside if inside is not None else self.root).rstrip("/")
        self.port = port
        self.bind = bind
        self.wrap = list(wrap)
        self.options = dict(options or {})

    @classmethod
    @contextlib.contextmanager
    def scratch(cls, name="scratch", options=None):
        """A throwaway server on a free port, its root a short folder in /tmp (a unix socket path is limited to
        107 bytes), stopped and removed on exit. For tests."""
        root = tempfile.mkdtemp(prefix="sut", dir="/tmp")
        try:
            server = cls(name, root, port=procs.free_port(), options=options)
            server.create()
            rec = server.start(root)
            try:
                yield server
            finally:
                procs.stop(rec)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    # paths on the host
    @property
    def datadir(self):
        return self.root / "var/lib/mysql"

    @property
    def socket(self):
        return self.root / "run/mysqld/mysqld.sock"

    @property
    def cnf(self):
        return self.root / "etc/mysql/my.cnf"

    @property
    def log(self):
        return self.root / "var/log/mysql/error.log"

    def _in(self, rel):
        return "%s/%s" % (self.inside, rel)

    def create(self):
        """Lay out the folders, copy the template datadir and write my.cnf."""
        for d in ("var/lib", "run/mysqld", "etc/mysql", "var/log/mysql", "tmp"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "tmp", 0o1777)  # the server's own /tmp: no two servers share temporary files
        # empty the folder but keep it: in ssh mode it is already bind-mounted into the court by its inode
        self.datadir.mkdir(parents=True, exist_ok=True)
        for child in self.datadir.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
        shutil.copytree(template_datadir(self.build), self.datadir, symlinks=True, dirs_exist_ok=True)
        prog = servers.programs(self.build)
        (self.datadir / ".complete").unlink(missing_ok=True)
        self.cnf.write_text(
            "# MariaDB of %s (simulated)\n"
            "[client]\nsocket = %s\nport = %d\n\n"
            "[mysqld]\nuser = root\ndatadir = %s\nsocket = %s\npid-file = %s\nport = %d\nbind-address = %s\n"
            "log-error = %s\ntmpdir = %s\n%s%s%s"
            % (self.name, self._in("run/mysqld/mysqld.sock"), self.port, self._in("var/lib/mysql"),
               self._in("run/mysqld/mysqld.sock"), self._in("run/mysqld/mysqld.pid"), self.port, self.bind,
               self._in("var/log/mysql/error.log"), self._in("tmp"), MYSQLD_SETTINGS,
               "basedir = %s\n" % prog["basedir"] if prog else "",
               "".join("%s = %s\n" % kv for kv in self.options.items())))

    def start(self, log_dir):
        prog = servers.programs(self.build)
        argv = self.wrap + [prog["mariadbd"] if prog else "mariadbd",
                            "--defaults-file=%s" % self._in("etc/mysql/my.cnf")]
        rec = procs.spawn(argv, Path(log_dir) / ("%s.out" % self.name), "mariadb:%s" % self.name,
                          env=prog["env"] if prog else None)
        procs.wait_for(lambda: self.connect().close() or True, "MariaDB %s" % self.name, timeout=90, rec=rec)
        return rec

    def connect(self, database=None, user="root", password=None, **kw):
        return pymysql.connect(unix_socket=str(self.socket), user=user, password=password or "",
                               database=database, charset="utf8mb4", autocommit=True, connect_timeout=5, **kw)

    def source(self, sql_path, database, check=True):
        """Run a SQL file with the mariadb client, as a DBA would. Returns the CompletedProcess; with check=False a
        failure is returned (its stderr tells why) instead of raised."""
        with open(sql_path, "rb") as f:
            out = subprocess.run(["mariadb", "--no-defaults", "--socket=%s" % self.socket, "--user=root",
                                  "--database=%s" % database], stdin=f, capture_output=True)
        if check and out.returncode != 0:
            raise RuntimeError("%s failed on %s: %s" % (sql_path, self.name, out.stderr.decode(errors="replace")))
        return out
