"""Hostile requests (issue 17): each test reproduces one fault the hostile pass found in the HTTP layer.

Through FastAPI's TestClient (no network): impossible dates on pages, the write lock held by another
process, a query built to cost minutes, ids that cannot be ids, malformed bodies, a javascript: URL,
entity links, the Content-Type of a POST.
"""
from __future__ import annotations

import json
import re
import sqlite3
import time
from urllib.parse import unquote

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from khazar.api import create_app  # noqa: E402
from khazar.model import RawDocument  # noqa: E402
from khazar.runner import safe_process  # noqa: E402
from khazar.store.sqlite import SQLiteStore  # noqa: E402
from pg import postgres_server  # noqa: E402,F401  (fixture)
from fixtures import API_AUTH, API_TOKEN, make_article, with_corpus  # noqa: E402

TEXT = "تهران - وزیر امور خارجه روز گذشته گفت همکاری‌ها با کشورهای حاشیه خزر ادامه دارد."


@pytest.fixture()
def db(tmp_path):
    path = str(tmp_path / "hostile.db")
    with_corpus(SQLiteStore(path)).close()
    return path


def post(client, body, *, content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body, ensure_ascii=False)
    return client.post("/api/articles", content=data, headers={**API_AUTH, "Content-Type": content_type})


# --- 1: a stored impossible date ------------------------------------------------------------------------

@pytest.mark.parametrize("published", ["9999-12-31", "0001-01-01"])
def test_pages_with_a_stored_impossible_date_render(db, published):
    """A store written before the ingest refused such dates: every page shows the date as ISO."""
    s = SQLiteStore(db)
    raw = RawDocument(id="far", raw=TEXT, format="jsonl", origin="x", title="خبر دور")
    article = safe_process(raw)
    article.published = published
    s.add_article(article, raw)
    s.commit()
    s.close()
    with TestClient(create_app(db), raise_server_exceptions=False) as c:
        for path in ("/", "/search?q=تهران", "/search?sort=date", "/articles/far", "/entities", "/quotes",
                     "/events", "/map", "/graph", "/stories?all=1", "/search.csv", "/search.jsonl", "/search.atom"):
            r = c.get(path)
            assert r.status_code == 200, (path, r.status_code, r.text[:300])
        assert published in c.get("/articles/far").text


def test_a_posted_impossible_date_is_stored_without_a_date(client):
    r = post(client, {"id": "future", "text": TEXT, "published": "9999-12-31"})
    assert r.status_code == 201 and any("outside the years" in w for w in r.json()["warnings"])
    assert client.get("/api/articles/future").json()["published"] is None
    assert client.get("/articles/future").status_code == 200


# --- 2: the write lock held by another process -----------------------------------------------------------

def test_lock_contention_is_503_and_the_server_recovers(db, monkeypatch):
    """Another process holds the write lock past the wait: the POST is 503 with Retry-After, nothing is
    left half-done, and once the lock is free writes (the server's and others') go through again."""
    monkeypatch.setattr(SQLiteStore, "BUSY_TIMEOUT_SECONDS", 0.5)
    with TestClient(create_app(db, token=API_TOKEN), raise_server_exceptions=False) as client:
        holder = sqlite3.connect(db, timeout=5)
        holder.execute("BEGIN IMMEDIATE")
        try:
            r = post(client, {"id": "late", "text": TEXT})
            assert r.status_code == 503 and r.headers["Retry-After"].isdigit(), r.text
            assert client.get("/api/search", params={"q": "تهران"}).status_code == 200  # reads go on (WAL)
        finally:
            holder.rollback()
            holder.close()
        r = post(client, {"id": "late", "text": TEXT})
        assert r.status_code == 201, r.text
        assert client.get("/api/articles/late").status_code == 200
        assert [h["id"] for h in client.get("/api/search", params={"q": "حاشیه"}).json()["results"]] == ["late"]
        # No connection of the server was left inside a transaction: another writer gets the lock at once.
        other = sqlite3.connect(db, timeout=0.5)
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        other.close()


def test_reads_do_not_write_the_index(db):
    """An article queued by another writer (here plain SQL) is indexed by the server's background indexer,
    never by a request: a read holds no write lock even while the queue is not empty."""
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO articles (id, content_hash, title, text, raw, article_json, format, origin, ingested_at)"
                 " VALUES ('sql', 'h-sql', 'خبر بیرونی', 'نمایشگاه بیرونی گشایش یافت', 'r', '{}', 'dump', 'x', 'now')")
    conn.commit()
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        holder = sqlite3.connect(db, timeout=5)
        holder.execute("BEGIN IMMEDIATE")  # a writer that would block any request trying to index
        started = time.monotonic()
        r = client.get("/api/search", params={"q": "بیرونی"})
        # well under the 30 s a request waiting for the lock would take, with room for a loaded machine
        assert r.status_code == 200 and time.monotonic() - started < 10
        holder.rollback()
        holder.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if client.get("/api/search", params={"q": "بیرونی"}).json()["total"] == 1:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the background indexer did not index the queued article")


# --- 3: a query built to be expensive ---------------------------------------------------------------------

def test_repeated_short_prefixes_are_refused_quickly(client):
    started = time.monotonic()
    r = client.get("/api/search", params={"q": "ا* " * 166})
    assert r.status_code == 400 and "at least 2 letters" in r.json()["error"]
    assert time.monotonic() - started < 10  # it took 302 s before the caps


@pytest.mark.parametrize("q, status, message", [
    ("کرید* " * 80, 200, None),  # one prefix term, repeated: counted once
    ("کرید* OR " * 50 + "کرید*", 200, None),
    (" ".join(f"واژه{i}" for i in range(30)), 400, "at most 12 different words"),
    (" OR ".join(f"واژه{i}" for i in range(13)), 400, "at most 12 different words"),
    (" ".join(f"-واژه{i}" for i in range(12)) + " کرید*", 400, "at most 12 different words"),
    ("کرید* استان* دریا* ساحل*", 400, "at most 3 prefix"),
    ("کرید* | استان* | دریا* | ساحل*", 400, "at most 3 prefix"),
])
def test_query_terms_are_deduplicated_and_capped(client, q, status, message):
    r = client.get("/api/search", params={"q": q})
    assert r.status_code == status, r.text
    if message:
        assert message in r.json()["error"]
    else:
        assert [h["id"] for h in r.json()["results"]] == ["corridor"]


@pytest.mark.parametrize("path", ["/search", "/search.csv", "/search.jsonl", "/search.atom"])
def test_the_pages_refuse_a_costly_query_in_persian(client, path):
    r = client.get(path, params={"q": " OR ".join(f"واژه{i}" for i in range(13))})
    assert r.status_code == 400
    assert "حداکثر ۱۲ واژه" in r.text


def test_a_search_past_the_time_limit_is_503(db, monkeypatch):
    from khazar.api import app as app_module

    s = SQLiteStore(db)
    for n in range(300):  # enough rows that the search runs long enough for SQLite to look at the clock
        s.add_article(*make_article(f"n{n}", f"خبر {n}", f"متن شماره {n} درباره استان گیلان و دریای خزر"))
    s.index_pending()
    s.commit()
    s.close()
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        monkeypatch.setattr(app_module, "REQUEST_SECONDS", 0.0)
        r = client.get("/api/search", params={"q": "استان"})
        assert r.status_code == 503 and "took longer" in r.json()["error"] and r.headers["Retry-After"]
        page = client.get("/search", params={"q": "استان"})  # the page says it in Persian, not the API's English
        assert page.status_code == 503 and "سرش شلوغ" in page.text and "took longer" not in page.text
        monkeypatch.setattr(app_module, "REQUEST_SECONDS", 10.0)
        assert client.get("/api/search", params={"q": "استان"}).json()["total"] >= 300


# --- 4: ids ---------------------------------------------------------------------------------------------

def test_a_persian_id_is_stored_and_its_location_works(client):
    r = post(client, {"id": "خبر-۱", "text": TEXT})
    assert r.status_code == 201, r.text
    location = r.headers["Location"]
    assert location.isascii() and unquote(location) == "/api/articles/خبر-۱"
    assert client.get(location).json()["id"] == "خبر-۱"


@pytest.mark.parametrize("bad_id", [" ", "a\r\nb", "a\nb", "../../etc/passwd", "x" * 5000, ".", "..", "a/b", "", "a b"])
def test_ids_that_cannot_be_reached_are_refused_before_storing(client, bad_id):
    r = post(client, {"id": bad_id, "text": TEXT + bad_id[:3]})
    if bad_id == "":  # no id: the server gives one
        assert r.status_code == 201 and r.json()["id"].startswith("api-")
        return
    assert r.status_code == 422 and r.json()["error"].startswith("id: "), r.text
    assert client.get("/api/search", params={"q": "حاشیه"}).json()["total"] == 0  # nothing was stored


# --- 5 and 13: bodies and their type ------------------------------------------------------------------------

@pytest.mark.parametrize("body, message", [
    ("[" * 1000 + "]" * 1000, "nested too deeply"),
    ('{"id": 1' + "9" * 5000 + ', "text": "x"}', "a number longer than"),
    ('{"text": "x"', "body is not JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
])
def test_malformed_bodies_are_400(client, body, message):
    r = post(client, body)
    assert r.status_code == 400 and message in r.json()["error"], r.text


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "", "application/jsonx"])
def test_a_post_that_is_not_json_is_415(client, content_type):
    r = post(client, {"id": "ct", "text": TEXT}, content_type=content_type)
    assert r.status_code == 415, r.text
    assert client.get("/api/articles/ct").status_code == 404


def test_json_with_a_charset_is_accepted(client):
    assert post(client, {"id": "cs", "text": TEXT}, content_type="application/json; charset=utf-8").status_code == 201


# --- 8 and 9: article page links ----------------------------------------------------------------------------

@pytest.mark.parametrize("url, shown", [
    ("javascript:alert(document.cookie)", False), ("JavaScript:alert(1)", False), (" javascript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False), ("vbscript:x", False), ("//evil.example/x", False),
    ("https://www.irna.ir/news/1", True), ("http://isna.ir/x?a=1&b=2", True),
])
def test_only_http_urls_become_links(client, url, shown):
    r = post(client, {"id": "u", "text": TEXT, "url": url})
    assert r.status_code == 201
    page = client.get("/articles/u").text
    assert ("نشانی اصلی" in page) is shown
    assert "javascript:" not in page.lower() and "vbscript:" not in page and "data:text" not in page


def test_every_entity_link_on_an_article_page_resolves(client):
    r = post(client, {"id": "ents", "title": "دیدار در رشت",
                      "text": "به گزارش خبرگزاری فارس، بهرام کیانپور مدیرکل بنادر گیلان و سید عباس عراقچی وزیر"
                              " امور خارجه در رشت و تهران با نمایندگان شرکت کشتیرانی خزر دیدار کردند."})
    assert r.status_code == 201
    page = client.get("/articles/ents").text
    links = sorted(set(re.findall(r'href="(/entities/[^"]+)"', page)))
    assert len(links) >= 3, links
    assert not [link for link in links if "/entities/name:" in link]
    bad = [(link, client.get(link.replace("&amp;", "&")).status_code) for link in links]
    assert all(status == 200 for _, status in bad), bad


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_store_call_past_its_time_limit_is_store_busy_and_the_store_stays_usable(request, tmp_path, kind):
    from khazar.store import StoreBusy, open_store

    if kind == "postgres":
        pytest.importorskip("psycopg")
        url = request.getfixturevalue("postgres_server").create_database("time_limit")
        slow = "SELECT pg_sleep(2)"
    else:
        url = str(tmp_path / "t.db")
        slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    with open_store(url) as s:
        started = time.monotonic()
        with pytest.raises(StoreBusy, match="took longer than 0.2 s"):
            with s.time_limit(0.2):
                s.conn.execute(slow).fetchone()
        assert time.monotonic() - started < 10  # the query alone runs for ever (SQLite) or 2 s (PostgreSQL)
        assert s.count_articles() == 0  # usable again, with no time limit left behind
        if kind == "postgres":
            assert s.conn.execute("SHOW statement_timeout").fetchone()[0] == "0"


# --- every route, bad parameters -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workbench_client(seed_articles, tmp_path_factory):
    """A store with what every page shows: the seeds and one outlet's daily prices, stories and series
    built (`khazar report --db`)."""
    from khazar.corpus.report import report_from_store
    from fixtures import articles_of, price_reports, store_with

    path = tmp_path_factory.mktemp("sweep") / "sweep.db"
    store = store_with(path, articles_of(seed_articles) + price_reports())
    report_from_store(store)
    store.close()
    with TestClient(create_app(str(path), token=API_TOKEN), raise_server_exceptions=False) as c:
        yield c


def test_every_route_refuses_bad_parameters_and_never_fails(workbench_client):
    from route_sweep import get_routes, samples, sweep

    c = workbench_client
    get = lambda url, params: c.get(url, params=params)  # noqa: E731
    stored = samples(get)
    assert set(stored) == {"articles", "entities", "stories", "series"}, stored
    failures, requests = sweep(c.app, get, stored)
    assert not failures, f"{len(failures)} of {requests} requests:\n" + "\n".join(failures[:40])
    paths = {r.path for r in get_routes(c.app)}
    # the workbench's and the stories' routes are among those swept
    assert {"/api/series/{series_id}", "/api/contradictions", "/quotes", "/search.csv", "/search.atom",
            "/entities/{entity_id:path}/feed.atom", "/stories/{story_id}", "/series/{series_id}",
            "/contradictions"} <= paths


def test_no_route_writes_while_another_process_holds_the_lock(workbench_client, monkeypatch, tmp_path):
    """Fault 2 on every GET route, the workbench's and the stories' included: with an article queued for
    the index by another writer, none indexes it or waits for the write lock (it would be 503 after the 1 s
    wait set here)."""
    from khazar.api import app as app_module
    from route_sweep import fill, get_routes, path_kind, samples

    db = str(tmp_path / "copy.db")
    with sqlite3.connect(workbench_client.app.state.stores.db) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    monkeypatch.setattr(SQLiteStore, "BUSY_TIMEOUT_SECONDS", 1.0)
    monkeypatch.setattr(app_module, "INDEX_EVERY_SECONDS", 3600)  # the queued article stays queued
    with TestClient(create_app(db), raise_server_exceptions=False) as c:
        stored = samples(lambda url, params: c.get(url, params=params))
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO articles (id, content_hash, title, text, raw, article_json, format, origin, "
                         "ingested_at) VALUES ('sql', 'h-sql', 'خبر بیرونی', 'نمایشگاه', 'r', '{}', 'dump', 'x', 'now')")
        holder = sqlite3.connect(db, timeout=5)
        holder.execute("BEGIN IMMEDIATE")
        try:
            answers = {r.path: c.get(fill(r, stored[path_kind(r)]) if path_kind(r) else r.path).status_code
                       for r in get_routes(c.app)}
        finally:
            holder.rollback()
            holder.close()
    assert len(answers) >= 28 and set(answers.values()) == {200}, answers


def test_every_link_on_the_pages_leads_somewhere(workbench_client):
    """Entity, story, series and article links as the pages render them (fault 9, on the workbench's and the
    story pages too): every internal link of every page reached from the menu answers 200."""
    import html
    from collections import deque
    from urllib.parse import urlsplit

    c = workbench_client
    start = ["/", "/search", "/quotes", "/events", "/map", "/graph", "/stories?all=1", "/entities", "/series",
             "/contradictions"]
    todo, seen, broken, visited = deque(start), {urlsplit(p).path for p in start}, [], 0
    while todo and visited < 400:
        url = todo.popleft()
        visited += 1
        r = c.get(url)
        if r.status_code != 200:
            broken.append((url, r.status_code))
            continue
        if "html" not in r.headers.get("content-type", ""):
            continue
        for link in re.findall(r'href="(/[^"]*)"', r.text):
            link = html.unescape(link)
            path = urlsplit(link).path
            if not path.startswith("/static/") and path not in seen:
                seen.add(path)
                todo.append(link)
    assert visited > 50 and not broken, (visited, broken[:10])
    for kind in ("/articles/", "/entities/", "/stories/", "/series/"):
        assert any(p.startswith(kind) for p in seen), kind
