"""What every backend's search index provides: the full-text index and the read models behind `khazar search`,
the API and the web pages, and the vectors of semantic search.

Each backend's index lives in khazar/search/ beside its SQL (sqlite_backend.SQLiteSearch,
postgres_backend.PostgresSearch) and is mixed into that backend's store class, whose connection it queries:
`store.search(query)` is search code, while khazar/store/ keeps storage.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class SearchIndex(ABC):
    # Reads bring the search index up to date first (index_pending), so that a store opened by a library user
    # never answers from a stale index. A server turns this off: a request that reads must not wait for or
    # take the write lock; every writer's batch and the server's background indexer keep the index current.
    index_on_read: bool = True

    def _catch_up(self) -> None:
        if self.index_on_read:
            self.index_pending()

    # Argument and result types are in khazar/search/query.py (SearchQuery, SearchPage); listings return
    # (total, rows) with plain dicts so that every backend can fill them from its own tables.

    @abstractmethod
    def index_pending(self, limit: int | None = None) -> int:
        """Index articles stored since the last call (search text, entities, topics, quotes, events)."""

    @abstractmethod
    def reindex_search(self) -> int:
        """Rebuild the whole search index from the stored article JSON; returns the number indexed."""

    @abstractmethod
    def search(self, query: Any, ranked_docs: list[int] | None = None) -> Any:
        """A SearchQuery → SearchPage (total, one page of hits with snippets, facets)."""

    @abstractmethod
    def search_timeline(self, query: Any, ranked_docs: list[int] | None = None) -> list[tuple[str, int]]: ...

    @abstractmethod
    def search_place_counts(self, query: Any) -> tuple[list[tuple[str, str, str | None, int]], bool]:
        """(entity id, name, kb id, articles) of the places in everything the query matches (the map), and
        whether the counts are estimated from a sample (above FACET_SAMPLE matches, as the facets)."""

    @abstractmethod
    def list_entities(self, q: str | None = None, page: int = 1, size: int = 20) -> tuple[int, list[dict]]: ...

    @abstractmethod
    def get_entity(self, entity_id: str) -> dict | None: ...

    @abstractmethod
    def list_quotes(self, speaker: str | None = None, page: int = 1, size: int = 20) -> tuple[int, list[dict]]: ...

    @abstractmethod
    def list_events(self, date_from: str | None = None, date_to: str | None = None, place: str | None = None,
                    page: int = 1, size: int = 20, event_type: str | None = None) -> tuple[int, list[dict]]: ...

    # The workbench pages (khazar/web): the home page, quotes by speaker, events, the entity graph.

    @abstractmethod
    def latest_day(self) -> str | None:
        """The newest publication day stored (ISO), or None for an empty store."""

    @abstractmethod
    def top_stories(self, limit: int = 12, min_outlets: int = 2) -> list[dict]:
        """The newest stories told by at least `min_outlets` outlets (newest end first, then most outlets):
        id, label, start, end, size, outlets (how many), outlet_names, contradictions (how many)."""

    @abstractmethod
    def stories_of(self, article_id: str) -> list[dict]:
        """The stories (id, label, size) an article belongs to."""

    @abstractmethod
    def find_quotes(self, speaker_ids: list[str], speaker: str | None, words: list[str], page: int = 1,
                    size: int = 20) -> tuple[int, list[dict]]:
        """Quotes by a speaker — any of the KB ids, or when there are none a speaker whose written name has
        `speaker` as a word (no speaker filter when None) — whose text has all of `words`, newest first; each
        row as list_quotes' plus "context" (the sentence around it: before, text, after)."""

    @abstractmethod
    def event_counts(self, date_from: str | None = None, date_to: str | None = None, place: str | None = None,
                     event_type: str | None = None) -> dict[str, list[tuple[str, int]]]:
        """{"types": [(type, events)], "days": [(ISO day, events)]} under list_events' filters (the types
        without the type filter, so that the page can offer the others)."""

    @abstractmethod
    def entity_graph(self, types: list[str], date_from: str | None = None, date_to: str | None = None,
                     around: str | None = None, limit: int = 40) -> dict[str, list[dict]]:
        """{"nodes": [{id, name, type, count}], "edges": [{a, b, count}]}: the `limit` entities of `types` (outlets,
        which every article of theirs mentions, left out)
        in most articles of the period (those mentioning `around` when given) and the articles each pair shares."""

    @abstractmethod
    def list_stories(self, page: int = 1, size: int = 20, min_size: int = 1,
                     order: str = "recent") -> tuple[int, list[dict]]:
        """Stories of at least `min_size` articles, the latest-ending first ("recent") or the largest ("size"),
        each with how many contradictions were found in it."""

    @abstractmethod
    def get_story(self, story_id: str) -> dict | None: ...

    @abstractmethod
    def docs_without_vectors(self, model: str, limit: int = 256) -> list[tuple[int, str, str]]: ...

    @abstractmethod
    def put_vectors(self, model: str, rows: list[tuple[int, bytes]]) -> None: ...

    @abstractmethod
    def load_vectors(self, model: str) -> list[tuple[int, bytes]]: ...

    @abstractmethod
    def doc_number(self, article_id: str) -> int | None: ...
