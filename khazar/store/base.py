"""What every store backend provides: storage of articles, raw inputs and rejections, transactions, and the
corpus state. Search, its read models and vectors are each backend's search index (khazar/search/index.py),
which its store class also is."""
from __future__ import annotations

import contextlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

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
