"""`khazar serve` answers correctly while `khazar ingest` writes to the same SQLite file in another process.

The store is in WAL mode, so readers see the last committed snapshot and are never blocked by the writer.
Several client threads query at once (a single sequential client would always be served by the same pool
thread and hide per-thread state bugs): every response must be 200 with valid JSON, the search total may
only grow, and once the ingest has finished it must equal the number of stored articles. Input is a slice
of ../shared/data/news written to a temporary folder, or generated text when ../shared is absent.
"""
from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, news_records
from live_server import live_server

httpx = pytest.importorskip("httpx")

N_ARTICLES = 300
CLIENTS = 4
INGEST_TIMEOUT = 300  # s; ~300 articles take ~10-20 s with --no-tagger on 2 cores
QUERIES = ["ایران", "مجلس", "وزیر", "تهران", "خبرگزاری", "همکاری", ""]


def write_input(folder: Path) -> Path:
    records = news_records(N_ARTICLES, seed=11, words_per_text=300)
    path = folder / "news.jsonl"
    path.write_text("\n".join(records) + "\n", encoding="utf-8")
    return path


def stored_ids(db: Path) -> list[str]:
    """Ids committed so far, through a read-only WAL snapshot (never takes the writer's lock)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            return [r[0] for r in conn.execute("SELECT id FROM articles")]
    except sqlite3.OperationalError:  # the writer has not created the table yet
        return []


@pytest.fixture()
def server(tmp_path):
    db = tmp_path / "live.db"
    with (tmp_path / "server.log").open("w") as log, live_server(db, log) as base:
        yield base, db, tmp_path / "server.log"


def test_queries_during_ingest_all_succeed_and_totals_only_grow(server, tmp_path):
    base, db, server_log = server
    source = write_input(tmp_path)
    # Small batches: many commits while the clients read, so they see the store at many snapshots.
    ingest = subprocess.Popen([sys.executable, "-m", "khazar.cli", "ingest", str(source), "--db", str(db),
                               "--no-tagger", "--jobs", "2", "--batch", "20"], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    failures: list[str] = []
    totals: list[list[int]] = [[] for _ in range(CLIENTS)]
    articles_read = [0] * CLIENTS
    done = threading.Event()

    def client(k: int) -> None:
        rng = random.Random(k)
        with httpx.Client(base_url=base, timeout=30) as c:
            while not done.is_set() and len(failures) < 20:
                try:
                    r = c.get("/api/search", params={"q": QUERIES[k % len(QUERIES)] if k else "", "size": 5})
                    if r.status_code != 200:
                        failures.append(f"search {r.status_code}: {r.text[:200]}")
                        continue
                    body = r.json()
                    if k == 0:  # the unfiltered query: its total is the number of searchable articles
                        totals[k].append(body["total"])
                    ids = stored_ids(db)
                    if ids:
                        aid = rng.choice(ids)
                        r = c.get(f"/api/articles/{aid}")
                        if r.status_code != 200 or r.json().get("id") != aid:
                            failures.append(f"article {aid}: {r.status_code}: {r.text[:200]}")
                        else:
                            articles_read[k] += 1
                except (httpx.HTTPError, ValueError) as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        _, err = ingest.communicate(timeout=INGEST_TIMEOUT)
    except subprocess.TimeoutExpired:
        ingest.kill()
        ingest.communicate(timeout=10)
        pytest.fail(f"ingest did not finish within {INGEST_TIMEOUT} s")
    finally:
        time.sleep(0.5)  # a few more queries against the finished store
        done.set()
        for t in threads:
            t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a client thread is stuck"
    assert ingest.returncode == 0, err[-2000:]
    assert not failures, f"{len(failures)} bad responses, first: {failures[:3]}\nserver log tail:\n" \
                         f"{server_log.read_text()[-2000:]}"

    seen = totals[0]
    assert len(seen) >= 5, "the clients hardly ran during the ingest"
    assert all(a <= b for a, b in zip(seen, seen[1:])), f"search total went down: {seen}"
    stored = len(stored_ids(db))
    assert stored >= N_ARTICLES * 0.9
    final = httpx.get(f"{base}/api/search", params={"size": 1}, timeout=30).json()["total"]
    assert final == stored == seen[-1], (final, stored, seen[-3:])
    assert sum(articles_read) > 0, "no article was read while the ingest ran"
