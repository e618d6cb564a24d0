"""Event extraction: triggers, arguments, coreference, merging, and the seed figure (must not drop)."""
from __future__ import annotations

from khazar.extract.events import extract_events
from khazar.model import Article, TimeValue

# Seed events with place and date found (score.py "events (place+date)") when this test was written.
SEED_EVENTS_OK = 6


def _ent(eid, etype, name, spans, kb_id=None):
    return {"id": eid, "type": etype, "name": name, "kb_id": kb_id, "roles": [],
            "mentions": [{"start": s, "end": e, "text": name, "field": "text"} for s, e in spans]}


def _at(text, needle, nth=0):
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    return (i, i + len(needle))


def test_summit_with_place_and_interval_and_demonstrative_merge():
    text = ("نخستین اجلاس وزیران کشاورزی از امروز در رشت آغاز شد.\n"
            "این نشست روزهای ۲۷ و ۲۸ آبان در رشت برگزار می‌شود.")
    a = Article(id="e", title="خبر", text=text, published="2025-11-18")
    a.entities = [_ent("l1", "LOC", "رشت", [_at(text, "رشت"), _at(text, "رشت", 1)], "loc:rasht")]
    i, j = _at(text, "امروز")
    k, l = _at(text, "۲۷ و ۲۸ آبان")
    a.times = [TimeValue("امروز", "2025-11-18", i, j), TimeValue("۲۷ و ۲۸ آبان", "2025-11-18/2025-11-19", k, l)]
    extract_events(a)
    assert len(a.events) == 1, a.events
    ev = a.events[0]
    assert ev["type"] == "summit"  # "این نشست" is the summit already mentioned
    assert ev["place"] == "رشت" and ev["place_kb_id"] == "loc:rasht"
    assert (ev["start"], ev["end"], ev["date"]) == ("2025-11-18", "2025-11-19", "2025-11-18")
    assert len(ev["mentions"]) == 2
    assert text[ev["span"]["start"]:ev["span"]["end"]] == "اجلاس"
    assert ev["evidence"]["text"].startswith("نخستین اجلاس")


def test_visit_template_names_the_place_and_sea_is_no_venue():
    text = "وزیر خارجه دیروز وارد مسکو شد. همایش بزرگ در دریای خزر برگزار شد."
    a = Article(id="e", title="خبر", text=text, published="2025-12-17")
    a.entities = [_ent("l1", "LOC", "مسکو", [_at(text, "مسکو")], "loc:moscow"),
                  _ent("l2", "LOC", "دریای خزر", [_at(text, "دریای خزر")], "loc:caspian-sea")]
    extract_events(a)
    visits = [e for e in a.events if e["type"] == "visit"]
    assert len(visits) == 1 and visits[0]["place"] == "مسکو"
    assert not [e for e in a.events if e["type"] == "conference"]  # only a sea: no venue, no date → no event


def test_planned_status_and_meeting_participants():
    text = "قرار است دیدار مسعود پزشکیان و ولادیمیر پوتین ماه آینده در عشق‌آباد برگزار شود."
    a = Article(id="e", title="خبر", text=text, published="2025-11-01")
    a.entities = [_ent("p1", "PER", "مسعود پزشکیان", [_at(text, "مسعود پزشکیان")]),
                  _ent("p2", "PER", "ولادیمیر پوتین", [_at(text, "ولادیمیر پوتین")]),
                  _ent("l1", "LOC", "عشق‌آباد", [_at(text, "عشق‌آباد")])]
    extract_events(a)
    assert len(a.events) == 1
    ev = a.events[0]
    assert ev["type"] == "meeting" and ev["status"] == "planned"
    assert ev["participants"] == ["مسعود پزشکیان", "ولادیمیر پوتین"] and ev["participant_ids"] == ["p1", "p2"]


def test_different_places_stay_different_events():
    text = "نمایشگاه کتاب در تبریز برپا شد. نمایشگاه خودرو در شیراز برپا شد."
    a = Article(id="e", title="خبر", text=text, published="2025-11-01")
    a.entities = [_ent("l1", "LOC", "تبریز", [_at(text, "تبریز")]), _ent("l2", "LOC", "شیراز", [_at(text, "شیراز")])]
    extract_events(a)
    assert sorted(e["place"] for e in a.events) == ["تبریز", "شیراز"]


def test_seed_events_do_not_drop(seed_articles, gold, scorer):
    arts = []
    for d in seed_articles:
        a = Article.from_dict(d)
        extract_events(a)
        arts.append(a.to_dict())
    m = scorer.score(gold, arts)
    assert m["ev_ok"] >= SEED_EVENTS_OK, (m["ev_ok"], m["ev_n"])
