"""HTTP API and server-rendered pages through FastAPI's TestClient (no network, no browser)."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from khazar.api import create_app  # noqa: E402
from khazar.store.sqlite import SQLiteStore  # noqa: E402
from fixtures import API_AUTH, API_TOKEN, corpus, make_article  # noqa: E402

XSS = '<script>alert("x")</script>'


@pytest.fixture()
def db(tmp_path):
    path = str(tmp_path / "api.db")
    s = SQLiteStore(path)
    for art, raw in corpus():
        s.add_article(art, raw)
    text = f"متن با کد مخرب {XSS} و ادامه"
    art, raw = make_article("xss", f"عنوان {XSS}", text, published="2025-01-02")
    s.add_article(art, raw)
    s.commit()
    s.close()
    return path


def test_search_endpoint_shape(client):
    r = client.get("/api/search", params={"q": "استان های", "size": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2 and {x["id"] for x in body["results"]} == {"rasht", "football"}
    assert set(body["results"][0]) >= {"id", "title", "outlet", "published", "snippet", "highlights"}
    assert set(body["facets"]) == {"outlet", "topic", "entity"}


def test_search_filters_accept_jalali_dates(client):
    r = client.get("/api/search", params={"from": "۱۴۰۴/۰۸/۰۱", "to": "1404-08-30"})
    assert [x["id"] for x in r.json()["results"]] == ["rasht"]


@pytest.mark.parametrize("params, status", [
    ({"size": 1000}, 422), ({"size": 0}, 422), ({"page": 0}, 422), ({"page": "two"}, 422), ({"sort": "x"}, 422),
    ({"from": "yesterday"}, 400), ({"from": "2025-05-01", "to": "2025-01-01"}, 400), ({"q": "x" * 600}, 422),
])
def test_bad_parameters_are_clear_4xx(client, params, status):
    r = client.get("/api/search", params=params)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] and "Traceback" not in r.text


@pytest.mark.parametrize("q", ['"', "*", "NEAR(", "a OR", "^", "'; DROP TABLE articles; --", "\u200c", "(((("])
def test_hostile_queries_never_500(client, q):
    r = client.get("/api/search", params={"q": q})
    assert r.status_code == 200, r.text
    assert client.get("/api/search", params={"q": "کریدور"}).json()["total"] == 1  # the table is still there


def test_article_endpoints(client):
    r = client.get("/api/articles/rasht")
    assert r.status_code == 200 and r.json()["title"] == "اجلاس استانداران خزر در رشت"
    assert client.get("/api/articles/rasht/raw").json()["raw"].startswith("اجلاس")
    r = client.get("/api/articles/missing")
    assert r.status_code == 404 and "missing" in r.json()["error"]


def test_entities_quotes_events_stories(client):
    body = client.get("/api/entities", params={"q": "عراقچی"}).json()
    assert body["total"] == 1 and body["results"][0]["id"] == "per:araghchi"
    e = client.get("/api/entities/per:araghchi").json()
    assert e["quotes"][0]["text"] == "همکاری خزر مهم است."
    assert client.get("/api/entities/per:nobody").status_code == 404
    assert client.get("/api/quotes", params={"speaker": "per:araghchi"}).json()["total"] == 1
    assert client.get("/api/events", params={"from": "1404-08-01", "place": "loc:rasht"}).json()["total"] == 1
    assert client.get("/api/events", params={"from": "bad"}).status_code == 400
    assert client.get("/api/stories").json() == {"total": 0, "page": 1, "size": 20, "results": []}
    assert client.get("/api/stories/1").status_code == 404


def test_pagination_is_capped_everywhere(client):
    for path in ("/api/search", "/api/entities", "/api/quotes", "/api/events", "/api/stories"):
        assert client.get(path, params={"size": 101}).status_code == 422, path


def test_security_headers_on_every_kind_of_response(client):
    for path in ("/api/search?q=x", "/", "/articles/rasht", "/static/khazar.css", "/api/nope", "/nope", "/openapi.json"):
        h = client.get(path).headers
        assert "default-src 'self'" in h["content-security-policy"], path
        assert "unsafe-inline" not in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"


def test_script_in_an_article_renders_as_text(client):
    for path in ("/articles/xss", "/articles/xss/raw", "/?q=مخرب"):
        html = client.get(path).text
        assert XSS not in html, path
        assert "&lt;script&gt;" in html, path
    # The only script element on a page is the static file's.
    assert client.get("/articles/xss").text.count("<script") == 1


def test_pages_are_rtl_persian_and_show_both_calendars(client):
    html = client.get("/articles/rasht").text
    assert '<html dir="rtl" lang="fa">' in html
    # The Gregorian date is isolated left to right: in a right-to-left line it would print as 18-11-2025.
    assert '۲۷ آبان ۱۴۰۴ <bdi dir="ltr" class="greg">(2025-11-18)</bdi>' in html
    assert 'href="/entities/per:araghchi"' in html  # mention span became a link
    assert '<q class="quote"' in html
    assert "<script>" not in html.replace('<script src="/static/khazar.js" defer></script>', "")
    page = client.get("/entities/per:araghchi")
    assert page.status_code == 200 and "همکاری خزر مهم است." in page.text
    assert client.get("/entities/loc:nowhere").status_code == 404
    search = client.get("/", params={"q": "کریدور"}).text
    assert "<mark>کریدور</mark>" in search and "<svg" in search


def test_web_errors_are_pages_not_tracebacks(client):
    r = client.get("/", params={"from": "tomorrow"})
    assert r.status_code == 400 and "<html" in r.text and "tomorrow" in r.text


def test_openapi_schema_is_published(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/articles/{article_id}", "/api/entities", "/api/events", "/api/quotes",
            "/api/stories", "/api/articles"} <= set(paths)


# ------------------------------------------------------------------------------------------- writes ----

RECORD = {"id": "api-1", "title": "افتتاح بندر جدید در کاسپین", "published": "2025-11-20", "source": "ایرنا",
          "text": "بندر جدید کاسپین در استان گیلان با حضور مقامات افتتاح شد. این بندر ظرفیت ترانزیت را افزایش می‌دهد."}


def test_post_requires_a_configured_token(db):
    with TestClient(create_app(db, token=None), raise_server_exceptions=False) as c:
        r = c.post("/api/articles", json=RECORD, headers={"Authorization": "Bearer anything"})
        assert r.status_code == 403


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {API_TOKEN}"}])
def test_post_rejects_missing_or_wrong_token(client, headers):
    assert client.post("/api/articles", json=RECORD, headers=headers).status_code == 401


def test_post_ingests_and_makes_searchable(client):
    auth = API_AUTH
    r = client.post("/api/articles", json=RECORD, headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "api-1"
    hits = client.get("/api/search", params={"q": "کاسپین"}).json()
    assert [x["id"] for x in hits["results"]] == ["api-1"]
    again = client.post("/api/articles", json=RECORD, headers=auth)
    assert again.status_code == 200 and again.json()["stored"] is False


def test_post_validation(client):
    auth = {**API_AUTH, "Content-Type": "application/json"}
    assert client.post("/api/articles", content=b"{not json", headers=auth).status_code == 400
    assert client.post("/api/articles", content=json.dumps({"title": "no text"}), headers=auth).status_code == 422
    assert client.post("/api/articles", content=b"[1, 2]", headers=auth).status_code == 422
    big = json.dumps({**RECORD, "text": "ب" * 600_000})  # 1.2 MB in UTF-8
    r = client.post("/api/articles", content=big, headers=auth)
    assert r.status_code == 413 and r.json()["error"]


def test_post_body_limit_holds_without_content_length(client):
    auth = {**API_AUTH, "Content-Type": "application/json"}

    def chunks():
        yield b'{"text": "'
        for _ in range(50):
            yield b"a" * 30_000
        yield b'"}'

    assert client.post("/api/articles", content=chunks(), headers=auth).status_code == 413


def test_story_series_and_contradiction_endpoints(seed_articles, tmp_path):
    from khazar.corpus.report import report_from_store
    from fixtures import articles_of, price_reports, store_with

    path = tmp_path / "corpus.db"
    store = store_with(path, articles_of(seed_articles) + price_reports())
    report_from_store(store)
    store.close()
    with TestClient(create_app(str(path), token=API_TOKEN), raise_server_exceptions=False) as c:
        listed = c.get("/api/contradictions").json()
        assert listed["total"] == 1
        story = c.get(f"/api/stories/{listed['results'][0]['story']}").json()
        assert len(story["articles"]) == 3 and story["contradictions"][0]["kind"] == "number"
        assert story["quotes"] and story["outlets"]
        series = c.get("/api/series").json()
        assert series["total"] == 1
        one = c.get(f"/api/series/{series['results'][0]['id']}").json()
        assert len(one["figures"]["تومان"]) == 3
        assert c.get("/api/series/series:nope").status_code == 404
        assert c.get("/api/contradictions", params={"size": 101}).status_code == 422
