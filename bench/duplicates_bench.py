"""Speed of near-duplicate detection at 100k articles (MinHash + LSH + exact verification).

    .venv/bin/python bench/duplicates_bench.py [--n 100000] [--dup-share 0.2]

The 100k articles are synthetic, made here in memory from the real texts of ../shared/data/news: a share
of them are edited copies of a real article (bench/duplicates_eval.py's edits), the rest are new texts
spliced from sentences of several random articles, so that the index holds many partly-overlapping
non-duplicates as a real corpus does. Prints articles/second for each stage, duplicates found, peak memory.
"""
from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from duplicates_eval import edit, load, sentences  # noqa: E402

from khazar.corpus.duplicates import DuplicateIndex, minhash, shingles  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dup-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    real = load(10_000, rng)
    pool = [s for d in real for s in sentences(d["text"])]
    docs = []
    started = time.perf_counter()
    for i in range(args.n):
        if rng.random() < args.dup_share:
            src = rng.choice(real)
            docs.append((f"copy-{i}", edit(src["text"], rng)[0], f"2020-01-{rng.randint(1, 28):02d}"))
        else:
            docs.append((f"new-{i}", " ".join(rng.choice(pool) for _ in range(rng.randint(6, 16))),
                         f"2020-01-{rng.randint(1, 28):02d}"))
    print(f"{args.n} synthetic articles from {len(real)} real ones, made in {time.perf_counter() - started:.0f} s;"
          f" mean {sum(len(d[1]) for d in docs) / len(docs):.0f} characters")

    t0 = time.perf_counter()
    sigs = []
    for doc_id, text, published in docs:
        sh = shingles(text)
        sigs.append((doc_id, published, sh, minhash(sh)))
    t1 = time.perf_counter()
    idx = DuplicateIndex()
    for doc_id, published, sh, mh in sorted(sigs, key=lambda s: (s[1], s[0])):
        idx.add(doc_id, "", published, sh=sh, mh=mh)
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"shingles + MinHash: {t1 - t0:.1f} s ({args.n / (t1 - t0):.0f} articles/s)")
    print(f"LSH query + exact check + insert: {t2 - t1:.1f} s ({args.n / (t2 - t1):.0f} articles/s)")
    print(f"total {t2 - t0:.1f} s for {args.n} articles ({args.n / (t2 - t0):.0f} articles/s, one core);"
          f" {len(idx.links)} duplicate links; peak memory {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
