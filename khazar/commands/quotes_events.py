"""CLI verbs `khazar quotes` and `khazar events`: the stored quotations and events, newest article first,
each with its source article and the sentence it comes from.

    khazar quotes [--db FILE] [--speaker NAME] [--limit N] [--json]
    khazar events [--db FILE] [--type TYPE] [--place NAME] [--limit N] [--json]

Registered by khazar/cli.py through `register(subparsers)`.
"""
from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from typing import Any

from ..extract.sentences import split_sentences
from ..text.fold import match_key, search_name

_DEFAULT_DB = os.environ.get("KHAZAR_DB", "khazar.db")


def _newest_first(db: str):
    from ..store import open_store

    with open_store(db) as store:
        articles = list(store.iter_articles())
    # undated articles last; among dated ones the newest first, then by id for a stable order
    articles.sort(key=lambda a: (a.published or "", a.published_time or "", a.id), reverse=True)
    return articles


def _sentence(text: str, start: int) -> str:
    for s in split_sentences(text):
        if s.start <= start < s.end or start < s.start:
            return s.text
    return ""


def _source(article) -> dict[str, Any]:
    return {"id": article.id, "title": article.title, "published": article.published,
            "outlet": (article.outlet or {}).get("name") if isinstance(article.outlet, dict) else article.outlet,
            "url": article.url}


def iter_quotes(db: str, speaker: str | None = None) -> Iterator[dict[str, Any]]:
    # the same test as /api/quotes?speaker=: the speaker's KB id, or a name whose search_name contains the query's
    want = search_name(speaker) if speaker else None
    for a in _newest_first(db):
        for q in a.quotes:
            if want is not None and q.get("speaker_kb_id") != speaker and want not in search_name(q.get("speaker")):
                continue
            text = a.title if q.get("field") == "title" else a.text
            yield {**q, "sentence": _sentence(text, q["start"]), "article": _source(a)}


def iter_events(db: str, etype: str | None = None, place: str | None = None) -> Iterator[dict[str, Any]]:
    want = match_key(place) if place else None
    for a in _newest_first(db):
        for e in a.events:
            if etype and e.get("type") != etype:
                continue
            if want and want not in match_key(e.get("place") or ""):
                continue
            ev = e.get("evidence") or {}
            yield {**e, "sentence": ev.get("text", ""), "article": _source(a)}


def _emit(rows: Iterator[dict[str, Any]], args: argparse.Namespace, line) -> int:
    n = 0
    for row in rows:
        if args.limit and n >= args.limit:
            break
        n += 1
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        else:
            print(line(row))
    return 0


def cmd_quotes(args: argparse.Namespace) -> int:
    def line(q):
        src = q["article"]
        who = q.get("speaker") or f"(?) {q.get('reason') or ''}".strip()
        return (f"{src.get('published') or '----------'}  {who}  [{q.get('kind')}, {q.get('cue')}]\n"
                f"    «{q['text']}»\n    sentence: {q['sentence']}\n    source: {src['id']}  {src.get('title') or ''}")
    return _emit(iter_quotes(args.db, args.speaker), args, line)


def cmd_events(args: argparse.Namespace) -> int:
    def line(e):
        src = e["article"]
        when = e.get("start") or "?"
        if e.get("end") and e.get("end") != e.get("start"):
            when += f"..{e['end']}"
        who = "، ".join(e.get("participants") or [])
        return (f"{src.get('published') or '----------'}  {e['type']} ({e.get('status')})  {e.get('label')}\n"
                f"    when: {when}  where: {e.get('place') or '?'}" + (f"  who: {who}" if who else "") +
                f"\n    sentence: {e['sentence']}\n    source: {src['id']}  {src.get('title') or ''}")
    return _emit(iter_events(args.db, args.type, args.place), args, line)


def register(subparsers) -> None:
    p = subparsers.add_parser("quotes", help="stored quotations, newest first, with speaker and source sentence")
    p.add_argument("--db", default=_DEFAULT_DB, help="SQLite file (default ./khazar.db, or $KHAZAR_DB)")
    p.add_argument("--speaker", help="only quotes whose speaker is this KB id or whose name contains this")
    p.add_argument("--limit", type=int, default=0, help="at most N quotes")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_quotes)

    p = subparsers.add_parser("events", help="stored events, newest first, with date, place and source sentence")
    p.add_argument("--db", default=_DEFAULT_DB, help="SQLite file (default ./khazar.db, or $KHAZAR_DB)")
    p.add_argument("--type", help="only events of this type (meeting, visit, summit ...)")
    p.add_argument("--place", help="only events whose place contains this")
    p.add_argument("--limit", type=int, default=0, help="at most N events")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_events)
