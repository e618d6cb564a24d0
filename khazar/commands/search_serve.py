"""`khazar search` and `khazar serve`: the search library and the HTTP app behind two CLI verbs."""
from __future__ import annotations

import argparse
import json
import sys

from . import add_db_option


def cmd_search(args: argparse.Namespace) -> int:
    from ..dates import both_calendars
    from ..search import QueryError, SearchQuery, parse_date, run
    from ..store import open_store

    with open_store(args.db) as store:
        if args.reindex:
            n = store.reindex_search()
            print(f"search index rebuilt: {n} articles", file=sys.stderr)
            if args.semantic:
                from ..search import semantic

                try:
                    from tqdm import tqdm

                    with tqdm(unit=" doc", desc="embed", file=sys.stderr, disable=None) as bar:
                        m = semantic.embed_missing(store, progress=bar.update)
                except semantic.SemanticUnavailable as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    return 1
                print(f"vectors added: {m}", file=sys.stderr)
            if not args.query:
                return 0
        if args.query is None:
            print("error: give a QUERY, or --reindex", file=sys.stderr)
            return 2
        try:
            sq = SearchQuery(q=args.query, date_from=parse_date(args.date_from, name="--from"),
                             date_to=parse_date(args.date_to, name="--to"), outlet=args.outlet, entity=args.entity,
                             topic=args.topic, story=args.story, sort=args.sort, page=args.page, size=args.size)
            page = run(store, sq, semantic=args.semantic)
        except QueryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except Exception as exc:  # semantic extra missing: say so instead of a traceback
            from ..search.semantic import SemanticUnavailable

            if isinstance(exc, SemanticUnavailable):
                print(f"error: {exc}", file=sys.stderr)
                return 1
            raise
    if args.json:
        sys.stdout.write(json.dumps(page.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return 0
    print(f"{page.total} articles", file=sys.stderr)
    for note in page.notes:
        print(f"note: {note}", file=sys.stderr)
    for n, hit in enumerate(page.results, (page.page - 1) * page.size + 1):
        snippet = hit.snippet
        for s, e in reversed(hit.highlights):
            snippet = f"{snippet[:s]}[{snippet[s:e]}]{snippet[e:]}"
        print(f"{n}. {hit.title}\n   {hit.id} · {hit.outlet or '—'} · {both_calendars(hit.published)}\n   {snippet}\n")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..api import create_app

    app = create_app(args.db)
    # proxy_headers off: the app is meant to sit on localhost or behind a proxy that sets its own headers.
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=False, server_header=False, log_level="info")
    return 0


# What fts_expression (khazar/search/query.py) understands, as a reader of --help needs it.
QUERY_SYNTAX = """query syntax:
  words             every word must occur: کریدور شمال (spellings merge: ي/ی, ك/ک, ZWNJ, digits)
  "a phrase"        the words side by side, in this order: "دریای خزر"
  word*             any word that starts so: بندر*
  a OR b, a | b     either one: روسیه OR چین, روسیه | چین (OR in capitals)
  -word, -"phrase"  leave out articles that have it: تحریم -آمریکا -"شورای امنیت"
  English names the knowledge base knows also find their Persian spellings: Rasht finds رشت.

examples:
  khazar search 'روسیه OR چین -آمریکا' --from 1404-07-01
  khazar search '"دریای خزر"' --sort date --json"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("search", help="search stored articles (full text, filters, or --semantic)",
                              description="Search the stored articles: full text with filters, or --semantic.",
                              epilog=QUERY_SYNTAX, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("query", nargs="?", metavar="QUERY", help="what to find (the syntax is below)")
    add_db_option(p)
    p.add_argument("--from", dest="date_from", metavar="DATE", help="published on or after (Jalali 1404-08-27 or Gregorian)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="published on or before")
    p.add_argument("--outlet", help="outlet kb id (out:...) or name")
    p.add_argument("--entity", help="entity id (kb id such as loc:rasht)")
    p.add_argument("--topic", help="topic id")
    p.add_argument("--story", help="story id (when stories are built)")
    p.add_argument("--sort", choices=("relevance", "date"), default="relevance")
    p.add_argument("--semantic", action="store_true",
                   help="rank by meaning (multilingual e5; needs khazar[semantic]); with --reindex: embed articles")
    p.add_argument("--page", type=int, default=1)
    p.add_argument("--size", type=int, default=10)
    p.add_argument("--json", action="store_true", help="the result page as JSON")
    p.add_argument("--reindex", action="store_true", help="rebuild the search index from the stored articles")
    p.set_defaults(func=cmd_search)

    p = subparsers.add_parser("serve", help="HTTP API and web interface")
    add_db_option(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_serve)
