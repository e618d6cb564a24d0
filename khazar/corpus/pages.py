"""What a page or an API response about stories, series and contradictions needs, in one call each.

    story_page(store, story_id)       the story: articles in time order with their outlets, its entities (with
                                      their type), its event, the quotes of its articles, its contradictions
                                      (values, outlets, the exact sentences and the spans to highlight, also
                                      as offsets inside each sentence: `marks`), related stories
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


def evidence_marks(contradiction: dict[str, Any], article_of) -> dict[str, list[int]]:
    """Where each side's value sits inside its evidence sentence, as [start, end] in that sentence: the
    stored span points into the article, and the sentence is found around it there (the value may be
    written twice in one sentence; only the one the claim was read from is marked). `article_of(id)` gives
    the stored Article or None; a side whose sentence is not at its span is located by the value's words."""
    marks = {}
    for doc, span in (contradiction.get("spans") or {}).items():
        sentence = (contradiction.get("evidence") or {}).get(doc) or ""
        if not sentence or not isinstance(span, dict):
            continue
        a = article_of(doc)
        field_text = (a.title if span.get("field") == "title" else a.text) if a is not None else ""
        start, end = span.get("start"), span.get("end")
        found = None
        if isinstance(start, int) and isinstance(end, int):
            at = field_text.rfind(sentence, 0, start + len(sentence))  # the last one starting at or before it
            if at >= 0 and end <= at + len(sentence):
                found = [start - at, end - at]
        if found is None and span.get("text") and (at := sentence.find(span["text"])) >= 0:
            found = [at, at + len(span["text"])]
        if found is not None:
            marks[doc] = found
    return marks


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
    quotes = [{"speaker": q.speaker, "speaker_id": q.speaker_kb_id or q.speaker_id,
               "text": q.text, "article": a.id, "outlet": _outlet(a), "published": a.published}
              for ref in story.get("articles", []) if (a := by_id.get(ref["id"])) is not None for q in a.quotes]
    _total, contradictions = store.corpus_items("contradiction", story_id=story_id, page=1, size=100)
    contradictions = [{**c, "marks": evidence_marks(c, by_id.get)} for c in contradictions]
    types = {e.id: e.type for a in by_id.values() for e in a.entities}
    entities = [{**e, "type": types.get(e.get("id"))} for e in story.get("entities", [])]
    related = []
    for rid in story.get("related", []):
        other = store.corpus_item("story", rid)
        if other is not None:
            related.append({"id": rid, "label": other.get("label"), "start": other.get("start")})
    return {**story, "articles": articles, "entities": entities, "quotes": quotes, "contradictions": contradictions,
            "related": related}


def series_page(store, series_id: str) -> dict[str, Any] | None:
    return store.corpus_item("series", series_id)


def _listed(store, kind: str, page: int, size: int) -> dict[str, Any]:
    total, rows = store.corpus_items(kind, page=page, size=size)
    return {"total": total, "page": page, "size": size, "results": rows}


def list_series(store, page: int = 1, size: int = 20) -> dict[str, Any]:
    return _listed(store, "series", page, size)


def list_contradictions(store, page: int = 1, size: int = 20) -> dict[str, Any]:
    listed = _listed(store, "contradiction", page, size)
    listed["results"] = [{**c, "marks": evidence_marks(c, store.get_article)} for c in listed["results"]]
    return listed
