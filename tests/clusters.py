"""A PostgreSQL server of a test's own, for what the shared test server cannot be used for:
setting a server up (its configuration, its certificate, a restart), or stopping it.

Debian's server binaries refuse to run as root: as root, they run as the postgres user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"))


@dataclass
class Cluster:
    folder: Path
    port: int

    @property
    def admin(self) -> str:
        return f"host={self.folder} port={self.port} user=postgres dbname=postgres"

    def pg_ctl(self, *args: str) -> None:
        _as_server_user([str(BIN_DIRS[-1] / "pg_ctl"), "-D", str(self.folder), "-w",
                         "-l", str(self.folder / "server.log"), *args])

    def stop(self) -> None:
        self.pg_ctl("-m", "immediate", "stop")

    def start(self) -> None:
        self.pg_ctl("start")


def _as_server_user(command: list[str]) -> None:
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def throwaway_cluster() -> Iterator[Cluster]:
    """A new server on a free port, its settings in its postgresql.conf (so that a restart
    may change them), stopped and removed afterwards."""
    if not BIN_DIRS or not (BIN_DIRS[-1] / "initdb").exists():
        if os.environ.get("CRM_REQUIRE_POSTGRES") == "1":
            pytest.fail("the PostgreSQL server binaries are not installed")
        pytest.skip("the PostgreSQL server binaries are not installed")
    folder = Path(tempfile.mkdtemp(prefix="crm-cluster-"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, _free_port())
    try:
        _as_server_user([str(BIN_DIRS[-1] / "initdb"), "-D", str(folder), "-U", "postgres",
                         "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"])
        with (folder / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\nport = {cluster.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{folder}'\nfsync = off\n")
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # never started, or stopped
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
