"""The search form of Persian text: one function for documents and queries alike.

FTS5's unicode61 tokenizer splits words at ZWNJ (a format character) and at Arabic diacritics (combining
marks), and sees ي/ی, ك/ک and ۱/1 as different letters. So both the indexed copy of an article and every
query go through `search_form` first, and then match however the writer spelled the word:

* letter forms unified (Arabic yeh/kaf/teh marbuta/hamza-on-alef/alef wasla, presentation forms via NFKC;
  ئ to ی so that رئیس finds رییس); آ is a letter of its own and stays (snippets show this text);
* Persian and Arabic-Indic digits to ASCII (۱۴۰۴ finds 1404);
* diacritics (harakat, superscript alef), tatweel, ZWJ, bidi marks dropped;
* ZWNJ removed, joining the parts (استان‌های → استانهای);
* a plural/comparative suffix or the verbal prefix می/نمی written as a separate word is joined to its
  neighbour (استان های → استانهای, می شود → میشود), so "spaces inside compounds" match too. Only affixes
  that are not ordinary words on their own are joined; ای, است, ام stay separate words.

The joined form is what FTS5 snippets show: readable Persian without ZWNJ and with ASCII digits.
"""
from __future__ import annotations

import re
import unicodedata

_LETTERS = str.maketrans({
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ڪ": "ک", "ۀ": "ه", "ة": "ه", "ہ": "ه", "ە": "ه",
    "أ": "ا", "إ": "ا", "ٱ": "ا", "ؤ": "و",
    **{chr(0x6F0 + i): str(i) for i in range(10)}, **{chr(0x660 + i): str(i) for i in range(10)},
    # Private-use code points mark highlights in snippets (see sqlite search); they must never be text.
    "\ue000": None, "\ue001": None,
})
# Harakat, Quranic marks, superscript alef, tatweel, ZWJ/ZWNJ, LRM/RLM, bidi embeddings and isolates.
_DROP = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_SUFFIXES = ("هایشان", "هایتان", "هایمان", "هایش", "هایت", "هایم", "هایی", "های", "ها", "ترین", "تر")
_PREFIXES = ("نمی", "می")
_JOIN_SUFFIX = re.compile(r"(?<=[\u0620-\u06d5])[ \t]+(" + "|".join(_SUFFIXES) + r")(?![\w])")
_JOIN_PREFIX = re.compile(r"(?<![\w])(" + "|".join(_PREFIXES) + r")[ \t]+(?=[\u0620-\u06d5])")
_WORD = re.compile(r"\w+", re.UNICODE)


def search_form(text: str | None) -> str:
    """The text as it is indexed and queried; word boundaries other than the joins above are kept."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = s.translate(_LETTERS)
    s = _DROP.sub("", s)
    s = _JOIN_SUFFIX.sub(r"\1", s)
    s = _JOIN_PREFIX.sub(r"\1", s)
    return s.lower()


def query_terms(query: str) -> list[str]:
    """The words of a query in search form (what the FTS5 expression is built from)."""
    return _WORD.findall(search_form(query))
