"""A PostgreSQL cluster of a test's own (initdb + pg_ctl in a temporary folder, on a free port) that it may stop.

The fault journeys restart the database under load; they must never touch a
shared server. initdb refuses to run as root, so as root the cluster runs as
the ``postgres`` system user (through ``runuser``). Without the PostgreSQL
server programs, or without a way to run them, the test is skipped with the
reason (and fails in CI, which must run everything).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

BIN_DIRS = ("/usr/lib/postgresql/*/bin",)
"""Where Debian puts initdb and pg_ctl (not on PATH)."""


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"a private PostgreSQL cluster is needed: {reason}")
    pytest.skip(f"a private PostgreSQL cluster is needed: {reason}")


def _bin_dir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob(f"{BIN_DIRS[0]}/initdb"), reverse=True)
    if not candidates:
        _unavailable("initdb is not installed (Debian: apt-get install postgresql)")
    return Path(candidates[0]).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """initdb'd in ``directory``, served on 127.0.0.1:``port`` with trust authentication for ``postgres``."""

    def __init__(self, directory: Path):
        self.bin = _bin_dir()
        self.directory = directory
        self.data = directory / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                _unavailable("running as root without runuser to start PostgreSQL as the postgres user")
            self.as_user = [runuser, "-u", "postgres", "--"]
            shutil.chown(directory, "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, timeout: int = 60) -> None:
        done = subprocess.run([*self.as_user, *command], capture_output=True, text=True, timeout=timeout,
                              check=False)
        if done.returncode != 0:
            _unavailable(f"{' '.join(command[:2])} failed:\n{done.stdout}\n{done.stderr}")

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off "
                   "-c max_connections=50")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "server.log"),
                  "-o", options, "-w", "-t", "30", "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def log(self) -> str:
        path = self.directory / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""
