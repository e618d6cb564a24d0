"""Evaluate the khazar NER tagger: entity-level P/R/F1 (PER, ORG, LOC, micro) and speed.

    .venv/bin/python bench/ner_eval.py                       # PEYMA dev, default tagger
    .venv/bin/python bench/ner_eval.py --model crf           # the CRF (or: nn, or a model dir/file)
    .venv/bin/python bench/ner_eval.py --file other.conll    # any token/TAG file
    .venv/bin/python bench/ner_eval.py --table               # crf, nn, e5:peyma (encoder alone), e5 (joint) on PEYMA dev
    .venv/bin/python bench/ner_eval.py --table --test        # … on the held-out test files (once per final model)
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from khazar.ner.conll import evaluate, read_conll  # noqa: E402
from khazar.extract.entities import tagger_for  # noqa: E402
from khazar.ner.train import fmt_scores  # noqa: E402

DEV = Path("/work/shared/data/ner/peyma/dev.txt")
# Measurement only: never tuned on (each final model is scored on them once).
TEST = [Path("/work/shared/eval-data/ner") / n for n in ("peyma_test.txt", "arman_test_fold1.txt", "parstwiner_test.txt")]
TABLE_MODELS = ("crf", "nn", "e5:peyma", "e5")
NEWS = Path("/work/shared/data/news")
# Other corpora name the same types differently (ARMAN: pers/org/loc, ...).
TYPE_MAP = {"PERS": "PER", "PERSON": "PER", "ORGANIZATION": "ORG", "LOCATION": "LOC", "GPE": "LOC"}


def _map(tag: str) -> str:
    if tag == "O":
        return tag
    typ = TYPE_MAP.get(tag[2:], tag[2:])
    return f"{tag[:2]}{typ}" if typ in ("PER", "ORG", "LOC") else "O"


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", type=Path, action="append", help="token/TAG file(s); default PEYMA dev")
    ap.add_argument("--model", default=None,
                    help="crf, nn or a model dir/file (default: $KHAZAR_NER, else the default tagger); pipeline "
                         "or kb: the names an article gets, with or without the tagger (khazar tag --ner)")
    ap.add_argument("--articles", type=int, default=300, help="news articles for the tag_text speed test")
    ap.add_argument("--table", action="store_true", help="one row per tagger (crf, nn, e5:peyma, e5) and file: F1 and speed")
    ap.add_argument("--test", action="store_true", help="the held-out test files instead of PEYMA dev")
    args = ap.parse_args(argv)
    files = args.file or (TEST if args.test else [DEV])
    if args.table:
        table(files, args.model.split(",") if args.model else TABLE_MODELS)
        return

    t0 = time.perf_counter()
    tagger = tagger_for(args.model)
    print(f"{type(tagger).__name__} load {time.perf_counter()-t0:.2f}s")
    for path in files:
        gold = [[(t, _map(g)) for t, g in s] for s in read_conll(path)]
        toks = [[t for t, _ in s] for s in gold]
        featuriser = getattr(tagger, "fx", None)  # a statistical tagger's word cache, emptied before each timing
        if featuriser is not None:
            featuriser._cache.clear()
        t0 = time.process_time()
        pred = [tagger.tag(s) for s in toks]
        dt = time.process_time() - t0
        n = sum(map(len, toks))
        if featuriser is not None:
            featuriser._cache.clear()
        t0 = time.process_time()
        tagger.tag_sents(toks)  # timed only: the batched path must tag as fast or faster
        dt_b = time.process_time() - t0
        print(f"\n{path}  ({len(gold)} sentences, {n} tokens)")
        print(fmt_scores(evaluate(gold, pred)))
        print(f"speed: {n/dt:,.0f} tokens/s tag() one sentence at a time, {n/dt_b:,.0f} tokens/s tag_sents() "
              f"(CPU time, one core, cold feature cache)")

    arts = []
    for p in sorted(NEWS.glob("*.jsonl")):
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                t = json.loads(line).get("text") or ""
                if len(t) > 500:
                    arts.append(t[:3000])
                if len(arts) >= args.articles:
                    break
    if arts:
        t0 = time.process_time()
        n_ent = sum(len(tagger.tag_text(a)) for a in arts)
        dt = time.process_time() - t0
        chars = sum(map(len, arts))
        print(f"\ntag_text: {len(arts)/dt:.0f} articles/s ({chars/len(arts):.0f} chars avg, "
              f"{n_ent/len(arts):.1f} entities/article, CPU time, one core)")


def table(files: list[Path], models) -> None:
    """F1 (PER, ORG, LOC, micro) and tag_sents() speed of each tagger on each file, one row each."""
    print(f"{'file':<22} {'tagger':<9} {'PER':>6} {'ORG':>6} {'LOC':>6} {'micro':>6} {'tokens/s':>9}")
    for name in models:
        try:
            tagger = tagger_for(name)
        except FileNotFoundError as exc:
            print(f"{name}: not available ({exc})")
            continue
        for path in files:
            gold = [[(t, _map(g)) for t, g in s] for s in read_conll(path)]
            toks = [[t for t, _ in s] for s in gold]
            t0 = time.process_time()
            res = evaluate(gold, tagger.tag_sents(toks))
            speed = sum(map(len, toks)) / (time.process_time() - t0)
            f1 = [100 * res[k]["f1"] for k in ("PER", "ORG", "LOC", "micro")]
            print(f"{path.parent.name + '/' + path.name:<22} {name:<9} " + " ".join(f"{x:6.2f}" for x in f1)
                  + f" {speed:9,.0f}", flush=True)


if __name__ == "__main__":
    main()
