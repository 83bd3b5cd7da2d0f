"""Session fixtures: the collection copy Ansible uses, and real simulated regions (local and ssh mode); the order in
which pytest-xdist hands the test files to its workers."""
import shutil

import pytest

from sipptest import build_packages, start_region, sync_collection


# `make test` runs pytest-xdist with --dist loadfile --no-loadscope-reorder: each file goes whole to one worker, in
# the order collected. The longest files start first, so that both workers end together: by default xdist starts the
# files with the most tests first, which left these one-test files with their long fixtures for the end, one worker
# busy for about 11 minutes while the other had nothing left (measured). Seconds of one file on a busy 2-core machine,
# longest first; then the other integration and simulator files, then the many short unit test files that fill in
# at the end (each group in collection order).
LONGEST_FIRST = [
    "tests/integration/test_campaign_sliced.py",        # 606 s
    "tests/integration/test_upgrade_playbook.py",       # 546 s
    "tests/integration/test_campaign_killed.py",        # 493 s
    "tests/integration/test_backup_role.py",            # 349 s
    "tests/integration/test_sync_check.py",             # 269 s
    "tests/integration/test_rollback_role.py",          # 223 s
    "tests/integration/test_campaign_twice.py",         # 221 s
    "tests/integration/test_verify_role.py",            # 215 s
    "tests/integration/test_backup_restore.py",         # 149 s
    "tests/integration/test_preflight_role.py",         # 141 s
]


def pytest_collection_modifyitems(items):
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}

    def key(item):
        path = item.nodeid.split("::", 1)[0]
        return rank.get(path, len(rank) + path.startswith("tests/unit/"))
    # sort is stable: the tests of a file, and the files of one group, keep their order
    items.sort(key=key)


@pytest.fixture(scope="session")
def collection():
    return sync_collection()


@pytest.fixture(scope="session")
def region_local():
    reg = start_region("spl", 3, "local")
    yield reg
    reg.down()
    shutil.rmtree(reg.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def region_ssh():
    reg = start_region("sps", 2, "ssh")
    yield reg
    reg.down()
    shutil.rmtree(reg.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def packages(tmp_path_factory):
    """The upgrade packages of the release history and the faulty ones (faulty/), read-only for the tests."""
    return build_packages(tmp_path_factory.mktemp("paket"))
