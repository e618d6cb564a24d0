#!/usr/bin/env python3
"""How much of the news the knowledge base links: the share of entity mentions with a kb_id, per type, over
../shared/data/news, and the most frequent names it leaves unlinked (what to add next; see also
`khazar kb candidates`, which does this over a store).

    .venv/bin/python bench/kb_coverage.py [--limit N] [--top 30] [--jobs 2]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NEWS = ROOT.parent / "shared" / "data" / "news"


def _entities(raw) -> list[tuple[str, str, bool, int]]:
    from khazar.pipeline import process

    return [(e.type, e.name, e.kb_id is not None, len(e.mentions)) for e in process(raw).entities]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    from khazar.ingest import read_paths
    from khazar.model import RawDocument

    raws = [r for r in read_paths(sorted(NEWS.glob("*.jsonl"))) if isinstance(r, RawDocument)]
    if args.limit:
        raws = raws[: args.limit]
    mentions, linked = Counter(), Counter()
    unlinked: Counter = Counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        for ents in pool.map(_entities, raws, chunksize=16):
            for typ, name, has_kb, n in ents:
                mentions[typ] += n
                if has_kb:
                    linked[typ] += n
                else:
                    unlinked[(typ, name)] += 1
    print(f"{len(raws)} articles")
    for typ in ("PER", "ORG", "LOC"):
        print(f"{typ}: {linked[typ]:,} of {mentions[typ]:,} mentions linked to the KB ({linked[typ] / mentions[typ]:.1%})")
    total = sum(mentions[t] for t in ("PER", "ORG", "LOC"))
    print(f"all: {sum(linked[t] for t in ('PER', 'ORG', 'LOC')) / total:.1%} of {total:,} mentions")
    print("most frequent unlinked names (articles):")
    for (typ, name), n in unlinked.most_common(args.top):
        print(f"  {typ} {name}  {n}")


if __name__ == "__main__":
    main()
