#!/usr/bin/env bash
# Prepare this machine for the pengadilan.sipp collection: Debian packages, the three Python virtual environments
# (ansible-core 2.19, 2.16 and 2.21), the installed collection copy, awx.awx (for awx/setup.yml's checks) and
# ansible-test's offline pip bootstrap. Run as root (Debian 12). Idempotent: every step checks before it acts,
# so a second run takes a few seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STAMP="$ROOT/.venv/.setup-done"
LOGDIR="$ROOT/.build/logs"

APT_PACKAGES=(
    mariadb-server mariadb-client php-cli php-mysql
    openssh-server openssh-client iproute2
    zstd rsync unzip zip procps psmisc curl git make faketime
    python3-venv shellcheck debian-archive-keyring
)

step() { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# Run a noisy command with its output in a log file; show the log's end if it fails.
quiet() {
    local log="$1"
    shift
    mkdir -p "$LOGDIR"
    if ! "$@" >"$log" 2>&1; then
        printf 'setup: command failed: %s\n--- last lines of %s ---\n' "$*" "$log" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

sha() { cat "$@" | sha256sum | cut -d' ' -f1; }

# --------------------------------------------------------------------------- apt
step "Debian packages"
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    [[ $(id -u) -eq 0 ]] || die "missing packages (${missing[*]}); run as root"
    info "installing: ${missing[*]}"
    # Keep the system MariaDB and OpenSSH services from being started by the install:
    # the simulator runs its own instances. policy-rc.d exit 101 = "action forbidden".
    created_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        created_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    quiet "$LOGDIR/apt-update.log" apt-get update -q
    quiet "$LOGDIR/apt-install.log" apt-get install -y -q --no-install-recommends "${missing[@]}"
    if ((created_policy)); then
        rm -f /usr/sbin/policy-rc.d
    fi
    # Nor enabled at boot.
    for svc in mariadb ssh; do
        if [[ -d /run/systemd/system ]]; then
            systemctl disable "$svc" >/dev/null 2>&1 || true
        else
            update-rc.d "$svc" disable >/dev/null 2>&1 || true
        fi
    done
else
    info "all ${#APT_PACKAGES[@]} present"
fi

# A system MariaDB (port 3306, /run/mysqld) would clash with the simulated courts: stop it.
# Only the process named by the system pid file is signalled: Debian's init script falls back
# to `killall mariadbd`, which would also kill the simulator's own servers.
sys_pidfile=/run/mysqld/mysqld.pid
if [[ -f $sys_pidfile ]] && sys_pid="$(cat "$sys_pidfile" 2>/dev/null)" && [[ -n $sys_pid ]] \
    && kill -0 "$sys_pid" 2>/dev/null; then
    info "stopping the system MariaDB server (pid $sys_pid); the simulator runs its own"
    if [[ -d /run/systemd/system ]]; then
        systemctl stop mariadb >/dev/null 2>&1 || true
    fi
    kill -TERM "$sys_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do
        kill -0 "$sys_pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -0 "$sys_pid" 2>/dev/null && die "the system MariaDB server (pid $sys_pid) did not stop"
fi

# ------------------------------------------------------------------------ venvs
# The venvs' Python: $PYTHON if set; else Debian's own /usr/bin/python3 when it is 3.11 or later (Debian 12), else the
# python3 on PATH. Debian builds its interpreter with PGO and LTO; with a pyenv build (shared libpython, no
# optimisation) a module run took about 20 % more CPU and a simulated region's start about twice as much on the same
# machine (a local court's modules run on .venv's Python), and the tests are CPU-bound.
if [[ -z "${PYTHON:-}" ]]; then
    PYTHON=python3
    if /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PYTHON=/usr/bin/python3
    fi
fi
info "Python for the venvs: $PYTHON ($("$PYTHON" -V 2>&1))"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "$PYTHON is $("$PYTHON" -V 2>&1); ansible-core 2.19 needs Python 3.11 or later (set PYTHON=...)"

make_venv() {
    local dir="$1" req="$2" python="${3:-$PYTHON}"
    local want have=""
    want="$(sha "$req") $("$python" -c 'import sys; print(sys.version.split()[0])')"
    [[ -f "$dir/.requirements.sha256" ]] && have="$(cat "$dir/.requirements.sha256")"
    if [[ "$have" == "$want" && -x "$dir/bin/python" ]]; then
        info "$dir up to date ($req)"
        return
    fi
    info "creating $dir from $req"
    local t0=$SECONDS
    rm -rf "$dir"
    quiet "$LOGDIR/venv-$(basename "$dir").log" "$python" -m venv "$dir"
    quiet "$LOGDIR/venv-$(basename "$dir").log" \
        "$dir/bin/python" -m pip install --disable-pip-version-check --no-input -q -r "$req"
    printf '%s\n' "$want" >"$dir/.requirements.sha256"
    info "$dir ready in $((SECONDS - t0)) s"
}

step "Python virtual environments"
mkdir -p "$LOGDIR"
make_venv .venv requirements.txt
make_venv .venv-2.16 requirements-2.16.txt
# ansible-core's current release needs Python 3.12 or newer on the controller (2.20 and later); Debian 12 has 3.11,
# pyenv has 3.12 and 3.13 (PY_CURRENT=/path/to/python3.12 to choose another).
if [[ -z "${PY_CURRENT:-}" ]]; then
    for candidate in /root/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.13*/bin/python3.13 \
        "$(command -v python3.12 || true)" "$(command -v python3.13 || true)"; do
        # a pyenv shim is on PATH even when its version is not selected: the candidate must run and be 3.12+
        if [[ -n "$candidate" && -x "$candidate" ]] \
            && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            PY_CURRENT="$candidate"
            break
        fi
    done
fi
# Without one, the demo and the rest still work: only make test's ansible-core 2.21 checks need it (they fail and say
# so), as the CentOS 7 tests need pyenv's 2.7 and 3.6.
if [[ -z "${PY_CURRENT:-}" ]]; then
    info "WARNING: no Python 3.12 or 3.13: .venv-2.21 (ansible-core $(sed -n 's/^ansible-core==//p' \
requirements-2.21.txt)) not made; make demo works, make test's 2.21 checks need it (pyenv install 3.12, or set \
PY_CURRENT=/path/to/python3.12, then make setup)"
else
    "$PY_CURRENT" -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
        || die "$PY_CURRENT is $("$PY_CURRENT" -V 2>&1); ansible-core 2.21 needs Python 3.12 or newer" \
            "(set PY_CURRENT=...)"
    info "Python for .venv-2.21: $PY_CURRENT ($("$PY_CURRENT" -V 2>&1))"
    make_venv .venv-2.21 requirements-2.21.txt "$PY_CURRENT"
fi

# ------------------------------------------------------------------- collection
step "Collection copy at .build/ansible_collections/pengadilan/sipp"
"$ROOT/scripts/sync-collection.sh"

# --------------------------------------------------------------------- awx.awx
# awx/setup.yml uses the awx.awx modules; ansible-lint and ansible-playbook --syntax-check need them, and Galaxy is
# unreachable. The `ansible` package's wheel on PyPI carries awx.awx (ansible 12.3.0: awx.awx 24.6.1): only that
# folder is unpacked, into .venv's site-packages/ansible_collections, where ansible-core (and ansible-lint) look for
# collections by default (COLLECTIONS_SCAN_SYS_PATH), as `pip install ansible` would put it, so no collections path
# changes anywhere. The wheel is kept in a cache outside the work tree and checked against its sha256.
AWX_WHEEL_VERSION="12.3.0"
AWX_WHEEL_SHA256="cd156f82fa87f7a899212b0efa9f7ca3a24d609212de9f78428a572eb01e5414"
AWX_COLLECTION_VERSION="24.6.1"
step "awx.awx $AWX_COLLECTION_VERSION (from the ansible $AWX_WHEEL_VERSION wheel) for awx/setup.yml"
site="$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
awx_dir="$site/ansible_collections/awx/awx"
have_awx="$(.venv/bin/python -c 'import json, sys
try:
    print(json.load(open(sys.argv[1]))["collection_info"]["version"])
except Exception:
    print("")' "$awx_dir/MANIFEST.json")"
if [[ "$have_awx" == "$AWX_COLLECTION_VERSION" ]]; then
    info "present in $awx_dir"
else
    cache="${XDG_CACHE_HOME:-$HOME/.cache}/pengadilan-sipp"
    wheel="$cache/ansible-$AWX_WHEEL_VERSION-py3-none-any.whl"
    mkdir -p "$cache"
    if [[ ! -f "$wheel" ]] || [[ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$AWX_WHEEL_SHA256" ]]; then
        rm -f "$wheel"
        info "downloading the ansible $AWX_WHEEL_VERSION wheel (no dependencies) into $cache"
        quiet "$LOGDIR/awx-wheel.log" .venv/bin/python -m pip download --disable-pip-version-check --no-input -q \
            --no-deps --only-binary=:all: "ansible==$AWX_WHEEL_VERSION" -d "$cache"
    fi
    [[ "$(sha256sum "$wheel" | cut -d' ' -f1)" == "$AWX_WHEEL_SHA256" ]] \
        || die "$wheel does not have the expected sha256 $AWX_WHEEL_SHA256"
    tmp="$(mktemp -d "$site/.awx-unpack.XXXXXX")"
    quiet "$LOGDIR/awx-unzip.log" unzip -q "$wheel" 'ansible_collections/awx/awx/*' -d "$tmp"
    got="$(.venv/bin/python -c 'import json, sys; print(json.load(open(sys.argv[1]))["collection_info"]["version"])' \
        "$tmp/ansible_collections/awx/awx/MANIFEST.json")"
    [[ "$got" == "$AWX_COLLECTION_VERSION" ]] || die "the ansible $AWX_WHEEL_VERSION wheel holds awx.awx $got"
    mkdir -p "$site/ansible_collections/awx"
    rm -rf "$awx_dir"
    mv "$tmp/ansible_collections/awx/awx" "$awx_dir"
    rm -rf "$tmp"
    info "installed in $awx_dir"
fi

# ----------------------------------------------- ansible-test offline bootstrap
# ansible-test bootstraps pip in each venv it makes with get-pip-<ver>.py from a host
# we cannot reach; it uses ~/.ansible/test/cache/get_pip_<ver>.py when present.
step "ansible-test offline pip bootstrap"
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
versions=()
for venv in .venv .venv-2.16 .venv-2.21; do
    for f in "$venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py; do
        [[ -f "$f" ]] || continue
        while read -r v; do versions+=("$v"); done < <(grep -oE "pip='[0-9][0-9.]*'" "$f" | grep -oE "[0-9][0-9.]*")
    done
done
((${#versions[@]})) || die "could not find the pip versions ansible-test asks for"
for v in $(printf '%s\n' "${versions[@]}" | sort -u); do
    target="$cache/get_pip_${v//./_}.py"
    if ! cmp -s "$ROOT/scripts/offline-get-pip.py" "$target"; then
        cp "$ROOT/scripts/offline-get-pip.py" "$target"
    fi
    info "pip $v -> $target"
done

step "Older database server for the tests: Debian 11's MariaDB 10.5 (unpacked in ~/.cache/sippsim/servers)"
# fetched once from deb.debian.org, the signed index and every package's sha256 checked; nothing is installed
PYTHONPATH="$ROOT/sim" .venv/bin/python -c 'from sippsim import servers; print("    %s" % servers.root("10.5"))' \
    || die "could not fetch MariaDB 10.5 from deb.debian.org (sim/sippsim/servers.py)"

# ------------------------------------------------------------------- placeholder
if [[ ! -e "$ROOT/scripts/demo.sh" ]]; then
    printf '#!/usr/bin/env bash\necho "demo not yet written"\n' >"$ROOT/scripts/demo.sh"
    chmod 755 "$ROOT/scripts/demo.sh"
fi

mkdir -p "$(dirname "$STAMP")"
date -u +%Y-%m-%dT%H:%M:%SZ >"$STAMP"
step "setup done"
