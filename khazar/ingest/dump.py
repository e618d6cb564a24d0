"""Crawler text dumps: an optional header line ` date YYYY-MM-DD <source>`, the title, then the body.

The reader hands over the whole file; the layout stage finds header, title and body, so that every removal
is recorded against raw offsets.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..model import RawDocument, Rejection


def read_dump(path: Path, text: str) -> Iterator[RawDocument | Rejection]:
    if not text.strip():
        yield Rejection(str(path), None, "empty file")
        return
    yield RawDocument(id=path.stem, raw=text, format="dump", origin=str(path))
