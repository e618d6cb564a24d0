"""Every GET route of the app with bad parameters and bad ids (issue 17): never a 5xx; what the route cannot
use is a 4xx with a message. Shared by tests/test_http_hostile.py (TestClient) and bench/hostile.py (a live
server).

    failures, requests = sweep(app, get, samples(get))

The routes come from the app itself, so a page or API route added later is swept without anyone listing it.
What a route reads is what it declares to FastAPI, and for the pages that parse the search form or the date
filter themselves (`search_query_from`, `_dates`), that form's fields. A bad value of a field the route
reads must be refused: 400 or 404 on a page (with a Persian message), 400, 404 or 422 in the API (422 for
a value out of range, docs/api.md) with a JSON error. A hostile value of any field (markup, NUL, bidi, a
query built to be costly) and an unknown field must only never be a 5xx. A route with an id in its path is
asked for a stored id (200) and for ids that cannot be stored (4xx); `stored` gives a stored id per kind
of path (`articles`, `entities`, `stories`, `series`), and a route of a kind without one is a failure, so
that a new kind of page is not left out silently.
"""
from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterator
from urllib.parse import quote

from fastapi.routing import APIRoute

# Fields the pages read from the query string themselves, by the helper that reads them.
SEARCH_FORM = {"q": "text", "from": "date", "to": "date", "outlet": "text", "entity": "text", "topic": "text",
               "story": "text", "sort": "choice", "page": "int"}
READERS = {"search_query_from": SEARCH_FORM, "_export_query": SEARCH_FORM, "_dates": {"from": "date", "to": "date"}}

BAD = {  # refused wherever the field is read
    "int": ["abc", "0", "-1", "99999999999999999999", "۱٫۵"],
    "bool": ["maybe"],
    "choice": ["bogus"],
    "date": ["1404-13-40", "2025-02-30", "not a date"],
    "text": ["x" * 5000],
    "list": [],
}
HOSTILE = ["\x00", '<script>alert(1)</script>"\'', "' OR 1=1 --", "\u202eلیست", "ا* " * 166, "%ff%fe", ""]
BAD_IDS = ["no-such-id", "../../etc/passwd", "\x00", "x" * 5000, 'ا"<script>', "\u202eabc", "a/b/c"]
PERSIAN = re.compile(r"[\u0600-\u06ff]")


def get_routes(app) -> list[APIRoute]:
    return [r for r in app.routes if isinstance(r, APIRoute) and "GET" in r.methods and r.path != "/openapi.json"]


def path_kind(route: APIRoute) -> str | None:
    """`/api/stories/{story_id}` → stories; None for a route without an id in its path."""
    m = re.match(r"^/(?:api/)?([^/{]+)/\{", route.path)
    return m.group(1) if m else None


def fill(route: APIRoute, value: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _m: quote(value, safe=""), route.path, count=1)


def fields(route: APIRoute) -> dict[str, str]:
    """The query fields the route reads, each with its kind."""
    out: dict[str, str] = {}

    def walk(dependant) -> Iterator:
        yield from dependant.query_params
        for sub in dependant.dependencies:
            yield from walk(sub)

    for f in walk(route.dependant):
        annotation = f.field_info.annotation
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        base = args[0] if len(args) == 1 else annotation
        if typing.get_origin(base) is list:
            kind = "list"
        elif base is int:
            kind = "int"
        elif base is bool:
            kind = "bool"
        elif any(getattr(m, "pattern", None) for m in f.field_info.metadata):
            kind = "choice"
        elif f.alias in ("from", "to"):
            kind = "date"
        else:
            kind = "text"
        out[f.alias] = kind
    source = inspect.getsource(route.endpoint)
    for reader, form in READERS.items():
        if re.search(rf"\b{reader}\(", source):
            out = {**form, **out}
    return out


def refused_well(route: APIRoute, r) -> str | None:
    """Why a 4xx answer is not a proper refusal, or None."""
    api = route.path.startswith("/api/")
    allowed = (400, 404, 422) if api else (400, 404)
    if r.status_code not in allowed:
        return f"status {r.status_code}, expected one of {allowed}"
    if api:
        try:
            message = r.json().get("error")
        except ValueError:
            message = None
        return None if message else "no JSON error message"
    return None if PERSIAN.search(r.text) else "no Persian message on the page"


def samples(get: Callable[[str, dict], object]) -> dict[str, str]:
    """A stored id of each kind of path, read through the API (kinds the store has none of are left out)."""
    found = {}
    for kind, url in (("articles", "/api/search"), ("entities", "/api/entities"), ("stories", "/api/stories"),
                      ("series", "/api/series")):
        results = get(url, {}).json()["results"]
        if results:
            found[kind] = results[0]["id"]
    return found


def sweep(app, get: Callable[[str, dict], object], stored: dict[str, str]) -> tuple[list[str], int]:
    """(failures, requests made); `get(url, params)` returns a response (redirects followed)."""
    failures: list[str] = []
    requests = 0

    def ask(route: APIRoute, url: str, params: dict, must_refuse: bool) -> None:
        nonlocal requests
        requests += 1
        what = f"GET {url[:80]} {({k: v[:40] for k, v in params.items()})!r}"
        try:
            r = get(url, params)
        except Exception as exc:  # a dropped connection is a failure like a 500
            failures.append(f"{what}: {type(exc).__name__}: {exc}")
            return
        if r.status_code >= 500:
            failures.append(f"{what}: {r.status_code}")
        elif must_refuse and (problem := refused_well(route, r)):
            failures.append(f"{what}: {problem}")
        elif r.status_code >= 400 and not must_refuse and (problem := refused_well(route, r)):
            failures.append(f"{what}: {problem}")

    for route in get_routes(app):
        kind = path_kind(route)
        if kind is not None:
            if kind not in stored:
                failures.append(f"{route.path}: no stored {kind!r} id to ask for (add one to the samples)")
                continue
            requests += 1
            url = fill(route, stored[kind])
            r = get(url, {})
            if r.status_code != 200:
                failures.append(f"GET {url}: {r.status_code} for a stored id")
            for bad in BAD_IDS:
                ask(route, fill(route, bad), {}, must_refuse=True)
        else:
            url = route.path
        read = fields(route)
        for name, field_kind in read.items():
            for bad in BAD[field_kind]:
                ask(route, url, {name: bad}, must_refuse=True)
            for value in HOSTILE:
                ask(route, url, {name: value}, must_refuse=False)
        if "from" in read and "to" in read:
            ask(route, url, {"from": "2025-11-18", "to": "2024-01-01"}, must_refuse=True)
        ask(route, url, {"no_such_field": HOSTILE[1]}, must_refuse=False)
    return failures, requests
