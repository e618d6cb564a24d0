"""What every store backend provides."""
from __future__ import annotations

import contextlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model import Article, RawDocument, Rejection


@dataclass
class IngestCounts:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0

    def summary(self) -> str:
        return (f"read {self.read}, stored {self.stored}, duplicates skipped {self.duplicates}, "
                f"rejected {self.rejected}")


class StoreBusy(RuntimeError):
    """The store could not answer in time: another process held the write lock past the wait, or a request
    ran past its time limit. Nothing was changed; the same request may succeed later."""


# SQLSTATEs of PostgreSQL's lock and time-outs: lock_not_available, deadlock_detected, query_canceled.
_PG_BUSY = {"55P03", "40P01", "57014"}


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` from a store means "busy, try again" rather than a fault."""
    if isinstance(exc, StoreBusy):
        return True
    if type(exc).__module__.startswith("sqlite3") and type(exc).__name__ == "OperationalError":
        return any(word in str(exc) for word in ("database is locked", "database table is locked", "busy"))
    return getattr(exc, "sqlstate", None) in _PG_BUSY


class Store(ABC):
    # Reads bring the search index up to date first (index_pending), so that a store opened by a library user
    # never answers from a stale index. A server turns this off: a request that reads must not wait for or
    # take the write lock; every writer's batch and the server's background indexer keep the index current.
    index_on_read: bool = True

    def _catch_up(self) -> None:
        if self.index_on_read:
            self.index_pending()

    @abstractmethod
    def rollback(self) -> None:
        """Undo the open transaction, if any (a failed request or batch leaves nothing half-written)."""

    @abstractmethod
    def time_limit(self, seconds: float) -> contextlib.AbstractContextManager[None]:
        """Inside it, a query running past `seconds` stops with StoreBusy."""

    @abstractmethod
    def has_content(self, content_hash: str) -> bool: ...

    @abstractmethod
    def add_article(self, article: Article, raw: RawDocument) -> bool:
        """Store one article; False when its content is already stored (nothing written)."""

    @abstractmethod
    def add_rejection(self, rejection: Rejection) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def get_article_json(self, article_id: str) -> str | None:
        """The article as stored (its JSON text, with any fields later stages added)."""

    def get_article(self, article_id: str) -> Article | None:
        doc_json = self.get_article_json(article_id)
        return Article.from_dict(json.loads(doc_json)) if doc_json is not None else None

    @abstractmethod
    def get_raw(self, article_id: str) -> str | None: ...

    @abstractmethod
    def iter_articles(self) -> Iterator[Article]: ...

    @abstractmethod
    def rejections(self) -> list[Rejection]: ...

    @abstractmethod
    def count_articles(self) -> int: ...

    @abstractmethod
    def close(self) -> None: ...

    # --- search: the indexes and read models behind `khazar search`, the API and the web pages ----------
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
    def search_place_counts(self, query: Any) -> list[tuple[str, str, str | None, int]]:
        """(entity id, name, kb id, articles) of the places in everything the query matches (the map)."""

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

    # --- corpus (khazar/corpus): the incremental story and duplicate state. Not abstract: a backend without
    # it still stores and searches; `khazar report --db` then says the backend has no corpus state.

    def corpus_load(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} keeps no corpus state")

    def corpus_pending(self) -> list[str]:
        raise NotImplementedError(f"{type(self).__name__} keeps no corpus state")

    def corpus_save(self, changes: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} keeps no corpus state")

    def corpus_duplicates(self) -> list[dict]:
        raise NotImplementedError(f"{type(self).__name__} keeps no corpus state")

    def corpus_items(self, kind: str, story_id: str | None = None, page: int = 1, size: int = 20
                     ) -> tuple[int, list[dict]]:
        """(total, one page) of what the corpus stage derived: kind 'story', 'series' or 'contradiction' (of
        one story when story_id is given), newest first."""
        raise NotImplementedError(f"{type(self).__name__} keeps no corpus state")

    def corpus_item(self, kind: str, item_id: str) -> dict | None:
        raise NotImplementedError(f"{type(self).__name__} keeps no corpus state")

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self.rollback()  # an interrupted batch is redone by the rerun, never committed half-way
        self.close()
