"""The `khazar` command. Every verb is a thin wrapper over a library call."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence

from . import __version__

DEFAULT_DB = os.environ.get("KHAZAR_DB", "khazar.db")


def _print_json(obj: object, *, lines: bool) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=None if lines else 2) + "\n")


def _pipeline_options(args: argparse.Namespace):
    """The PipelineOptions of --no-tagger and --ner, over those of the environment."""
    from dataclasses import replace

    from .pipeline import PipelineOptions

    options = PipelineOptions.from_environment()
    if args.no_tagger:
        options = replace(options, use_tagger=False)
    if args.ner:
        from .ner.tagger import load_tagger

        try:
            load_tagger(args.ner)  # a tagger that cannot load stops the run here, not in a worker
        except (FileNotFoundError, ValueError) as exc:
            raise SystemExit(f"error: --ner {args.ner}: {exc}") from None
        options = replace(options, ner=args.ner)
    return options


def cmd_extract(args: argparse.Namespace) -> int:
    from .ingest import read_paths
    from .model import Rejection
    from .runner import process_stream, progress

    options = _pipeline_options(args)
    read = rejected = 0
    for _item, result in progress(process_stream(read_paths(args.paths), jobs=args.jobs, options=options), "extract"):
        if isinstance(result, Rejection):
            rejected += 1
            print(f"rejected: {result.origin}{f':{result.line}' if result.line else ''}: {result.reason}", file=sys.stderr)
            continue
        read += 1
        _print_json(result.to_dict(), lines=args.jsonl)
    if read == 0:
        print("error: no article could be read from the given paths", file=sys.stderr)
        return 1
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest import read_paths
    from .model import RawDocument, Rejection
    from .runner import process_stream, progress
    from .store import IngestCounts, open_store, redact

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
            from .corpus.state import Corpus

            Corpus(store).update()  # new articles join their stories; nothing already attached is redone
        except NotImplementedError:  # a backend without stories yet
            pass
        store.commit()
    seconds = time.perf_counter() - started
    print(f"{counts.summary()} ({seconds:.1f} s) → {redact(args.db)}", file=sys.stderr)
    return 1 if counts.read == 0 else 0


def cmd_tag(args: argparse.Namespace) -> int:
    from .extract.entities import tagger_for
    from .ner.conll import tag_conll

    try:
        tagger = tagger_for(args.ner)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: --ner {args.ner}: {exc}", file=sys.stderr)
        return 1
    try:
        tag_conll(args.conll, sys.stdout, tagger=tagger)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.conll}: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from .terminal import render_article
    from .store import open_store, redact

    with open_store(args.db) as store:
        article = store.get_article(args.id)
        if article is None:
            print(f"error: no article with id {args.id!r} in {redact(args.db)}", file=sys.stderr)
            return 1
        if args.raw:
            sys.stdout.write((store.get_raw(args.id) or "") + "\n")
        elif args.json:
            _print_json(article.to_dict(), lines=False)
        else:
            sys.stdout.write(render_article(article))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .store import open_store

    with open_store(args.db) as store:
        for article in store.iter_articles():
            _print_json(article.to_dict(), lines=args.jsonl)
    return 0


def cmd_rejections(args: argparse.Namespace) -> int:
    from .store import open_store

    with open_store(args.db) as store:
        for r in store.rejections():
            print(f"{r.origin}{f':{r.line}' if r.line else ''}\t{r.reason}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="khazar", description="Persian news to searchable, attributed knowledge.")
    parser.add_argument("--version", action="version", version=f"khazar {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", default=DEFAULT_DB, help="SQLite file or postgresql:// URL (default ./khazar.db, or $KHAZAR_DB)")
        return p

    p = sub.add_parser("extract", help="print articles as JSON without storing them")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (dumps, JSONL, HTML, RSS/Atom)")
    p.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--no-tagger", action="store_true", help="entities from the knowledge base and patterns only")
    p.add_argument("--ner", default=None, metavar="nn|crf|e5|PATH",
                   help="the NER tagger (default: $KHAZAR_NER, else nn); e5: the fine-tuned encoder, the best "
                        "names, far slower")
    p.set_defaults(func=cmd_extract)

    p = with_db(sub.add_parser("ingest", help="process articles and store them"))
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--batch", type=int, default=200, help="articles per transaction")
    p.add_argument("--no-tagger", action="store_true", help="entities from the knowledge base and patterns only")
    p.add_argument("--ner", default=None, metavar="nn|crf|e5|PATH",
                   help="the NER tagger (default: $KHAZAR_NER, else nn); e5: the fine-tuned encoder, the best "
                        "names, far slower")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("tag", help="tag a token-per-line NER file; prints each line with the predicted tag appended")
    p.add_argument("--conll", required=True, metavar="FILE", help="token|TAG, token TAG or token<TAB>TAG lines")
    p.add_argument("--ner", default=None, metavar="crf|nn|e5|PATH|pipeline|kb",
                   help="tagger: crf, nn, e5 (the fine-tuned encoder: best names, far slower) or a model path "
                        "(default: $KHAZAR_NER, else the default tagger); pipeline: "
                        "the names an article gets (knowledge base, patterns and the tagger); kb: the same "
                        "without the tagger")
    p.set_defaults(func=cmd_tag)

    p = with_db(sub.add_parser("show", help="print one stored article readably"))
    p.add_argument("id")
    p.add_argument("--json", action="store_true", help="the article JSON instead")
    p.add_argument("--raw", action="store_true", help="the raw input text instead")
    p.set_defaults(func=cmd_show)

    p = with_db(sub.add_parser("export", help="print every stored article"))
    p.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_export)

    p = with_db(sub.add_parser("rejections", help="list the inputs that were rejected, with reasons"))
    p.set_defaults(func=cmd_rejections)

    from .commands import corpus, entities, quotes_events, search_serve, spark

    corpus.register(sub)
    entities.register(sub)
    quotes_events.register(sub)
    search_serve.register(sub)
    spark.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        message = _environment_error(exc)
        if message is None:
            raise  # a bug: its traceback is what a report needs
        print(f"error: {message}", file=sys.stderr)
        return 1


def _environment_error(exc: Exception) -> str | None:
    """One line for a failure of the world around khazar (a busy or broken store, a full disk, an
    unreachable server), with any password masked; None for anything else."""
    from .store import is_busy, redact

    if is_busy(exc):
        return redact(f"the store is busy ({exc}): another process is writing to it; try again later")
    module = type(exc).__module__
    if isinstance(exc, OSError) or module.startswith(("sqlite3", "psycopg")):
        return redact(f"{exc}".strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    return None


if __name__ == "__main__":
    sys.exit(main())
