"""What a page or an API response about stories, series and contradictions needs, in one call each.

    story_page(store, story_id)       the story: articles in time order with their outlets, its entities, its
                                      event, the quotes of its articles, its contradictions (values, outlets,
                                      the exact sentences and the spans to highlight), related stories
    series_page(store, series_id)     a recurring report: its articles over time and each figure as a
                                      (date, value) line to chart
    list_series / list_contradictions(store, page, size)   newest first, with totals

The corpus stage (khazar/corpus/state.py) stores stories, series and contradictions as it attaches articles
(`khazar ingest`, `khazar report`); nothing here recomputes them. docs/corpus.md shows the shapes.
"""
from __future__ import annotations

from typing import Any


def _outlet(a) -> str | None:
    return (a.outlet or {}).get("name") if isinstance(a.outlet, dict) else a.outlet


def story_page(store, story_id: str) -> dict[str, Any] | None:
    story = store.corpus_item("story", story_id)
    if story is None:
        return None
    by_id = {}
    for ref in story.get("articles", []):
        a = store.get_article(ref["id"])
        if a is not None:
            by_id[a.id] = a
    articles = []
    for ref in story.get("articles", []):  # in time order already
        a = by_id.get(ref["id"])
        articles.append({**ref, "url": getattr(a, "url", None), "outlet": _outlet(a) if a else ref.get("outlet")})
    quotes = [{"speaker": q.get("speaker"), "speaker_id": q.get("speaker_kb_id") or q.get("speaker_id"),
               "text": q.get("text"), "article": a.id, "outlet": _outlet(a), "published": a.published}
              for ref in story.get("articles", []) if (a := by_id.get(ref["id"])) is not None for q in a.quotes]
    _total, contradictions = store.corpus_items("contradiction", story_id=story_id, page=1, size=100)
    related = []
    for rid in story.get("related", []):
        other = store.corpus_item("story", rid)
        if other is not None:
            related.append({"id": rid, "label": other.get("label"), "start": other.get("start")})
    return {**story, "articles": articles, "quotes": quotes, "contradictions": contradictions, "related": related}


def series_page(store, series_id: str) -> dict[str, Any] | None:
    return store.corpus_item("series", series_id)


def _listed(store, kind: str, page: int, size: int) -> dict[str, Any]:
    total, rows = store.corpus_items(kind, page=page, size=size)
    return {"total": total, "page": page, "size": size, "results": rows}


def list_series(store, page: int = 1, size: int = 20) -> dict[str, Any]:
    return _listed(store, "series", page, size)


def list_contradictions(store, page: int = 1, size: int = 20) -> dict[str, Any]:
    return _listed(store, "contradiction", page, size)
