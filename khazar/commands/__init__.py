"""The `khazar` verbs, one module a family (articles, ner, corpus, entities, quotes_events, search_serve, spark),
each with `register(subparsers)`, which khazar/cli.py calls, and `cmd_*` functions: thin wrappers over library
calls that read the arguments and print."""
from __future__ import annotations

import argparse
import json
import os
import sys


def add_db_option(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The --db option of every verb that reads or writes a store."""
    parser.add_argument("--db", default=os.environ.get("KHAZAR_DB", "khazar.db"),
                        help="SQLite file or postgresql:// URL (default ./khazar.db, or $KHAZAR_DB)")
    return parser


def print_json(obj: object, *, lines: bool) -> None:
    """One JSON document on stdout: one line with `lines`, indented otherwise."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=None if lines else 2) + "\n")
