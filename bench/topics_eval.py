#!/usr/bin/env python3
"""Topic tags against the seeds' gold `topics`, and agreement with the news data's `category` field.

    .venv/bin/python bench/topics_eval.py [--news N]

Seeds: micro precision/recall/F1 of the topic ids per article (the gold file lists the expected ids).
News (optional, N articles): for the categories that map to one of our topics (mapping below), the share of
articles whose category topic is among our tags (recall against a weak label; categories are single-label and
coarse, so this is a sanity check, not a score).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from khazar.extract.topics import score_topics  # noqa: E402

# news category -> our topic id; categories with no clear topic (داخلی، province, سیاسی ...) are left out.
CATEGORY_TOPIC = {
    "اقتصادی": "economy", "economy": "economy", "بازار": "economy", "نبض بازار": "economy", "بورس": "economy",
    "بانک و بیمه": "economy", "اقتصاد کلان": "economy", "sports": "sports", "سیاست خارجی": "diplomacy",
    "foreign-policy": "diplomacy", "culture": "culture", "arts-media": "culture", "فرهنگی": "culture",
    "امنیتی و دفاعی": "security", "حمل و نقل": "transit", "social": "society", "اجتماعی": "society",
}


def seeds() -> None:
    from khazar.ingest import read_paths
    from khazar.pipeline import process

    gold = {d["id"]: set(d.get("topics") or []) for d in
            json.loads((SHARED / "gold" / "seeds.gold.json").read_text(encoding="utf-8"))["documents"]}
    tp = fp = fn = 0
    for raw in read_paths([SHARED / "seeds"]):
        a = process(raw)
        got = {t.id for t in score_topics(a.title, a.text)}
        want = gold.get(a.id, set())
        tp += len(got & want)
        fp += len(got - want)
        fn += len(want - got)
        print(f"{a.id}  +{sorted(got & want)}  extra {sorted(got - want)}  missed {sorted(want - got)}")
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    print(f"seeds topics: P={p:.3f} R={r:.3f} F1={f:.3f} (tp={tp} fp={fp} fn={fn})")


def news(limit: int) -> None:
    hits = total = 0
    per: dict[str, list[int]] = {}
    n = 0
    for path in sorted((SHARED / "data" / "news").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            if n >= limit:
                break
            rec = json.loads(line)
            cats = rec.get("category")
            cats = cats if isinstance(cats, list) else [cats]
            topic = next((CATEGORY_TOPIC[c] for c in cats if c in CATEGORY_TOPIC), None)
            if topic is None:
                continue
            n += 1
            got = {t.id for t in score_topics(rec.get("title") or "", rec.get("text") or "")}
            ok = topic in got
            hits += ok
            total += 1
            per.setdefault(topic, [0, 0])[0] += ok
            per[topic][1] += 1
    print(f"news category agreement: {hits}/{total} = {hits / max(total, 1):.3f}")
    for t, (h, c) in sorted(per.items()):
        print(f"  {t:12} {h}/{c} = {h / c:.2f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--news", type=int, default=0, help="also check N news articles whose category maps to a topic")
    args = ap.parse_args()
    seeds()
    if args.news:
        news(args.news)
