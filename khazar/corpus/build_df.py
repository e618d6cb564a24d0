"""Build the background document frequencies (khazar/corpus/data/df.json) from processed articles.

    khazar extract ../shared/data/news --jsonl --jobs 2 > /tmp/news.jsonl
    python -m khazar.corpus.build_df /tmp/news.jsonl

Only counts are kept (word → number of articles containing it, entity key → the same, with an "e:" prefix),
never text: the table lets story similarity weight words sensibly when the store holds few articles.
Words seen in fewer than MIN_DF articles are left out (rare words get the maximum weight anyway).
"""
from __future__ import annotations

import json
import sys
from collections import Counter

from ..model import Article
from .stories import DATA, Features

MIN_DF = 3


def main(argv: list[str]) -> int:
    df: Counter = Counter()
    n = 0
    for path in argv:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                f = Features.of(Article.from_dict(json.loads(line)))
                n += 1
                df.update(set(f.terms))
                df.update("e:" + k for k in f.entities)
    kept = {k: c for k, c in sorted(df.items()) if c >= MIN_DF}
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps({"n": n, "min_df": MIN_DF, "df": kept}, ensure_ascii=False, separators=(",", ":")),
                    encoding="utf-8")
    print(f"{n} articles, {len(kept)} keys → {DATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
