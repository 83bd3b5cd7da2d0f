"""Session fixtures: the collection copy Ansible uses, and real simulated regions (local and ssh mode)."""
import shutil

import pytest

from sipptest import start_region, sync_collection


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
