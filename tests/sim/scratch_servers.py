"""Fixtures for the simulator's release tests: a scratch MariaDB and a PHP built-in server (ports 41000-41999).

Not a conftest.py: tests/sim/test_region.py imports the `conftest` of tests/, which a tests/sim/conftest.py would
shadow. Use with `from scratch_servers import mariadb, php_server`.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PORT_RANGE = range(41000, 42000)


def free_port() -> int:
    for port in PORT_RANGE[(os.getpid() * 7) % 500:]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 41000-41999")


def wait_for(check, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


class ScratchMariaDB:
    def __init__(self, base: Path):
        self.datadir = base / "data"
        self.socket = str(base / "mysqld.sock")
        self.port = free_port()
        self.log = base / "mysqld.log"
        self.proc = None

    def start(self) -> "ScratchMariaDB":
        subprocess.run(["mariadb-install-db", f"--datadir={self.datadir}", "--auth-root-authentication-method=normal",
                        "--skip-test-db", "--user=root"], check=True, capture_output=True)
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", f"--datadir={self.datadir}", f"--socket={self.socket}",
             f"--port={self.port}", "--bind-address=127.0.0.1", "--user=root", "--skip-log-bin",
             "--innodb-buffer-pool-size=64M", "--performance-schema=OFF", "--lock-wait-timeout=60",
             f"--log-error={self.log}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._ready, "scratch MariaDB")
        return self

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError("mariadbd exited: " + self.log.read_text(errors="replace")[-2000:])
        try:
            self.connect().close()
            return True
        except Exception:
            return False

    def connect(self, database: str | None = None):
        import pymysql

        # autocommit: an open transaction would hold metadata locks and make a migration's ALTER wait forever
        return pymysql.connect(unix_socket=self.socket, user="root", database=database, charset="latin1",
                               autocommit=True)

    def source(self, path: Path, database: str) -> subprocess.CompletedProcess:
        with open(path, "rb") as fh:
            return subprocess.run(["mariadb", "--no-defaults", f"--socket={self.socket}", "--user=root",
                                   f"--database={database}"], stdin=fh, capture_output=True)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory):
    if not shutil.which("mariadbd"):
        pytest.skip("mariadbd not installed")
    server = ScratchMariaDB(tmp_path_factory.mktemp("mariadb")).start()
    yield server
    server.stop()


class PhpServer:
    """php -S with opcache off: the cli-server SAPI caches compiled files (opcache.enable, revalidated every 2 s by
    mtime), which would serve the previous version right after its files were replaced."""

    def __init__(self, docroot: Path):
        self.port = free_port()
        self.proc = subprocess.Popen(["php", "-d", "opcache.enable=0", "-S", f"127.0.0.1:{self.port}",
                                      "-t", str(docroot)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._ready, "php -S")

    def _ready(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as resp:
                return resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def php_server():
    if not shutil.which("php"):
        pytest.skip("php not installed")
    servers = []

    def start(docroot: Path) -> PhpServer:
        server = PhpServer(docroot)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
