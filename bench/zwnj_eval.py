"""Score ZWNJ restoration: delete every ZWNJ from ZWNJ-correct articles, restore, compare word by word.

    python bench/zwnj_eval.py                   # dev hold-out of /work/shared/data/news (never trained on)
    python bench/zwnj_eval.py --file X.jsonl    # any JSONL with a "text" field, every record
    python bench/zwnj_eval.py --no-rishe        # skip the rishe comparison
    python bench/zwnj_eval.py --tune            # threshold grid on the dev hold-out (development only)

A word counts when the original or the restored text writes it with a ZWNJ: right if both spell it the
same, a false positive if the restored word has a ZWNJ the original lacks (or a different one), a false
negative if the original has one the restored word lacks.
"""
from __future__ import annotations

import argparse
import difflib
import itertools
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from khazar.text.zwnj import Thresholds, ZwnjModel, restore_zwnj  # noqa: E402
from khazar.text.zwnj_train import (  # noqa: E402
    DEFAULT_NEWS_DIR, WORD_RE, ZWNJ, normalize_for_training, split_articles,
)


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 0.0

    @property
    def recall(self) -> float:
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold_words: list[str], restored_words: list[str]) -> None:
        """Align the two word sequences on their ZWNJ-free skeletons; count ZWNJ words."""
        if [w.replace(ZWNJ, "") for w in gold_words] == [w.replace(ZWNJ, "") for w in restored_words]:
            pairs = [(zip(gold_words, restored_words), [], [])]
        else:
            matcher = difflib.SequenceMatcher(
                None, [w.replace(ZWNJ, "") for w in gold_words], [w.replace(ZWNJ, "") for w in restored_words],
                autojunk=False,
            )
            pairs = []
            for tag, g1, g2, r1, r2 in matcher.get_opcodes():
                if tag == "equal":
                    pairs.append((zip(gold_words[g1:g2], restored_words[r1:r2]), [], []))
                else:
                    pairs.append(((), gold_words[g1:g2], restored_words[r1:r2]))
        for aligned, gold_only, restored_only in pairs:
            for gold, restored in aligned:
                gold_has, restored_has = ZWNJ in gold, ZWNJ in restored
                if gold_has and restored == gold:
                    self.true_positive += 1
                else:
                    self.false_negative += gold_has
                    self.false_positive += restored_has
            self.false_negative += sum(ZWNJ in w for w in gold_only)
            self.false_positive += sum(ZWNJ in w for w in restored_only)

    def line(self, name: str) -> str:
        return (f"{name:<28} P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"(tp {self.true_positive}, fp {self.false_positive}, fn {self.false_negative})")


def gold_texts_from_dev(news_dir: Path) -> list[str]:
    _, dev = split_articles(news_dir)
    return [normalize_for_training(a.get("text") or "") for a in dev]


def gold_texts_from_file(path: Path) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                texts.append(normalize_for_training(json.loads(line).get("text") or ""))
    return texts


def score_restorer(gold_texts: list[str], restore) -> tuple[Score, float]:
    score, seconds, chars = Score(), 0.0, 0
    for gold in gold_texts:
        stripped = gold.replace(ZWNJ, "")
        started = time.perf_counter()
        restored = restore(stripped)
        seconds += time.perf_counter() - started
        chars += len(stripped.encode("utf-8"))
        score.add(WORD_RE.findall(gold), WORD_RE.findall(restored))
    return score, chars / seconds / 1e6 if seconds else 0.0


def score_examples(gold_texts: list[str], restore, limit: int = 30) -> None:
    """Print the wrong insertions and the misses, commonest first (development aid)."""
    from collections import Counter
    wrong, missed = Counter(), Counter()
    for gold in gold_texts:
        restored = WORD_RE.findall(restore(gold.replace(ZWNJ, "")))
        for g, r in zip(WORD_RE.findall(gold), restored):
            if ZWNJ in r and r != g:
                wrong[(g, r.replace(ZWNJ, "|"))] += 1
            elif ZWNJ in g and r != g:
                missed[g.replace(ZWNJ, "|")] += 1
    print("wrong:", wrong.most_common(limit))
    print("missed:", missed.most_common(limit))


def rishe_restorer():
    import rishe
    normalizer = rishe.Normalizer()
    return lambda text: normalize_for_training(normalizer.normalize(text))


def tune(gold_texts: list[str]) -> None:
    base = Thresholds()
    grid = {
        "min_form_share": [0.5, 0.6, 0.7, 0.8],
        "min_form_count": [1, 2],
        "min_suffix_share": [0.8, 0.9, 0.95],
        "min_base_count": [2, 3, 5],
    }
    results = []
    for values in itertools.product(*grid.values()):
        thresholds = replace(base, **dict(zip(grid, values)))
        model = ZwnjModel(thresholds=thresholds)
        score, _ = score_restorer(gold_texts, lambda t, model=model: restore_zwnj(t, model))
        results.append((score.f1, score.precision, values))
    for f1, precision, values in sorted(results, reverse=True)[:15]:
        print(f"F1 {f1:.4f} P {precision:.4f} {dict(zip(grid, values))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="JSONL of ZWNJ-correct articles to score instead of the dev hold-out")
    parser.add_argument("--news-dir", type=Path, default=DEFAULT_NEWS_DIR)
    parser.add_argument("--no-rishe", action="store_true")
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--errors", action="store_true", help="list commonest wrong and missed words")
    args = parser.parse_args(argv)

    gold_texts = gold_texts_from_file(args.file) if args.file else gold_texts_from_dev(args.news_dir)
    print(f"{len(gold_texts)} articles, {sum(g.count(ZWNJ) for g in gold_texts)} ZWNJs "
          f"({args.file or 'dev hold-out of ' + str(args.news_dir)})")
    if args.tune:
        tune(gold_texts)
        return 0
    restore_zwnj("گرم کردن")  # load the lexicon outside the timing
    score, mb_per_s = score_restorer(gold_texts, restore_zwnj)
    print(score.line("khazar restore_zwnj") + f"  {mb_per_s:.1f} MB/s")
    if args.errors:
        score_examples(gold_texts, restore_zwnj)
    if not args.no_rishe:
        rishe_score, _ = score_restorer(gold_texts, rishe_restorer())
        print(rishe_score.line("rishe 0.5.1 Normalizer"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
