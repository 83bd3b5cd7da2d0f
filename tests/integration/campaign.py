"""Shared by the campaign tests (test_campaign_*.py): a region's variables, the tables a package changes, "nothing
lost" (the simulator's fingerprint: every table's rows and CHECKSUM TABLE, the views, the version and the application
folder's digest; an upgraded court keeps every table the package does not change), a court's lock, and a playbook run
as an AWX job that is cancelled at a chosen moment."""
import json
import time
from pathlib import Path

import yaml

from sipptest import EE_PLAYBOOK, FAST_POLLS, run_playbook

PLAYBOOK = "pengadilan.sipp.upgrade"
GOOD = "sipp-5.2.0-5.2.1.zip"
FAULTY = "faulty/sipp-5.2.0-5.2.1-php_fatal.zip"
LOCK = "var/lib/pengadilan-sipp/kunci-upgrade.json"


def write_vars(reg, packages, host_packages=None, extra=None):
    base = Path(reg.inventory_path).parent
    (base / "group_vars").mkdir(exist_ok=True)
    (base / "host_vars").mkdir(exist_ok=True)
    (base / "group_vars" / "all.yml").write_text(yaml.safe_dump(dict(
        FAST_POLLS, sipp_upgrade_packages=[str(reg.dir / "paket" / p) for p in packages], **(extra or {}))))
    for court, pkgs in (host_packages or {}).items():
        (base / "host_vars" / ("%s.yml" % court)).write_text(yaml.safe_dump(
            {"sipp_upgrade_packages": [str(reg.dir / "paket" / p) for p in pkgs]}))


def changed_tables(reg, name):
    """The tables the package changes (its manifest, and the version in sys_config)."""
    import zipfile

    with zipfile.ZipFile(reg.dir / "paket" / name) as z:
        # sys_config holds the version, which every package changes
        return set(json.loads(z.read("manifest.json"))["tables_changed"]) | {"sys_config"}


def assert_kept(before, after, changed):
    """Every table the package does not change is as it was (rows, checksum, structure): no case record lost."""
    for table, fp in before["tables"].items():
        if table not in changed:
            assert after["tables"].get(table) == fp, table


def lock_of(court):
    path = court.root / LOCK
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def stage_of(court):
    rec = lock_of(court)
    return int((rec or {}).get("progress", {}).get("stage", 0)) if rec and not rec.get("released") else 0


def run_until(inventory, extravars, stop, limit=None):
    """Start the playbook as an AWX job and cancel it (ansible-runner SIGKILLs the job's process group, like AWX's
    cancel or a power cut) as soon as stop() is true. Returns (runner, what stop() saw)."""
    seen = {}

    def cancel():
        if seen:
            return True
        got = stop()
        if got:
            seen.update(got)
            return True
        return False

    return awx_job(PLAYBOOK, inventory, extravars=extravars, limit=limit, cancel_callback=cancel), seen


def awx_job(playbook, inventory, **kw):
    """A job of an AWX job template: ansible-runner with the execution environment's ansible-playbook."""
    return run_playbook(playbook, inventory, binary=EE_PLAYBOOK, **kw)


def when_stage(courts, stages):
    """stop() for run_until: any of courts has reached one of stages; returns every court's stage then."""
    def stop():
        now = {c.info["id"]: stage_of(c) for c in courts}
        if any(s in stages for s in now.values()):
            return now
        return None
    return stop




def wait_until(check, what, timeout=300):
    """check()'s first true value, asked every 0.2 s (a court's lock, a stage, a time); fails after timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError("%s did not happen within %d s" % (what, timeout))
