"""HTML fragments built in Python: every piece of text goes through markupsafe.escape first, and only
markup written here is added around it, so article content can never become markup."""
from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

import jdatetime
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from ..dates import DATE_RANGE, fa_digits, jalali
from ..model import Article
from ..search.article_rows import page_entity_id

# Unicode isolates around a Gregorian date: in a right-to-left line "2025-11-18" would otherwise be laid out
# as "18-11-2025" (digits and hyphens are weak bidi characters). Isolates work in text and in attributes.
_LTR, _END = "\u2066", "\u2069"


def both_dates_html(value: str | None) -> Markup:
    """both_dates for page text: the Gregorian part in <bdi dir="ltr"> (Chromium with the page's web font
    still reorders "2025-11-18" inside Unicode isolates; the element holds)."""
    if not value:
        return Markup("—")
    if "/" in value:
        a, b = value.split("/", 1)
        return Markup("{} – {}").format(both_dates_html(a), both_dates_html(b))
    j = jalali(value)
    greg = Markup('<bdi dir="ltr" class="greg">({})</bdi>').format(value)
    return Markup("{} {}").format(j, greg) if j else Markup('<bdi dir="ltr">{}</bdi>').format(value)


@functools.lru_cache(maxsize=65536)
def both_dates(value: str | None) -> str:
    """both_calendars for the pages: `۲۷ آبان ۱۴۰۴ (2025-11-18)` with the Gregorian part kept left to right."""
    if not value:
        return "—"
    if "/" in value:
        a, b = value.split("/", 1)
        return f"{both_dates(a)} – {both_dates(b)}"
    j = jalali(value)
    return f"{j} {_LTR}({value}){_END}" if j else f"{_LTR}{value}{_END}"


def highlight(text: str, spans: list[list[int]]) -> Markup:
    out: list[str] = []
    pos = 0
    for s, e in sorted(spans):
        if s < pos or e > len(text):
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _valid(span: Any, n: int) -> bool:
    return (isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(x, int) for x in span)
            and 0 <= span[0] < span[1] <= n)


def annotate_text(text: str, article: Article, field: str = "text") -> Markup:
    """The clean text (or title, field="title") with entity mentions linked, date expressions marked with
    both calendars, and quotes set apart — all placed by their character spans, so nothing is guessed from
    the words. A span whose recorded text differs from the text at its offsets is left out, not misplaced."""
    n = len(text)
    marks: list[tuple[int, int, str, dict[str, Any]]] = []
    for ent in article.entities:
        if not (eid := page_entity_id(ent)):
            continue
        for m in ent.mentions:
            if m.field == field and _valid([m.start, m.end], n) and (not m.text or text[m.start:m.end] == m.text):
                marks.append((m.start, m.end, "ent", {"id": eid, "type": ent.type, "name": ent.name}))
    for t in article.times:
        if t.field == field and _valid([t.start, t.end], n):
            marks.append((t.start, t.end, "time", {"value": t.value}))
    for q in article.quotes:
        if q.field == field and _valid([q.start, q.end], n):
            marks.append((q.start, q.end, "quote", {"speaker": q.speaker or ""}))
    cuts = sorted({0, n, *(m[0] for m in marks), *(m[1] for m in marks)})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        piece: Markup = escape(text[a:b])
        active = [m for m in marks if m[0] <= a and b <= m[1]]
        for kind in ("time", "ent", "quote"):  # innermost first
            m = next((m for m in active if m[2] == kind), None)
            if m is None:
                continue
            info = m[3]
            if kind == "time":
                value = info["value"]
                label = both_dates(value)
                if len(value) == 10:
                    href = "/search?" + urlencode({"from": value, "to": value, "sort": "date"})
                    piece = Markup('<a class="time" href="{}" title="{}"><time datetime="{}">{}</time></a>').format(
                        href, label, value, piece)
                else:
                    piece = Markup('<time class="time" datetime="{}" title="{}">{}</time>').format(value, label, piece)
            elif kind == "ent":
                piece = Markup('<a class="ent ent-{}" href="/entities/{}" title="{}">{}</a>').format(
                    info["type"], quote(info["id"], safe=":~"), info["name"], piece)
            else:
                piece = Markup('<q class="quote" title="{}">{}</q>').format(info["speaker"], piece)
        out.append(piece)
    return Markup("").join(out)


def _bins(first: date, last: date) -> tuple[str, int]:
    """The bar width for a span of days: a day up to four months, a week up to two years, else a month."""
    days = (last - first).days + 1
    return ("day", 1) if days <= 120 else ("week", 7) if days <= 730 else ("month", 0)


# Jalali conversions are slow (tens of µs) and a timeline asks for thousands of days: remembered.
@functools.lru_cache(maxsize=65536)
def _bin_start(d: date, unit: str) -> date:
    if unit == "day":
        return d
    if unit == "week":  # the Iranian week starts on Saturday
        return d - timedelta(days=(d.weekday() - 5) % 7)
    j = jdatetime.date.fromgregorian(date=d)  # Jalali months, as the axis is labelled
    return jdatetime.date(j.year, j.month, 1).togregorian()


@functools.lru_cache(maxsize=65536)
def _bin_end(start: date, unit: str) -> date:
    if unit == "day":
        return start
    if unit == "week":
        return start + timedelta(days=6)
    j = jdatetime.date.fromgregorian(date=start)
    nxt = jdatetime.date(j.year + (j.month == 12), j.month % 12 + 1, 1).togregorian()
    return nxt - timedelta(days=1)


def time_ticks(first: date, last: date) -> list[tuple[date, str]]:
    """Axis ticks on Jalali boundaries: each year's 1 Farvardin for long spans, each month's first day
    for shorter ones, each day for a week or two; labelled in Persian."""
    span = (last - first).days
    out: list[tuple[date, str]] = []
    j0 = jdatetime.date.fromgregorian(date=first)
    if span > 3 * 365:
        years = jdatetime.date.fromgregorian(date=last).year - j0.year + 1
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500) if years / s <= 10)  # at most about ten labels
        for y in range(j0.year + (-j0.year) % step, j0.year + years, step):
            g = jdatetime.date(y, 1, 1).togregorian()
            if first <= g <= last:
                out.append((g, jalali(g.isoformat()).split(" ", 2)[-1]))
        return out
    if span > 20:
        y, m = j0.year, j0.month
        while True:
            g = jdatetime.date(y, m, 1).togregorian()
            if g > last:
                break
            if g >= first:
                label = jalali(g.isoformat()).split(" ", 1)[1]  # "آبان ۱۴۰۴"
                out.append((g, label))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        step = max(1, -(-len(out) // 8))  # at most about eight labels
        return out[::step]
    d = first
    while d <= last:
        out.append((d, jalali(d.isoformat()).rsplit(" ", 1)[0]))  # "۲۷ آبان"
        d += timedelta(days=max(1, -(-span // 8)))
    return out


def timeline_svg(counts: list[tuple[str, int]], link: Any = None, width: int = 640, height: int = 90,
                 label: str = "خبر") -> Markup:
    """Articles over time as an inline SVG on a real time axis: x is proportional to the date (a gap in
    the news is a gap in the chart), newest on the left as a Persian reader reads time, bars of a day,
    a week or a month depending on the span. `link(from, to)` gives the href of a bar (the search for
    its dates). The svg carries its date range (data-first, data-last, ISO) and each bar its own, so that
    khazar.js can turn a dragged stretch into a date filter (brushing)."""
    days = sorted((date.fromisoformat(d[:10]), c) for d, c in counts if _is_day(d))
    if not days:
        return Markup("")
    unit, _ = _bins(days[0][0], days[-1][0])
    bins: dict[date, int] = {}
    for d, c in days:
        b = _bin_start(d, unit)
        bins[b] = bins.get(b, 0) + c
    first, last = min(bins), _bin_end(max(bins), unit)
    total_days = (last - first).days + 1
    top = max(bins.values())
    pad = 4
    scale = (width - 2 * pad) / total_days

    def x_of(d: date) -> float:  # right to left: `first` at the right edge
        return width - pad - (d - first).days * scale

    parts = [Markup('<svg class="timeline" viewBox="0 0 {} {}" role="img" aria-label="{}" data-first="{}" data-last="{}"'
                    ' data-pad="{}" xmlns="http://www.w3.org/2000/svg">').format(
        width, height + 18, f"نمودار زمانی تعداد {label}‌ها؛ برای محدود کردن تاریخ، روی آن بکشید", first, last, pad)]
    parts.append(Markup('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>').format(pad, height, width - pad, height))
    for tick, label in time_ticks(first, last):
        x = x_of(tick)
        label_x = min(max(x, 18), width - 18)  # a label at either end stays on the canvas
        parts.append(Markup('<line class="tick" x1="{:.1f}" y1="{}" x2="{:.1f}" y2="{}"/>'
                            '<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>').format(
            x, height, x, height + 4, label_x, height + 15, label))
    for b, c in sorted(bins.items()):
        end = _bin_end(b, unit)
        h = max(1.0, (height - 4) * c / top)
        x_right, x_left = x_of(b), x_of(end + timedelta(days=1))
        w = max(x_right - x_left - (0.5 if unit != "day" or scale > 2 else 0), 0.8)
        rect = Markup('<rect x="{:.2f}" y="{:.1f}" width="{:.2f}" height="{:.1f}" data-from="{}" data-to="{}">'
                      '<title>{}: {} {}</title></rect>').format(
            x_left, height - h, w, h, b, end, both_dates(b.isoformat()) if unit == "day"
            else f"{both_dates(b.isoformat())} – {both_dates(end.isoformat())}", fa_digits(c), label)
        parts.append(Markup('<a href="{}">{}</a>').format(link(b.isoformat(), end.isoformat()), rect) if link else rect)
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def fa_number(value: Any) -> str:
    """A figure as a Persian reader writes it: Persian digits, ٬ between thousands, ٫ before decimals."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    else:
        return str(value)
    return fa_digits(text.replace(",", "٬").replace(".", "٫"))


def _is_day(value: str) -> bool:
    """A day the chart can place: one outside DATE_RANGE (year 9999 in a store written before the ingest
    refused it) has no Jalali twin for the axis and would stretch it over millennia."""
    try:
        return DATE_RANGE[0] <= date.fromisoformat(value[:10]) <= DATE_RANGE[1]
    except ValueError:
        return False

