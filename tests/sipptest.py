"""Helpers shared by the simulator and integration tests: simulated regions, playbooks run the way AWX runs them."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sippsim.simregion import Region

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / ".build"


def sync_collection():
    """Refresh the collection copy Ansible finds (a real directory, as ansible-test wants)."""
    subprocess.run([str(REPO / "scripts" / "sync-collection.sh")], check=True)
    return BUILD / "ansible_collections" / "pengadilan" / "sipp"


def clean_checkout(dest):
    """The files of this checkout that git tracks or would track (no .venv, .build, local state) copied to dest, as a
    fresh clone at this revision would have them; returns dest."""
    dest = Path(dest)
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=str(REPO),
                             stdout=subprocess.PIPE, check=True).stdout.decode("utf-8")
    for name in filter(None, listing.split("\0")):
        src, dst = REPO / name, dest / name
        if not (src.exists() or src.is_symlink()):
            continue  # deleted in the work tree
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            os.symlink(os.readlink(str(src)), str(dst))
        else:
            shutil.copy2(str(src), str(dst))
    return dest


def build_tarball(out):
    """The release tarball built as a release builds it (ansible-galaxy collection build, galaxy.yml's build_ignore)
    from a clean copy of this checkout, in out; returns its path."""
    import yaml

    out = Path(out)
    src = clean_checkout(out / "src")
    galaxy = str(Path(sys.executable).parent / "ansible-galaxy")
    proc = subprocess.run([galaxy, "collection", "build", "--force", "--output-path", str(out)], cwd=str(src),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert proc.returncode == 0, proc.stdout
    version = yaml.safe_load((src / "galaxy.yml").read_text())["version"]
    shutil.rmtree(str(src))
    return out / ("pengadilan-sipp-%s.tar.gz" % version)


def ansible_env():
    return {
        "ANSIBLE_COLLECTIONS_PATH": str(BUILD),
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "PYTHONPATH": str(REPO / "sim"),
    }


def short_state(prefix):
    """A state folder short enough for unix socket paths (107 bytes at most)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


# The simulator's scale for the tests whose checks do not depend on data volume (sippsim.data.SCALES: a few hundred
# cases and a few dozen documents per court). The simulator's own tests and the tests about data volume (backups,
# the downgrade's per-table restore) pass scale=VOLUME_SCALE.
TEST_SCALE = "tiny"
VOLUME_SCALE = "small"


def start_region(prefix, courts, mode, scale=TEST_SCALE, **kw):
    reg = Region(short_state(prefix))
    reg.up(courts, mode, scale=scale, log=lambda *_: None, **kw)
    return reg


def region_while_needed(prefix, courts, mode, **kw):
    """For a fixture (`yield from`): a region started as start_region does, stopped and removed after."""
    reg = start_region(prefix, courts, mode, **kw)
    try:
        yield reg
    finally:
        reg.down()
        shutil.rmtree(reg.dir, ignore_errors=True)


def _venv_on_path():
    """ansible-runner finds ansible-playbook/ansible on PATH, as in an AWX execution environment."""
    venv_bin = str(Path(sys.executable).parent)
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")


# ansible-core 2.16 (.venv-2.16, made by make setup): the last release that manages CentOS 7 courts, and the one
# execution-environment.yml pins, so the tests that play AWX jobs run its ansible-playbook (EE_PLAYBOOK).
BIN_216 = REPO / ".venv-2.16" / "bin"
EE_PLAYBOOK = BIN_216 / "ansible-playbook"
# ansible-core's current release (.venv-2.21 on Python 3.12 or newer, made by make setup): sanity and the upgrade,
# backup and rollback playbooks (tests/integration/test_current_core.py)
BIN_221 = REPO / ".venv-2.21" / "bin"


def other_controller_playbook(folder, hostname="awx-job-lain", binary=EE_PLAYBOOK):
    """An ansible-playbook that runs as on another controller (as each AWX job does, in its own container): a wrapper
    in ``folder`` that starts ``binary`` in its own UTS namespace with the host name ``hostname`` (the machine's own
    name is never changed). Its lock owner then names that controller, and a run on this one cannot ask whether it
    lives. Give it as ``binary`` to run_playbook."""
    wrapper = Path(folder) / "ansible-playbook"
    wrapper.write_text("#!/bin/sh\nexec unshare --uts sh -c 'hostname %s && exec \"$0\" \"$@\"' %s \"$@\"\n"
                       % (hostname, binary))
    wrapper.chmod(0o755)
    return wrapper


def run_playbook(playbook, inventory, extravars=None, check=False, limit=None, binary=None, cancel_callback=None,
                 faults=None, forks=None):
    """Run a playbook as AWX does: ansible-runner, a private data dir, extra vars, artifacts and events read back.
    binary: another ansible-playbook (e.g. EE_PLAYBOOK). cancel_callback: cancels the job when it returns True
    (ansible-runner then kills the job's process group, as AWX's cancel does). faults: faults injected into courts
    between two tasks (tests/integration/callback_plugins/sipptest_fault.py: task, host, event, backup_dir, damage,
    remove, fill, write and text, db_restart and after, fingerprint); what each did is in runner.fault_records after the run (None for one that did not fire).
    forks: Ansible's forks (default: ansible.cfg's)."""
    import ansible_runner

    _venv_on_path()
    pdd = Path(tempfile.mkdtemp(prefix="runner-"))
    envvars = ansible_env()
    faults = [dict(f, done=str(pdd / ("fault-%d.json" % i))) for i, f in enumerate(faults or [])]
    if faults:
        envvars.update(ANSIBLE_CALLBACK_PLUGINS=str(REPO / "tests/integration/callback_plugins"),
                       ANSIBLE_CALLBACKS_ENABLED="sipptest_fault", SIPPTEST_FAULT=json.dumps(faults))
    cmdline = ["--check"] if check else []
    kw = {}
    if binary:
        assert Path(binary).exists(), "%s is missing: make setup creates it" % binary
        # ansible-runner leaves the playbook off the command line of another binary
        kw["binary"] = str(binary)
        cmdline.append(playbook)
    runner = ansible_runner.run(private_data_dir=str(pdd), playbook=playbook, inventory=str(inventory),
                                extravars=extravars or {}, envvars=envvars, cmdline=" ".join(cmdline) or None,
                                limit=limit, quiet=True, cancel_callback=cancel_callback, forks=forks, **kw)
    runner.fault_records = [json.loads(Path(f["done"]).read_text()) if Path(f["done"]).exists() else None
                            for f in faults]
    return runner


def region_secrets(region):
    """Every password of a simulated region (SIPP database and web users of each court)."""
    return [c["db_password"] for c in region.data["courts"]] + [c["web_password"] for c in region.data["courts"]]


def assert_no_secret(region, where):
    """No court's password reaches any file under where (a runner's private data dir: events, stdout, artifacts)."""
    secrets = region_secrets(region)
    for f in Path(where).rglob("*"):
        if f.is_file():
            text = f.read_text(errors="replace")
            for s in secrets:
                assert s not in text, "a password leaked into %s" % f


def fingerprints(region, courts=None):
    """The simulator's own fingerprint of each court: {court id: {version, site_offline, tables, app_tree}}."""
    from sippsim import fingerprint

    return {c.info["id"]: fingerprint.fingerprint(c) for c in region.courts()
            if courts is None or c.info["id"] in courts}


def stats_data(runner):
    """The custom set_stats data of a run (artifact_data of the playbook_on_stats event)."""
    for ev in runner.events:
        if ev["event"] == "playbook_on_stats":
            return ev["event_data"].get("artifact_data") or {}
    return {}


RESULT_EVENTS = ("runner_on_ok", "runner_on_failed", "runner_on_unreachable")


def task_results(runner, task_name):
    """{host: res} of the runner_on_ok/failed events of one task."""
    out = {}
    for ev in runner.events:
        data = ev.get("event_data", {})
        if data.get("task") == task_name and ev["event"] in RESULT_EVENTS:
            out[data["host"]] = dict(data.get("res", {}), _event=ev["event"])
    return out


def run_module(module, module_args, inventory, hosts="all", check=False, extravars=None):
    """Run one module on the courts (ansible-runner ad-hoc, as an AWX ad-hoc command); returns the runner.
    `module_args` is a dict; use module_results(runner) for {host: result}."""
    import ansible_runner

    _venv_on_path()
    pdd = Path(tempfile.mkdtemp(prefix="runner-"))
    return ansible_runner.run(private_data_dir=str(pdd), module=module, module_args=json.dumps(module_args),
                              host_pattern=hosts, inventory=str(inventory), envvars=ansible_env(),
                              extravars=extravars or {}, cmdline="--check" if check else None, quiet=True)


def module_results(runner):
    """{host: result dict with '_event'} of an ad-hoc run."""
    out = {}
    for ev in runner.events:
        if ev["event"] in RESULT_EVENTS:
            data = ev["event_data"]
            out[data["host"]] = dict(data.get("res", {}), _event=ev["event"])
    return out


def lay_over(court, pkg):
    """What a naive upgrade does, by hand: the package's app/ over the application folder, then its sql/ in order,
    stopping at the first failing migration. Returns (manifest, error text or None)."""
    import zipfile

    from sippsim.court import SIPP_DB

    with zipfile.ZipFile(pkg) as z:
        manifest = json.loads(z.read("manifest.json"))
        for rel in manifest["files"]:
            dest = court.app_dir / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(z.read("app/" + rel))
        srv = court.sipp_server()
        for m in manifest["migrations"]:
            tmp = court.dir / "mig.sql"
            tmp.write_bytes(z.read("sql/" + m["file"]))
            try:
                srv.source(tmp, SIPP_DB)
            except RuntimeError as exc:
                return manifest, str(exc)
    return manifest, None


# The roles' own poll intervals, shorter for the tests: a small simulated court finishes each background step (dump,
# copy, restore) in about a second, so the same tasks run the same way without waiting up to 10 s after each.
FAST_POLLS = {"sipp_backup_poll_interval": 1, "sipp_rollback_poll_interval": 1, "sipp_preflight_poll_interval": 1}
# The task of pengadilan.sipp.upgrade that sets each court's result.
UPGRADE_RESULT_TASK = "Langkah 10 - susun hasil pengadilan"


def inventory_with_dead_court(region, folder, name="pn_mati", **hostvars):
    """An inventory folder with the region's courts and one more court, ``name``, that cannot be reached (its SSH
    port closed, as a server that is off or cut from the network), in the region's first group with ``hostvars``.
    Its file (mati.yml) is read before the region's: the dead court comes first (the canary of a run in waves)."""
    import yaml

    folder = Path(folder)
    shutil.copy(str(region.inventory_path), str(folder / "region.yml"))
    group = next(iter(region.inventory()["all"]["children"]))
    dead = dict({"ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_user": "root", "ansible_connection": "ssh",
                 "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                                            "-o BatchMode=yes"}, **hostvars)
    (folder / "mati.yml").write_text(yaml.safe_dump({"all": {"children": {group: {"hosts": {name: dead}}}}}))
    return folder


def build_packages(out):
    """The release history's upgrade packages in out and the faulty ones in out/faulty (with FAULTS.json), built by
    the simulator; returns out."""
    from sippsim import faults, release

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    release.build_packages(out)
    faults.build_faulty(out / "faulty")
    return out


def upgrade_results(runner):
    """{court: sipp_result} of a run of pengadilan.sipp.upgrade."""
    return {h: r["ansible_facts"]["sipp_result"] for h, r in task_results(runner, UPGRADE_RESULT_TASK).items()}
