"""Run `process` over a stream of inputs, in this process or a pool, turning failures into rejections."""
from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import islice

from .model import Article, RawDocument, Rejection
from .pipeline import PipelineOptions, process

# Inputs handed to the pool at a time: enough to keep every worker busy, few enough to keep memory flat.
_BATCH = 64


def batched(items: Iterable, size: int) -> Iterator[list]:
    """itertools.batched, which Python 3.11 lacks."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def safe_process(raw: RawDocument, options: PipelineOptions | None = None) -> Article | Rejection:
    """The article, or a rejection: for a failure inside `process`, or when no body text is left."""
    try:
        article = process(raw, options=options)
    except Exception as exc:  # one bad article is a rejection, never the end of the batch
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Rejection(raw.origin, raw.line,
                         f"processing failed: {type(exc).__name__}: {exc} ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})")
    if not article.text.strip():
        return Rejection(raw.origin, raw.line, "no article text left once the title, header and boilerplate lines"
                                               " were taken out")
    return article


def _process_item(item: RawDocument | Rejection,
                  options: PipelineOptions | None = None) -> tuple[RawDocument | Rejection, Article | Rejection]:
    if isinstance(item, Rejection):
        return item, item
    return item, safe_process(item, options)


Result = tuple[RawDocument | Rejection, Article | Rejection]


def progress(items: Iterable, desc: str, unit: str = " doc"):
    """A progress bar on stderr for a long CLI step (tqdm): shown on a terminal, silent when stderr is not
    one (a pipe, a log file, CI), so that no output a script reads ever changes."""
    import sys

    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, disable=None, file=sys.stderr, mininterval=0.5, dynamic_ncols=True)


def process_stream(items: Iterable[RawDocument | Rejection], jobs: int = 1,
                   options: PipelineOptions | None = None) -> Iterator[Result]:
    """(input, result) pairs in input order; `jobs` > 1 spreads the work over processes, each handed `options`.

    The input is consumed in the caller's thread, a batch at a time, so a generator that reads a
    database (the ingest's duplicate check) never runs on the pool's feeder thread.
    """
    work = partial(_process_item, options=options)
    if jobs <= 1:
        for item in items:
            yield work(item)
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        for batch in batched(items, _BATCH):
            yield from pool.map(work, batch, chunksize=max(1, len(batch) // (4 * jobs)))
