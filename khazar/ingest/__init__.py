"""Readers: every supported input format, detected automatically, to RawDocument or Rejection.

`read_paths` never raises for bad input: an unreadable file, a wrong encoding, an empty or binary file, a
broken JSON line each become a Rejection with the file, line and reason, and reading goes on.
"""
from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from ..model import RawDocument, Rejection, clean_id, id_problem
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
    by_suffix = _BY_SUFFIX.get(path.suffix.lower())
    # A JSONL file is JSONL even when its first line is not an object (null, a number: each line a rejection)
    # and a string in it mentions <html>: only markup from its first character makes it something else.
    if head.startswith("{") or head.startswith("[") or (by_suffix == "jsonl" and not head.startswith("<")):
        return "jsonl"
    if "<rss" in head or "<feed" in head or "<rdf:rdf" in head:
        return "feed"
    if head.startswith("<!doctype html") or "<html" in head or "<body" in head:
        return "html"
    if by_suffix in ("feed", "html") and head.startswith("<"):
        return by_suffix
    return "dump" if by_suffix in (None, "dump", "feed", "html") else by_suffix


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | Rejection]:
    """Every entry of the given files and folders (hidden ones inside folders left out), in name order.

    Whether an entry is a regular file is decided when it is opened (`read_file`), not here: a file may be
    replaced or deleted in between, and whatever it turned out to be, it is read or rejected, never skipped.
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in f.relative_to(path).parts):
                    continue
                # A real folder is walked by rglob itself; a link to one is not followed, and read_file says so.
                if f.is_dir() and not f.is_symlink():
                    continue
                yield f
        elif path.exists() or path.is_symlink():
            yield path
        else:
            yield Rejection(str(path), None, "no such file or folder")


_KINDS = ((stat.S_ISDIR, "a folder reached through a symbolic link (not followed)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"{kind}, not a regular file"


def _os_reason(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "broken symbolic link (its target does not exist)" if path.is_symlink() else \
            "the file disappeared before it could be read"
    if exc.errno == errno.ENXIO:
        return "a socket or device without a reader, not a regular file"
    return f"unreadable: {exc.strerror or exc}"


def _read_regular(path: Path) -> bytes | Rejection:
    """The bytes of a regular file, at most MAX_FILE_BYTES of them, or why not.

    The type is checked before opening (opening a tape device may rewind it, a FIFO blocks until a writer
    comes) and again on the open descriptor, opened without blocking, in case the path changed in between.
    """
    origin = str(path)
    try:
        problem = _not_regular(os.stat(path).st_mode)
        if problem:
            return Rejection(origin, None, problem)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        return Rejection(origin, None, _os_reason(path, exc))
    with os.fdopen(fd, "rb") as fh:
        try:
            info = os.fstat(fh.fileno())
            problem = _not_regular(info.st_mode)
            if problem:
                return Rejection(origin, None, problem)
            if info.st_size > MAX_FILE_BYTES:
                return Rejection(origin, None, f"file too large ({info.st_size} bytes; limit {MAX_FILE_BYTES})")
            data = fh.read(MAX_FILE_BYTES + 1)  # a file still growing is bounded too
        except OSError as exc:
            return Rejection(origin, None, _os_reason(path, exc))
    if len(data) > MAX_FILE_BYTES:
        return Rejection(origin, None, f"file too large (more than {MAX_FILE_BYTES} bytes)")
    return data


def read_file(path: Path) -> Iterator[RawDocument | Rejection]:
    data = _read_regular(path)
    if isinstance(data, Rejection):
        yield data
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
        text, _encoding, decode_warning = decode_bytes(data)
    except DecodeError as exc:
        yield Rejection(path_name, None, str(exc))
        return
    fmt = detect_format(path, text)
    if fmt == "jsonl":
        items = read_jsonl(path, text)
    elif fmt == "feed":
        items = read_feed(path, data)
    elif fmt == "html":
        items = read_html(path, text)
    else:
        items = read_dump(path, text)
    for item in items:
        if isinstance(item, RawDocument):
            if decode_warning:
                item.warnings.append(decode_warning)
            _give_valid_id(item)
        yield item


def _give_valid_id(doc: RawDocument) -> None:
    """A batch keeps an article whose id (a record's id, a file name) cannot be an id, under a cleaned one."""
    problem = id_problem(doc.id)
    if problem is None:
        return
    given = doc.id
    doc.id = clean_id(given) or f"doc-{doc.content_hash[:16]}"
    shown = repr(given) if len(given) <= 80 else repr(given[:80]) + "…"
    doc.warnings.append(f"id {shown} is not a valid id ({problem}); stored as {doc.id!r}")


def read_paths(paths: Iterable[str | Path]) -> Iterator[RawDocument | Rejection]:
    for item in iter_files(paths):
        if isinstance(item, Rejection):
            yield item
            continue
        try:
            yield from read_file(item)
        except Exception as exc:  # a reader bug must cost one file, not the batch
            yield Rejection(str(item), None, f"reader failed: {type(exc).__name__}: {exc}")
