"""Property tests of the HTTP layer (issue 17): any query string, path id or body → never a 5xx, never a hang.

Requests go through FastAPI's TestClient to one app over a small store. A 201 must be followed by a
readable article at its Location; every other answer is a 4xx with a JSON (API) or HTML (pages) error.
bench/fuzz.py --target http runs the same requests from fuzzer bytes for as long as it is given.
"""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from khazar.api import create_app  # noqa: E402
from khazar.store.sqlite import SQLiteStore  # noqa: E402
from route_sweep import fill, get_routes, path_kind  # noqa: E402
from test_properties import EXAMPLES, time_bound  # noqa: E402
from fixtures import corpus  # noqa: E402

TOKEN = "prop-token"
PER_REQUEST_SECONDS = 20
HTTP = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Text that reaches every branch: Persian, query syntax, digits of three scripts, controls, huge numbers.
hostile_text = st.text(alphabet=st.one_of(
    st.sampled_from(list('ا* "()-+:^{}NEAR OR AND NOT./\\%?#&=;<>\'`~@!$[]|استان‌های۱۴١٤14')
                    + ["\u200c", "\u202e", "\x00", "\r", "\n", "\t", "\ufffd", "\ud7ff", "\U0001F600"]),
    st.characters(exclude_categories=("Cs",))), max_size=60)  # a lone surrogate cannot be sent in a URL at all
numbers = st.one_of(st.integers(), st.integers(min_value=10**18, max_value=10**40).map(str), hostile_text)
search_params = st.dictionaries(
    st.sampled_from(["q", "from", "to", "outlet", "entity", "topic", "story", "sort", "page", "size", "semantic",
                     "speaker", "place", "type", "min_size", "order", "all", "x"]),
    st.one_of(hostile_text, numbers.map(str), st.sampled_from(["1404-08-27", "2025-11-18", "date", "relevance"])),
    max_size=6)
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
                           max_leaves=20)
records = st.fixed_dictionaries(
    {}, optional={k: st.one_of(hostile_text, json_values) for k in ("id", "title", "text", "published", "url", "source",
                                                                     "category", "tags")})


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("http-props") / "p.db")
    s = SQLiteStore(db)
    for art, raw in corpus():
        s.add_article(art, raw)
    s.commit()
    s.close()
    with TestClient(create_app(db, token=TOKEN), raise_server_exceptions=False) as c:
        yield c


def no_5xx(r, what: str) -> None:
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"
    if r.status_code >= 400:
        assert r.text, what


def routes(app, *, with_id: bool) -> list:
    """The app's GET routes (one added later is drawn too) with an id in the path, or without."""
    return [r for r in get_routes(app) if (path_kind(r) is not None) == with_id]


@HTTP
@given(params=search_params, data=st.data())
def test_any_query_string_is_answered(client, params, data):
    path = data.draw(st.sampled_from(routes(client.app, with_id=False)), label="route").path
    with time_bound(PER_REQUEST_SECONDS, f"GET {path}"):
        no_5xx(client.get(path, params=params), f"GET {path} {params!r}")


@HTTP
@given(ident=hostile_text, data=st.data())
def test_any_id_in_a_path_is_answered(client, ident, data):
    url = fill(data.draw(st.sampled_from(routes(client.app, with_id=True)), label="route"), ident)
    with time_bound(PER_REQUEST_SECONDS, f"GET {url}"):
        no_5xx(client.get(url), f"GET {url}")


@HTTP
@given(body=st.one_of(records.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass")),
                      json_values.map(lambda v: json.dumps(v).encode()), st.binary(max_size=300)),
       content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""]))
def test_any_body_is_answered_and_a_201_is_readable(client, body, content_type):
    with time_bound(PER_REQUEST_SECONDS, "POST"):
        r = client.post("/api/articles", content=body,
                        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": content_type})
        no_5xx(r, f"POST {body[:200]!r}")
        assert r.status_code in (200, 201, 400, 413, 415, 422), r.text[:300]
        if r.status_code == 201:
            location = r.headers["Location"]
            assert location.isascii()
            assert client.get(location).status_code == 200
            assert client.get("/articles/" + location.rsplit("/", 1)[1]).status_code == 200
