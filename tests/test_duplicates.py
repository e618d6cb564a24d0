"""Near-duplicate detection: normalisation, exact verification, originals, incremental order, and the
precision/recall figure on the edited-copy test set built from ../shared/data/news."""
from __future__ import annotations

import importlib.util
import random

import pytest

from khazar.corpus.duplicates import (DuplicateIndex, exact_similarity, find_duplicates, shingles, words)

from conftest import NEWS, ROOT

VOCAB = ("دولت مجلس وزیر استاندار اقتصاد بازار نفت گاز صادرات واردات همکاری توسعه دیدار نشست اجلاس سفر "
         "قرارداد پروژه ساخت جاده راه‌آهن بندر دریا خزر گیلان رشت تهران مشهد کشور منطقه استان شهر مردم "
         "جوانان ورزش فوتبال تیم بازی قیمت دلار سکه طلا بورس شاخص بانک وام مسکن آب برق هوا باران").split()


def text(seed: int, n: int = 120) -> str:
    rng = random.Random(seed)
    sents = []
    for _ in range(n // 10):
        sents.append(" ".join(rng.choice(VOCAB) for _ in range(10)) + ".")
    return " ".join(sents)


def test_words_ignore_zwnj_letter_forms_and_digits():
    assert words("می‌شود می شود میشود") == ["میشود"] * 3
    assert words("كتاب‌ها رييس ۱۲") == words("کتاب ها رئیس 12")


def test_shingles_same_for_spelling_variants():
    a = "رئیس‌جمهور در سفر به رشت گفت ۱۲ قرارداد امضا می‌شود"
    b = "رييس جمهور در سفر به رشت گفت 12 قرارداد امضا مي شود"
    assert (shingles(a) == shingles(b)).all()


def test_exact_similarity_values():
    a, b = shingles(text(1)), shingles(text(2))
    j, c = exact_similarity(a, a)
    assert j == 1.0 and c == 1.0
    j, _ = exact_similarity(a, b)
    assert j < 0.05


def test_edited_copy_found_and_unrelated_not():
    base = text(3)
    sents = base.split(".")
    edited = ".".join(sents[:3] + sents[4:-2])  # a sentence dropped, the end cut
    links = find_duplicates([("orig", base, "2024-01-01"), ("copy", edited, "2024-01-02"),
                             ("other", text(4), "2024-01-01")])
    assert [(x.doc, x.duplicate_of) for x in links] == [("copy", "orig")]
    assert 0.5 < links[0].similarity < 1.0


def test_earliest_published_is_original_ties_by_id_undated_last():
    t = text(5)
    links = {x.doc: x.duplicate_of for x in find_duplicates(
        [("b", t, "2024-01-01"), ("a", t, "2024-01-01"), ("c", t, "2023-12-31"), ("d", t, None)])}
    assert links == {"a": "c", "b": "c", "d": "c"}


def test_older_newcomer_takes_over_as_original():
    t = text(6)
    idx = DuplicateIndex()
    idx.add("late", t, "2024-02-02")
    idx.add("later", t, "2024-02-03")
    assert idx.links["later"].duplicate_of == "late"
    assert idx.add("early", t, "2024-02-01") is None
    assert {d: x.duplicate_of for d, x in idx.links.items()} == {"late": "early", "later": "early"}


def test_recurring_template_far_apart_is_not_a_duplicate():
    base = text(7)
    ws = base.split(" ")
    changed = " ".join("یورو" if i % 12 == 0 else w for i, w in enumerate(ws))  # the day's figures differ
    assert not find_duplicates([("mon", base, "2024-01-01"), ("next-week", changed, "2024-01-08")])
    assert find_duplicates([("mon", base, "2024-01-01"), ("same-day", changed, "2024-01-01")])


@pytest.mark.skipif(not NEWS.is_dir(), reason="../shared/data/news not available")
def test_edited_copies_precision_recall_on_news(capsys):
    spec = importlib.util.spec_from_file_location("dup_eval", ROOT / "bench" / "duplicates_eval.py")
    ev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ev)
    rng = random.Random(7)
    originals = ev.load(300, rng)
    docs, gold = [], set()
    for d in originals:
        docs.append((d["id"], d["text"], (d.get("published") or "")[:10] or None))
    for d in originals[:150]:
        t, _ = ev.edit(d["text"], rng)
        docs.append(("copy-" + d["id"], t, (d.get("published") or "")[:10] or None))
        gold.add(frozenset(("copy-" + d["id"], d["id"])))
    pred = {frozenset((x.doc, x.duplicate_of)) for x in find_duplicates(docs)}
    p = len(pred & gold) / len(pred)
    r = len(pred & gold) / len(gold)
    # bench/duplicates_eval.py reaches P=0.997 R=0.997 on 900 docs; this smaller run must stay close
    assert p >= 0.97 and r >= 0.97, (p, r)
