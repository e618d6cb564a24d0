"""Readers: every supported input format, detected automatically, to RawDocument or Rejection.

`read_paths` never raises for bad input: an unreadable file, a wrong encoding, an empty or binary file, a
broken JSON line each become a Rejection with the file, line and reason, and reading goes on.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from ..model import RawDocument, Rejection
from .decode import DecodeError, decode_bytes
from .dump import read_dump
from .feed import read_feed
from .html import read_html
from .jsonl import read_jsonl

FORMATS = ("dump", "jsonl", "html", "feed")
_BY_SUFFIX = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".html": "html", ".htm": "html",
              ".xhtml": "html", ".rss": "feed", ".atom": "feed", ".xml": "feed", ".txt": "dump"}
# Files over this size are refused rather than read into memory whole.
MAX_FILE_BYTES = 512 * 1024 * 1024


def detect_format(path: Path, text: str) -> str:
    head = text.lstrip("\ufeff \t\r\n")[:2000].lower()
    if head.startswith("{") or head.startswith("["):
        return "jsonl"
    if "<rss" in head or "<feed" in head or "<rdf:rdf" in head:
        return "feed"
    if head.startswith("<!doctype html") or "<html" in head or "<body" in head:
        return "html"
    by_suffix = _BY_SUFFIX.get(path.suffix.lower())
    if by_suffix in ("feed", "html") and head.startswith("<"):
        return by_suffix
    return "dump" if by_suffix in (None, "dump", "feed", "html") else by_suffix


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | Rejection]:
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(path).parts):
                    yield f
        elif path.exists():
            yield path
        else:
            yield Rejection(str(path), None, "no such file or folder")


def read_file(path: Path) -> Iterator[RawDocument | Rejection]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            yield Rejection(str(path), None, f"file too large ({size} bytes; limit {MAX_FILE_BYTES})")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Rejection(str(path), None, f"unreadable: {exc.strerror or exc}")
        return
    yield from read_blob(str(path), data)


class _BlobName(PurePosixPath):
    """A file name for the readers that prints back exactly as given.

    The readers take `path.stem` for ids and `str(path)` for the origin. A plain Path would rewrite a URI
    such as `hdfs://nn/x.txt` to `hdfs:/nn/x.txt`; this keeps the name a cluster filesystem gave us.
    """

    _given: str

    def __str__(self) -> str:
        return getattr(self, "_given", None) or super().__str__()


def read_blob(path_name: str, data: bytes) -> Iterator[RawDocument | Rejection]:
    """The documents in one file's bytes — `read_file` for data that did not come from the local disk.

    Spark (`binaryFiles`) and other distributed readers hand over (name, bytes); the same decoding, format
    detection and readers apply, and `path_name` becomes the documents' origin unchanged.
    """
    path = _BlobName(path_name)
    path._given = path_name
    if len(data) > MAX_FILE_BYTES:
        yield Rejection(path_name, None, f"file too large ({len(data)} bytes; limit {MAX_FILE_BYTES})")
        return
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        yield Rejection(path_name, None, str(exc))
        return
    fmt = detect_format(path, text)
    if fmt == "jsonl":
        yield from read_jsonl(path, text)
    elif fmt == "feed":
        yield from read_feed(path, data)
    elif fmt == "html":
        yield from read_html(path, text)
    else:
        yield from read_dump(path, text)


def read_paths(paths: Iterable[str | Path]) -> Iterator[RawDocument | Rejection]:
    for item in iter_files(paths):
        if isinstance(item, Rejection):
            yield item
            continue
        try:
            yield from read_file(item)
        except Exception as exc:  # a reader bug must cost one file, not the batch
            yield Rejection(str(item), None, f"reader failed: {type(exc).__name__}: {exc}")
