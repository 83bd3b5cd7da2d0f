"""Session fixtures: the collection copy Ansible uses, and real simulated regions (local and ssh mode); the order in
which pytest-xdist hands the test files to its workers; the seconds each test file took (SIPP_TEST_DURATIONS)."""
import collections
import os

import pytest

from sipptest import build_packages, region_while_needed, sync_collection


# `make test` runs pytest-xdist with --dist loadfile --no-loadscope-reorder: each file goes whole to one worker, in
# the order collected. The longest files start first, so that both workers end together: by default xdist starts the
# files with the most tests first, which left these one-test files with their long fixtures for the end, one worker
# busy for about 11 minutes while the other had nothing left (measured). Seconds of one file in a whole `make test`
# on 2 cores (.build/test-logs/durations.txt, 2026-12-06, the courts at sipptest.TEST_SCALE), longest first; then the
# other integration and simulator files, then the many short unit test files that fill in at the end (each group in
# collection order).
LONGEST_FIRST = [
    "tests/integration/test_operator_language.py",      # 660 s (make test, 2026-12-07)
    "tests/integration/test_upgrade_playbook.py",       # 596 s
    "tests/integration/test_campaign_sliced.py",        # 579 s
    "tests/integration/test_campaign_killed.py",        # 379 s
    "tests/integration/test_backup_role.py",            # 365 s
    "tests/integration/test_rollback_role.py",          # 234 s
    "tests/integration/test_restore_proof.py",          # 190 s (measured alone)
    "tests/integration/test_backup_ownership.py",       # 210 s (measured alone)
    "tests/integration/test_symlinked_folders.py",      # 171 s (measured alone)
    "tests/integration/test_limited_login.py",          # 175 s (measured alone, 2026-12-07)
    "tests/integration/test_centos7_court.py",          # 165 s (measured alone, 2026-12-07)
    "tests/integration/test_older_server.py",           # 94 s (measured alone, 2026-12-07)
    "tests/integration/test_nontransactional_tables.py",  # 122 s (make test)
    "tests/integration/test_release_folders.py",        # 123 s (make test)
    "tests/integration/test_unreachable_court.py",      # 107 s (measured alone)
    "tests/integration/test_views_definers.py",         # 55 s (measured alone)
    "tests/integration/test_sync_check.py",             # 159 s
    "tests/integration/test_campaign_twice.py",         # 131 s
    "tests/integration/test_verify_role.py",            # 116 s
    "tests/integration/test_backup_restore.py",         # 112 s
    "tests/integration/test_preflight_role.py",         # 111 s
    "tests/sim/test_region.py",                         # 98 s
    "tests/integration/test_maintenance_sync.py",       # 72 s
]


def pytest_collection_modifyitems(items):
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}

    def key(item):
        path = item.nodeid.split("::", 1)[0]
        return rank.get(path, len(rank) + path.startswith("tests/unit/"))
    # sort is stable: the tests of a file, and the files of one group, keep their order
    items.sort(key=key)


# Seconds per test file (setup, call and teardown of its tests, module fixtures included), summed on the controller
# (with pytest-xdist the workers' reports reach it through this hook too). With SIPP_TEST_DURATIONS=<file> they are
# written there, slowest first; scripts/test.sh (make test) adds the checks' times and shows the slowest at its end.
FILE_SECONDS = collections.Counter()


def pytest_runtest_logreport(report):
    FILE_SECONDS[report.nodeid.split("::", 1)[0]] += report.duration


def pytest_sessionfinish(session):
    target = os.environ.get("SIPP_TEST_DURATIONS")
    if not target or hasattr(session.config, "workerinput") or not FILE_SECONDS:
        return
    with open(target, "w") as out:
        out.write("# seconds  test file (setup, call and teardown of its tests), slowest first\n")
        for path, sec in FILE_SECONDS.most_common():
            out.write("%9.1f  %s\n" % (sec, path))


@pytest.fixture(scope="session")
def collection():
    return sync_collection()


@pytest.fixture(scope="session")
def region_local():
    yield from region_while_needed("spl", 3, "local")


@pytest.fixture(scope="session")
def region_ssh():
    yield from region_while_needed("sps", 2, "ssh")


@pytest.fixture(scope="session")
def packages(tmp_path_factory):
    """The upgrade packages of the release history and the faulty ones (faulty/), read-only for the tests."""
    return build_packages(tmp_path_factory.mktemp("paket"))
