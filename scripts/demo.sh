#!/usr/bin/env bash
# The demo: a simulated region of six courts in ssh mode (each its own SSH host with production paths), then the
# collection's own info playbook gathers every court's particulars over SSH. Everything started is stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE="${SIPPSIM_STATE:-$PWD/.sippsim/demo}"
COURTS="${DEMO_COURTS:-6}"
export PYTHONPATH="$PWD/sim" ANSIBLE_COLLECTIONS_PATH="$PWD/.build" ANSIBLE_CONFIG="$PWD/ansible.cfg"
PY="$PWD/.venv/bin/python"

scripts/sync-collection.sh
trap '"$PY" -m sippsim --state "$STATE" down' EXIT
"$PY" -m sippsim --state "$STATE" up --courts "$COURTS" --mode ssh
echo
"$PWD/.venv/bin/ansible-playbook" -i "$STATE/inventory.yml" pengadilan.sipp.info
