"""Showing dates in both calendars: every date khazar stores is ISO Gregorian, shown with its Jalali twin."""
from __future__ import annotations

from datetime import date

import jdatetime

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


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
    j = jdatetime.date.fromgregorian(date=d)
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
