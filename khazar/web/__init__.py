"""The web interface: server-rendered Jinja2 pages (autoescaped), right-to-left Persian, no external assets.

Pages: / (search with facets and a timeline), /articles/{id} (clean text with entities, dates and quotes
marked from their spans), /articles/{id}/raw, /entities, /entities/{id}, /stories, /stories/{id}.
"""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from ..dates import both_calendars, jalali
from ..model import Article
from ..search import MAX_PAGE_SIZE
from .charts import entity_places, graph_svg, map_svg, search_places
from .render import annotate_text, highlight, timeline_svg

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
TEMPLATES.env.autoescape = True  # every .html already is; made explicit because the XSS test relies on it
TEMPLATES.env.filters["both"] = both_calendars
TEMPLATES.env.filters["jalali"] = lambda v: jalali(v[:10]) if v else None
TEMPLATES.env.filters["path"] = lambda v: quote(str(v), safe=":~")

TYPE_FA = {"PER": "شخص", "ORG": "سازمان", "LOC": "مکان"}
TEMPLATES.env.globals["TYPE_FA"] = TYPE_FA
TEMPLATES.env.filters["fa_digits"] = lambda v: str(v).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "error.html", {"status": status, "message": message},
                                      status_code=status)


def _url(path: str, params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    clean = {k: v for k, v in merged.items() if v not in (None, "", False)}
    return path + ("?" + urlencode(clean) if clean else "")


def register_pages(app: FastAPI, store: Callable[[], Any], search_query: Callable[..., Any]) -> None:
    from ..search import run
    from ..search import semantic as semantic_mod

    StoreDep = Annotated[Any, Depends(store)]

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_search(request: Request, st: StoreDep, sq: Annotated[Any, Depends(search_query)],
                    semantic: bool = False):
        params = {k: v for k, v in request.query_params.items() if k != "page"}
        use_semantic = semantic and bool(sq.q.strip()) and semantic_mod.available()
        result = run(st, sq, semantic=use_semantic)
        ranked = None
        counts = st.search_timeline(sq, ranked) if not use_semantic else []
        hits = [{"hit": h, "snippet": highlight(h.snippet, h.highlights)} for h in result.results]
        pages = max(1, -(-result.total // sq.size))
        return TEMPLATES.TemplateResponse(request, "search.html", {
            "sq": sq, "page": result, "hits": hits, "pages": pages, "semantic": use_semantic,
            "semantic_available": semantic_mod.available(), "timeline": timeline_svg(counts),
            # Semantic results are a ranked list, not a filter the place query can repeat: no map for them.
            "place_map": map_svg(search_places(st, sq)) if not use_semantic else "",
            "url": lambda **ch: _url("/", params, **ch),
            "page_url": lambda n: _url("/", params, page=n if n > 1 else None),
        })

    def _stored_or_404(st: Any, article_id: str) -> dict[str, Any]:
        """The article's stored JSON: its fields and those later stages may have added."""
        doc_json = st.get_article_json(article_id)
        if doc_json is None:
            raise HTTPException(404, f"خبری با شناسهٔ {article_id} پیدا نشد")
        return json.loads(doc_json)

    def _article_or_404(st: Any, article_id: str) -> Any:
        return Article.from_dict(_stored_or_404(st, article_id))

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_article(request: Request, st: StoreDep, article_id: Annotated[str, PathParam(max_length=300)]):
        stored = _stored_or_404(st, article_id)
        d = Article.from_dict(stored).to_dict()
        entities = [e for e in d["entities"] if isinstance(e, dict) and e.get("name")]
        return TEMPLATES.TemplateResponse(request, "article.html", {
            "a": d, "body": annotate_text(d["text"], d), "title": annotate_text(d["title"], d, "title"), "entities": entities,
            "quotes": [q for q in d["quotes"] if isinstance(q, dict)],
            "events": [e for e in d["events"] if isinstance(e, dict)],
            # Fields other stages may add to the stored JSON (dedup, stories); shown when present.
            "duplicates": stored.get("duplicates") or stored.get("duplicate_of") or [],
            "story": stored.get("story") or stored.get("story_id"),
        })

    @app.get("/articles/{article_id}/raw", response_class=HTMLResponse, include_in_schema=False)
    def page_raw(request: Request, st: StoreDep, article_id: Annotated[str, PathParam(max_length=300)]):
        article = _article_or_404(st, article_id)
        return TEMPLATES.TemplateResponse(request, "raw.html", {"a": article.to_dict(), "raw": st.get_raw(article_id)})

    @app.get("/entities", response_class=HTMLResponse, include_in_schema=False)
    def page_entities(request: Request, st: StoreDep, q: Annotated[str | None, Query(max_length=200)] = None,
                      page: Annotated[int, Query(ge=1, le=10_000)] = 1):
        total, rows = st.list_entities(q or None, page, 50)
        return TEMPLATES.TemplateResponse(request, "entities.html", {
            "q": q or "", "total": total, "rows": rows, "page": page, "pages": max(1, -(-total // 50)),
            "page_url": lambda n: _url("/entities", {"q": q}, page=n if n > 1 else None)})

    @app.get("/entities/{entity_id:path}", response_class=HTMLResponse, include_in_schema=False)
    def page_entity(request: Request, st: StoreDep, entity_id: Annotated[str, PathParam(max_length=300)]):
        entity = st.get_entity(entity_id)
        if entity is None:
            raise HTTPException(404, f"موجودیتی با شناسهٔ {entity_id} پیدا نشد")
        return TEMPLATES.TemplateResponse(request, "entity.html", {
            "e": entity, "graph": graph_svg(entity), # Narrower viewBox than the search page: the figure is half a column wide, so text stays legible.
            "place_map": map_svg(entity_places(entity), width=420)})

    @app.get("/stories", response_class=HTMLResponse, include_in_schema=False)
    def page_stories(request: Request, st: StoreDep, page: Annotated[int, Query(ge=1, le=10_000)] = 1):
        total, rows = st.list_stories(page, MAX_PAGE_SIZE)
        return TEMPLATES.TemplateResponse(request, "stories.html", {"total": total, "rows": rows})

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_story(request: Request, st: StoreDep, story_id: Annotated[str, PathParam(max_length=300)]):
        story = st.get_story(story_id)
        if story is None:
            raise HTTPException(404, f"ماجرایی با شناسهٔ {story_id} پیدا نشد")
        return TEMPLATES.TemplateResponse(request, "story.html", {"s": story})


__all__ = ["Markup", "TEMPLATES", "escape", "register_pages", "render_error"]
