#!/usr/bin/env bash
# The demo: the whole SOP "Up-Grade Aplikasi SIPP" (pengadilan.sipp.upgrade) on a simulated region of six courts in
# ssh mode (each its own SSH host with production paths), as one run of the playbook:
#   pn_bandung  5.1.0  assisted chain, approved           -> upgraded to 5.3.0 (three packages)
#   pn_bekasi   5.2.0  mandiri + assisted, approved       -> upgraded to 5.3.0 (two packages)
#   pn_bogor    5.2.1  its synchronisation is 30 h old    -> skipped, with the reason
#   pn_depok    5.1.0  needs assistance, not approved     -> waiting for the high court's IT admin
#   pn_cibinong 5.2.0  given a faulty package (PHP fatal) -> downgraded, proved identical by the simulator's own
#                                                            fingerprint taken before the run
#   pn_cikarang 5.0.0  its own chain to 5.2.0, approved   -> upgraded to 5.2.0
# The report (HTML, CSV, JSON) is left in ./laporan-sipp/. Everything started is stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${SIPPSIM_STATE:-$PWD/.sippsim/demo}"
REPORTS="$PWD/laporan-sipp"
export PYTHONPATH="$PWD/sim" ANSIBLE_COLLECTIONS_PATH="$PWD/.build" ANSIBLE_CONFIG="$PWD/ansible.cfg"
PY="$PWD/.venv/bin/python"
sim() { "$PY" -m sippsim --state "$STATE" "$@"; }

scripts/sync-collection.sh
trap 'sim down >/dev/null || true' EXIT
sim down >/dev/null 2>&1 || true
sim up --courts 6 --mode ssh --versions 5.1.0,5.2.0,5.2.1,5.1.0,5.2.0,5.0.0

PAKET="$STATE/paket"
sim packages --out "$PAKET" >/dev/null
COURTS=$(sim status --json | "$PY" -c 'import json,sys; print(" ".join(c["id"] for c in json.load(sys.stdin)["courts"]))')
for court in pn_bandung pn_bekasi pn_bogor pn_depok pn_cibinong pn_cikarang; do
    [[ " $COURTS " == *" $court "* ]] || { echo "demo: the simulator has no court $court (it has: $COURTS)" >&2; exit 1; }
done

# What SATGAS SIPP announced, and what the high court decided per court (inventory variables beside the
# simulator's inventory, as group_vars/ and host_vars/ beside a real region's hosts.yml).
mkdir -p "$STATE/group_vars" "$STATE/host_vars"
cat >"$STATE/group_vars/all.yml" <<EOF
sipp_upgrade_packages:
  - $PAKET/sipp-5.1.0-5.2.0.zip
  - $PAKET/sipp-5.2.0-5.2.1.zip
  - $PAKET/sipp-5.2.1-5.3.0.zip
sipp_upgrade_assisted_approved: true
EOF
echo "sipp_upgrade_assisted_approved: false" >"$STATE/host_vars/pn_depok.yml"
echo "sipp_upgrade_packages: [$PAKET/faulty/sipp-5.2.0-5.2.1-php_fatal.zip]" >"$STATE/host_vars/pn_cibinong.yml"
printf 'sipp_upgrade_packages:\n  - %s\n  - %s\n' "$PAKET/sipp-5.0.0-5.1.0.zip" "$PAKET/sipp-5.1.0-5.2.0.zip" \
    >"$STATE/host_vars/pn_cikarang.yml"

echo
echo "== pn_bogor: sinkronisasi terakhir dibuat 30 jam yang lalu"
sim age-sync --hours 30 pn_bogor
echo "== pn_cibinong: sidik jari sebelum upgrade (versi, checksum tiap tabel, folder aplikasi)"
sim fingerprint pn_cibinong --out "$STATE/fingerprint-before.json"

echo
echo "== ansible-playbook pengadilan.sipp.upgrade"
# A downgraded court ends the run as failed by design (AWX shows the job red); in the demo it is expected.
rc=0
"$PWD/.venv/bin/ansible-playbook" -i "$STATE/inventory.yml" pengadilan.sipp.upgrade \
    -e sipp_report_dir="$REPORTS" -e '{"sipp_upgrade_fail_on": ["gagal"]}' || rc=$?

echo
echo "== pn_cibinong setelah downgrade, dibandingkan dengan sidik jari sebelum upgrade"
sim fingerprint pn_cibinong --compare "$STATE/fingerprint-before.json"
echo
sim status
echo
echo "Laporan / reports:"
find "$REPORTS" -maxdepth 1 -name 'laporan-upgrade-sipp-*' -newer "$STATE/fingerprint-before.json" | sort
exit "$rc"
