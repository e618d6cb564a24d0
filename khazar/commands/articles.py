"""CLI verbs over articles: `khazar extract` and `khazar ingest` run the pipeline over files; `khazar show`,
`khazar export` and `khazar rejections` read a store."""
from __future__ import annotations

import argparse
import sys
import time

from . import add_db_option, print_json


def _add_pipeline_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-tagger", action="store_true", help="entities from the knowledge base and patterns only")
    p.add_argument("--ner", default=None, metavar="nn|crf|e5|PATH",
                   help="the NER tagger (default: $KHAZAR_NER, else nn); e5: the fine-tuned encoder joined to nn, "
                        "the best names, far slower")


def _pipeline_options(args: argparse.Namespace):
    """The PipelineOptions of --no-tagger and --ner, over those of the environment."""
    from dataclasses import replace

    from ..pipeline import PipelineOptions

    options = PipelineOptions.from_environment()
    if args.no_tagger:
        options = replace(options, use_tagger=False)
    if args.ner:
        from ..ner.tagger import load_tagger

        try:
            load_tagger(args.ner)  # a tagger that cannot load stops the run here, not in a worker
        except (FileNotFoundError, ValueError) as exc:
            raise SystemExit(f"error: --ner {args.ner}: {exc}") from None
        options = replace(options, ner=args.ner)
    return options


def cmd_extract(args: argparse.Namespace) -> int:
    from ..ingest import read_paths
    from ..model import Rejection
    from ..runner import process_stream, progress

    options = _pipeline_options(args)
    read = rejected = 0
    for _item, result in progress(process_stream(read_paths(args.paths), jobs=args.jobs, options=options), "extract"):
        if isinstance(result, Rejection):
            rejected += 1
            print(f"rejected: {result.origin}{f':{result.line}' if result.line else ''}: {result.reason}", file=sys.stderr)
            continue
        read += 1
        print_json(result.to_dict(), lines=args.jsonl)
    if read == 0:
        print("error: no article could be read from the given paths", file=sys.stderr)
        return 1
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..ingest import read_paths
    from ..model import RawDocument, Rejection
    from ..runner import process_stream, progress
    from ..store import IngestCounts, open_store, redact

    options = _pipeline_options(args)
    counts = IngestCounts()
    started = time.perf_counter()
    with open_store(args.db) as store:
        def fresh():
            # Skip stored content before paying for processing it: reruns after an interruption are cheap.
            for item in read_paths(args.paths):
                if isinstance(item, RawDocument):
                    counts.read += 1
                    if store.has_content(item.content_hash):
                        counts.duplicates += 1
                        continue
                yield item

        def write(batch: list) -> None:
            # Processed first, written after: the write lock is held for the inserts and their index only,
            # not while articles are processed, so a server's writes and other ingests wait seconds at most.
            for item, result in batch:
                if isinstance(result, Rejection):
                    counts.rejected += 1
                    store.add_rejection(result)
                elif store.add_article(result, item):
                    counts.stored += 1
                else:
                    counts.duplicates += 1
            store.index_pending()  # a batch's articles are searchable from the moment they are stored
            store.commit()

        batch: list = []
        for pair in progress(process_stream(fresh(), jobs=args.jobs, options=options), "ingest"):
            batch.append(pair)
            if len(batch) >= args.batch:
                write(batch)
                batch = []
        write(batch)
        try:
            from ..corpus.state import Corpus

            Corpus(store).update()  # new articles join their stories; nothing already attached is redone
        except NotImplementedError:  # a backend without stories yet
            pass
        store.commit()
    seconds = time.perf_counter() - started
    print(f"{counts.summary()} ({seconds:.1f} s) → {redact(args.db)}", file=sys.stderr)
    return 1 if counts.read == 0 else 0


def cmd_show(args: argparse.Namespace) -> int:
    from ..terminal import render_article
    from ..store import open_store, redact

    with open_store(args.db) as store:
        article = store.get_article(args.id)
        if article is None:
            print(f"error: no article with id {args.id!r} in {redact(args.db)}", file=sys.stderr)
            return 1
        if args.raw:
            sys.stdout.write((store.get_raw(args.id) or "") + "\n")
        elif args.json:
            print_json(article.to_dict(), lines=False)
        else:
            sys.stdout.write(render_article(article))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..store import open_store

    with open_store(args.db) as store:
        for article in store.iter_articles():
            print_json(article.to_dict(), lines=args.jsonl)
    return 0


def cmd_rejections(args: argparse.Namespace) -> int:
    from ..store import open_store

    with open_store(args.db) as store:
        for r in store.rejections():
            print(f"{r.origin}{f':{r.line}' if r.line else ''}\t{r.reason}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("extract", help="print articles as JSON without storing them")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (dumps, JSONL, HTML, RSS/Atom)")
    p.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    _add_pipeline_options(p)
    p.set_defaults(func=cmd_extract)

    p = add_db_option(subparsers.add_parser("ingest", help="process articles and store them"))
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--batch", type=int, default=200, help="articles per transaction")
    _add_pipeline_options(p)
    p.set_defaults(func=cmd_ingest)

    p = add_db_option(subparsers.add_parser("show", help="print one stored article readably"))
    p.add_argument("id")
    p.add_argument("--json", action="store_true", help="the article JSON instead")
    p.add_argument("--raw", action="store_true", help="the raw input text instead")
    p.set_defaults(func=cmd_show)

    p = add_db_option(subparsers.add_parser("export", help="print every stored article"))
    p.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_export)

    p = add_db_option(subparsers.add_parser("rejections", help="list the inputs that were rejected, with reasons"))
    p.set_defaults(func=cmd_rejections)
