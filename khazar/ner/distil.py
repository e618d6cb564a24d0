"""Pseudo-labels from a teacher tagger (the e5 tagger) on the sentences of the unlabeled news, for training the
fast tagger on them (``python -m khazar.ner.train_nn --extra FILE``).

    python -m khazar.ner.distil --out build/news.e5.txt [--teacher e5] [--agree nn] [--every 4] [--max-sents N]

Writes PEYMA's ``token|TAG`` format with every type the teacher knows (PEYMA's seven), so the student learns the
tag set it is trained on. With ``--agree`` a sentence is kept only if the other tagger finds the same PER/ORG/LOC
spans (agreement filtering: fewer, cleaner sentences). Sentences of 5–60 tokens, every ``--every``-th one, in file
order; deterministic.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .conll import spans
from .features import split_sentences
from .bio import clean
from .tagger import load_tagger
from .train import SHARED


def news_sentences(news_dir: Path, every: int = 1, min_len: int = 5, max_len: int = 60):
    k = 0
    for path in sorted(Path(news_dir).glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                a = json.loads(line)
                for field in ("title", "text"):
                    for s in split_sentences(a.get(field) or ""):
                        toks = [t for t, _, _ in s]
                        if min_len <= len(toks) <= max_len and "|" not in "".join(toks):
                            if k % every == 0:
                                yield toks
                            k += 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--news", type=Path, default=SHARED / "news")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--teacher", default="e5")
    ap.add_argument("--agree", default=None, help="keep only sentences on which this tagger finds the same spans")
    ap.add_argument("--every", type=int, default=1, help="take every n-th sentence")
    ap.add_argument("--max-sents", type=int, default=0)
    ap.add_argument("--chunk", type=int, default=256, help="sentences per teacher call")
    args = ap.parse_args(argv)
    teacher = load_tagger(args.teacher)
    other = load_tagger(args.agree) if args.agree else None
    label = getattr(teacher, "all_tags", teacher.tag_sents)
    t0 = time.time()
    seen = kept = 0
    sents = news_sentences(args.news, args.every)
    with open(args.out, "w", encoding="utf-8") as out:
        while not args.max_sents or seen < args.max_sents:
            chunk = []
            for s in sents:
                chunk.append(s)
                if len(chunk) >= args.chunk or (args.max_sents and seen + len(chunk) >= args.max_sents):
                    break
            if not chunk:
                break
            seen += len(chunk)
            tags = label(chunk)
            agree = other.tag_sents(chunk) if other else None
            for i, (toks, ts) in enumerate(zip(chunk, tags)):
                if agree is not None and spans(clean(ts)) != spans(agree[i]):
                    continue
                kept += 1
                out.write("".join(f"{t}|{g}\n" for t, g in zip(toks, ts)) + "\n")
            print(f"{seen} sentences, {kept} kept ({time.time()-t0:.0f}s)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
