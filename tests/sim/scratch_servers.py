"""Fixtures for the simulator's release tests: a scratch MariaDB and a PHP built-in server.

Not a conftest.py: tests/sim/test_region.py imports the `conftest` of tests/, which a tests/sim/conftest.py would
shadow. Use with `from scratch_servers import mariadb, php_server`.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from sippsim import procs
from sippsim.court import http_get
from sippsim.mariadb import Server


class ScratchMariaDB(Server):
    def source(self, sql_path, database, check=False):
        """The tests look at what a failing migration printed, so a failure is returned, not raised."""
        return super().source(sql_path, database, check)


@pytest.fixture(scope="session")
def mariadb():
    # a missing MariaDB fails here (RuntimeError from sippsim.mariadb.require_installed), it never skips
    with ScratchMariaDB.scratch("sim-tests", options={"lock_wait_timeout": 60,
                                                     "innodb_buffer_pool_size": "64M"}) as server:
        yield server


class PhpServer:
    """php -S with opcache off: the cli-server SAPI caches compiled files (opcache.enable, revalidated every 2 s by
    mtime), which would serve the previous version right after its files were replaced."""

    def __init__(self, docroot: Path, log_dir: Path):
        address = f"127.0.0.1:{procs.free_port()}"
        self.url = "http://" + address
        self.rec = procs.spawn(["php", "-d", "opcache.enable=0", "-S", address, "-t", str(docroot)],
                               log_dir / "php.out", "php")
        procs.wait_for(lambda: http_get(self.url + "/", timeout=5)[0] > 0, "php -S", timeout=30, rec=self.rec)

    def get(self, path: str) -> tuple[int, str]:
        return http_get(self.url + path, timeout=30)


@pytest.fixture
def php_server(tmp_path_factory):
    servers = []

    def start(docroot: Path) -> PhpServer:
        server = PhpServer(docroot, tmp_path_factory.mktemp("php"))
        servers.append(server)
        return server

    yield start
    for server in servers:
        procs.stop(server.rec)
