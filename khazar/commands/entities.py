"""`khazar entity NAME` (every article, role and date of an entity across the store) and
`khazar kb candidates` (names the knowledge base lacks, found in several articles)."""
from __future__ import annotations

import argparse
import json
import sys

from ..dates import both_calendars
from . import add_db_option


def _resolve(store, name: str) -> dict | None:
    """The entity a user means by NAME: an exact id, else the best-attested entity whose name contains it."""
    found = store.get_entity(name)
    if found:
        return found
    _total, hits = store.list_entities(q=name, page=1, size=1)
    return store.get_entity(hits[0]["id"]) if hits else None


def cmd_entity(args: argparse.Namespace) -> int:
    from ..store import open_store, redact

    with open_store(args.db) as store:
        entity = _resolve(store, args.name)
        if entity is None:
            print(f"error: no entity matching {args.name!r} in {redact(args.db)}", file=sys.stderr)
            return 1
        articles = entity["articles"]
        if args.with_:
            other = _resolve(store, args.with_)
            if other is None:
                print(f"error: no entity matching {args.with_!r} in {redact(args.db)}", file=sys.stderr)
                return 1
            together = {a["id"] for a in other["articles"]}
            articles = [a for a in articles if a["id"] in together]
        if args.json:
            print(json.dumps({**entity, "articles": articles}, ensure_ascii=False, indent=2))
            return 0
        print(f"{entity['name']}  [{entity['type']}]  {entity['kb_id'] or entity['id']}"
              + (f"  ({entity['name_en']})" if entity.get("name_en") else ""))
        print(f"{entity['article_count']} articles, {entity['mentions']} mentions")
        for role in entity["roles"]:
            when = ""
            if role["first"]:
                when = f"  ({role['first']})" if role["first"] == role["last"] else f"  ({role['first']} … {role['last']})"
            print(f"  role: {role['role']}  ×{role['count']}{when}")
        heading = f"articles with {args.with_}" if args.with_ else "articles"
        print(f"{heading}:")
        for a in articles:
            print(f"  {both_calendars(a['published'])}  {a['outlet'] or '—'}  {a['id']}  {a['title']}")
    return 0


def cmd_kb_candidates(args: argparse.Namespace) -> int:
    from ..extract.sentences import sentence_at, split_sentences
    from ..store import open_store

    with open_store(args.db) as store:
        candidates = store.kb_candidates(min_articles=args.min_articles, limit=args.limit)
        out = []
        for c in candidates:
            examples = []
            for article_id, start in c["examples"][:2]:
                article = store.get_article(article_id)
                sentences = split_sentences(article.text) if article else []
                i = sentence_at(sentences, start) if sentences else None
                if i is not None:
                    examples.append({"article": article_id, "sentence": sentences[i].text})
            out.append({**{k: v for k, v in c.items() if k != "examples"}, "examples": examples})
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    for c in out:
        print(f"{c['type']}  {c['name']}  ({c['articles']} articles, {c['mentions']} mentions)")
        for ex in c["examples"]:
            print(f"    {ex['article']}: {ex['sentence']}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("entity", help="every article, role and date of an entity across the store")
    p.add_argument("name", help="a name (any spelling), a kb id or an entity id")
    p.add_argument("--with", dest="with_", metavar="NAME", help="only articles that also mention this entity")
    p.add_argument("--json", action="store_true")
    add_db_option(p)
    p.set_defaults(func=cmd_entity)

    kb = sub.add_parser("kb", help="knowledge-base tools").add_subparsers(dest="kb_command", required=True)
    p = kb.add_parser("candidates", help="names the knowledge base lacks that appear in several articles")
    p.add_argument("--min-articles", type=int, default=2)
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true")
    add_db_option(p)
    p.set_defaults(func=cmd_kb_candidates)
