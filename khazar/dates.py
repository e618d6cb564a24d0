"""Showing dates in both calendars: every date khazar stores is ISO Gregorian, shown with its Jalali twin."""
from __future__ import annotations

from datetime import date

import jdatetime

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# The dates khazar accepts as a publication date or a reference for relative dates: far inside what both
# datetime.date and jdatetime can represent, so that a day before or a year after never leaves the range.
DATE_RANGE = (date(1000, 1, 1), date(8999, 12, 31))


def fa_digits(value: object) -> str:
    """`value` as text with Persian digits (۱۲ for 12), as the pages write numbers."""
    return str(value).translate(_PERSIAN_DIGITS)


def jalali(d: date | str | None, *, persian_digits: bool = True) -> str | None:
    """`2025-11-18` → `۲۷ آبان ۱۴۰۴`; a month `2025-11` or year stays as given when it has no single Jalali twin."""
    if d is None:
        return None
    if isinstance(d, str):
        if len(d) != 10:
            return None
        try:
            d = date.fromisoformat(d)
        except ValueError:
            return None
    try:
        j = jdatetime.date.fromgregorian(date=d)
    except ValueError:  # year 1 or 9999 in a store written before DATE_RANGE: shown as ISO alone
        return None
    text = f"{j.day} {j.j_months_fa[j.month - 1]} {j.year}"
    return text.translate(_PERSIAN_DIGITS) if persian_digits else text


def both_calendars(value: str | None) -> str:
    """`2025-11-18` → `۲۷ آبان ۱۴۰۴ (2025-11-18)`; intervals get both ends."""
    if not value:
        return "—"
    if "/" in value:
        a, b = value.split("/", 1)
        return f"{both_calendars(a)} – {both_calendars(b)}"
    j = jalali(value)
    return f"{j} ({value})" if j else value
