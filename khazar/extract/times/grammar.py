"""The grammar of date expressions: the words of khazar/kb/data/time_words.yaml as lookup tables and regexes
(built once, at import), and the windows around head words each regex group runs in."""
from __future__ import annotations

import re

import ahocorasick

from ... import kb
from ...text.fold import match_key as _key, shadow as _shadow


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
