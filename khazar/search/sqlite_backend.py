"""The search index of the SQLite store: its SQL, and SQLiteSearch, the index class SQLiteStore mixes in.

Every value from a user reaches SQLite as a bound parameter; the only SQL assembled in Python is a choice
between fixed fragments written in this file.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from ..text.fold import search_name
from .article_rows import article_rows, entity_page, kb_candidate, quote_context, tally_entity_rows
from .fts5_text import parse_expression
from .index import SearchIndex
from ..text.fold import search_form
from .query import FACET_LIMIT, FACET_SAMPLE, MARK_CLOSE, MARK_OPEN, SearchPage, SearchQuery, fts_expression, page_hit

# bm25 weights per FTS column: a word in the title counts three times one in the body.
_BM25 = "bm25(search_fts, 3.0, 1.0)"
_SNIPPET = f"snippet(search_fts, -1, '{MARK_OPEN}', '{MARK_CLOSE}', '…', 24)"


def _index_one(conn: sqlite3.Connection, doc: int, title: str, text: str, article_json: str) -> None:
    conn.execute("DELETE FROM search_fts WHERE rowid = ?", (doc,))
    conn.execute("INSERT INTO search_fts (rowid, title, body) VALUES (?, ?, ?)",
                 (doc, search_form(title), search_form(text)))
    for table in ("article_entities", "article_topics", "article_quotes", "article_events"):
        conn.execute(f"DELETE FROM {table} WHERE doc = ?", (doc,))  # table names are the fixed ones above
    rows = article_rows(article_json)
    conn.executemany("INSERT INTO article_entities (doc, entity_id, type, name, name_en, kb_id, mentions, roles_json)"
                     " VALUES (?,?,?,?,?,?,?,?)", [(doc, *r) for r in rows.entities])
    conn.executemany("INSERT INTO article_topics (doc, topic, label) VALUES (?,?,?)", [(doc, *r) for r in rows.topics])
    conn.executemany("INSERT INTO article_quotes (doc, n, speaker, speaker_kb_id, text, kind, span_start, span_end)"
                     " VALUES (?,?,?,?,?,?,?,?)", [(doc, *r) for r in rows.quotes])
    conn.executemany("INSERT INTO article_events (doc, n, type, label, date, place, place_kb_id, participants_json,"
                     " span_start, span_end) VALUES (?,?,?,?,?,?,?,?,?,?)", [(doc, *r) for r in rows.events])


def index_pending(conn: sqlite3.Connection, limit: int | None = None) -> int:
    """Index queued articles; returns how many. Runs in the caller's transaction when one is open (an
    ingest's batch: its articles and their index commit together); otherwise in its own, which takes the
    write lock first (BEGIN IMMEDIATE: a lock it cannot get fails before anything is written) and is
    committed, or rolled back on any failure, so that no connection is ever left inside a transaction."""
    if conn.execute("SELECT 1 FROM search_pending LIMIT 1").fetchone() is None:
        return 0
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN IMMEDIATE")
    try:
        rows = conn.execute(
            "SELECT a.doc, a.title, a.text, a.article_json FROM search_pending p JOIN articles a ON a.doc = p.doc"
            " ORDER BY p.doc LIMIT ?", (-1 if limit is None else limit,)).fetchall()
        for doc, title, text, article_json in rows:
            _index_one(conn, doc, title, text, article_json)
        conn.executemany("DELETE FROM search_pending WHERE doc = ?", [(r[0],) for r in rows])
        # Queued docs whose article is gone (deleted in between) are dropped too.
        conn.execute("DELETE FROM search_pending WHERE doc NOT IN (SELECT doc FROM articles)")
        _fill_name_forms(conn)
    except BaseException:
        if own and conn.in_transaction:
            conn.rollback()
        raise
    if own:
        conn.commit()
    return len(rows)


def reindex(conn: sqlite3.Connection) -> int:
    conn.execute("DELETE FROM search_fts")
    conn.execute("INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(3.0, 1.0)')")
    conn.execute("INSERT OR IGNORE INTO search_pending (doc) SELECT doc FROM articles")
    n = index_pending(conn)
    conn.commit()
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
    conn.commit()
    return n


def _date_range(column: str, date_from: str | None, date_to: str | None) -> tuple[list[str], list[Any]]:
    """Conditions (and their arguments) keeping `column` within the days date_from..date_to, either open."""
    conds: list[str] = []
    args: list[Any] = []
    if date_from:
        conds.append(f"{column} >= ?")
        args.append(date_from)
    if date_to:
        conds.append(f"{column} <= ?")
        args.append(date_to + "\uffff")  # a datetime on the last day still counts
    return conds, args


def _filters(conn: sqlite3.Connection, sq: SearchQuery, notes: list[str]) -> tuple[list[str], list[Any]]:
    where, args = _date_range("a.published", sq.date_from, sq.date_to)
    if sq.outlet:
        where.append("(a.outlet_kb_id = ? OR a.outlet = ?)")
        args += [sq.outlet, sq.outlet]
    if sq.entity:
        where.append("a.doc IN (SELECT doc FROM article_entities WHERE entity_id = ?)")
        args.append(sq.entity)
    if sq.topic:
        where.append("a.doc IN (SELECT doc FROM article_topics WHERE topic = ?)")
        args.append(sq.topic)
    if sq.story:
        where.append("a.doc IN (SELECT doc FROM story_articles WHERE story_id = ?)")
        args.append(sq.story)
    return where, args


# An entity's name on a page: the greatest of the names its articles give (as max(name) over its rows was).
_ENTITY_NAME = "(SELECT max(name) FROM entity_names n WHERE n.entity_id = {})"

# Counting, filtering, sorting and faceting need only these columns of an article; the covering index
# keeps them off the table's pages, which hold the full text and JSON (5-10x slower to walk at 100k articles).
_META = "articles a INDEXED BY articles_search_meta"


def search(conn: sqlite3.Connection, sq: SearchQuery, ranked_docs: list[int] | None = None) -> SearchPage:
    """One page of results with total and facets. `ranked_docs` (semantic search) replaces the text match:
    only those docs, in that order."""
    sq.validate()
    notes: list[str] = []
    where, args = _filters(conn, sq, notes)
    expr = fts_expression(sq.q) if ranked_docs is None else None
    by_date = "a.published DESC, a.doc DESC"
    if ranked_docs is not None:
        source, src_args = f"{_META} JOIN json_each(?) r ON r.value = a.doc", [json.dumps(ranked_docs)]
        order = "r.key" if sq.sort == "relevance" else by_date
    elif expr:
        source, src_args = f"search_fts JOIN {_META} ON a.doc = search_fts.rowid", [expr]
        where.insert(0, "search_fts MATCH ?")
        order = by_date  # relevance: ranked by bm25 below
    else:
        if sq.q.strip():
            notes.append("the query has no searchable words; showing all articles")
        source, src_args = _META, []
        order = by_date
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    all_args = src_args + args
    # Two phases: rank and page on doc numbers alone, then build snippets and read titles for that page
    # only (a snippet or a title in the ranking query would be computed for every match, not 20).
    scores: dict[int, float] = {}
    if expr and sq.sort == "relevance":
        # bm25 needs the whole index's statistics: compute it once, in the ranking query (-bm25: higher is better).
        if not args:
            total = conn.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH ?", src_args).fetchone()[0]
            # An explicit bm25() is a third faster than ORDER BY rank (the same function, configured in
            # migration 3) on a 37k-match query: rank is evaluated again for the sort.
            ranked = conn.execute(f"SELECT rowid, {_BM25} AS s FROM search_fts WHERE search_fts MATCH ?"
                                  " ORDER BY s LIMIT ? OFFSET ?", src_args + [sq.size, (sq.page - 1) * sq.size]).fetchall()
        else:
            total = conn.execute(f"SELECT count(*) FROM {source}{cond}", all_args).fetchone()[0]
            ranked = conn.execute(f"SELECT a.doc, {_BM25} AS s FROM {source}{cond} ORDER BY s LIMIT ? OFFSET ?",
                                  all_args + [sq.size, (sq.page - 1) * sq.size]).fetchall()
        page_docs = [d for d, _ in ranked]
        scores = {d: -s for d, s in ranked}
    else:
        total = conn.execute(f"SELECT count(*) FROM {source}{cond}", all_args).fetchone()[0]
        page_docs = [d for (d,) in conn.execute(f"SELECT a.doc FROM {source}{cond} ORDER BY {order} LIMIT ? OFFSET ?",
                                                all_args + [sq.size, (sq.page - 1) * sq.size])]
    page_json = json.dumps(page_docs)
    marked: dict[int, str] = {}
    if expr:
        marked = dict(conn.execute(f"SELECT rowid, {_SNIPPET} FROM search_fts WHERE search_fts MATCH ?"
                                   " AND rowid IN (SELECT value FROM json_each(?))", [expr, page_json]))
    meta = {d: rest for d, *rest in conn.execute(
        "SELECT doc, id, title, outlet, published, text FROM articles"
        " WHERE doc IN (SELECT value FROM json_each(?))", (page_json,))}
    phrases = parse_expression(expr) or []
    hits = []
    for doc in page_docs:
        if doc not in meta:
            continue
        aid, title, outlet, published, text = meta[doc]
        score = round(scores[doc], 4) + 0.0 if doc in scores else None
        hits.append(page_hit(aid, title, outlet, published, text, marked.get(doc), phrases, score))
    facets: dict[str, list[dict[str, Any]]] = {}
    estimated = False
    if sq.facets and total:
        # The docs to count, read once (at most ~FACET_SAMPLE numbers): every match, or above FACET_SAMPLE
        # every k-th doc number — the FTS rowid when matching text, so no article row is read for the others.
        sample_cond, sample_args = cond, all_args
        if total > FACET_SAMPLE:
            key = "search_fts.rowid" if expr else "a.doc"
            sample_cond = f"{cond}{' AND' if cond else ' WHERE'} {key} % ? = 0"
            sample_args = all_args + [-(-total // FACET_SAMPLE)]
            estimated = True
        # Unfiltered text search: the FTS index alone knows the matches, no join to articles needed.
        from_docs = f"search_fts{sample_cond}" if expr and not args else f"{source}{sample_cond}"
        docs = [d for (d,) in conn.execute(f"SELECT {'rowid' if expr and not args else 'a.doc'} FROM {from_docs}",
                                           sample_args)]
        scale = total / max(len(docs), 1)

        def count(c: int) -> int:
            return max(1, round(c * scale)) if estimated else c

        in_docs = "doc IN (SELECT value FROM json_each(?))"
        docs_arg = [json.dumps(docs)]
        facets["outlet"] = [
            {"value": v, "label": label, "count": count(c)} for v, label, c in conn.execute(
                f"SELECT coalesce(outlet_kb_id, outlet), max(outlet), count(*) FROM {_META}"
                f" WHERE {in_docs} AND coalesce(outlet_kb_id, outlet) IS NOT NULL"
                f" GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT {FACET_LIMIT}", docs_arg)]
        facets["topic"] = [
            {"value": v, "label": label or v, "count": count(c)} for v, label, c in conn.execute(
                f"SELECT topic, max(label), count(*) FROM article_topics WHERE {in_docs}"
                f" GROUP BY topic ORDER BY 3 DESC, 1 LIMIT {FACET_LIMIT}", docs_arg)]
        # Counted on the primary key's index (doc, entity_id) alone, named from the entity tables.
        facets["entity"] = [
            {"value": v, "label": label, "type": typ, "count": count(c)} for v, label, typ, c in conn.execute(
                f"SELECT c.entity_id, {_ENTITY_NAME.format('c.entity_id')}, s.type, c.n FROM (SELECT entity_id,"
                f" count(*) AS n FROM article_entities WHERE {in_docs} GROUP BY entity_id ORDER BY 2 DESC, 1"
                f" LIMIT {FACET_LIMIT}) c LEFT JOIN entity_stats s ON s.entity_id = c.entity_id"
                " ORDER BY c.n DESC, c.entity_id", docs_arg)]
    return SearchPage(total, hits, facets, sq.page, sq.size, notes, estimated)


def timeline(conn: sqlite3.Connection, sq: SearchQuery, ranked_docs: list[int] | None = None) -> list[tuple[str, int]]:
    """Article counts per publication day for everything the query matches (for the timeline chart)."""
    where, args = _filters(conn, sq, [])
    expr = fts_expression(sq.q)
    if expr and ranked_docs is None:
        source, src_args = "search_fts JOIN articles a ON a.doc = search_fts.rowid", [expr]
        where.insert(0, "search_fts MATCH ?")
    else:
        source, src_args = "articles a", []
    where.append("a.published IS NOT NULL")
    cond = " WHERE " + " AND ".join(where)
    return [(d, c) for d, c in conn.execute(
        f"SELECT substr(a.published, 1, 10), count(*) FROM {source}{cond} GROUP BY 1 ORDER BY 1", src_args + args)]


def place_counts(conn: sqlite3.Connection, sq: SearchQuery) -> tuple[list[tuple[str, str, str | None, int]], bool]:
    """(entity id, name, kb id, articles) of the places in everything the query matches, with the
    timeline's filters (the search page's map), and whether the counts are estimated: above FACET_SAMPLE
    matches they are counted over every k-th doc number and scaled, as the facets are. Every article (no
    words, no filter): the counts entity_stats keeps."""
    where, args = _filters(conn, sq, [])
    expr = fts_expression(sq.q)
    if not expr and not where:
        return conn.execute(f"SELECT s.entity_id, {_ENTITY_NAME.format('s.entity_id')}, s.kb_id, s.articles"
                            " FROM entity_stats s WHERE s.type = 'LOC'").fetchall(), False
    if expr and not where:  # the FTS index alone knows the matches
        source, key, where, args = "search_fts", "rowid", ["search_fts MATCH ?"], [expr]
    elif expr:
        source, key = f"search_fts JOIN {_META} ON a.doc = search_fts.rowid", "a.doc"
        where, args = ["search_fts MATCH ?", *where], [expr, *args]
    else:
        source, key = _META, "a.doc"
    cond = " WHERE " + " AND ".join(where)
    total = conn.execute(f"SELECT count(*) FROM {source}{cond}", args).fetchone()[0]
    estimated = total > FACET_SAMPLE
    if estimated:
        cond += f" AND {key} % ? = 0"
        args = args + [-(-total // FACET_SAMPLE)]
    rows = conn.execute(
        "SELECT entity_id, max(name), max(kb_id), count(*) FROM article_entities"
        f" WHERE type = 'LOC' AND doc IN (SELECT {key} FROM {source}{cond}) GROUP BY entity_id", args).fetchall()
    if not estimated:
        return rows, False
    sampled = conn.execute(f"SELECT count(*) FROM {source}{cond}", args).fetchone()[0]
    scale = total / max(sampled, 1)
    return [(e, n, k, max(1, round(c * scale))) for e, n, k, c in rows], True


def _page(size: int, page: int) -> tuple[int, int]:
    return size, (page - 1) * size


def list_entities(conn: sqlite3.Connection, q: str | None, page: int, size: int) -> tuple[int, list[dict[str, Any]]]:
    """Entities, most articles first, from the counts the triggers keep (entity_stats, entity_names); with
    `q`, those with a name containing it (in search form), an English name containing it, or that id."""
    cond, args = "", []
    if q:
        _ensure_functions(conn)
        cond = (" WHERE s.entity_id IN (SELECT entity_id FROM entity_names"
                " WHERE coalesce(name_form, khazar_search_form(name)) LIKE ? ESCAPE '\\')"
                " OR lower(coalesce(s.name_en, '')) LIKE ? ESCAPE '\\' OR s.entity_id = ?")
        args = [_like_word(search_form(q)), _like_word(q.lower()), q]
    total = conn.execute(f"SELECT count(*) FROM entity_stats s{cond}", args).fetchone()[0]
    lim, off = _page(size, page)
    rows = conn.execute(
        f"SELECT s.entity_id, {_ENTITY_NAME.format('s.entity_id')}, s.name_en,"
        f" s.type, s.kb_id, s.articles, s.mentions FROM entity_stats s{cond} ORDER BY s.articles DESC, s.entity_id"
        " LIMIT ? OFFSET ?", args + [lim, off]).fetchall()
    return total, [{"id": r[0], "name": r[1], "name_en": r[2], "type": r[3], "kb_id": r[4], "articles": r[5],
                    "mentions": r[6]} for r in rows]


def _fill_name_forms(conn: sqlite3.Connection) -> None:
    """The search form of the entity names the triggers added (they cannot call Python), in the indexing's
    transaction; a name search computes what is still missing (another writer's rows) without writing."""
    _ensure_functions(conn)
    conn.execute("UPDATE entity_names SET name_form = khazar_search_form(name) WHERE name_form IS NULL")


def _ensure_functions(conn: sqlite3.Connection) -> None:
    # Deterministic, so SQLite may cache it; registered per connection (cheap, idempotent).
    conn.create_function("khazar_search_form", 1, search_form, deterministic=True)


def _article_refs(conn: sqlite3.Connection, docs: Iterable[int]) -> dict[int, dict[str, Any]]:
    docs = list(docs)
    if not docs:
        return {}
    return {d: {"id": i, "title": t, "outlet": o, "published": p} for d, i, t, o, p in conn.execute(
        "SELECT doc, id, title, outlet, published FROM articles WHERE doc IN (SELECT value FROM json_each(?))",
        (json.dumps(docs),))}


def get_entity(conn: sqlite3.Connection, entity_id: str, limit: int = 50) -> dict[str, Any] | None:
    rows = conn.execute("SELECT e.doc, e.name, e.name_en, e.type, e.kb_id, e.mentions, e.roles_json, a.published"
                        " FROM article_entities e JOIN articles a ON a.doc = e.doc WHERE e.entity_id = ?",
                        (entity_id,)).fetchall()
    if not rows:
        return None
    names, roles = tally_entity_rows(rows)
    docs = [r[0] for r in rows]
    doc_json = json.dumps(docs)
    articles = [{"id": i, "title": t, "outlet": o, "published": p} for i, t, o, p in conn.execute(
        "SELECT id, title, outlet, published FROM articles WHERE doc IN (SELECT value FROM json_each(?))"
        " ORDER BY published DESC, doc DESC LIMIT ?", (doc_json, limit))]
    # Counted on the primary key's index alone (doc, entity_id: no row read), named from the entity tables.
    co = [{"id": e, "name": n, "type": t, "count": c} for e, n, t, c in conn.execute(
        f"SELECT c.entity_id, {_ENTITY_NAME.format('c.entity_id')}, s.type, c.n"
        " FROM (SELECT entity_id, count(*) AS n FROM article_entities WHERE doc IN (SELECT value FROM json_each(?))"
        " AND entity_id != ? GROUP BY entity_id ORDER BY 2 DESC, 1 LIMIT 30) c"
        " LEFT JOIN entity_stats s ON s.entity_id = c.entity_id ORDER BY c.n DESC, c.entity_id", (doc_json, entity_id))]
    kb_id = rows[0][4]
    name = max(names, key=names.get)
    quotes = _quotes(conn, "speaker_kb_id = ?" if kb_id else "speaker = ?", [kb_id or name], limit, 0)
    events = _events(conn, ["(place_kb_id = ? OR participants_json LIKE ?)"],
                     [entity_id, f'%{json.dumps(kb_id or "")[1:-1]}%' if kb_id else "\x00"], limit, 0)
    return entity_page(entity_id, rows, names, roles, articles=articles, co_mentioned=co, quotes=quotes,
                       events=events)


def _quotes(conn: sqlite3.Connection, cond: str | None, args: list[Any], limit: int, offset: int) -> list[dict[str, Any]]:
    where = f" WHERE {cond}" if cond else ""
    rows = conn.execute(
        f"SELECT q.doc, q.speaker, q.speaker_kb_id, q.text, q.kind, q.span_start, q.span_end FROM article_quotes q"
        f" JOIN articles a ON a.doc = q.doc{where} ORDER BY a.published DESC, q.doc DESC, q.n LIMIT ? OFFSET ?",
        args + [limit, offset]).fetchall()
    refs = _article_refs(conn, {r[0] for r in rows})
    return [{"speaker": s, "speaker_kb_id": kb, "text": t, "kind": k, "start": st, "end": en, "article": refs.get(d)}
            for d, s, kb, t, k, st, en in rows]


def list_quotes(conn: sqlite3.Connection, speaker: str | None, page: int, size: int) -> tuple[int, list[dict[str, Any]]]:
    _ensure_functions(conn)
    cond, args = None, []
    if speaker:
        # the speaker's search_name (fold.search_name) contains the query's, as in postgres_backend and the CLI
        cond = "(q.speaker_kb_id = ? OR instr(replace(khazar_search_form(q.speaker), ' ', ''), ?) > 0)"
        args = [speaker, search_name(speaker)]
    where = f" WHERE {cond}" if cond else ""
    total = conn.execute(f"SELECT count(*) FROM article_quotes q{where}", args).fetchone()[0]
    lim, off = _page(size, page)
    return total, _quotes(conn, cond, args, lim, off)


def _events(conn: sqlite3.Connection, conds: list[str], args: list[Any], limit: int, offset: int) -> list[dict[str, Any]]:
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    rows = conn.execute(
        f"SELECT doc, type, label, date, place, place_kb_id, participants_json, span_start, span_end"
        f" FROM article_events{where} ORDER BY date DESC, doc DESC, n LIMIT ? OFFSET ?", args + [limit, offset]).fetchall()
    refs = _article_refs(conn, {r[0] for r in rows})
    return [{"type": t, "label": lab, "date": dt, "place": pl, "place_kb_id": pk,
             "participants": json.loads(pj or "[]"), "start": st, "end": en, "article": refs.get(d)}
            for d, t, lab, dt, pl, pk, pj, st, en in rows]


def list_events(conn: sqlite3.Connection, date_from: str | None, date_to: str | None, place: str | None,
                page: int, size: int, event_type: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    conds, args = _event_conds(date_from, date_to, place, event_type)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    total = conn.execute(f"SELECT count(*) FROM article_events{where}", args).fetchone()[0]
    lim, off = _page(size, page)
    return total, _events(conn, conds, args, lim, off)


_STORY_ORDER = {"recent": 'ORDER BY "end" DESC, size DESC, id', "size": 'ORDER BY size DESC, "end" DESC, id'}


def list_stories(conn: sqlite3.Connection, page: int, size: int, min_size: int = 1,
                 order: str = "recent") -> tuple[int, list[dict[str, Any]]]:
    total = conn.execute("SELECT count(*) FROM stories WHERE size >= ?", (min_size,)).fetchone()[0]
    lim, off = _page(size, page)
    cur = conn.execute(f"SELECT * FROM stories WHERE size >= ? {_STORY_ORDER[order]} LIMIT ? OFFSET ?",
                       (min_size, lim, off))
    cols = [c[0] for c in cur.description]
    rows = [dict(zip(cols, r)) for r in cur]
    flagged = contradiction_counts(conn, [r["id"] for r in rows])
    return total, [{**r, "contradictions": flagged.get(r["id"], 0)} for r in rows]


def get_story(conn: sqlite3.Connection, story_id: str) -> dict[str, Any] | None:
    cur = conn.execute("SELECT * FROM stories WHERE id = ?", (story_id,))
    row = cur.fetchone()
    if row is None:
        return None
    story = dict(zip([c[0] for c in cur.description], row))
    story["articles"] = [{"id": i, "title": t, "outlet": o, "published": p} for i, t, o, p in conn.execute(
        "SELECT a.id, a.title, a.outlet, a.published FROM story_articles s JOIN articles a ON a.doc = s.doc"
        " WHERE s.story_id = ? ORDER BY a.published, a.doc", (story_id,))]
    return story


def docs_without_vectors(conn: sqlite3.Connection, model: str, limit: int) -> list[tuple[int, str, str]]:
    return conn.execute(
        "SELECT a.doc, a.title, a.text FROM articles a LEFT JOIN article_vectors v ON v.doc = a.doc AND v.model = ?"
        " WHERE v.doc IS NULL ORDER BY a.doc LIMIT ?", (model, limit)).fetchall()


def put_vectors(conn: sqlite3.Connection, model: str, rows: Iterable[tuple[int, bytes]]) -> None:
    conn.executemany("INSERT OR REPLACE INTO article_vectors (doc, model, vec) VALUES (?, ?, ?)",
                     [(d, model, v) for d, v in rows])
    conn.commit()


def load_vectors(conn: sqlite3.Connection, model: str) -> list[tuple[int, bytes]]:
    return conn.execute("SELECT doc, vec FROM article_vectors WHERE model = ? ORDER BY doc", (model,)).fetchall()


# --- the workbench pages (khazar/web): home, quotes, events, the entity graph ------------------------------

def latest_day(conn: sqlite3.Connection) -> str | None:
    """The newest publication day in the store (the home page's "today")."""
    row = conn.execute("SELECT max(published) FROM articles").fetchone()
    return row[0][:10] if row and row[0] else None


def top_stories(conn: sqlite3.Connection, limit: int, min_outlets: int = 2) -> list[dict[str, Any]]:
    """The newest stories told by at least `min_outlets` outlets, newest last article first, then most
    outlets: what the latest days' news was about, as a reader would rank it (a day of one outlet's
    articles does not push the stories several outlets told off the page). With their contradictions."""
    rows = conn.execute(
        'SELECT id, label, start, "end", size, outlets FROM (SELECT s.id, s.label, s.start, s."end", s.size,'
        " (SELECT count(DISTINCT coalesce(a.outlet_kb_id, a.outlet)) FROM story_articles sa"
        " JOIN articles a ON a.doc = sa.doc WHERE sa.story_id = s.id) AS outlets FROM stories s WHERE s.size >= ?)"
        ' WHERE outlets >= ? ORDER BY "end" DESC, outlets DESC, size DESC, id LIMIT ?',
        (min_outlets, min_outlets, limit)).fetchall()
    ids = json.dumps([r[0] for r in rows])
    names = {i: sorted(x for x in json.loads(n) if x) for i, n in conn.execute(
        "SELECT sa.story_id, json_group_array(DISTINCT a.outlet) FROM story_articles sa JOIN articles a ON a.doc = sa.doc"
        " WHERE sa.story_id IN (SELECT value FROM json_each(?)) GROUP BY sa.story_id", (ids,))}
    flagged = contradiction_counts(conn, [r[0] for r in rows])
    return [{"id": i, "label": lab, "start": st, "end": en, "size": n, "outlets": o, "outlet_names": names.get(i, []),
             "contradictions": flagged.get(i, 0)} for i, lab, st, en, n, o in rows]


def contradiction_counts(conn: sqlite3.Connection, story_ids: list[str]) -> dict[str, int]:
    return dict(conn.execute(
        "SELECT story_id, count(*) FROM corpus_items WHERE kind = 'contradiction'"
        " AND story_id IN (SELECT value FROM json_each(?)) GROUP BY story_id", (json.dumps(story_ids),)))


def stories_of(conn: sqlite3.Connection, article_id: str) -> list[dict[str, Any]]:
    return [{"id": i, "label": lab, "size": n} for i, lab, n in conn.execute(
        "SELECT s.id, s.label, s.size FROM articles a JOIN story_articles sa ON sa.doc = a.doc"
        " JOIN stories s ON s.id = sa.story_id WHERE a.id = ? ORDER BY s.size DESC, s.id", (article_id,))]


# The search form's commonest differences in SQL (Arabic yeh and kaf, ZWNJ), for scanning quotes: calling
# khazar_search_form, a Python function, on every quote row costs seconds on a corpus of thousands.
_LETTER_FORMS = "replace(replace(replace(replace({}, 'ي', 'ی'), 'ك', 'ک'), char(8204), ''), 'ئ', 'ی')"


def _like_word(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def find_quotes(conn: sqlite3.Connection, speaker_ids: list[str], speaker: str | None, words: list[str],
                page: int, size: int) -> tuple[int, list[dict[str, Any]]]:
    """Quotes by any of the speakers (KB ids, or a written name or one of its words), containing all the
    words (in search form), newest first, each with the sentence around it."""
    conds, args = [], []
    if speaker_ids:  # the knowledge base knows who is meant: its ids, through the index
        conds.append("q.speaker_kb_id IN (SELECT value FROM json_each(?))")
        args.append(json.dumps(speaker_ids))
    elif speaker is not None:  # else the written name, word for word, over every quote
        conds.append(f"(' ' || {_LETTER_FORMS.format('q.speaker')} || ' ') LIKE ? ESCAPE '\\'")
        args.append(_like_word(f" {search_form(speaker)} "))
    for w in words:
        conds.append(f"{_LETTER_FORMS.format('q.text')} LIKE ? ESCAPE '\\'")
        args.append(_like_word(w))
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    total = conn.execute(f"SELECT count(*) FROM article_quotes q{where}", args).fetchone()[0]
    lim, off = _page(size, page)
    rows = _quotes(conn, " AND ".join(conds) or None, args, lim, off)
    return total, _with_context(conn, rows)


def _with_context(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    texts = dict(conn.execute("SELECT id, text FROM articles WHERE id IN (SELECT value FROM json_each(?))",
                              (json.dumps([r["article"]["id"] for r in rows if r.get("article")]),)))
    return [{**r, "context": quote_context(texts.get((r.get("article") or {}).get("id")), r)} for r in rows]


def event_counts(conn: sqlite3.Connection, date_from: str | None, date_to: str | None, place: str | None,
                 event_type: str | None) -> dict[str, list[tuple[str, int]]]:
    """For the events page: events per type and per day (the timeline) under the same filters."""
    conds, args = _event_conds(date_from, date_to, place, None)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    # grouped by the bare column, in the order of the (type, date) index: no pass over the wide event rows
    types = conn.execute(f"SELECT coalesce(type, ''), n FROM (SELECT type, count(*) AS n FROM article_events{where}"
                         " GROUP BY type) ORDER BY 2 DESC, 1", args).fetchall()
    conds, args = _event_conds(date_from, date_to, place, event_type)
    conds.append("length(date) >= 10")
    days = conn.execute(f"SELECT substr(date, 1, 10), count(*) FROM article_events WHERE {' AND '.join(conds)}"
                        " GROUP BY 1 ORDER BY 1", args).fetchall()
    return {"types": types, "days": days}


def _event_conds(date_from: str | None, date_to: str | None, place: str | None,
                 event_type: str | None) -> tuple[list[str], list[Any]]:
    conds, args = _date_range("date", date_from, date_to)
    if place:
        conds.append("(place_kb_id = ? OR place = ?)")
        args += [place, place]
    if event_type:
        conds.append("type = ?")
        args.append(event_type)
    return conds, args


def entity_graph(conn: sqlite3.Connection, types: list[str], date_from: str | None, date_to: str | None,
                 around: str | None, limit: int) -> dict[str, Any]:
    """The most mentioned entities of `types` in the articles of the period (those mentioning `around`
    when given), and how many articles each pair of them shares: nodes and edges of the graph page."""
    conds, args = _date_range("a.published", date_from, date_to)
    if around:
        conds.append("a.doc IN (SELECT doc FROM article_entities WHERE entity_id = ?)")
        args.append(around)
    in_docs = (f" AND {{col}} IN (SELECT a.doc FROM {_META} WHERE " + " AND ".join(conds) + ")") if conds else ""
    nodes = [{"id": e, "name": n, "type": t, "count": c} for e, n, t, c in conn.execute(
        "SELECT entity_id, max(name), max(type), count(DISTINCT doc) FROM article_entities"
        f" WHERE type IN (SELECT value FROM json_each(?)) AND entity_id NOT LIKE 'out:%'{in_docs.format(col='doc')}"
        " GROUP BY entity_id ORDER BY 4 DESC, 1 LIMIT ?",
        [json.dumps(types)] + args + [limit])]
    ids = json.dumps([n["id"] for n in nodes])
    edges = [{"a": x, "b": y, "count": c} for x, y, c in conn.execute(
        "SELECT x.entity_id, y.entity_id, count(*) FROM article_entities x JOIN article_entities y"
        " ON y.doc = x.doc AND y.entity_id > x.entity_id WHERE x.entity_id IN (SELECT value FROM json_each(?))"
        " AND y.entity_id IN (SELECT value FROM json_each(?))"
        f"{in_docs.format(col='x.doc')} GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
        [ids, ids] + args)]
    return {"nodes": nodes, "edges": edges}


class SQLiteSearch(SearchIndex):
    """The search index of a SQLiteStore, which is one (the store mixes it in): every method runs the functions
    above on the store's connection."""

    conn: sqlite3.Connection

    def index_pending(self, limit: int | None = None) -> int:
        """Bring the search index up to date with the articles queued by the triggers; returns how many."""
        return index_pending(self.conn, limit)

    def reindex_search(self) -> int:
        return reindex(self.conn)

    def search(self, query, ranked_docs=None):
        self._catch_up()
        return search(self.conn, query, ranked_docs)

    def search_timeline(self, query, ranked_docs=None):
        self._catch_up()
        return timeline(self.conn, query, ranked_docs)

    def search_place_counts(self, query):
        self._catch_up()
        return place_counts(self.conn, query)

    def list_entities(self, q=None, page=1, size=20):
        self._catch_up()
        return list_entities(self.conn, q, page, size)

    def get_entity(self, entity_id):
        self._catch_up()
        return get_entity(self.conn, entity_id)

    def list_quotes(self, speaker=None, page=1, size=20):
        self._catch_up()
        return list_quotes(self.conn, speaker, page, size)

    def list_events(self, date_from=None, date_to=None, place=None, page=1, size=20, event_type=None):
        self._catch_up()
        return list_events(self.conn, date_from, date_to, place, page, size, event_type)

    def latest_day(self):
        return latest_day(self.conn)

    def top_stories(self, limit=12, min_outlets=2):
        return top_stories(self.conn, limit, min_outlets)

    def stories_of(self, article_id):
        return stories_of(self.conn, article_id)

    def find_quotes(self, speaker_ids, speaker, words, page=1, size=20):
        self._catch_up()
        return find_quotes(self.conn, speaker_ids, speaker, words, page, size)

    def event_counts(self, date_from=None, date_to=None, place=None, event_type=None):
        self._catch_up()
        return event_counts(self.conn, date_from, date_to, place, event_type)

    def entity_graph(self, types, date_from=None, date_to=None, around=None, limit=40):
        self._catch_up()
        return entity_graph(self.conn, types, date_from, date_to, around, limit)

    def list_stories(self, page=1, size=20, min_size=1, order="recent"):
        return list_stories(self.conn, page, size, min_size, order)

    def get_story(self, story_id):
        return get_story(self.conn, story_id)

    def docs_without_vectors(self, model, limit=256):
        return docs_without_vectors(self.conn, model, limit)

    def put_vectors(self, model, rows):
        put_vectors(self.conn, model, rows)

    def load_vectors(self, model):
        return load_vectors(self.conn, model)

    def vector_stamp(self, model):
        """(count, last doc) of the stored vectors: changes whenever they do; semantic search caches on it."""
        return tuple(self.conn.execute("SELECT count(*), max(doc) FROM article_vectors WHERE model = ?",
                                       (model,)).fetchone())

    def kb_candidates(self, min_articles: int = 2, limit: int = 100) -> list[dict]:
        """Names without a knowledge-base record found in at least `min_articles` articles, most attested
        first, each with (article id, mention offset) examples: the knowledge base grows with the corpus."""
        self._catch_up()
        # the name is the one most of its mentions' articles give, not an odd spelling that sorts last
        rows = self.conn.execute(
            "SELECT entity_id, (SELECT name FROM article_entities b WHERE b.entity_id = a.entity_id GROUP BY name"
            " ORDER BY count(*) DESC, name LIMIT 1), max(type), count(DISTINCT doc), sum(mentions),"
            " json_group_array(doc) FROM article_entities a WHERE kb_id IS NULL GROUP BY entity_id"
            " HAVING count(DISTINCT doc) >= ? ORDER BY 4 DESC, 5 DESC, 1 LIMIT ?", (min_articles, limit)).fetchall()

        def article_of(doc: int) -> tuple[str, str]:
            return self.conn.execute("SELECT id, article_json FROM articles WHERE doc = ?", (doc,)).fetchone()

        return [kb_candidate(*row[:5], json.loads(row[5]), article_of) for row in rows]
