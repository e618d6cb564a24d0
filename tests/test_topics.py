"""Topic tagging: keyword evidence, thresholds, and the seed figure (must not drop)."""
from __future__ import annotations

from khazar.extract.topics import extract_topics, score_topics
from khazar.model import Article

SEED_TOPIC_F1 = 0.85  # bench/topics_eval.py when this test was written


def test_multilabel_with_evidence():
    title = "گسترش صادرات و ترانزیت کالا از بندر انزلی"
    text = "با تکمیل کریدور شمال - جنوب، حمل و نقل ریلی و صادرات محصولات کشاورزی افزایش می‌یابد."
    ids = {t.id: t for t in score_topics(title, text)}
    assert {"trade", "transit", "agriculture"} <= set(ids)
    assert "کریدور" in ids["transit"].evidence
    assert all(0 < t.score < 1 for t in ids.values())
    assert "sports" not in ids


def test_one_weak_word_is_not_a_topic_and_repetition_does_not_inflate():
    assert not score_topics("", "او درباره فرهنگ سخن گفت.")
    once = {t.id: t.score for t in score_topics("", "تحریم بر اقتصاد اثر دارد.")}
    many = {t.id: t.score for t in score_topics("", "تحریم تحریم تحریم بر اقتصاد اثر دارد.")}
    assert once["sanctions"] == many["sanctions"]


def test_longest_keyword_wins():
    # "وزارت امور خارجه" is diplomacy evidence once, not also a weaker overlapping keyword
    got = {t.id: t for t in score_topics("", "وزارت امور خارجه بیانیه داد.")}
    assert got["diplomacy"].evidence == ["وزارت امور خارجه"]


def test_seed_topics_do_not_drop(seed_articles, gold):
    want = {d["id"]: set(d.get("topics") or []) for d in gold["documents"]}
    tp = fp = fn = 0
    for d in seed_articles:
        a = Article.from_dict(d)
        extract_topics(a)
        got = {t.id for t in a.topics}
        tp += len(got & want[a.id])
        fp += len(got - want[a.id])
        fn += len(want[a.id] - got)
    p, r = tp / (tp + fp), tp / (tp + fn)
    assert 2 * p * r / (p + r) >= SEED_TOPIC_F1

