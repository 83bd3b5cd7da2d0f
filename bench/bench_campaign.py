"""P4: a region's campaign (pengadilan.sipp.upgrade over every court, forks 10) against a parallel shell script doing
the same essential work on every court at once, on the same region put back to the same state in between.

The script's work per court: maintenance on; mariadb-dump --single-transaction | zstd with its sha256; every table's
checksum; a copy of the application folder; the package's SQL through the client and its files copied; every table's
checksum again; maintenance off; the login page asked for the new version; the synchronisation run and its answer
checked. Figures: wall time, CPU (the run and every process it waited for: ansible and its modules, or the script and
its clients), the controller's peak memory (PSS of the ansible-playbook processes), each court's downtime seen from
outside.
"""
import json
import os
import shlex
import shutil
import statistics
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

import bench_product as product
from sippsim import procs, sync
from sippsim.cli import region_memory_kib
from sippsim.simregion import Region
from sipptest import run_playbook, upgrade_results

FORKS = 10
# login pages polled every half second: 20 pollers at 0.1 s would load the machine they measure
CAMPAIGN_POLL = 0.5

SCRIPT = r'''#!/bin/bash
# The essential work of an upgrade on one court, by hand (bench/bench_campaign.py): run with its settings in the environment.
set -euo pipefail
db() { mariadb --no-defaults --socket="$SOCK" --user=root "$DB" "$@"; }
db -e "UPDATE sys_config SET value = '1' WHERE id = 6"
mariadb-dump --no-defaults --socket="$SOCK" --user=root --single-transaction --routines --triggers --events "$DB" \
    | zstd -q -o "$WORK/dump.sql.zst"
sha256sum "$WORK/dump.sql.zst" > "$WORK/dump.sql.zst.sha256"
tables=$(db -N -e "SELECT GROUP_CONCAT(table_name) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'")
db -N -e "CHECKSUM TABLE ${tables//,/, }" > "$WORK/before.txt"
cp -a "$APP" "$WORK/app"
for f in "$PKG"/sql/*.sql; do db < "$f"; done
cp -a "$PKG/app/." "$APP/"
db -N -e "CHECKSUM TABLE ${tables//,/, }" > "$WORK/after.txt"
db -e "UPDATE sys_config SET value = '0' WHERE id = 6"
curl -fsS "$URL" | grep -q "Versi $VERSION"
curl -fsS "$URL$SYNC" | grep -q '"ok": *true'
'''


class MemorySampler(product.Sampler):
    """Peak PSS (KiB) of the processes named ansible-playbook (the controller's own), sampled every second."""

    def __init__(self):
        super().__init__(1)
        self.peak = 0

    def sample(self):
        total = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open("/proc/%s/comm" % pid) as f:
                    if not f.read().startswith("ansible-playboo"):
                        continue
                with open("/proc/%s/smaps_rollup" % pid) as f:
                    total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            except (OSError, StopIteration):
                continue
        self.peak = max(self.peak, total)


def _pollers(region):
    # read at call time: a test may poll faster
    return {c.info["id"]: product.Poller(c.url, interval=CAMPAIGN_POLL) for c in region.courts()}


def _downtimes(pollers):
    return {cid: p.downtime() for cid, p in pollers.items()}


def _summary(downtimes):
    values = list(downtimes.values())
    return {"median": round(statistics.median(values), 1), "max": round(max(values), 1),
            "min": round(min(values), 1)}


def by_script(region, package, work):
    """Every court at once, one script each (the parallel shell script of an admin); returns its figures."""
    work = Path(work)
    shutil.rmtree(str(work), ignore_errors=True)
    work.mkdir(parents=True)
    with zipfile.ZipFile(str(package)) as z:
        z.extractall(str(work / "pkg"))
        manifest = json.loads(z.read("manifest.json"))
    script = work / "upgrade.sh"
    script.write_text(SCRIPT)
    script.chmod(0o755)
    lines = ["#!/bin/bash", "set -u", "pids=()"]
    for court in region.courts():
        d = work / court.info["id"]
        d.mkdir()
        env = {"SOCK": str(court.sipp_server().socket), "DB": court.db_name, "WORK": str(d),
               "APP": str(court.app_dir), "PKG": str(work / "pkg"), "URL": court.url, "SYNC": sync.SYNC_PATH,
               "VERSION": manifest["to_version"]}
        lines.append("env %s %s > %s 2>&1 & pids+=($!)" % (" ".join("%s=%s" % (k, shlex.quote(v))
                                                                    for k, v in env.items()),
                                                           script, shlex.quote(str(d / "out.txt"))))
    lines += ["rc=0", 'for p in "${pids[@]}"; do wait "$p" || rc=1; done', "exit $rc"]
    (work / "all.sh").write_text("\n".join(lines) + "\n")
    pollers = _pollers(region)
    out, seconds, cpu = product.observed(list(pollers.values()), lambda: subprocess.run(
        ["bash", str(work / "all.sh")], capture_output=True))
    if out.returncode != 0:
        failed = {c: (work / c / "out.txt").read_text()[-500:] for c in pollers}
        raise RuntimeError("the campaign script failed: %s" % failed)
    downtimes = _downtimes(pollers)
    n = len(pollers)
    shutil.rmtree(str(work), ignore_errors=True)
    return {"seconds": round(seconds, 1), "cpu_seconds_per_court": round(cpu / n, 2),
            "downtime": _summary(downtimes), "downtimes": downtimes, "poll_seconds": CAMPAIGN_POLL}


def by_collection(region, package):
    """pengadilan.sipp.upgrade over the whole region, forks 10, the product's defaults; returns its figures."""
    pollers = _pollers(region)
    mem = MemorySampler()

    def upgrade():
        with mem:
            return run_playbook("pengadilan.sipp.upgrade", region.inventory_path, forks=FORKS,
                                extravars={"sipp_upgrade_packages": [str(package)],
                                           "sipp_upgrade_assisted_approved": True})

    runner, seconds, cpu = product.observed(list(pollers.values()), upgrade)
    results = upgrade_results(runner)
    bad = {c: r.get("status") for c, r in results.items() if r.get("status") != "berhasil"}
    if bad or len(results) != len(pollers):
        raise RuntimeError("the campaign did not upgrade every court: %s" % (bad or sorted(results)))
    downtimes = _downtimes(pollers)
    n = len(pollers)
    runs = [product.module_runs(product.host_results(runner, cid), pollers[cid].window()) for cid in pollers]
    return {"seconds": round(seconds, 1), "cpu_seconds_per_court": round(cpu / n, 2),
            "controller_peak_pss_kib": mem.peak, "downtime": _summary(downtimes), "downtimes": downtimes,
            "poll_seconds": CAMPAIGN_POLL,
            "module_runs_per_court": round(statistics.mean(r[0] for r in runs), 1),
            "module_runs_while_offline_per_court": round(statistics.mean(r[1] for r in runs), 1)}


def campaign_figures(courts, package, today, log=print):
    """P4 on a region of ``courts`` small courts on SIPP 5.1.0: the script, the court put back, the collection."""
    reg = Region(tempfile.mkdtemp(prefix="spc", dir="/tmp"))
    t0 = time.monotonic()
    pids = []
    try:
        reg.up(courts, "local", scale="small", versions=["5.1.0"], today=today, log=lambda *_: None)
        up_s = time.monotonic() - t0
        time.sleep(2)  # let start-up allocations settle
        mem_kib, nproc = region_memory_kib(reg)
        saved = reg.dir / "saved"
        saved.mkdir()
        for c in reg.courts():
            c.save_state(saved / c.info["id"])
        reg.save()
        log("  P4 %d courts: the script" % courts)
        script = by_script(reg, package, reg.dir / "script")
        for c in reg.courts():
            c.load_state(saved / c.info["id"])
        reg.save()
        log("  P4 %d courts: the collection" % courts)
        coll = by_collection(reg, package)
        pids = [r["pid"] for c in reg.data["courts"] for r in c["procs"]]
    finally:
        reg.down(log=lambda *_: None)
        shutil.rmtree(str(reg.dir), ignore_errors=True)
    left = [p for p in pids if procs.start_time(p)]
    return {"courts": courts, "script": script, "collection": coll,
            "wall_ratio": round(coll["seconds"] / script["seconds"], 1),
            "cpu_ratio": round(coll["cpu_seconds_per_court"] / script["cpu_seconds_per_court"], 1),
            "region": {"up_seconds": round(up_s, 1), "pss_kib": mem_kib, "processes": nproc,
                       "left_after_down": len(left)}}
