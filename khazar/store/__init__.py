"""Storage: one interface, chosen by the --db value (a SQLite file path, or later a postgresql:// URL)."""
from __future__ import annotations

import re

from .base import IngestCounts, Store, StoreBusy, is_busy


def open_store(db: str) -> Store:
    if db.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore  # optional backend; needs psycopg

        return PostgresStore(db)
    from .sqlite import SQLiteStore

    return SQLiteStore(db)


_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s/:@]*:)[^\s/@]*@", re.IGNORECASE)
_PARAM_PASSWORD = re.compile(r"\b(password\s*=\s*)('[^']*'|[^\s&]*)", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` with the password of every URL (user:password@) and every password= parameter masked: a
    store location is printed in summaries and errors, and a postgresql:// URL may carry a password."""
    return _PARAM_PASSWORD.sub(r"\1***", _URL_PASSWORD.sub(r"\1***@", text))


__all__ = ["IngestCounts", "Store", "StoreBusy", "is_busy", "open_store", "redact"]
