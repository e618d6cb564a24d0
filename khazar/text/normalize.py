"""Persian normalisation that keeps offsets: entities, letters, digits, controls, spaces, ZWNJ.

The order matters: HTML entities are decoded first (a broken `&zwnj؛` must become a ZWNJ before ZWNJ
handling), letters and digits are unified next (one char for one char, so offsets are free), and ZWNJ
restoration runs last, on text whose letters are already Persian.
"""
from __future__ import annotations

import html
import html.entities
import re

from .offsets import TrackedText

ZWNJ = "\u200c"

# Crawls turn `&#39;` into `'39؛` and `&zwnj;` into `&zwnj؛` when a Persian keyboard layout maps `;` to `؛`
# (and sometimes loses the `&#`); decode those as the entity they were.
_BROKEN_NUMERIC = re.compile(r"(?:&#|'|&)(\d{2,5})[؛;]")
_NAMED_ENTITY = re.compile(r"&(#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31})[;؛]")


def _decode_numeric(m: re.Match[str]) -> str:
    code = int(m.group(1))
    return chr(code) if _valid_char(code) else m.group(0)


def _valid_char(code: int) -> bool:
    return 32 <= code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF and not 0x7F <= code <= 0x9F


def _decode_named(m: re.Match[str]) -> str:
    name = m.group(1)
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1:2] in "xX" and len(name) > 1 and name[1] in "xX" else int(name[1:])
        return chr(code) if _valid_char(code) else m.group(0)
    return html.entities.html5.get(name + ";", m.group(0))


# One char for one char: Arabic letter forms to Persian, Arabic-Indic digits to Persian digits
# (the text keeps its digit script; values extracted later are made ASCII), NBSP-like spaces to space.
_CHAR_MAP = {
    ord("ي"): "ی", ord("ى"): "ی", ord("ك"): "ک", ord("ڪ"): "ک",
    **{0x660 + i: chr(0x6F0 + i) for i in range(10)},
    0x00A0: " ", 0x2007: " ", 0x202F: " ", 0x2009: " ", 0x200A: " ", 0x3000: " ", 0x2002: " ", 0x2003: " ",
}
# ة is Persian ه in Persian words, but Arabic names and phrases keep it; an Arabic article "ال" marks those.
_TEH_MARBUTA = re.compile(r"(?<![\w\u200c])(?!ال)([\w\u200c]*?)ة(?=[^\w]|$)")
# Controls that mean nothing in stored text: C0 except tab/newline, C1, bidi embeddings/isolates, ZWSP,
# BOM, soft hyphen, ZWJ. ZWNJ (U+200C) is Persian orthography and stays.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
_TATWEEL = re.compile(r"(?<=[\u0600-\u06ff])\u0640+(?=[\u0600-\u06ff])|\u0640+(?=[\u0600-\u06ff])|(?<=[\u0600-\u06ff])\u0640+")
_CRLF = re.compile(r"\r\n?")
_SPACES = re.compile(r"[ \t]{2,}|\t")
_TRAILING = re.compile(r"[ \t]+(?=\n)|(?<=\n)[ \t]+")
_ZWNJ_RUN = re.compile("\u200c+")


def decode_entities(t: TrackedText) -> TrackedText:
    if "&" not in t.text and "'" not in t.text:
        return t
    t = t.sub(_BROKEN_NUMERIC, _decode_numeric)
    return t.sub(_NAMED_ENTITY, _decode_named, needle="&")


def unify_characters(t: TrackedText) -> TrackedText:
    t = t.translate(_CHAR_MAP)
    return t.sub(_TEH_MARBUTA, lambda m: m.group(1) + "ه", needle="ة")


def clean_controls_and_spaces(t: TrackedText) -> TrackedText:
    t = t.sub(_CRLF, "\n", needle="\r")
    t = t.sub(_CONTROLS, "")
    t = t.sub(_TATWEEL, "", needle="\u0640")
    t = t.sub(_ZWNJ_RUN, _one_zwnj_between_letters, needle=ZWNJ)
    # Plain substring checks first: most texts have no double spaces or line-edge spaces at all, and a
    # regex scan over every character costs more than the whole rest of this stage.
    if "  " in t.text or "\t" in t.text:
        t = t.sub(_SPACES, " ")
    if " \n" in t.text or "\n " in t.text:
        t = t.sub(_TRAILING, "")
    return t


def _one_zwnj_between_letters(m: re.Match[str]) -> str:
    """A ZWNJ only means something between two letters, and one is enough."""
    text, start, end = m.string, m.start(), m.end()
    between_letters = start > 0 and end < len(text) and text[start - 1].isalpha() and text[end].isalpha()
    return ZWNJ if between_letters else ""


# "می شود": the verbal prefix written with a space instead of a ZWNJ.
_SPACED_VERB_PREFIX = re.compile(r"(?<![\w\u200c])(ن?می) (?=[\u0600-\u06ff])([\w\u200c]+)")


def restore_zwnj(t: TrackedText) -> TrackedText:
    from . import zwnj  # learned artefact; loaded on first use

    t = t.apply(zwnj.zwnj_edits(t.text))
    model = zwnj.get_model()

    def join_prefix(m: re.Match[str]) -> str:
        # Only where the learned model spells the glued word with the prefix and a ZWNJ: "می شود" → "می‌شود",
        # while "نمی تواند" and "می خواهد" follow the same evidence and "می" before a noun stays apart.
        prefix, verb = m.group(1), m.group(2)
        return f"{prefix}{ZWNJ}{verb}" if model.spell(prefix + verb) == f"{prefix}{ZWNJ}{verb}" else m.group(0)

    return t.sub(_SPACED_VERB_PREFIX, join_prefix, needle="می ")


def normalize(raw: str | TrackedText, *, zwnj: bool = True) -> TrackedText:
    t = raw if isinstance(raw, TrackedText) else TrackedText(raw)
    t = decode_entities(t)
    t = unify_characters(t)
    t = clean_controls_and_spaces(t)
    if zwnj:
        t = restore_zwnj(t)
    return t


def normalize_text(raw: str, *, zwnj: bool = True) -> str:
    return normalize(raw, zwnj=zwnj).text


_DIGITS_TO_ASCII = str.maketrans({**{chr(0x6F0 + i): str(i) for i in range(10)}, **{chr(0x660 + i): str(i) for i in range(10)}})


def ascii_digits(s: str) -> str:
    return s.translate(_DIGITS_TO_ASCII)
