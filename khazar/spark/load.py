"""`khazar load`: Spark output (Parquet) into a store for serving — SQLite file or PostgreSQL.

Reads with pyarrow alone (no Spark, no Java), batch by batch, in the order the job wrote (file, then line),
and stores through the same `Store.add_article` as `khazar ingest`: reloading is idempotent (content hash),
ids taken by other content are renamed the same way, and rejections are kept.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..model import Article, RawDocument, Rejection
from ..store.base import IngestCounts, Store
from .schema import from_record


class LoadError(ValueError):
    pass


def _parquet_files(folder: Path) -> list[Path]:
    # Spark names parts part-00000-…, in the order of the sort it wrote them in; "_" and "." files are its
    # markers (_SUCCESS, .crc).
    return sorted(p for p in folder.rglob("*.parquet") if not p.name.startswith(("_", ".")))


def _records(folder: Path, batch_rows: int) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    for part in _parquet_files(folder):
        for batch in pq.ParquetFile(part).iter_batches(batch_size=batch_rows):
            yield from batch.to_pylist()


def read_output(output: str | Path, batch_rows: int = 256
                ) -> tuple[Iterator[tuple[Article, RawDocument]], Iterator[Rejection]]:
    """(articles with their raw documents, rejections) from a `khazar spark-extract` OUTPUT folder.

    OUTPUT may also be the articles/ folder itself (then there are no rejections to read).
    """
    root = Path(output)
    articles_dir = root / "articles" if (root / "articles").is_dir() else root
    rejections_dir = root / "rejections"
    if not articles_dir.is_dir() or not _parquet_files(articles_dir):
        raise LoadError(f"no Parquet files in {articles_dir}")

    def articles() -> Iterator[tuple[Article, RawDocument]]:
        for record in _records(articles_dir, batch_rows):
            doc, raw_text, raw_title = from_record(record)
            source = doc.get("source") or {}
            raw = RawDocument(id=doc["id"], raw=raw_text, format=source.get("format") or "jsonl",
                              origin=source.get("origin") or "", line=source.get("line"), url=doc.get("url"),
                              title=raw_title, category=doc.get("category"))
            if source.get("content_hash") and raw.content_hash != source["content_hash"]:
                # raw + raw_title are what the hash was made of; a mismatch means the file was altered.
                raise LoadError(f"{source.get('origin')}:{source.get('line')}: content hash does not match "
                                "the raw text; the Parquet is not what spark-extract wrote")
            yield Article.from_dict(doc), raw

    def rejections() -> Iterator[Rejection]:
        if rejections_dir.is_dir() and _parquet_files(rejections_dir):
            for record in _records(rejections_dir, batch_rows):
                yield Rejection(record["origin"], record.get("line"), record["reason"])

    return articles(), rejections()


def load(output: str | Path, store: Store, *, batch: int = 200) -> IngestCounts:
    """Put one spark-extract OUTPUT into `store`; commits every `batch` articles."""
    counts = IngestCounts()
    articles, rejections = read_output(output)
    pending = 0
    for article, raw in articles:
        counts.read += 1
        if store.add_article(article, raw):
            counts.stored += 1
        else:
            counts.duplicates += 1
        pending += 1
        if pending >= batch:
            store.commit()
            pending = 0
    for rejection in rejections:
        counts.rejected += 1
        store.add_rejection(rejection)
    store.commit()
    return counts
