"""Checks and estimates over the dates found: weekdays that disagree with their date, datelines, and the
publication range an undated article allows."""
from __future__ import annotations

import datetime as dt
import re

from ...model import TimeValue
from ...text.fold import match_key as _key, shadow as _shadow
from .grammar import (MONTH, NUMERIC, _RELDAYS, _RX_CLOCK_LINE_EDGE, _RX_DATELINE_LABEL, _RX_DATELINE_TAIL, _RX_REL_ANY,
                      _RX_SENTENCE_END, _RX_TWO_DIGIT_END, _RX_WD_ANY, _WEEKDAYS, _WEEKDAY_DISPLAY)
from .resolve import _date_cands, _select, _sentence_is_future


def _bounds(tv: TimeValue) -> tuple[dt.date, dt.date]:
    """First and last day covered by a value."""
    v = tv.value
    if "/" in v:
        a, b = v.split("/")
        return dt.date.fromisoformat(a[:10]), dt.date.fromisoformat(b[:10])
    if len(v) == 4:
        y = int(v)
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if len(v) == 7:
        y, m = int(v[:4]), int(v[5:7])
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return dt.date(y, m, 1), nxt - dt.timedelta(days=1)
    d = dt.date.fromisoformat(v[:10])
    return d, d


def check_weekdays(text: str, times: list[TimeValue], ref: dt.date | None = None) -> list[str]:
    """Warnings where a stated weekday (or امروز/دیروز … given ref) disagrees with the explicit date.

    Only expressions that also contain a number are checked: a bare weekday was resolved from
    itself and cannot disagree. With two or more weekdays on an interval, the first is compared
    with its first day and the last with its last day.
    """
    warnings = []
    for tv in times:
        if tv.kind not in ("day", "interval"):
            continue
        shadow = _shadow(text[tv.start:tv.end])
        if not re.search(r"\d", shadow):
            continue
        first, last = _bounds(tv)
        stated = [m for m in _RX_WD_ANY.finditer(shadow)]
        pairs = []
        if stated:
            pairs.append((stated[0], first))
            if len(stated) > 1:
                pairs.append((stated[-1], last))
        for m, day in pairs:
            wd = _WEEKDAYS[_key(m.group("wd"))]
            if wd != day.weekday():
                warnings.append(
                    f"«{tv.text}» (offset {tv.start}): says {m.group('wd')} but {day.isoformat()} "
                    f"is a {_WEEKDAY_DISPLAY[day.weekday()]} ({day.strftime('%A')})")
        if ref is not None:
            for m in _RX_REL_ANY.finditer(shadow):
                meant = ref + dt.timedelta(days=_RELDAYS[_key(m.group("rd"))])
                if not (first <= meant <= last):
                    warnings.append(
                        f"«{tv.text}» (offset {tv.start}): says {m.group('rd')} ({meant.isoformat()}) "
                        f"but the date given is {tv.value}")
    return warnings


def parse_dateline(line: str) -> tuple[dt.date, str | None] | None:
    """A whole-line dateline → (date, "HH:MM" or None); None for anything else.

    Accepts an optional label (تاریخ انتشار:), an optional clock time before or after the date,
    and one explicit day (Jalali, Gregorian or numeric) with an optional weekday.
    """
    if not line:
        return None
    shadow = " ".join(_shadow(line).split())
    shadow = _RX_DATELINE_LABEL.sub("", shadow, count=1)
    clock = None
    lead = _RX_CLOCK_LINE_EDGE.match(shadow)
    if lead:
        clock = (int(lead.group("h")), int(lead.group("mi")))
        shadow = shadow[lead.end():]
    whole = [(0, len(shadow))]
    windows = {MONTH: whole, NUMERIC: whole}
    days = [c for c in _select(_date_cands(shadow, None, windows)) if c.kind == "day" and c.span]
    if len(days) != 1 or days[0].start != 0:
        return None
    if _RX_TWO_DIGIT_END.search(shadow, days[0].start, days[0].end):
        return None  # a dateline writes its year in full; "جمعه 13 شهریور 94" alone on a line is a heading
    tail = _RX_DATELINE_TAIL.fullmatch(shadow, days[0].end)
    if not tail:
        return None
    if tail.group("h"):
        if clock:
            return None
        clock = (int(tail.group("h")), int(tail.group("mi")))
    if clock and (clock[0] > 23 or clock[1] > 59):
        return None
    return days[0].span[0], (f"{clock[0]:02d}:{clock[1]:02d}" if clock else None)


LATEST_YEARS_AFTER = 3


def estimate_published(times: list[TimeValue], text: str | None = None) -> tuple[str, str] | None:
    """(earliest, latest) ISO days for an undated article, from the dates it mentions.

    earliest = first day of the latest-starting mention (a report cannot predate what it
    reports); latest = 31 December of the latest mentioned Gregorian year + 3. With `text`,
    mentions in sentences about the future (قرار است, خواهد …) are ignored, since an article
    may announce a later event. None when nothing usable is mentioned.
    """
    bounds = None
    if text is not None:
        shadow = _shadow(text)
        bounds = [m.start() for m in _RX_SENTENCE_END.finditer(shadow)]
    spans = []
    for tv in times:
        if tv.kind == "time" or not tv.value:
            continue
        if bounds is not None and _sentence_is_future(shadow, bounds, tv.start, tv.end):
            continue
        try:
            spans.append(_bounds(tv))
        except ValueError:
            continue
    if not spans:
        return None
    earliest = max(a for a, _ in spans)
    latest_year = max(b.year for _, b in spans) + LATEST_YEARS_AFTER
    return earliest.isoformat(), dt.date(latest_year, 12, 31).isoformat()
