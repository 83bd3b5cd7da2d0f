"""The simulator's own tests check the data volume it builds: their shared regions (the session fixtures of
tests/conftest.py, under the same names) are built at sipptest.VOLUME_SCALE, not at the smaller scale the
integration tests use."""
import pytest

from sipptest import VOLUME_SCALE, region_while_needed


@pytest.fixture(scope="session")
def region_local():
    yield from region_while_needed("spl", 3, "local", scale=VOLUME_SCALE)


@pytest.fixture(scope="session")
def region_ssh():
    yield from region_while_needed("sps", 2, "ssh", scale=VOLUME_SCALE)
