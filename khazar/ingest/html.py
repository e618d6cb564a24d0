"""Saved HTML article pages: main text and metadata by trafilatura, plus the Jalali dates it cannot see."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import trafilatura

from ..model import RawDocument, Rejection

logging.getLogger("trafilatura").setLevel(logging.ERROR)

# Where pages put their date: <time>, and elements whose class or id says date/time.
_DATE_XPATH = ("//time | //*[contains(translate(@class,'DATE','date'),'date') or contains(translate(@id,'DATE','date'),'date')"
               " or contains(translate(@class,'TIME','time'),'time')]")
_META_DATE = ("//meta[contains(@property,'published') or contains(@name,'date') or contains(@property,'date')"
              " or contains(@itemprop,'date')]/@content")
_SPACE = re.compile(r"\s+")


def find_jalali_date(tree: lxml.html.HtmlElement) -> str | None:
    """First date in the page's date-bearing elements as ISO `YYYY-MM-DD[THH:MM]` (Jalali or Gregorian)."""
    from ..extract.times import find_times, parse_dateline
    from ..text.normalize import normalize_text

    candidates = [str(v) for v in tree.xpath(_META_DATE)]
    candidates += [_SPACE.sub(" ", el.text_content()).strip() for el in tree.xpath(_DATE_XPATH)]
    for raw in candidates:
        if not raw or len(raw) > 120:
            continue
        text = normalize_text(raw, zwnj=False)
        dl = parse_dateline(text)
        if dl:
            d, hm = dl
            return d.isoformat() + (f"T{hm}" if hm else "")
        for tv in find_times(text, None):
            if tv.kind == "day":
                return tv.value
    return None


def read_html(path: Path, text: str) -> Iterator[RawDocument | Rejection]:
    try:
        tree = lxml.html.fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        yield Rejection(str(path), None, f"not parseable as HTML: {exc}")
        return
    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False, include_tables=True)
    body = doc.text if doc is not None else None
    if not body or not body.strip():
        yield Rejection(str(path), None, "HTML page without article text")
        return
    published = doc.date if doc.date and doc.date != doc.filedate else None
    yield RawDocument(
        id=path.stem,
        raw=body,
        format="html",
        origin=str(path),
        url=doc.url,
        title=doc.title,
        published=published or find_jalali_date(tree),
        outlet=doc.sitename,
        category=", ".join(doc.categories) if doc.categories else None,
        tags=list(doc.tags or []),
    )
