"""Load and fault: 8 clients search, read and post against `khazar serve` while `khazar ingest` writes to the
same SQLite store and is SIGKILLed twice (then rerun). Prints the figures; exit 1 unless all of these hold:

  * no 5xx answer except 503 (lock contention or the request time limit, with Retry-After);
  * every article of the ingest's input and every POST answered 201 is stored exactly once, and no POST
    answered 503 left anything behind;
  * PRAGMA integrity_check is ok and the search index holds exactly the stored articles.

    .venv/bin/python bench/load_kill.py [--seconds 60] [--clients 8] [--articles 1500] [--kills 2]

The input is the first records of ../shared/data/news (generated Persian records without it), written to
a temporary folder; the store lives there too. Traffic goes only to 127.0.0.1.
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from live_server import live_server  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "news"
TOKEN = "load-kill-token"
QUERIES = ["ایران", "مجلس", "وزیر", "تهران", "نفت", "دریای خزر", '"بانک مرکزی"', "اقتصاد*", "", "روسیه"]


def input_records(n: int) -> list[dict]:
    records: list[dict] = []
    for f in sorted(NEWS.glob("*.jsonl")) if NEWS.is_dir() else []:
        with f.open(encoding="utf-8") as fh:
            records += [json.loads(line) for _, line in zip(range(n - len(records)), fh) if line.strip()]
    if not records:
        words = "وزیر امور خارجه روز ۲۷ آبان ۱۴۰۴ در تهران گفت که همکاری‌ها ادامه دارد و مجلس ایران".split()
        rng = random.Random(5)
        records = [{"id": f"g{i}", "title": " ".join(rng.choices(words, k=6)),
                    "text": " ".join(rng.choices(words, k=300)) + "."} for i in range(n)]
    return records[:n]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.status: Counter = Counter()
        self.latency: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.posted: dict[str, int] = {}  # id → last status answered

    def add(self, kind: str, status: int | None, ms: float, detail: str = "") -> None:
        with self.lock:
            self.status[(kind, status)] += 1
            self.latency.setdefault(kind, []).append(ms)
            if status is None or (status >= 500 and status != 503):
                self.errors.append(f"{kind} {status}: {detail[:200]}")


def client_loop(base: str, k: int, stop: threading.Event, tally: Tally, texts: list[str], ids: list[str]) -> None:
    import httpx

    rng = random.Random(k)
    n = 0
    with httpx.Client(base_url=base, timeout=60) as c:
        while not stop.is_set():
            roll = rng.random()
            started = time.perf_counter()
            try:
                if roll < 0.5:
                    kind = "search"
                    r = c.get("/api/search", params={"q": rng.choice(QUERIES), "page": rng.choice([1, 1, 2])})
                elif roll < 0.7:
                    kind = "article"
                    r = c.get(f"/api/articles/{rng.choice(ids)}") if ids else c.get("/api/search")
                else:
                    kind = "post"
                    n += 1
                    aid = f"load-{k}-{n}"
                    body = {"id": aid, "title": f"خبر بار {k} {n}", "text": f"{rng.choice(texts)}\n[{aid}]"}
                    r = c.post("/api/articles", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
                    with tally.lock:
                        tally.posted[aid] = r.status_code
                    if r.status_code == 201:
                        ids.append(aid)
                tally.add(kind, r.status_code, (time.perf_counter() - started) * 1000, r.text)
                if r.status_code == 503:
                    time.sleep(float(r.headers.get("retry-after", "1")) * rng.random())
            except httpx.HTTPError as exc:
                tally.add(kind, None, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}")


def start_ingest(source: Path, db: Path, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "khazar.cli", "ingest", str(source), "--db", str(db),
                             "--no-tagger", "--batch", "20"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)


def expected_hashes(source: Path) -> dict[int, str]:
    """Line → content hash of every record the readers take from the input."""
    from khazar.ingest import read_paths
    from khazar.model import RawDocument

    return {d.line: d.content_hash for d in read_paths([source]) if isinstance(d, RawDocument)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--articles", type=int, default=1500, help="records in the ingest's input")
    ap.add_argument("--kills", type=int, default=2)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        records = input_records(args.articles)
        source = tmp / "news.jsonl"
        source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        texts = [r.get("text") or "" for r in records[:200]]
        db = tmp / "load.db"
        tally = Tally()
        kills, runs = 0, 0
        ingest_log = open(tmp / "ingest.log", "w")
        with open(tmp / "server.log", "w") as log, live_server(db, log, token=TOKEN) as base:
            ids: list[str] = []
            stop = threading.Event()
            threads = [threading.Thread(target=client_loop, args=(base, k, stop, tally, texts, ids), daemon=True)
                       for k in range(args.clients)]
            started = time.monotonic()
            for t in threads:
                t.start()
            ingest = start_ingest(source, db, ingest_log)
            runs += 1
            kill_at = sorted(random.Random(17).uniform(0.15, 0.75) * args.seconds for _ in range(args.kills))
            while time.monotonic() - started < args.seconds:
                elapsed = time.monotonic() - started
                if kill_at and elapsed >= kill_at[0]:
                    kill_at.pop(0)
                    if ingest.poll() is None:
                        ingest.send_signal(signal.SIGKILL)
                        ingest.wait()
                        kills += 1
                    ingest = start_ingest(source, db, ingest_log)  # the rerun picks up where it stopped
                    runs += 1
                time.sleep(0.1)
            stop.set()
            for t in threads:
                t.join(timeout=120)
            client_seconds = time.monotonic() - started
            ingest_rc = ingest.wait(timeout=1800)
            # the last rerun has finished: whatever the kills cut off is in now
            final = start_ingest(source, db, ingest_log)
            final_rc = final.wait(timeout=1800)
            time.sleep(3)  # one round of the background indexer
        ingest_log.close()
        server_log = (tmp / "server.log").read_text(errors="replace")

        conn = sqlite3.connect(db)
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        stored = Counter(h for (h,) in conn.execute("SELECT content_hash FROM articles WHERE origin = ?", (str(source),)))
        stored_ids = Counter(i for (i,) in conn.execute("SELECT id FROM articles"))
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM search_fts").fetchone()[0]
        pending = conn.execute("SELECT count(*) FROM search_pending").fetchone()[0]
        rejected_lines = {line for (line,) in conn.execute("SELECT line FROM rejections WHERE origin = ?", (str(source),))}
        conn.close()
        wanted = expected_hashes(source)

    # an input record is lost when it is neither stored nor rejected by the pipeline (with its line)
    lost_input = sum(1 for line, h in wanted.items() if h not in stored and line not in rejected_lines)
    duplicated = sum(c - 1 for c in stored.values() if c > 1) + sum(c - 1 for c in stored_ids.values() if c > 1)
    posted_ok = [i for i, s in tally.posted.items() if s == 201]
    posted_503 = [i for i, s in tally.posted.items() if s == 503]
    lost_posts = [i for i in posted_ok if stored_ids[i] != 1]
    ghost_posts = [i for i in posted_503 if stored_ids[i]]
    by_status = Counter()
    for (_kind, status), c in tally.status.items():
        by_status[status] += c
    n503 = by_status[503]
    five_xx = sum(c for s, c in by_status.items() if s is not None and s >= 500 and s != 503)
    print(f"load and kill: {args.clients} clients for {client_seconds:.0f} s, khazar ingest of {len(records)} records "
          f"SIGKILLed {kills}× ({runs} runs + a final rerun; exits {ingest_rc}, {final_rc})")
    print(f"{'requests':<10}{'count':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for kind, lat in sorted(tally.latency.items()):
        q = statistics.quantiles(lat, n=20) if len(lat) > 1 else [lat[0]] * 19
        print(f"{kind:<10}{len(lat):>8}{statistics.median(lat):>9.0f}{q[18]:>9.0f}{max(lat):>9.0f}")
    print("statuses: " + ", ".join(f"{s}: {c}" for s, c in sorted(by_status.items(), key=lambda x: str(x[0]))))
    checks = [
        ("5xx other than 503", five_xx, five_xx == 0),
        ("503 (busy, with Retry-After)", n503, True),
        ("connection errors", by_status[None], by_status[None] == 0),
        ("input articles lost", lost_input, lost_input == 0),
        ("articles duplicated", duplicated, duplicated == 0),
        ("201 POSTs not stored once", len(lost_posts), not lost_posts),
        ("503 POSTs stored anyway", len(ghost_posts), not ghost_posts),
        ("integrity_check", integrity, integrity == "ok"),
        ("indexed / stored / pending", f"{indexed} / {articles} / {pending}", indexed == articles and pending == 0),
        ("ingest kills", kills, kills == args.kills),
        ("final ingest exit", final_rc, final_rc == 0),
        ("unhandled errors in the server log", server_log.count("unhandled error"), "unhandled error" not in server_log),
    ]
    for name, value, ok in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {name}: {value}")
    if tally.errors:
        print("first errors:", *tally.errors[:5], sep="\n  ")
    failed = [name for name, _v, ok in checks if not ok]
    print(f"{len(posted_ok)} articles posted, {sum(stored.values())} of the input stored; "
          f"{'FAIL: ' + ', '.join(failed) if failed else '0 errors, 0 lost articles'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
