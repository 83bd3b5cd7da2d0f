"""Session fixtures: the collection copy Ansible uses, and real simulated regions (local and ssh mode)."""
import shutil

import pytest

from sipptest import build_packages, start_region, sync_collection


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
