# pengadilan.sipp: developer and CI entry points. Run as root on Debian 12.
# `make test` and `make demo` run `make setup` themselves when it has not been done.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV      := $(CURDIR)/.venv
VENV216   := $(CURDIR)/.venv-2.16
PY        := $(VENV)/bin/python
COLL_DIR  := $(CURDIR)/.build/ansible_collections/pengadilan/sipp
STAMP     := $(VENV)/.setup-done
# Python 3.6 (CentOS 7's) for the module compile check under ansible-core 2.16.
PY36      ?= $(firstword $(wildcard /root/.pyenv/versions/3.6*/bin/python3.6) $(shell command -v python3.6 2>/dev/null))

export PATH := $(VENV)/bin:$(PATH)
export PYTHONPATH := $(CURDIR)/sim$(if $(PYTHONPATH),:$(PYTHONPATH))
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build
export ANSIBLE_FORCE_COLOR := false
export PY_COLORS := 0

# pytest workers for make test (pytest-xdist): the tests mostly wait on simulated courts, so two workers use the
# two cores; --dist loadfile keeps every test file on one worker, in order, with its module fixtures.
PYTEST_WORKERS ?= 2
# Test folders that exist (other engineers add them); pytest is given only those.
PYTEST_DIRS := $(wildcard tests/unit tests/sim tests/integration)

.PHONY: help setup collection check lint sanity sanity-2.19 sanity-2.16 sanity-2.21 unit sim-test integration pytest \
        molecule test demo bench bench-quick release release-tarball clean

help:
	@echo "make setup        install Debian packages, .venv, .venv-2.16, .venv-2.21, the collection copy, ansible-test"
	@echo "                  bootstrap"
	@echo "make demo         run the demo (runs setup first when needed)"
	@echo "make check        the loop while you work, a few minutes: ansible-lint, ansible-test sanity (2.19) and the"
	@echo "                  unit tests, side by side"
	@echo "make test         the gate before a commit lands: lint, sanity (2.19, 2.21, and Python 3.6 with 2.16), molecule"
	@echo "                  beside pytest over tests/unit tests/sim tests/integration; where the time went at the end"
	@echo "make lint | sanity | sanity-2.19 | sanity-2.16 | sanity-2.21 | molecule | unit | sim-test | integration"
	@echo "make bench | collection | clean"
	@echo "make release      the changelog of galaxy.yml's version: fragments into changelogs/changelog.yaml and"
	@echo "                  CHANGELOG.rst (antsibull-changelog); make release-tarball builds .build/release/*.tar.gz"
	@echo "make pytest T=tests/integration/test_sync_check.py[::test_name]   one test file or test, on simulated courts"
	@echo "make molecule MOLECULE_SCENARIOS=happy                          one molecule scenario"

# ------------------------------------------------------------------ setup
setup:
	bash scripts/setup.sh

# Setup when needed: the stamp is older than what setup depends on, or missing.
$(STAMP): scripts/setup.sh scripts/offline-get-pip.py requirements.txt requirements-2.16.txt requirements-2.21.txt
	bash scripts/setup.sh

collection:
	@bash scripts/sync-collection.sh

# ------------------------------------------------------------------ checks
# The loop while you work: lint, sanity on the pinned ansible-core and the unit tests, side by side (-j3), each one's
# output printed whole when it ends (-O), every one run even when another fails (-k). The Python 3.6 checks of
# ansible-core 2.16 (sanity-2.16) and the tests against simulated courts stay in `make test`.
check: $(STAMP)
	@bash scripts/sync-collection.sh
	@t0=$$(date +%s); rc=0; \
	SIPP_COLLECTION_SYNCED=1 $(MAKE) --no-print-directory -k -j3 -O lint sanity-2.19 unit || rc=$$?; \
	echo "==> make check: $$(( $$(date +%s) - t0 )) s, $$( [ $$rc -eq 0 ] && echo passed || echo FAILED)"; \
	exit $$rc

lint: $(STAMP) collection
	ansible-lint

# ansible-test needs the collection as a real folder .../ansible_collections/pengadilan/sipp
# with its own git repository (scripts/sync-collection.sh), and PyPI for the requirements it
# installs into its --venv environments; its pip bootstrap comes from scripts/setup.sh.
sanity: $(STAMP) collection
	@rc=0; \
	$(MAKE) --no-print-directory sanity-2.19 || rc=1; \
	$(MAKE) --no-print-directory sanity-2.16 || rc=1; \
	$(MAKE) --no-print-directory sanity-2.21 || rc=1; \
	exit $$rc

# The pinned ansible-core (requirements.txt) on the venv's Python 3.11: every sanity test.
sanity-2.19: $(STAMP) collection
	cd $(COLL_DIR) && ansible-test sanity --venv --python 3.11 --color no

# ansible-core's current release (.venv-2.21, on pyenv's Python 3.12 or 3.13: 2.20 and later need it): every sanity
# test of its ansible-test, on the Python of that venv (read when the recipe runs: setup may just have made it).
VENV221   := $(CURDIR)/.venv-2.21
sanity-2.21: $(STAMP) collection
	@[ -x $(VENV221)/bin/ansible-test ] || { echo "make sanity-2.21: $(VENV221) is missing: it needs Python 3.12 or 3.13" \
	    "(pyenv install 3.12, or PY_CURRENT=/path/to/python3.12), then make setup"; exit 1; }
	py="$$(readlink -f $(VENV221)/bin/python)"; \
	ver="$$($(VENV221)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"; \
	cd $(COLL_DIR) && PATH="$$(dirname "$$py"):$(VENV221)/bin:$$PATH" \
	    $(VENV221)/bin/ansible-test sanity --venv --python "$$ver" --color no

# Module code must still run on CentOS 7's Python 3.6: ansible-core 2.16's ansible-test is the
# last that checks it (compile and import). Skipped with a warning when no Python 3.6 is there.
sanity-2.16: $(STAMP) collection
ifeq ($(PY36),)
	@echo "WARNING: no python3.6 found: skipping the Python 3.6 checks (set PY36=/path/to/python3.6)"
else
	cd $(COLL_DIR) && PATH="$(dir $(PY36)):$(VENV216)/bin:$$PATH" \
	    $(VENV216)/bin/ansible-test sanity --venv --python 3.6 --test compile --test import --color no

endif

unit: $(STAMP) collection
	$(PY) -m pytest tests/unit

sim-test: $(STAMP) collection
	$(PY) -m pytest tests/sim

integration: $(STAMP) collection
	$(PY) -m pytest tests/integration

# One test file, or one test, against real simulated courts without the rest of the suite, in make test's environment
# (the collection copy synced, the simulator on PYTHONPATH): make pytest T=tests/integration/test_sync_check.py
# or T='tests/integration/test_sync_check.py::test_name'; more pytest options in ARGS (e.g. ARGS='-x -k stale').
T ?=
ARGS ?=
pytest: $(STAMP) collection
	@if [ -z "$(T)" ]; then echo "make pytest: name a test file or test: T=tests/integration/test_x.py[::test_name]"; \
	    exit 2; fi
	$(PY) -m pytest $(ARGS) $(T)

# Every scenario under molecule/ (default, downgrade, happy, ...), one after another, each timed; all of them run
# even when one fails. Each scenario starts and stops its own simulated region in .sippsim/molecule*.
MOLECULE_SCENARIOS := $(sort $(patsubst molecule/%/molecule.yml,%,$(wildcard molecule/*/molecule.yml)))

molecule: $(STAMP) collection
	@cd $(CURDIR); failed=""; times=""; \
	for s in $(MOLECULE_SCENARIOS); do \
	    echo "==> molecule test -s $$s"; t0=$$(date +%s); \
	    molecule test -s $$s || failed="$$failed $$s"; \
	    times="$$times $$s=$$(( $$(date +%s) - t0 ))s"; \
	done; \
	echo "==> molecule scenarios (seconds):$$times"; \
	if [ -n "$$failed" ]; then echo "==> molecule FAILED:$$failed"; exit 1; fi

# lint, sanity and molecule run in the background beside pytest (scripts/test.sh): every check runs even when an
# earlier one fails, pytest's summary is the last line, and the exit code is non-zero if anything failed.
test: $(STAMP)
	@bash scripts/test.sh $(PYTEST_WORKERS) $(PYTEST_DIRS)

# ------------------------------------------------------------------ demo and bench
demo: $(STAMP) collection
	bash scripts/demo.sh

bench: $(STAMP) collection
	$(PY) bench/run.py $(BENCH_ARGS)

# the small court's P1 to P3 alone (a few minutes), for the engineer who changes one step
bench-quick: $(STAMP) collection
	$(PY) bench/run.py --quick $(BENCH_ARGS)

# A release (docs/release.md): antsibull-changelog moves the fragments into changelogs/changelog.yaml under galaxy.yml's
# version, lists the new modules, plugins, roles and playbooks and writes CHANGELOG.rst. It starts only from a clean
# work tree, so that the release commit holds the changelog and nothing else.
release: $(STAMP) collection
	@if [ -n "$$(git status --porcelain)" ]; then echo "make release: commit or stash your changes first"; exit 2; fi
	antsibull-changelog release --date "$$(date +%F)"
	antsibull-changelog lint
	@echo "==> changelogs/changelog.yaml and CHANGELOG.rst written: review, commit, then make release-tarball"

# The release tarball from the committed files of HEAD (git archive: nothing uncommitted goes in; galaxy.yml's
# build_ignore leaves out what does not run from it), in .build/release.
release-tarball: $(STAMP)
	rm -rf .build/release-src && mkdir -p .build/release-src .build/release
	git archive HEAD | tar -x -C .build/release-src
	ansible-galaxy collection build --force --output-path $(CURDIR)/.build/release .build/release-src
	rm -rf .build/release-src

# Stops the simulated regions (the default one in .sippsim and molecule's scenarios'), removes .build and the
# host_vars molecule/downgrade/create.yml writes.
clean:
	-@if [ -x $(PY) ] && [ -e .sippsim/region.json ]; then $(PY) -m sippsim down; fi
	-@for state in .sippsim/molecule*/; do \
	    if [ -x $(PY) ] && [ -e $$state/region.json ]; then SIPPSIM_STATE=$(CURDIR)/$$state $(PY) -m sippsim down; fi; \
	done
	rm -f molecule/downgrade/host_vars/*.yml
	rm -rf .build
