"""The static checks, run with the suite so that CI (scripts/test.sh) and every landing run them: ruff's rules
over the code, tests and benches, and mypy over the typed core (both configured in pyproject.toml)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_no_mistakes():
    done = _run("ruff", "check", "--no-cache", "khazar", "tests", "bench", "scripts")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_core_type_checks():
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
