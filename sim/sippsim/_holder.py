"""Holds a court's mount namespace open (ssh mode): binds the court's folders over the production paths, then waits.

Run as: ip netns exec NS unshare --mount --uts --propagation private -- python3 _holder.py ROOT READY HOSTNAME [SPEC]
SPEC (sippsim/system.py): a court whose system is not the machine's; its binds and overlay filesystems come first.
Every service of the court is then started with `nsenter -t <this pid> -m -u -n`, so it sees /var/www/html,
/var/lib/mysql, /run, ... of its own court. Plain standard library: it runs on the host's python3.
"""
import json
import os
import signal
import socket
import subprocess
import sys

# Folders each court has to itself; any other path inside a court is the host's own.
BINDS = ["var/www/html", "var/lib/mysql", "var/lib/pengadilan-sipp", "var/log/mysql", "var/backups", "run", "root",
         "etc/mysql", "etc/ssh", "tmp"]


def main():
    root, ready, hostname = sys.argv[1], sys.argv[2], sys.argv[3]
    socket.sethostname(hostname)
    # opened before the binds: the state folder may live under /tmp, which the court's own /tmp then hides
    signal_file = open(ready, "w")
    if len(sys.argv) > 4:
        with open(sys.argv[4]) as f:
            spec = json.load(f)
        for src, dst in spec["binds"]:
            subprocess.check_call(["mount", "--bind", src, dst])
        for ov in spec["overlays"]:
            subprocess.check_call(["mount", "-t", "overlay", "overlay", "-o", "lowerdir=%s,upperdir=%s,workdir=%s"
                                   % (ov["target"], ov["upper"], ov["work"]), ov["target"]])
    for rel in BINDS:
        src = os.path.join(root, rel)
        dst = "/" + rel
        os.makedirs(src, exist_ok=True)
        os.makedirs(dst, exist_ok=True)
        # recursive: what is mounted under the court's folder (a Python bound into its /root) comes along
        subprocess.check_call(["mount", "--rbind", src, dst])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with signal_file:
        signal_file.write(str(os.getpid()))
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
