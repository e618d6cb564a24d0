"""What a search asks and what it answers: plain dataclasses shared by the store, the CLI and the API."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jdatetime

MAX_PAGE_SIZE = 100
SORTS = ("relevance", "date")
# Highlight markers inside FTS5 snippets; search_form strips them from indexed text, so they are unambiguous.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"

_DIGITS = str.maketrans({**{chr(0x6F0 + i): str(i) for i in range(10)}, **{chr(0x660 + i): str(i) for i in range(10)}})
_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")


class QueryError(ValueError):
    """A search parameter that cannot be understood; the message is for the person who typed it."""


def parse_date(value: str | None, *, name: str = "date") -> str | None:
    """`1404-08-27`, `۱۴۰۴/۰۸/۲۷` (Jalali: years before 1700) or `2025-11-18` → ISO Gregorian `2025-11-18`."""
    if value is None or not str(value).strip():
        return None
    m = _DATE.match(str(value).translate(_DIGITS))
    if not m:
        raise QueryError(f"{name}: {value!r} is not a date (expected YYYY-MM-DD, Jalali or Gregorian)")
    y, mo, d = (int(g) for g in m.groups())
    try:
        if y < 1700:  # Jalali years in use are 13xx–14xx; Gregorian news dates are 19xx–20xx
            return jdatetime.date(y, mo, d).togregorian().isoformat()
        return date(y, mo, d).isoformat()
    except ValueError as exc:
        raise QueryError(f"{name}: {value!r} is not a calendar date ({exc})") from None


@dataclass
class SearchQuery:
    q: str = ""
    date_from: str | None = None  # ISO Gregorian, inclusive
    date_to: str | None = None
    outlet: str | None = None  # outlet kb id (out:...) or outlet name
    entity: str | None = None  # entity id as the linker gives it: kb id, or x:<hash> for names the KB does not know
    topic: str | None = None
    story: str | None = None  # honoured when the store has stories; ignored (and reported) otherwise
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    facets: bool = True

    def validate(self) -> "SearchQuery":
        if self.sort not in SORTS:
            raise QueryError(f"sort: must be one of {', '.join(SORTS)}, got {self.sort!r}")
        if not isinstance(self.page, int) or self.page < 1:
            raise QueryError(f"page: must be a whole number ≥ 1, got {self.page!r}")
        if not isinstance(self.size, int) or not 1 <= self.size <= MAX_PAGE_SIZE:
            raise QueryError(f"size: must be between 1 and {MAX_PAGE_SIZE}, got {self.size!r}")
        if len(self.q) > 500:
            raise QueryError("q: at most 500 characters")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError(f"from ({self.date_from}) is after to ({self.date_to})")
        return self


@dataclass
class SearchHit:
    id: str
    title: str
    outlet: str | None
    published: str | None
    snippet: str  # plain text
    highlights: list[list[int]] = field(default_factory=list)  # [start, end) spans of matches in snippet
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "outlet": self.outlet, "published": self.published,
                "snippet": self.snippet, "highlights": self.highlights, "score": self.score}


@dataclass
class SearchPage:
    total: int
    results: list[SearchHit]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page: int = 1
    size: int = 20
    notes: list[str] = field(default_factory=list)  # e.g. a filter this store cannot apply yet
    facets_estimated: bool = False  # counted over an even sample of the matches, scaled to the total

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "page": self.page, "size": self.size,
                "results": [h.to_dict() for h in self.results], "facets": self.facets,
                "facets_estimated": self.facets_estimated, "notes": self.notes}


def split_marks(marked: str) -> tuple[str, list[list[int]]]:
    """FTS5 snippet text with markers → (plain text, highlight spans)."""
    out: list[str] = []
    spans: list[list[int]] = []
    pos = 0
    start = None
    for ch in marked:
        if ch == MARK_OPEN:
            start = pos
        elif ch == MARK_CLOSE:
            if start is not None:
                spans.append([start, pos])
            start = None
        else:
            out.append(ch)
            pos += 1
    return "".join(out), spans


def fts_expression(query: str) -> str | None:
    """A user query → a safe FTS5 MATCH expression: every word quoted (no FTS5 syntax gets through),
    words ANDed, a "quoted phrase" kept as a phrase, a trailing * on a word kept as a prefix search."""
    from .normalize import query_terms, search_form

    parts: list[str] = []
    for m in re.finditer(r'"([^"]*)"|([^"]+)', query):
        if m.group(1) is not None:
            words = query_terms(m.group(1))
            if words:
                parts.append('"' + " ".join(words) + '"')
        else:
            # The whole run goes through search_form first, so that "استان های" joins before splitting.
            for w in re.finditer(r"(\w+)(\*?)", search_form(m.group(2))):
                parts.append(f'"{w.group(1)}"' + ("*" if w.group(2) else ""))
    return " ".join(parts) or None
