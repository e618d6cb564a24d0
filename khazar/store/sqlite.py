"""The embedded default store: one SQLite file in WAL mode.

Idempotent by construction: the content hash is a unique key, so ingesting the same input twice, or
rerunning an interrupted ingest, ends in the same rows. Articles are written in transactions of a batch;
a batch cut off by a crash is rolled back by SQLite and redone by the rerun.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone

from ..model import Article, RawDocument, Rejection
from .base import Store

MIGRATIONS: list[str] = [
    # 1: articles and rejections
    """
    CREATE TABLE articles (
        doc INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        outlet TEXT,
        outlet_kb_id TEXT,
        published TEXT,
        text TEXT NOT NULL,
        raw TEXT NOT NULL,
        article_json TEXT NOT NULL,
        format TEXT NOT NULL,
        origin TEXT NOT NULL,
        line INTEGER,
        url TEXT,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_outlet ON articles(outlet_kb_id);
    CREATE TABLE rejections (
        origin TEXT NOT NULL,
        line INTEGER NOT NULL DEFAULT 0,
        reason TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        UNIQUE (origin, line, reason)
    );
    """,
]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SQLiteStore(Store):
    def __init__(self, path: str):
        self.path = path
        self.conn = sqlite3.connect(path, timeout=30)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], version + 1):
            with self.conn:
                self.conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")

    def has_content(self, content_hash: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM articles WHERE content_hash = ?", (content_hash,)).fetchone()
        return row is not None

    def _free_id(self, wanted: str, content_hash: str) -> str:
        # The same id with other content (two folders, one file name) is a different article: keep both.
        if self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (wanted,)).fetchone() is None:
            return wanted
        return f"{wanted}~{content_hash[:10]}"

    def add_article(self, article: Article, raw: RawDocument) -> bool:
        content_hash = raw.content_hash
        if self.has_content(content_hash):
            return False
        article_id = self._free_id(article.id, content_hash)
        if article_id != article.id:
            article.warnings.append(f"id {article.id!r} was taken by another article; stored as {article_id!r}")
            article.id = article_id
        outlet = article.outlet or {}
        self.conn.execute(
            "INSERT INTO articles (id, content_hash, title, outlet, outlet_kb_id, published, text, raw, article_json,"
            " format, origin, line, url, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (article_id, content_hash, article.title, outlet.get("name"), outlet.get("kb_id"), article.published,
             article.text, raw.raw, json.dumps(article.to_dict(), ensure_ascii=False), raw.format, raw.origin,
             raw.line, raw.url, _now()),
        )
        return True

    def add_rejection(self, rejection: Rejection) -> None:
        self.conn.execute("INSERT OR IGNORE INTO rejections (origin, line, reason, first_seen) VALUES (?,?,?,?)",
                          (rejection.origin, rejection.line or 0, rejection.reason, _now()))

    def commit(self) -> None:
        self.conn.commit()

    def get_article(self, article_id: str) -> Article | None:
        row = self.conn.execute("SELECT article_json FROM articles WHERE id = ?", (article_id,)).fetchone()
        return Article.from_dict(json.loads(row[0])) if row else None

    def get_raw(self, article_id: str) -> str | None:
        row = self.conn.execute("SELECT raw FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    def iter_articles(self) -> Iterator[Article]:
        for (doc_json,) in self.conn.execute("SELECT article_json FROM articles ORDER BY doc"):
            yield Article.from_dict(json.loads(doc_json))

    def rejections(self) -> list[Rejection]:
        rows = self.conn.execute("SELECT origin, line, reason FROM rejections ORDER BY origin, line")
        return [Rejection(o, line or None, r) for o, line, r in rows]

    def count_articles(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()
