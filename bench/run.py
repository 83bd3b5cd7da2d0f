"""make bench: the product measured on simulated courts, each figure against its baseline measured in the same run.

Per court scale (small; large unless --quick), on one court on SIPP 5.1.0 (bench/bench_product.py):
- P1 downtime of a successful assisted upgrade (5.1.0 -> 5.2.0), seen from outside by polling the login page, against
  the floor: the same package applied by hand in maintenance (raw dump | zstd, the SQL through the client, the files
  copied); with the module runs on the court and how many fall while SIPP is offline;
- P2 the backup (its database dump step and the whole role) against the raw dump; the second backup of an unchanged
  upload tree against the first;
- P3 the downgrade after a failed migration that changed 2 tables against a full restore of the raw dump.
Then (not with --quick) P4 (bench/bench_campaign.py): a campaign over 5, 10 and 20 small courts against a parallel shell
script doing the same essential work, with wall time, CPU per court, the controller's peak memory and each court's
downtime as the region grows (also against the small court's P1 downtime: a court of a region should be offline about
as long as a court alone); and the simulator's own target (a 20-court region in 2 GiB, nothing left after down).

Read the ratios, not the seconds: the machine may be shared. Results are printed as a table and written to
bench/results/latest.json, the table in Markdown to latest.md (for the README). Exit 1 when a figure could not be
measured or a proof failed.
"""
import argparse
import datetime
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "sim"))
sys.path.insert(0, str(REPO / "tests"))

import bench_campaign as campaign  # noqa: E402
import bench_product as product  # noqa: E402
from sippsim.cli import region_memory_kib  # noqa: E402
from sippsim.simregion import Region  # noqa: E402
from sipptest import build_packages, sync_collection  # noqa: E402

TARGET_KIB = 2 * 1024 * 1024
# the date case data is laid out back from: fixed, so that a kept large court's template serves every later bench
TODAY = "2026-01-15"
# disk a large court needs while measured: the court, its template, two backups, a saved state, dumps (bytes)
LARGE_DISK = 12 * 10 ** 9
UPGRADE = "sipp-5.1.0-5.2.0.zip"
FAILING = "faulty/sipp-5.1.0-5.2.0-migration_fails_halfway.zip"


def log(msg):
    print(msg, flush=True)


def product_figures(scale, packages):
    """P1 to P3 on one court of the given scale (a large court from its kept template when there is one)."""
    reg = Region(tempfile.mkdtemp(prefix="spb", dir="/tmp"))
    t0 = time.monotonic()
    try:
        reg.up(1, "local", scale=scale, versions=["5.1.0"], today=TODAY, template=(scale == "large"),
               log=lambda *_: None)
        up_s = time.monotonic() - t0
        time.sleep(2)  # let start-up allocations settle
        mem_kib, _ = region_memory_kib(reg)
        court = reg.courts()[0]
        log("%s court %s up in %.0f s" % (scale, court.info["id"], up_s))
        out = product.court_figures(reg, court, {"upgrade": packages / UPGRADE, "failing": packages / FAILING},
                                    reg.dir / "bench", log=log)
        out["court"] = {"scale": scale, "up_seconds": round(up_s, 1), "pss_kib": mem_kib, "cases": court_cases(court),
                        "documents_bytes": tree_bytes(court.app_dir / "resources/file")}
        return out
    finally:
        reg.down(log=lambda *_: None)
        shutil.rmtree(str(reg.dir), ignore_errors=True)


def court_cases(court):
    conn = court.sipp_server().connect(court.db_name)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM perkara")
            return cur.fetchone()[0]
    finally:
        conn.close()


def tree_bytes(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file() and not f.is_symlink())


def free_bytes():
    from sippsim.mariadb import cache_dir

    cache = cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    return min(shutil.disk_usage("/tmp").free, shutil.disk_usage(str(cache)).free)


def ratio(a, b):
    return round(a / b, 1) if a is not None and b else None


def table(res, markdown=False):
    rows = [("figure", "the collection", "baseline (by hand)", "ratio")]
    for scale, fig in res["product"].items():
        if "skipped" in fig:
            rows.append(("%s court" % scale, "skipped: " + fig["skipped"], "", ""))
            continue
        p1, p2, p3 = fig["P1"], fig["P2"], fig["P3"]
        c = p1["collection"]
        rows += [
            ("%s court: %d cases, %.2f GB of documents" % (scale, fig["court"]["cases"],
                                                           fig["court"]["documents_bytes"] / 1e9), "", "", ""),
            ("  P1 downtime of an assisted upgrade", "%.1f s" % c["downtime"], "%.1f s" % p1["hand"]["downtime"],
             "%sx" % p1["ratio"]),
            ("  P1 the whole run (controller CPU)", "%.1f s (%.1f CPU-s)" % (c["seconds"],
                                                                          c["controller_cpu_seconds"]), "", ""),
            ("  P1 module runs on the court (while offline)", "%d (%d)" % (c["module_runs"],
                                                                        c["module_runs_while_offline"]), "", ""),
            ("  P2 database dump inside role backup", "%.1f s" % p2["first"]["dump_seconds"],
             "%.1f s raw dump" % p2["raw_dump_seconds"], "%sx" % p2["dump_ratio"]),
            ("  P2 role backup, first", "%.1f s" % p2["first"]["role_seconds"],
             "%.1f s raw dump" % p2["raw_dump_seconds"], "%sx" % p2["backup_ratio"]),
            ("  P2 role backup, second (uploads unchanged)", "%.1f s" % p2["second"]["role_seconds"],
             "%.1f s the first" % p2["first"]["role_seconds"], "%sx" % p2["second_vs_first"]),
            ("  P3 downgrade after a failed migration (2 tables)", "%.1f s" % (p3["downgrade_seconds"] or 0),
             "%.1f s full restore" % p3["full_restore_seconds"], "%sx" % p3["ratio"]),
        ]
    # the small court's P1 downtime: what each court of a region should stay near (issue: within 1.2x)
    small = res["product"].get("small", {})
    alone = small.get("P1", {}).get("collection", {}).get("downtime") if "skipped" not in small else None
    for fig in res.get("campaign", []):
        c, h = fig["collection"], fig["script"]
        rows += [
            ("P4 campaign of %d small courts (forks %d)" % (fig["courts"], campaign.FORKS), "", "", ""),
            ("  wall time", "%.0f s" % c["seconds"], "%.1f s script" % h["seconds"], "%sx" % fig["wall_ratio"]),
            ("  CPU per court", "%.1f CPU-s" % c["cpu_seconds_per_court"], "%.2f CPU-s" % h["cpu_seconds_per_court"],
             "%sx" % fig["cpu_ratio"]),
            ("  each court's downtime, median (max)", "%.0f s (%.0f s)" % (c["downtime"]["median"],
                                                                        c["downtime"]["max"]),
             "%.1f s (%.1f s)" % (h["downtime"]["median"], h["downtime"]["max"]),
             "%sx" % ratio(c["downtime"]["median"], h["downtime"]["median"])),
            ("  each court's downtime, median, against a court alone (P1)", "%.0f s" % c["downtime"]["median"],
             "%.1f s alone" % alone if alone else "-", "%sx" % ratio(c["downtime"]["median"], alone) if alone else ""),
            ("  controller's peak memory (ansible-playbook)", "%.0f MiB" % (c["controller_peak_pss_kib"] / 1024),
             "", ""),
            ("  module runs per court (while offline)", "%.0f (%.0f)" % (c["module_runs_per_court"],
                                                                      c["module_runs_while_offline_per_court"]),
             "", ""),
            ("  simulator: the region's memory", "%.0f MiB" % (fig["region"]["pss_kib"] / 1024), "", ""),
        ]
    if markdown:
        # headings of a block (no figure of their own) in bold
        lines = ["| %s |" % " | ".join(rows[0]), "| --- | --- | --- | --- |"]
        for r in rows[1:]:
            cells = list(r) if any(r[1:]) else ["**%s**" % r[0], "", "", ""]
            lines.append("| %s |" % " | ".join(c.strip() for c in cells))
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows)


def proofs_hold(res):
    bad = []
    for scale, fig in res["product"].items():
        for name, diff in fig.get("proof", {}).items():
            if diff:
                bad.append("%s %s: %s" % (scale, name, "; ".join(diff)))
        if fig.get("P3", {}).get("status") not in (None, "didowngrade"):
            bad.append("%s P3: the failed upgrade ended %s, not didowngrade" % (scale, fig["P3"]["status"]))
    return bad


def simulator_misses(res):
    """The simulator's own targets: a region of 20 courts in 2 GiB, no process left after down."""
    bad = []
    for fig in res.get("campaign", []):
        reg = fig["region"]
        if fig["courts"] >= 20 and reg["pss_kib"] > TARGET_KIB:
            bad.append("simulator: %d courts take %.0f MiB (target 2 GiB)" % (fig["courts"], reg["pss_kib"] / 1024))
        if reg["left_after_down"]:
            bad.append("simulator: %d processes left after down" % reg["left_after_down"])
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the small court's P1 to P3 only (a few minutes)")
    ap.add_argument("--scales", default="small,large", help="court scales of P1 to P3 (default small,large)")
    ap.add_argument("--campaign", default="5,10,20", help="region sizes of P4 (default 5,10,20; '' for none)")
    args = ap.parse_args()

    sync_collection()
    started = datetime.datetime.now(datetime.timezone.utc)
    res = {"started": started.isoformat(timespec="seconds"), "quick": args.quick,
           "machine": {"cpus": __import__("os").cpu_count(), "platform": platform.platform()}, "product": {}}
    with tempfile.TemporaryDirectory(prefix="spbpkg") as tmp:
        packages = build_packages(Path(tmp))
        for scale in ("small",) if args.quick else [x for x in args.scales.split(",") if x]:
            if scale == "large" and free_bytes() < LARGE_DISK:
                res["product"][scale] = {"skipped": "%.1f GB free, %.0f GB needed" % (free_bytes() / 1e9,
                                                                                    LARGE_DISK / 1e9)}
                log("large court skipped: " + res["product"][scale]["skipped"])
                continue
            log("%s court: P1 to P3" % scale)
            res["product"][scale] = product_figures(scale, packages)

        if not args.quick:
            res["campaign"] = []
            for n in [int(x) for x in args.campaign.split(",") if x]:
                log("P4: a campaign of %d courts" % n)
                res["campaign"].append(campaign.campaign_figures(n, packages / UPGRADE, TODAY, log=log))
    res["seconds"] = round((datetime.datetime.now(datetime.timezone.utc) - started).total_seconds())

    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(res, indent=1))
    # the same table for the README
    (out / "latest.md").write_text("%s, %d CPUs, %s\n\n%s\n" % (res["started"], res["machine"]["cpus"],
                                                                res["machine"]["platform"], table(res, True)))
    print(table(res))
    bad = proofs_hold(res) + simulator_misses(res)
    for b in bad:
        print("FAILED: " + b)
    print("bench: %d s; results in %s" % (res["seconds"], out / "latest.json"))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
