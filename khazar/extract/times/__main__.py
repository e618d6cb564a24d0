"""`python -m khazar.extract.times FILE.jsonl …`: speed and counts over news dumps."""
from __future__ import annotations

import datetime as dt

from .resolve import find_times


def _main(argv: list[str]) -> int:
    """`python -m khazar.extract.times FILE.jsonl …`: speed and counts over news dumps."""
    import json
    import sys
    import time
    from collections import Counter

    articles = []
    for path in argv:
        with open(path, encoding="utf-8") as f:
            for line in f:
                a = json.loads(line)
                pub = a.get("published")
                articles.append(((a.get("title") or "") + "\n" + (a.get("text") or ""),
                                 dt.date.fromisoformat(pub[:10]) if pub else None))
    if not articles:
        print("usage: python -m khazar.extract.times FILE.jsonl ...", file=sys.stderr)
        return 2
    kinds: Counter = Counter()
    best = float("inf")
    for _ in range(3):
        kinds.clear()
        t0 = time.perf_counter()
        for text, ref in articles:
            kinds.update(t.kind for t in find_times(text, ref))
        best = min(best, time.perf_counter() - t0)
    chars = sum(len(t) for t, _ in articles)
    print(f"{len(articles)} articles, {chars / len(articles):.0f} chars each: "
          f"{len(articles) / best:.0f} articles/s, {best / len(articles) * 1e3:.3f} ms/article (best of 3, one core)")
    print("expressions:", sum(kinds.values()), dict(sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    import sys
    raise SystemExit(_main(sys.argv[1:]))
