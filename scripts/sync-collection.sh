#!/usr/bin/env bash
# Install the collection from this work tree as a real directory at
# .build/ansible_collections/pengadilan/sipp (ansible-test rejects a symlink).
# Fast and idempotent: rsync copies only what changed and deletes what is gone.
set -euo pipefail

# scripts/test.sh made the copy once and runs ansible-test beside pytest: nobody refreshes it under their feet
if [[ "${SIPP_COLLECTION_SYNCED:-}" == 1 ]]; then
    exit 0
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/.build/ansible_collections/pengadilan/sipp"

mkdir -p "$DEST"
# --delete-excluded: whatever is excluded is also removed from the copy (a stale file there
# would still be seen by ansible-test); P(rotect) keeps the copy's own .git and ansible-test's
# output. Not copied: the simulator and its tests, the pytest-only integration tests, molecule,
# local state, virtual environments and caches. tests/unit is kept for ansible-test units.
rsync -a --delete --delete-excluded \
    --filter='P /.git' \
    --filter='P /tests/output' \
    --filter='- /.git' \
    --filter='- /.venv*' \
    --filter='- /.build' \
    --filter='- /.sippsim' \
    --filter='- /.ci' \
    --filter='- /sim' \
    --filter='- /tests/sim' \
    --filter='- /tests/integration' \
    --filter='- /tests/conftest.py' \
    --filter='- /tests/sipptest.py' \
    --filter='- /tests/smtpsink.py' \
    --filter='- /tests/output' \
    --filter='- /bench' \
    --filter='- /reports' \
    --filter='- /molecule' \
    --filter='- __pycache__' \
    --filter='- *.pyc' \
    --filter='- .pytest_cache' \
    "$ROOT/" "$DEST/"

# ansible-test lists the collection's files with git (`git ls-files --cached --others
# --exclude-standard`) from the nearest folder holding .git. Without its own repository the
# copy would be listed from this work tree, where .build/ is ignored: "All targets skipped".
if [[ ! -e "$DEST/.git" ]]; then
    git -C "$DEST" init -q
fi
