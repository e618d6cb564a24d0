"""Where the title, the body and the noise are: header line, repeated titles, datelines, boilerplate.

Works on normalised text (a TrackedText over the raw input) and cuts it down to the clean body, recording
every removal with its reason and raw span. The patterns are data (kb/data/boilerplate.yaml).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from .. import kb
from ..text.fold import match_key
from ..text.offsets import TrackedText
from .times import parse_dateline

# The crawler dump header: " date 2025-11-18 <source label>"
_DUMP_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?\s*(.*?)\s*$")
_LINE = re.compile(r"[^\n]+")
# A byline can follow a one-paragraph lead; it is never deeper in the story.
_LEAD_SEARCH_LINES = 3
_TRAILER_WINDOW = 200


@dataclass(frozen=True)
class Pattern:
    reason: str
    regex: re.Pattern[str]
    known_outlet: bool = False
    needle: str | None = None


@dataclass(frozen=True)
class Boilerplate:
    line_keys: frozenset[str]
    line_patterns: tuple[Pattern, ...]
    lead_patterns: tuple[Pattern, ...]
    trailing_patterns: tuple[Pattern, ...]
    source_line_patterns: tuple[Pattern, ...]
    inline_patterns: tuple[Pattern, ...]


@lru_cache(maxsize=1)
def boilerplate() -> Boilerplate:
    data = kb.data("boilerplate")

    def compiled(name: str) -> tuple[Pattern, ...]:
        return tuple(Pattern(p["reason"], re.compile(p["pattern"]), bool(p.get("known_outlet")), p.get("needle"))
                     for p in data.get(name, []))

    return Boilerplate(
        line_keys=frozenset(match_key(x) for x in data.get("lines", [])),
        line_patterns=compiled("line_patterns"),
        lead_patterns=compiled("lead_patterns"),
        trailing_patterns=compiled("trailing_patterns"),
        source_line_patterns=compiled("source_line_patterns"),
        inline_patterns=compiled("inline_patterns"),
    )


@dataclass
class Layout:
    title: str = ""
    body: TrackedText | None = None
    header_date: str | None = None
    header_time: str | None = None
    header_label: str | None = None
    dateline: tuple[date, str | None] | None = None
    outlet_hints: list[str] = field(default_factory=list)  # outlet names seen in bylines and labels
    sources: list[str] = field(default_factory=list)  # "منبع: X" lines
    removed: list[dict] = field(default_factory=list)


def _record(layout: Layout, t: TrackedText, start: int, end: int, reason: str) -> None:
    rs, re_ = t.raw_span(start, end)
    layout.removed.append({"text": t.text[start:end], "reason": reason, "raw_start": rs, "raw_end": re_})


def analyse(t: TrackedText, *, title: str | None, is_dump: bool) -> Layout:
    """Split normalised text into title and body lines; `title` is the metadata title when there is one."""
    bp = boilerplate()
    layout = Layout()
    lines = [(m.start(), m.end()) for m in _LINE.finditer(t.text) if m.group(0).strip()]
    i = 0
    if is_dump and lines:
        m = _DUMP_HEADER.match(t.text[lines[0][0]:lines[0][1]])
        if m:
            layout.header_date, layout.header_time, label = m.group(1), m.group(2), m.group(3)
            layout.header_label = label or None
            _record(layout, t, *lines[0], "dump header")
            i = 1
    if is_dump and title is None and i < len(lines) - 1:
        # A dump's first line is its title, when a body follows it: a dump of one line is all body.
        layout.title = t.text[lines[i][0]:lines[i][1]].strip()
        _record(layout, t, *lines[i], "title line")
        i += 1
    else:
        layout.title = (title or "").strip()
    title_key = match_key(layout.title)

    kept: list[tuple[int, int]] = []
    # Boilerplate lines are short and a repeated title is as long as the title: skip keying long lines.
    longest_key_line = max(80, 2 * len(layout.title) + 20)
    for start, end in lines[i:]:
        line = t.text[start:end].strip()
        key = match_key(line) if len(line) <= longest_key_line else None
        if title_key and key == title_key:
            _record(layout, t, start, end, "repeated title")
            continue
        if key in bp.line_keys:
            _record(layout, t, start, end, "boilerplate line")
            continue
        if len(line) <= 60:
            dl = parse_dateline(line)
            if dl is not None:
                layout.dateline = layout.dateline or dl
                _record(layout, t, start, end, "dateline")
                continue
        hit = next(((p, m) for p in bp.line_patterns if (m := p.regex.match(line))), None)
        if hit is not None:
            p, m = hit
            if "outlet" in m.groupdict() and m.group("outlet"):
                layout.outlet_hints.append(m.group("outlet").strip())
            _record(layout, t, start, end, p.reason)
            continue
        src = next((m for p in bp.source_line_patterns if (m := p.regex.match(line))), None)
        if src is not None:
            layout.sources.append(src.group("source").strip())
            _record(layout, t, start, end, "source line")
            continue
        kept.append((start, end))

    if kept:
        kept = _strip_lead_byline(layout, t, kept, bp)
        kept = _strip_trailing(layout, t, kept, bp)
    inline = _inline_cuts(layout, t, kept, bp)
    layout.body = _cut(t, kept, inline)
    return layout


def _strip_lead_byline(layout: Layout, t: TrackedText, kept: list[tuple[int, int]], bp: Boilerplate) -> list[tuple[int, int]]:
    """Take the byline off the start of the story; a lead paragraph may come before it."""
    from .meta import find_outlet  # meta imports layout; resolve the cycle at call time

    for n, (start, end) in enumerate(kept[:_LEAD_SEARCH_LINES]):
        line = t.text[start:end]
        for p in bp.lead_patterns:
            m = p.regex.match(line)
            if not m:
                continue
            outlet = m.group("outlet").strip()
            if p.known_outlet and find_outlet(outlet) is None:
                continue
            layout.outlet_hints.insert(0, outlet)
            _record(layout, t, start, start + m.end(), p.reason)
            kept[n] = (start + m.end(), end)
            return [(s, e) for s, e in kept if t.text[s:e].strip()]
    return kept


def _strip_trailing(layout: Layout, t: TrackedText, kept: list[tuple[int, int]], bp: Boilerplate) -> list[tuple[int, int]]:
    from .meta import find_outlet  # meta imports layout; resolve the cycle at call time

    start, end = kept[-1]
    stripped = True
    while stripped:
        stripped = False
        for p in bp.trailing_patterns:
            # a trailer is short: look at the end of the line only, long lines are common
            m = p.regex.search(t.text, max(start, end - _TRAILER_WINDOW), end)
            if not (m and m.end() == end and m.start() > start):
                continue
            source = m.groupdict().get("source")
            if source and p.known_outlet and find_outlet(source.strip()) is None:
                continue
            if source:
                layout.sources.append(source.strip())
            _record(layout, t, m.start(), end, p.reason)
            end = m.start()
            stripped = True
            break
    kept[-1] = (start, end)
    return kept


def _inline_cuts(layout: Layout, t: TrackedText, kept: list[tuple[int, int]], bp: Boilerplate) -> list[tuple[int, int]]:
    """Spans of inline furniture inside the kept lines, recorded as removed."""
    cuts = []
    for start, end in kept:
        for p in bp.inline_patterns:
            if p.needle and t.text.find(p.needle, start, end) == -1:
                continue
            for m in p.regex.finditer(t.text, start, end):
                cuts.append((m.start(), m.end()))
                _record(layout, t, m.start(), m.end(), p.reason)
    return sorted(cuts)


def _cut(t: TrackedText, kept: list[tuple[int, int]], inline: Sequence[tuple[int, int]] = ()) -> TrackedText:
    """Keep only the given stretches, one per line, less the inline cuts inside them."""
    edits = []
    pos = 0
    for n, (start, end) in enumerate(kept):
        # Leading/trailing spaces of a kept line are noise too.
        while start < end and t.text[start] in " \t":
            start += 1
        while end > start and t.text[end - 1] in " \t":
            end -= 1
        edits.append((pos, start, "" if n == 0 else "\n"))
        for a, b in inline:
            if start <= a and b <= end and a >= edits[-1][1]:
                # words on both sides of the cut stay apart: "...کردند. (بیشتر بخوانیم)نگاه" → "...کردند. نگاه"
                glue = " " if start < a and b < end and not t.text[a - 1].isspace() and t.text[b].isalnum() else ""
                edits.append((a, b, glue))
        pos = end
    edits.append((pos, len(t.text), ""))
    return t.apply([e for e in edits if e[0] != e[1] or e[2]])
