"""One simulated court: its SIPP database, application, PHP web server, public side and (ssh mode) SSH host."""
import ctypes
import ctypes.util
import datetime
import glob
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import struct
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from . import appconfig, data, netns, procs, release, servers, system
from .mariadb import Server, cache_dir, mariadb_version

HOLDER = Path(__file__).with_name("_holder.py")
ROUTER = Path(__file__).with_name("router.php")
SIPP_DB = "SIPP"
PUBLIC_DB = "sippweb"
APP_USER = "sipp"
WEB_USER = "sinkron"
SOCKET_MAX = 107
# MariaDB settings by data scale, over the small ones of mariadb.MYSQLD_SETTINGS: the 6 MB buffer pool cannot hold
# the row locks of a transaction over 200,000 cases ("The total number of locks exceeds the lock table size")
SCALE_OPTIONS = {"large": {"innodb_buffer_pool_size": "256M", "innodb_log_file_size": "64M",
                           "innodb_log_buffer_size": "16M"}}
# A court's own clock: libfaketime (Debian package faketime) preloaded into that court's SSH sessions (ssh mode) or
# the Python interpreter Ansible runs its modules with (local mode), and everything they start. The offset is read
# from a file of the court's, so `sippsim clock` changes it for every process started afterwards. The machine's own
# clock is never touched: it is shared with everything else on it.
CLOCK_RE = re.compile(r"^[+-]\d+(\.\d+)?[smhdy]?$")
CLOCK_FILE = "etc/ssh/sippsim-clock"
# libfaketime (0.9.10) gives each preloaded process that was handed no FAKETIME_SHARED a semaphore and shared memory
# named after its pid, passes the name on to its children, and removes them when it exits normally. A process ending
# with _exit (Ansible's async_wrapper) leaves its pair in /dev/shm; a child that inherited a name already removed and
# that was given the pid of such a leftover cannot start ("ft_shm_init(), sem_open failed and recreation attempts
# failed"), and a process killed while it holds the lock (at every stat) stops all that share it. A court with its own
# clock has instead one pair for all its processes, made here and removed when the court stops: no process makes or
# removes one, no name goes stale, and its semaphore starts so high that no process ever waits on it (what it guards,
# tick counters and recorded timestamps, a relative offset does not use).
SHM_DIR = Path("/dev/shm")
SEM_OPEN_VALUE = 1000000
SHM_RECORD = struct.Struct("=QQqqqqqqqq")   # libfaketime's struct ft_shared_s on 64-bit Linux
SHM_SIZE = 4096


def faketime_lib():
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    if not found:
        raise RuntimeError("libfaketime is missing: install the Debian package faketime (make setup does)")
    return found[0]


def _sem_open():
    for lib in (None, ctypes.util.find_library("pthread")):
        try:
            fn = ctypes.CDLL(lib, use_errno=True).sem_open
        except (OSError, AttributeError):
            continue
        fn.restype = ctypes.c_void_p
        fn.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_uint]
        return fn
    raise RuntimeError("sem_open not found in the C library")


def check_offset(offset):
    """A libfaketime relative offset: +30d, -3d, -3y, +90m, +0 (s, m, h, d, y; seconds when bare)."""
    if not CLOCK_RE.match(offset or ""):
        raise ValueError("clock offset %r is not like +30d, -3d, -3y, +90m or +0" % offset)
    return offset


class Court:
    """`info` is the court's record in the region state (see region.pick_courts); it gains ports and processes."""

    def __init__(self, state_dir, info, mode, nn=None):
        self.state_dir = Path(state_dir)
        self.info = info
        self.mode = mode
        self.nn = nn
        self.dir = self.state_dir / "courts" / info["id"]
        self.root = self.dir / "root"
        self.log_dir = self.dir / "log"
        info.setdefault("procs", [])

    # --- where things are -------------------------------------------------------------------------------------
    @property
    def i(self):
        return self.info["index"]

    @property
    def db_name(self):
        """SIPP's database on this court: SIPP, or another name the region gave it (e.g. lower-case sipp)."""
        return self.info.get("database") or SIPP_DB

    @property
    def app_dir(self):
        """The application folder as seen from the host."""
        return self.root / "var/www/html" / self.info["app_folder"]

    @property
    def app_path(self):
        """The application folder as seen on the court."""
        inside = "" if self.mode == "ssh" else str(self.root)
        return "%s/var/www/html/%s" % (inside, self.info["app_folder"])

    @property
    def address(self):
        return netns.court_addr(self.nn, self.i) if self.mode == "ssh" else "127.0.0.1"

    @property
    def web_port(self):
        return 80 if self.mode == "ssh" else self.info["ports"]["web"]

    @property
    def url(self):
        """The login page, from the controller."""
        return "http://%s:%d/%s/" % (self.address, self.web_port, self.info["app_folder"])

    @property
    def local_url(self):
        """The login page, from the court itself."""
        return "http://127.0.0.1:%d/%s/" % (self.web_port, self.info["app_folder"])

    # --- its clock ---------------------------------------------------------------------------------------------
    @property
    def clock_file(self):
        return self.root / CLOCK_FILE

    def clock_env(self):
        """The environment that gives the court's processes its clock; {} for a court on the machine's time."""
        if self.info.get("clock_offset") is None:
            return {}
        inside = "/" + CLOCK_FILE if self.mode == "ssh" else str(self.clock_file)
        sem, shm = self._clock_shm_names()
        return {"LD_PRELOAD": faketime_lib(), "FAKETIME_TIMESTAMP_FILE": inside,
                "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_SHARED": "/%s /%s" % (sem, shm)}

    def _clock_shm_names(self):
        key = hashlib.sha1(str(self.root).encode()).hexdigest()[:16]
        return "sippsim-clock-%s-sem" % key, "sippsim-clock-%s-shm" % key

    def clock_shm_files(self):
        """The files in /dev/shm of the court's one libfaketime semaphore and shared memory."""
        sem, shm = self._clock_shm_names()
        return SHM_DIR / ("sem." + sem), SHM_DIR / shm

    def _make_clock_shm(self):
        """The court's one semaphore and shared memory for libfaketime, usable by all of its processes (some run
        as other users than root). Idempotent."""
        sem, _ = self._clock_shm_names()
        sem_file, shm_file = self.clock_shm_files()
        handle = _sem_open()(("/" + sem).encode(), os.O_CREAT, 0o666, SEM_OPEN_VALUE)
        if not handle or handle == ctypes.c_void_p(-1).value:
            raise OSError(ctypes.get_errno(), "sem_open /%s failed" % sem)
        fd = os.open(str(shm_file), os.O_CREAT | os.O_RDWR, 0o666)
        try:
            if os.fstat(fd).st_size < SHM_SIZE:
                # as libfaketime's own ft_shm_create: no ticks, no file index, start times (real, monotonic, raw)
                # not set (tv_nsec -1); a start time of 0 makes every absolute sleep last days
                os.write(fd, SHM_RECORD.pack(0, 0, 0, -1, 0, -1, 0, -1, 0, 0).ljust(SHM_SIZE, b"\0"))
        finally:
            os.close(fd)
        for f in (sem_file, shm_file):
            os.chmod(str(f), 0o666)

    def _remove_clock_shm(self):
        for f in self.clock_shm_files():
            try:
                f.unlink()
            except FileNotFoundError:
                pass

    @property
    def interpreter(self):
        """The Python Ansible runs modules with in local mode: the court's clock wrapper when it has one."""
        return str(self.dir / "bin" / "python3") if self.clock_env() else None

    def set_clock(self, offset):
        """Set (or change) the court's clock offset for every process started from now on."""
        check_offset(offset)
        had = self.clock_env()
        self.info["clock_offset"] = offset
        self.clock_file.parent.mkdir(parents=True, exist_ok=True)
        self.clock_file.write_text(offset + "\n")
        self._make_clock_shm()
        if self.mode == "local":
            import sys
            wrapper = self.dir / "bin" / "python3"
            wrapper.parent.mkdir(parents=True, exist_ok=True)
            env = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(self.clock_env().items()))
            wrapper.write_text("#!/bin/sh\n# the clock of %s (sippsim): %s\nexport %s\nexec %s \"$@\"\n"
                               % (self.info["id"], self.clock_file, env, sys.executable))
            os.chmod(wrapper, 0o755)
        elif not had and (self.root / "etc/ssh/sshd_config").exists():
            self._write_sshd_config()
            for rec in self.info["procs"]:
                if rec["name"] == "sshd" and procs.alive(rec):
                    os.kill(rec["pid"], signal.SIGHUP)  # sshd re-executes itself with the new configuration

    # --- a folder of its application on another disk -------------------------------------------------------------
    def move_folder(self, dest, rel="resources/file"):
        """Move a folder of the application (the uploads by default) to ``dest`` and leave a symlink to it in its
        place, as courts do when the documents outgrow the system disk. ``dest`` (a path on the host, e.g. on a small
        filesystem the caller mounted) must be empty or absent; its owner and modes come from the folder moved."""
        src = self.app_dir / rel
        dest = Path(os.path.abspath(str(dest)))
        if src.is_symlink() or not src.is_dir():
            raise ValueError("%s of %s is not a folder (already moved?)" % (rel, self.info["id"]))
        if self.mode == "ssh":
            from ._holder import BINDS
            for bound in BINDS:
                if str(dest) == "/" + bound or str(dest).startswith("/" + bound + "/"):
                    raise ValueError("%s is under /%s, which a court in ssh mode has to itself: choose a folder "
                                     "the court sees as the host does (e.g. under /srv)" % (dest, bound))
        if dest.exists() and any(dest.iterdir()):
            raise ValueError("%s is not empty" % dest)
        dest.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-a", "--", str(src) + "/.", str(dest) + "/"], check=True)
        st = src.stat()
        os.chown(dest, st.st_uid, st.st_gid)
        os.chmod(dest, st.st_mode & 0o7777)
        shutil.rmtree(src)
        os.symlink(str(dest), str(src))
        self.info.setdefault("moved", {})[rel] = str(dest)

    def use_release_folder(self, dest=None, relative=False):
        """Keep the application in a release folder and make the application folder a link to it, as courts that
        keep releases side by side do: ``/var/www/html/SIPP -> /srv/sipp-rilis/SIPP-<version>``. ``dest``, the folder
        of releases, defaults to the court's own ``srv/sipp-rilis`` (local mode; in ssh mode give a folder the court
        sees as the host does). The link is absolute, or ``relative`` to the link's folder."""
        app = self.app_dir
        if app.is_symlink() or not app.is_dir():
            raise ValueError("the application folder of %s is not a folder (already a link?)" % self.info["id"])
        if dest is None:
            if self.mode == "ssh":
                raise ValueError("a court in ssh mode needs --to: a folder the court sees as the host does")
            dest = self.root / "srv/sipp-rilis"
        dest = Path(os.path.abspath(str(dest)))
        release = dest / ("%s-%s" % (app.name, self.info["version"]))
        if release.exists():
            raise ValueError("%s already exists" % release)
        dest.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(str(app), str(release))
        except OSError:
            subprocess.run(["cp", "-a", "--", str(app), str(release)], check=True)
            shutil.rmtree(str(app))
        os.symlink(os.path.relpath(str(release), str(app.parent)) if relative else str(release), str(app))
        self.info["releases"] = str(dest)
        return release

    def use_engine(self, tables, engine="MyISAM"):
        """Convert SIPP tables to another storage engine, as older SIPP databases still have MyISAM tables (no
        transactions: ``--single-transaction`` does not hold them still while SIPP writes)."""
        conn = self.sipp_server().connect(self.db_name)
        try:
            with conn.cursor() as cur:
                for table in tables:
                    cur.execute("ALTER TABLE `%s` ENGINE=%s" % (table.replace("`", "``"), engine))
        finally:
            conn.close()
        self.info.setdefault("engines", {}).update(dict((t, engine) for t in tables))

    # --- database objects of another definer -------------------------------------------------------------------
    def add_objects_of_another_definer(self, super_privilege=False):
        """A trigger (on perkara_putusan) and a stored procedure made by root, beside the dashboard view the release
        SQL made as root: objects whose DEFINER is not SIPP's own login user, as a DBA leaves them. The login user
        may read the procedure's body (SELECT on mysql.proc: without it mariadb-dump refuses the whole backup);
        with ``super_privilege`` it may also create objects for another DEFINER (SUPER), as a court whose
        database.php logs in as root can."""
        conn = self.sipp_server().connect(self.db_name)
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE DEFINER='root'@'localhost' TRIGGER trg_putusan_tanggal BEFORE UPDATE ON "
                            "perkara_putusan FOR EACH ROW SET NEW.tanggal_putusan = "
                            "COALESCE(NEW.tanggal_putusan, OLD.tanggal_putusan)")
                cur.execute("CREATE DEFINER='root'@'localhost' PROCEDURE sipp_hitung_perkara(IN tahun INT) "
                            "SELECT COUNT(*) AS jumlah FROM perkara WHERE YEAR(tanggal_pendaftaran) = tahun")
                for host in ("localhost", "127.0.0.1"):
                    cur.execute("GRANT SELECT ON mysql.proc TO %s@%s", (APP_USER, host))
                    if super_privilege:
                        cur.execute("GRANT SUPER ON *.* TO %s@%s", (APP_USER, host))
        finally:
            conn.close()
        self.info["objects_of_another_definer"] = {"super": bool(super_privilege)}

    def limit_login_user(self):
        """SIPP's login user as a DBA often leaves it: without the EVENT privilege, and without the right to read
        routines of another definer (no SELECT on mysql.proc), beside a root-made stored procedure
        (`sipp_rekap_harian`) and event (`ev_rekap_harian`, disabled). mariadb-dump --events --routines refuses such a
        user the whole dump."""
        conn = self.sipp_server().connect(self.db_name)
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE DEFINER='root'@'localhost' PROCEDURE sipp_rekap_harian() "
                            "SELECT COUNT(*) AS jumlah FROM perkara WHERE tanggal_pendaftaran = CURDATE()")
                cur.execute("CREATE DEFINER='root'@'localhost' EVENT ev_rekap_harian ON SCHEDULE EVERY 1 DAY "
                            "DISABLE DO CALL sipp_rekap_harian()")
                for host in ("localhost", "127.0.0.1"):
                    cur.execute("REVOKE EVENT ON `%s`.* FROM %%s@%%s" % self.db_name, (APP_USER, host))
        finally:
            conn.close()
        self.info["login_user_limited"] = True

    def _wrap(self):
        if self.mode != "ssh":
            return []
        return ["nsenter", "-t", str(self.holder_pid()), "-m", "-u", "-n", "--"]

    def holder_pid(self):
        for rec in self.info["procs"]:
            if rec["name"] == "holder":
                return rec["pid"]
        raise RuntimeError("court %s has no namespace holder" % self.info["id"])

    def sipp_server(self):
        opts = SCALE_OPTIONS.get(self.info.get("scale"))
        if self.mode == "ssh":
            return Server(self.info["id"], self.root, inside="", port=3306, bind="127.0.0.1", wrap=self._wrap(),
                          options=opts)
        return Server(self.info["id"], self.root, port=self.info["ports"]["db"], options=opts,
                      build=self.info.get("server"))

    def public_server(self):
        name = "%s-public" % self.info["id"]
        if self.mode == "ssh":
            return Server(name, self.dir / "public", port=3306, bind=netns.pub_addr(self.nn, self.i),
                          wrap=["ip", "netns", "exec", netns.pub_ns(self.nn)],
                          options=SCALE_OPTIONS.get(self.info.get("scale")))
        return Server(name, self.dir / "public", port=self.info["ports"]["public"],
                      options=SCALE_OPTIONS.get(self.info.get("scale")))

    def db_group(self):
        if self.mode == "ssh":
            return {"hostname": "localhost", "port": 3306}
        return {"hostname": "127.0.0.1", "port": self.info["ports"]["db"]}

    def web_group(self):
        if self.mode == "ssh":
            return {"hostname": netns.pub_addr(self.nn, self.i), "port": 3306}
        return {"hostname": "127.0.0.1", "port": self.info["ports"]["public"]}

    # --- building -----------------------------------------------------------------------------------------------
    def build(self, scale, ssh_pubkey=None, template=False):
        """template: take the SIPP database and web root from a kept template of this very court (same court, seed,
        date, version, scale and simulator data code) when there is one, else build them and keep a template
        (in ~/.cache/sippsim/courts; a large court's takes about as much disk as the court)."""
        info = self.info
        info["scale"] = scale
        for sock in (self.root / "run/mysqld/mysqld.sock", self.dir / "public/run/mysqld/mysqld.sock"):
            if len(str(sock)) > SOCKET_MAX:
                raise RuntimeError("state folder path too long for a unix socket (%s): use a shorter --state" % sock)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        if self.mode == "local":
            info["ports"] = {"db": procs.free_port(), "public": procs.free_port(), "web": procs.free_port()}
        for d in ("var/www/html", "var/backups", "root/.ssh", "etc/ssh", "run/sshd", "tmp"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        os.chmod(self.root / "root", 0o700)

        release.build_tree(info["version"], self.app_dir)
        self.write_config()
        if info.get("clock_offset") is not None:
            self.set_clock(info["clock_offset"])

        if self.mode == "ssh":
            self._start_holder()
            self._prepare_ssh(ssh_pubkey)
        tpl = self.template_dir(scale) if template else None
        if tpl is not None and (tpl / ".complete").exists():
            self._load_template(tpl)
        else:
            self._build_sipp_db(scale)
            if tpl is not None:
                self._keep_template(tpl)
        self._build_public_db()
        self._start_web()
        if self.mode == "ssh":
            self._start_sshd()

    def write_config(self):
        info = self.info
        cfg = self.app_dir / "application/config"
        cfg.mkdir(parents=True, exist_ok=True)
        default = dict(self.db_group(), username=APP_USER, password=info["db_password"], database=self.db_name)
        web = dict(self.web_group(), username=WEB_USER, password=info["web_password"], database=PUBLIC_DB)
        (cfg / "database.php").write_text(appconfig.render_database_php(default, web, style=self.i % 3))
        (cfg / "config.php").write_text(appconfig.render_config_php(
            "http://%s/%s/" % (info["hostname"], info["app_folder"]), info["encryption_key"]))

    def _start_holder(self):
        ready = self.dir / "holder.ready"
        ready.unlink(missing_ok=True)
        argv = ["ip", "netns", "exec", netns.court_ns(self.nn, self.i), "unshare", "--mount", "--uts",
                "--propagation", "private", "--", "/usr/bin/python3", str(HOLDER), str(self.root), str(ready),
                self.info["hostname"]]
        spec = system.prepare(self.dir, self.root, self.info.get("system", "debian"))
        if spec is not None:
            argv.append(str(spec))
        rec = procs.spawn(argv, self.log_dir / "holder.out", "holder")
        self.info["procs"].append(rec)
        # the holder writes its pid once every bind is in place
        procs.wait_for(lambda: ready.exists() and ready.stat().st_size > 0,
                       "namespace holder of %s" % self.info["id"], timeout=30, rec=rec)

    def _build_sipp_db(self, scale):
        info = self.info
        srv = self.sipp_server()
        srv.create()
        info["procs"].append(srv.start(self.log_dir))
        files = release.sql_files(info["version"])
        conn = srv.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE DATABASE `%s` CHARACTER SET latin1 COLLATE latin1_swedish_ci" % self.db_name)
            srv.source(files[0], self.db_name)
            conn.select_db(self.db_name)
            data.seed_sys_config(conn, info, release.VERSIONS[0])
            today = datetime.date.fromisoformat(self.info["today"]) if self.info.get("today") else None
            info["counts"] = data.populate(conn, info, scale, info["seed"], self.app_dir, today=today)
            conn.close()
            for f in files[1:]:
                srv.source(f, self.db_name)
            conn = srv.connect(self.db_name)
            with conn.cursor() as cur:
                # a mandiri release has no migration: the version row is stamped as the upgrade tool would
                cur.execute("UPDATE sys_config SET value = %s WHERE id = 80", (info["version"],))
                for host in ("localhost", "127.0.0.1"):
                    cur.execute("CREATE USER %s@%s IDENTIFIED BY %s", (APP_USER, host, info["db_password"]))
                    cur.execute("GRANT ALL PRIVILEGES ON `%s`.* TO %%s@%%s" % self.db_name, (APP_USER, host))
        finally:
            conn.close()

    def template_dir(self, scale):
        """Where this court's template is kept: its name carries a digest of everything its content depends on."""
        h = hashlib.sha256()
        info = self.info
        for part in (info["id"], info["version"], info["seed"], info.get("today"), scale, self.db_name,
                     info["db_password"], info["encryption_key"], sorted(SCALE_OPTIONS.get(scale, {}).items()),
                     mariadb_version(self.info.get("server"))):
            h.update(repr(part).encode() + b"\0")
        for f in [Path(data.__file__), Path(release.__file__)] + list(release.sql_files(info["version"])):
            h.update(Path(f).read_bytes())
        return cache_dir() / "courts" / ("%s-%s-%s" % (info["id"], scale, h.hexdigest()[:16]))

    def _keep_template(self, tpl):
        work = tpl.with_name(tpl.name + ".tmp")
        shutil.rmtree(str(work), ignore_errors=True)
        work.parent.mkdir(parents=True, exist_ok=True)
        self.save_state(work)
        (work / "counts.json").write_text(json.dumps(self.info["counts"]))
        (work / ".complete").touch()
        shutil.rmtree(str(tpl), ignore_errors=True)
        os.rename(str(work), str(tpl))

    def _load_template(self, tpl):
        srv = self.sipp_server()
        srv.create()
        replace_tree(tpl / "mysql", srv.datadir)
        replace_tree(tpl / "html", self.root / "var/www/html")
        self.write_config()  # this court's ports and addresses, not the template's
        self.info["counts"] = json.loads((tpl / "counts.json").read_text())
        self.info["procs"].append(srv.start(self.log_dir))

    def _build_public_db(self):
        info = self.info
        srv = self.public_server()
        srv.create()
        info["procs"].append(srv.start(self.log_dir))
        conn = srv.connect()
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE DATABASE `%s` CHARACTER SET latin1 COLLATE latin1_swedish_ci" % PUBLIC_DB)
                srv.source(release.PUBLIC_SCHEMA_SQL, PUBLIC_DB)
                cur.execute("USE `%s`" % PUBLIC_DB)
                cur.execute(release.PUBLIC_PROCEDURE_SQL.read_text())
                cur.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (WEB_USER, info["web_password"]))
                cur.execute("GRANT ALL PRIVILEGES ON `%s`.* TO %%s@'%%%%'" % PUBLIC_DB, (WEB_USER,))
        finally:
            conn.close()

    def _start_web(self):
        # no opcache here: on production servers it may serve the old code for up to opcache.revalidate_freq
        # seconds (2 by default) after files change, which the collection's verification must allow for
        # the router answers 403 for what a web server running as its own unprivileged user could not read; a copy
        # in the court's own /run, which a court in ssh mode sees wherever the simulator lives
        (self.root / "run").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROUTER, self.root / "run/sippsim-router.php")
        php = ["php", "-d", "opcache.enable=0"]
        if self.mode == "ssh":
            argv = self._wrap() + php + ["-S", "0.0.0.0:80", "-t", "/var/www/html", "/run/sippsim-router.php"]
        else:
            argv = php + ["-S", "127.0.0.1:%d" % self.web_port, "-t", str(self.root / "var/www/html"),
                          str(self.root / "run/sippsim-router.php")]
        rec = procs.spawn(argv, self.log_dir / "php.out", "php")
        self.info["procs"].append(rec)
        procs.wait_for(lambda: http_get(self.url, timeout=5)[0] > 0, "PHP web server of %s" % self.info["id"],
                       timeout=30, rec=rec)

    def _prepare_ssh(self, pubkey):
        etc = self.root / "etc/ssh"
        key = etc / "ssh_host_ed25519_key"
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", self.info["hostname"],
                            "-f", str(key)], check=True)
        self._write_sshd_config()
        auth = self.root / "root/.ssh/authorized_keys"
        auth.write_text(pubkey)
        os.chmod(auth, 0o600)
        os.chmod(self.root / "root/.ssh", 0o700)
        os.chmod(self.root / "run/sshd", 0o755)

    def _write_sshd_config(self):
        clock = self.clock_env()
        setenv = ("SetEnv %s\n" % " ".join('%s="%s"' % kv for kv in sorted(clock.items()))) if clock else ""
        (self.root / "etc/ssh/sshd_config").write_text(
            "# sshd of %s (simulated)\nPort 22\nListenAddress 0.0.0.0\nHostKey /etc/ssh/ssh_host_ed25519_key\n"
            "PermitRootLogin prohibit-password\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nAuthorizedKeysFile /root/.ssh/authorized_keys\n"
            "PidFile /run/sshd.pid\nSubsystem sftp internal-sftp\nMaxStartups 100:30:200\nMaxSessions 100\n"
            "AcceptEnv LANG LC_*\nPrintMotd no\n%s" % (self.info["hostname"], setenv))

    def _start_sshd(self):
        rec = procs.spawn(self._wrap() + ["/usr/sbin/sshd", "-D", "-e", "-f", "/etc/ssh/sshd_config"],
                          self.log_dir / "sshd.out", "sshd")
        self.info["procs"].append(rec)

        def listening():
            import socket
            with socket.create_connection((self.address, 22), timeout=2) as s:
                return s.recv(4).startswith(b"SSH")
        procs.wait_for(listening, "sshd of %s" % self.info["id"], timeout=30, rec=rec)

    # --- running ------------------------------------------------------------------------------------------------
    def exec(self, argv, **kw):
        """Run a command on the court (inside its namespaces in ssh mode)."""
        return subprocess.run(self._wrap() + list(argv), **kw)

    def restart_db(self, after):
        """Kill the court's SIPP MariaDB at once (SIGKILL, as a crash or the OOM killer would) and start it again
        ``after`` seconds later in the background, as its service manager would (systemd's Restart=on-failure):
        returns without waiting. The new server keeps its place in the court's processes (``down`` stops it)."""
        if after < 0:
            raise ValueError("after must be 0 or more seconds")
        index = self._db_index()
        name = self.info["procs"][index]["name"]
        old = self.info["procs"][index]
        if procs.alive(old):
            os.kill(old["pid"], signal.SIGKILL)
            procs.wait_for(lambda: not procs.alive(old), "end of MariaDB %s" % self.info["id"], timeout=30)
        srv = self.sipp_server()
        prog = servers.programs(srv.build)
        argv = ["sh", "-c", 'sleep "$0" && exec "$@"', str(after)] + srv.wrap + [
            prog["mariadbd"] if prog else "mariadbd", "--defaults-file=%s" % srv._in("etc/mysql/my.cnf")]
        self.info["procs"][index] = procs.spawn(argv, self.log_dir / ("%s.out" % self.info["id"]), name,
                                                env=prog["env"] if prog else None)
        return self.info["procs"][index]

    # --- saved states: put a court back as it was (benchmarks), keep a built large court (templates) -------------
    def _db_index(self):
        name = "mariadb:%s" % self.info["id"]
        index = next((i for i, r in enumerate(self.info["procs"]) if r["name"] == name), None)
        if index is None:
            raise RuntimeError("%s has no SIPP database server" % self.info["id"])
        return index

    def save_state(self, dest):
        """Copy the court's SIPP database (its datadir, the server stopped cleanly for the copy and started again)
        and its web root (application folder, uploads) to ``dest``, which must not exist."""
        dest = Path(dest)
        dest.mkdir(parents=True)
        index = self._db_index()
        procs.stop(self.info["procs"][index])
        try:
            copy_tree(self.sipp_server().datadir, dest / "mysql")
            copy_tree(self.root / "var/www/html", dest / "html")
        finally:
            self.info["procs"][index] = self.sipp_server().start(self.log_dir)

    def load_state(self, src):
        """Put back a state saved by save_state: the SIPP database and the web root as they were, and nothing of
        what was written since in the court's backups and the collection's records (/var/backups,
        /var/lib/pengadilan-sipp). The SIPP database server is restarted."""
        src = Path(src)
        index = self._db_index()
        procs.stop(self.info["procs"][index])
        try:
            srv = self.sipp_server()
            replace_tree(src / "mysql", srv.datadir)
            replace_tree(src / "html", self.root / "var/www/html")
            for rel in ("var/backups", "var/lib/pengadilan-sipp"):
                if (self.root / rel).exists():
                    replace_tree(None, self.root / rel)
        finally:
            self.info["procs"][index] = self.sipp_server().start(self.log_dir)

    def stop(self):
        """Stop every process of the court, newest first; the holder last."""
        ok = True
        for rec in reversed(self.info.get("procs", [])):
            ok = procs.stop(rec) and ok
        if ok:
            self._remove_clock_shm()
        return ok

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def copy_tree(src, dest):
    """cp -a (links kept as links, modes, owners and times kept; a reflink where the file system can)."""
    subprocess.run(["cp", "-a", "--reflink=auto", str(src), str(dest)], check=True)


def replace_tree(src, dest):
    """Make ``dest`` a copy of ``src``'s content (None: empty), the folder itself kept (in ssh mode it may be
    bind-mounted by its inode). rsync --delete: only what differs is copied or removed, so putting back a large
    court whose uploads did not change takes seconds, not minutes. Files are compared by size and modification time
    to the nanosecond (--modify-window=-1), not to the second; the bench proves the result by the court's
    fingerprint."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if src is None:
        for child in dest.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(str(child))
            else:
                child.unlink()
        return
    subprocess.run(["rsync", "-a", "--delete", "--modify-window=-1", "%s/" % src, "%s/" % dest], check=True)


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url, timeout=10):
    """(status, body) of a GET; status 0 when nothing answered. Never through a proxy."""
    try:
        with _OPENER.open(url, timeout=timeout) as r:
            return r.status, r.read().decode("latin-1")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("latin-1")
    except (urllib.error.URLError, OSError):
        return 0, ""

