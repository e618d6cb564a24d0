"""Storage: one interface, chosen by the --db value (a SQLite file path, or later a postgresql:// URL)."""
from __future__ import annotations

from .base import IngestCounts, Store


def open_store(db: str) -> Store:
    if db.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore  # optional backend; needs psycopg

        return PostgresStore(db)
    from .sqlite import SQLiteStore

    return SQLiteStore(db)


__all__ = ["IngestCounts", "Store", "open_store"]
