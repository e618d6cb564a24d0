#!/usr/bin/env python3
"""Speed of the knowledge base: loading it, compiling the name matcher and the title finder, and how many MB/s
`KBMatcher.find` and `find_roles` read, over ../shared/data/news (or, without it, a repeated news paragraph).

CPU seconds of this process (time.process_time), so a busy machine skews the figures less than wall time. These
figures used to be timed asserts in tests/test_kb.py and tests/test_roles.py, which failed whenever the machine
was loaded; the tests now check what can really break on long texts (every repeat found at its offset).

    .venv/bin/python bench/kb_speed.py [--limit N]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NEWS = ROOT.parent / "shared" / "data" / "news"
PARAGRAPH = ("سفر رئیس جمهوری اسلامی ایران به باکو و دیدار با مقامات جمهوری آذربایجان در حاشیه نشست کشورهای حوزه "
             "دریای خزر؛ سید عباس عراقچی وزیر امور خارجه با سرگئی لاوروف وزیر خارجه روسیه دیدار کرد. ")


def news_texts(limit: int) -> list[str]:
    texts = []
    for f in sorted(NEWS.glob("*.jsonl")) if NEWS.is_dir() else []:
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                texts.append((d.get("title") or "") + "\n" + (d.get("text") or ""))
                if limit and len(texts) >= limit:
                    return texts
    return texts or [PARAGRAPH * 50] * 200


def cpu_seconds(run) -> tuple[float, object]:
    started = time.process_time()
    result = run()
    return time.process_time() - started, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="read only the first N articles")
    args = ap.parse_args()

    from khazar.kb.loader import load_kb
    from khazar.kb.matcher import KBMatcher
    from khazar.kb.roles import default_finder

    texts = news_texts(args.limit)
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    load_s, kb = cpu_seconds(load_kb)
    compile_s, matcher = cpu_seconds(lambda: KBMatcher(kb))
    find_s, names = cpu_seconds(lambda: sum(len(matcher.find(t)) for t in texts))
    roles_compile_s, finder = cpu_seconds(default_finder)
    roles_s, roles = cpu_seconds(lambda: sum(len(finder.find(t)) for t in texts))
    print(f"{len(texts)} texts, {megabytes:.1f} MB ({'data/news' if NEWS.is_dir() else 'a repeated paragraph'})")
    print(f"KB load            {load_s:6.2f} s  ({len(kb.records)} records)")
    print(f"matcher compile    {compile_s:6.2f} s")
    print(f"matcher find       {megabytes / max(find_s, 1e-9):6.1f} MB/s  ({names} names)")
    print(f"roles compile      {roles_compile_s:6.2f} s  ({finder.literal_count} literal titles)")
    print(f"roles find         {megabytes / max(roles_s, 1e-9):6.1f} MB/s  ({roles} roles)")


if __name__ == "__main__":
    main()
