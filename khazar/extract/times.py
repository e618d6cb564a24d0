"""Date expressions in Persian news → ISO 8601 calendar values.

See docs/times.md for the resolution rules. All words (month names, weekdays, relative
words …) come from khazar/kb/data/time_words.yaml; the regexes are built from it once, at import.

Matching runs on the *shadow* of the text (khazar.text.fold.shadow: digits → ASCII, Arabic letter forms →
Persian, one character for one), so every offset found in the shadow is an offset in the caller's text. The
words of the data file are shadowed too, so that the regexes built from them are written in the same letters.
"""
from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from dataclasses import dataclass

import ahocorasick
import jdatetime

from .. import kb
from ..dates import DATE_RANGE
from ..model import TimeValue
from ..text.fold import match_key as _key, shadow as _shadow

from hijridate import Gregorian as _HijriGregorian, Hijri as _Hijri

__all__ = ["TimeValue", "find_times", "check_weekdays", "parse_dateline", "estimate_published"]


# ---------------------------------------------------------------------------------------------
# Data → lookup tables and regexes (import time only)


def _shadowed(data):
    """The data file's words in shadow letters (ژوئن → ژوین), as the text they are matched in."""
    if isinstance(data, str):
        return _shadow(data)
    if isinstance(data, dict):
        return {_shadowed(k): _shadowed(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_shadowed(x) for x in data]
    return data


_WORDS = _shadowed(kb.data("time_words"))

_ZWNJ = "\u200c"


def _alt(words) -> str:
    """Regex alternation accepting each word with ZWNJ, space or nothing at its joints."""
    forms = sorted({w for w in words}, key=len, reverse=True)
    parts = []
    for w in forms:
        pieces = re.split(r"[ \u200c]", w)
        parts.append(r"[ \u200c]?".join(re.escape(p) for p in pieces))
    return "(?:" + "|".join(parts) + ")"


_MONTHS: dict[str, tuple[str, int, bool, bool]] = {}  # key → (calendar, number, ambiguous, needs_year)
for _cal, _entries in _WORDS["months"].items():
    for _e in _entries:
        for _n in _e["names"]:
            _MONTHS[_key(_n)] = (_cal, _e["number"], bool(_e.get("ambiguous")), bool(_e.get("needs_year")))
_MONTH_NAMES = [n for entries in _WORDS["months"].values() for e in entries for n in e["names"]]

_WEEKDAYS: dict[str, int] = {}
for _e in _WORDS["weekdays"]:
    for _n in _e["names"]:
        _WEEKDAYS[_key(_n)] = _e["weekday"]
_WEEKDAY_DISPLAY = {e["weekday"]: e["names"][0] for e in _WORDS["weekdays"]}
_WEEK_START = int(_WORDS["week_starts_on"])

_RELDAYS = {_key(k): int(v) for k, v in _WORDS["relative_days"].items()}
_NIGHT_BEFORE = {_key(w) for w in _WORDS["night_before"]}
_RELQ = {_key(k): v for k, v in _WORDS["relative_qualifiers"].items()}
_DIR_YEAR = _WORDS["direction_year_offset"]
_UNITS = {_key(k): v for k, v in _WORDS["relative_units"].items()}
_STANDALONE_YEARS = {_key(k): int(v) for k, v in _WORDS["standalone_years"].items()}
_SUFFIX_CAL = {_key(s): cal for cal, forms in _WORDS["calendar_suffixes"].items() for s in forms}
_PARTS_OF_MONTH = {_key(k): tuple(v) for k, v in _WORDS["parts_of_month"].items()}
_ORDINALS = {_key(w): int(d) for d, forms in _WORDS["ordinal_days"].items() for w in forms}
_COUNTS = {_key(k): v for k, v in _WORDS["count_words"].items()}
_AGO = {_key(w) for w in _WORDS["ago_words"]}

_L = r"(?<![\w\u200c])"
_R = r"(?![\w\u200c])"
_MW = re.escape(_WORDS["month_word"])
_WD = _alt(n for e in _WORDS["weekdays"] for n in e["names"])
_MON = _alt(n for n in _MONTH_NAMES if not n.isascii()) + "|(?i:" + _alt(n for n in _MONTH_NAMES if n.isascii()) + ")"
_MON = "(?:" + _MON + ")"
_PD = _alt(_WORDS["parts_of_day"])
_REL = _alt(_WORDS["relative_days"].keys())
_RQ = _alt(_WORDS["relative_qualifiers"].keys())
_ORD = _alt(w for forms in _WORDS["ordinal_days"].values() for w in forms)
_SUFFIXES = sorted((s for forms in _WORDS["calendar_suffixes"].values() for s in forms), key=len, reverse=True)
# A suffix ending in "." (ه.ش.) is followed by anything; others need a word boundary.
_SUF = "(?:" + "|".join(
    re.escape(s).replace(r"\ ", "[ ]?") + ("" if s.endswith(".") else _R) for s in _SUFFIXES) + ")"
_PARTS = _alt(_WORDS["parts_of_month"].keys())
_RANGE_WORD = _alt(_WORDS["range_words"])
_DASH = "[" + "".join(re.escape(d) for d in _WORDS["range_dashes"]) + "]"
_DAYNUM = rf"(?:\d{{1,2}}(?:\u200c?ام)?(?!\d)|{_ORD})"
_SAL = r"سال"


# After a bare two-digit number, a unit or a count shows it is no year ("آبان ۹۸" is 1398, "آبان ۹۸ نفر" is not).
_NOT_A_YEAR = r"(?![ ]?(?:درصد|نفر|هزار|میلیون|میلیارد|تن|مورد|کیلومتر|متر|ساعت|دقیقه|روز|سال|%|/|\.\d))"


def _year_part(p: str) -> str:
    """A year after a month: `[،] [سال] 1404 [شمسی]`, `۹۸` (a bare two-digit Jalali year) or `[سال] گذشته`."""
    return (
        rf"(?:(?P<{p}comma>[ ]?[،,])?[ ](?:{_SAL}[ ](?P<{p}yy>\d{{2}})(?!\d)|(?:{_SAL}[ ])?(?P<{p}y>\d{{4}})(?!\d))"
        rf"(?:[ ]?(?P<{p}cal>{_SUF}))?"
        rf"|[ ](?P<{p}yb>\d{{2}})(?!\d){_NOT_A_YEAR}"
        rf"|[ ](?:(?P<{p}sal>{_SAL})[ ])?(?P<{p}rel>{_RQ}){_R})?"
    )


_DAY_MONTH = (
    rf"(?P<d1>{_DAYNUM})"
    rf"(?:(?P<dl>(?:[ ]?[،,][ ]?\d{{1,2}})*)[ ]?(?:{_RANGE_WORD}|{_DASH})[ ]?(?P<d2>{_DAYNUM}))?"
    rf"[ ]?(?P<mp>{_MW}[ ])?(?P<mon>{_MON})(?P<mah>[ \u200c]?{_MW})?"
)

_RX_DATE = re.compile(_L + _DAY_MONTH + _year_part("") + _R)
_RX_LATIN_DATE = re.compile(
    _L + r"(?P<mon>[A-Za-z]{3,9})\.?[ ](?P<d1>\d{1,2})(?:st|nd|rd|th)?,?[ ](?P<y>\d{4})" + _R)
_RX_NUMERIC = re.compile(
    r"(?<![\w\u200c/.٫])(?:(?P<y>\d{4})(?P<s>[/.\-])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})"
    r"|(?P<d_>\d{1,2})(?P<s_>[/.\-])(?P<m_>\d{1,2})(?P=s_)(?P<y_>\d{4}))"
    rf"(?![\w\u200c/]|[.\-]\d)(?:[ ]?(?P<cal>{_SUF}))?")
_RX_MONTH = re.compile(
    _L + rf"(?:(?P<part>{_PARTS})[ ])?(?P<mp>{_MW}[ ])?(?P<mon>{_MON})(?P<mah>[ \u200c]?{_MW})?"
    + _year_part("") + _R)
_RX_YEAR = re.compile(
    _L + rf"(?:{_SAL}(?:\u200c?ها(?:ی)?)?[ ](?:(?P<yy>\d{{2}})|(?P<y>\d{{4}}))(?!\d)"
    rf"(?:[ ]?(?:تا|الی|لغایت|{_DASH})[ ]?(?:{_SAL}[ ])?(?P<y2>\d{{4}})(?!\d))?"
    rf"|(?P<yb>\d{{4}})(?=[ ]?{_SUF}))(?:[ ]?(?P<cal>{_SUF}))?" + _R)
_RX_RELDAY = re.compile(
    _L + rf"(?:(?P<pd>{_PD})[ ])?(?P<rd>{_REL})(?:[ \u200c](?P<pd2>{_PD}))?" + _R)
_RX_WEEKDAY = re.compile(
    _L + rf"(?:(?P<pd>{_PD})[ ])?(?:روز(?:\u200c?های)?[ ])?(?P<wd>{_WD})(?:[ ]و[ ](?P<wd2>{_WD}))?"
    rf"(?:[ \u200c](?P<pd2>{_PD}))?(?:[ ](?P<wk>(?:هفته[ ])?{_RQ}|(?:این|همین)[ ]هفته))?" + _R)
# "تا سه‌شنبه": until a weekday, which is still to come.
_RX_UNTIL = re.compile(_L + r"تا[ ]$")
_RX_UNIT = re.compile(
    _L + rf"(?:(?:این|همین)[ ](?P<u>هفته|ماه|{_SAL})|(?P<u2>هفته|ماه|{_SAL})[ \u200c]?(?P<q>{_RQ})"
    rf"|(?P<sy>{_alt(_WORDS['standalone_years'].keys())}))(?:[ ](?P<cal>{_SUF}))?" + _R)
_RX_DURATION = re.compile(
    _L + rf"(?P<n>\d{{1,4}}|{_alt(_WORDS['count_words'].keys())})[ ](?P<u>روز|هفته|ماه|{_SAL})(?:\u200c?ها(?:ی)?)?"
    rf"[ ](?P<q>{_alt(_WORDS['duration_qualifiers'])})" + _R)
_RX_NOT_DATE = re.compile(_L + _alt(_WORDS["not_dates"]) + _R)
_OCCASIONS = {_key(n): e for e in _WORDS["occasions"] for n in e["names"]}
_OCCASION_NAMES = [n for e in _WORDS["occasions"] for n in e["names"]]
_RX_OCCASION = re.compile(
    _L + rf"(?P<occ>{_alt(_OCCASION_NAMES)})(?:[ ](?:{_SAL}[ ])?(?:(?P<y>\d{{4}})(?!\d)(?:[ ]?(?P<cal>{_SUF}))?"
    rf"|(?P<yy>\d{{2}})(?!\d){_NOT_A_YEAR})|[ ](?:(?P<sal>{_SAL})[ ])?(?P<rel>{_RQ}))?" + _R)
_YEAR_PART_WORDS = {_key(w): kind for kind, words in _WORDS["year_parts"].items() for w in words}
_YEAR_PART_ORDINALS = {_key(k): v for k, v in _WORDS["year_part_ordinals"].items()}
_RX_YEAR_PART = re.compile(
    _L + rf"(?P<unit>{_alt(w for words in _WORDS['year_parts'].values() for w in words)})"
    rf"[ ](?P<ord>{_alt(_WORDS['year_part_ordinals'])})[ ]{_SAL}"
    rf"(?:[ ](?P<y>\d{{4}})(?!\d)(?:[ ]?(?P<cal>{_SUF}))?|[ ](?P<yy>\d{{2}})(?!\d){_NOT_A_YEAR}|[ ](?P<rel>{_RQ}))?" + _R)
_DECADE_WORDS = {_key(k): int(v) for k, v in _WORDS["decade_words"].items()}
_RX_DECADE = re.compile(
    _L + rf"دهه[ ](?P<n>\d{{4}}|\d{{2}}|{_alt(_WORDS['decade_words'])})(?!\d)(?:[ ]?(?P<cal>{_SUF}))?" + _R)
# A year the text writes (Jalali or Gregorian, four digits): the one before a part of a year written without a
# year, else the first after it, gives that part its year and calendar.
_RX_WRITTEN_YEAR = re.compile(r"(?<!\d)(1[34]\d\d|19\d\d|20\d\d)(?!\d)")
# Weekdays, relative days and parts of day just before an explicit date belong to it
# ("روزهای سه‌شنبه و چهارشنبه ۲۷ و ۲۸ آبان", "امروز ۲۷ آبان").
_RX_PREFIX = re.compile(
    _L + rf"(?:(?:{_PD}|{_REL}|روز(?:\u200c?های)?|{_WD})(?:[ ]?[،,][ ]?|[ ]و[ ]|[ ]))+$")
_RX_WD_ANY = re.compile(_L + rf"(?P<wd>{_WD})" + _R)
_RX_REL_ANY = re.compile(_L + rf"(?P<rd>{_REL})" + _R)
_RX_RANGE_GAP = re.compile(rf"[ ]?(?:تا|الی|لغایت|{_DASH})[ ]?")  # used with fullmatch
_RX_FROM = re.compile(_L + _alt(_WORDS["range_from"]) + "[ ]$")
_RX_CLOCK_AFTER = re.compile(
    rf"(?:[ ]?{_DASH}[ ]?|[ ]?[،,|][ ]?|[ ])(?:{_alt(_WORDS['clock_words'])}[ ])?(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})(?::\d{{2}})?(?!\d)")
_RX_FUTURE = re.compile(_L + _alt(_WORDS["future_markers"]))
_RX_SENTENCE_END = re.compile(r"[.!?؟\n]")
_RX_CLOCK_LINE_EDGE = re.compile(
    rf"^(?:{_alt(_WORDS['clock_words'])}[ ]?)?(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})(?::\d{{2}})?[ ]?(?:{_DASH}|[،,|])?[ ]?")
_RX_TWO_DIGIT_END = re.compile(r"(?<=[ ])\d{2}$")
_RX_DATELINE_LABEL = re.compile(rf"^{_alt(_WORDS['dateline_labels'])}[ ]?:?[ ]?")
_RX_DATELINE_TAIL = re.compile(
    rf"(?:[ ]?(?:{_DASH}|[،,|])?[ ]?(?:{_alt(_WORDS['clock_words'])}[ ]?)?(?P<h>\d{{1,2}}):(?P<mi>\d{{2}})(?::\d{{2}})?)?[ ]*")  # fullmatch




def _spellings(word: str) -> set[str]:
    return {word, word.replace(_ZWNJ, " "), word.replace(_ZWNJ, ""), word.replace(" ", ""),
            word.replace(" ", _ZWNJ), word.lower(), word.title(), word.upper()}


# Regex groups, each run only in windows around its own head words.
MONTH, YEAR, RELDAY, WEEKDAY, UNIT, NUMERIC, NOT_DATE, OCCASION, YEAR_PART, DECADE = (
    "month year relday weekday unit numeric not_date occasion year_part decade".split())


def _build_heads() -> ahocorasick.Automaton:
    """Head words: every date expression contains one (or a numeric date, found separately).

    One Aho-Corasick pass finds them; the regexes then run only in short windows around the
    heads of their own group, which keeps a 3,000-character article well under a millisecond.
    """
    groups: dict[str, set[str]] = {}

    def add(words, *names):
        for w in words:
            for form in _spellings(w):
                if form.strip():
                    groups.setdefault(form, set()).update(names)

    for entries in _WORDS["months"].values():
        for e in entries:
            if e.get("needs_year"):  # only next to a number: "۵ می ۲۰۲۰", never "می شود"
                add([f"{n} {d}" for n in e["names"] for d in "0123456789"], MONTH)
                add([f"{d} {n}" for n in e["names"] for d in "0123456789"], MONTH)
                add([f"{_WORDS['month_word']} {n}" for n in e["names"]], MONTH)
            else:
                add(e["names"], MONTH)
    add(_WEEKDAYS_ALL, WEEKDAY)
    add(_WORDS["relative_days"], RELDAY, UNIT)  # UNIT: "۳ روز گذشته" must mask "روز گذشته"
    add([f"روز {w}" for w in _WORDS["ago_words"]], UNIT)
    add(_WORDS["relative_units"], UNIT)
    add(["سال"], YEAR)
    add(_WORDS["standalone_years"], UNIT)
    add(_SUFFIXES, YEAR, NUMERIC)
    add(_WORDS["not_dates"], NOT_DATE)
    add(_OCCASION_NAMES, OCCASION)
    add([w for words in _WORDS["year_parts"].values() for w in words], YEAR_PART)
    add(["دهه"], DECADE)
    automaton = ahocorasick.Automaton()
    for form, names in groups.items():
        automaton.add_word(form, (len(form), tuple(sorted(names))))
    automaton.make_automaton()
    return automaton


_WEEKDAYS_ALL = [n for e in _WORDS["weekdays"] for n in e["names"]]
_HEADS = _build_heads()
_WINDOW_BEFORE, _WINDOW_AFTER = 36, 36
_MONTH_WORD = _WORDS["month_word"]


def _numeric_hints(shadow: str):
    """Spans around "/" or "-" between digits (str.find is much faster than a regex scan)."""
    n = len(shadow)
    for sep in "/-.":
        i = shadow.find(sep)
        while i != -1:
            if (0 < i < n - 1 and shadow[i - 1].isdigit() and shadow[i + 1].isdigit()
                    and shadow.find(sep, i + 2, i + 4) != -1):
                yield i - 5, i + 6
            i = shadow.find(sep, i + 1)


def _windows(shadow: str) -> dict[str, list[tuple[int, int]]]:
    hits: dict[str, list[tuple[int, int]]] = {}
    n = len(shadow)
    for last, (length, names) in _HEADS.iter(shadow):
        start, end = last - length + 1, last + 1
        if start and shadow[start - 1].isalpha():
            continue
        # A month name must end its word (دی ≠ دیگر), except for ماه (آبانماه).
        if (names == (MONTH,) and end < n and shadow[end].isalpha()
                and not shadow.startswith(_MONTH_WORD, end)):
            continue
        for name in names:
            hits.setdefault(name, []).append((start, end))
    numeric = list(_numeric_hints(shadow))
    if numeric:
        hits.setdefault(NUMERIC, []).extend(numeric)
    return {name: _merge(spans, n, shadow) for name, spans in hits.items()}


def _merge(spans, n: int, shadow: str) -> list[tuple[int, int]]:
    spans.sort()
    windows: list[list[int]] = []
    for start, end in spans:
        a, b = max(0, start - _WINDOW_BEFORE), min(n, end + _WINDOW_AFTER)
        if windows and a <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], b)
        else:
            windows.append([a, b])
    for w in windows:  # never cut a word: a lookahead at the window's end would see a false boundary
        b = w[1]
        while b < n and (shadow[b].isalnum() or shadow[b] == _ZWNJ):
            b += 1
        w[1] = b
    return [(a, b) for a, b in windows]


def _matches(rx: re.Pattern, shadow: str, windows: dict, group: str):
    for a, b in windows.get(group, ()):
        yield from rx.finditer(shadow, a, b)


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


# ---------------------------------------------------------------------------------------------
# Consistency, datelines, undated articles

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


def _main(argv: list[str]) -> int:
    """`python -m khazar.extract.times FILE.jsonl …`: speed and counts over news dumps."""
    import json
    import sys
    import time
    from collections import Counter

    articles = []
    for path in argv:
        with open(path, encoding="utf-8") as f:
            for line in f:
                a = json.loads(line)
                pub = a.get("published")
                articles.append(((a.get("title") or "") + "\n" + (a.get("text") or ""),
                                 dt.date.fromisoformat(pub[:10]) if pub else None))
    if not articles:
        print("usage: python -m khazar.extract.times FILE.jsonl ...", file=sys.stderr)
        return 2
    kinds: Counter = Counter()
    best = float("inf")
    for _ in range(3):
        kinds.clear()
        t0 = time.perf_counter()
        for text, ref in articles:
            kinds.update(t.kind for t in find_times(text, ref))
        best = min(best, time.perf_counter() - t0)
    chars = sum(len(t) for t, _ in articles)
    print(f"{len(articles)} articles, {chars / len(articles):.0f} chars each: "
          f"{len(articles) / best:.0f} articles/s, {best / len(articles) * 1e3:.3f} ms/article (best of 3, one core)")
    print("expressions:", sum(kinds.values()), dict(sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    import sys
    raise SystemExit(_main(sys.argv[1:]))
