"""A simulated region: its state folder, bringing it up and down, its Ansible inventory."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from . import netns, procs, region, release, sync, system
from . import servers as server_builds
from .court import Court, check_offset

STATE_FILE = "region.json"


def default_state():
    return Path(os.environ.get("SIPPSIM_STATE") or Path.cwd() / ".sippsim").absolute()


class Region:
    def __init__(self, state_dir=None):
        self.dir = Path(state_dir or default_state()).absolute()
        self.path = self.dir / STATE_FILE
        self.data = json.loads(self.path.read_text()) if self.path.exists() else None

    # --- state ----------------------------------------------------------------------------------------------------
    def save(self):
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(self._dumps())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def _dumps(self, tries=20):
        """The state as JSON. While `up` builds courts in threads, a court being built may add a key to its own record
        while the main thread writes the state after another court: that write is tried again (the state is written
        once more when every court is up)."""
        for attempt in range(tries):
            try:
                return json.dumps(self.data, indent=1, default=str)
            except RuntimeError:
                if attempt == tries - 1:
                    raise
                time.sleep(0.05)

    @property
    def mode(self):
        return self.data["mode"]

    def courts(self):
        return [Court(self.dir, c, self.mode, self.data.get("nn")) for c in self.data["courts"]]

    def court(self, court_id):
        for c in self.courts():
            if c.info["id"] == court_id:
                return c
        raise KeyError("no court %r in this region (%s)" % (court_id, ", ".join(c["id"] for c in self.data["courts"])))

    def running(self):
        return bool(self.data) and any(procs.alive(r) for c in self.data["courts"] for r in c.get("procs", []))

    # --- up -------------------------------------------------------------------------------------------------------
    def up(self, courts, mode, scale="small", seed=1, versions=None, today=None, clock_offsets=None, db_names=None,
           template=False, systems=None, servers=None, log=print):
        """Start `courts` courts. Same seed and same `today` (the date case data is laid out back from,
        default the current date): the same data, byte for byte. db_names: {court id: the name of its SIPP database}
        (default SIPP; e.g. lower-case sipp, as some courts have). clock_offsets: {court id: libfaketime offset such
        as "-3d"}, the clock of those courts' own processes (kept in the state; `sippsim clock` changes it).
        template: each court's database and web root from its kept template (Court.build), made when missing.
        systems: {court id: "centos7"} (ssh mode), courts that look like CentOS 7 to the controller (sippsim/system.py);
        their inventory names no Python, so that Ansible's own interpreter discovery chooses, as on a real server.
        servers: {court id: "10.5"} (local mode), courts whose SIPP database runs on an older server build
        (sippsim/servers.py) instead of the machine's MariaDB."""
        if self.running():
            raise RuntimeError("a region is already up in %s: run `sippsim down` first" % self.dir)
        if mode == "ssh" and os.geteuid() != 0:
            raise RuntimeError("ssh mode makes network and mount namespaces: run it as root")
        if mode == "ssh" and courts > netns.MAX_COURTS:
            raise RuntimeError("ssh mode takes at most %d courts" % netns.MAX_COURTS)
        versions = versions or release.VERSIONS[:-1]
        for v in versions:
            if v not in release.VERSIONS:
                raise ValueError("unknown version %s (known: %s)" % (v, ", ".join(release.VERSIONS)))
        if self.dir.exists():
            self._wipe()
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.data = {"mode": mode, "scale": scale, "seed": seed, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
                     "today": today or time.strftime("%Y-%m-%d"),
                     "courts": region.pick_courts(courts, seed, versions)}
        for c in self.data["courts"]:
            c["today"] = self.data["today"]
        clock_offsets = dict(clock_offsets or {})
        unknown = sorted(set(clock_offsets) - {c["id"] for c in self.data["courts"]})
        if unknown:
            raise ValueError("--clock-offset names no court of this region: %s (courts: %s)"
                             % (", ".join(unknown), ", ".join(c["id"] for c in self.data["courts"])))
        for c in self.data["courts"]:
            if c["id"] in clock_offsets:
                c["clock_offset"] = check_offset(clock_offsets[c["id"]])
        db_names = dict(db_names or {})
        unknown = sorted(set(db_names) - {c["id"] for c in self.data["courts"]})
        if unknown:
            raise ValueError("--db-name names no court of this region: %s" % ", ".join(unknown))
        for c in self.data["courts"]:
            if c["id"] in db_names:
                if not re.match(r"^[A-Za-z0-9_]{1,64}$", db_names[c["id"]]):
                    raise ValueError("--db-name %s=%s: letters, digits and _ only" % (c["id"], db_names[c["id"]]))
                c["database"] = db_names[c["id"]]
        systems = dict(systems or {})
        unknown = sorted(set(systems) - {c["id"] for c in self.data["courts"]})
        if unknown:
            raise ValueError("--system names no court of this region: %s" % ", ".join(unknown))
        if mode != "ssh" and any(system.check(v) != "debian" for v in systems.values()):
            raise ValueError("--system: only ssh mode gives a court a system of its own")
        for c in self.data["courts"]:
            if systems.get(c["id"], "debian") != "debian":
                c["system"] = system.check(systems[c["id"]])
        builds = dict(servers or {})
        unknown = sorted(set(builds) - {c["id"] for c in self.data["courts"]})
        if unknown:
            raise ValueError("--server names no court of this region: %s" % ", ".join(unknown))
        if builds and mode != "local":
            raise ValueError("--server: only local mode runs a court's database on another server build")
        for c in self.data["courts"]:
            if c["id"] in builds:
                if builds[c["id"]] not in server_builds.BUILDS:
                    raise ValueError("--server %s=%s: known builds %s" % (c["id"], builds[c["id"]],
                                                                        ", ".join(sorted(server_builds.BUILDS))))
                c["server"] = builds[c["id"]]
        t0 = time.monotonic()
        pubkey = None
        try:
            if mode == "ssh":
                self.data["nn"] = netns.claim_region_number()
                self.save()
                pubkey = self._controller_key()
                netns.create_pub(self.data["nn"], courts)
                for c in self.data["courts"]:
                    netns.create_court(self.data["nn"], c["index"])
            self.save()

            def build(court):
                court.build(scale, pubkey, template=template)
                court.info["last_sync"] = sync.sync(court)["stamp"]
                log("  %-18s %-28s %-8s %s" % (court.info["id"], court.info["nama"], court.info["version"],
                                               court.url))
                return court

            log("sippsim: starting %d court(s) in %s mode (%s data)..." % (courts, mode, scale))
            workers = 1 if scale == "large" else min(4, courts)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for _ in pool.map(build, self.courts()):
                    self.save()
            self.data["ready"] = True
            self.save()
            self.write_inventory()
        except BaseException:
            self.save()
            self.down(remove=False, log=lambda *_: None)
            raise
        log("sippsim: region up in %.0fs; inventory %s" % (time.monotonic() - t0, self.inventory_path))

    def _controller_key(self):
        key = self.dir / "ssh" / "id_ed25519"
        key.parent.mkdir(mode=0o700, exist_ok=True)
        if not key.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sippsim-controller",
                            "-f", str(key)], check=True)
        return key.with_suffix(".pub").read_text()

    # --- down -----------------------------------------------------------------------------------------------------
    def down(self, remove=True, log=print):
        """Stop everything the region started; with remove, delete its courts' files too."""
        if not self.data:
            log("sippsim: nothing is up in %s" % self.dir)
            return True
        courts = self.courts()
        with ThreadPoolExecutor(max_workers=8) as pool:
            ok = all(pool.map(lambda c: c.stop(), courts))
        strays = self._strays()
        for pid in strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.data.get("nn"):
            netns.destroy(self.data["nn"])
        for c in self.data["courts"]:
            c["procs"] = []
        self.data["ready"] = False
        self.save()
        if remove:
            self._wipe(keep=("packages",))
        log("sippsim: region in %s stopped%s" % (self.dir, "" if ok and not strays else
                                                  " (%d leftover process(es), such as open SSH sessions, ended)" % len(strays)))
        return ok

    def _strays(self):
        """Processes left behind: inside one of the region's namespaces or naming its state folder."""
        marks = set()
        nn = self.data.get("nn")
        if nn and os.path.isdir("/run/netns"):
            for ns in os.listdir("/run/netns"):
                if ns.startswith("sipp%d-" % nn):
                    marks.add(os.stat("/run/netns/%s" % ns).st_ino)
        me = os.getpid()
        found = []
        needle = str(self.dir).encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == me:
                continue
            try:
                if marks and os.stat("/proc/%s/ns/net" % entry).st_ino in marks:
                    found.append(int(entry))
                    continue
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    if needle in f.read():
                        found.append(int(entry))
            except OSError:
                continue
        return found

    def _wipe(self, keep=()):
        if not self.dir.exists():
            return
        for child in self.dir.iterdir():
            if child.name in keep:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        if not keep:
            self.data = None

    # --- inventory ------------------------------------------------------------------------------------------------
    @property
    def inventory_path(self):
        return self.dir / "inventory.yml"

    def inventory(self):
        groups = {}
        for court in self.courts():
            info = court.info
            hv = {
                "sipp_login_url": court.local_url,
                # the simulated application's sync, requested on the court (sync_check role, SOP steps 3 and 9)
                "sipp_sync_check_trigger_url": court.local_url + sync.SYNC_PATH,
                "sippsim_court": info["id"],
                "sippsim_mode": self.mode,
                "sippsim_state": str(self.dir),
            }
            if self.mode == "ssh":
                hv.update({
                    "ansible_host": court.address,
                    "ansible_user": "root",
                    "ansible_ssh_private_key_file": str(self.dir / "ssh" / "id_ed25519"),
                    "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                                               "-o LogLevel=ERROR",
                    "ansible_python_interpreter": "/usr/bin/python3",
                })
                if info.get("system", "debian") != "debian":
                    del hv["ansible_python_interpreter"]  # Ansible's own discovery chooses, as on a real server
            else:
                hv.update({
                    "ansible_connection": "local",
                    # the court's clock wrapper when it has its own clock (libfaketime), else this Python
                    "ansible_python_interpreter": court.interpreter or sys.executable,
                    "sipp_search_paths": [str(court.root / "var/www/html")],
                    # the court's own /var/backups (in ssh mode the real path is the court's own)
                    "sipp_backup_dir": str(court.root / "var/backups/sipp"),
                    # and its own /var/lib/pengadilan-sipp (migration history)
                    "sipp_history": str(court.root / "var/lib/pengadilan-sipp/history.jsonl"),
                })
            grp = groups.setdefault(info["group"], {"hosts": {}, "vars": {"sipp_pengadilan_tinggi": info["nama_pt"]}})
            grp["hosts"][info["id"]] = hv
        return {"all": {"children": groups}}

    def write_inventory(self):
        self.inventory_path.write_text("# Simulated SIPP region (sippsim), %s mode\n" % self.mode
                                       + yaml.safe_dump(self.inventory(), sort_keys=False, width=200))
        return self.inventory_path
