"""Sentences of a Persian text as character spans, so that every extractor can point back into the text.

Paragraphs (lines) are split first: a news paragraph never continues on the next line, and a title or a
dateline line without a full stop is still its own sentence. Inside a paragraph rishe's sentence splitter
decides (it knows Persian abbreviations, decimals and «…» quotes); its sentences are located back in the
paragraph by search, because the splitter returns strings, not offsets. When the splitter is missing or
returns text that is not in the paragraph verbatim, a plain punctuation rule takes over for that paragraph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

try:  # rishe is a dependency, but a sentence split must never be the reason an article fails
    from rishe import sent_tokenize as _rishe_split
except Exception:  # pragma: no cover - exercised only without rishe
    _rishe_split = None  # type: ignore[assignment]

_FALLBACK = re.compile(r"[^.!?؟]+(?:[.!?؟]+(?=\s|$)|$)")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int  # index of the line the sentence is on (0-based)


def _split_paragraph(par: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    if _rishe_split is not None:
        try:
            parts = _rishe_split(par)
        except Exception:
            parts = None
        if parts:
            cursor = 0
            ok = True
            for part in parts:
                part = part.strip()
                if not part:
                    continue
                i = par.find(part, cursor)
                if i < 0:
                    ok = False
                    break
                spans.append((i, i + len(part)))
                cursor = i + len(part)
            if ok:
                return spans
            spans = []
    for m in _FALLBACK.finditer(par):
        s, e = m.start(), m.end()
        while s < e and par[s].isspace():
            s += 1
        while e > s and par[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


@lru_cache(maxsize=64)
def _split(text: str) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    offset = 0
    for number, line in enumerate(text.split("\n")):
        for s, e in _split_paragraph(line):
            out.append(Sentence(offset + s, offset + e, line[s:e], number))
        offset += len(line) + 1
    return tuple(out)


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text` in order; text[s.start:s.end] == s.text. Cached: extractors share the work."""
    return list(_split(text or ""))


def sentence_at(sentences: list[Sentence], offset: int) -> int | None:
    """Index of the sentence containing `offset` (or the last one starting before it)."""
    best = None
    for i, s in enumerate(sentences):
        if s.start <= offset:
            best = i
        else:
            break
    return best
