"""The quotations and events of a store, newest article first, each with its source article and the sentence
it comes from (what `khazar quotes` and `khazar events` print)."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..extract.sentences import split_sentences
from ..text.fold import match_key, search_name


def _newest_first(store):
    articles = list(store.iter_articles())
    # undated articles last; among dated ones the newest first, then by id for a stable order
    articles.sort(key=lambda a: (a.published or "", a.published_time or "", a.id), reverse=True)
    return articles


def _sentence(text: str, start: int) -> str:
    for s in split_sentences(text):
        if s.start <= start < s.end or start < s.start:
            return s.text
    return ""


def _source(article) -> dict[str, Any]:
    return {"id": article.id, "title": article.title, "published": article.published,
            "outlet": (article.outlet or {}).get("name") if isinstance(article.outlet, dict) else article.outlet,
            "url": article.url}


def iter_quotes(store, speaker: str | None = None) -> Iterator[dict[str, Any]]:
    # the same test as /api/quotes?speaker=: the speaker's KB id, or a name whose search_name contains the query's
    want = search_name(speaker) if speaker else None
    for a in _newest_first(store):
        for q in a.quotes:
            if want is not None and q.speaker_kb_id != speaker and want not in search_name(q.speaker):
                continue
            text = a.title if q.field == "title" else a.text
            yield {**q.to_dict(), "sentence": _sentence(text, q.start), "article": _source(a)}


def iter_events(store, etype: str | None = None, place: str | None = None) -> Iterator[dict[str, Any]]:
    want = match_key(place) if place else None
    for a in _newest_first(store):
        for e in a.events:
            if etype and e.type != etype:
                continue
            if want and want not in match_key(e.place or ""):
                continue
            yield {**e.to_dict(), "sentence": e.evidence.text, "article": _source(a)}
