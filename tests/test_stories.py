"""Stories on the seeds (scorer figures), stable ids, incremental attach through the store, timelines."""
from __future__ import annotations

import json

from khazar.corpus.report import build_report, report_from_store
from khazar.corpus.state import Corpus
from khazar.corpus.stories import build_stories
from khazar.corpus.timelines import render_timeline, timeline

from fixtures import articles_of, price_reports, store_with


def test_seed_stories_and_contradiction_with_the_scorer(seed_articles, gold, scorer, tmp_path):
    report = build_report(articles_of(seed_articles))
    m = scorer.score(gold, seed_articles, json.loads(json.dumps(report)))
    assert m["stories"]["f1"] == 1.0
    assert m["contradictions_found"] == "1/1"
    # no false alarms: the one contradiction is the gold one (9 vs 7 foreign regions)
    assert len(report["contradictions"]) == 1
    assert sorted(report["contradictions"][0]["values"].values()) == [7, 9]
    [main] = [s for s in report["stories"] if len(s["docs"]) > 1]
    assert "اجلاس" in main["label"]
    assert main["start"] <= "2025-10-05" and main["end"] >= "2025-11-18"
    assert any(e["id"] == "loc:rasht" for e in main["entities"])


def test_story_ids_stable_and_independent_of_input_order(seed_articles):
    arts = articles_of(seed_articles)
    a = build_stories(arts).stories_out()
    b = build_stories(list(reversed(arts))).stories_out()
    assert [(s["id"], s["docs"]) for s in a] == [(s["id"], s["docs"]) for s in b]


def test_incremental_attach_persists_and_matches_batch(seed_articles, tmp_path):
    arts = sorted(articles_of(seed_articles), key=lambda a: a.id)
    batch = {s["id"]: s["docs"] for s in build_report(arts)["stories"]}
    db = tmp_path / "k.db"
    store = store_with(db, [a for a in arts if not a.id.startswith("003")])
    first = report_from_store(store)
    store.close()
    store = store_with(db, [a for a in arts if a.id.startswith("003")])
    corpus = Corpus(store)  # loaded state: only the new article is pending
    assert store.corpus_pending() == [a.id for a in arts if a.id.startswith("003")]
    got = corpus.attach(store.get_article(store.corpus_pending()[0]))
    corpus.save()
    assert store.corpus_pending() == []
    again = report_from_store(store)
    store.close()
    assert got["story"] in batch and batch[got["story"]] == next(s["docs"] for s in again["stories"]
                                                                if s["id"] == got["story"])
    assert {s["id"]: s["docs"] for s in again["stories"]} == batch
    assert len(first["contradictions"]) == 0 and len(again["contradictions"]) == 1


def test_timelines_for_entity_and_story(seed_articles):
    arts = articles_of(seed_articles)
    report = build_report(arts)
    tl = timeline("هادی حق شناس", arts, report["stories"])  # by name, with a space for the ZWNJ
    assert tl["entity"] == "per:hadi-haghshenas" and tl["entries"]
    assert all(x["kind"] == "quote" and x["speaker"] for x in tl["entries"] if x["kind"] == "quote")
    [story] = [s for s in report["stories"] if len(s["docs"]) == 3]
    st = timeline(story["id"], arts, report["stories"])
    dates = [x["date"] for x in st["entries"] if x["date"]]
    assert dates == sorted(dates)
    summit = [x for x in st["entries"] if x["kind"] == "event" and x["type"] == "summit"
              and x["date"] == "2025-11-18" and x.get("end") == "2025-11-19"]
    assert summit and "آبان ۱۴۰۴" in summit[0]["when"]
    assert "۲۷ آبان ۱۴۰۴" in render_timeline(st)


def test_store_pages_give_a_story_a_series_and_the_contradictions_in_one_call_each(seed_articles, tmp_path):
    from khazar.corpus.pages import list_contradictions, list_series, series_page, story_page

    prices = price_reports()
    store = store_with(tmp_path / "k.db", articles_of(seed_articles) + prices)
    report = report_from_store(store)
    assert all(len(set(s["docs"]) & {a.id for a in prices}) <= 1 for s in report["stories"])  # never one story

    listed = list_contradictions(store)
    assert listed["total"] == 1
    [c] = listed["results"]
    page = story_page(store, c["story"])
    published = [a["published"] for a in page["articles"]]
    assert published == sorted(published) and len(published) == 3
    assert set(page["outlets"]) >= {a["outlet"] for a in page["articles"]}
    assert any(e["id"] == "loc:rasht" for e in page["entities"]) and page["events"]
    assert page["quotes"] and all(q["article"] in c_docs for q in page["quotes"]
                                  for c_docs in [{a["id"] for a in page["articles"]}])
    [pc] = page["contradictions"]
    assert sorted(pc["values"].values()) == [7, 9] and pc["kind"] == "number"
    for doc, span in pc["spans"].items():  # the exact words to highlight, inside the exact sentence
        art = store.get_article(doc)
        assert (art.title if span["field"] == "title" else art.text)[span["start"]:span["end"]] == span["text"]
        assert span["text"] in pc["evidence"][doc]

    series = list_series(store)
    assert series["total"] == 1
    [s] = series["results"]
    assert s["docs"] == ["price-0", "price-1", "price-2"] and s["outlet"] == "تابناک"
    got = series_page(store, s["id"])
    assert [(p["date"], p["value"]) for p in got["figures"]["تومان"]] == [
        ("2020-02-24", 5700000), ("2020-02-25", 5720000), ("2020-02-26", 5690000)]
    assert story_page(store, "story:nope") is None and series_page(store, "series:nope") is None
    store.close()
