"""CLI verbs for running at scale: `khazar spark-extract`, `khazar spark-cross` and `khazar load`.

`register(subparsers)` adds them to the `khazar` parser (khazar/cli.py calls it). Neither verb imports
pyspark, pyarrow or psycopg until it runs, so `khazar --help` works without the optional extras.
"""
from __future__ import annotations

import argparse
import sys
import time

from . import add_db_option


def _has_pyspark(verb: str) -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        print(f"error: {verb} needs pyspark: pip install 'khazar[spark]'", file=sys.stderr)
        return False
    return True


def cmd_spark_extract(args: argparse.Namespace) -> int:
    if not _has_pyspark("spark-extract"):
        return 2
    from ..spark.job import run

    return run(args)


def cmd_spark_cross(args: argparse.Namespace) -> int:
    if not _has_pyspark("spark-cross"):
        return 2
    from ..spark.job import run_cross

    return run_cross(args)


def cmd_load(args: argparse.Namespace) -> int:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        print("error: load reads Parquet with pyarrow: pip install 'khazar[spark]' (or pyarrow)", file=sys.stderr)
        return 2
    from ..spark.load import LoadError, load
    from ..store import open_store, redact

    started = time.perf_counter()
    try:
        with open_store(args.db) as store:
            counts = load(args.parquet, store, batch=args.batch)
    except LoadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{counts.summary()} ({time.perf_counter() - started:.1f} s) → {redact(args.db)}", file=sys.stderr)
    return 0 if counts.read else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    from ..spark.job import build_cross_parser, build_parser

    p = subparsers.add_parser(
        "spark-extract", help="run the pipeline on Apache Spark: files (local, HDFS, S3) to Parquet",
        description="Read INPUT files or folders with Spark, run the same pipeline as `khazar extract` on every "
                    "article, and write OUTPUT/articles and OUTPUT/rejections as Parquet.")
    build_parser(p)
    p.set_defaults(func=cmd_spark_extract)

    p = subparsers.add_parser(
        "spark-cross", help="rerun the cross-document Spark steps (duplicates, stories) over a spark-extract OUTPUT",
        description="Read OUTPUT/articles and write OUTPUT/duplicates and OUTPUT/stories again (the steps "
                    "spark-extract runs after the articles), without processing the articles again.")
    build_cross_parser(p)
    p.set_defaults(func=cmd_spark_cross)

    p = subparsers.add_parser("load", help="store the Parquet written by spark-extract (SQLite or PostgreSQL)")
    p.add_argument("parquet", metavar="PARQUET", help="a spark-extract OUTPUT folder (or its articles/ folder)")
    add_db_option(p)
    p.add_argument("--batch", type=int, default=500, help="articles per transaction")
    p.set_defaults(func=cmd_load)
