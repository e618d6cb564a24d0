"""Every page type of the web interface, timed on the real news corpus and on 100k articles.

    .venv/bin/python bench/web_bench.py [--n 100000] [--rounds 5]

The 3.5k store is bench/out/web-news.db, built once with `khazar ingest ../shared/data/news ../shared/seeds`
(the whole pipeline: entities, quotes, events, stories). The 100k store, bench/out/web-<n>.db, is that store
copied in SQL until it holds n articles: each copy gets new ids and doc numbers and its dates shifted by
37 days a copy, so the read models (entities, quotes, events, stories, the FTS index) grow as a real
corpus of that size would, without running the pipeline for hours. Pages are requested in-process
(FastAPI's TestClient: routing, the store, rendering; no network) — the median and the slowest of
`rounds` requests after one warm-up are printed against the aims (300 ms at 3.5k, 1 s at 100k), with the
median CPU time and the machine's load average (the wall time depends on what else runs).
"""
from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
SHARED = ROOT.parent / "shared"
AIMS = {"3.5k": 0.300, "100k": 1.0}


def build_news(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "khazar.cli", "ingest", str(SHARED / "data" / "news"), str(SHARED / "seeds"),
                    "--db", str(path)], cwd=ROOT, check=True)
    print(f"built {path.name} in {time.perf_counter() - started:.0f} s")


# Tables copied with the doc number shifted (column list read from the schema), in dependency order.
_DOC_TABLES = ("article_entities", "article_topics", "article_quotes", "article_events", "story_articles", "corpus_docs")


def build_scaled(source: Path, path: Path, n: int) -> None:
    """Copies of `source` in one file until it holds about n articles (see the module docstring)."""
    import shutil

    from khazar.store.sqlite import SQLiteStore

    SQLiteStore(str(source)).close()  # migrated and indexed before it is copied
    shutil.copy(source, path)
    conn = sqlite3.connect(path)
    base = conn.execute("SELECT count(*), max(doc) FROM articles").fetchone()
    per_copy, max_doc = base
    copies = max(0, -(-n // per_copy) - 1)
    started = time.perf_counter()
    cols = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in ("articles", *_DOC_TABLES, "stories")}
    for c in range(1, copies + 1):
        off = c * max_doc
        shift = f"'+{37 * c} days'"
        a_cols = cols["articles"]
        values = {x: x for x in a_cols}
        values.update({"doc": f"doc + {off}", "id": f"id || '~{c}'", "content_hash": f"content_hash || '~{c}'",
                       "published": f"CASE WHEN published IS NULL THEN NULL ELSE date(substr(published, 1, 10), {shift}) END"})
        conn.execute(f"INSERT INTO articles ({', '.join(a_cols)}) SELECT {', '.join(values[x] for x in a_cols)}"
                     f" FROM articles WHERE doc <= {max_doc}")
        conn.execute(f"DELETE FROM search_pending WHERE doc > {max_doc}")  # indexed by copying, below
        conn.execute(f"INSERT INTO search_fts (rowid, title, body) SELECT rowid + {off}, title, body FROM search_fts"
                     f" WHERE rowid <= {max_doc}")
        for t in _DOC_TABLES:
            tc = cols[t]
            sel = [f"doc + {off}" if x == "doc" else (f"story_id || '~{c}'" if x == "story_id" else
                   (f"CASE WHEN length(date) >= 10 THEN date(substr(date, 1, 10), {shift}) ELSE date END"
                    if (t, x) == ("article_events", "date") else x)) for x in tc]
            conn.execute(f"INSERT INTO {t} ({', '.join(tc)}) SELECT {', '.join(sel)} FROM {t} WHERE doc <= {max_doc}")
        sc = [f'"{x}"' for x in cols["stories"]]
        sel = [f"id || '~{c}'" if x == '"id"' else (f"date({x}, {shift})" if x in ('"start"', '"end"') else x)
               for x in sc]
        conn.execute(f"INSERT INTO stories ({', '.join(sc)}) SELECT {', '.join(sel)} FROM stories WHERE id NOT LIKE '%~%'")
        conn.commit()
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    conn.execute("ANALYZE")
    conn.commit()
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    print(f"built {path.name}: {total} articles in {time.perf_counter() - started:.0f} s")


def pages(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """One request of every page type, on ids the store really holds."""
    article = conn.execute("SELECT id FROM articles ORDER BY doc LIMIT 1 OFFSET 100").fetchone()[0]
    person = conn.execute("SELECT entity_id FROM article_entities WHERE type = 'PER' AND kb_id IS NOT NULL"
                          " GROUP BY entity_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    story = conn.execute("SELECT id FROM stories ORDER BY size DESC LIMIT 1").fetchone()
    out = [("home", "/"), ("search", "/search?q=ایران"), ("search, phrase + dates", '/search?q="دریای خزر"&from=1398-01-01'),
           ("search, OR/NOT", "/search?q=روسیه OR چین -آمریکا"), ("search, no words", "/search?sort=date"),
           ("article", f"/articles/{article}"), ("raw text", f"/articles/{article}/raw"),
           ("entities", "/entities"), ("entity", f"/entities/{person}"), ("quotes, by surname", "/quotes?speaker=ظریف"),
           ("quotes", "/quotes"), ("events", "/events"), ("map", "/map?q=خزر"), ("graph", "/graph"),
           ("stories", "/stories"), ("feed", "/search.atom?q=ایران")]
    if story:
        out.append(("story", f"/stories/{story[0]}"))
    return out


def time_pages(db: Path, rounds: int, label: str) -> list[tuple[str, float, float, float]]:
    from fastapi.testclient import TestClient

    from khazar.api import create_app

    logging.disable(logging.WARNING)
    conn = sqlite3.connect(db)
    todo = pages(conn)
    n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()
    rows = []
    with TestClient(create_app(str(db))) as client:
        for name, path in todo:
            r = client.get(path)  # warm-up: caches, the KB, the base map
            if r.status_code != 200:
                raise SystemExit(f"{path}: HTTP {r.status_code}")
            times, cpu = [], []
            for _ in range(rounds):
                t, c = time.perf_counter(), time.process_time()
                client.get(path)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            rows.append((name, statistics.median(times), max(times), statistics.median(cpu)))
    aim = AIMS[label]
    print(f"\n{label}: {n} articles ({db.name}); aim {aim * 1000:.0f} ms a page; load average {_load()}")
    # CPU time (all threads of this process) is what a page costs whatever else the machine runs; the
    # wall time is what a reader waits, and on a loaded machine it is several times the CPU time.
    print(f"{'page':28} {'median ms':>10} {'max ms':>8} {'cpu ms':>8}")
    for name, med, worst, cpu_med in rows:
        print(f"{name:28} {med * 1000:10.0f} {worst * 1000:8.0f} {cpu_med * 1000:8.0f}"
              f"{'' if med <= aim else '  over the aim'}")
    print(f"load average after: {_load()}")
    return rows


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="articles in the scaled store")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", choices=["3.5k", "100k"])
    args = ap.parse_args()
    news = OUT / "web-news.db"
    if not news.exists():
        build_news(news)
    if args.only != "100k":
        time_pages(news, args.rounds, "3.5k")
    if args.only != "3.5k":
        scaled = OUT / f"web-{args.n}.db"
        if not scaled.exists():
            build_scaled(news, scaled, args.n)
        time_pages(scaled, args.rounds, "100k")


if __name__ == "__main__":
    main()
