"""BIO tags, shared by every tagger: the entity types kept, the repair of a tag sequence, and tags to spans.

Apart from the taggers so that none imports another for them (tagger.load_tagger imports each tagger).
"""
from __future__ import annotations

from .features import split_sentences, tokenize

TYPES = ("PER", "ORG", "LOC")


def clean(tags: list[str]) -> list[str]:
    """Keep PER/ORG/LOC only and repair I- tags that do not continue a chunk."""
    out = []
    prev = "O"
    for t in tags:
        if t != "O" and t[2:] not in TYPES:
            t = "O"
        if t.startswith("I-") and (prev == "O" or prev[2:] != t[2:]):
            t = "B-" + t[2:]
        out.append(t)
        prev = t
    return out


def bio_spans(sents: list[list[tuple[str, int, int]]], all_tags: list[list[str]]) -> list[tuple[int, int, str]]:
    """BIO tags of tokenised sentences → entity spans ``(start, end, type)`` in character offsets."""
    out = []
    for sent, tags in zip(sents, all_tags):
        start = end = 0
        typ = ""
        for (_tok, s, e), t in zip(sent, tags):
            if t == "O" or t.startswith("B-"):
                if typ:
                    out.append((start, end, typ))
                    typ = ""
                if t != "O":
                    start, end, typ = s, e, t[2:]
            else:
                end = e
        if typ:
            out.append((start, end, typ))
    return out


class SentenceTagger:
    """What every tagger offers from its ``tag_sents`` (BIO tags of many tokenised sentences at once)."""

    def tag_sents(self, sents: list[list[str]]) -> list[list[str]]:
        raise NotImplementedError

    def tag(self, tokens: list[str]) -> list[str]:
        """BIO tags (``B-PER``, ``I-ORG``, ``O``) for one sentence of tokens."""
        return self.tag_sents([list(tokens)])[0] if tokens else []

    def tag_text(self, text: str) -> list[tuple[int, int, str]]:
        """Entity spans ``(start, end, type)`` with character offsets into ``text``."""
        sents = split_sentences(text, tokenize(text))
        return bio_spans(sents, self.tag_sents([[t for t, _, _ in s] for s in sents]))
