"""Load test of `khazar serve`: requests/s and p50/p95/p99 latency for search, the article API and two pages.

    .venv/bin/python bench/load_test.py [--n 10000] [--seconds 30] [--connections 8] [--rebuild]

The store is built once and cached as bench/out/load_<n>.db (git-ignored): the seeds plus N synthetic copies
of ../shared/data/news records (new id, a copy marker in the text so each has its own content hash), run
through the real pipeline with `khazar ingest --no-tagger --jobs 2`. The articles are written to a JSONL in
a temporary folder, never into the repository. Then `khazar serve` starts on a free 127.0.0.1 port and each
scenario is driven for a bounded time by `wrk` (Debian package) when it is installed, else by a Python
client (httpx, a thread pool). Traffic goes only to 127.0.0.1. Exit 1 if any response is not 2xx.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from live_server import ServerError, live_server  # noqa: E402
SHARED = ROOT.parent / "shared"
NEWS = SHARED / "data" / "news"
SEEDS = SHARED / "seeds"
OUT = ROOT / "bench" / "out"
KHAZAR = [sys.executable, "-m", "khazar.cli"]

# Rotating Persian queries: common words, phrases, a quoted phrase, digits in both scripts, a ZWNJ form.
QUERIES = ["ایران", "نفت", "مجلس", "دریای خزر", "استان‌های", "وزیر امور خارجه", '"بانک مرکزی"', "انتخابات",
           "فوتبال", "قیمت", "روسیه", "گیلان", "آموزش و پرورش", "خبرگزاری فارس", "می‌شود", "بیمه", "دانشگاه تهران",
           "صادرات", "زلزله", "تحریم", "پتروشیمی", "خودرو", "ترانزیت کالا", "مذاکرات", "۱۳۸۷", "1387"]


# --------------------------------------------------------------------------------------------- store ----

def synthetic_jsonl(n: int, dest: Path) -> int:
    records = []
    for f in sorted(NEWS.glob("*.jsonl")):
        with f.open(encoding="utf-8") as fh:
            records += [json.loads(line) for line in fh if line.strip()]
    if not records:
        sys.exit(f"no articles under {NEWS}")
    with dest.open("w", encoding="utf-8") as out:
        for i in range(n):
            rec = dict(records[i % len(records)])
            copy = i // len(records)
            rec["id"] = f"{rec.get('id', 'x')}~{copy}"
            rec["text"] = f"{rec.get('text', '')}\n[{copy}]"  # a distinct content hash per copy
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return n


def build(db: Path, n: int) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "news.jsonl"
        synthetic_jsonl(n, src)
        paths = [str(src)] + ([str(SEEDS)] if SEEDS.is_dir() else [])
        started = time.perf_counter()
        p = subprocess.run([*KHAZAR, "ingest", *paths, "--db", str(db), "--no-tagger", "--jobs", "2"], cwd=ROOT,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.exit(f"ingest failed:\n{p.stderr[-3000:]}")
        print(f"built {db.name}: {p.stderr.strip().splitlines()[-1]} [{time.perf_counter() - started:.0f} s wall]",
              file=sys.stderr)


def sample_ids(db: Path, k: int = 200) -> list[str]:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY random() LIMIT ?", (k,))]
        total = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    print(f"store: {total} articles", file=sys.stderr)
    return ids


# ------------------------------------------------------------------------------------------- drivers ----

# wrk picks the next path from a list per request; every response that is not 2xx is counted and reported.
WRK_LUA = r"""
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
local bad = 0
response = function(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local p = function(q) return latency:percentile(q) / 1000.0 end
  io.write(string.format("RESULT %%d %%f %%f %%f %%f %%d %%d %%d %%d\n",
    summary.requests, summary.duration / 1e6, p(50), p(95), p(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, 0, 0))
end
"""


def run_wrk(base: str, paths: list[str], seconds: int, connections: int, tmp: Path) -> dict:
    plist = tmp / "paths.txt"
    plist.write_text("\n".join(paths) + "\n", encoding="utf-8")
    script = tmp / "rotate.lua"
    script.write_text(WRK_LUA % {"paths": plist}, encoding="utf-8")
    # One thread per core; --timeout so a stuck request counts as an error instead of hanging the run.
    p = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
                        "-s", str(script), base], capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in p.stdout.splitlines() if x.startswith("RESULT ")), None)
    if p.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    n, dur, p50, p95, p99, socket_errors, non2xx, _, _ = line.split()[1:]
    return {"requests": int(n), "seconds": float(dur), "p50": float(p50), "p95": float(p95), "p99": float(p99),
            "errors": int(socket_errors) + int(non2xx), "non2xx": int(non2xx)}


def run_python(base: str, paths: list[str], seconds: int, connections: int) -> dict:
    import httpx

    latencies: list[float] = []
    errors = non2xx = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        nonlocal errors, non2xx
        i = offset
        with httpx.Client(base_url=base, timeout=10) as client:
            while time.monotonic() < stop_at:
                path = paths[i % len(paths)]
                i += connections
                t = time.perf_counter()
                try:
                    status = client.get(path).status_code
                except httpx.HTTPError:
                    status = None
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    latencies.append(ms)
                    if status is None:
                        errors += 1
                    elif not 200 <= status < 300:
                        non2xx += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 30)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "seconds": time.perf_counter() - started, "p50": q[49], "p95": q[94],
            "p99": q[98], "errors": errors + non2xx, "non2xx": non2xx}


# ---------------------------------------------------------------------------------------------- main ----

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="synthetic articles besides the seeds")
    ap.add_argument("--seconds", type=int, default=30, help="duration of each scenario")
    ap.add_argument("--connections", type=int, default=8, help="concurrent connections")
    ap.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    ap.add_argument("--db", type=Path, help="drive an existing store instead of building bench/out/load_<n>.db")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args()

    db = args.db or OUT / f"load_{args.n}.db"
    if not args.db and (args.rebuild or not db.exists()):
        build(db, args.n)
    if args.build_only:
        return 0
    ids = sample_ids(db)
    rng = random.Random(8)
    q = urllib.parse.quote
    queries = QUERIES * 4
    rng.shuffle(queries)
    scenarios = {
        "api search": [f"/api/search?q={q(x)}" for x in queries],
        "api article": [f"/api/articles/{q(i, safe='')}" for i in ids],
        "page search": [f"/?q={q(x)}" for x in queries],
        "page article": [f"/articles/{q(i, safe='')}" for i in ids],
    }
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    failed = False
    try:
        with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "server.log", "w") as log, \
                live_server(db, log) as base:
            print(f"client: {'wrk' if use_wrk else 'python httpx'}, {args.connections} connections, "
                  f"{args.seconds} s per scenario, server {base} (one uvicorn worker)")
            print(f"{'scenario':<14}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'non-2xx':>9}{'sock err':>9}")
            for name, paths in scenarios.items():
                r = (run_wrk(base, paths, args.seconds, args.connections, Path(tmp)) if use_wrk
                     else run_python(base, paths, args.seconds, args.connections))
                print(f"{name:<14}{r['requests']:>10}{r['requests'] / r['seconds']:>9.1f}{r['p50']:>9.1f}"
                      f"{r['p95']:>9.1f}{r['p99']:>9.1f}{r['non2xx']:>9}{r['errors'] - r['non2xx']:>9}", flush=True)
                failed |= r["errors"] > 0
    except ServerError as exc:
        sys.exit(str(exc))
    if failed:
        print("FAIL: some responses were not 2xx (or the connection failed)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
