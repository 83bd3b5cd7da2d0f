"""python -m sippsim: bring a simulated SIPP region up and down, and act on its courts."""
import argparse
import json
import subprocess
import sys
from pathlib import Path

from . import procs, release, sync
from .data import SCALES
from .court import http_get
from .simregion import Region, default_state


def _region(args, need_up=True):
    reg = Region(args.state)
    if need_up and not (reg.data and reg.data.get("courts")):
        sys.exit("sippsim: no region in %s (start one with `sippsim up`)" % reg.dir)
    return reg


def _per_court(items, option, example):
    """{court: value} of a repeatable COURT=VALUE option."""
    out = {}
    for item in items or []:
        court, sep, value = item.partition("=")
        if not sep:
            raise ValueError("%s takes COURT=VALUE, such as %s (got %r)" % (option, example, item))
        out[court] = value
    return out


def cmd_up(args):
    versions = args.versions.split(",") if args.versions else None
    Region(args.state).up(args.courts, args.mode, args.scale, args.seed, versions, today=args.today,
                          clock_offsets=_per_court(args.clock_offset, "--clock-offset", "pn_bandung=-3d"),
                          db_names=_per_court(args.db_name, "--db-name", "pn_bandung=sipp"), template=args.template,
                          systems=_per_court(args.system, "--system", "pn_bandung=centos7"),
                          servers=_per_court(args.server, "--server", "pn_bandung=10.5"))
    return 0


def cmd_clock(args):
    reg = _region(args)
    court = reg.court(args.court)
    court.set_clock(args.offset)
    reg.save()
    reg.write_inventory()
    print("%s: clock %s" % (court.info["id"], args.offset))
    return 0


def cmd_move(args):
    reg = _region(args)
    court = reg.court(args.court)
    court.move_folder(args.to, args.folder)
    reg.save()
    print("%s: %s -> %s" % (court.info["id"], args.folder, args.to))
    return 0


def cmd_release(args):
    reg = _region(args)
    court = reg.court(args.court)
    release = court.use_release_folder(args.to, args.relative)
    reg.save()
    print("%s: %s -> %s" % (court.info["id"], court.app_path, release))
    return 0


def cmd_engine(args):
    reg = _region(args)
    court = reg.court(args.court)
    tables = [t for t in args.tables.split(",") if t]
    court.use_engine(tables, args.engine)
    reg.save()
    print("%s: %s -> %s" % (court.info["id"], ", ".join(tables), args.engine))
    return 0


def cmd_down(args):
    reg = Region(args.state)
    return 0 if reg.down(remove=not args.keep_files) else 1


def court_status(court):
    info = court.info
    row = {"id": info["id"], "nama": info["nama"], "group": info["group"], "kode_satker": info["kode_satker"],
           "address": court.address, "url": court.url, "app_path": court.app_path,
           "processes": {r["name"]: procs.alive(r) for r in info.get("procs", [])}}
    try:
        conn = court.sipp_server().connect(court.db_name)
        with conn.cursor() as cur:
            cur.execute("SELECT value FROM sys_config WHERE id = 80")
            row["version"] = cur.fetchone()[0]
        conn.close()
    except Exception as exc:  # noqa: BLE001 - status reports, never fails
        row["version"] = None
        row["db_error"] = str(exc)
    try:
        row["sync_stamp"] = sync.stamp(court)
    except Exception as exc:  # noqa: BLE001
        row["sync_stamp"] = None
        row["sync_error"] = str(exc)
    row["web_status"] = http_get(court.url, timeout=5)[0]
    row["pss_kib"] = sum(procs.pss_kib(r["pid"]) for r in info.get("procs", []) if procs.alive(r))
    return row


def region_memory_kib(reg):
    """PSS of every process of the region, daemons and what they spawned."""
    pids = set()
    for c in reg.data["courts"]:
        for r in c.get("procs", []):
            if procs.alive(r):
                pids.add(r["pid"])
                pids.update(procs.descendants(r["pid"]))
    return sum(procs.pss_kib(p) for p in pids), len(pids)


def cmd_status(args):
    reg = _region(args)
    rows = [court_status(c) for c in reg.courts()]
    mem, nproc = region_memory_kib(reg)
    if args.json:
        print(json.dumps({"state": str(reg.dir), "mode": reg.mode, "courts": rows, "pss_kib": mem,
                          "processes": nproc}, indent=1, default=str))
        return 0
    print("region %s (%s mode): %d court(s), %d process(es), %.0f MiB (PSS)"
          % (reg.dir, reg.mode, len(rows), nproc, mem / 1024))
    for r in rows:
        up = all(r["processes"].values()) and bool(r["processes"])
        print("  %-16s %-8s %-6s web %3s  sync %-19s %s" % (r["id"], r["version"], "up" if up else "DOWN",
                                                         r["web_status"], r["sync_stamp"], r["url"]))
    return 0


def cmd_inventory(args):
    reg = _region(args)
    if args.path:
        print(reg.inventory_path)
    else:
        sys.stdout.write(reg.inventory_path.read_text())
    return 0


def cmd_sync(args):
    reg = _region(args)
    try:
        out = sync.sync(reg.court(args.court), fault=args.fault)
    except sync.SyncFailed as exc:
        print("sippsim: sync failed: %s" % exc, file=sys.stderr)
        return 3
    print(json.dumps(out))
    return 0


def cmd_fault(args):
    reg = _region(args)
    court = reg.court(args.court)
    if args.sync is not None:
        # kept in the region's state and in the court's application folder, where its sync meets it
        sync.set_fault(court, None if args.sync == "none" else args.sync)
    reg.save()
    print("%s: sync fault %s" % (court.info["id"], court.info.get("sync_fault") or "none"))
    return 0


def cmd_db_restart(args):
    reg = _region(args)
    court = reg.court(args.court)
    court.restart_db(args.after)
    reg.save()
    print("%s: MariaDB killed, starting again in %gs" % (court.info["id"], args.after))
    return 0


def cmd_age_sync(args):
    reg = _region(args)
    print(sync.age(reg.court(args.court), args.hours))
    return 0


def cmd_exec(args):
    reg = _region(args)
    argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    return reg.court(args.court).exec(argv).returncode


def cmd_packages(args):
    from . import faults
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for p in release.build_packages(out):
        print(p)
    for name in sorted(faults.build_faulty(out / "faulty")):
        print(out / "faulty" / name)
    return 0


def cmd_fingerprint(args):
    from . import fingerprint
    reg = _region(args)
    ids = args.courts or [c.info["id"] for c in reg.courts()]
    prints = {cid: fingerprint.fingerprint(reg.court(cid)) for cid in ids}
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        bad = 0
        for cid in ids:
            diff = fingerprint.differences(before.get(cid, {}), prints[cid])
            bad += bool(diff)
            print("%-16s %s" % (cid, "IDENTICAL" if not diff else "DIFFERS: " + "; ".join(diff)))
        return 1 if bad else 0
    text = json.dumps(prints, indent=1, sort_keys=True) + "\n"
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv=None):
    state_help = "state folder (default $SIPPSIM_STATE or ./.sippsim: %s)" % default_state()
    p = argparse.ArgumentParser(prog="sippsim", description=__doc__)
    p.add_argument("--state", default=None, help=state_help)
    # --state is taken after the command too: `sippsim up --state DIR`
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state", default=argparse.SUPPRESS, help=state_help)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("up", parents=[common], help="start a simulated region")
    s.add_argument("--courts", type=int, default=5)
    s.add_argument("--mode", choices=["local", "ssh"], default="local")
    s.add_argument("--scale", choices=list(SCALES), default="small",
                   help="cases per court: %s" % ", ".join("%s %d" % kv for kv in SCALES.items()))
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--template", action="store_true",
                   help="start each court from its kept template when there is one (same court, seed, --today, "
                        "version and scale), else build it and keep one in ~/.cache/sippsim/courts: a large court "
                        "then starts in seconds (its template takes about as much disk as the court)")
    s.add_argument("--versions", help="comma-separated versions the courts start on, in rotation "
                   "(default: every version but the newest)")
    s.add_argument("--today", help="the date the case data is laid out back from, YYYY-MM-DD (default: today); "
                   "the same seed and date give the same data")
    s.add_argument("--db-name", action="append", metavar="COURT=NAME",
                   help="a court whose SIPP database has another name than SIPP, e.g. pn_bandung=sipp (repeatable)")
    s.add_argument("--clock-offset", action="append", metavar="COURT=OFFSET",
                   help="a court whose own clock is wrong, e.g. pn_bandung=-3d or pn_bogor=+30d (libfaketime in its "
                        "SSH sessions, or its Python interpreter in local mode; the machine's clock is never changed); "
                        "repeatable")
    s.add_argument("--system", action="append", metavar="COURT=SYSTEM",
                   help="ssh mode: a court that looks like CentOS 7 to the controller, e.g. pn_bandung=centos7 (its "
                        "/etc/os-release, /usr/bin/python a Python 2.7, /usr/bin/python3 a Python 3.6 without "
                        "PyMySQL, mysql/mysqldump without the mariadb* names, no zstd; in its own mount namespace, "
                        "from pyenv's 2.7.18 and 3.6.15); its inventory names no Python; repeatable")
    s.add_argument("--server", action="append", metavar="COURT=BUILD",
                   help="local mode: a court whose SIPP database runs on an older server, e.g. pn_bandung=10.5 "
                        "(Debian 11's MariaDB 10.5, fetched once from deb.debian.org into ~/.cache/sippsim/servers, "
                        "signature and sha256 checked; nothing is installed); repeatable")
    s.set_defaults(func=cmd_up)

    s = sub.add_parser("clock", parents=[common],
                       help="set a court's clock offset for what starts from now on: "
                            "sippsim clock pn_bogor --offset=-3d (libfaketime: +30d, -3d, -3y, +90m, +0)")
    s.add_argument("court")
    s.add_argument("--offset", required=True)
    s.set_defaults(func=cmd_clock)

    s = sub.add_parser("move", parents=[common],
                       help="move a folder of a court's application to another disk, leaving a symlink in its place "
                            "(as courts do with the uploads): sippsim move pn_bogor --to /mnt/dokumen/file")
    s.add_argument("court")
    s.add_argument("--to", required=True, help="an empty or absent folder (e.g. on a small filesystem you mounted)")
    s.add_argument("--folder", default="resources/file", help="the folder, relative to the application folder")
    s.set_defaults(func=cmd_move)

    s = sub.add_parser("release", parents=[common],
                       help="keep a court's application in a release folder, the application folder a link to it "
                            "(as courts that keep releases side by side do): sippsim release pn_bogor")
    s.add_argument("court")
    s.add_argument("--to", help="the folder of releases (default: the court's own srv/sipp-rilis)")
    s.add_argument("--relative", action="store_true", help="a link relative to the application folder's parent")
    s.set_defaults(func=cmd_release)

    s = sub.add_parser("engine", parents=[common],
                       help="convert tables of a court's SIPP database to another engine (older databases keep "
                            "MyISAM tables): sippsim engine pn_bogor --tables sys_audittrail,perkara_jadwal_sidang")
    s.add_argument("court")
    s.add_argument("--tables", required=True, help="comma-separated table names")
    s.add_argument("--engine", default="MyISAM", choices=["MyISAM", "Aria", "InnoDB"])
    s.set_defaults(func=cmd_engine)

    s = sub.add_parser("down", parents=[common], help="stop everything the region started")
    s.add_argument("--keep-files", action="store_true", help="keep the courts' folders")
    s.set_defaults(func=cmd_down)

    s = sub.add_parser("status", parents=[common], help="each court's version, web answer, sync stamp; memory of the region")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("inventory", parents=[common], help="print the Ansible inventory of the region")
    s.add_argument("--path", action="store_true", help="print only its path")
    s.set_defaults(func=cmd_inventory)

    s = sub.add_parser("sync", parents=[common], help="synchronise a court to its public side now")
    s.add_argument("court")
    s.add_argument("--fault", choices=sync.FAULTS)
    s.set_defaults(func=cmd_sync)

    s = sub.add_parser("fault", parents=[common], help="set a court's lasting sync fault")
    s.add_argument("court")
    s.add_argument("--sync", choices=sync.FAULTS + ("none",))
    s.set_defaults(func=cmd_fault)

    s = sub.add_parser("db-restart", parents=[common],
                       help="kill a court's SIPP MariaDB now and start it again after a delay, as its service "
                            "manager would: sippsim db-restart pn_bogor --after 5 (returns at once)")
    s.add_argument("court")
    s.add_argument("--after", type=float, default=5.0, help="seconds before it starts again (default 5)")
    s.set_defaults(func=cmd_db_restart)

    s = sub.add_parser("age-sync", parents=[common], help="move a court's public sync stamp back by some hours")
    s.add_argument("court")
    s.add_argument("--hours", type=float, required=True)
    s.set_defaults(func=cmd_age_sync)

    s = sub.add_parser("exec", parents=[common], help="run a command on a court (inside its namespaces in ssh mode)")
    s.add_argument("court")
    s.add_argument("argv", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_exec)

    s = sub.add_parser("packages", parents=[common], help="build the upgrade packages of the release history, faulty ones too")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_packages)

    s = sub.add_parser("fingerprint", parents=[common],
                       help="version, every table's rows/checksum/structure and the application folder's digest "
                            "(--out FILE), or compare them with an earlier one (--compare FILE)")
    s.add_argument("courts", nargs="*")
    s.add_argument("--out")
    s.add_argument("--compare")
    s.set_defaults(func=cmd_fingerprint)

    args = p.parse_args(argv)
    try:
        return args.func(args)
    except (RuntimeError, ValueError, KeyError, subprocess.CalledProcessError) as exc:
        print("sippsim: %s" % exc, file=sys.stderr)
        return 2
