"""The product's figures on one simulated court, each beside the same essential work done by hand in the same run.

Both sides run on the same court from the same saved state (Court.save_state / load_state), so they start from the
same database and the same files. Downtime is seen from outside, as a user sees it: a poller GETs the login page
every POLL seconds, and the court is down from its first answer that is not 200 until it answers 200 again.
"""
import datetime
import json
import shutil
import subprocess
import threading
import time
import zipfile
from pathlib import Path

from sippsim import fingerprint
from sippsim.court import http_get
from sipptest import run_playbook, task_results, upgrade_results

POLL = 0.1
# Tasks that run on the controller only, whatever host they are for: not a module run on the court (the
# collection's own action plugins that contact no court among them).
CONTROLLER_ACTIONS = {"set_fact", "debug", "assert", "fail", "meta", "set_stats", "include_tasks", "import_tasks",
                      "include_role", "import_role", "include_vars", "pause", "add_host", "group_by", "noop",
                      "validate_argument_spec", "sipp_vars", "sipp_offline_slot"}
# pengadilan.sipp.upgrade's play over the courts (the SOP, steps 1 to 10): its first play (the run named, the
# packages checked) and its last (the report) work on the controller
COURTS_PLAY = "Upgrade Aplikasi SIPP (SOP langkah 1-10)"
RESULT_EVENTS = ("runner_on_ok", "runner_on_failed", "runner_on_unreachable")


class Sampler:
    """Calls sample() every ``interval`` seconds in a thread, from start() (or entering a with block) to stop()."""

    def __init__(self, interval):
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self):
        raise NotImplementedError

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Poller(Sampler):
    """GET a login page every ``interval`` seconds; keep (wall time, HTTP status) of each answer."""

    def __init__(self, url, interval=POLL):
        super().__init__(interval)
        self.url = url
        self.samples = []

    def sample(self):
        t = time.time()
        self.samples.append((t, http_get(self.url, timeout=5)[0]))

    def wait_normal(self, timeout=600):
        """Wait until the page answers 200 again after the last other answer (or at once if it never failed)."""
        end = time.time() + timeout
        while time.time() < end:
            if self.samples and self.samples[-1][1] == 200:
                return
            time.sleep(self.interval)
        raise RuntimeError("%s did not answer 200 within %d s" % (self.url, timeout))

    def window(self):
        """(first answer that was not 200, first 200 after the last one), or None when SIPP never stopped."""
        bad = [t for t, s in self.samples if s != 200]
        if not bad:
            return None
        back = next((t for t, s in self.samples if t > bad[-1] and s == 200), None)
        if back is None:
            raise RuntimeError("%s never answered 200 again" % self.url)
        return bad[0], back

    def downtime(self):
        w = self.window()
        return round(w[1] - w[0], 2) if w else 0.0


def cpu_seconds_of_children():
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def observed(pollers, work):
    """Run work() while each poller watches its login page: from a second of normal answers before it until every
    page answers 200 again after it. Returns (what work returned, its seconds, the CPU seconds of the processes it
    waited for)."""
    for p in pollers:
        p.start()
    try:
        time.sleep(1)
        cpu0 = cpu_seconds_of_children()
        t0 = time.monotonic()
        result = work()
        seconds = time.monotonic() - t0
        cpu = cpu_seconds_of_children() - cpu0
        for p in pollers:
            p.wait_normal()
        time.sleep(1)
    finally:
        for p in pollers:
            p.stop()
    return result, seconds, cpu


def _client(court):
    srv = court.sipp_server()
    return ["mariadb", "--no-defaults", "--socket=%s" % srv.socket, "--user=root", court.db_name]


def _run(argv, **kw):
    out = subprocess.run(argv, capture_output=True, **kw)
    if out.returncode != 0:
        raise RuntimeError("%s failed: %s" % (argv[0], (out.stderr or b"").decode(errors="replace")[-2000:]))
    return out


def raw_dump(court, dest):
    """mariadb-dump --single-transaction | zstd, as an admin backs up by hand; returns (seconds, bytes)."""
    srv = court.sipp_server()
    t0 = time.monotonic()
    _run(["sh", "-c", 'mariadb-dump --no-defaults --socket="$0" --user=root --single-transaction --routines '
                      '--triggers --events "$1" | zstd -q -T0 -o "$2"', str(srv.socket), court.db_name, str(dest)])
    return time.monotonic() - t0, Path(dest).stat().st_size


def full_restore(court, dump):
    """The whole dump back through the client, as an admin restores by hand; returns seconds."""
    t0 = time.monotonic()
    _run(["sh", "-c", 'zstd -dc "$0" | "$@"', str(dump)] + _client(court))
    return time.monotonic() - t0


def hand_upgrade(court, package, work):
    """The floor of an upgrade's downtime: the package applied by hand in maintenance. Unpacked beforehand (online);
    then maintenance on, raw dump | zstd, the package's SQL through the client in order, its files copied (and its
    deletions made), maintenance off. Returns {downtime, seconds}."""
    work = Path(work)
    shutil.rmtree(str(work), ignore_errors=True)
    work.mkdir(parents=True)
    with zipfile.ZipFile(str(package)) as z:
        z.extractall(str(work / "pkg"))
    manifest = json.loads((work / "pkg" / "manifest.json").read_text())
    client = _client(court)

    def apply():
        _run(client + ["-e", "UPDATE sys_config SET value = '1' WHERE id = 6"])
        raw_dump(court, work / "dump.sql.zst")
        for m in manifest["migrations"]:
            with open(str(work / "pkg" / "sql" / m["file"]), "rb") as f:
                _run(client, stdin=f)
        _run(["cp", "-a", "%s/." % (work / "pkg" / "app"), str(court.app_dir)])
        for rel in manifest.get("delete", []):
            target = court.app_dir / rel
            if target.is_dir():
                shutil.rmtree(str(target))
            elif target.exists():
                target.unlink()
        _run(client + ["-e", "UPDATE sys_config SET value = '0' WHERE id = 6"])

    poll = Poller(court.url)
    _, seconds, _ = observed([poll], apply)
    shutil.rmtree(str(work), ignore_errors=True)
    return {"downtime": poll.downtime(), "seconds": round(seconds, 2)}


def _when(stamp):
    return datetime.datetime.fromisoformat(stamp).timestamp()


def host_results(runner, host):
    """Every task result of a host in a run: {task, action, role, start, end} (wall times in seconds)."""
    out = []
    for ev in runner.events:
        data = ev.get("event_data", {})
        if ev["event"] in RESULT_EVENTS and data.get("host") == host and data.get("start"):
            action = (data.get("resolved_action") or data.get("task_action") or "").split(".")[-1]
            out.append({"task": data.get("task"), "action": action, "role": data.get("role") or "",
                        "play": data.get("play") or "",
                        "start": _when(data["start"]), "end": _when(data["end"])})
    return out


def module_runs(results, window=None):
    """(module runs on the court, of which while SIPP was down): the results of the courts' play that are not
    controller-only actions (each one a round trip over the court's link; the rsync that sends a package counts)."""
    runs = [r for r in results if r["action"] not in CONTROLLER_ACTIONS and r["play"] == COURTS_PLAY]
    if not runs:
        raise RuntimeError("no module run found in the play %r: was it renamed?" % COURTS_PLAY)
    offline = [r for r in runs if window and r["end"] > window[0] and r["start"] < window[1]]
    return len(runs), len(offline)


def role_span(results, role):
    """Seconds from the start of a role's first task to the end of its last one in a run (None if it did not run)."""
    mine = [r for r in results if r["role"].split(".")[-1] == role]
    if not mine:
        return None
    return round(max(r["end"] for r in mine) - min(r["start"] for r in mine), 2)


def task_span(results, words):
    """Seconds of the tasks whose name contains ``words``."""
    mine = [r for r in results if words in (r["task"] or "")]
    return round(sum(r["end"] - r["start"] for r in mine), 2) if mine else None


def product_upgrade(region, court, package, extravars=None):
    """pengadilan.sipp.upgrade on one court, as AWX runs it, with the product's own defaults. Returns its figures
    and the runner."""
    ev = dict({"sipp_upgrade_packages": [str(package)], "sipp_upgrade_assisted_approved": True}, **(extravars or {}))
    poll = Poller(court.url)
    runner, seconds, cpu = observed([poll], lambda: run_playbook(
        "pengadilan.sipp.upgrade", region.inventory_path, extravars=ev, limit=court.info["id"]))
    host = court.info["id"]
    results = host_results(runner, host)
    window = poll.window()
    runs, offline = module_runs(results, window)
    tasks_offline = sum(1 for r in results if window and r["end"] > window[0] and r["start"] < window[1])
    return {"status": upgrade_results(runner).get(host, {}).get("status"), "rc": runner.rc,
            "downtime": poll.downtime(), "seconds": round(seconds, 2),
            "controller_cpu_seconds": round(cpu, 2),
            "tasks": len(results), "tasks_while_offline": tasks_offline,
            "module_runs": runs, "module_runs_while_offline": offline,
            "rollback_seconds": role_span(results, "rollback")}, runner


def product_backup(region, court):
    """pengadilan.sipp.backup on one court; the whole run, the role, and its database dump step."""
    t0 = time.monotonic()
    runner = run_playbook("pengadilan.sipp.backup", region.inventory_path, limit=court.info["id"])
    seconds = time.monotonic() - t0
    if runner.rc != 0:
        raise RuntimeError("pengadilan.sipp.backup failed on %s (rc %s)" % (court.info["id"], runner.rc))
    results = host_results(runner, court.info["id"])
    return {"seconds": round(seconds, 2), "role_seconds": role_span(results, "backup"),
            "dump_seconds": task_span(results, "Cadangkan database")}


def same_as(court, before):
    """What differs from a fingerprint taken before (empty: identical)."""
    return fingerprint.differences(before, fingerprint.fingerprint(court))


def court_figures(region, court, packages, work, log=print):
    """P1 to P3 on one court of ``region`` that is on the package's from-version. ``packages``: {upgrade, failing}.
    Returns {P1, P2, P3, proof}."""
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    saved = work / "saved"
    shutil.rmtree(str(saved), ignore_errors=True)
    court.save_state(saved)
    region.save()
    before = fingerprint.fingerprint(court)
    proof = {}

    log("  P1: by hand")
    hand = hand_upgrade(court, packages["upgrade"], work / "hand")
    court.load_state(saved)
    region.save()
    proof["restored_before_product"] = same_as(court, before)
    log("  P1: the collection")
    prod, _ = product_upgrade(region, court, packages["upgrade"])
    if prod["status"] != "berhasil":
        raise RuntimeError("the upgrade did not succeed on %s: %s" % (court.info["id"], prod))
    p1 = {"hand": hand, "collection": prod,
          "ratio": round(prod["downtime"] / hand["downtime"], 1) if hand["downtime"] else None}

    log("  P2: backups")
    court.load_state(saved)
    region.save()
    dump_s, dump_bytes = raw_dump(court, work / "raw.sql.zst")
    first = product_backup(region, court)
    second = product_backup(region, court)
    p2 = {"raw_dump_seconds": round(dump_s, 2), "raw_dump_bytes": dump_bytes, "first": first, "second": second,
          "dump_ratio": round(first["dump_seconds"] / dump_s, 1),
          "backup_ratio": round(first["role_seconds"] / dump_s, 1),
          "second_vs_first": round(second["role_seconds"] / first["role_seconds"], 2)}

    log("  P3: a failed migration and its downgrade")
    fail, _ = product_upgrade(region, court, packages["failing"])
    proof["after_downgrade"] = same_as(court, before)
    restore_s = full_restore(court, work / "raw.sql.zst")
    proof["after_full_restore"] = same_as(court, before)
    p3 = {"status": fail["status"], "downgrade_seconds": fail["rollback_seconds"], "downtime": fail["downtime"],
          "full_restore_seconds": round(restore_s, 2),
          "ratio": round(fail["rollback_seconds"] / restore_s, 1) if fail["rollback_seconds"] else None}
    return {"P1": p1, "P2": p2, "P3": p3, "proof": proof}
