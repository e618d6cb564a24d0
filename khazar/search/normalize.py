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
  that are not ordinary words on their own are joined; است, ام stay separate words, and ای only joins a
  word ending in ه (هسته ای → هستهای).

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
# The indefinite/adjectival ای after a final ه is written joined, with ZWNJ or with a space (هسته‌ای, هسته ای,
# منطقه ای); after ه the word ای (the vocative "O") practically never follows, so the three spellings are one.
_JOIN_HEH_YE = re.compile(r"(?<=ه)[ \t]+(ای|ایی)(?![\w])")
# Each join deletes the white space of its match outside the kept group: before the suffix, after the prefix.
_JOINS = ((_JOIN_SUFFIX, lambda m: (m.start(), m.start(1))), (_JOIN_HEH_YE, lambda m: (m.start(), m.start(1))),
          (_JOIN_PREFIX, lambda m: (m.end(1), m.end())))
_WORD = re.compile(r"\w+", re.UNICODE)


def search_form(text: str | None) -> str:
    """The text as it is indexed and queried; word boundaries other than the joins above are kept."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = s.translate(_LETTERS)
    s = _DROP.sub("", s)
    for pattern, _cut in _JOINS:
        s = pattern.sub(r"\1", s)
    return s.lower()


def query_terms(query: str) -> list[str]:
    """The words of a query in search form (what the FTS5 expression is built from)."""
    return _WORD.findall(search_form(query))


_CHAR_FORMS: dict[str, str] = {}  # one character's search form, memoised: a text has a few dozen distinct ones


def aligned_search_form(text: str) -> tuple[str, list[int]] | None:
    """search_form(text) with, for each of its characters, the index in `text` it came from; None in the
    rare case where normalising character by character does not give search_form's result (a composed
    sequence NFKC joins across characters), so that a caller never maps through a wrong alignment."""
    for ch in set(text).difference(_CHAR_FORMS):
        _CHAR_FORMS[ch] = _DROP.sub("", unicodedata.normalize("NFKC", ch).translate(_LETTERS)).lower()
    forms = {ch: _CHAR_FORMS[ch] for ch in set(text)}
    if all(len(f) <= 1 for f in forms.values()):  # the usual case: a character becomes one or none
        form = text.translate({ord(ch): f for ch, f in forms.items()})
        dropped = [ch for ch, f in forms.items() if not f]
        origin = []
        pos = 0
        if dropped:  # the kept stretches between dropped characters, as ranges (a loop per ZWNJ, not per letter)
            for m in re.finditer("[" + "".join(map(re.escape, dropped)) + "]", text):
                origin.extend(range(pos, m.start()))
                pos = m.end()
        origin.extend(range(pos, len(text)))
    else:
        form = "".join(forms[ch] for ch in text)
        origin = [i for i, ch in enumerate(text) for _ in forms[ch]]
    # The joins only delete white space: the whitespace run before a suffix, then after a prefix.
    for pattern, whitespace in _JOINS:
        cut = [whitespace(m) for m in pattern.finditer(form)]
        if cut:
            pieces, kept, pos = [], [], 0
            for a, b in cut:
                pieces.append(form[pos:a])
                kept.extend(origin[pos:a])
                pos = b
            pieces.append(form[pos:])
            kept.extend(origin[pos:])
            form, origin = "".join(pieces), kept
    # Character by character equals the whole text's search form unless NFKC composes across characters,
    # which a text already in NFKC (nearly every text: the pipeline writes it so) cannot do.
    if unicodedata.is_normalized("NFKC", text):
        return form, origin
    return (form, origin) if form == search_form(text) else None
