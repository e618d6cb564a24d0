"""News JSONL: one object a line with id, source, published, title, text, url, category, tags."""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from ..model import RawDocument, Rejection

_TEXT_KEYS = ("text", "body", "content")
# JSON's \ud800 escapes decode to lone surrogates, which no UTF-8 consumer (SQLite, the CRF tagger) accepts.
_SURROGATE = re.compile("[\ud800-\udfff]")


class BadJSON(ValueError):
    """Text that is not one JSON value khazar can take; the message says why (and where, when known)."""


def parse_json(text: str | bytes) -> object:
    """json.loads that fails only with BadJSON: also for nesting deeper than the interpreter's recursion
    limit (RecursionError) and integers longer than Python converts (ValueError), which json.loads lets out."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}" if exc.lineno > 1 else f"column {exc.colno}"
        raise BadJSON(f"{exc.msg} at {where}") from None
    except RecursionError:
        raise BadJSON("nested too deeply") from None
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise BadJSON(f"a number longer than {sys.get_int_max_str_digits()} digits") from None


def _without_surrogates(value: object) -> object:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    return value


def record_to_document(rec: object, *, origin: str, line: int | None, fallback_id: str) -> RawDocument | Rejection:
    """One news-JSONL record (also the shape `POST /api/articles` takes)."""
    if not isinstance(rec, dict):
        return Rejection(origin, line, f"expected a JSON object, got {type(rec).__name__}")
    rec = _without_surrogates(rec)
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
            records = parse_json(stripped)
        except BadJSON as exc:
            yield Rejection(str(path), None, f"broken JSON: {exc}")
            return
        for n, rec in enumerate(records, 1):
            yield record_to_document(rec, origin=str(path), line=n, fallback_id=f"{path.stem}-{n}")
        return
    # Only "\n" ends a record: str.splitlines also splits at U+2028, U+0085, U+001C …, which JSON strings
    # may hold unescaped.
    for n, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            rec = parse_json(line)
        except BadJSON as exc:
            yield Rejection(str(path), n, f"broken JSON line: {exc}")
            continue
        yield record_to_document(rec, origin=str(path), line=n, fallback_id=f"{path.stem}-{n}")
