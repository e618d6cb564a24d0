"""The analyst's pages beyond search and reading: quotes by speaker, events on a timeline, the map, the entity
graph, and a search's result set as CSV, JSONL or an Atom feed (an entity's feed too)."""

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from ..extract.events import event_data
from ..search import QueryError, SearchQuery, parse_date, query_terms, run
from ..search.query import speaker_ids
from . import TEMPLATES, _url, pages_of, search_query_from
from .charts import MAX_GRAPH_EDGES, graph_page_svg, map_svg, search_places
from .render import both_dates, timeline_svg

PAGE_SIZE = 20
EXPORT_LIMIT = 10_000  # articles in one export: a result set an analyst reads, not a copy of the store
FEED_SIZE = 50
GRAPH_DAYS = 90
TYPES_FA = {"PER": "اشخاص", "ORG": "سازمان‌ها", "LOC": "مکان‌ها"}
ATOM = "http://www.w3.org/2005/Atom"


def _dates(request: Request) -> tuple[str | None, str | None]:
    """The page's from/to filter, Jalali or Gregorian or written out; QueryError in Persian when wrong."""
    f = parse_date(request.query_params.get("from") or None, name="from")
    t = parse_date(request.query_params.get("to") or None, name="to")
    if f and t and f > t:
        raise QueryError(f"from ({f}) is after to ({t})", "تاریخ «از» پس از تاریخ «تا» است.")
    return f, t


def register_workbench(app: FastAPI, store: Callable[[], Any]) -> None:
    StoreDep = Annotated[Any, Depends(store)]
    PageNo = Annotated[int, Query(ge=1, le=10_000, alias="page")]
    Text = Annotated[str | None, Query(max_length=200)]

    def page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
        params = {k: v for k, v in request.query_params.items() if k != "page"}
        context.setdefault("params", params)
        context.setdefault("type_labels", event_data().labels)
        context.setdefault("url", lambda **ch: _url(request.url.path, params, **ch))
        context.setdefault("page_url", lambda n: _url(request.url.path, params, page=n if n > 1 else None))
        return TEMPLATES.TemplateResponse(request, template, context, status_code=status)

    @app.get("/quotes", response_class=HTMLResponse, include_in_schema=False)
    def page_quotes(request: Request, st: StoreDep, speaker: Text = None, q: Text = None, page_no: PageNo = 1):
        speaker = (speaker or "").strip() or None
        ids = speaker_ids(speaker) if speaker else []
        total, rows = st.find_quotes(ids, speaker, query_terms(q or ""), page_no, PAGE_SIZE)
        people = [{"id": i, "name": _kb_name(i)} for i in ids if _kb_name(i)]
        return page(request, "quotes.html", {"speaker": speaker or "", "q": q or "", "total": total, "rows": rows,
                                             "people": people, "page": page_no, "pages": pages_of(total, PAGE_SIZE)})

    @app.get("/events", response_class=HTMLResponse, include_in_schema=False)
    def page_events(request: Request, st: StoreDep, type: Text = None, place: Text = None,
                    page_no: PageNo = 1):
        try:
            f, t = _dates(request)
        except QueryError as exc:
            return page(request, "events.html", {"error": exc.fa, "rows": [], "total": 0, "types": [],
                                                 "timeline": "", "page": 1, "pages": 1}, status=400)
        total, rows = st.list_events(f, t, place or None, page_no, PAGE_SIZE, type or None)
        counts = st.event_counts(f, t, place or None, type or None)
        params = {k: v for k, v in request.query_params.items() if k != "page"}
        days, outside = (counts["days"], 0) if f or t else _central(counts["days"])
        return page(request, "events.html", {
            "error": None, "rows": rows, "total": total, "types": counts["types"], "page": page_no,
            "pages": pages_of(total, PAGE_SIZE), "place_name": _kb_name(place) or place, "outside": outside,
            "timeline": timeline_svg(days, lambda a, b: _url("/events", params, **{"from": a, "to": b}),
                                     label="رویداد")})

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def page_map(request: Request, st: StoreDep):
        from . import filter_chips

        try:
            sq = search_query_from(request.query_params)
        except QueryError as exc:
            return page(request, "map.html", {"error": exc.fa, "place_map": "", "places": [], "chips": []}, status=400)
        places = search_places(st, sq)
        return page(request, "map.html", {"error": None, "sq": sq, "places": places,
                                          "place_map": map_svg(places, width=900, zoomable=True),
                                          "chips": filter_chips(st, request.query_params, {})})

    @app.get("/graph", response_class=HTMLResponse, include_in_schema=False)
    def page_graph(request: Request, st: StoreDep, entity: Text = None,
                   types: Annotated[list[str] | None, Query(alias="type")] = None,
                   size: Annotated[int, Query(ge=5, le=80)] = 40):
        chosen = [t for t in (types or ["PER", "ORG"]) if t in TYPES_FA] or ["PER", "ORG"]
        try:
            f, t = _dates(request)
        except QueryError as exc:
            return page(request, "graph.html", {"error": exc.fa, "graph": "", "nodes": [], "types": chosen,
                                                "TYPES_FA": TYPES_FA, "size": size}, status=400)
        period_note = None
        if not f and not t and not entity and (last := st.latest_day()):
            # The whole corpus's network is one hairball and costs a scan of every mention at 100k articles:
            # without dates the page shows the latest GRAPH_DAYS days, and says so.
            f = (date.fromisoformat(last) - timedelta(days=GRAPH_DAYS)).isoformat()
            period_note = f"{GRAPH_DAYS} روز آخر: از {both_dates(f)} تا {both_dates(last)}"
        data = st.entity_graph(chosen, f, t, entity or None, size)
        data["edges"] = data["edges"][:MAX_GRAPH_EDGES]
        return page(request, "graph.html", {
            "error": None, "graph": graph_page_svg(data["nodes"], data["edges"], focus=entity or None),
            "nodes": data["nodes"], "edges": data["edges"], "types": chosen, "TYPES_FA": TYPES_FA, "size": size,
            "entity_name": _entity_name(st, entity) if entity else None, "period_note": period_note})

    # --------------------------------------------------------------------- exports and feeds ----

    def _matches(st: Any, sq: SearchQuery, limit: int) -> Iterator[Any]:
        """The hits of a search, page after page, up to `limit` (date order when no words rank them)."""
        n = 0
        page_no = 1
        size = min(100, limit)
        while n < limit:
            sq.page, sq.size, sq.facets = page_no, size, False
            hits = run(st, sq).results
            for h in hits[: limit - n]:
                yield h
            n += len(hits)
            if len(hits) < size:
                return
            page_no += 1

    def _export_query(request: Request) -> SearchQuery:
        try:
            return search_query_from(request.query_params)
        except QueryError as exc:
            raise HTTPException(400, exc.fa) from None

    @app.get("/search.csv", include_in_schema=False)
    def export_csv(request: Request, st: StoreDep):
        sq = _export_query(request)

        def rows() -> Iterator[str]:
            buf = io.StringIO()
            out = csv.writer(buf)
            out.writerow(["id", "title", "outlet", "published", "url", "snippet"])
            for h in _matches(st, sq, EXPORT_LIMIT):
                stored = json.loads(st.get_article_json(h.id) or "{}")
                out.writerow([h.id, h.title, h.outlet or "", h.published or "", stored.get("url") or "", h.snippet])
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
            if not buf.tell():
                yield buf.getvalue()

        # A byte-order mark first: spreadsheet programs then read the Persian as UTF-8.
        return StreamingResponse(_with_bom(rows()), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="khazar-search.csv"'})

    @app.get("/search.jsonl", include_in_schema=False)
    def export_jsonl(request: Request, st: StoreDep):
        sq = _export_query(request)

        def lines() -> Iterator[str]:
            for h in _matches(st, sq, EXPORT_LIMIT):
                doc = st.get_article_json(h.id)
                if doc is not None:  # the article as stored: the extract format, one object a line
                    yield json.dumps(json.loads(doc), ensure_ascii=False) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="khazar-search.jsonl"'})

    @app.get("/search.atom", include_in_schema=False)
    def feed_search(request: Request, st: StoreDep):
        sq = _export_query(request)
        sq.sort = "date"  # a feed is the newest first, whatever the page's order
        params = {k: v for k, v in request.query_params.items() if k not in ("page", "sort")}
        title = "خزر — " + ("«" + sq.q + "»" if sq.q else "تازه‌ترین خبرها")
        return _atom(request, title, _url("/search", {**params, "sort": "date"}), list(_matches(st, sq, FEED_SIZE)))

    @app.get("/entities/{entity_id:path}/feed.atom", include_in_schema=False)
    def feed_entity(request: Request, st: StoreDep, entity_id: Annotated[str, PathParam(max_length=300)]):
        name = _entity_name(st, entity_id)
        if name is None:
            raise HTTPException(404, "موجودیتی با این شناسه پیدا نشد.")
        sq = SearchQuery(entity=entity_id, sort="date")
        return _atom(request, f"خزر — {name}", "/entities/" + quote(entity_id, safe=":~"),
                     list(_matches(st, sq, FEED_SIZE)))


def _central(days: list[tuple[str, int]], tail: float = 0.01) -> tuple[list[tuple[str, int]], int]:
    """The days between the 1st and the 99th percentile of the events (and how many are left out): an
    event dated decades away (a historical mention, a misread year) would squeeze the rest into a line."""
    total = sum(c for _d, c in days)
    seen, kept, outside = 0, [], 0
    for d, c in days:
        if seen + c <= total * tail or seen >= total * (1 - tail):
            outside += c
        else:
            kept.append((d, c))
        seen += c
    return kept, outside


def _with_bom(chunks: Iterator[str]) -> Iterator[str]:
    yield "\ufeff"
    yield from chunks


def _kb_name(record_id: str | None) -> str | None:
    from ..kb.loader import load_kb

    rec = load_kb().get(record_id) if record_id else None
    return rec.name if rec is not None else None


def _entity_name(st: Any, entity_id: str) -> str | None:
    return _kb_name(entity_id) or next((r["name"] for r in st.list_entities(entity_id, 1, 5)[1]
                                        if r["id"] == entity_id), None)


def _atom(request: Request, title: str, alternate: str, hits: list[Any]) -> Response:
    """An Atom 1.0 feed (RFC 4287) of hits: what EMM-style alerting reads. Built with ElementTree, so every
    title and snippet is escaped as XML text."""
    base = str(request.base_url).rstrip("/")
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "fa"})

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    sub(feed, "id", base + str(request.url.path) + ("?" + request.url.query if request.url.query else ""))
    sub(feed, "title", title)
    newest = max((h.published for h in hits if h.published), default=None)
    sub(feed, "updated", _atom_time(newest))
    sub(feed, "link", rel="self", href=str(request.url))
    sub(feed, "link", rel="alternate", type="text/html", href=base + alternate)
    sub(sub(feed, "author"), "name", "خزر")
    for h in hits:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{base}/articles/{quote(h.id, safe=':~')}")
        sub(entry, "title", h.title)
        sub(entry, "link", rel="alternate", type="text/html", href=f"{base}/articles/{quote(h.id, safe=':~')}")
        sub(entry, "updated", _atom_time(h.published))
        if h.outlet:
            sub(sub(entry, "author"), "name", h.outlet)
        sub(entry, "summary", h.snippet)
    body = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + body, media_type="application/atom+xml; charset=utf-8")


def _atom_time(day: str | None) -> str:
    if not day:
        return datetime(1970, 1, 1, tzinfo=timezone.utc).isoformat()
    try:
        return datetime.fromisoformat(day[:10]).replace(tzinfo=timezone.utc).isoformat()
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=timezone.utc).isoformat()
