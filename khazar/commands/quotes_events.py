"""CLI verbs `khazar quotes` and `khazar events`: the stored quotations and events, newest article first,
each with its source article and the sentence it comes from.

    khazar quotes [--db FILE] [--speaker NAME] [--limit N] [--json]
    khazar events [--db FILE] [--type TYPE] [--place NAME] [--limit N] [--json]

The listings themselves are library calls (khazar.corpus.listings); this module reads the options and prints.
"""
from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from typing import Any

from . import add_db_option


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
    from ..corpus.listings import iter_quotes
    from ..store import open_store

    with open_store(args.db) as store:
        return _emit(iter_quotes(store, args.speaker), args, line)


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
    from ..corpus.listings import iter_events
    from ..store import open_store

    with open_store(args.db) as store:
        return _emit(iter_events(store, args.type, args.place), args, line)


def register(subparsers) -> None:
    p = add_db_option(subparsers.add_parser("quotes", help="stored quotations, newest first, with speaker and source sentence"))
    p.add_argument("--speaker", help="only quotes whose speaker is this KB id or whose name contains this")
    p.add_argument("--limit", type=int, default=0, help="at most N quotes")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_quotes)

    p = add_db_option(subparsers.add_parser("events", help="stored events, newest first, with date, place and source sentence"))
    p.add_argument("--type", help="only events of this type (meeting, visit, summit ...)")
    p.add_argument("--place", help="only events whose place contains this")
    p.add_argument("--limit", type=int, default=0, help="at most N events")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_events)
