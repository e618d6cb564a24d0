"""News JSONL: one object a line with id, source, published, title, text, url, category, tags."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..model import RawDocument, Rejection

_TEXT_KEYS = ("text", "body", "content")


def record_to_document(rec: object, *, origin: str, line: int | None, fallback_id: str) -> RawDocument | Rejection:
    """One news-JSONL record (also the shape `POST /api/articles` takes)."""
    if not isinstance(rec, dict):
        return Rejection(origin, line, f"expected a JSON object, got {type(rec).__name__}")
    text = next((rec[k] for k in _TEXT_KEYS if isinstance(rec.get(k), str) and rec[k].strip()), None)
    if text is None:
        return Rejection(origin, line, "no article text (none of the fields text, body, content)")
    title = rec.get("title")
    tags = rec.get("tags") or []
    return RawDocument(
        id=str(rec.get("id") or fallback_id),
        raw=text,
        format="jsonl",
        origin=origin,
        line=line,
        url=rec.get("url") if isinstance(rec.get("url"), str) else None,
        title=title if isinstance(title, str) and title.strip() else None,
        published=str(rec["published"]) if rec.get("published") else None,
        outlet=rec.get("source") if isinstance(rec.get("source"), str) else None,
        category=rec.get("category") if isinstance(rec.get("category"), str) else None,
        tags=[str(t) for t in tags] if isinstance(tags, list) else [],
    )


def read_jsonl(path: Path, text: str) -> Iterator[RawDocument | Rejection]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        # A JSON array of records is the same data in another wrapping.
        try:
            records = json.loads(stripped)
        except json.JSONDecodeError as exc:
            yield Rejection(str(path), exc.lineno, f"broken JSON: {exc.msg}")
            return
        for n, rec in enumerate(records, 1):
            yield record_to_document(rec, origin=str(path), line=n, fallback_id=f"{path.stem}-{n}")
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejection(str(path), n, f"broken JSON line: {exc.msg} at column {exc.colno}")
            continue
        yield record_to_document(rec, origin=str(path), line=n, fallback_id=f"{path.stem}-{n}")
