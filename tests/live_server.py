"""`khazar serve` in a subprocess on a free 127.0.0.1 port, for tests and benchmarks (no pytest needed).

    with live_server(db, log) as base:      # "http://127.0.0.1:<port>", answering /api/search
        httpx.get(f"{base}/api/search?q=x")

The server runs without KHAZAR_TOKEN (read-only, as deployed by default) unless `token` is given, in its own
session, and is stopped with SIGINT (uvicorn's clean shutdown), killed if it has not exited 15 s later.
`env` adds variables (KHAZAR_BUSY_SECONDS, KHAZAR_REQUEST_SECONDS) to the server's environment.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def live_server(db: Path, log, *, python: str = sys.executable, timeout: float = 60, token: str | None = None,
                env: dict[str, str] | None = None):
    import httpx

    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "KHAZAR_TOKEN"}, **(env or {})}
    if token:
        env["KHAZAR_TOKEN"] = token
    proc = subprocess.Popen([python, "-m", "khazar.cli", "serve", "--db", str(db), "--host", "127.0.0.1",
                             "--port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise ServerError(f"khazar serve exited with {proc.returncode}")
            try:
                if httpx.get(f"{base}/api/search", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"khazar serve did not answer within {timeout:.0f} s")
            time.sleep(0.2)
        yield base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
