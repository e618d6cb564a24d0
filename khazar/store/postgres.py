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

Search, entities, quotes, events, stories, vectors and the corpus state work as on SQLite: the SQL is in
khazar/search/postgres_backend.py (see there for what still differs: the ranking).
"""
from __future__ import annotations

import contextlib
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
from ..search import postgres_backend as pgb
from .base import Store, StoreBusy

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
    # 2: search (khazar/search/postgres_backend.py), the counterpart of SQLiteStore's migrations 2 and 3.
    # search_index holds a tsvector of FTS5's tokens of the search form (built in Python: the search form
    # and the tokens are Python functions), title weight A, body weight D, under a GIN index. The facet
    # tables are SQLite's plus search-form copies of the names compared in search form (SQLite calls the
    # Python function in SQL instead). A trigger only *queues* a changed article (search_pending);
    # PostgresStore.index_pending() indexes the queue (the ingest calls it before its last commit, every
    # search calls it first), so any writer, even psql, leaves the index consistent.
    """
    CREATE TABLE search_index (
        doc BIGINT PRIMARY KEY REFERENCES articles(doc) ON DELETE CASCADE,
        tsv TSVECTOR NOT NULL
    );
    CREATE INDEX search_index_tsv ON search_index USING GIN (tsv);
    CREATE TABLE search_pending (doc BIGINT PRIMARY KEY REFERENCES articles(doc) ON DELETE CASCADE);
    CREATE TABLE article_entities (
        doc BIGINT NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        entity_id TEXT NOT NULL,
        type TEXT,
        name TEXT NOT NULL,
        name_en TEXT,
        kb_id TEXT,
        mentions INTEGER NOT NULL DEFAULT 0,
        roles_json TEXT NOT NULL DEFAULT '[]',
        name_form TEXT NOT NULL DEFAULT '',     -- search_form(name): what a name query is compared with
        name_en_form TEXT NOT NULL DEFAULT '',  -- name_en with ASCII letters lowercased (SQLite's lower())
        PRIMARY KEY (doc, entity_id)
    );
    CREATE INDEX article_entities_entity ON article_entities (entity_id);
    CREATE TABLE article_topics (
        doc BIGINT NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        topic TEXT NOT NULL,
        label TEXT,
        PRIMARY KEY (doc, topic)
    );
    CREATE INDEX article_topics_topic ON article_topics (topic);
    CREATE TABLE article_quotes (
        doc BIGINT NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        speaker TEXT,
        speaker_kb_id TEXT,
        text TEXT NOT NULL,
        kind TEXT,
        -- The spans as JSON: SQLite's INTEGER columns keep what is not a number (an event's start and end
        -- can be dates) as it is, so these hold any JSON scalar.
        span_start TEXT,
        span_end TEXT,
        speaker_form TEXT,  -- search_form(speaker)
        PRIMARY KEY (doc, n)
    );
    CREATE INDEX article_quotes_speaker ON article_quotes (speaker_kb_id);
    CREATE INDEX article_quotes_speaker_form ON article_quotes (speaker_form);
    CREATE TABLE article_events (
        doc BIGINT NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        type TEXT,
        label TEXT,
        date TEXT,  -- as the article JSON gives it (compared and sorted in byte order, as SQLite does)
        place TEXT,
        place_kb_id TEXT,
        participants_json TEXT NOT NULL DEFAULT '[]',
        span_start TEXT,  -- JSON, as article_quotes.span_start
        span_end TEXT,
        PRIMARY KEY (doc, n)
    );
    CREATE INDEX article_events_date ON article_events ((date COLLATE "C"));
    CREATE INDEX article_events_place ON article_events (place_kb_id);
    CREATE TABLE article_vectors (
        doc BIGINT PRIMARY KEY REFERENCES articles(doc) ON DELETE CASCADE,
        model TEXT NOT NULL,
        vec BYTEA NOT NULL
    );
    CREATE INDEX article_vectors_model ON article_vectors (model, doc);
    CREATE FUNCTION khazar_search_queue() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_pending (doc) VALUES (NEW.doc) ON CONFLICT DO NOTHING;
        IF TG_OP = 'UPDATE' THEN
            DELETE FROM article_vectors WHERE doc = NEW.doc;
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER articles_search_insert AFTER INSERT ON articles
        FOR EACH ROW EXECUTE FUNCTION khazar_search_queue();
    CREATE TRIGGER articles_search_update AFTER UPDATE OF title, text, article_json ON articles
        FOR EACH ROW EXECUTE FUNCTION khazar_search_queue();
    INSERT INTO search_pending (doc) SELECT doc FROM articles;
    """,
    # 3: corpus (khazar/corpus), SQLiteStore's migration 4. SQLite lists stories, story states and document
    # frequencies in rowid order, and its INSERT OR REPLACE gives a replaced row a new rowid: `seq` (taken
    # from one sequence again on every replace) gives PostgreSQL the same order.
    """
    CREATE SEQUENCE khazar_rowid;
    CREATE TABLE stories (
        id TEXT PRIMARY KEY,
        label TEXT,
        start TEXT,
        "end" TEXT,
        size INTEGER NOT NULL DEFAULT 0,
        entities_json TEXT NOT NULL DEFAULT '[]',
        updated_at TEXT,
        seq BIGINT NOT NULL DEFAULT nextval('khazar_rowid')
    );
    CREATE INDEX stories_seq ON stories (seq);
    CREATE TABLE story_state (
        story_id TEXT PRIMARY KEY,
        state_json TEXT NOT NULL,
        seq BIGINT NOT NULL DEFAULT nextval('khazar_rowid')
    );
    CREATE TABLE story_articles (
        story_id TEXT NOT NULL,
        doc BIGINT NOT NULL REFERENCES articles(doc) ON DELETE CASCADE,
        PRIMARY KEY (story_id, doc)
    );
    CREATE INDEX story_articles_doc ON story_articles (doc);
    CREATE TABLE corpus_docs (
        doc BIGINT PRIMARY KEY REFERENCES articles(doc) ON DELETE CASCADE,
        minhash BYTEA,
        shingles BYTEA,
        duplicate_of TEXT,
        similarity DOUBLE PRECISION
    );
    CREATE TABLE corpus_df (
        key TEXT PRIMARY KEY,
        df BIGINT NOT NULL,
        seq BIGINT NOT NULL DEFAULT nextval('khazar_rowid')
    );
    """,
    # 4: SQLiteStore's migration 5: stories, series and contradictions as JSON (khazar/corpus/pages.py).
    """
    CREATE TABLE corpus_items (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        story_id TEXT,
        day TEXT,
        data_json TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    );
    CREATE INDEX corpus_items_story ON corpus_items (kind, story_id);
    CREATE INDEX corpus_items_day ON corpus_items (kind, day, id);
    """,
    # 5: SQLiteStore's migration 6 — the search form changed (هسته ای = هسته‌ای): every article indexed anew.
    """
    INSERT INTO search_pending (doc) SELECT doc FROM articles ON CONFLICT DO NOTHING;
    """,
    # 6: SQLiteStore's migration 7 (the corpus state is rebuilt with the unified fold's shingles).
    """
    DELETE FROM story_articles; DELETE FROM story_state; DELETE FROM stories; DELETE FROM corpus_items;
    DELETE FROM corpus_docs; DELETE FROM corpus_df;
    """,
    # 7: SQLiteStore's migration 8: each entity's counts and names, kept by a trigger on article_entities.
    # The search forms come from article_entities (computed in Python when indexing). Indexing takes an
    # advisory lock first (postgres_backend._index_docs): two indexers would otherwise update the same
    # popular entities' rows in different orders and deadlock.
    """
    CREATE TABLE entity_stats (
        entity_id TEXT PRIMARY KEY,
        type TEXT,
        name_en TEXT,
        kb_id TEXT,
        name_en_form TEXT NOT NULL DEFAULT '',
        articles BIGINT NOT NULL,
        mentions BIGINT NOT NULL
    );
    CREATE INDEX entity_stats_articles ON entity_stats (articles DESC, (entity_id COLLATE "C"));
    CREATE TABLE entity_names (
        entity_id TEXT NOT NULL,
        name TEXT NOT NULL,
        name_form TEXT NOT NULL DEFAULT '',
        articles BIGINT NOT NULL,
        PRIMARY KEY (entity_id, name)
    );
    INSERT INTO entity_stats (entity_id, type, name_en, kb_id, name_en_form, articles, mentions)
        SELECT entity_id, max(type), max(name_en), max(kb_id), max(name_en_form), count(*), sum(mentions)
        FROM article_entities GROUP BY entity_id;
    INSERT INTO entity_names (entity_id, name, name_form, articles)
        SELECT entity_id, name, max(name_form), count(*) FROM article_entities GROUP BY entity_id, name;
    CREATE FUNCTION khazar_entity_counts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE entity_stats SET articles = articles - 1, mentions = mentions - OLD.mentions
                WHERE entity_id = OLD.entity_id;
            DELETE FROM entity_stats WHERE entity_id = OLD.entity_id AND articles <= 0;
            UPDATE entity_names SET articles = articles - 1 WHERE entity_id = OLD.entity_id AND name = OLD.name;
            DELETE FROM entity_names WHERE entity_id = OLD.entity_id AND name = OLD.name AND articles <= 0;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO entity_stats AS s (entity_id, type, name_en, kb_id, name_en_form, articles, mentions)
                VALUES (NEW.entity_id, NEW.type, NEW.name_en, NEW.kb_id, NEW.name_en_form, 1, NEW.mentions)
                ON CONFLICT (entity_id) DO UPDATE SET articles = s.articles + 1,
                    mentions = s.mentions + EXCLUDED.mentions, type = coalesce(s.type, EXCLUDED.type),
                    name_en = coalesce(s.name_en, EXCLUDED.name_en), kb_id = coalesce(s.kb_id, EXCLUDED.kb_id),
                    name_en_form = CASE WHEN s.name_en IS NULL THEN EXCLUDED.name_en_form ELSE s.name_en_form END;
            INSERT INTO entity_names AS n (entity_id, name, name_form, articles)
                VALUES (NEW.entity_id, NEW.name, NEW.name_form, 1)
                ON CONFLICT (entity_id, name) DO UPDATE SET articles = n.articles + 1;
        END IF;
        RETURN NULL;
    END $$;
    CREATE TRIGGER article_entities_counts AFTER INSERT OR DELETE OR UPDATE ON article_entities
        FOR EACH ROW EXECUTE FUNCTION khazar_entity_counts();
    """,
    # 8: SQLiteStore's migration 9: events per type (and per day of one type) counted from an index.
    """
    CREATE INDEX article_events_type ON article_events (type, (date COLLATE "C"));
    """,
]

# Any constant shared by every khazar process: the advisory lock that serialises migrations.
_MIGRATION_LOCK = 0x6B68617A  # "khaz"
_RETRYABLE = (errors.DeadlockDetected, errors.SerializationFailure)
_MAX_REPLAYS = 8


def _t(value: str | None) -> str | None:
    """PostgreSQL text cannot contain U+0000; the pipeline already drops it from title and text."""
    return value.replace("\x00", "") if value and "\x00" in value else value


class PostgresStore(pgb.PostgresSearch, Store):
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

    def rollback(self) -> None:
        self.conn.rollback()
        self._journal.clear()

    @contextlib.contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        def set_timeout(value: str) -> None:
            with pgb.own_transaction(self.conn):
                self.conn.execute("SELECT set_config('statement_timeout', %s, false)", (value,))

        with pgb.own_transaction(self.conn):
            before = self.conn.execute("SELECT current_setting('statement_timeout')").fetchone()[0]
        set_timeout(f"{max(1, round(seconds * 1000))}ms")
        try:
            yield
        except errors.QueryCanceled:
            self.rollback()
            raise StoreBusy(f"the request took longer than {seconds:g} s") from None
        finally:
            if self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
                self.rollback()
            set_timeout(before)

    def commit(self) -> None:
        try:
            self.conn.commit()
        except _RETRYABLE:
            self._replay()
            self.conn.commit()
        self._journal.clear()

    # -- reading ------------------------------------------------------------------------------------------
    # Reads leave no transaction open when none was open (pgb.own_transaction): a server's connections
    # would otherwise sit "idle in transaction", holding locks that block migrations and reindexing.
    def get_article_json(self, article_id: str) -> str | None:
        with pgb.own_transaction(self.conn):
            row = self.conn.execute("SELECT article_json FROM articles WHERE id = %s", (_t(article_id),)).fetchone()
        return row[0] if row else None

    def get_raw(self, article_id: str) -> str | None:
        with pgb.own_transaction(self.conn):
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
        with pgb.own_transaction(self.conn):
            rows = self.conn.execute("SELECT origin, line, reason FROM rejections"
                                     " ORDER BY origin COLLATE \"C\", line").fetchall()
        return [Rejection(o, line or None, r) for o, line, r in rows]

    def count_articles(self) -> int:
        with pgb.own_transaction(self.conn):
            return self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def close(self) -> None:
        if self.conn.closed:
            return
        try:
            self.commit()
        finally:
            self.conn.close()

    def doc_number(self, article_id: str) -> int | None:
        with pgb.own_transaction(self.conn):
            row = self.conn.execute("SELECT doc FROM articles WHERE id = %s", (_t(article_id),)).fetchone()
        return row[0] if row else None

    # -- corpus: the SQL lives in khazar/search/postgres_backend.py (the search index, PostgresSearch, is mixed
    # in). Each call leaves no transaction open when none was open before (a server's connection stays idle,
    # not "idle in transaction"); inside an ingest's open batch it runs in that batch's transaction.

    def corpus_load(self) -> dict:
        with pgb.own_transaction(self.conn):
            return pgb.corpus_load(self.conn)

    def corpus_pending(self) -> list[str]:
        with pgb.own_transaction(self.conn):
            return pgb.corpus_pending(self.conn)

    def corpus_save(self, changes: dict) -> None:
        pgb.corpus_save(self.conn, changes)
        self.commit()  # as SQLite's corpus save

    def corpus_duplicates(self) -> list[dict]:
        with pgb.own_transaction(self.conn):
            return pgb.corpus_duplicates(self.conn)

    def corpus_items(self, kind: str, story_id: str | None = None, page: int = 1, size: int = 20
                     ) -> tuple[int, list[dict]]:
        with pgb.own_transaction(self.conn):
            return pgb.corpus_items(self.conn, kind, story_id, page, size)

    def corpus_item(self, kind: str, item_id: str) -> dict | None:
        with pgb.own_transaction(self.conn):
            return pgb.corpus_item(self.conn, kind, item_id)
