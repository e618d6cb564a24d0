"""What every store backend provides."""
from __future__ import annotations

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


class Store(ABC):
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
    def get_article(self, article_id: str) -> Article | None: ...

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

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
