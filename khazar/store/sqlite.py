"""The embedded default store: one SQLite file in WAL mode.

Idempotent by construction: the content hash is a unique key, so ingesting the same input twice, or
rerunning an interrupted ingest, ends in the same rows. Articles are written in transactions of a batch;
a batch cut off by a crash is rolled back by SQLite and redone by the rerun.
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timezone

from ..model import Article, RawDocument, Rejection
from ..search.sqlite_backend import SQLiteSearch
from .base import Store, StoreBusy

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
    # 2: search (khazar/search): FTS5 over the search form of title and text, and the tables the facets,
    # entity pages, quotes and events are read from, all derived from article_json. Triggers only *queue*
    # a changed article (search_pending), because the search form is computed in Python and a trigger
    # cannot call Python unless every connection registers the function; SQLiteStore.index_pending()
    # drains the queue (the ingest calls it before its last commit, and every search calls it first), so
    # any writer, even the sqlite3 shell, leaves the index consistent.
    """
    CREATE VIRTUAL TABLE search_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2');
    CREATE TABLE search_pending (doc INTEGER PRIMARY KEY);
    CREATE TABLE article_entities (
        doc INTEGER NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        entity_id TEXT NOT NULL,
        type TEXT,
        name TEXT NOT NULL,
        name_en TEXT,
        kb_id TEXT,
        mentions INTEGER NOT NULL DEFAULT 0,
        roles_json TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (doc, entity_id)
    );
    CREATE INDEX article_entities_entity ON article_entities(entity_id);
    CREATE TABLE article_topics (
        doc INTEGER NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        label TEXT,
        PRIMARY KEY (doc, topic)
    );
    CREATE INDEX article_topics_topic ON article_topics(topic);
    CREATE TABLE article_quotes (
        doc INTEGER NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        speaker TEXT,
        speaker_kb_id TEXT,
        text TEXT NOT NULL,
        kind TEXT,
        span_start INTEGER,
        span_end INTEGER,
        PRIMARY KEY (doc, n)
    );
    CREATE INDEX article_quotes_speaker ON article_quotes(speaker_kb_id);
    CREATE TABLE article_events (
        doc INTEGER NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        type TEXT,
        label TEXT,
        date TEXT,
        place TEXT,
        place_kb_id TEXT,
        participants_json TEXT NOT NULL DEFAULT '[]',
        span_start INTEGER,
        span_end INTEGER,
        PRIMARY KEY (doc, n)
    );
    CREATE INDEX article_events_date ON article_events(date);
    CREATE INDEX article_events_place ON article_events(place_kb_id);
    CREATE TABLE article_vectors (
        doc INTEGER PRIMARY KEY REFERENCES articles(doc) ON DELETE CASCADE,
        model TEXT NOT NULL,
        vec BLOB NOT NULL
    );
    CREATE TRIGGER articles_search_insert AFTER INSERT ON articles BEGIN
        INSERT OR IGNORE INTO search_pending (doc) VALUES (new.doc);
    END;
    CREATE TRIGGER articles_search_update AFTER UPDATE OF title, text, article_json ON articles BEGIN
        INSERT OR IGNORE INTO search_pending (doc) VALUES (new.doc);
        DELETE FROM article_vectors WHERE doc = new.doc;
    END;
    CREATE TRIGGER articles_search_delete AFTER DELETE ON articles BEGIN
        DELETE FROM search_fts WHERE rowid = old.doc;
        DELETE FROM search_pending WHERE doc = old.doc;
    END;
    INSERT INTO search_pending (doc) SELECT doc FROM articles;
    """,
    # 3: search speed. FTS5's own `rank` is set to the weighted bm25 so that `ORDER BY rank LIMIT n` ranks
    # inside the FTS index without reading article rows; a covering index lets date/outlet filters, counts
    # and the outlet facet run without touching the wide article rows (text, raw, article_json); the
    # vectors index does the same for semantic search's cache check.
    """
    INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(3.0, 1.0)');
    CREATE INDEX articles_search_meta ON articles(doc, published, outlet_kb_id, outlet);
    CREATE INDEX article_vectors_model ON article_vectors(model, doc);  -- counts without reading the blobs
    """,
    # 4: corpus (khazar/corpus): stories with their incremental state, story membership (read by search's
    # story filter and story pages), and per-article near-duplicate data (MinHash signature and shingle set,
    # so that a new article is checked against the stored ones without re-reading their text). corpus_df
    # holds the document frequencies story similarity weights words and entities with.
    """
    CREATE TABLE IF NOT EXISTS stories (
        id TEXT PRIMARY KEY,
        label TEXT,
        start TEXT,
        "end" TEXT,
        size INTEGER NOT NULL DEFAULT 0,
        entities_json TEXT NOT NULL DEFAULT '[]',
        updated_at TEXT
    );
    CREATE TABLE IF NOT EXISTS story_state (story_id TEXT PRIMARY KEY, state_json TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS story_articles (
        story_id TEXT NOT NULL,
        doc INTEGER NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        PRIMARY KEY (story_id, doc)
    );
    CREATE INDEX IF NOT EXISTS story_articles_doc ON story_articles(doc);
    CREATE TABLE IF NOT EXISTS corpus_docs (
        doc INTEGER PRIMARY KEY REFERENCES articles(doc) ON DELETE CASCADE,
        minhash BLOB,
        shingles BLOB,
        duplicate_of TEXT,
        similarity REAL
    );
    CREATE TABLE IF NOT EXISTS corpus_df (key TEXT PRIMARY KEY, df INTEGER NOT NULL);
    """,
    # 5: what the corpus stage derives, as JSON read whole by pages and the API (khazar/corpus/pages.py):
    # kind 'story' (the story as StoryIndex.describe gives it), 'series' (a recurring template report with
    # its figures over time), 'contradiction' (one disagreement inside a story, `story_id` set).
    """
    CREATE TABLE IF NOT EXISTS corpus_items (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        story_id TEXT,
        day TEXT,
        data_json TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    );
    CREATE INDEX IF NOT EXISTS corpus_items_story ON corpus_items(kind, story_id);
    CREATE INDEX IF NOT EXISTS corpus_items_day ON corpus_items(kind, day, id);
    """,
    # 6: the search form joins ای to a word ending in ه (هسته ای = هسته‌ای): every article is indexed anew.
    """
    INSERT OR IGNORE INTO search_pending (doc) SELECT doc FROM articles;
    """,
    # 7: the near-duplicate shingles were made with an older fold (khazar.text.fold unified the letter table):
    # forget the corpus state, so that the next corpus update attaches every stored article again with the
    # shingles a new article is compared in.
    """
    DELETE FROM story_articles; DELETE FROM story_state; DELETE FROM stories; DELETE FROM corpus_items;
    DELETE FROM corpus_docs; DELETE FROM corpus_df;
    """,
    # 8: each entity's article and mention counts (entity_stats) and its names with theirs (entity_names),
    # kept by triggers on article_entities through every insert, delete (an article's re-index, a cascade)
    # and update, so that the entity list, a name search and the unfiltered map read a row an entity
    # instead of grouping every mention of the corpus (11.6 s for the entity list at 100k articles).
    # type, name_en and kb_id are the entity's own (one per entity id). name_form is search_form(name),
    # a Python function (registered before migrating): the triggers leave it NULL, indexing fills it.
    """
    CREATE TABLE entity_stats (
        entity_id TEXT PRIMARY KEY,
        type TEXT,
        name_en TEXT,
        kb_id TEXT,
        articles INTEGER NOT NULL,
        mentions INTEGER NOT NULL
    );
    CREATE INDEX entity_stats_articles ON entity_stats(articles DESC, entity_id);
    CREATE INDEX entity_stats_type ON entity_stats(type, articles DESC, entity_id);
    CREATE TABLE entity_names (
        entity_id TEXT NOT NULL,
        name TEXT NOT NULL,
        articles INTEGER NOT NULL,
        name_form TEXT,
        PRIMARY KEY (entity_id, name)
    );
    CREATE INDEX entity_names_unformed ON entity_names(entity_id) WHERE name_form IS NULL;
    INSERT INTO entity_stats (entity_id, type, name_en, kb_id, articles, mentions)
        SELECT entity_id, max(type), max(name_en), max(kb_id), count(*), sum(mentions) FROM article_entities
        GROUP BY entity_id;
    INSERT INTO entity_names (entity_id, name, articles, name_form)
        SELECT entity_id, name, count(*), khazar_search_form(name) FROM article_entities GROUP BY entity_id, name;
    CREATE TRIGGER article_entities_count_insert AFTER INSERT ON article_entities BEGIN
        INSERT INTO entity_stats (entity_id, type, name_en, kb_id, articles, mentions)
            VALUES (new.entity_id, new.type, new.name_en, new.kb_id, 1, new.mentions)
            ON CONFLICT (entity_id) DO UPDATE SET articles = articles + 1, mentions = mentions + excluded.mentions,
                type = coalesce(type, excluded.type), name_en = coalesce(name_en, excluded.name_en),
                kb_id = coalesce(kb_id, excluded.kb_id);
        INSERT INTO entity_names (entity_id, name, articles) VALUES (new.entity_id, new.name, 1)
            ON CONFLICT (entity_id, name) DO UPDATE SET articles = articles + 1;
    END;
    CREATE TRIGGER article_entities_count_delete AFTER DELETE ON article_entities BEGIN
        UPDATE entity_stats SET articles = articles - 1, mentions = mentions - old.mentions
            WHERE entity_id = old.entity_id;
        DELETE FROM entity_stats WHERE entity_id = old.entity_id AND articles <= 0;
        UPDATE entity_names SET articles = articles - 1 WHERE entity_id = old.entity_id AND name = old.name;
        DELETE FROM entity_names WHERE entity_id = old.entity_id AND name = old.name AND articles <= 0;
    END;
    CREATE TRIGGER article_entities_count_update AFTER UPDATE OF entity_id, name, mentions, type, name_en, kb_id
        ON article_entities BEGIN
        UPDATE entity_stats SET articles = articles - 1, mentions = mentions - old.mentions
            WHERE entity_id = old.entity_id;
        DELETE FROM entity_stats WHERE entity_id = old.entity_id AND articles <= 0;
        UPDATE entity_names SET articles = articles - 1 WHERE entity_id = old.entity_id AND name = old.name;
        DELETE FROM entity_names WHERE entity_id = old.entity_id AND name = old.name AND articles <= 0;
        INSERT INTO entity_stats (entity_id, type, name_en, kb_id, articles, mentions)
            VALUES (new.entity_id, new.type, new.name_en, new.kb_id, 1, new.mentions)
            ON CONFLICT (entity_id) DO UPDATE SET articles = articles + 1, mentions = mentions + excluded.mentions,
                type = coalesce(excluded.type, type), name_en = coalesce(excluded.name_en, name_en),
                kb_id = coalesce(excluded.kb_id, kb_id);
        INSERT INTO entity_names (entity_id, name, articles) VALUES (new.entity_id, new.name, 1)
            ON CONFLICT (entity_id, name) DO UPDATE SET articles = articles + 1;
    END;
    """,
    # 9: the events page counts events per type (and per day of one type) from this index alone, not from
    # the wide event rows (participants_json).
    """
    CREATE INDEX article_events_type ON article_events(type, date);
    """,
]


# How often opening a store retries a step another process is doing at the same moment.
_OPEN_ATTEMPTS = 40


def _statements(script: str) -> list[str]:
    """A migration script's statements, whole: a trigger body's semicolons do not end its CREATE TRIGGER."""
    statements, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        raise ValueError(f"a migration ends inside a statement: {pending.strip()[:80]!r}")
    return statements


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SQLiteStore(SQLiteSearch, Store):
    # How long a write waits for another process's write lock before "database is locked" (is_busy).
    BUSY_TIMEOUT_SECONDS = float(os.environ.get("KHAZAR_BUSY_SECONDS", "30"))

    def __init__(self, path: str):
        self.path = path
        self.conn = sqlite3.connect(path, timeout=self.BUSY_TIMEOUT_SECONDS)
        # Two processes opening a new file at once (an ingest and a server) race on the switch to WAL and on
        # the migrations; SQLite answers "locked" at once there instead of waiting, so wait and look again.
        self._retry_while_racing(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        from ..search.sqlite_backend import _ensure_functions

        _ensure_functions(self.conn)  # migration 8 fills names' search forms with it
        self._retry_while_racing(self._migrate)

    def _retry_while_racing(self, step) -> None:
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                step()
                return
            except sqlite3.OperationalError as exc:
                if attempt == _OPEN_ATTEMPTS - 1 or "locked" not in str(exc):
                    raise
                if self.conn.in_transaction:
                    self.conn.rollback()
                time.sleep(0.02 * (attempt + 1))

    def _migrate(self) -> None:
        # A current store needs no lock: readers opening it while an ingest holds the write lock go on at once.
        if self.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
            return
        # Otherwise the version is read again under the write lock, so a process that opens the file while
        # another migrates waits and then sees the new version instead of replaying a migration.
        # executescript would commit that lock away before running, so each statement goes through execute.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for number, script in enumerate(MIGRATIONS[version:], version + 1):
                for statement in _statements(script):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise

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
        # OR IGNORE: another process may have stored the same content since has_content looked.
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO articles (id, content_hash, title, outlet, outlet_kb_id, published, text, raw, article_json,"
            " format, origin, line, url, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (article_id, content_hash, article.title, outlet.get("name"), outlet.get("kb_id"), article.published,
             article.text, raw.raw, json.dumps(article.to_dict(), ensure_ascii=False), raw.format, raw.origin,
             raw.line, raw.url, _now()),
        )
        if cursor.rowcount == 1:
            return True
        if self.has_content(content_hash):
            return False
        # The id, not the content, collided with a concurrent writer's article: store under a fresh one.
        return self.add_article(article, raw)

    def add_rejection(self, rejection: Rejection) -> None:
        self.conn.execute("INSERT OR IGNORE INTO rejections (origin, line, reason, first_seen) VALUES (?,?,?,?)",
                          (rejection.origin, rejection.line or 0, rejection.reason, _now()))

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.rollback()

    @contextlib.contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        deadline = time.monotonic() + seconds
        # SQLite calls the handler every N virtual-machine steps; a true answer interrupts the statement.
        self.conn.set_progress_handler(lambda: time.monotonic() > deadline, 1_000)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupted" not in str(exc):
                raise
            self.rollback()
            raise StoreBusy(f"the request took longer than {seconds:g} s") from None
        finally:
            self.conn.set_progress_handler(None, 0)

    def get_article_json(self, article_id: str) -> str | None:
        row = self.conn.execute("SELECT article_json FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

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

    def doc_number(self, article_id: str) -> int | None:
        row = self.conn.execute("SELECT doc FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0] if row else None

    # --- corpus (khazar/corpus): stories, duplicates; the SQL lives in khazar/corpus/sqlite_corpus.py -----

    def corpus_load(self) -> dict:
        """The persisted corpus state: document frequencies, story states, duplicate signatures."""
        from ..corpus import sqlite_corpus

        return sqlite_corpus.load(self.conn)

    def corpus_pending(self) -> list[str]:
        """Ids of stored articles not yet attached to stories, oldest first."""
        from ..corpus import sqlite_corpus

        return sqlite_corpus.pending(self.conn)

    def corpus_save(self, changes: dict) -> None:
        from ..corpus import sqlite_corpus

        sqlite_corpus.save(self.conn, changes)

    def corpus_duplicates(self) -> list[dict]:
        from ..corpus import sqlite_corpus

        return sqlite_corpus.duplicates(self.conn)

    def corpus_items(self, kind: str, story_id: str | None = None, page: int = 1, size: int = 20
                     ) -> tuple[int, list[dict]]:
        from ..corpus import sqlite_corpus

        return sqlite_corpus.items(self.conn, kind, story_id, page, size)

    def corpus_item(self, kind: str, item_id: str) -> dict | None:
        from ..corpus import sqlite_corpus

        return sqlite_corpus.item(self.conn, kind, item_id)
