"""The search index of the PostgreSQL store: its SQL, and PostgresSearch, the index class PostgresStore mixes in
(and the SQL of the store's corpus methods).

The counterpart of sqlite_backend.py (and corpus/sqlite_corpus.py) over the tables of migrations 2 and 3
in khazar/store/postgres.py, answering with the same shapes and, as far as the two databases allow, the
same rows:

* Full text: `search_index.tsv` is a tsvector built in Python from the very tokens the SQLite FTS5 index
  holds (fts5_text.tokenize over text.fold.search_form of title and body: same words, same folding, same
  positions; title lexemes weight A, body lexemes weight D), not from PostgreSQL's text-search parser, which
  splits and keeps words differently (hyphenated compounds, URLs, numbers with dots). A query is the
  fts_expression SQLite would MATCH, turned into a tsquery of the same phrases ('a' <-> 'b', 'pre':* for
  `pre*`, ANDed) and bound as a parameter (`%s::tsquery`): no user text is ever SQL.
* So the same articles match. Ranking differs: SQLite orders by FTS5's bm25 (title 3 : body 1), PostgreSQL
  by ts_rank with weights A = 1, D = 1/3 and length normalisation 1; the score numbers differ too.
* Snippets are cut in Python with FTS5's algorithm (fts5_text.snippet) over the search form of the page's
  articles: the same text and highlights SQLite returns.
* Sorting matches SQLite's: NULL dates last in descending and first in ascending order, text in byte order
  (COLLATE "C"), ties by doc number.

Every value from a user is a bound parameter; the only SQL assembled in Python is a choice between fixed
fragments written in this file.
"""
from __future__ import annotations

import contextlib
import json
import re
from abc import abstractmethod
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timezone
from typing import Any

from psycopg import Connection, errors
from psycopg.pq import TransactionStatus

from .article_rows import article_rows, entity_page, kb_candidate, quote_context, tally_entity_rows
from .fts5_text import Phrase, parse_expression, parse_query, snippet, tokenize
from ..text.fold import search_name
from ..text.fold import search_form
from .index import SearchIndex
from .query import FACET_LIMIT, FACET_SAMPLE, QueryError, SearchPage, SearchQuery, fts_expression, page_hit

# ts_rank weights {D, C, B, A}: a title word (A) counts three times a body word (D), as SQLite's bm25(3, 1).
_RANK = "ts_rank('{0.333333, 0, 0, 1}'::float4[], s.tsv, %s::tsquery, 1)"
_INDEX_CHUNK = 500

# PostgreSQL limits on a tsvector: lexemes up to 2047 bytes, positions 1..16383, 256 positions per lexeme,
# 1 MB in all. Longer words are left out of the index (FTS5 keeps them; nobody searches a 2 kB word).
_MAX_LEXEME_BYTES = 2047
_MAX_POS = 16383
_MAX_POSITIONS = 256
_MAX_TSVECTOR_BYTES = 1_000_000


# ------------------------------------------------------------------------------------------ plumbing ----

def _idle(conn: Connection) -> bool:
    return conn.info.transaction_status == TransactionStatus.IDLE


@contextlib.contextmanager
def own_transaction(conn: Connection) -> Iterator[None]:
    """Commit (or roll back) at the end what ran inside, unless the caller already had a transaction open
    (an ingest's batch): a reader's call leaves no transaction open, as SQLite's do."""
    idle = _idle(conn)
    try:
        yield
    except BaseException:
        if idle and not conn.closed:
            conn.rollback()
        raise
    if idle:
        conn.commit()


@contextlib.contextmanager
def index_scans(conn: Connection, wanted: bool = True) -> Iterator[None]:
    """Keep the planner off sequential scans for a statement matching text. It costs a scan of
    search_index by its small heap, not by the out-of-line (TOAST) tsvectors every row's match must read,
    so it scans the whole table for a word in three articles (100 ms at 20k articles) where the GIN index
    answers in well under a millisecond; even a word in every article is cheaper through the index (no
    recheck of plain words)."""
    if not wanted:
        yield
        return
    previous = conn.execute("SELECT current_setting('enable_seqscan')").fetchone()[0]
    conn.execute("SELECT set_config('enable_seqscan', 'off', true)")
    try:
        yield
    finally:
        if conn.info.transaction_status == TransactionStatus.INTRANS:
            conn.execute("SELECT set_config('enable_seqscan', %s, true)", (previous,))


def _t(value: Any) -> Any:
    """Text for a TEXT column: PostgreSQL text cannot hold U+0000; numbers become their text (as SQLite's
    TEXT affinity stores them); structures their JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, bool):
        return str(int(value))  # sqlite3 binds a bool as 0/1
    if not isinstance(value, (int, float)):
        return json.dumps(value, ensure_ascii=False).replace("\\u0000", "")
    return str(value)


_NUMBER = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")  # SQLite's numeric text


def _span(value: Any) -> str | None:
    """A value for SQLite's INTEGER-affinity span columns, as SQLite would keep it, as JSON text: numbers
    (and numeric text) as integers where they are whole, anything else as it is."""
    if value is None:
        return None
    if isinstance(value, bool):
        value = int(value)
    elif isinstance(value, str) and _NUMBER.fullmatch(value):
        value = float(value) if re.search(r"[.eE]", value) else int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        value = int(value)
    if isinstance(value, (int, float, str)):
        return json.dumps(_t(value) if isinstance(value, str) else value, ensure_ascii=False)
    return json.dumps(_t(json.dumps(value, ensure_ascii=False)), ensure_ascii=False)


def _unspan(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def _day(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def ascii_lower(s: str) -> str:
    """SQLite's lower(): ASCII letters only."""
    return s.translate(_ASCII_LOWER)


def _like(s: str) -> str:
    return "%" + s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# -------------------------------------------------------------------------------------- the tsvector ----

def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_text(title_form: str, body_form: str) -> str:
    """The tsvector (in PostgreSQL's input syntax) of an article's search form: FTS5's tokens, title at
    positions 1.. with weight A, body after a gap (so that no phrase spans the two) with weight D."""
    positions: dict[str, list[str]] = {}
    size = 0
    title_tokens = tokenize(title_form)
    for weight, tokens, first in (("A", title_tokens, 1), ("", tokenize(body_form), len(title_tokens) + 2)):
        for k, (term, _s, _e) in enumerate(tokens):
            pos = min(first + k, _MAX_POS)
            have = positions.get(term)
            if have is None:
                n = len(term.encode("utf-8"))
                if n > _MAX_LEXEME_BYTES or size + n > _MAX_TSVECTOR_BYTES:
                    continue
                size += n + 8
                have = positions[term] = []
            if len(have) < _MAX_POSITIONS and size < _MAX_TSVECTOR_BYTES:
                entry = f"{pos}{weight}"
                if not have or have[-1] != entry:
                    have.append(entry)
                    size += 2
    return " ".join(f"{_quote(term)}:{','.join(pos)}" for term, pos in positions.items())


def tsquery_text(expr: str | None) -> str | None:
    """The tsquery (input syntax) of an fts_expression; None for no expression, "" for one that matches
    nothing."""
    parsed = parse_query(expr)
    if parsed is None:
        return None
    if not parsed.required:
        return ""

    def phrase(p: Phrase) -> str:
        lexemes = [_quote(t) for t in p.terms]
        if p.prefix:
            lexemes[-1] += ":*"
        return "(" + " <-> ".join(lexemes) + ")" if len(lexemes) > 1 else lexemes[0]

    def either(group: tuple[Phrase, ...]) -> str:
        return phrase(group[0]) if len(group) == 1 else "(" + " | ".join(map(phrase, group)) + ")"

    text = " & ".join(map(either, parsed.required))
    return text + (" & !" + either(parsed.excluded) if parsed.excluded else "")


# ------------------------------------------------------------------------------------------ indexing ----

# An entity's name on a page, as sqlite_backend._ENTITY_NAME (in SQLite's byte order).
_ENTITY_NAME = "(SELECT max(n.name COLLATE \"C\") FROM entity_names n WHERE n.entity_id = {})"
_ENTITY_COUNTS_LOCK = 0x6B68656E  # "khen": any constant shared by every khazar process


def _index_docs(conn: Connection, docs: list[int]) -> int:
    rows = conn.execute("SELECT doc, title, text, article_json FROM articles WHERE doc = ANY(%s) ORDER BY doc",
                        (docs,)).fetchall()
    found = [r[0] for r in rows]
    # The entity counts' trigger (store migration 7) updates shared rows: one indexer at a time.
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_ENTITY_COUNTS_LOCK,))
    for table in ("search_index", "article_entities", "article_topics", "article_quotes", "article_events"):
        conn.execute(f"DELETE FROM {table} WHERE doc = ANY(%s)", (found,))  # table names are the fixed ones above
    index, entities, topics, quotes, events = [], [], [], [], []
    for doc, title, text, article_json in rows:
        index.append((doc, tsvector_text(search_form(title), search_form(text))))
        r = article_rows(article_json)
        for eid, typ, name, name_en, kb_id, mentions, roles_json in r.entities:
            name = _t(name)
            entities.append((doc, _t(eid), _t(typ), name, _t(name_en), _t(kb_id), mentions, _t(roles_json),
                             search_form(name), ascii_lower(_t(name_en) or "")))
        for topic, label in r.topics:
            topics.append((doc, _t(topic), _t(label)))
        for n, speaker, speaker_kb, qtext, kind, start, end in r.quotes:
            speaker = _t(speaker)
            quotes.append((doc, n, speaker, _t(speaker_kb), _t(qtext), _t(kind), _span(start), _span(end),
                           search_form(speaker) if speaker is not None else None))
        for n, typ, label, day, place, place_kb, participants, start, end in r.events:
            events.append((doc, n, _t(typ), _t(label), _t(day), _t(place), _t(place_kb), _t(participants),
                           _span(start), _span(end)))
    with conn.cursor() as cur:
        if index:
            cur.executemany("INSERT INTO search_index (doc, tsv) VALUES (%s, %s::tsvector)", index)
        if entities:
            cur.executemany(
                "INSERT INTO article_entities (doc, entity_id, type, name, name_en, kb_id, mentions, roles_json,"
                " name_form, name_en_form) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", entities)
        if topics:
            cur.executemany("INSERT INTO article_topics (doc, topic, label) VALUES (%s,%s,%s)"
                            " ON CONFLICT DO NOTHING", topics)
        if quotes:
            cur.executemany(
                "INSERT INTO article_quotes (doc, n, speaker, speaker_kb_id, text, kind, span_start, span_end,"
                " speaker_form) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s)", quotes)
        if events:
            cur.executemany(
                "INSERT INTO article_events (doc, n, type, label, date, place, place_kb_id, participants_json,"
                " span_start, span_end) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)", events)
    return len(rows)


def _merge_pending_index_entries(conn: Connection) -> None:
    """Move the GIN index's pending entries into the index proper (in bulk: far cheaper than inserting
    each article's entries one by one with fastupdate off). Searches then find the index cheap and use it;
    with a long pending list the planner prices the index above scanning every row's tsvector. Needs
    ownership of the index; without it, autovacuum does the same later."""
    try:
        with conn.transaction():  # a savepoint: a refusal leaves the indexing done so far intact
            conn.execute("SELECT gin_clean_pending_list('search_index_tsv'::regclass)")
    except errors.InsufficientPrivilege:
        pass


def index_pending(conn: Connection, limit: int | None = None) -> int:
    """Index queued articles (the articles triggers queue them); returns how many. Runs in the caller's
    transaction, committed here when there was none (as sqlite_backend.index_pending). Each queued article
    is taken with FOR UPDATE SKIP LOCKED, so that processes indexing at once never index one twice."""
    with own_transaction(conn):
        if conn.execute("SELECT 1 FROM search_pending LIMIT 1").fetchone() is None:
            return 0
        done = 0
        while limit is None or done < limit:
            take = _INDEX_CHUNK if limit is None else min(_INDEX_CHUNK, limit - done)
            docs = [d for (d,) in conn.execute(
                "DELETE FROM search_pending WHERE doc IN (SELECT doc FROM search_pending ORDER BY doc LIMIT %s"
                " FOR UPDATE SKIP LOCKED) RETURNING doc", (take,))]
            if not docs:
                break
            done += _index_docs(conn, sorted(docs))
        if done:
            _merge_pending_index_entries(conn)
    return done


def reindex(conn: Connection) -> int:
    """Rebuild the whole index in one transaction: readers see the old index until it commits."""
    with own_transaction(conn):
        conn.execute("DELETE FROM search_index")
        conn.execute("INSERT INTO search_pending (doc) SELECT doc FROM articles ON CONFLICT DO NOTHING")
        return index_pending(conn)


# -------------------------------------------------------------------------------------------- search ----

def _date_param(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise QueryError(f"{name}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _filters(sq: SearchQuery) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if sq.date_from:
        where.append("a.published >= %s")
        args.append(_date_param(sq.date_from, "from"))
    if sq.date_to:
        where.append("a.published <= %s")
        args.append(_date_param(sq.date_to, "to"))
    if sq.outlet:
        where.append("(a.outlet_kb_id = %s OR a.outlet = %s)")
        args += [_t(sq.outlet), _t(sq.outlet)]
    if sq.entity:
        where.append("a.doc IN (SELECT doc FROM article_entities WHERE entity_id = %s)")
        args.append(_t(sq.entity))
    if sq.topic:
        where.append("a.doc IN (SELECT doc FROM article_topics WHERE topic = %s)")
        args.append(_t(sq.topic))
    if sq.story:
        where.append("a.doc IN (SELECT doc FROM story_articles WHERE story_id = %s)")
        args.append(_t(sq.story))
    return where, args


_TEXT_SOURCE = "search_index s JOIN articles a ON a.doc = s.doc"
_DATE_ORDER = "a.published DESC NULLS LAST, a.doc DESC"


def _text_condition(tsq: str) -> tuple[str, list[Any]]:
    if tsq == "":
        return "FALSE", []
    return "s.tsv @@ %s::tsquery", [tsq]


def search(conn: Connection, sq: SearchQuery, ranked_docs: list[int] | None = None) -> SearchPage:
    """One page of results with total and facets, as sqlite_backend.search. `ranked_docs` (semantic
    search) replaces the text match: only those docs, in that order."""
    sq.validate()
    notes: list[str] = []
    where, args = _filters(sq)
    expr = fts_expression(sq.q) if ranked_docs is None else None
    tsq = tsquery_text(expr)
    score_sql, score_args = "NULL::float4", []
    if ranked_docs is not None:
        source = "articles a JOIN unnest(%s::bigint[]) WITH ORDINALITY AS r(doc, ord) ON r.doc = a.doc"
        src_args: list[Any] = [list(ranked_docs)]
        order = "r.ord" if sq.sort == "relevance" else _DATE_ORDER
    elif tsq is not None:
        source, src_args = _TEXT_SOURCE, []
        cond, cond_args = _text_condition(tsq)
        where.insert(0, cond)
        args = cond_args + args
        if tsq and sq.sort == "relevance":  # as SQLite: a score only where the hits are ranked by it
            score_sql, score_args = _RANK, [tsq]
        order = "score DESC, a.doc" if sq.sort == "relevance" else _DATE_ORDER
    else:
        if sq.q.strip():
            notes.append("the query has no searchable words; showing all articles")
        source, src_args = "articles a", []
        order = _DATE_ORDER
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    # One statement, one evaluation of the match: the matches (doc numbers and the few columns sorting and
    # the outlet facet need) are materialised once, and the total, the page and the facets are read off
    # them. Above FACET_SAMPLE matches the facets count every k-th doc number and are scaled, as SQLite's.
    order = order.replace("a.", "m.").replace("r.ord", "m.ord")
    ord_col = ", r.ord AS ord" if ranked_docs is not None else ""
    sample = f"t.total <= {FACET_SAMPLE} OR m.doc %% ((t.total + {FACET_SAMPLE - 1}) / {FACET_SAMPLE}) = 0"
    facet_sql = (
        f", (SELECT coalesce(json_agg(json_build_array(v, label, c) ORDER BY c DESC, v), '[]') FROM ("
        f"SELECT ov COLLATE \"C\" AS v, max(outlet COLLATE \"C\") AS label, count(*) AS c FROM f"
        f" WHERE ov IS NOT NULL GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT {FACET_LIMIT}) x)"
        f", (SELECT coalesce(json_agg(json_build_array(v, label, c) ORDER BY c DESC, v), '[]') FROM ("
        f"SELECT topic COLLATE \"C\" AS v, max(label COLLATE \"C\") AS label, count(*) AS c FROM article_topics"
        f" WHERE doc IN (SELECT doc FROM f) GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT {FACET_LIMIT}) x)"
        f", (SELECT coalesce(json_agg(json_build_array(v, {_ENTITY_NAME.format('v')}, s.type, c) ORDER BY c DESC, v),"
        f" '[]') FROM (SELECT entity_id COLLATE \"C\" AS v, count(*) AS c FROM article_entities"
        f" WHERE doc IN (SELECT doc FROM f) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {FACET_LIMIT}) x"
        f" LEFT JOIN entity_stats s ON s.entity_id = x.v)") if sq.facets else ", NULL, NULL, NULL"
    with index_scans(conn, bool(tsq)):
        row = conn.execute(
            f"WITH m AS MATERIALIZED (SELECT a.doc, a.published, coalesce(a.outlet_kb_id, a.outlet) AS ov, a.outlet,"
            f" {score_sql} AS score{ord_col} FROM {source}{cond}),"
            f" t AS (SELECT count(*) AS total FROM m),"
            f" f AS MATERIALIZED (SELECT m.doc, m.ov, m.outlet FROM m, t WHERE {sample})"
            f" SELECT (SELECT total FROM t), (SELECT count(*) FROM f),"
            f" (SELECT coalesce(json_agg(json_build_array(m.doc, m.score) ORDER BY {order}), '[]') FROM ("
            f"SELECT * FROM m ORDER BY {order} LIMIT %s OFFSET %s) m){facet_sql}",
            score_args + src_args + args + [sq.size, (sq.page - 1) * sq.size]).fetchone()
    total, sampled, page_rows, outlet_facet, topic_facet, entity_facet = row
    page_docs = [d for d, _score in page_rows]
    scores = {d: sc for d, sc in page_rows if sc is not None}
    meta = {r[0]: r[1:] for r in conn.execute(
        "SELECT doc, id, title, outlet, published, text FROM articles WHERE doc = ANY(%s)", (page_docs,))} \
        if page_docs else {}
    phrases = (parse_expression(expr) if tsq else None) or []
    hits = []
    for doc in page_docs:
        if doc not in meta:
            continue
        aid, title, outlet, published, text = meta[doc]
        marked = snippet([search_form(title), search_form(text)], phrases) if phrases else None
        score = round(float(scores[doc]), 4) + 0.0 if doc in scores else None
        hits.append(page_hit(aid, title, outlet, _day(published), text, marked, phrases, score))
    facets: dict[str, list[dict[str, Any]]] = {}
    estimated = bool(total) and total > FACET_SAMPLE
    if sq.facets and total:
        scale = total / max(sampled, 1) if estimated else 1.0

        def scaled(c: int) -> int:
            return max(1, round(c * scale)) if estimated else c

        facets["outlet"] = [{"value": v, "label": label, "count": scaled(c)} for v, label, c in outlet_facet]
        facets["topic"] = [{"value": v, "label": label or v, "count": scaled(c)} for v, label, c in topic_facet]
        facets["entity"] = [{"value": v, "label": label, "type": typ, "count": scaled(c)}
                            for v, label, typ, c in entity_facet]
    else:
        estimated = False
    return SearchPage(total, hits, facets, sq.page, sq.size, notes, facets_estimated=estimated)


def timeline(conn: Connection, sq: SearchQuery, ranked_docs: list[int] | None = None) -> list[tuple[str, int]]:
    """Article counts per publication day for everything the query matches (as sqlite_backend.timeline)."""
    where, args = _filters(sq)
    tsq = tsquery_text(fts_expression(sq.q))
    if tsq is not None and ranked_docs is None:
        source = _TEXT_SOURCE
        cond, cond_args = _text_condition(tsq)
        where.insert(0, cond)
        args = cond_args + args
    else:
        source = "articles a"
    where.append("a.published IS NOT NULL")
    cond = " WHERE " + " AND ".join(where)
    with index_scans(conn, source == _TEXT_SOURCE and tsq != ""):
        rows = conn.execute(f"SELECT a.published, count(*) FROM {source}{cond} GROUP BY 1 ORDER BY 1", args).fetchall()
    return [(_day(d), c) for d, c in rows]


def place_counts(conn: Connection, sq: SearchQuery) -> tuple[list[tuple[str, str, str | None, int]], bool]:
    """(entity id, name, kb id, articles) of the places mentioned in everything the query matches, with the
    timeline's filters (the search page's map), and whether they are estimated: as sqlite_backend.place_counts
    (the same sample above FACET_SAMPLE matches; every article: entity_stats)."""
    where, args = _filters(sq)
    tsq = tsquery_text(fts_expression(sq.q))
    if tsq is None and not where:
        return [tuple(r) for r in conn.execute(
            f"SELECT s.entity_id COLLATE \"C\", {_ENTITY_NAME.format('s.entity_id')}, s.kb_id, s.articles"
            " FROM entity_stats s WHERE s.type = 'LOC'")], False
    source = "articles a"
    if tsq is not None:
        source = _TEXT_SOURCE
        cond, cond_args = _text_condition(tsq)
        where.insert(0, cond)
        args = cond_args + args
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    with index_scans(conn, source == _TEXT_SOURCE and tsq != ""):
        total = conn.execute(f"SELECT count(*) FROM {source}{cond}", args).fetchone()[0]
        estimated = total > FACET_SAMPLE
        if estimated:
            cond += (" AND" if cond else " WHERE") + " a.doc %% %s = 0"
            args = args + [-(-total // FACET_SAMPLE)]
        rows = conn.execute(
            "SELECT entity_id COLLATE \"C\", max(name COLLATE \"C\"), max(kb_id COLLATE \"C\"), count(*)"
            f" FROM article_entities WHERE type = 'LOC' AND doc IN (SELECT a.doc FROM {source}{cond}) GROUP BY entity_id",
            args).fetchall()
        if not estimated:
            return rows, False
        sampled = conn.execute(f"SELECT count(*) FROM {source}{cond}", args).fetchone()[0]
    scale = total / max(sampled, 1)
    return [(e, n, k, max(1, round(c * scale))) for e, n, k, c in rows], True


# ---------------------------------------------------------------------------------- entities & co. ----

def _page(size: int, page: int) -> tuple[int, int]:
    return size, (page - 1) * size


def list_entities(conn: Connection, q: str | None, page: int, size: int) -> tuple[int, list[dict[str, Any]]]:
    """As sqlite_backend.list_entities: from entity_stats and entity_names, which the trigger keeps."""
    cond, args = "", []
    if q:
        # As SQLite: a name in search form, the English name with ASCII case ignored, or the id itself.
        cond = (" WHERE s.entity_id IN (SELECT entity_id FROM entity_names WHERE name_form LIKE %s ESCAPE '\\')"
                " OR s.name_en_form LIKE %s ESCAPE '\\' OR s.entity_id = %s")
        args = [_t(_like(search_form(q))), _t(_like(q.lower())), _t(q)]
    total = conn.execute(f"SELECT count(*) FROM entity_stats s{cond}", args).fetchone()[0]
    lim, off = _page(size, page)
    rows = conn.execute(
        f"SELECT s.entity_id COLLATE \"C\", {_ENTITY_NAME.format('s.entity_id')}, s.name_en, s.type, s.kb_id,"
        " s.articles, s.mentions"
        f" FROM entity_stats s{cond} ORDER BY s.articles DESC, 1 LIMIT %s OFFSET %s", args + [lim, off]).fetchall()
    return total, [{"id": r[0], "name": r[1], "name_en": r[2], "type": r[3], "kb_id": r[4], "articles": r[5],
                    "mentions": int(r[6]) if r[6] is not None else None} for r in rows]


def _refs(rows: Iterable[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [{"id": i, "title": t, "outlet": o, "published": _day(p)} for i, t, o, p in rows]


def _article_refs(conn: Connection, docs: Iterable[int]) -> dict[int, dict[str, Any]]:
    docs = list(docs)
    if not docs:
        return {}
    rows = conn.execute("SELECT doc, id, title, outlet, published FROM articles WHERE doc = ANY(%s)", (docs,))
    return {d: {"id": i, "title": t, "outlet": o, "published": _day(p)} for d, i, t, o, p in rows}


def get_entity(conn: Connection, entity_id: str, limit: int = 50) -> dict[str, Any] | None:
    rows = [(*r[:7], _day(r[7])) for r in conn.execute(
        "SELECT e.doc, e.name, e.name_en, e.type, e.kb_id, e.mentions, e.roles_json, a.published"
        " FROM article_entities e JOIN articles a ON a.doc = e.doc WHERE e.entity_id = %s ORDER BY e.doc",
        (_t(entity_id),))]
    if not rows:
        return None
    names, roles = tally_entity_rows(rows)
    docs = [r[0] for r in rows]
    articles = _refs(conn.execute(
        "SELECT id, title, outlet, published FROM articles WHERE doc = ANY(%s)"
        " ORDER BY published DESC NULLS LAST, doc DESC LIMIT %s", (docs, limit)))
    co = [{"id": e, "name": n, "type": t, "count": c} for e, n, t, c in conn.execute(
        f"SELECT c.e, {_ENTITY_NAME.format('c.e')}, s.type, c.n"
        " FROM (SELECT entity_id COLLATE \"C\" AS e, count(*) AS n FROM article_entities WHERE doc = ANY(%s)"
        " AND entity_id <> %s GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 30) c"
        " LEFT JOIN entity_stats s ON s.entity_id = c.e ORDER BY c.n DESC, c.e", (docs, _t(entity_id)))]
    kb_id = rows[0][4]
    name = max(names, key=names.get)
    quotes = _quotes(conn, "q.speaker_kb_id = %s" if kb_id else "q.speaker = %s", [kb_id or name], limit, 0)
    if kb_id:
        # SQLite: participants_json LIKE '%<kb id as JSON>%' (no escape character)
        conds, cargs = ["(place_kb_id = %s OR participants_json LIKE %s ESCAPE '')"], \
            [_t(entity_id), _t(f"%{json.dumps(kb_id)[1:-1]}%")]
    else:
        conds, cargs = ["place_kb_id = %s"], [_t(entity_id)]
    events = _events(conn, conds, cargs, limit, 0)
    return entity_page(entity_id, rows, names, roles, articles=articles, co_mentioned=co, quotes=quotes,
                       events=events)


def _quotes(conn: Connection, cond: str | None, args: list[Any], limit: int, offset: int) -> list[dict[str, Any]]:
    where = f" WHERE {cond}" if cond else ""
    rows = conn.execute(
        "SELECT q.doc, q.speaker, q.speaker_kb_id, q.text, q.kind, q.span_start, q.span_end FROM article_quotes q"
        f" JOIN articles a ON a.doc = q.doc{where} ORDER BY a.published DESC NULLS LAST, q.doc DESC, q.n"
        " LIMIT %s OFFSET %s", args + [limit, offset]).fetchall()
    refs = _article_refs(conn, {r[0] for r in rows})
    return [{"speaker": s, "speaker_kb_id": kb, "text": t, "kind": k, "start": _unspan(st), "end": _unspan(en),
             "article": refs.get(d)}
            for d, s, kb, t, k, st, en in rows]


def list_quotes(conn: Connection, speaker: str | None, page: int, size: int) -> tuple[int, list[dict[str, Any]]]:
    cond, args = None, []
    if speaker:
        # speaker_form without its spaces is fold.search_name(speaker): a name contains the query's
        cond = "(q.speaker_kb_id = %s OR strpos(replace(q.speaker_form, ' ', ''), %s) > 0)"
        args = [_t(speaker), _t(search_name(speaker))]
    where = f" WHERE {cond}" if cond else ""
    total = conn.execute(f"SELECT count(*) FROM article_quotes q{where}", args).fetchone()[0]
    lim, off = _page(size, page)
    return total, _quotes(conn, cond, args, lim, off)


def _events(conn: Connection, conds: list[str], args: list[Any], limit: int, offset: int) -> list[dict[str, Any]]:
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    rows = conn.execute(
        "SELECT doc, type, label, date, place, place_kb_id, participants_json, span_start, span_end"
        f" FROM article_events{where} ORDER BY date COLLATE \"C\" DESC NULLS LAST, doc DESC, n LIMIT %s OFFSET %s",
        args + [limit, offset]).fetchall()
    refs = _article_refs(conn, {r[0] for r in rows})
    return [{"type": t, "label": lab, "date": dt, "place": pl, "place_kb_id": pk,
             "participants": json.loads(pj or "[]"), "start": _unspan(st), "end": _unspan(en), "article": refs.get(d)}
            for d, t, lab, dt, pl, pk, pj, st, en in rows]


def _event_conds(date_from: str | None, date_to: str | None, place: str | None,
                 event_type: str | None) -> tuple[list[str], list[Any]]:
    conds, args = [], []
    if date_from:
        conds.append("date COLLATE \"C\" >= %s")
        args.append(_t(date_from))
    if date_to:
        conds.append("date COLLATE \"C\" <= %s")
        args.append(_t(date_to) + "\uffff")
    if place:
        conds.append("(place_kb_id = %s OR place = %s)")
        args += [_t(place), _t(place)]
    if event_type:
        conds.append("type = %s")
        args.append(_t(event_type))
    return conds, args


def list_events(conn: Connection, date_from: str | None, date_to: str | None, place: str | None,
                page: int, size: int, event_type: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    conds, args = _event_conds(date_from, date_to, place, event_type)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    total = conn.execute(f"SELECT count(*) FROM article_events{where}", args).fetchone()[0]
    lim, off = _page(size, page)
    return total, _events(conn, conds, args, lim, off)


_STORY_COLUMNS = ("id", "label", "start", "end", "size", "entities_json", "updated_at")
_STORY_SELECT = 'SELECT id, label, start, "end", size, entities_json, updated_at FROM stories'


_STORY_ORDER = {"recent": 'ORDER BY "end" COLLATE "C" DESC NULLS LAST, size DESC, id COLLATE "C"',
                "size": 'ORDER BY size DESC, "end" COLLATE "C" DESC NULLS LAST, id COLLATE "C"'}


def list_stories(conn: Connection, page: int, size: int, min_size: int = 1,
                 order: str = "recent") -> tuple[int, list[dict[str, Any]]]:
    total = conn.execute("SELECT count(*) FROM stories WHERE size >= %s", (min_size,)).fetchone()[0]
    lim, off = _page(size, page)
    rows = [dict(zip(_STORY_COLUMNS, r)) for r in conn.execute(
        f"{_STORY_SELECT} WHERE size >= %s {_STORY_ORDER[order]} LIMIT %s OFFSET %s", (min_size, lim, off))]
    flagged = contradiction_counts(conn, [r["id"] for r in rows])
    return total, [{**r, "contradictions": flagged.get(r["id"], 0)} for r in rows]


def get_story(conn: Connection, story_id: str) -> dict[str, Any] | None:
    row = conn.execute(f"{_STORY_SELECT} WHERE id = %s", (_t(story_id),)).fetchone()
    if row is None:
        return None
    story = dict(zip(_STORY_COLUMNS, row))
    story["articles"] = _refs(conn.execute(
        "SELECT a.id, a.title, a.outlet, a.published FROM story_articles s JOIN articles a ON a.doc = s.doc"
        " WHERE s.story_id = %s ORDER BY a.published NULLS FIRST, a.doc", (_t(story_id),)))
    return story


def kb_candidates(conn: Connection, min_articles: int = 2, limit: int = 100) -> list[dict[str, Any]]:
    """As SQLiteStore.kb_candidates: names without a knowledge-base record in at least `min_articles`
    articles, most attested first, with (article id, mention offset) examples."""
    rows = conn.execute(
        "SELECT a.entity_id COLLATE \"C\", (SELECT b.name COLLATE \"C\" FROM article_entities b"
        " WHERE b.entity_id = a.entity_id GROUP BY b.name ORDER BY count(*) DESC, b.name COLLATE \"C\" LIMIT 1),"
        " max(type COLLATE \"C\"), count(DISTINCT doc), sum(mentions), array_agg(doc ORDER BY doc)"
        " FROM article_entities a WHERE kb_id IS NULL GROUP BY a.entity_id"
        " HAVING count(DISTINCT doc) >= %s ORDER BY 4 DESC, 5 DESC, 1 LIMIT %s", (min_articles, limit)).fetchall()

    def article_of(doc: int) -> tuple[str, str]:
        return conn.execute("SELECT id, article_json FROM articles WHERE doc = %s", (doc,)).fetchone()

    return [kb_candidate(*row[:5], row[5], article_of) for row in rows]


# ------------------------------------------------------------------------------------------- vectors ----

def docs_without_vectors(conn: Connection, model: str, limit: int) -> list[tuple[int, str, str]]:
    return conn.execute(
        "SELECT a.doc, a.title, a.text FROM articles a LEFT JOIN article_vectors v ON v.doc = a.doc AND v.model = %s"
        " WHERE v.doc IS NULL ORDER BY a.doc LIMIT %s", (model, limit)).fetchall()


def put_vectors(conn: Connection, model: str, rows: Iterable[tuple[int, bytes]]) -> None:
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO article_vectors (doc, model, vec) VALUES (%s, %s, %s) ON CONFLICT (doc)"
                        " DO UPDATE SET model = excluded.model, vec = excluded.vec",
                        [(d, model, bytes(v)) for d, v in rows])


def load_vectors(conn: Connection, model: str) -> list[tuple[int, bytes]]:
    return [(d, bytes(v)) for d, v in conn.execute(
        "SELECT doc, vec FROM article_vectors WHERE model = %s ORDER BY doc", (model,))]


def vector_stamp(conn: Connection, model: str) -> tuple[int, int | None]:
    return tuple(conn.execute("SELECT count(*), max(doc) FROM article_vectors WHERE model = %s",
                              (model,)).fetchone())


# -------------------------------------------------------------------------------------------- corpus ----
# The counterpart of khazar/corpus/sqlite_corpus.py. SQLite hands rows back in rowid order where its
# queries have no ORDER BY, and INSERT OR REPLACE gives a replaced row a new rowid; the `seq` columns
# (one sequence, taken again on every replace) give PostgreSQL the same order.

def corpus_load(conn: Connection) -> dict[str, Any]:
    df = {k: v for k, v in conn.execute("SELECT key, df FROM corpus_df ORDER BY seq")}
    n = int(df.pop("", 0))
    stories = [json.loads(s) for (s,) in conn.execute("SELECT state_json FROM story_state ORDER BY seq")]
    docs = [(i, _day(p), bytes(mh) if mh is not None else None, bytes(sh) if sh is not None else None, dup, sim)
            for i, p, mh, sh, dup, sim in conn.execute(
                "SELECT a.id, a.published, c.minhash, c.shingles, c.duplicate_of, c.similarity"
                " FROM corpus_docs c JOIN articles a ON a.doc = c.doc"
                " ORDER BY a.published NULLS FIRST, a.id COLLATE \"C\"")]
    return {"n": n, "df": df, "stories": stories, "docs": docs}


def corpus_pending(conn: Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM corpus_docs c WHERE c.doc = a.doc)"
        " ORDER BY published IS NULL, published, id COLLATE \"C\"")]


def corpus_save(conn: Connection, changes: dict[str, Any]) -> None:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")

    def doc_of(article_id: str) -> int | None:
        row = conn.execute("SELECT doc FROM articles WHERE id = %s", (_t(article_id),)).fetchone()
        return row[0] if row else None

    for article_id, mh, sh, dup, sim in changes.get("docs", []):
        doc = doc_of(article_id)
        if doc is not None:
            conn.execute(
                "INSERT INTO corpus_docs (doc, minhash, shingles, duplicate_of, similarity) VALUES (%s,%s,%s,%s,%s)"
                " ON CONFLICT (doc) DO UPDATE SET minhash = excluded.minhash, shingles = excluded.shingles,"
                " duplicate_of = excluded.duplicate_of, similarity = excluded.similarity",
                (doc, mh, sh, _t(dup), sim))
    for article_id, dup, sim in changes.get("links", []):
        doc = doc_of(article_id)
        if doc is not None:
            conn.execute("UPDATE corpus_docs SET duplicate_of = %s, similarity = %s WHERE doc = %s",
                         (_t(dup), sim, doc))
    df = list(changes.get("df", {}).items())
    if df:
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO corpus_df (key, df) VALUES (%s, %s)"
                            " ON CONFLICT (key) DO UPDATE SET df = corpus_df.df + excluded.df",
                            [(_t(k), v) for k, v in df])
    for gone in changes.get("gone", []):  # stories folded into another one
        conn.execute("DELETE FROM stories WHERE id = %s", (_t(gone),))
        conn.execute("DELETE FROM story_state WHERE story_id = %s", (_t(gone),))
        conn.execute("DELETE FROM story_articles WHERE story_id = %s", (_t(gone),))
        conn.execute("DELETE FROM corpus_items WHERE (kind = 'story' AND id = %s) OR story_id = %s",
                     (_t(gone), _t(gone)))
    for desc, state in changes.get("stories", []):
        conn.execute(
            'INSERT INTO stories (id, label, start, "end", size, entities_json, updated_at)'
            " VALUES (%s,%s,%s,%s,%s,%s,%s)"
            ' ON CONFLICT (id) DO UPDATE SET label = excluded.label, start = excluded.start, "end" = excluded."end",'
            " size = excluded.size, entities_json = excluded.entities_json, updated_at = excluded.updated_at,"
            " seq = nextval('khazar_rowid')",
            (_t(desc["id"]), _t(desc["label"]), _t(desc["start"]), _t(desc["end"]), len(desc["docs"]),
             _t(json.dumps(desc["entities"], ensure_ascii=False)), now))
        conn.execute("INSERT INTO story_state (story_id, state_json) VALUES (%s, %s) ON CONFLICT (story_id)"
                     " DO UPDATE SET state_json = excluded.state_json, seq = nextval('khazar_rowid')",
                     (_t(desc["id"]), json.dumps(state, ensure_ascii=False)))
        docs = [d for d in (doc_of(a) for a in desc["docs"]) if d is not None]
        if docs:
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO story_articles (story_id, doc) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                                [(_t(desc["id"]), d) for d in docs])
    _save_items(conn, changes)


def _save_items(conn: Connection, changes: dict[str, Any]) -> None:
    """As khazar/corpus/sqlite_corpus.py's: stories, contradictions of the stories given, all series."""
    upsert = ("INSERT INTO corpus_items (kind, id, story_id, day, data_json) VALUES (%s,%s,%s,%s,%s)"
              " ON CONFLICT (kind, id) DO UPDATE SET story_id = excluded.story_id, day = excluded.day,"
              " data_json = excluded.data_json")
    with conn.cursor() as cur:
        for desc, _state in changes.get("stories", []):
            cur.execute(upsert, ("story", _t(desc["id"]), None, _t(desc.get("end")),
                                 _t(json.dumps(desc, ensure_ascii=False))))
        for story_id, found in changes.get("contradictions", {}).items():
            cur.execute("DELETE FROM corpus_items WHERE kind = 'contradiction' AND story_id = %s", (_t(story_id),))
            for c in found:
                cur.execute(upsert, ("contradiction", _t(c["id"]), _t(story_id), _t(c.get("day")),
                                     _t(json.dumps(c, ensure_ascii=False))))
        if "series" in changes:
            cur.execute("DELETE FROM corpus_items WHERE kind = 'series'")
            for x in changes["series"]:
                cur.execute(upsert, ("series", _t(x["id"]), None, _t(x.get("end")),
                                     _t(json.dumps(x, ensure_ascii=False))))


def corpus_items(conn: Connection, kind: str, story_id: str | None, page: int, size: int
                 ) -> tuple[int, list[dict[str, Any]]]:
    where, args = "kind = %s", [kind]
    if story_id is not None:
        where, args = where + " AND story_id = %s", args + [_t(story_id)]
    total = conn.execute(f"SELECT count(*) FROM corpus_items WHERE {where}", args).fetchone()[0]
    lim, off = _page(size, page)
    rows = conn.execute(f"SELECT data_json FROM corpus_items WHERE {where}"
                        " ORDER BY day DESC NULLS LAST, id COLLATE \"C\" LIMIT %s OFFSET %s", [*args, lim, off])
    return total, [json.loads(r) for (r,) in rows]


def corpus_item(conn: Connection, kind: str, item_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT data_json FROM corpus_items WHERE kind = %s AND id = %s",
                       (kind, _t(item_id))).fetchone()
    return json.loads(row[0]) if row else None


def corpus_duplicates(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT a.id, c.duplicate_of, c.similarity, a.outlet, a.published FROM corpus_docs c"
        " JOIN articles a ON a.doc = c.doc WHERE c.duplicate_of IS NOT NULL ORDER BY a.id COLLATE \"C\"")
    return [{"doc": d, "duplicate_of": o, "similarity": round(s or 0.0, 3), "outlet": outlet, "published": _day(p)}
            for d, o, s, outlet, p in rows]


# --- the workbench pages (khazar/web), as sqlite_backend's ------------------------------------------------

def latest_day(conn: Connection) -> str | None:
    row = conn.execute("SELECT max(published) FROM articles").fetchone()
    return _day(row[0]) if row else None


def top_stories(conn: Connection, limit: int, min_outlets: int = 2) -> list[dict[str, Any]]:
    rows = conn.execute(
        'SELECT id, label, start, "end", size, outlets FROM (SELECT s.id, s.label, s.start, s."end", s.size,'
        " (SELECT count(DISTINCT coalesce(a.outlet_kb_id, a.outlet)) FROM story_articles sa"
        " JOIN articles a ON a.doc = sa.doc WHERE sa.story_id = s.id) AS outlets FROM stories s WHERE s.size >= %s) t"
        ' WHERE outlets >= %s ORDER BY "end" COLLATE "C" DESC NULLS LAST, outlets DESC, size DESC, id COLLATE "C"'
        " LIMIT %s", (min_outlets, min_outlets, limit)).fetchall()
    ids = [r[0] for r in rows]
    names = {i: sorted(x for x in n if x) for i, n in conn.execute(
        "SELECT sa.story_id, coalesce(json_agg(DISTINCT a.outlet) FILTER (WHERE a.outlet IS NOT NULL), '[]')"
        " FROM story_articles sa JOIN articles a ON a.doc = sa.doc WHERE sa.story_id = ANY(%s) GROUP BY sa.story_id",
        (ids,))}
    flagged = contradiction_counts(conn, ids)
    return [{"id": i, "label": lab, "start": st, "end": en, "size": n, "outlets": o, "outlet_names": names.get(i, []),
             "contradictions": flagged.get(i, 0)} for i, lab, st, en, n, o in rows]


def contradiction_counts(conn: Connection, story_ids: list[str]) -> dict[str, int]:
    return dict(conn.execute("SELECT story_id, count(*) FROM corpus_items WHERE kind = 'contradiction'"
                             " AND story_id = ANY(%s) GROUP BY story_id", (story_ids,)).fetchall())


def stories_of(conn: Connection, article_id: str) -> list[dict[str, Any]]:
    return [{"id": i, "label": lab, "size": n} for i, lab, n in conn.execute(
        "SELECT s.id, s.label, s.size FROM articles a JOIN story_articles sa ON sa.doc = a.doc"
        ' JOIN stories s ON s.id = sa.story_id WHERE a.id = %s ORDER BY s.size DESC, s.id COLLATE "C"',
        (_t(article_id),))]


def find_quotes(conn: Connection, speaker_ids: list[str], speaker: str | None, words: list[str],
                page: int, size: int) -> tuple[int, list[dict[str, Any]]]:
    """As sqlite_backend.find_quotes. The quote's text has no stored search form here: its words are
    compared with the ZWNJ taken out, which is the difference that matters in practice."""
    conds, args = [], []
    if speaker_ids:
        conds.append("q.speaker_kb_id = ANY(%s)")
        args.append([_t(i) for i in speaker_ids])
    elif speaker is not None:
        conds.append("(' ' || q.speaker_form || ' ') LIKE %s")
        args.append(_like(f" {search_form(speaker)} "))
    for w in words:
        conds.append("replace(q.text, U&'\\200C', '') LIKE %s")
        args.append(_like(_t(w)))
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    total = conn.execute(f"SELECT count(*) FROM article_quotes q{where}", args).fetchone()[0]
    lim, off = _page(size, page)
    rows = _quotes(conn, " AND ".join(conds) or None, args, lim, off)
    ids = [r["article"]["id"] for r in rows if r.get("article")]
    texts = dict(conn.execute("SELECT id, text FROM articles WHERE id = ANY(%s)", (ids,)).fetchall()) if ids else {}
    return total, [{**r, "context": quote_context(texts.get((r.get("article") or {}).get("id")), r)} for r in rows]


def event_counts(conn: Connection, date_from: str | None, date_to: str | None, place: str | None,
                 event_type: str | None) -> dict[str, list[tuple[str, int]]]:
    conds, args = _event_conds(date_from, date_to, place, None)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    types = [tuple(r) for r in conn.execute(
        f"SELECT coalesce(type, '') COLLATE \"C\", n FROM (SELECT type, count(*) AS n FROM article_events{where}"
        " GROUP BY type) AS t ORDER BY 2 DESC, 1", args)]
    conds, args = _event_conds(date_from, date_to, place, event_type)
    conds.append("length(date) >= 10")
    days = [tuple(r) for r in conn.execute(
        f"SELECT substr(date, 1, 10) COLLATE \"C\", count(*) FROM article_events WHERE {' AND '.join(conds)}"
        " GROUP BY 1 ORDER BY 1", args)]
    return {"types": types, "days": days}


def entity_graph(conn: Connection, types: list[str], date_from: str | None, date_to: str | None,
                 around: str | None, limit: int) -> dict[str, Any]:
    conds, args = [], []
    if date_from:
        conds.append("a.published >= %s::date")
        args.append(_t(date_from))
    if date_to:
        conds.append("a.published <= %s::date")
        args.append(_t(date_to))
    if around:
        conds.append("a.doc IN (SELECT doc FROM article_entities WHERE entity_id = %s)")
        args.append(_t(around))
    in_docs = (" AND {col} IN (SELECT a.doc FROM articles a WHERE " + " AND ".join(conds) + ")") if conds else ""
    nodes = [{"id": e, "name": n, "type": t, "count": c} for e, n, t, c in conn.execute(
        'SELECT entity_id COLLATE "C", max(name COLLATE "C"), max(type COLLATE "C"), count(DISTINCT doc)'
        " FROM article_entities WHERE type = ANY(%s) AND entity_id NOT LIKE 'out:%%'"
        f"{in_docs.format(col='doc')} GROUP BY 1 ORDER BY 4 DESC, 1 LIMIT %s",
        [[_t(t) for t in types]] + args + [limit])]
    ids = [n["id"] for n in nodes]
    edges = [{"a": x, "b": y, "count": c} for x, y, c in conn.execute(
        'SELECT x.entity_id COLLATE "C", y.entity_id COLLATE "C", count(*) FROM article_entities x'
        ' JOIN article_entities y ON y.doc = x.doc AND y.entity_id COLLATE "C" > x.entity_id COLLATE "C"'
        f" WHERE x.entity_id = ANY(%s) AND y.entity_id = ANY(%s){in_docs.format(col='x.doc')}"
        " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2", [ids, ids] + args)] if ids else []
    return {"nodes": nodes, "edges": edges}


class PostgresSearch(SearchIndex):
    """The search index of a PostgresStore, which is one (the store mixes it in): every method runs the functions
    above on the store's connection. Each call leaves no transaction open when none was open before (a server's
    connection stays idle, not "idle in transaction"); inside an ingest's open batch it runs in that batch's
    transaction."""

    conn: Connection

    @abstractmethod
    def commit(self) -> None:
        """The store's commit (put_vectors commits, as SQLite's does)."""

    def index_pending(self, limit: int | None = None) -> int:
        """Bring the search index up to date with the articles queued by the triggers; returns how many."""
        return index_pending(self.conn, limit)

    def reindex_search(self) -> int:
        return reindex(self.conn)

    def search(self, query, ranked_docs=None):
        self._catch_up()
        with own_transaction(self.conn):
            return search(self.conn, query, ranked_docs)

    def search_timeline(self, query, ranked_docs=None):
        self._catch_up()
        with own_transaction(self.conn):
            return timeline(self.conn, query, ranked_docs)

    def search_place_counts(self, query) -> tuple[list[tuple], bool]:
        self._catch_up()
        with own_transaction(self.conn):
            return place_counts(self.conn, query)

    def list_entities(self, q=None, page=1, size=20):
        self._catch_up()
        with own_transaction(self.conn):
            return list_entities(self.conn, q, page, size)

    def get_entity(self, entity_id):
        self._catch_up()
        with own_transaction(self.conn):
            return get_entity(self.conn, entity_id)

    def list_quotes(self, speaker=None, page=1, size=20):
        self._catch_up()
        with own_transaction(self.conn):
            return list_quotes(self.conn, speaker, page, size)

    def list_events(self, date_from=None, date_to=None, place=None, page=1, size=20, event_type=None):
        self._catch_up()
        with own_transaction(self.conn):
            return list_events(self.conn, date_from, date_to, place, page, size, event_type)

    def latest_day(self):
        with own_transaction(self.conn):
            return latest_day(self.conn)

    def top_stories(self, limit=12, min_outlets=2):
        with own_transaction(self.conn):
            return top_stories(self.conn, limit, min_outlets)

    def stories_of(self, article_id):
        with own_transaction(self.conn):
            return stories_of(self.conn, article_id)

    def find_quotes(self, speaker_ids, speaker, words, page=1, size=20):
        self._catch_up()
        with own_transaction(self.conn):
            return find_quotes(self.conn, speaker_ids, speaker, words, page, size)

    def event_counts(self, date_from=None, date_to=None, place=None, event_type=None):
        self._catch_up()
        with own_transaction(self.conn):
            return event_counts(self.conn, date_from, date_to, place, event_type)

    def entity_graph(self, types, date_from=None, date_to=None, around=None, limit=40):
        self._catch_up()
        with own_transaction(self.conn):
            return entity_graph(self.conn, types, date_from, date_to, around, limit)

    def list_stories(self, page=1, size=20, min_size=1, order="recent"):
        with own_transaction(self.conn):
            return list_stories(self.conn, page, size, min_size, order)

    def get_story(self, story_id):
        with own_transaction(self.conn):
            return get_story(self.conn, story_id)

    def kb_candidates(self, min_articles: int = 2, limit: int = 100) -> list[dict]:
        self._catch_up()
        with own_transaction(self.conn):
            return kb_candidates(self.conn, min_articles, limit)

    def docs_without_vectors(self, model, limit=256):
        with own_transaction(self.conn):
            return docs_without_vectors(self.conn, model, limit)

    def put_vectors(self, model, rows):
        put_vectors(self.conn, model, rows)
        self.commit()  # as SQLite's put_vectors

    def load_vectors(self, model):
        with own_transaction(self.conn):
            return load_vectors(self.conn, model)

    def vector_stamp(self, model):
        """(count, last doc) of the stored vectors: changes whenever they do; semantic search caches on it."""
        with own_transaction(self.conn):
            return vector_stamp(self.conn, model)
