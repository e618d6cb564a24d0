"""Folding: one letter table, and the few named forms khazar compares Persian text in.

Writers and crawls spell the same word several ways (Arabic ي/ك for ی/ک, ة/ۀ for ه, أ/إ for ا, رئیس/رییس,
Persian, Arabic or ASCII digits, a ZWNJ, a space or nothing inside a compound). Every comparison in khazar goes
through one of the forms below, all built from the same tables, so that a decision about a letter is taken once:

* ``LETTERS`` — one character for one character: Arabic letter forms to Persian (ي ى ئ → ی, ك ڪ → ک,
  ة ۀ ہ ە → ه, أ إ ٱ → ا, ؤ → و) and Persian/Arabic-Indic digits to ASCII.
* ``MARKS`` — characters that never change a word: harakat, superscript alef, Quranic marks, tatweel, ZWJ,
  bidi controls, BOM, soft hyphen.
* ``WORD_VARIANTS`` — spellings that differ by more than a letter (هیأت/هیئت/هیات, مسئول/مسؤول), written in
  folded letters; each pair is the same length, so offsets survive them.

The forms, and where they deliberately differ:

* ``match_key`` — names and short lines compared for equality (outlets, entities, titles, time words, speakers):
  also folds آ to ا (news writes آمریکا and امریکا), lower-cases, and drops every space, ZWNJ, mark and
  punctuation mark.
* ``offset_key`` — the key of a running text for the KB and title automata, with each key character's offset in
  the text; it keeps punctuation and line breaks (so a name is never assembled across them), and NFKC is not
  applied (it would move offsets).
* ``key_text`` — a whole text in key form with its word breaks kept: each word is the ``match_key`` of that
  word. A ZWNJ becomes a space (one copy writes رئیس‌جمهور, another رئیس جمهور: as two words both agree).
  Near-duplicate detection shingles it.
* ``search_form`` — what the search index stores and every query is compared in, and what snippets display:
  it keeps آ, the word variants and the spaces between words (readable text), and joins the detached plural
  suffixes, ای after ه and the verbal prefix می to their word. ``aligned_search_form`` gives each of its
  characters' offsets in the text.
* ``shadow`` — one character for one character (offsets in the shadow are offsets in the text): letters,
  digits and word variants folded, nothing dropped. Regexes written in Persian run over it.
* ``token_form`` — the NER taggers' input. Frozen: the CRF's features and the BiLSTM's vocabulary were built
  with it, so it keeps ئ ؤ ڪ ہ ە and the marks outside U+064B–U+0652 as written, and turns ZWNJ into a space
  (PEYMA writes the parts of a compound as separate words). Changing it means retraining both taggers.
* ``letters_pattern`` / ``phrase_pattern`` — regex source that accepts every spelling whose shadow is the
  shadow of the given word or phrase, with a space, a ZWNJ or nothing between words.
"""
from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np

ZWNJ = "\u200c"

_DIGITS = {**{chr(0x6F0 + i): str(i) for i in range(10)}, **{chr(0x660 + i): str(i) for i in range(10)}}
LETTERS: dict[str, str] = {
    "ي": "ی", "ى": "ی", "ئ": "ی", "ك": "ک", "ڪ": "ک", "ة": "ه", "ۀ": "ه", "ہ": "ه", "ە": "ه",
    "أ": "ا", "إ": "ا", "ٱ": "ا", "ؤ": "و", **_DIGITS,
}
# Keys only: آ stays in the forms that are displayed or matched by written patterns.
KEY_LETTERS: dict[str, str] = {**LETTERS, "آ": "ا"}
MARKS = "".join(chr(c) for c in [*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE), 0x0640, 0x200B,
                                 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                 0xFEFF, 0x00AD])
# Word separators inside a line: what a name may be written with or without.
SPACES = " \t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u3000"
SEPARATORS = SPACES + ZWNJ
PUNCTUATION = "«»\"'.,،؛;:!?؟()[]{}-–—/\\|"
WORD_VARIANTS: tuple[tuple[str, str], ...] = (("هییت", "هیات"), ("مسوول", "مسیول"))

_WHITESPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())


def _apply_variants(s: str) -> str:
    for variant, canonical in WORD_VARIANTS:
        if variant in s:
            s = s.replace(variant, canonical)
    return s


# -- match key -------------------------------------------------------------------------------------------------
_KEY_TABLE = str.maketrans({**KEY_LETTERS, **dict.fromkeys(MARKS + SEPARATORS + _WHITESPACE + PUNCTUATION)})


def match_key(s: str | None) -> str:
    """Equality key of a name or a short line: ``match_key(a) == match_key(b)`` when a and b are spellings of one string."""
    if not s:
        return ""
    return _remembered_key(s) if len(s) <= _REMEMBERED_CHARS else _key(s)


def _key(s: str) -> str:
    return _apply_variants(unicodedata.normalize("NFKC", s).lower().translate(_KEY_TABLE))


# Words and names are keyed over and over (a speaker's candidates, an entity's name, a time word): their keys are
# remembered; a line is keyed once and not kept.
_REMEMBERED_CHARS = 64
_remembered_key = functools.lru_cache(maxsize=1 << 16)(_key)


# -- key_text -----------------------------------------------------------------------------------------------
_KEY_TEXT_TABLE = str.maketrans({**KEY_LETTERS, **dict.fromkeys(MARKS), ZWNJ: " "})


def key_text(text: str | None) -> str:
    """The text in key form with its word breaks kept: every ``\\w+`` word of it is the ``match_key`` of that word."""
    if not text:
        return ""
    return _apply_variants(unicodedata.normalize("NFKC", text).lower().translate(_KEY_TEXT_TABLE))


# -- offset_key ---------------------------------------------------------------------------------------------
def _offset_key_lookup() -> np.ndarray:
    """The offset key's character map over the BMP (0 = dropped), so a whole text folds in one numpy step."""
    lookup = np.arange(0x10000, dtype=np.uint32)
    for code in range(0x10000):
        lower = chr(code).lower()
        if len(lower) == 1 and lower != chr(code):
            lookup[code] = ord(lower)
    for src, dst in KEY_LETTERS.items():
        lookup[ord(src)] = ord(dst)
    for ch in MARKS + SEPARATORS + "\x00":
        lookup[ord(ch)] = 0
    return lookup


_OFFSET_KEY_LOOKUP = _offset_key_lookup()


def offset_key(text: str) -> tuple[str, np.ndarray]:
    """Key of a running text (punctuation and line breaks kept) and, for every key character, its offset."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    folded = np.where(codes < 0x10000, _OFFSET_KEY_LOOKUP[np.minimum(codes, 0xFFFF)], codes)
    offsets = np.flatnonzero(folded)
    return _apply_variants(folded[offsets].astype("<u4").tobytes().decode("utf-32-le")), offsets


def offset_key_drops(ch: str) -> bool:
    """True when the offset key leaves this character out."""
    code = ord(ch)
    return code < 0x10000 and _OFFSET_KEY_LOOKUP[code] == 0


# The same map as a str.translate table: a name is a few characters, and numpy's fixed cost per call is many
# times a translate of them. Memoised: the extractors key the same trigger words, titles and names thousands of
# times per article.
_NAME_KEY_TABLE = {code: (int(folded) or None) for code, folded in enumerate(_OFFSET_KEY_LOOKUP)
                   if folded != code or folded == 0}


@functools.lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """``offset_key`` of a name without the offsets: what a KB surface form is stored under."""
    return _apply_variants(name.translate(_NAME_KEY_TABLE))


# -- shadow -------------------------------------------------------------------------------------------------
_SHADOW_PAIRS = tuple(LETTERS.items())


def shadow(text: str) -> str:
    """Letters, digits and word variants folded one for one: an offset in the shadow is an offset in the text."""
    # str.replace per character present is several times faster than str.translate on non-ASCII text.
    for src, dst in _SHADOW_PAIRS:
        if src in text:
            text = text.replace(src, dst)
    return _apply_variants(text)


# -- search form --------------------------------------------------------------------------------------------
_SEARCH_TABLE = str.maketrans({**LETTERS, **dict.fromkeys(MARKS + ZWNJ),
                               # Private-use code points mark highlights in snippets; they must never be text.
                               "\ue000": None, "\ue001": None})
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


def search_form(text: str | None) -> str:
    """The text as it is indexed and queried; word boundaries other than the affix joins are kept."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).translate(_SEARCH_TABLE)
    for pattern, _cut in _JOINS:
        s = pattern.sub(r"\1", s)
    return s.lower()


_CHAR_FORMS: dict[str, str] = {}  # one character's search form, memoised: a text has a few dozen distinct ones


def aligned_search_form(text: str) -> tuple[str, list[int]] | None:
    """search_form(text) with, for each of its characters, the index in `text` it came from; None in the
    rare case where normalising character by character does not give search_form's result (a composed
    sequence NFKC joins across characters), so that a caller never maps through a wrong alignment."""
    for ch in set(text).difference(_CHAR_FORMS):
        _CHAR_FORMS[ch] = unicodedata.normalize("NFKC", ch).translate(_SEARCH_TABLE).lower()
    forms = {ch: _CHAR_FORMS[ch] for ch in set(text)}
    if all(len(f) <= 1 for f in forms.values()):  # the usual case: a character becomes one or none
        form = text.translate({ord(ch): f for ch, f in forms.items()})
        dropped = [ch for ch, f in forms.items() if not f]
        origin: list[int] = []
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


def search_name(name: str | None) -> str:
    """Search form of a name without its spaces: "حق شناس" and "حق‌شناس" compare equal, in SQL as in Python
    (the stored search form with its spaces removed is this)."""
    return search_form(name).replace(" ", "")


# -- token form (frozen for the trained taggers) ------------------------------------------------------------
_TOKEN_KEEPS = "ئؤڪہە"  # letters LETTERS folds but the taggers were trained on as written
_TOKEN_TABLE = str.maketrans({
    **{k: v for k, v in LETTERS.items() if k not in _TOKEN_KEEPS},
    **dict.fromkeys("\u0654\u0640\u200d\u200e\u200f" + "".join(chr(c) for c in range(0x064B, 0x0653))),
    ZWNJ: " ",
})
_SPACES = re.compile(r"\s+")


def token_form(tok: str) -> str:
    """A token as the NER taggers see it (see the module docstring for why it is frozen)."""
    t = tok.translate(_TOKEN_TABLE)
    if "  " in t or t != t.strip():
        t = _SPACES.sub(" ", t).strip()
    return t.lower()


# -- patterns -----------------------------------------------------------------------------------------------
WORD_GAP = r"[\s\u200c]*"


def _letter_classes() -> dict[str, str]:
    spellings: dict[str, set[str]] = {}
    for src, dst in LETTERS.items():
        spellings.setdefault(dst, {dst}).add(src)
    classes = {}
    for chars in spellings.values():
        cls = "[" + "".join(sorted(re.escape(c) for c in chars)) + "]"
        for ch in chars:
            classes[ch] = cls
    return classes


_LETTER_CLASS = _letter_classes()


def letters_pattern(word: str) -> str:
    """Regex source for ``word`` in any spelling of its letters; a space or ZWNJ in it may be either or absent."""
    return "".join(WORD_GAP if ch in " \u200c" else _LETTER_CLASS.get(ch, re.escape(ch)) for ch in word)


def phrase_pattern(phrase: str) -> str:
    """Regex source for a phrase: its words as ``letters_pattern``, joined by a space, a ZWNJ or nothing."""
    return WORD_GAP.join(letters_pattern(w) for w in phrase.split())
