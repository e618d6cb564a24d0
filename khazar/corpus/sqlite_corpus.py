"""The SQL behind the corpus state on the SQLite store (SQLiteStore's corpus methods delegate here).

Tables (migrations 4 and 5 in khazar/store/sqlite.py): stories, story_state, story_articles, corpus_docs,
corpus_df, corpus_items.
"""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Any


def load(conn: sqlite3.Connection) -> dict[str, Any]:
    df = dict(conn.execute("SELECT key, df FROM corpus_df"))
    n = int(df.pop("", 0))
    stories = [json.loads(s) for (s,) in conn.execute("SELECT state_json FROM story_state")]
    docs = conn.execute(
        "SELECT a.id, a.published, c.minhash, c.shingles, c.duplicate_of, c.similarity"
        " FROM corpus_docs c JOIN articles a ON a.doc = c.doc ORDER BY a.published, a.id").fetchall()
    return {"n": n, "df": df, "stories": stories, "docs": docs}


def pending(conn: sqlite3.Connection) -> list[str]:
    """Ids of stored articles the corpus stage has not seen, oldest first (undated last)."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM articles WHERE doc NOT IN (SELECT doc FROM corpus_docs)"
        " ORDER BY published IS NULL, published, id")]


def save(conn: sqlite3.Connection, changes: dict[str, Any]) -> None:
    """Write what changed: new corpus_docs rows, changed duplicate links, df deltas, dirty stories."""
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    doc_of = lambda article_id: conn.execute("SELECT doc FROM articles WHERE id = ?", (article_id,)).fetchone()
    for article_id, mh, sh, dup, sim in changes.get("docs", []):
        row = doc_of(article_id)
        if row:
            conn.execute("INSERT OR REPLACE INTO corpus_docs (doc, minhash, shingles, duplicate_of, similarity)"
                         " VALUES (?,?,?,?,?)", (row[0], mh, sh, dup, sim))
    for article_id, dup, sim in changes.get("links", []):
        row = doc_of(article_id)
        if row:
            conn.execute("UPDATE corpus_docs SET duplicate_of = ?, similarity = ? WHERE doc = ?", (dup, sim, row[0]))
    conn.executemany("INSERT INTO corpus_df (key, df) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET df = df + excluded.df",
                     list(changes.get("df", {}).items()))
    for gone in changes.get("gone", []):  # stories folded into another one
        conn.execute("DELETE FROM stories WHERE id = ?", (gone,))
        conn.execute("DELETE FROM story_state WHERE story_id = ?", (gone,))
        conn.execute("DELETE FROM story_articles WHERE story_id = ?", (gone,))
        conn.execute("DELETE FROM corpus_items WHERE (kind = 'story' AND id = ?) OR story_id = ?", (gone, gone))
    for desc, state in changes.get("stories", []):
        conn.execute("INSERT OR REPLACE INTO stories (id, label, start, \"end\", size, entities_json, updated_at)"
                     " VALUES (?,?,?,?,?,?,?)", (desc["id"], desc["label"], desc["start"], desc["end"],
                                                 len(desc["docs"]), json.dumps(desc["entities"], ensure_ascii=False),
                                                 now))
        conn.execute("INSERT OR REPLACE INTO story_state (story_id, state_json) VALUES (?, ?)",
                     (desc["id"], json.dumps(state, ensure_ascii=False)))
        for article_id in desc["docs"]:
            row = doc_of(article_id)
            if row:
                conn.execute("INSERT OR IGNORE INTO story_articles (story_id, doc) VALUES (?, ?)", (desc["id"], row[0]))
    _save_items(conn, changes)
    conn.commit()


def _save_items(conn: sqlite3.Connection, changes: dict[str, Any]) -> None:
    for desc, _state in changes.get("stories", []):
        conn.execute("INSERT OR REPLACE INTO corpus_items (kind, id, story_id, day, data_json) VALUES (?,?,?,?,?)",
                     ("story", desc["id"], None, desc.get("end"), json.dumps(desc, ensure_ascii=False)))
    for story_id, found in changes.get("contradictions", {}).items():
        conn.execute("DELETE FROM corpus_items WHERE kind = 'contradiction' AND story_id = ?", (story_id,))
        conn.executemany("INSERT OR REPLACE INTO corpus_items (kind, id, story_id, day, data_json) VALUES (?,?,?,?,?)",
                         [("contradiction", c["id"], story_id, c.get("day"), json.dumps(c, ensure_ascii=False))
                          for c in found])
    if "series" in changes:  # the series are few: written whole each time
        conn.execute("DELETE FROM corpus_items WHERE kind = 'series'")
        conn.executemany("INSERT INTO corpus_items (kind, id, story_id, day, data_json) VALUES (?,?,?,?,?)",
                         [("series", x["id"], None, x.get("end"), json.dumps(x, ensure_ascii=False))
                          for x in changes["series"]])


def items(conn: sqlite3.Connection, kind: str, story_id: str | None, page: int, size: int
          ) -> tuple[int, list[dict[str, Any]]]:
    where, args = "kind = ?", [kind]
    if story_id is not None:
        where, args = where + " AND story_id = ?", args + [story_id]
    total = conn.execute(f"SELECT count(*) FROM corpus_items WHERE {where}", args).fetchone()[0]
    rows = conn.execute(f"SELECT data_json FROM corpus_items WHERE {where} ORDER BY day DESC, id LIMIT ? OFFSET ?",
                        [*args, size, max(0, page - 1) * size])
    return total, [json.loads(r) for (r,) in rows]


def item(conn: sqlite3.Connection, kind: str, item_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT data_json FROM corpus_items WHERE kind = ? AND id = ?", (kind, item_id)).fetchone()
    return json.loads(row[0]) if row else None


def duplicates(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT a.id, c.duplicate_of, c.similarity, a.outlet, a.published FROM corpus_docs c"
        " JOIN articles a ON a.doc = c.doc WHERE c.duplicate_of IS NOT NULL ORDER BY a.id")
    return [{"doc": d, "duplicate_of": o, "similarity": round(s or 0.0, 3), "outlet": outlet, "published": p}
            for d, o, s, outlet, p in rows]
