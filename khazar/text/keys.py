"""Comparison keys: two spellings of the same Persian string get the same key.

Used wherever khazar compares names or lines rather than displaying them (outlet look-up, repeated-title
detection, search). Spaces, ZWNJ, diacritics, tatweel and punctuation are dropped; letter forms and digit
scripts unified; the common spelling variants رییس/رئیس and هیأت/هیئت merged.
"""
from __future__ import annotations

import re
import unicodedata

_LETTERS = str.maketrans({
    "ي": "ی", "ى": "ی", "ك": "ک", "ۀ": "ه", "ة": "ه", "أ": "ا", "إ": "ا", "ٱ": "ا",
    **{chr(0x6F0 + i): str(i) for i in range(10)}, **{chr(0x660 + i): str(i) for i in range(10)},
})
_DROP = re.compile(r"[\s\u200c\u200d\u200e\u200f\u0640\u064b-\u065f\u0670«»\"'.,،؛;:!?؟()\[\]{}\-–—ـ/\\|]+")
_VARIANTS = (("رییس", "رئیس"), ("هیأت", "هیئت"), ("مسئول", "مسؤول"))


def match_key(s: str | None) -> str:
    if not s:
        return ""
    s = unicodedata.normalize("NFKC", s).translate(_LETTERS).lower()
    for a, b in _VARIANTS:
        s = s.replace(a, b)
    return _DROP.sub("", s)
