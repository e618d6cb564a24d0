"""Bytes from any Hadoop filesystem to RawDocuments, with the same readers `khazar extract` uses.

Spark's `binaryFiles` gives (name, bytes) pairs; `read_bytes` turns one into documents and rejections
exactly as `khazar.ingest.read_paths` does for a local file — the decoding, format detection and readers
are khazar.ingest's own (`read_blob`), not copies.
"""
from __future__ import annotations

from collections.abc import Iterator

from ..ingest import read_blob
from ..model import RawDocument, Rejection


def origin_name(hadoop_path: str) -> str:
    """The origin khazar records for a file Spark found.

    Local files come back from Hadoop as `file:/abs/path` (or `file:///abs/path`); the local path alone is
    what `khazar extract` records for the same file, so both front ends agree. Other filesystems (hdfs://,
    s3a://, gs://) keep their full URI: that is where the file is.
    """
    if hadoop_path.startswith("file:"):
        rest = hadoop_path[len("file:"):]
        if rest.startswith("//"):
            rest = rest[2:]
            # file://host/path is not produced for local files; keep the path part only when host is empty
            rest = rest if rest.startswith("/") else "/" + rest.split("/", 1)[-1]
        return rest
    return hadoop_path


def read_bytes(name: str, data: bytes) -> Iterator[RawDocument | Rejection]:
    """Documents and rejections in one file's bytes; never raises for bad input."""
    origin = origin_name(name)
    try:
        # As in read_paths: what was read before a reader failed is kept, then the failure is recorded.
        yield from read_blob(origin, bytes(data))
    except Exception as exc:  # a reader bug must cost one file, not the job
        yield Rejection(origin, None, f"reader failed: {type(exc).__name__}: {exc}")
