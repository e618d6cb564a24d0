"""The CLI ends a failure of its surroundings with one line and a non-zero exit, and never prints a
password (issue 17, items 12 and 14): a locked store, a disk that refuses writes, a page number past any
integer, a postgresql:// URL with a password, reachable or not."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from khazar.store import redact
from pg import postgres_server  # noqa: F401  (fixture)

TEXT = "تهران - وزیر امور خارجه روز گذشته گفت همکاری‌ها با کشورهای حاشیه خزر ادامه دارد."
PASSWORD = "s3cr3t-Pa55"


def khazar(*args: str, env: dict | None = None, shell_prefix: str = "", timeout: float = 180):
    cmd = [sys.executable, "-m", "khazar.cli", *args]
    if shell_prefix:
        cmd = ["bash", "-c", f"{shell_prefix}; exec \"$@\"", "khazar", *cmd]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def one_line_error(p: subprocess.CompletedProcess) -> str:
    assert p.returncode != 0, p.stderr[-1500:]
    assert "Traceback" not in p.stderr, p.stderr[-3000:]
    errors = [line for line in p.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, p.stderr[-1500:]
    return errors[0]


@pytest.fixture()
def news(tmp_path) -> Path:
    f = tmp_path / "news.jsonl"
    f.write_text("\n".join(json.dumps({"id": f"n{i}", "title": f"خبر {i}", "text": f"{TEXT} شماره {i}"},
                                      ensure_ascii=False) for i in range(30)) + "\n", encoding="utf-8")
    return f


def test_a_locked_store_is_one_line(tmp_path, news):
    db = tmp_path / "k.db"
    assert khazar("ingest", str(news), "--db", str(db), "--no-tagger").returncode == 0
    holder = sqlite3.connect(db)
    holder.execute("BEGIN IMMEDIATE")
    try:
        more = tmp_path / "more.jsonl"
        more.write_text(json.dumps({"id": "m", "text": TEXT + " تازه"}, ensure_ascii=False) + "\n", encoding="utf-8")
        p = khazar("ingest", str(more), "--db", str(db), "--no-tagger", env={"KHAZAR_BUSY_SECONDS": "0.5"})
    finally:
        holder.rollback()
        holder.close()
    assert "the store is busy" in one_line_error(p)


def test_a_disk_that_refuses_writes_is_one_line(tmp_path, news):
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(json.dumps({"id": f"b{i}", "text": f"{TEXT} {i} " * 40}, ensure_ascii=False)
                             for i in range(200)) + "\n", encoding="utf-8")
    p = khazar("ingest", str(big), "--db", str(tmp_path / "small.db"), "--no-tagger", "--batch", "20",
               shell_prefix="ulimit -f 256")  # 128 KiB files at most
    line = one_line_error(p)
    assert "disk" in line or "file too large" in line.lower(), line


@pytest.mark.parametrize("page", ["99999999999999999999", "0", "10001"])
def test_a_page_out_of_range_is_one_line(tmp_path, page):
    p = khazar("search", "x", "--db", str(tmp_path / "k.db"), "--page", page)
    assert p.returncode == 2 and "page: must be a whole number from 1 to 10000" in one_line_error(p)


@pytest.mark.parametrize("text, shown", [
    (f"postgresql://khazar:{PASSWORD}@127.0.0.1:5/db", "postgresql://khazar:***@127.0.0.1:5/db"),
    (f"connect to postgres://u:{PASSWORD}@h/db failed", "connect to postgres://u:***@h/db failed"),
    (f"host=h password={PASSWORD} user=u", "host=h password=*** user=u"),
    (f"postgresql://u@h/db?password={PASSWORD}&sslmode=require", "postgresql://u@h/db?password=***&sslmode=require"),
    ("khazar.db", "khazar.db"), ("https://irna.ir/a:b@c", "https://irna.ir/a:b@c"),
])
def test_redact(text, shown):
    assert redact(text) == shown


def test_an_unreachable_postgresql_url_is_one_line_without_its_password(news):
    pytest.importorskip("psycopg")
    p = khazar("ingest", str(news), "--db", f"postgresql://khazar:{PASSWORD}@127.0.0.1:9/nowhere?connect_timeout=3")
    assert PASSWORD not in p.stdout + p.stderr
    one_line_error(p)


def test_ingest_into_postgresql_never_prints_the_password(request, news):
    pytest.importorskip("psycopg")
    server = request.getfixturevalue("postgres_server")
    server.create_database("secret_pw")
    url = f"postgresql://{server.superuser}:{PASSWORD}@127.0.0.1:{server.port}/secret_pw"
    p = khazar("ingest", str(news), "--db", url, "--no-tagger")
    assert p.returncode == 0, redact(p.stderr[-2000:])
    assert PASSWORD not in p.stdout + p.stderr
    assert "stored 30" in p.stderr and ":***@127.0.0.1" in p.stderr
    p = khazar("show", "missing", "--db", url)
    assert p.returncode == 1 and PASSWORD not in p.stderr and ":***@" in p.stderr
