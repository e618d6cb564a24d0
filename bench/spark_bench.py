"""Speed of `khazar spark-extract` in local[1] and local[2]: articles/s and the speed-up, on ~10k articles.

Input: copies of ../shared/data/news (3,467 articles) with distinct ids, written to a temp folder (never
into the repository) until --articles is reached. For scale, the same `process()` in one plain Python
process on the first --baseline articles is timed too (no Spark), so Spark's own overhead shows.

    python bench/spark_bench.py [--articles 10000] [--baseline 1000] [--cores 1,2] [--cross]

Times include reading, processing, the sort and writing Parquet; not the Spark session start (printed
apart), nor the cross-document steps (timed apart with --cross; the copies make every article a duplicate
of its other copies). The machine's other load is printed with the figures: on a shared 2-core box they move with it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NEWS = ROOT.parent / "shared" / "data" / "news"


def make_input(folder: Path, articles: int) -> int:
    records = []
    for f in sorted(NEWS.glob("*.jsonl")):
        records += [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    written, copy = 0, 0
    while written < articles:
        with (folder / f"news-copy{copy}.jsonl").open("w", encoding="utf-8") as out:
            for rec in records[: articles - written]:
                out.write(json.dumps(dict(rec, id=f"{rec.get('id')}-c{copy}"), ensure_ascii=False) + "\n")
                written += 1
        copy += 1
    return written


def baseline(folder: Path, limit: int) -> float:
    from khazar.ingest import read_paths
    from khazar.model import Rejection
    from khazar.runner import safe_process

    docs = [d for _, d in zip(range(limit), read_paths([folder])) if not isinstance(d, Rejection)]
    safe_process(docs[0])  # load the knowledge base and models outside the timing, as Spark workers keep them
    start = time.perf_counter()
    for d in docs:
        safe_process(d)
    return len(docs) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=1000, help="articles for the plain-Python figure (0: skip)")
    parser.add_argument("--cores", default="1,2")
    parser.add_argument("--cross", action="store_true", help="also time the cross-document steps (duplicates, stories)")
    args = parser.parse_args()
    if not NEWS.is_dir():
        print(f"needs {NEWS}", file=sys.stderr)
        return 1
    from khazar.spark.job import extract, run_cross_document_steps, session

    tmp = Path(tempfile.mkdtemp(prefix="khazar-spark-bench-"))
    try:
        (tmp / "in").mkdir()
        n = make_input(tmp / "in", args.articles)
        print(f"input: {n} articles (copies of data/news) in {tmp / 'in'}; load average {os.getloadavg()[0]:.1f}, "
              f"{os.cpu_count()} cores")
        if args.baseline:
            rate = baseline(tmp / "in", args.baseline)
            print(f"plain Python, 1 process, process() only: {rate:.1f} articles/s ({args.baseline} articles)")
        rates = {}
        for cores in [int(c) for c in args.cores.split(",")]:
            t = time.perf_counter()
            spark = session(f"local[{cores}]", app_name=f"khazar-bench-{cores}")
            started = time.perf_counter() - t
            out = str(tmp / f"out{cores}")
            result = extract(spark, [str(tmp / "in")], out, partitions=cores * 4, cross_document=False)
            rates[cores] = result.articles / result.seconds
            print(f"local[{cores}]: {result.articles} articles in {result.seconds:.1f} s = {rates[cores]:.1f} "
                  f"articles/s (session start {started:.1f} s; load average {os.getloadavg()[0]:.1f})")
            if args.cross:
                t = time.perf_counter()
                counts = run_cross_document_steps(spark, out)
                print(f"local[{cores}]: cross-document steps {counts} in {time.perf_counter() - t:.1f} s")
            spark.stop()
        if 1 in rates and len(rates) > 1:
            for cores, rate in rates.items():
                if cores != 1:
                    print(f"speed-up local[{cores}] / local[1]: {rate / rates[1]:.2f}×")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
