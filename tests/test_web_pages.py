"""The workbench pages over the small corpus of test_search.py: home, search conventions (Persian errors, chips
by name, dates, pager), quotes by surname, events, graph, map, exports and feeds. The real-corpus browser run
is test_web_browser.py."""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import escape

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from khazar.api import create_app  # noqa: E402
from khazar.model import Quote  # noqa: E402
from khazar.store.sqlite import SQLiteStore  # noqa: E402
from fixtures import RASHT_TEXT, ZWNJ, make_article, with_corpus  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"


ZARIF_TEXT = "ظریف در نشست خبری گفت: «گفت‌وگو تنها راه است.» او افزود که سفر ادامه دارد."


def zarif_article():
    quote = "گفت‌وگو تنها راه است."
    start = ZARIF_TEXT.index(quote)
    return make_article("zarif", "ظریف: گفت‌وگو تنها راه است", ZARIF_TEXT, published="2020-02-20",
                        quotes=[Quote(speaker="محمدجواد ظریف", speaker_kb_id="per:mohammad-javad-zarif",
                                      speaker_id="per:mohammad-javad-zarif", speaker_type="PER", confidence=0.9, text=quote,
                                      kind="direct", start=start, end=start + len(quote), cue="گفت", field="text",
                                      reason=None)])


@pytest.fixture()
def client(tmp_path):
    db = str(tmp_path / "pages.db")
    store = with_corpus(SQLiteStore(db))
    store.add_article(*zarif_article())  # a speaker the real knowledge base knows
    store.commit()
    store.close()
    with TestClient(create_app(db), raise_server_exceptions=False) as c:
        yield c


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[ >]", html))


def test_every_page_has_one_h1_and_no_english_status(client):
    for path in ("/", "/search?q=رشت", "/entities", "/entities/loc:rasht", "/quotes", "/events", "/map", "/graph",
                 "/stories", "/articles/rasht", "/articles/rasht/raw", "/nope", "/entities/loc:nowhere"):
        r = client.get(path)
        assert h1_count(r.text) == 1, path
        assert "Not Found" not in r.text and "Internal" not in r.text, path
    r = client.get("/nope")
    assert r.status_code == 404 and "صفحه‌ای با این نشانی پیدا نشد" in r.text


def test_old_search_links_reach_the_search_page(client):
    r = client.get("/?q=رشت", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/search?q=%D8%B1%D8%B4%D8%AA"
    assert "رشت" in client.get("/?q=رشت").text


def test_bad_date_keeps_the_form_and_says_why_in_persian(client):
    r = client.get("/search", params={"q": "رشت", "from": "tomorrow"})
    assert r.status_code == 400
    assert 'name="q" value="رشت"' in r.text and 'value="tomorrow"' in r.text  # the form is kept as typed
    assert "تاریخ نیست" in r.text and "is not a date" not in r.text


def test_written_jalali_dates_filter(client):
    # ۲۷ آبان ۱۴۰۴ is 2025-11-18: only rasht is that day; written out as in the news.
    r = client.get("/search", params={"from": "۲۷ آبان ۱۴۰۴", "to": "۲۷ آبان ۱۴۰۴"})
    assert r.status_code == 200
    assert re.findall(r'href="/articles/([^"]+)"', r.text) == ["rasht"]


def test_chips_name_the_filter_never_its_id(client):
    html = client.get("/search", params={"outlet": "out:isna", "entity": "per:araghchi"}).text
    chips = re.findall(r'<a class="chip"[^>]*>([^<]*)</a>', html)
    assert chips and all("out:" not in c and "per:" not in c for c in chips), chips
    assert any("ایسنا" in c for c in chips)


def test_snippets_and_titles_keep_what_was_written(client):
    html = client.get("/search", params={"q": "استانهای ۱۴۰۴"}).text
    assert f"<mark>استان{ZWNJ}های</mark>" in html  # the ZWNJ of the text, though the query had none
    assert "<mark>۱۴۰۴</mark>" in html
    assert '<a class="title" href="/articles/corridor">رشد ترانزیت در <mark>کریدور</mark>' in \
        client.get("/search", params={"q": "کریدور"}).text


def test_semantic_search_says_when_it_is_unavailable(client, monkeypatch):
    from khazar.search import semantic

    monkeypatch.setattr(semantic, "available", lambda: False)
    html = client.get("/search", params={"q": "رشت", "semantic": "true"}).text
    assert "جست‌وجوی معنایی در این نصب در دسترس نیست" in html


def test_pager_arrows_point_the_reading_way(client):
    assert "→ قبلی" not in client.get("/search").text  # one page: no previous page
    from khazar.web import TEMPLATES

    macro = TEMPLATES.env.get_template("_macros.html").module.pager
    out = str(macro(2, 3, lambda n: f"/x?page={n}"))
    assert out.index("→ قبلی") < out.index("بعدی ←")  # right to left: previous on the right, pointing right
    assert "صفحهٔ ۲ از ۳" in out


def test_raw_page_shows_no_server_path(client, tmp_path):
    html = client.get("/articles/rasht/raw").text
    assert "/" + "tmp" not in html and str(tmp_path) not in html


def test_quotes_by_surname_alias_or_english_name(client):
    for speaker in ("ظریف", "محمدجواد ظریف", "محمد جواد ظریف", "Zarif", "per:mohammad-javad-zarif"):
        html = client.get("/quotes", params={"speaker": speaker}).text
        assert "گفت‌وگو تنها راه است." in html and "همکاری خزر" not in html, speaker
        assert "۱ نقل قول" in html, speaker
    assert "۰ نقل قول" in client.get("/quotes", params={"speaker": "روحانی"}).text
    # The sentence around the quote is shown with it.
    assert "ظریف در نشست خبری گفت:" in client.get("/quotes", params={"q": "گفت‌وگو"}).text
    assert "۰ نقل قول" in client.get("/quotes", params={"q": "فوتبال"}).text


def test_a_surname_or_english_name_names_the_kb_person():
    from khazar.search.query import speaker_ids

    for name in ("عراقچی", "Araghchi", "سیدعباس عراقچی", "Abbas Araqchi"):
        assert "per:abbas-araghchi" in speaker_ids(name), name
    assert "per:mohammad-javad-zarif" in speaker_ids("ظریف")


def test_quotes_api_finds_a_surname(client):
    body = client.get("/api/quotes", params={"speaker": "ظریف"}).json()
    assert body["total"] == 1 and body["results"][0]["speaker_kb_id"] == "per:mohammad-javad-zarif"
    assert body["results"][0]["context"]["before"] == "ظریف در نشست خبری گفت: «"


def test_events_page_filters_by_type_and_draws_a_timeline(client):
    html = client.get("/events").text
    assert "اجلاس استانداران" in html and 'class="timeline"' in html
    assert "۰ رویداد" in client.get("/events", params={"type": "visit"}).text
    assert "۱ رویداد" in client.get("/events", params={"type": "meeting"}).text
    assert client.get("/events", params={"from": "x"}).status_code == 400


def test_graph_page_links_neighbours(client):
    html = client.get("/graph", params={"type": ["PER", "LOC"]}).text
    svg = ET.fromstring(re.search(r'<svg class="graph graph-page".*?</svg>', html, re.S).group(0))
    ns = "{http://www.w3.org/2000/svg}"
    nodes = {a.get("data-id") for a in svg.iter(f"{ns}a")}
    assert {"per:araghchi", "loc:rasht", "loc:caspian-sea"} <= nodes
    edges = {(line.get("data-a"), line.get("data-b")) for line in svg.iter(f"{ns}line")}
    assert ("loc:rasht", "per:araghchi") in edges  # neighbours in one article are linked, not only to a centre
    assert all(t.text for t in svg.iter(f"{ns}text"))  # every node labelled
    assert "per:araghchi" not in {a.get("data-id") for a in ET.fromstring(re.search(
        r'<svg class="graph graph-page".*?</svg>', client.get("/graph", params={"type": "LOC"}).text, re.S)
        .group(0)).iter(f"{ns}a")}


def test_map_page_has_a_base_map_and_zoom(client):
    html = client.get("/map").text
    assert 'class="map zoomable"' in html and 'class="land"' in html and "data-zoom" in html


def test_exports_and_feeds(client):
    r = client.get("/search.csv", params={"q": "رشت"})
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0] == ["id", "title", "outlet", "published", "url", "snippet"]
    assert sorted(row[0] for row in rows[1:]) == ["corridor", "rasht"]
    lines = client.get("/search.jsonl", params={"q": "رشت"}).text.splitlines()
    assert sorted(json.loads(x)["id"] for x in lines) == ["corridor", "rasht"]
    assert json.loads(lines[0])["text"] in (RASHT_TEXT, json.loads(lines[0])["text"])
    feed = ET.fromstring(client.get("/search.atom", params={"q": "رشت"}).content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["اجلاس استانداران خزر در رشت",
                                                              "رشد ترانزیت در کریدور شمال-جنوب"]  # newest first
    assert entries[0].find(f"{ATOM}link").get("href").endswith("/articles/rasht")
    entity_feed = ET.fromstring(client.get("/entities/loc:rasht/feed.atom").content)
    assert len(entity_feed.findall(f"{ATOM}entry")) == 2
    assert client.get("/entities/loc:nowhere/feed.atom").status_code == 404


def test_home_page_lists_the_latest_articles(client):
    html = client.get("/").text
    assert "اجلاس استانداران خزر در رشت" in html and "saved-searches" in html


def test_stories_list_and_story_page_compare_outlets(tmp_path):
    db = str(tmp_path / "stories.db")
    s = with_corpus(SQLiteStore(db))
    docs = dict(s.conn.execute("SELECT id, doc FROM articles"))
    s.conn.executemany('INSERT INTO stories (id, label, start, "end", size, entities_json) VALUES (?,?,?,?,?,?)', [
        ("story:two", "رشت و کریدور", "2025-10-01", "2025-11-18", 2, '[{"id": "loc:rasht", "name": "رشت", "docs": 2}]'),
        ("story:one", "فوتبال", "2024-03-05", "2024-03-05", 1, "[]")])
    s.conn.executemany("INSERT INTO story_articles (story_id, doc) VALUES (?, ?)",
                       [("story:two", docs["rasht"]), ("story:two", docs["corridor"]), ("story:one", docs["football"])])
    s.commit()
    s.close()
    with TestClient(create_app(db)) as c:
        listed = c.get("/stories").text
        assert "رشت و کریدور" in listed and "فوتبال" not in listed  # one-article stories on request only
        assert "فوتبال" in c.get("/stories", params={"all": "1"}).text
        page = c.get("/stories/story:two").text
        columns = re.findall(r'<section class="outlet-column"><h3>([^<]*)<', page)
        assert sorted(x.strip() for x in columns) == ["ایسنا", "خبرگزاری ایرنا"]  # side by side, per outlet
        assert 'href="/entities/loc:rasht"' in page
        assert "رشت و کریدور" in c.get("/articles/rasht").text  # an article links to its story
        home = c.get("/").text
        assert "رشت و کریدور" in home and "۲ رسانه" in home  # the latest day's story, by outlets
        assert [r["id"] for r in c.get("/api/stories", params={"order": "size"}).json()["results"]] == \
            ["story:two", "story:one"]


@pytest.fixture()
def corpus_client(seed_articles, tmp_path):
    """The seeds (one story of three outlets, one contradiction: 9 vs 7 foreign regions) and one outlet's
    daily coin prices (a series), through the corpus stage as `khazar ingest` runs it."""
    from khazar.corpus.report import report_from_store
    from fixtures import articles_of, price_reports, store_with

    path = tmp_path / "corpus.db"
    store = store_with(path, articles_of(seed_articles) + price_reports())
    report_from_store(store)
    store.close()
    with TestClient(create_app(str(path)), raise_server_exceptions=False) as c:
        yield c


def test_story_page_sets_the_contradiction_side_by_side_with_its_sentences(corpus_client):
    c = corpus_client
    [contradiction] = c.get("/api/contradictions").json()["results"]
    story = c.get(f"/api/stories/{contradiction['story']}").json()
    html = c.get(f"/stories/{contradiction['story']}").text
    assert h1_count(html) == 1 and 'id="contradictions"' in html
    sides = re.findall(r'<section class="side-report">(.*?)</section>', html, re.S)
    assert len(sides) == 2
    # Each side: its outlet, its value, and its own sentence with exactly that value marked.
    for doc, value in contradiction["values"].items():
        side = next(s for s in sides if f'href="/articles/{doc}"' in s)
        assert contradiction["outlets"][doc] in side
        assert f'<p class="value">{str(value).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))}</p>' in side
        sentence = re.search(r'<blockquote class="evidence">(.*?)</blockquote>', side, re.S).group(1)
        assert re.findall(r"<mark>(.*?)</mark>", sentence) == [contradiction["spans"][doc]["text"]]
        assert re.sub(r"</?mark>", "", sentence) == str(escape(contradiction["evidence"][doc]))
    # The rest of the story: its articles in time order, its outlets side by side, event, entities, quotes.
    listed = re.search(r'<ol class="articles timeline-list">(.*?)</ol>', html, re.S).group(1)
    assert re.findall(r'href="/articles/([^"]+)"', listed) == [a["id"] for a in story["articles"]]
    assert len(re.findall(r'<section class="outlet-column">', html)) == len(story["outlets"]) >= 2
    assert 'class="story-events"' in html and 'href="/entities/loc:rasht"' in html
    assert re.search(r'<section class="speaker"><h3>', html) and 'class="quotes"' in html


def test_contradictions_list_links_each_to_its_story(corpus_client):
    html = corpus_client.get("/contradictions").text
    [story] = re.findall(r'ماجرا: <a href="/stories/([^"]+)"', html)
    assert story == corpus_client.get("/api/contradictions").json()["results"][0]["story"]
    assert html.count('<section class="side-report">') == 2 and "۱ ناسازگاری" in html


def test_home_and_story_list_flag_stories_with_contradictions(corpus_client):
    [contradiction] = corpus_client.get("/api/contradictions").json()["results"]
    flag = f'<a class="flag" href="/stories/{contradiction["story"]}#contradictions">۱ ناسازگاری</a>'
    home = corpus_client.get("/").text
    assert flag in home
    # Only stories several outlets told: the series' one-outlet price reports are not top stories.
    assert "قیمت سکه" not in home.split('<aside class="side">')[0]
    assert flag in corpus_client.get("/stories").text


def test_series_page_charts_each_figure_on_a_time_axis(corpus_client):
    listed = corpus_client.get("/series").text
    [series_id] = re.findall(r'<a href="/series/([^"]+)"', listed)
    html = corpus_client.get(f"/series/{series_id}").text
    assert h1_count(html) == 1
    chart = re.search(r'<svg class="figure-chart".*?</svg>', html, re.S).group(0)
    points = [(d, float(v), float(x)) for x, d, v in
              re.findall(r'<circle cx="([\d.]+)" cy="[\d.]+" r="4" data-date="([^"]+)" data-value="([^"]+)"', chart)]
    assert [(d, v) for d, v, _x in points] == [("2020-02-24", 5700000), ("2020-02-25", 5720000), ("2020-02-26", 5690000)]
    # Right to left and proportional: a day apart is the same distance leftwards each time.
    xs = [x for _d, _v, x in points]
    assert xs[0] > xs[1] > xs[2] and abs((xs[0] - xs[1]) - (xs[1] - xs[2])) < 0.5
    # Each point leads to the report that gave it.
    assert re.findall(r'<a class="point" href="/articles/([^"]+)">', chart) == ["price-0", "price-1", "price-2"]
    assert corpus_client.get("/series/series:nope").status_code == 404
