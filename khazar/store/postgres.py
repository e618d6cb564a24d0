"""The PostgreSQL store: the same tables and semantics as SQLiteStore, for serving and for many writers.

    open_store("postgresql://user@host:5432/khazar")        # or postgresql://user@/db?host=/socket/dir

Same contract as khazar/store/sqlite.py: the content hash is a unique key (re-ingesting stores nothing
twice), an id already taken by other content is stored as `id~<hash prefix>` with a warning, rejections
are unique by (origin, line, reason). Writes are transactions of a batch (`commit()`).

Many processes may ingest into one database at once. Every insert is `INSERT … ON CONFLICT DO NOTHING`
on the unique keys, so a row another writer stored first is a duplicate, never a second copy: PostgreSQL
makes the second insert of a key wait for the first writer's transaction and then skip. Two writers
whose batches take the same keys in opposite orders can deadlock; PostgreSQL then aborts one of them,
and this store replays that batch (it keeps the batch's operations until commit) — articles another
writer stored meanwhile become duplicates, so the counts a replayed batch reports can include articles
that were in fact stored by the other writer.

Schema migrations are numbered and recorded in `schema_migrations`; they run under an advisory lock so
that writers starting together migrate once.

Search (the Persian-aware index the SQLite store has, entities, quotes, events, stories, vectors) is
not built for PostgreSQL yet: those methods raise NotImplementedError.
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from datetime import date
from itertools import count
from typing import Any

import psycopg
from psycopg import errors

from ..model import Article, RawDocument, Rejection
from .base import Store

MIGRATIONS: list[str] = [
    # 1: articles and rejections (the columns of SQLiteStore's migration 1)
    """
    CREATE TABLE articles (
        doc BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        content_hash TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        outlet TEXT,
        outlet_kb_id TEXT,
        published DATE,
        text TEXT NOT NULL,
        -- The raw input exactly as read, UTF-8 encoded. BYTEA, not TEXT: PostgreSQL text cannot hold U+0000,
        -- which a JSON record's "\\u0000" puts into a raw text, and offsets point into the raw unchanged.
        raw BYTEA NOT NULL,
        -- TEXT, not JSONB: JSONB reorders keys and refuses \\u0000; the stored form stays what extract prints.
        article_json TEXT NOT NULL,
        format TEXT NOT NULL,
        origin TEXT NOT NULL,
        line INTEGER,
        url TEXT,
        ingested_at TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    CREATE INDEX articles_published ON articles (published);
    CREATE INDEX articles_outlet ON articles (outlet_kb_id);
    CREATE TABLE rejections (
        origin TEXT NOT NULL,
        line INTEGER NOT NULL DEFAULT 0,
        reason TEXT NOT NULL,
        first_seen TIMESTAMPTZ NOT NULL DEFAULT now()
    );
    -- md5(reason): a B-tree entry must stay under ~2.7 kB, and a reason can quote a long input.
    CREATE UNIQUE INDEX rejections_unique ON rejections (origin, line, md5(reason));
    """,
]

# Any constant shared by every khazar process: the advisory lock that serialises migrations.
_MIGRATION_LOCK = 0x6B68617A  # "khaz"
_RETRYABLE = (errors.DeadlockDetected, errors.SerializationFailure)
_MAX_REPLAYS = 8


def _t(value: str | None) -> str | None:
    """PostgreSQL text cannot contain U+0000; the pipeline already drops it from title and text."""
    return value.replace("\x00", "") if value and "\x00" in value else value


class PostgresStore(Store):
    def __init__(self, url: str):
        self.url = url
        self.conn = psycopg.connect(url, autocommit=False)
        self._cursors = count()
        # This batch's writes, kept until commit so that a batch aborted by a deadlock can be replayed:
        # ("a", article, raw, id as given, number of warnings as given) or ("r", rejection).
        self._journal: list[tuple[Any, ...]] = []
        self._migrate()

    # -- schema -------------------------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self.conn.transaction():
            self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            self.conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                              " version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())")
            version = self.conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], version + 1):
                self.conn.execute(script)
                self.conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (number,))
        self.conn.commit()

    def schema_version(self) -> int:
        return self.conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]

    # -- writing ------------------------------------------------------------------------------------------
    def has_content(self, content_hash: str) -> bool:
        return self.conn.execute("SELECT 1 FROM articles WHERE content_hash = %s", (content_hash,)).fetchone() is not None

    def _id_taken(self, article_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM articles WHERE id = %s", (_t(article_id),)).fetchone() is not None

    def _insert(self, article: Article, raw: RawDocument, article_id: str, content_hash: str) -> bool:
        outlet = article.outlet or {}
        row = self.conn.execute(
            "INSERT INTO articles (id, content_hash, title, outlet, outlet_kb_id, published, text, raw, article_json,"
            " format, origin, line, url) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
            " ON CONFLICT DO NOTHING RETURNING doc",
            (_t(article_id), content_hash, _t(article.title), _t(outlet.get("name")), outlet.get("kb_id"),
             date.fromisoformat(article.published) if article.published else None, _t(article.text),
             raw.raw.encode("utf-8", "surrogatepass"), json.dumps(article.to_dict(), ensure_ascii=False),
             raw.format, _t(raw.origin), raw.line, _t(raw.url)),
        ).fetchone()
        return row is not None

    def _rename(self, article: Article, wanted: str, content_hash: str) -> None:
        # The same id with other content (two folders, one file name) is a different article: keep both.
        new_id = f"{wanted}~{content_hash[:10]}"
        article.warnings.append(f"id {wanted!r} was taken by another article; stored as {new_id!r}")
        article.id = new_id

    def _add(self, article: Article, raw: RawDocument) -> bool:
        content_hash = raw.content_hash
        if self.has_content(content_hash):
            return False
        wanted, given_warnings = article.id, len(article.warnings)

        def duplicate() -> bool:
            # Another writer stored this content first: leave the article as it was given, as for any duplicate.
            article.id = wanted
            del article.warnings[given_warnings:]
            return False

        if self._id_taken(wanted):
            self._rename(article, wanted, content_hash)
        if self._insert(article, raw, article.id, content_hash):
            return True
        # Nothing inserted: another writer stored a unique key first (its commit is what we waited for).
        if self.has_content(content_hash):
            return duplicate()
        if article.id == wanted:  # the id was taken between our check and our insert
            self._rename(article, wanted, content_hash)
            if self._insert(article, raw, article.id, content_hash):
                return True
        if self.has_content(content_hash):
            return duplicate()
        raise RuntimeError(f"could not store article {wanted!r}: id {article.id!r} is taken by other content")

    def _add_rejection(self, rejection: Rejection) -> None:
        self.conn.execute("INSERT INTO rejections (origin, line, reason) VALUES (%s,%s,%s) ON CONFLICT DO NOTHING",
                          (_t(rejection.origin), rejection.line or 0, _t(rejection.reason)))

    def _apply(self, entry: tuple[Any, ...]) -> bool | None:
        if entry[0] == "a":
            _, article, raw, given_id, given_warnings = entry
            article.id = given_id  # undo what a previous attempt of this batch changed
            del article.warnings[given_warnings:]
            return self._add(article, raw)
        self._add_rejection(entry[1])
        return None

    def _write(self, entry: tuple[Any, ...]) -> bool | None:
        self._journal.append(entry)
        try:
            return self._apply(entry)
        except _RETRYABLE:
            return self._replay()

    def _replay(self) -> bool | None:
        """Roll back and redo the open batch after a deadlock; the result of its last write."""
        for attempt in range(1, _MAX_REPLAYS + 1):
            self.conn.rollback()
            time.sleep(random.uniform(0, 0.05 * attempt))  # let the other writer finish its batch first
            try:
                result = None
                for entry in self._journal:
                    result = self._apply(entry)
                return result
            except _RETRYABLE:
                continue
        self.conn.rollback()
        self._journal.clear()
        raise RuntimeError(f"batch aborted by deadlocks {_MAX_REPLAYS} times in a row; rerun the ingest")

    def add_article(self, article: Article, raw: RawDocument) -> bool:
        if self.has_content(raw.content_hash):
            return False  # nothing to write, nothing to replay
        return bool(self._write(("a", article, raw, article.id, len(article.warnings))))

    def add_rejection(self, rejection: Rejection) -> None:
        self._write(("r", rejection))

    def commit(self) -> None:
        try:
            self.conn.commit()
        except _RETRYABLE:
            self._replay()
            self.conn.commit()
        self._journal.clear()

    # -- reading ------------------------------------------------------------------------------------------
    def get_article(self, article_id: str) -> Article | None:
        row = self.conn.execute("SELECT article_json FROM articles WHERE id = %s", (_t(article_id),)).fetchone()
        return Article.from_dict(json.loads(row[0])) if row else None

    def get_raw(self, article_id: str) -> str | None:
        row = self.conn.execute("SELECT raw FROM articles WHERE id = %s", (_t(article_id),)).fetchone()
        return bytes(row[0]).decode("utf-8", "surrogatepass") if row else None

    def iter_articles(self) -> Iterator[Article]:
        # A server-side cursor: the whole table is never in this process's memory at once.
        with self.conn.cursor(name=f"khazar_iter_{next(self._cursors)}") as cur:
            cur.itersize = 500
            cur.execute("SELECT article_json FROM articles ORDER BY doc")
            for (doc_json,) in cur:
                yield Article.from_dict(json.loads(doc_json))

    def rejections(self) -> list[Rejection]:
        # COLLATE "C": byte order, as SQLite sorts — the same rejections list in the same order on both.
        rows = self.conn.execute("SELECT origin, line, reason FROM rejections ORDER BY origin COLLATE \"C\", line")
        return [Rejection(o, line or None, r) for o, line, r in rows]

    def count_articles(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def close(self) -> None:
        if self.conn.closed:
            return
        try:
            self.commit()
        finally:
            self.conn.close()

    def doc_number(self, article_id: str) -> int | None:
        row = self.conn.execute("SELECT doc FROM articles WHERE id = %s", (_t(article_id),)).fetchone()
        return row[0] if row else None

    # -- search: not built for PostgreSQL yet -------------------------------------------------------------
    # The Persian-aware search index exists for SQLite (khazar/search/sqlite_backend.py). Its PostgreSQL
    # counterpart (tsvector over the same search form, facet tables, vectors) is a follow-up; until then
    # these say so loudly instead of answering "nothing found". Serve search from a SQLite copy
    # (`khazar load OUTPUT --db khazar.db`) meanwhile.
    def _no_search(self, what: str):
        raise NotImplementedError(f"PostgresStore.{what}: search is not built for PostgreSQL yet; "
                                  "load the data into a SQLite store to search it")

    def index_pending(self, limit: int | None = None) -> int:
        self._no_search("index_pending")

    def reindex_search(self) -> int:
        self._no_search("reindex_search")

    def search(self, query, ranked_docs=None):
        self._no_search("search")

    def search_timeline(self, query, ranked_docs=None):
        self._no_search("search_timeline")

    def list_entities(self, q=None, page=1, size=20):
        self._no_search("list_entities")

    def get_entity(self, entity_id):
        self._no_search("get_entity")

    def list_quotes(self, speaker=None, page=1, size=20):
        self._no_search("list_quotes")

    def list_events(self, date_from=None, date_to=None, place=None, page=1, size=20):
        self._no_search("list_events")

    def list_stories(self, page=1, size=20):
        self._no_search("list_stories")

    def get_story(self, story_id):
        self._no_search("get_story")

    def docs_without_vectors(self, model, limit=256):
        self._no_search("docs_without_vectors")

    def put_vectors(self, model, rows):
        self._no_search("put_vectors")

    def load_vectors(self, model):
        self._no_search("load_vectors")
