"""Start daemons detached from the CLI, remember them by PID and start time, stop them for sure."""
import fcntl
import os
import signal
import socket
import subprocess
import time


def start_time(pid):
    """The process's start time in clock ticks, so a recycled PID is never taken for ours."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def spawn(argv, log_path, name, env=None, cwd=None):
    """Start a daemon in its own session; return its record for the state file."""
    # one malloc arena per process: MariaDB's per-thread arenas otherwise hold tens of MB each server
    env = dict(env if env is not None else os.environ, MALLOC_ARENA_MAX="1")
    log = open(log_path, "ab")
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, env=env, cwd=cwd, close_fds=True)
    finally:
        log.close()
    return {"name": name, "pid": proc.pid, "start": start_time(proc.pid), "argv": argv, "log": str(log_path)}


def alive(rec):
    st = start_time(rec["pid"])
    if st is None or st != rec.get("start"):
        return False
    try:
        with open("/proc/%d/stat" % rec["pid"]) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _reap(pid):
    """Collect the exit status of a daemon we started in this process, so no zombie stays behind."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # started by another sippsim process: init collects it


def stop(rec, timeout=30.0):
    """SIGTERM, wait, then SIGKILL. Returns True when the process is gone (and reaped, if it was our child)."""
    try:
        return _stop(rec, timeout)
    finally:
        if start_time(rec["pid"]) == rec.get("start"):
            _reap(rec["pid"])


def _stop(rec, timeout):
    if not alive(rec):
        return True
    try:
        os.kill(rec["pid"], signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(rec):
            return True
        time.sleep(0.1)
    try:
        os.kill(rec["pid"], signal.SIGKILL)
    except ProcessLookupError:
        return True
    for _ in range(50):
        if not alive(rec):
            return True
        time.sleep(0.1)
    return False


def wait_for(check, what, timeout=60.0, rec=None):
    """Poll check() until it returns a true value; fail early if the daemon died."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - we report the last error if it never comes up
            last = exc
        if rec is not None and not alive(rec):
            raise RuntimeError("%s died while starting; see %s" % (what, rec.get("log")))
        time.sleep(0.1)
    raise RuntimeError("%s did not come up within %ds (%s)" % (what, timeout, last))


# Ports for the simulated servers come from below the kernel's ephemeral range: a port the kernel hands out itself
# (bind to port 0) can be taken by any outgoing connection (Ansible, PyMySQL, HTTP) before the server binds it, and
# two builders running at once (pytest workers, molecule) could be handed the same one. Here every builder on the
# machine takes the next port of one counter under a file lock, so no port is handed out twice until the counter
# wraps, and a port something already listens on is skipped.
PORT_RANGE = (20000, 32000)
PORT_COUNTER = "/tmp/sippsim-next-port"


def _bindable(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port():
    low, high = PORT_RANGE
    fd = os.open(PORT_COUNTER, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            port = int(f.read().strip() or low)
        except ValueError:
            port = low
        for _ in range(high - low):
            if not low <= port < high:
                port = low
            candidate, port = port, port + 1
            if _bindable(candidate):
                f.seek(0)
                f.truncate()
                f.write(str(port))
                return candidate
    raise RuntimeError("no free port for a simulated server in %d-%d" % PORT_RANGE)


def pss_kib(pid):
    """Proportional set size: shared pages divided among their users, so a sum over processes is honest."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid):
    """PIDs of every process below pid (children first found through /proc)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out
