"""The cross-document report: stories, duplicates and contradictions, for articles in memory or the store.

    build_report(articles) -> {"stories": [...], "series": [...], "duplicates": [...], "contradictions": [...]}
    CorpusState / attach(store, article)   incremental: persist the story index in the store

The JSON shape is the one `khazar report --json` prints (docs/corpus.md).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .contradictions import find_contradictions
from .duplicates import article_duplicates
from .stories import StoryIndex, build_stories


def report_from_index(index: StoryIndex, articles: dict[str, Any], duplicates: list[dict],
                      min_docs: int = 1) -> dict[str, Any]:
    stories = index.stories_out(min_docs=min_docs)
    contradictions = []
    for s in stories:
        if len(s["docs"]) >= 2:
            contradictions.extend(find_contradictions(s, articles, index.stories[s["id"]].events))
    return {"stories": stories, "series": index.series_out(), "duplicates": duplicates,
            "contradictions": contradictions}


def build_report(articles: Iterable, min_docs: int = 1) -> dict[str, Any]:
    arts = list(articles)
    by_id = {a.id: a for a in arts}
    index = build_stories(arts)
    return report_from_index(index, by_id, article_duplicates(arts), min_docs=min_docs)


def report_from_store(store, min_docs: int = 1) -> dict[str, Any]:
    """Bring the store's corpus state up to date (only new articles are attached), then report: stories and
    series from the index, contradictions as the corpus stage stored them."""
    from .state import Corpus

    corpus = Corpus(store)
    corpus.update()
    index = corpus.stories
    return {"stories": index.stories_out(min_docs=min_docs), "series": index.series_out(),
            "duplicates": store.corpus_duplicates(), "contradictions": all_items(store, "contradiction")}


def all_items(store, kind: str, page_size: int = 500) -> list[dict]:
    out, page = [], 1
    while True:
        total, rows = store.corpus_items(kind, page=page, size=page_size)
        out.extend(rows)
        if not rows or len(out) >= total:
            return out
        page += 1
