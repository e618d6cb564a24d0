"""The pages across articles: stories (one happening told by several outlets), series (one outlet's recurring
report, its figures charted over time) and contradictions (two reports of one story disagreeing on one fact,
side by side with the sentences and the values highlighted). What they show is what the corpus stage stored
(khazar/corpus/pages.py); nothing is recomputed for a page."""

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Path as PathParam, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from ..corpus.pages import list_contradictions, list_series, series_page, story_page
from ..extract.events import event_data
from ..kb.loader import TYPE_BY_ID_PREFIX, load_kb
from . import PAGE_SIZE, TEMPLATES, _url, pages_of
from .charts import figure_chart_svg
from .render import fa_number, highlight

KIND_FA = {"number": "رقم", "set": "فهرست", "date": "تاریخ", "place": "مکان", "person": "شخص"}
QUOTES_PER_SPEAKER = 3


SET_OF_FA = {"LOC": "مکان‌ها", "PER": "اشخاص", "ORG": "سازمان‌ها"}


def _members(value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else str(value).split("،")
    return [str(m).strip() for m in items if str(m).strip()]


def contradiction_title(c: dict[str, Any]) -> str:
    """What is disputed, in words: the stored label, or for a bare list the kind of thing it lists."""
    label = c.get("label") or ""
    if c.get("kind") == "set" and label in ("", KIND_FA["set"]):
        return "فهرست " + SET_OF_FA.get(str(c.get("about") or "").split(":")[-1], "نام‌ها")
    return label or str(c.get("about") or "")


def contradiction_sides(c: dict[str, Any]) -> list[dict[str, Any]]:
    """Each report of a contradiction (oldest first): its outlet, day, value and sentence with the value
    marked. In a list, the members not every report names are marked: they are the disagreement."""
    values = c.get("values") or {}
    shared = set.intersection(*(set(_members(v)) for v in values.values())) if c.get("kind") == "set" and values else set()
    published = c.get("published") or {}
    marks = c.get("marks") or {}
    sides = []
    for doc, value in values.items():
        if c.get("kind") == "set":
            shown = Markup("، ").join(m if m in shared else Markup('<mark class="differs">{}</mark>').format(m)
                                      for m in _members(value))
        else:
            shown = fa_number(value)
        sentence = (c.get("evidence") or {}).get(doc) or ""
        sides.append({"doc": doc, "outlet": (c.get("outlets") or {}).get(doc), "published": published.get(doc),
                      "value": shown, "sentence": highlight(sentence, [marks[doc]] if doc in marks else [])})
    sides.sort(key=lambda s: (s["published"] or "\uffff", s["doc"]))
    return sides


def _quotes_by_speaker(quotes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The story's quotes grouped by who said them, the most quoted first."""
    groups: dict[str, dict[str, Any]] = {}
    for q in quotes:
        if not q.get("text"):
            continue
        key = q.get("speaker_id") or q.get("speaker") or ""
        g = groups.setdefault(key, {"id": q.get("speaker_id"), "name": q.get("speaker"), "quotes": []})
        g["quotes"].append(q)
    return sorted(groups.values(), key=lambda g: (not g["name"], -len(g["quotes"]), g["name"] or ""))


def _events(story: dict[str, Any]) -> list[dict[str, Any]]:
    labels = event_data().labels
    kb = load_kb()
    out = []
    for ev in story.get("events") or []:
        if not isinstance(ev, dict):
            continue
        place = ev.get("place")
        rec = kb.get(place) if place else None
        out.append({**ev, "type_label": labels.get(ev.get("type"), ev.get("type") or ""),
                    "place_name": rec.name if rec is not None else place, "docs": sorted(set(ev.get("docs") or []))})
    return out


def register_stories(app: FastAPI, store: Callable[[], Any]) -> None:
    StoreDep = Annotated[Any, Depends(store)]
    PageNo = Annotated[int, Query(ge=1, le=10_000)]

    def page_url(path: str, params: dict[str, Any]) -> Callable[[int], str]:
        return lambda n: _url(path, params, page=n if n > 1 else None)

    @app.get("/stories", response_class=HTMLResponse, include_in_schema=False)
    def page_stories(request: Request, st: StoreDep, page: PageNo = 1,
                     sort: Annotated[str, Query(pattern="^(recent|size)$")] = "recent", all: bool = False):
        # One-article "stories" are most of them and tell nothing a search would not: shown on request.
        total, rows = st.list_stories(page, PAGE_SIZE, 1 if all else 2, sort)
        return TEMPLATES.TemplateResponse(request, "stories.html", {
            "total": total, "rows": rows, "page": page, "pages": pages_of(total, PAGE_SIZE), "sort": sort,
            "show_all": all, "page_url": page_url("/stories", {"sort": sort, "all": all or None})})

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_story(request: Request, st: StoreDep, story_id: Annotated[str, PathParam(max_length=300)]):
        story = story_page(st, story_id)
        if story is None:  # a store from before the corpus stage kept its stories whole: the list of articles
            story = st.get_story(story_id)
            if story is None:
                raise HTTPException(404, "ماجرایی با این شناسه پیدا نشد.")
            try:
                story["entities"] = json.loads(story.get("entities_json") or "[]")
            except (TypeError, ValueError):
                story["entities"] = []
        by_outlet: dict[str, list[dict[str, Any]]] = {}
        for a in story.get("articles") or []:  # in time order already: each outlet's column is too
            by_outlet.setdefault(a.get("outlet") or "", []).append(a)
        entities = [{**e, "type": e.get("type") or TYPE_BY_ID_PREFIX.get(str(e["id"]).split(":")[0])}
                    for e in story.get("entities") or [] if isinstance(e, dict) and e.get("id")]
        titles = {a["id"]: a.get("title") for a in story.get("articles") or []}
        return TEMPLATES.TemplateResponse(request, "story.html", {
            "s": story, "outlets": sorted(by_outlet.items(), key=lambda kv: -len(kv[1])), "entities": entities,
            "events": _events(story), "titles": titles, "speakers": _quotes_by_speaker(story.get("quotes") or []),
            "contradictions": [{**c, "sides": contradiction_sides(c), "title": contradiction_title(c)}
                               for c in story.get("contradictions") or []],
            "KIND_FA": KIND_FA, "per_speaker": QUOTES_PER_SPEAKER})

    @app.get("/series", response_class=HTMLResponse, include_in_schema=False)
    def page_series_list(request: Request, st: StoreDep, page: PageNo = 1):
        listed = list_series(st, page, PAGE_SIZE)
        return TEMPLATES.TemplateResponse(request, "series_list.html", {
            "total": listed["total"], "rows": listed["results"], "page": page,
            "pages": pages_of(listed["total"], PAGE_SIZE), "page_url": page_url("/series", {})})

    @app.get("/series/{series_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_series(request: Request, st: StoreDep, series_id: Annotated[str, PathParam(max_length=300)]):
        series = series_page(st, series_id)
        if series is None:
            raise HTTPException(404, "گزارش پیاپی‌ای با این شناسه پیدا نشد.")
        titles = {a["id"]: a.get("title") for a in series.get("articles") or []}
        # The figure most reports give first: the one the series is about (a price, the day's deaths).
        figures = sorted((series.get("figures") or {}).items(), key=lambda kv: (-len(kv[1]), kv[0]))
        charts = [{"noun": noun, "points": points, "svg": figure_chart_svg(noun, points, titles)}
                  for noun, points in figures if points]
        return TEMPLATES.TemplateResponse(request, "series.html", {"x": series, "charts": charts,
                                                                   "fa_number": fa_number})

    @app.get("/contradictions", response_class=HTMLResponse, include_in_schema=False)
    def page_contradictions(request: Request, st: StoreDep, page: PageNo = 1):
        listed = list_contradictions(st, page, PAGE_SIZE)
        stories = {}
        for c in listed["results"]:
            if c.get("story") and c["story"] not in stories:
                stories[c["story"]] = st.corpus_item("story", c["story"]) or {}
        return TEMPLATES.TemplateResponse(request, "contradictions.html", {
            "total": listed["total"], "page": page, "pages": pages_of(listed["total"], PAGE_SIZE),
            "page_url": page_url("/contradictions", {}), "KIND_FA": KIND_FA,
            "rows": [{**c, "sides": contradiction_sides(c), "title": contradiction_title(c),
                      "story_label": stories.get(c.get("story"), {}).get("label")}
                     for c in listed["results"]]})
