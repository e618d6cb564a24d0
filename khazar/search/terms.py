"""The words of a query, in the search form of Persian text (khazar.text.fold.search_form), which documents and
queries alike go through.

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
  that are not ordinary words on their own are joined; است, ام stay separate words, and ای only joins a
  word ending in ه (هسته ای → هستهای).

The joined form is what FTS5 snippets show: readable Persian without ZWNJ and with ASCII digits.
"""
from __future__ import annotations

import re

from ..text.fold import search_form

_WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(query: str) -> list[str]:
    """The words of a query in search form (what the FTS5 expression is built from)."""
    return _WORD.findall(search_form(query))
