"""Precision/recall of near-duplicate detection on a test set built from ../shared/data/news.

    .venv/bin/python bench/duplicates_eval.py [--n 600] [--seed 7]

The test set is made here, in memory, never saved: for N real articles an edited copy is made with one or
more of the edits wire copies really show (sentences dropped, sentences reordered, words replaced by
synonyms, the outlet attribution and dateline changed, ZWNJ/letter-form/digit spelling changed, a copy cut
short). Hard negatives are the other real articles, in particular the pairs most alike in vocabulary
(same topic, not the same text): every original is in the pool, so any original-original pair flagged is
either a false alarm or a duplicate the data really has; those are printed for a person to look at and
counted as false positives (the figure is a lower bound on precision).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from khazar.corpus.duplicates import exact_similarity, find_duplicates, shingles  # noqa: E402

NEWS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "news"

# Everyday synonym swaps of Persian news copy ("said" verbs, connectors); enough to break shingles.
SYNONYMS = {
    "گفت": "اظهار کرد", "اظهار کرد": "گفت", "افزود": "ادامه داد", "همچنین": "نیز", "اعلام کرد": "خبر داد",
    "تاکید کرد": "تصریح کرد", "تصریح کرد": "تاکید کرد", "بیان کرد": "عنوان کرد", "اما": "ولی", "زیرا": "چون",
    "بسیار": "خیلی", "اکنون": "حالا", "درباره": "در مورد", "پیش از": "قبل از", "هم اکنون": "در حال حاضر",
    "کشور": "مملکت", "مهم": "حائز اهمیت", "انجام شد": "صورت گرفت", "برگزار شد": "برپا شد",
}
OUTLETS = ["ایرنا", "ایسنا", "خبرگزاری فارس", "خبرگزاری مهر", "باشگاه خبرنگاران جوان", "خبرگزاری تسنیم"]
_SENT = re.compile(r"[^.!?؟\n]+[.!?؟]?")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.findall(text) if s.strip()]


def edit(text: str, rng: random.Random) -> tuple[str, str]:
    sents = sentences(text)
    ops = rng.sample(["drop", "reorder", "synonyms", "outlet", "spelling", "truncate"], k=rng.randint(1, 3))
    if "drop" in ops and len(sents) > 4:
        k = max(1, int(len(sents) * rng.uniform(0.1, 0.3)))
        for i in sorted(rng.sample(range(1, len(sents)), k), reverse=True):
            del sents[i]
    if "reorder" in ops and len(sents) > 3:
        body = sents[1:]
        i, j = rng.sample(range(len(body)), 2)
        body[i], body[j] = body[j], body[i]
        sents = sents[:1] + body
    if "truncate" in ops and len(sents) > 6:
        sents = sents[: max(4, int(len(sents) * rng.uniform(0.5, 0.8)))]
    out = " ".join(sents)
    if "synonyms" in ops:
        for a, b in SYNONYMS.items():
            if rng.random() < 0.7:
                out = out.replace(a, b)
    if "outlet" in ops:
        out = re.sub(r"به گزارش [^،,]{2,40}[،,]", f"به گزارش {rng.choice(OUTLETS)}،", out)
        out = f"{rng.choice(OUTLETS)} - تهران\n" + out
    if "spelling" in ops:
        out = out.replace("\u200c", " ").replace("ی", "ي").replace("ک", "ك")
        out = out.translate(str.maketrans("0123456789۰۱۲۳۴۵۶۷۸۹", "۰۱۲۳۴۵۶۷۸۹0123456789"))
    return out, "+".join(sorted(ops))


def load(n: int, rng: random.Random) -> list[dict]:
    rows = []
    for f in sorted(NEWS.glob("*.jsonl")):
        for line in f.open(encoding="utf-8"):
            d = json.loads(line)
            if len(d.get("text") or "") > 400:
                rows.append(d)
    rng.shuffle(rows)
    return rows[:n]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if not NEWS.is_dir():
        print(f"no data at {NEWS}")
        return 1
    rng = random.Random(args.seed)
    originals = load(args.n, rng)
    docs, gold, kinds = [], set(), {}
    for d in originals:
        docs.append((d["id"], f"{d.get('title') or ''}\n{d['text']}", (d.get("published") or "")[:10] or None))
    # Half of the originals get an edited copy published a day later by "another outlet".
    for d in originals[: len(originals) // 2]:
        text, ops = edit(d["text"], rng)
        cid = f"copy-{d['id']}"
        docs.append((cid, f"{d.get('title') or ''}\n{text}", (d.get("published") or "")[:10] or None))
        gold.add((cid, d["id"]))
        kinds[cid] = ops
    started = time.perf_counter()
    links = find_duplicates(docs)
    seconds = time.perf_counter() - started
    pred = {(link.doc, link.duplicate_of) for link in links}
    undirected = {frozenset(p) for p in pred}
    gold_u = {frozenset(p) for p in gold}
    tp = len(undirected & gold_u)
    fp_pairs = undirected - gold_u
    fn_pairs = gold_u - undirected
    p = tp / len(undirected) if undirected else 1.0
    r = tp / len(gold_u) if gold_u else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(f"test set: {len(originals)} real articles + {len(gold)} edited copies ({len(docs)} docs), seed {args.seed}")
    print(f"duplicate pairs  P={p:.3f} R={r:.3f} F1={f1:.3f}  (tp {tp}, fp {len(fp_pairs)}, fn {len(fn_pairs)})"
          f"  in {seconds:.2f} s")
    # Hard negatives: the most alike distinct originals, by shingle Jaccard.
    texts = {d[0]: d[1] for d in docs}
    sh = {i: shingles(t) for i, t in texts.items() if not i.startswith("copy-")}
    ids = list(sh)
    best = []
    for i, a in enumerate(ids[:300]):
        for b in ids[i + 1:300]:
            j, c = exact_similarity(sh[a], sh[b])
            best.append((c, j, a, b))
    best.sort(reverse=True)
    flagged = sum(1 for _, _, a, b in best[:50] if frozenset((a, b)) in undirected)
    print(f"hard negatives: of the 50 most-overlapping distinct originals (containment {best[49][0]:.2f}"
          f"..{best[0][0]:.2f}) {flagged} flagged")
    by_kind: dict[str, list[int]] = {}
    for cid, ops in kinds.items():
        by_kind.setdefault(ops, [0, 0])
        by_kind[ops][1] += 1
        by_kind[ops][0] += frozenset((cid, cid[5:])) in undirected
    worst = sorted(by_kind.items(), key=lambda kv: kv[1][0] / kv[1][1])[:6]
    print("lowest recall by edit mix:", ", ".join(f"{k} {a}/{b}" for k, (a, b) in worst))
    for pair in list(fp_pairs)[:5]:
        a, b = sorted(pair)
        j, c = exact_similarity(shingles(texts[a]), shingles(texts[b]))
        print(f"  flagged, not in gold: {a} ~ {b}  J={j:.2f} C={c:.2f}\n    {texts[a][:90]!r}\n    {texts[b][:90]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
