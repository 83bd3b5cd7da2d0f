"""Several region builders at once (the courts of one region are built by threads of one process; pytest workers and
molecule build regions in other processes): the shared datadir template and the servers' ports."""
import subprocess
import sys
import threading

from sippsim import mariadb, procs


def test_threads_making_the_template_at_once_all_get_it(tmp_path, monkeypatch):
    # a fresh machine: no template yet, four courts of one region ask for it at the same moment
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    got, errors = [], []

    def make():
        try:
            got.append(mariadb.template_datadir())
        except Exception as exc:  # noqa: BLE001 - collected and shown by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(got)) == 1 and (got[0] / ".complete").exists() and (got[0] / "mysql").is_dir()
    # no half-made work folder is left beside it
    assert sorted(p.name for p in got[0].parent.iterdir() if not p.name.endswith(".lock")) == [got[0].name]


def test_ports_handed_out_at_once_by_several_processes_never_repeat(tmp_path):
    code = ("import sys; sys.path.insert(0, 'sim'); from sippsim import procs; "
            "print(*[procs.free_port() for _ in range(40)])")
    runs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(4)]
    ports = [int(p) for r in runs for p in r.communicate()[0].split()]
    assert all(r.returncode == 0 for r in runs)
    assert len(ports) == 160 and len(set(ports)) == 160
    # below the kernel's ephemeral range, so no outgoing connection takes one before its server binds it
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    assert all(procs.PORT_RANGE[0] <= p < min(procs.PORT_RANGE[1], low) for p in ports)
