"""Run `process` over a stream of inputs, in this process or a pool, turning failures into rejections."""
from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Iterable, Iterator

from .model import Article, RawDocument, Rejection
from .pipeline import process


def safe_process(raw: RawDocument) -> Article | Rejection:
    try:
        return process(raw)
    except Exception as exc:  # one bad article is a rejection, never the end of the batch
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Rejection(raw.origin, raw.line,
                         f"processing failed: {type(exc).__name__}: {exc} ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})")


def _process_item(item: RawDocument | Rejection) -> tuple[RawDocument | Rejection, Article | Rejection]:
    if isinstance(item, Rejection):
        return item, item
    return item, safe_process(item)


def process_stream(items: Iterable[RawDocument | Rejection], jobs: int = 1
                   ) -> Iterator[tuple[RawDocument | Rejection, Article | Rejection]]:
    """(input, result) pairs in input order; `jobs` > 1 spreads the work over processes."""
    if jobs <= 1:
        for item in items:
            yield _process_item(item)
        return
    ctx = multiprocessing.get_context("fork" if hasattr(multiprocessing, "get_context") else None)
    with ctx.Pool(jobs) as pool:
        yield from pool.imap(_process_item, items, chunksize=8)
