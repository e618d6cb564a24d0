"""RSS and Atom feeds saved as files: one article per entry."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import lxml.html

from ..model import RawDocument, Rejection

_BLOCK_BREAK = re.compile(r"(?i)<\s*(?:br|/p|/div|/li|/h\d)\s*/?>")


def html_fragment_to_text(fragment: str) -> str:
    """Text of an entry's HTML content, paragraphs kept as lines."""
    if "<" not in fragment:
        return fragment
    fragment = _BLOCK_BREAK.sub(lambda m: m.group(0) + "\n", fragment)
    try:
        return lxml.html.fromstring(f"<div>{fragment}</div>").text_content()
    except (lxml.etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", fragment)


def _entry_date(entry: dict) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        st = entry.get(key)
        if st:
            return f"{st.tm_year:04d}-{st.tm_mon:02d}-{st.tm_mday:02d}T{st.tm_hour:02d}:{st.tm_min:02d}"
    # Iranian feeds often give a Jalali pubDate that feedparser can't read.
    from ..extract.times import find_times, parse_dateline
    from ..text.normalize import normalize_text

    for key in ("published", "updated"):
        raw = entry.get(key)
        if raw:
            text = normalize_text(raw, zwnj=False)
            dl = parse_dateline(text)
            if dl:
                return dl[0].isoformat() + (f"T{dl[1]}" if dl[1] else "")
            days = [t for t in find_times(text, None) if t.kind == "day"]
            if days:
                return days[0].value
    return None


def read_feed(path: Path, data: bytes) -> Iterator[RawDocument | Rejection]:
    try:
        parsed = feedparser.parse(data)
    except Exception as exc:  # feedparser raises on some malformed input (e.g. &#xD800;) instead of flagging it
        yield Rejection(str(path), None, f"feed not parseable: {type(exc).__name__}: {exc}")
        return
    if not parsed.entries:
        problem = f" ({parsed.bozo_exception})" if parsed.get("bozo") else ""
        yield Rejection(str(path), None, f"feed has no entries{problem}")
        return
    feed_title = parsed.feed.get("title")
    for n, entry in enumerate(parsed.entries, 1):
        contents = entry.get("content") or []
        body = contents[0].get("value") if contents else entry.get("summary", "")
        text = html_fragment_to_text(body or "").strip()
        if not text:
            yield Rejection(str(path), n, "feed entry without text")
            continue
        key = entry.get("id") or entry.get("link") or f"{n}"
        yield RawDocument(
            id=f"{path.stem}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}",
            raw=text,
            format="feed",
            origin=str(path),
            line=n,
            url=entry.get("link"),
            title=entry.get("title"),
            published=_entry_date(entry),
            outlet=feed_title,
            category=(entry.get("tags") or [{}])[0].get("term") if entry.get("tags") else None,
            tags=[t.get("term") for t in entry.get("tags") or [] if t.get("term")],
        )
