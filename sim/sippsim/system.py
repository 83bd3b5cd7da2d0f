"""A court's operating system as the controller sees it (ssh mode): by default the machine's own (Debian), or one made
to look like CentOS 7, the system most court servers still run.

A CentOS 7 court, in its own mount namespace only (`_holder.py` lays it out; nothing of the machine changes):
- `/etc` is the machine's with CentOS 7's `os-release`, `centos-release`, `redhat-release` and `system-release`, and
  without Debian's `debian_version`, so that ansible-core's interpreter discovery (and Python's `platform.dist()`)
  take it for CentOS 7.9;
- `/usr/bin` is the machine's with `python`, `python2` and `python2.7` a Python 2.7 (yum needs it there) and
  `python3` and `python3.6` a Python 3.6 without PyMySQL, both from pyenv (Debian 12 has no Python 2 package), and
  without the machine's own Python 3, the `mariadb*` names of the client programs (CentOS 7's MariaDB 5.5 has only
  `mysql`, `mysqldump`, ...: they are the machine's MariaDB client, seen under `/run/sippsim-usr-bin`) and `zstd`.
Both are overlay filesystems over the machine's folders, with the files above in an upper folder of the court's own
state; the two pyenv versions are bound into the court's own `/root`, where pyenv keeps them.
"""
import json
import os
import stat
from pathlib import Path

from ._holder import BINDS

SYSTEMS = ("debian", "centos7")
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
CENTOS7_PYTHONS = {"2.7.18": ("python2.7", ("python", "python2", "python2.7")),
                   "3.6.15": ("python3.6", ("python3", "python3.6"))}
# what CentOS 7 does not have under these names (matched by prefix), in the machine's /usr/bin
CENTOS7_HIDDEN = ("python3", "pydoc3", "mariadb", "zstd")
# where a CentOS 7 court sees the machine's own /usr/bin (inside its own /run)
HOST_BIN = "/run/sippsim-usr-bin"
CENTOS7_RELEASE = "CentOS Linux release 7.9.2009 (Core)\n"
CENTOS7_OS_RELEASE = """NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"
"""


def check(system):
    if system not in SYSTEMS:
        raise ValueError("unknown system %r (known: %s)" % (system, ", ".join(SYSTEMS)))
    return system


def missing_pythons():
    """The pyenv versions a CentOS 7 court needs that this machine lacks, each with how to install it."""
    return ["%s (pyenv install %s)" % (PYENV_VERSIONS / v, v) for v in CENTOS7_PYTHONS
            if not (PYENV_VERSIONS / v / "bin" / CENTOS7_PYTHONS[v][0]).exists()]


def _whiteout(path):
    """An overlay filesystem's mark that a file of the lower folder is absent."""
    os.mknod(str(path), stat.S_IFCHR | 0o600, os.makedev(0, 0))


def prepare(court_dir, court_root, system):
    """Write the layout of `system` under `court_dir/system` and return the path of its spec for `_holder.py`, or
    None for the machine's own system."""
    if check(system) == "debian":
        return None
    missing = missing_pythons()
    if missing:
        raise RuntimeError("a CentOS 7 court needs Python 2.7 and 3.6 from pyenv, missing: %s" % "; ".join(missing))
    base = Path(court_dir) / "system"
    spec = {"binds": [], "overlays": []}
    bin_up = base / "usr-bin"
    etc_up = base / "etc"
    for d in (bin_up, etc_up, base / "usr-bin.work", base / "etc.work"):
        d.mkdir(parents=True, exist_ok=True)
    for name in os.listdir("/usr/bin"):
        if name.startswith(CENTOS7_HIDDEN) and not os.path.lexists(bin_up / name):
            _whiteout(bin_up / name)
    # the client programs under their mysql* names only: Debian's mysql* are links to the mariadb* names, which are
    # hidden; they point to the machine's /usr/bin, bound into the court's own /run before the overlay hides it
    host_bin = Path(court_root) / HOST_BIN.lstrip("/")
    host_bin.mkdir(parents=True, exist_ok=True)
    spec["binds"].append(["/usr/bin", str(host_bin)])
    for name in os.listdir("/usr/bin"):
        target = os.readlink("/usr/bin/" + name) if os.path.islink("/usr/bin/" + name) else ""
        if name.startswith("mysql") and target.startswith("mariadb") and not os.path.lexists(bin_up / name):
            os.symlink("%s/%s" % (HOST_BIN, target), bin_up / name)
    for version, (program, names) in CENTOS7_PYTHONS.items():
        src = PYENV_VERSIONS / version
        rel = str(src).lstrip("/")
        if any(rel == b or rel.startswith(b + "/") for b in BINDS):
            # in a folder the court has to itself (pyenv's own /root): bound there before that folder is, so that
            # the Python's prefix holds inside the court
            dst = Path(court_root) / rel
            dst.mkdir(parents=True, exist_ok=True)
            spec["binds"].append([str(src), str(dst)])
        for name in names:
            link = bin_up / name
            if os.path.lexists(link):
                os.unlink(link)
            os.symlink(str(src / "bin" / program), link)
    for name, text in (("os-release", CENTOS7_OS_RELEASE), ("centos-release", CENTOS7_RELEASE)):
        if os.path.lexists(etc_up / name):
            os.unlink(etc_up / name)
        (etc_up / name).write_text(text)
    for name in ("redhat-release", "system-release"):
        if not os.path.lexists(etc_up / name):
            os.symlink("centos-release", etc_up / name)
    if not os.path.lexists(etc_up / "debian_version"):
        _whiteout(etc_up / "debian_version")
    spec["overlays"] = [{"target": "/usr/bin", "upper": str(bin_up), "work": str(base / "usr-bin.work")},
                        {"target": "/etc", "upper": str(etc_up), "work": str(base / "etc.work")}]
    path = base / "spec.json"
    path.write_text(json.dumps(spec, indent=1))
    return path
