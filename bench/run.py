"""make bench: memory and speed of the simulated region, as ratios against a baseline measured in the same run.

- baseline: a one-court local region (memory of its processes, time to bring it up);
- region: `up --courts 20 --mode local`: total memory (PSS of every process, shared pages divided among their users)
  against the 2 GiB target and against 20 baselines, time against 20 baselines, no process left after `down`;
- large: one court at `--scale large` (at least 200,000 cases and 1 GB of documents), time against the baseline
  (skip with --quick).
Results are printed and written to bench/results/latest.json. Exit 1 when a target is missed.
"""
import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "sim"))

from sippsim import procs  # noqa: E402
from sippsim.cli import region_memory_kib  # noqa: E402
from sippsim.court import SIPP_DB, http_get  # noqa: E402
from sippsim.simregion import Region  # noqa: E402

TARGET_KIB = 2 * 1024 * 1024


def measure(courts, scale="small"):
    reg = Region(tempfile.mkdtemp(prefix="spb", dir="/tmp"))
    t0 = time.monotonic()
    reg.up(courts, "local", scale=scale, log=lambda *_: None)
    up_s = time.monotonic() - t0
    time.sleep(2)  # let start-up allocations settle
    mem_kib, nproc = region_memory_kib(reg)
    web_ok = sum(1 for c in reg.courts() if http_get(c.url)[0] == 200)
    pids = [r["pid"] for c in reg.data["courts"] for r in c["procs"]]
    extra = {}
    if scale == "large":
        court = reg.courts()[0]
        conn = court.sipp_server().connect(SIPP_DB)
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM perkara")
            extra["cases"] = cur.fetchone()[0]
        conn.close()
        extra["documents_bytes"] = sum(f.stat().st_size for f in (court.app_dir / "resources/file").rglob("*")
                                       if f.is_file())
    reg.down(log=lambda *_: None)
    left = [p for p in pids if procs.start_time(p)]
    shutil.rmtree(reg.dir, ignore_errors=True)
    return {"courts": courts, "scale": scale, "up_seconds": round(up_s, 1), "pss_kib": mem_kib, "processes": nproc,
            "web_ok": web_ok, "left_after_down": len(left), **extra}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--courts", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="skip the large-scale court")
    args = ap.parse_args()

    base = measure(1)
    region = measure(args.courts)
    res = {
        "baseline": base,
        "region": region,
        "ratios": {
            "region_memory_vs_2GiB_target": round(region["pss_kib"] / TARGET_KIB, 3),
            "region_memory_vs_courts_x_baseline": round(region["pss_kib"] / (args.courts * base["pss_kib"]), 3),
            "region_up_time_vs_courts_x_baseline": round(region["up_seconds"] / (args.courts * base["up_seconds"]),
                                                         3),
        },
    }
    ok = (region["pss_kib"] <= TARGET_KIB and region["left_after_down"] == 0 and base["left_after_down"] == 0
          and region["web_ok"] == args.courts)
    if not args.quick:
        large = measure(1, "large")
        res["large"] = large
        res["ratios"]["large_up_time_vs_baseline"] = round(large["up_seconds"] / base["up_seconds"], 1)
        ok = ok and large["cases"] >= 200000 and large["documents_bytes"] >= 10 ** 9 and large["left_after_down"] == 0

    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(res, indent=1))
    print("baseline (1 court):   %6.0f MiB, up in %5.1fs" % (base["pss_kib"] / 1024, base["up_seconds"]))
    print("region (%d courts):   %6.0f MiB in %d processes, up in %5.1fs, %d/%d login pages 200, %d left after down"
          % (args.courts, region["pss_kib"] / 1024, region["processes"], region["up_seconds"], region["web_ok"],
             args.courts, region["left_after_down"]))
    if "large" in res:
        lg = res["large"]
        print("large court:          %d cases, %.2f GB of documents, up in %.0fs"
              % (lg["cases"], lg["documents_bytes"] / 1e9, lg["up_seconds"]))
    for k, v in res["ratios"].items():
        print("  %-40s %s" % (k, v))
    print("targets %s" % ("met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
