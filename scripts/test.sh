#!/usr/bin/env bash
# `make test`: ansible-lint, ansible-test sanity and molecule, one after another, in the background while pytest runs
# in the foreground. Run alone, those checks leave part of the two cores idle (waits, single-threaded steps); side by
# side with pytest the whole suite took 2242 s instead of 2408 s on a fresh clone (measured). The simulated regions
# of molecule and of pytest never share a port or a state folder (sim/sippsim: one port counter, one state folder
# per region), so they can run at the same time.
#
# pytest's output goes to the terminal as it runs (and to .build/test-logs/pytest.log); the checks' output goes to
# .build/test-logs/checks.log and is printed when both are done. Every check runs even when an earlier one fails;
# the exit code is non-zero if anything failed, and the last line printed is pytest's summary line (.ci/run relies
# on it). Where the time went is printed just before it and kept in .build/test-logs/durations.txt: the seconds of
# each test file, slowest first (tests/conftest.py writes them), then of each check and molecule scenario.
#
# Usage (from the Makefile, with its environment): scripts/test.sh <pytest workers> <test folder>...
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
WORKERS="${1:?number of pytest workers}"
shift
LOGS="$ROOT/.build/test-logs"
mkdir -p "$LOGS"
DURATIONS="$LOGS/durations.txt"
SHOWN=15  # slowest test files printed at the end
rm -f "$LOGS/checks.log" "$LOGS/checks.failed" "$LOGS/pytest.log" "$DURATIONS"
start=$(date +%s)
# The machine's CPU over the run (/proc/stat, all cores, in clock ticks): busy, waiting on the disk, idle
cpu_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $6, $5}' /proc/stat; }
read -r busy0 iowait0 idle0 < <(cpu_ticks)

# The collection copy is made once, before anything reads it: ansible-test reads it while pytest's playbooks run,
# so pytest must not refresh it under ansible-test's feet (scripts/sync-collection.sh, which pytest's collection
# fixture and the make targets call, does nothing while this variable is set).
bash scripts/sync-collection.sh || exit 1
export SIPP_COLLECTION_SYNCED=1

(
    failed=""
    for step in lint sanity molecule; do
        echo "==> make $step"
        t0=$(date +%s)
        make --no-print-directory "$step" || failed="$failed $step"
        echo "==> make $step: $(( $(date +%s) - t0 )) s"
    done
    echo "$failed" >"$LOGS/checks.failed"
) >"$LOGS/checks.log" 2>&1 </dev/null &
checks=$!

echo "==> make lint, sanity, molecule run beside pytest; their output: .build/test-logs/checks.log (printed at the end)"
echo "==> pytest $*"
# --no-loadscope-reorder: the files start in the order tests/conftest.py gives them (the longest first)
SIPP_TEST_DURATIONS="$DURATIONS" "$ROOT/.venv/bin/python" -m pytest -n "$WORKERS" --dist loadfile --no-loadscope-reorder \
    "$@" 2>&1 | tee "$LOGS/pytest.log"
rc=${PIPESTATUS[0]}

wait "$checks"
echo
echo "==> output of make lint, sanity, molecule (ran beside pytest)"
cat "$LOGS/checks.log"
failed="$(cat "$LOGS/checks.failed" 2>/dev/null || echo " (the checks did not finish)")"
failed="${failed# }"
if [[ -n "$failed" ]]; then
    echo "==> FAILED: $failed"
    [[ $rc -eq 0 ]] && rc=1
fi

# Where the time went: the checks' and molecule scenarios' seconds under the test files' (written by pytest)
{
    echo "# seconds  check, ran beside pytest (molecule: each scenario)"
    sed -n 's/^==> make \([a-z0-9.-]*\): \([0-9]*\) s$/\2 \1/p' "$LOGS/checks.log" |
        awk '{printf "%9.1f  make %s\n", $1, $2}'
    grep -o '^==> molecule scenarios (seconds):.*' "$LOGS/checks.log" | sed 's/^.*://' | tr ' ' '\n' | grep '=' |
        awk -F= '{sub(/s$/, "", $2); printf "%9.1f  molecule %s\n", $2, $1}'
    read -r busy1 iowait1 idle1 < <(cpu_ticks)
    hz=$(getconf CLK_TCK)
    echo "# make test: $(( $(date +%s) - start )) s in all on $(nproc) cores; the machine's cores were busy" \
        "$(( (busy1 - busy0) / hz )) core-s, waited on the disk $(( (iowait1 - iowait0) / hz )) core-s," \
        "idle $(( (idle1 - idle0) / hz )) core-s"
} >>"$DURATIONS"
echo
echo "==> where the time went (seconds; the whole list: .build/test-logs/durations.txt)"
awk '/^# seconds  check/ {exit} !/^#/' "$DURATIONS" | head -n "$SHOWN" | sed 's/^/    /'
echo "    ..."
sed -n '/^# seconds  check/,$p' "$DURATIONS" | sed 's/^/    /'

# pytest's summary line last, for .ci/run
echo "==> pytest summary"
tail -n 1 "$LOGS/pytest.log"
exit "$rc"
