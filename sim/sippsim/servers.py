"""Database server builds a simulated court may run besides the machine's own MariaDB (local mode).

Courts run older servers than this machine's MariaDB 10.11 (CentOS 7: MariaDB 5.5; older Debian and Ubuntu: 10.3 and
10.5). The builds a registry this machine reaches still offers are listed in BUILDS: Debian 11's MariaDB 10.5 from
deb.debian.org. `fetch` downloads its packages once into ~/.cache/sippsim/servers/<build>/, each checked against the
sha256 in Debian's package index, the index against the suite's signed InRelease (gpgv with the machine's
debian-archive-keyring), and unpacks them there (dpkg-deb -x; nothing is installed on the machine). The server then
runs from that folder with its own libraries (LD_LIBRARY_PATH). MariaDB 5.5, 10.3 and MySQL 5.x are offered by no
registry this machine reaches (Debian 10 lives only on archive.debian.org).
"""
import fcntl
import hashlib
import lzma
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

MIRROR = "http://deb.debian.org/debian"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
BUILDS = {
    "10.5": {
        "suite": "bullseye",
        "packages": ["mariadb-server-core-10.5", "mariadb-server-10.5", "mariadb-common", "libssl1.1",
                     "libsnappy1v5", "liblz4-1", "libaio1"],
    },
}


def _cache():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(base) / "sippsim" / "servers"


def _get(url, timeout=120):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _index(suite):
    """{package: {Filename, SHA256}} of the suite's main/amd64 index, the index proved by the signed InRelease."""
    inrelease = _get("%s/dists/%s/InRelease" % (MIRROR, suite))
    proc = subprocess.run(["gpgv", "--keyring", KEYRING, "--output", "-"], input=inrelease, capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError("%s InRelease: signature not verified: %s" % (suite, proc.stderr.decode(errors="replace")))
    release = proc.stdout.decode()
    want = None
    in_sha256 = False
    for line in release.splitlines():
        if line.startswith("SHA256:"):
            in_sha256 = True
            continue
        if in_sha256 and line.startswith(" "):
            digest, _size, name = line.split()
            if name == "main/binary-amd64/Packages.xz":
                want = digest
        elif in_sha256:
            in_sha256 = False
    packed = _get("%s/dists/%s/main/binary-amd64/Packages.xz" % (MIRROR, suite))
    if want is None or hashlib.sha256(packed).hexdigest() != want:
        raise RuntimeError("%s Packages.xz does not match its signed InRelease" % suite)
    out = {}
    for stanza in lzma.decompress(packed).decode("utf-8", "replace").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line[0].isspace())
        if "Package" in fields:
            out[fields["Package"]] = fields
    return out


def root(build):
    """The folder the build is unpacked in (fetched first when missing)."""
    if build not in BUILDS:
        raise ValueError("unknown server build %r (known: %s)" % (build, ", ".join(sorted(BUILDS))))
    folder = _cache() / ("mariadb-%s" % build)
    if (folder / ".complete").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(str(folder) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / ".complete").exists():
            return folder
        spec = BUILDS[build]
        index = _index(spec["suite"])
        work = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(work, ignore_errors=True)
        (work / "debs").mkdir(parents=True)
        for name in spec["packages"]:
            fields = index[name]
            data = _get("%s/%s" % (MIRROR, fields["Filename"]))
            if hashlib.sha256(data).hexdigest() != fields["SHA256"]:
                raise RuntimeError("%s: sha256 does not match Debian's index" % fields["Filename"])
            deb = work / "debs" / os.path.basename(fields["Filename"])
            deb.write_bytes(data)
            subprocess.run(["dpkg-deb", "-x", str(deb), str(work / "root")], check=True)
        (work / "root" / ".complete").touch()
        shutil.rmtree(folder, ignore_errors=True)
        os.rename(work / "root", folder)
        shutil.rmtree(work, ignore_errors=True)
    return folder


def programs(build):
    """How to run a build: {mariadbd, install_db, basedir, env} (None for the machine's own MariaDB)."""
    if build in (None, "", "system"):
        return None
    base = root(build)
    return {"mariadbd": str(base / "usr/sbin/mariadbd"), "install_db": str(base / "usr/bin/mariadb-install-db"),
            "basedir": str(base / "usr"),
            "env": dict(os.environ, LD_LIBRARY_PATH=str(base / "usr/lib/x86_64-linux-gnu"))}
