"""A throwaway PostgreSQL server for tests: Debian's initdb + pg_ctl, a temp cluster, a free port.

    with TempPostgres() as pg:
        url = pg.create_database("t1")      # postgresql://khazar@/t1?host=<socket dir>&port=<port>

Needs the server binaries (`apt-get install postgresql`, Debian puts them in /usr/lib/postgresql/<v>/bin);
`find_binaries()` returns None without them and the fixtures skip. PostgreSQL refuses to run as root, so
under root the cluster belongs to the `postgres` system user the Debian package creates (or, if absent, to
a `khazar-pg` user made with useradd), and initdb/pg_ctl run through `runuser -u`. The cluster lives in a
fresh directory under the system temp dir owned by that user (pytest's tmp_path is private to root), with
its unix socket in the same directory; trust authentication, fsync off — it is thrown away afterwards.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, or PATH's, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                        if Path(p).parent.name.isdigit() else 0, reverse=True)
    for folder in candidates:
        if os.access(f"{folder}/initdb", os.X_OK) and os.access(f"{folder}/pg_ctl", os.X_OK):
            return Path(folder)
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str | None:
    """None when we are not root (run as ourselves); else a system user PostgreSQL will run as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "khazar-pg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "khazar-pg"],
                   check=True, capture_output=True)
    return "khazar-pg"


class TempPostgres:
    def __init__(self) -> None:
        self.bin = find_binaries()
        if self.bin is None:
            raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.user = _server_user()
        self.dir = Path(tempfile.mkdtemp(prefix="khazar-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.superuser = "khazar"
        self._started = False

    def _run(self, *cmd: str) -> subprocess.CompletedProcess:
        full = [str(self.bin / cmd[0]), *cmd[1:]]
        if self.user:
            full = ["runuser", "-u", self.user, "--", *full]
        out = subprocess.run(full, capture_output=True, text=True, cwd=self.dir)
        if out.returncode != 0:
            log = self.dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd[:2])} failed: {out.stderr or out.stdout}\n{tail}")
        return out

    def start(self) -> "TempPostgres":
        if self.user:
            shutil.chown(self.dir, self.user, self.user)
        self._run("initdb", "-D", str(self.data), "-U", self.superuser, "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")
        self._started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@/{database}?host={self.dir}&port={self.port}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            if self._started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            self._started = False
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> "TempPostgres":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


try:
    import pytest
except ImportError:  # pg.py is also usable from benchmarks without pytest
    pytest = None

if pytest is not None:
    @pytest.fixture(scope="session")
    def postgres_server():
        """One throwaway server per test session (import this fixture into a test module to use it)."""
        pytest.importorskip("psycopg", reason="psycopg not installed (pip install 'khazar[postgres]')")
        if find_binaries() is None:
            pytest.skip("PostgreSQL server not installed (apt-get install postgresql)")
        server = TempPostgres().start()
        yield server
        server.stop()
