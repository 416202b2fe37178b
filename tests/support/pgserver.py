"""A throwaway PostgreSQL server on a loopback port, for the test session only."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def postgres_tool(name: str) -> str:
    """The path of one of PostgreSQL's programs (initdb, pg_dump, ...), on PATH or where Debian puts it."""
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed; run `make test`, which installs it.")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_folder() -> str | None:
    """/dev/shm, a file system in memory, where there is one we may write to with 2 GB free."""
    if not (os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK)):
        return None
    room = os.statvfs("/dev/shm")
    return "/dev/shm" if room.f_bavail * room.f_frsize >= 2 * 1024**3 else None


class ThrowawayPostgres:
    """initdb into a temporary folder, start on 127.0.0.1, stop and delete on close.

    The folder is in memory where the machine has /dev/shm: the tests create and drop a database
    for many tests, and on a disk each drop waits for its files to be deleted (the authorization
    matrix on PostgreSQL took 99 s on disk, 40 s in memory, on 2 cores).
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mentormatch-pg-", dir=_memory_folder()))
        self.data = self.root / "data"
        self.port = _free_port()
        # PostgreSQL refuses to run as root; the Debian package's postgres user runs it then.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            pwd.getpwnam("postgres")
            self.prefix = ["runuser", "-u", "postgres", "--"]
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run(self.prefix + list(args), check=True, capture_output=True, text=True)

    def start(self) -> str:
        self._run(postgres_tool("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--encoding", "UTF8", "--no-locale")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        self._run(postgres_tool("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "-t", "60", "start")
        self._run(postgres_tool("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "mentormatch_test")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/mentormatch_test"

    def stop(self) -> None:
        try:
            self._run(postgres_tool("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
