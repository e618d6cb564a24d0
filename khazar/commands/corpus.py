"""CLI verbs across articles: `khazar report` (stories, series, duplicates, contradictions), `khazar stories`
(stories of two or more articles, and series), `khazar contradictions`, and `khazar timeline` (dated
timelines of an entity or a story).

    khazar report [PATH...] [--db FILE] [--json] [--min-docs N]
    khazar stories [PATH...] [--db FILE] [--json] [--min-docs N]
    khazar contradictions [PATH...] [--db FILE] [--json]
    khazar timeline ENTITY|STORY [PATH...] [--db FILE] [--json]

With PATHs the articles are processed in memory with the pipeline (nothing stored); without, the store is
used and brought up to date incrementally (new articles are attached to the persisted stories).
Registered by khazar/cli.py through `register(subparsers)`.
"""
from __future__ import annotations

import argparse
import json
import sys

from . import add_db_option

def _articles_from_paths(paths: list[str]):
    from ..ingest import read_paths
    from ..model import RawDocument
    from ..pipeline import process
    from ..runner import progress

    out = []
    for item in progress(read_paths(paths), "report"):
        if isinstance(item, RawDocument):
            try:
                out.append(process(item))
            except Exception as exc:  # one bad article must not stop the report
                print(f"skipped {item.origin}: {exc}", file=sys.stderr)
    return out


def _report(args: argparse.Namespace) -> dict | None:
    from ..corpus.report import build_report, report_from_store

    if args.paths:
        return build_report(_articles_from_paths(args.paths), min_docs=args.min_docs)
    from ..store import open_store

    with open_store(args.db) as store:
        try:
            return report_from_store(store, min_docs=args.min_docs)
        except NotImplementedError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return None


def _print(args: argparse.Namespace, data: dict, render) -> int:
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render(data))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..corpus.timelines import render_report

    report = _report(args)
    return 2 if report is None else _print(args, report, render_report)


def cmd_stories(args: argparse.Namespace) -> int:
    from ..corpus.timelines import render_stories

    report = _report(args)
    if report is None:
        return 2
    return _print(args, {"stories": report["stories"], "series": report["series"]},
                  lambda r: "\n".join(render_stories(r)) + "\n")


def cmd_contradictions(args: argparse.Namespace) -> int:
    from ..corpus.timelines import render_contradictions

    args.min_docs = 2
    report = _report(args)
    if report is None:
        return 2
    return _print(args, {"contradictions": report["contradictions"]},
                  lambda r: "\n".join(render_contradictions(r)) + "\n")


def cmd_timeline(args: argparse.Namespace) -> int:
    from ..corpus.report import build_report
    from ..corpus.timelines import render_timeline, timeline

    if args.paths:
        articles = _articles_from_paths(args.paths)
        report = build_report(articles)
    else:
        from ..corpus.report import report_from_store
        from ..store import open_store

        with open_store(args.db) as store:
            report = report_from_store(store)
            articles = list(store.iter_articles())
    tl = timeline(args.target, articles, report["stories"])
    if tl is None:
        print(f"error: no entity or story matches {args.target!r}", file=sys.stderr)
        return 1
    if args.json:
        sys.stdout.write(json.dumps(tl, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render_timeline(tl))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="stories, duplicates and contradictions across articles")
    p.add_argument("paths", nargs="*", metavar="PATH", help="process these in memory instead of using the store")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.add_argument("--min-docs", type=int, default=1, help="only stories with at least N articles")
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser("stories", help="stories of two or more articles, and series of recurring reports")
    p.add_argument("paths", nargs="*", metavar="PATH", help="process these in memory instead of using the store")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="as JSON")
    p.add_argument("--min-docs", type=int, default=2, help="only stories with at least N articles (default 2)")
    p.set_defaults(func=cmd_stories)

    p = subparsers.add_parser("contradictions", help="reports of one story that disagree on one fact")
    p.add_argument("paths", nargs="*", metavar="PATH", help="process these in memory instead of using the store")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="as JSON")
    p.set_defaults(func=cmd_contradictions)

    p = subparsers.add_parser("timeline", help="dated events and quotes of an entity or a story, in order")
    p.add_argument("target", metavar="ENTITY|STORY", help="kb id, entity id, name, or story id")
    p.add_argument("paths", nargs="*", metavar="PATH", help="process these in memory instead of using the store")
    add_db_option(p)
    p.add_argument("--json", action="store_true", help="the timeline as JSON")
    p.set_defaults(func=cmd_timeline)
