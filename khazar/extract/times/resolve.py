"""Resolution: calendars (jdatetime for Jalali, hijridate for Hijri-qamari), the candidate date expressions of a
text with their values, the choice among overlapping ones, ranges and clock times: `find_times`."""
from __future__ import annotations

import bisect
import datetime as dt
import functools
from dataclasses import dataclass

import jdatetime
from hijridate import Gregorian as _HijriGregorian, Hijri as _Hijri

from ...dates import DATE_RANGE
from ...model import TimeValue
from ...text.fold import match_key as _key, shadow as _shadow
from .grammar import (DECADE, MONTH, NOT_DATE, NUMERIC, OCCASION, RELDAY, UNIT, WEEKDAY, YEAR, YEAR_PART, _AGO, _COUNTS,
                      _DECADE_WORDS, _DIR_YEAR, _MONTHS, _NIGHT_BEFORE, _OCCASIONS, _ORDINALS, _PARTS_OF_MONTH,
                      _RELDAYS, _RELQ, _RX_CLOCK_AFTER, _RX_DATE, _RX_DECADE, _RX_DURATION, _RX_FROM, _RX_FUTURE,
                      _RX_LATIN_DATE, _RX_MONTH, _RX_NOT_DATE, _RX_NUMERIC, _RX_OCCASION, _RX_PREFIX, _RX_RANGE_GAP,
                      _RX_RELDAY, _RX_SENTENCE_END, _RX_UNIT, _RX_UNTIL, _RX_WEEKDAY, _RX_WRITTEN_YEAR, _RX_YEAR,
                      _RX_YEAR_PART, _STANDALONE_YEARS, _SUFFIX_CAL, _UNITS, _WEEKDAYS, _WEEK_START,
                      _YEAR_PART_ORDINALS, _YEAR_PART_WORDS, _ZWNJ, _matches, _windows)


# ---------------------------------------------------------------------------------------------
# Calendar helpers (jdatetime for Jalali, hijridate for Hijri-qamari). Cached: jdatetime's
# constructor consults the locale each time, and news repeats the same few dates.

_cached = functools.lru_cache(maxsize=1 << 16)


@_cached
def _jalali(y: int, m: int, d: int) -> dt.date | None:
    try:
        return jdatetime.date(y, m, d).togregorian()
    except (ValueError, OverflowError):
        return None


@_cached
def _hijri(y: int, m: int, d: int) -> dt.date | None:
    try:
        return _Hijri(y, m, d).to_gregorian()
    except (ValueError, OverflowError):
        return None


def _gregorian(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


_TO_DATE = {"jalali": _jalali, "gregorian": _gregorian, "hijri": _hijri}


@_cached
def _month_len(cal: str, y: int, m: int) -> int | None:
    for last in (31, 30, 29, 28):  # February of a common year has 28
        if _TO_DATE[cal](y, m, last):
            return last
    return None


@_cached
def _year_of(cal: str, day: dt.date) -> int:
    if cal == "jalali":
        return jdatetime.date.fromgregorian(date=day).year
    if cal == "hijri" and _HijriGregorian is not None:
        try:
            return _HijriGregorian(day.year, day.month, day.day).to_hijri().year
        except (ValueError, OverflowError):
            return day.year
    return day.year


@_cached
def _month_of(cal: str, day: dt.date) -> tuple[int, int]:
    if cal == "jalali":
        j = jdatetime.date.fromgregorian(date=day)
        return j.year, j.month
    return day.year, day.month


@_cached
def _year_span(cal: str, y: int) -> tuple[dt.date, dt.date] | None:
    first = _TO_DATE[cal](y, 1, 1)
    last_len = _month_len(cal, y, 12)
    if first is None or last_len is None:
        return None
    return first, _TO_DATE[cal](y, 12, last_len)


def _month_span(cal: str, y: int, m: int, part: tuple[int, int] | None = None) -> tuple[dt.date, dt.date] | None:
    n = _month_len(cal, y, m)
    if n is None:
        return None
    lo, hi = part or (1, n)
    a, b = _TO_DATE[cal](y, m, min(lo, n)), _TO_DATE[cal](y, m, min(hi, n))
    return (a, b) if a and b else None


def _month_value(a: dt.date, b: dt.date) -> tuple[str, str]:
    """(kind, value) of a month or part of one: the Gregorian month when the span lies inside it ("اواخر آبان"
    is 12–21 November), else the exact interval (آبان is 23 October – 21 November)."""
    if (a.year, a.month) == (b.year, b.month):
        return "month", f"{a.year:04d}-{a.month:02d}"
    return "interval", _iso_interval(a, b)


def _iso_interval(a: dt.date, b: dt.date) -> str:
    return f"{a.isoformat()}/{b.isoformat()}"


def _pick_year(cal: str, ref: dt.date, make, direction: str | None):
    """Resolve a yearless date/month: `make(year)` gives (start, end) or None.

    No direction: the occurrence nearest to ref (by midpoint). past: the latest one ending
    before ref. future: the earliest one starting after ref.
    """
    base = _year_of(cal, ref)
    spans = [s for y in (base - 2, base - 1, base, base + 1, base + 2) if (s := make(y))]
    if not spans:
        return None
    if direction == "past":
        past = [s for s in spans if s[1] < ref]
        return past[-1] if past else None
    if direction == "future":
        fut = [s for s in spans if s[0] > ref]
        return fut[0] if fut else None
    return min(spans, key=lambda s: abs((s[0] + (s[1] - s[0]) / 2) - ref))


# ---------------------------------------------------------------------------------------------
# Candidates

@dataclass
class _Cand:
    start: int
    end: int
    kind: str = ""
    value: str | None = None
    # Explicit calendar date parts, kept so that "A تا B" ranges can be joined after selection.
    cal: str | None = None
    ymd: tuple | None = None         # (year, month, first day, last day); year None if unknown
    year_given: bool = False         # the year was written (a number or امسال/سال گذشته …)
    span: tuple | None = None        # resolved (start date, end date)
    explicit: bool = False           # a day number with a month name, or a numeric date

    @property
    def length(self) -> int:
        return self.end - self.start


def _day_num(s: str) -> int | None:
    s = s.replace(_ZWNJ, "")
    if s.endswith("ام"):
        s = s[:-2]
    if s.isdigit():
        return int(s)
    return _ORDINALS.get(_key(s))


def _year_from(m, p: str, cal: str, ref: dt.date | None) -> int | None:
    y = m.group(p + "y")
    if y:
        return int(y)
    yy = m.group(p + "yy") or m.group(p + "yb")
    if yy and cal == "jalali":
        return _two_digit_jalali(int(yy), ref)
    return None


def _two_digit_jalali(n: int, ref: dt.date | None) -> int | None:
    """۹۸ → 1398, ۰۲ → 1402: 13xx from 50 up, else 14xx unless that is more than 5 years after ref."""
    limit = (_year_of("jalali", ref) if ref else 1404) + 5
    year = 1300 + n if n >= 50 else 1400 + n
    return year if year <= limit else None


def _year_calendar(y: int, suffix: str | None) -> str:
    if suffix:
        return _SUFFIX_CAL.get(_key(suffix), "jalali")
    return "jalali" if y < 1500 else "gregorian"


def _rel_year_and_direction(m, p: str, ref: dt.date | None, cal: str):
    """From the `[سال] گذشته/امسال/…` group: (year or None, direction or None)."""
    rel = m.group(p + "rel")
    if not rel or ref is None:
        return None, None
    q = _RELQ.get(_key(rel), {})
    base = _year_of(cal, ref)
    if "year_offset" in q:
        return base + q["year_offset"], None
    direction = q.get("direction")
    if m.group(p + "sal") and direction:
        return base + _DIR_YEAR[direction], None
    return None, direction


def _sentence_is_future(shadow: str, bounds: list[int], start: int, end: int) -> bool:
    i = bisect.bisect_left(bounds, start)
    lo = bounds[i - 1] + 1 if i else 0
    j = bisect.bisect_left(bounds, end)
    hi = bounds[j] if j < len(bounds) else len(shadow)
    return _RX_FUTURE.search(shadow, lo, hi) is not None


def _date_cands(shadow: str, ref: dt.date | None, windows) -> list[_Cand]:
    out = []
    for m in _matches(_RX_DATE, shadow, windows, MONTH):
        cal, mon, ambiguous, needs_year = _MONTHS[_key(m.group("mon"))]
        if needs_year and not (m.group("y") or m.group("yy") or m.group("yb") or m.group("mp")):
            continue
        if ambiguous and m.group("comma") and not m.group("mah"):
            continue
        d1, d2 = _day_num(m.group("d1")), _day_num(m.group("d2")) if m.group("d2") else None
        c = _Cand(m.start(), m.end(), cal=cal, explicit=True)
        out.append(c)
        if m.group("cal"):
            cal = c.cal = _SUFFIX_CAL.get(_key(m.group("cal")), cal)
        year = _year_from(m, "", cal, ref)
        if year is None and m.group("yb"):
            c.end = m.start("yb") - 1  # a bare number that is no year here stays out of the expression
        direction = None
        if year is None and m.group("rel"):
            year, direction = _rel_year_and_direction(m, "", ref, cal)
        last = d2 or d1
        c.ymd, c.year_given = (year, mon, d1, last), year is not None
        if not d1 or not last or last < d1:
            continue
        conv = _TO_DATE[cal]

        def make(y, mon=mon, d1=d1, last=last, conv=conv):
            a, b = conv(y, mon, d1), conv(y, mon, last)
            return (a, b) if a and b else None

        if year is not None:
            span = make(year)
        elif ref is not None:
            span = _pick_year(cal, ref, make, direction)
        else:
            span = None
        if span is None:
            continue
        c.ymd = (year if year is not None else _year_of(cal, span[0]), mon, d1, last)
        c.span = span
        c.kind, c.value = ("day", span[0].isoformat()) if d2 is None else ("interval", _iso_interval(*span))
    for m in _matches(_RX_LATIN_DATE, shadow, windows, MONTH):
        known = _MONTHS.get(_key(m.group("mon")))
        if not known or known[0] != "gregorian":
            continue
        cal, mon = known[0], known[1]
        day = _gregorian(int(m.group("y")), mon, int(m.group("d1")))
        c = _Cand(m.start(), m.end(), cal=cal, explicit=True,
                  ymd=(int(m.group("y")), mon, int(m.group("d1")), int(m.group("d1"))), year_given=True)
        if day:
            c.kind, c.value, c.span = "day", day.isoformat(), (day, day)
        out.append(c)
    for m in _matches(_RX_NUMERIC, shadow, windows, NUMERIC):
        if m.group("y"):
            y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
        else:
            y, mo, d = int(m.group("y_")), int(m.group("m_")), int(m.group("d_"))
        cal = _year_calendar(y, m.group("cal"))
        day = _TO_DATE[cal](y, mo, d) if 1 <= mo <= 12 else None
        c = _Cand(m.start(), m.end(), cal=cal, explicit=True, ymd=(y, mo, d, d), year_given=True)
        if day:
            c.kind, c.value, c.span = "day", day.isoformat(), (day, day)
        out.append(c)
    # Leading weekday / relative-day words are part of the expression.
    for c in out:
        p = _RX_PREFIX.search(shadow, max(0, c.start - 80), c.start)
        if p:
            c.start = p.start()
    return out


def _month_cands(shadow: str, ref: dt.date | None, windows) -> list[_Cand]:
    out = []
    for m in _matches(_RX_MONTH, shadow, windows, MONTH):
        cal, mon, ambiguous, needs_year = _MONTHS[_key(m.group("mon"))]
        has_year = m.group("y") or m.group("yy") or m.group("yb")
        if m.group("mon").isascii():
            continue  # Latin month names only in full dates
        if needs_year and not (has_year or m.group("mp")):
            continue
        if ambiguous and not (has_year and not m.group("comma") or m.group("mah") or m.group("mp")
                              or m.group("rel") or m.group("part")):
            continue
        c = _Cand(m.start(), m.end(), cal=cal)
        out.append(c)
        if m.group("cal"):
            cal = _SUFFIX_CAL.get(_key(m.group("cal")), cal)
        part = _PARTS_OF_MONTH.get(_key(m.group("part"))) if m.group("part") else None
        year = _year_from(m, "", cal, ref)
        if year is None and m.group("yb"):
            c.end = m.start("yb") - 1  # a bare number that is no year here stays out of the expression
        direction = None
        if year is None and m.group("rel"):
            year, direction = _rel_year_and_direction(m, "", ref, cal)
        if cal == "gregorian" and part is None:
            if year is not None:
                c.kind, c.value = "month", f"{year:04d}-{mon:02d}"
                continue

        def make(y, mon=mon, part=part, cal=cal):
            return _month_span(cal, y, mon, part)

        if year is not None:
            span = make(year)
        elif ref is not None:
            span = _pick_year(cal, ref, make, direction)
        else:
            span = None
        if span:
            (c.kind, c.value), c.span = _month_value(*span), span
    return out


def _year_cands(shadow: str, ref: dt.date | None, windows) -> list[_Cand]:
    out = []
    for m in _matches(_RX_YEAR, shadow, windows, YEAR):
        c = _Cand(m.start(), m.end())
        out.append(c)
        suffix = m.group("cal")
        if m.group("yy"):
            if suffix and _SUFFIX_CAL.get(_key(suffix)) != "jalali":
                continue
            y = _two_digit_jalali(int(m.group("yy")), ref)
            if y is None:
                continue
        else:
            y = int(m.group("y") or m.group("yb"))
        cal = _year_calendar(y, suffix)
        y2 = int(m.group("y2")) if m.group("y2") else None
        if y2 is not None and y2 < y:
            continue
        first, last = _year_span(cal, y), _year_span(cal, y2 or y)
        if not first or not last:
            continue
        if cal == "gregorian" and y2 is None:
            c.kind, c.value = "year", f"{y:04d}"
        else:
            c.kind, c.value = "interval", _iso_interval(first[0], last[1])
        c.span = (first[0], last[1])
    return out


def _relative_cands(shadow: str, ref: dt.date | None, windows) -> list[_Cand]:
    out: list[_Cand] = []
    # Durations ("۶ سال گذشته") are found so that they mask the relative words inside them.
    for m in _matches(_RX_DURATION, shadow, windows, UNIT):
        c = _Cand(m.start(), m.end())
        out.append(c)
        n = int(m.group("n")) if m.group("n").isdigit() else _COUNTS.get(_key(m.group("n")))
        if ref and n and _key(m.group("q")) in _AGO:
            # "سه روز پیش", "یک هفته پیش" → that day; "۳۲ سال پیش" → that year; "دو ماه پیش" → that month
            unit = m.group("u")
            if unit in ("روز", "هفته"):
                c.kind, c.value = "day", (ref - dt.timedelta(days=n * (7 if unit == "هفته" else 1))).isoformat()
            elif unit == "ماه":
                months = ref.year * 12 + ref.month - 1 - n
                c.kind, c.value = "month", f"{months // 12:04d}-{months % 12 + 1:02d}"
            elif ref.year - n >= 1:
                c.kind, c.value = "year", f"{ref.year - n:04d}"
    for m in _matches(_RX_NOT_DATE, shadow, windows, NOT_DATE):
        out.append(_Cand(m.start(), m.end()))
    if ref is None:
        # Without a reference date nothing relative resolves; keep the spans so they still
        # mask shorter pieces inside them.
        for rx, group in ((_RX_RELDAY, RELDAY), (_RX_WEEKDAY, WEEKDAY), (_RX_UNIT, UNIT)):
            out.extend(_Cand(m.start(), m.end()) for m in _matches(rx, shadow, windows, group))
        return out
    for m in _matches(_RX_RELDAY, shadow, windows, RELDAY):
        day = ref + dt.timedelta(days=_RELDAYS[_key(m.group("rd"))])
        out.append(_Cand(m.start(), m.end(), "day", day.isoformat(), span=(day, day)))
    bounds = None
    for m in _matches(_RX_WEEKDAY, shadow, windows, WEEKDAY):
        if bounds is None:
            bounds = [x.start() for x in _RX_SENTENCE_END.finditer(shadow)]
        wk = _key(m.group("wk") or "")
        future = (_sentence_is_future(shadow, bounds, m.start(), m.end())
                  or _RX_UNTIL.search(shadow, max(0, m.start() - 3), m.start()) is not None)
        days = []
        for g in ("wd", "wd2"):
            if not m.group(g):
                continue
            target = _WEEKDAYS[_key(m.group(g))]
            if "هفته" in wk:
                # whole words: in key form the qualifier آینده reads اینده, which starts like این
                qualifier = [w for w in m.group("wk").split() if w not in ("هفته", "این", "همین")]
                q = _RELQ.get(_key(" ".join(qualifier)), {})
                shift = {"past": -7, "future": 7}.get(q.get("direction"), 0)
                week0 = ref - dt.timedelta(days=(ref.weekday() - _WEEK_START) % 7) + dt.timedelta(days=shift)
                day = week0 + dt.timedelta(days=(target - _WEEK_START) % 7)
            else:
                direction = _RELQ.get(wk, {}).get("direction") if wk else None
                back = (ref.weekday() - target) % 7
                fwd = (target - ref.weekday()) % 7
                if direction == "past":
                    day = ref - dt.timedelta(days=back or 7)
                elif direction == "future":
                    day = ref + dt.timedelta(days=fwd or 7)
                elif future:
                    day = ref + dt.timedelta(days=fwd)
                else:
                    day = ref - dt.timedelta(days=back)
            days.append(day)
        if m.group("pd") and _key(m.group("pd")) in _NIGHT_BEFORE:
            days = [d - dt.timedelta(days=1) for d in days]
        if len(days) == 2 and days[1] < days[0]:
            days[1] += dt.timedelta(days=7)
        if len(days) == 1:
            out.append(_Cand(m.start(), m.end(), "day", days[0].isoformat(), span=(days[0], days[0])))
        else:
            out.append(_Cand(m.start(), m.end(), "interval", _iso_interval(*days), span=tuple(days)))
    for m in _matches(_RX_UNIT, shadow, windows, UNIT):
        c = _Cand(m.start(), m.end())
        out.append(c)
        gregorian = bool(m.group("cal")) and _SUFFIX_CAL.get(_key(m.group("cal"))) == "gregorian"
        if m.group("sy"):
            unit, offset = "year", _STANDALONE_YEARS[_key(m.group("sy"))]
        else:
            unit = _UNITS[_key(m.group("u") or m.group("u2"))]
            q = _RELQ.get(_key(m.group("q") or ""), {"year_offset": 0})
            offset = q.get("year_offset", _DIR_YEAR.get(q.get("direction"), 0))
        if unit == "week":
            week0 = ref - dt.timedelta(days=(ref.weekday() - _WEEK_START) % 7) + dt.timedelta(days=7 * offset)
            c.kind, c.value = "interval", _iso_interval(week0, week0 + dt.timedelta(days=6))
        elif unit == "month":
            cal = "gregorian" if gregorian else "jalali"
            y, mo = _month_of(cal, ref)
            mo += offset
            y, mo = y + (mo - 1) // 12, (mo - 1) % 12 + 1
            span = _month_span(cal, y, mo)
            if span:
                (c.kind, c.value), c.span = _month_value(*span), span
        else:
            if gregorian:
                c.kind, c.value = "year", f"{ref.year + offset:04d}"
            else:
                span = _year_span("jalali", _year_of("jalali", ref) + offset)
                if span:
                    c.kind, c.value, c.span = "interval", _iso_interval(*span), span
    return out


def _occasion_span(occasion: dict, y: int) -> tuple[dt.date, dt.date] | None:
    """The days of an occasion (time_words.yaml occasions) in year y of its calendar."""
    cal = occasion["calendar"]
    if "last_weekday" in occasion:
        year = _year_span(cal, y)
        if year is None:
            return None
        day = year[1] - dt.timedelta(days=(year[1].weekday() - occasion["last_weekday"]) % 7)
    else:
        day = _TO_DATE[cal](y, occasion["month"], occasion["day"])
        if day is None:
            return None
    if occasion.get("eve"):
        day -= dt.timedelta(days=1)
    return day, day + dt.timedelta(days=occasion.get("days", 1) - 1)


def _occasion_cands(shadow: str, ref: dt.date | None, windows) -> list[_Cand]:
    out = []
    for m in _matches(_RX_OCCASION, shadow, windows, OCCASION):
        occasion = _OCCASIONS[_key(m.group("occ"))]
        cal = occasion["calendar"]
        c = _Cand(m.start(), m.end())
        out.append(c)

        def make(y, occasion=occasion):
            return _occasion_span(occasion, y)

        span = None
        if m.group("y") or m.group("yy"):
            written = int(m.group("y") or m.group("yy"))
            written_cal = _year_calendar(written, m.group("cal")) if m.group("y") else "jalali"
            if m.group("yy"):
                written = _two_digit_jalali(written, ref)
            year = written and _year_span(written_cal, written)
            if year:
                # the occurrence inside the written year, whatever calendar the year is written in
                base = _year_of(cal, year[0])
                span = next((sp for y in (base, base + 1) if (sp := make(y)) and year[0] <= sp[0] <= year[1]), None)
        elif ref is not None:
            direction = None
            if m.group("rel"):
                q = _RELQ.get(_key(m.group("rel")), {})
                base = _year_of(cal, ref)
                if "year_offset" in q:
                    span = make(base + q["year_offset"])
                elif m.group("sal") and q.get("direction"):
                    span = make(base + _DIR_YEAR[q["direction"]])
                direction = q.get("direction")
            if span is None:
                span = _pick_year(cal, ref, make, direction)
        if span:
            c.span = span
            c.kind, c.value = ("day", span[0].isoformat()) if span[0] == span[1] else ("interval", _iso_interval(*span))
    return out


def _year_part_cands(shadow: str, ref: dt.date | None, windows) -> list[_Cand]:
    """Quarters and halves of a year: "سه ماهه نخست سال ۲۰۲۰", "نیمه دوم سال"."""
    out = []
    for m in _matches(_RX_YEAR_PART, shadow, windows, YEAR_PART):
        c = _Cand(m.start(), m.end())
        out.append(c)
        parts = 4 if _YEAR_PART_WORDS[_key(m.group("unit"))] == "quarter" else 2
        which = _YEAR_PART_ORDINALS[_key(m.group("ord"))]
        which = parts if which == "last" else which
        if which > parts:
            continue
        if m.group("y"):
            year = int(m.group("y"))
            cal = _year_calendar(year, m.group("cal"))
        elif m.group("yy"):
            cal, year = "jalali", _two_digit_jalali(int(m.group("yy")), ref)
        elif m.group("rel"):
            if ref is None:
                continue
            q = _RELQ.get(_key(m.group("rel")), {})
            cal = "jalali"
            year = _year_of(cal, ref) + q.get("year_offset", _DIR_YEAR.get(q.get("direction"), 0))
        else:
            before = list(_RX_WRITTEN_YEAR.finditer(shadow, 0, m.start()))
            written = before[-1] if before else _RX_WRITTEN_YEAR.search(shadow, m.end())
            if written:
                year = int(written.group(1))
                cal = _year_calendar(year, None)
            elif ref is not None:
                cal = "jalali"
                year = _year_of(cal, ref)
            else:
                continue
        if year is None:
            continue
        months = 12 // parts
        first, last = (which - 1) * months + 1, which * months
        a, n = _TO_DATE[cal](year, first, 1), _month_len(cal, year, last)
        b = _TO_DATE[cal](year, last, n) if n else None
        if a and b:
            c.kind, c.value, c.span = "interval", _iso_interval(a, b), (a, b)
    return out


def _decade_cands(shadow: str, windows) -> list[_Cand]:
    """"دهه ۷۰" → the Jalali 1370s; "دهه ۱۹۹۰", "دهه ۹۰ میلادی" → the Gregorian 1990s."""
    out = []
    for m in _matches(_RX_DECADE, shadow, windows, DECADE):
        n = m.group("n")
        number = int(n) if n.isdigit() else _DECADE_WORDS[_key(n)]
        if number % 10:
            continue
        suffix = m.group("cal")
        if number >= 1000:
            cal, first = _year_calendar(number, suffix), number
        else:
            cal = _SUFFIX_CAL.get(_key(suffix), "jalali") if suffix else "jalali"
            first = number + {"jalali": 1300, "gregorian": 1900, "hijri": 1300}[cal]
        a, b = _year_span(cal, first), _year_span(cal, first + 9)
        if a and b:
            out.append(_Cand(m.start(), m.end(), "interval", _iso_interval(a[0], b[1]), span=(a[0], b[1])))
    return out


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Longest match wins; among equal lengths the earlier one."""
    chosen: list[_Cand] = []
    starts: list[int] = []
    for c in sorted(cands, key=lambda c: (-c.length, c.start)):
        i = bisect.bisect_left(starts, c.start)
        if i and chosen[i - 1].end > c.start:
            continue
        if i < len(chosen) and chosen[i].start < c.end:
            continue
        chosen.insert(i, c)
        starts.insert(i, c.start)
    return chosen


def _join_ranges(shadow: str, chosen: list[_Cand]) -> list[_Cand]:
    """"۲۷ آبان تا ۳ آذر ۱۴۰۴" → one interval; a missing year of either end comes from the other."""
    out: list[_Cand] = []
    i = 0
    while i < len(chosen):
        a = chosen[i]
        b = chosen[i + 1] if i + 1 < len(chosen) else None
        if (b is not None and a.explicit and b.explicit and a.cal == b.cal and a.ymd and b.ymd
                and b.start - a.end <= 6 and _RX_RANGE_GAP.fullmatch(shadow, a.end, b.start)):
            span = _range_span(a, b)
            if span:
                start = a.start
                f = _RX_FROM.search(shadow, max(0, start - 4), start)
                if f:
                    start = f.start()
                out.append(_Cand(start, b.end, "interval", _iso_interval(*span), cal=a.cal, span=span))
                i += 2
                continue
        out.append(a)
        i += 1
    return out


def _range_span(a: _Cand, b: _Cand) -> tuple[dt.date, dt.date] | None:
    conv = _TO_DATE[a.cal]
    (ya, ma, da, _), (yb, mb, db1, db) = a.ymd, b.ymd
    span_a, span_b = a.span, b.span
    if not a.year_given and b.year_given and yb is not None:
        ya = yb if (ma, da) <= (mb, db) else yb - 1
        d = conv(ya, ma, da)
        span_a = (d, d) if d else None
    elif not b.year_given and span_a is not None:
        yb = ya if (mb, db1) >= (ma, da) else ya + 1
        d1, d2 = conv(yb, mb, db1), conv(yb, mb, db)
        span_b = (d1, d2) if d1 and d2 else None
    if span_a and span_b and span_a[0] <= span_b[1]:
        return span_a[0], span_b[1]
    return None


def _clock_times(shadow: str, text: str, chosen: list[_Cand]) -> list[TimeValue]:
    out = []
    for idx, c in enumerate(chosen):
        if c.kind != "day" or not c.value:
            continue
        m = _RX_CLOCK_AFTER.match(shadow, c.end)
        if not m:
            continue
        nxt = chosen[idx + 1].start if idx + 1 < len(chosen) else len(shadow)
        h, mi = int(m.group("h")), int(m.group("mi"))
        if m.end() > nxt or h > 23 or mi > 59:
            continue
        s = m.start("h")
        out.append(TimeValue(text[s:m.end()], f"{c.value}T{h:02d}:{mi:02d}", s, m.end(), "time"))
    return out


def find_times(text: str, ref: dt.date | None = None) -> list[TimeValue]:
    """All date expressions in `text`, sorted and non-overlapping, longest match first.

    `ref` (the publication date) resolves relative expressions (امروز, هفته آینده, روز سه‌شنبه)
    and yearless dates (۲۷ آبان → the year putting it nearest to ref). Without ref those are
    left out. Clock times right after a resolved day (`26 آذر 1404 - 07:40`) are returned as
    separate `time` values.
    """
    if not text:
        return []
    if isinstance(ref, dt.datetime):
        ref = ref.date()
    if ref is not None and not DATE_RANGE[0] <= ref <= DATE_RANGE[1]:
        # Metadata may claim year 1 or 9999; relative dates resolved from it would leave the range of
        # datetime.date and jdatetime. Such a date resolves nothing, as no date at all does.
        ref = None
    shadow = _shadow(text)
    windows = _windows(shadow)
    if not windows:
        return []
    cands = _date_cands(shadow, ref, windows) + _month_cands(shadow, ref, windows)
    cands += _year_cands(shadow, ref, windows) + _relative_cands(shadow, ref, windows)
    cands += _occasion_cands(shadow, ref, windows) + _year_part_cands(shadow, ref, windows) + _decade_cands(shadow, windows)
    chosen = _join_ranges(shadow, _select(cands))
    result = [TimeValue(text[c.start:c.end], c.value, c.start, c.end, c.kind) for c in chosen if c.value]
    clocks = _clock_times(shadow, text, [c for c in chosen if c.value])
    if clocks:
        result = sorted(result + clocks, key=lambda t: t.start)
    return result
