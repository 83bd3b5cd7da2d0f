"""Helpers shared by the simulator and integration tests: simulated regions, playbooks run the way AWX runs them."""
import os
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


def start_region(prefix, courts, mode, **kw):
    reg = Region(short_state(prefix))
    reg.up(courts, mode, log=lambda *_: None, **kw)
    return reg


def run_playbook(playbook, inventory, extravars=None, check=False, limit=None):
    """Run a playbook as AWX does: ansible-runner, a private data dir, extra vars, artifacts and events read back."""
    import ansible_runner

    # ansible-runner finds ansible-playbook on PATH, as in an AWX execution environment
    venv_bin = str(Path(sys.executable).parent)
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
    pdd = Path(tempfile.mkdtemp(prefix="runner-"))
    return ansible_runner.run(private_data_dir=str(pdd), playbook=playbook, inventory=str(inventory),
                              extravars=extravars or {}, envvars=ansible_env(), cmdline="--check" if check else None,
                              limit=limit, quiet=True)


RESULT_EVENTS = ("runner_on_ok", "runner_on_failed", "runner_on_unreachable")


def task_results(runner, task_name):
    """{host: res} of the runner_on_ok/failed events of one task."""
    out = {}
    for ev in runner.events:
        data = ev.get("event_data", {})
        if data.get("task") == task_name and ev["event"] in RESULT_EVENTS:
            out[data["host"]] = dict(data.get("res", {}), _event=ev["event"])
    return out
