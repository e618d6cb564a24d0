"""Count claims and cross-article contradictions: Persian number words and digits, same-thing rules."""
from __future__ import annotations

from khazar.corpus.contradictions import count_claims, find_contradictions
from khazar.corpus.stories import build_stories
from khazar.model import Article


def test_counts_with_number_words_and_both_digit_scripts():
    assert count_claims("میزبان هیأت‌هایی از ۹ منطقه خارجی و پنج استان ایرانی است.") == [
        ("foreign_regions", 9), ("iranian_regions", 5)]
    assert count_claims("در مجموع، 5 استان از جمهوری اسلامی ایران و 7 استان از کشورهای خارجی حاضرند") == [
        ("iranian_regions", 5), ("foreign_regions", 7)]
    assert count_claims("بیست و پنج نفر کشته شدند") == [("killed", 25)]


def test_counts_need_noun_and_qualifier():
    assert count_claims("۹ منطقه از این طرح سود می‌برند") == []  # no qualifier: what is counted is unclear
    assert count_claims("نه، این استان خارجی نیست") == []  # نه here is "no": no number before the noun
    # a qualifier window of one class mentioning the other class's word is ambiguous: dropped
    assert count_claims("۷ استان خارجی و ایرانی") == []


def _article(aid, published, outlet, text, events):
    return Article(id=aid, title=text.split(".")[0], text=text, published=published,
                   outlet={"name": outlet, "kb_id": None}, events=events,
                   entities=[{"id": "loc:rasht", "kb_id": "loc:rasht", "name": "رشت", "type": "LOC"}])


def _summit(start, end, status="reported", place="loc:rasht"):
    return {"type": "summit", "label": "اجلاس استانداران استان‌های ساحلی خزر", "start": start, "end": end,
            "place": "رشت", "place_kb_id": place, "status": status, "evidence": {"start": 0, "end": 10, "text": ""}}


BODY = "اجلاس استانداران استان‌های ساحلی خزر در رشت آغاز شد. در این اجلاس {n} استان از کشورهای خارجی حضور دارند."


def _story(*arts):
    idx = build_stories(arts)
    [s] = [s for s in idx.stories_out() if len(s["docs"]) == len(arts)]
    return s, idx.stories[s["id"]].events, {a.id: a for a in arts}


def test_different_counts_about_the_same_event_are_reported_with_sentences_and_outlets():
    a = _article("a", "2025-11-18", "ایرنا", BODY.format(n="۹"), [_summit("2025-11-18", "2025-11-19")])
    b = _article("b", "2025-11-18", "ایلنا", BODY.format(n="هفت"), [_summit("2025-11-18", "2025-11-18")])
    story, events, arts = _story(a, b)
    [c] = find_contradictions(story, arts, events)
    assert c["values"] == {"a": 9, "b": 7}
    assert c["outlets"] == {"a": "ایرنا", "b": "ایلنا"}
    assert "کشورهای خارجی" in c["evidence"]["b"]


def test_same_counts_or_planned_event_are_not_contradictions():
    a = _article("a", "2025-11-18", "ایرنا", BODY.format(n="۷"), [_summit("2025-11-18", "2025-11-19")])
    b = _article("b", "2025-11-18", "ایلنا", BODY.format(n="7"), [_summit("2025-11-18", "2025-11-18")])
    story, events, arts = _story(a, b)
    assert find_contradictions(story, arts, events) == []
    c = _article("c", "2025-11-17", "ایلنا", BODY.format(n="۸"), [_summit("2025-11-18", "2025-11-18", "planned")])
    story, events, arts = _story(a, c)
    assert find_contradictions(story, arts, events) == []


def test_different_dates_of_the_same_event_reported():
    a = _article("a", "2025-11-20", "ایرنا", BODY.format(n="۷"), [_summit("2025-11-18", "2025-11-19")])
    b = _article("b", "2025-11-20", "ایلنا", BODY.format(n="۷"), [_summit("2025-11-24", "2025-11-24")])
    story, events, arts = _story(a, b)
    found = find_contradictions(story, arts, events)
    assert [c["about"] for c in found] == ["event_date@summit"]
    assert found[0]["values"] == {"a": "2025-11-18/2025-11-19", "b": "2025-11-24"}
