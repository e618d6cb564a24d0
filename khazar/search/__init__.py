"""Search over the store: Persian-aware full text (FTS5 over a normalised copy), filters and facets, and
optional semantic search (multilingual e5). Entry point: `run(store, SearchQuery, semantic=False)`."""
from __future__ import annotations

from typing import Any

from ..text.fold import search_form
from .query import MAX_PAGE, MAX_PAGE_SIZE, QueryError, SearchHit, SearchPage, SearchQuery, parse_date
from .terms import query_terms


def run(store: Any, query: SearchQuery, *, semantic: bool = False) -> SearchPage:
    query.validate()
    if semantic and query.q.strip():
        from .semantic import semantic_search

        return semantic_search(store, query)
    return store.search(query)


__all__ = ["MAX_PAGE", "MAX_PAGE_SIZE", "QueryError", "SearchHit", "SearchPage", "SearchQuery", "parse_date", "query_terms",
           "run", "search_form"]
