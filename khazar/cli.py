"""The `khazar` command: the parser, built from the verb modules in khazar/commands/, and `main`."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    from .commands import articles, corpus, entities, ner, quotes_events, search_serve, spark

    parser = argparse.ArgumentParser(prog="khazar", description="Persian news to searchable, attributed knowledge.")
    parser.add_argument("--version", action="version", version=f"khazar {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for verbs in (articles, ner, corpus, entities, quotes_events, search_serve, spark):
        verbs.register(sub)
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
