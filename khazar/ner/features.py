"""Token normalisation, tokenisation and CRF feature extraction for Persian NER.

Feature extraction is the speed bottleneck of a CRF tagger in Python, so every
feature that depends on one word only is computed once per word type and
cached, already prefixed for each window position; a token's feature list is
then mostly a concatenation of cached lists.
"""
from __future__ import annotations

import json
import re
from itertools import accumulate
from pathlib import Path

from ..kb.files import data
from ..text.fold import token_form

# --- normalisation ---------------------------------------------------------
# Tokens are read in khazar.text.fold.token_form: the fold the taggers were trained with (frozen there).

_DIGITS = re.compile(r"\d")


# --- tokenisation ----------------------------------------------------------

_W = r"[^\W_]|[\u064B-\u065F\u0670\u0640\u0654]"
_TOKEN_RE = re.compile(
    r"\d+(?:[./,٫:][\d]+)+"                                # 3.5  1402/05/12  12:30
    r"|[A-Za-z0-9][A-Za-z0-9_\-]*(?:[.@][A-Za-z0-9_\-]+)+"  # khabar.ir, mail@x.ir
    rf"|(?:{_W})+(?:[\u200c\u200d](?:{_W})+)*[\u200c]?"     # words, ZWNJ kept inside
    r"|\S"                                                  # one punctuation mark
)
_SENT_END = {".", "!", "?", "؟", "…"}


def tokenize(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def split_sentences(text: str, tokens=None) -> list[list[tuple[str, int, int]]]:
    """Sentences as lists of (token, start, end); a newline also ends a sentence."""
    if tokens is None:
        tokens = tokenize(text)
    sents: list[list[tuple[str, int, int]]] = []
    cur: list[tuple[str, int, int]] = []
    last_end = 0
    for tok in tokens:
        if cur and "\n" in text[last_end:tok[1]]:
            sents.append(cur)
            cur = []
        cur.append(tok)
        last_end = tok[2]
        if tok[0] in _SENT_END or len(cur) >= 200:
            sents.append(cur)
            cur = []
    if cur:
        sents.append(cur)
    return sents


# --- word lists ----------------------------------------------------------------
# Data (kb/data/tagger_words.yaml): the taggers were trained with them as features, so a change means retraining.

_WORDS = data("tagger_words")
TITLES = set(token_form(w) for w in _WORDS["titles"])
ORG_HEADS = set(token_form(w) for w in _WORDS["org_heads"])
LOC_TRIGGERS = set(token_form(w) for w in _WORDS["place_triggers"])
FIRST_NAMES = set(token_form(w) for w in _WORDS["given_names"])


# --- lexicons built by train.py ---------------------------------------------

MODEL_DIR = Path(__file__).resolve().parent / "model"


def phrase_lengths(phrases) -> dict[str, tuple[int, ...]]:
    """First word → the word counts of the dictionary phrases starting with it, longest first."""
    out: dict[str, set[int]] = {}
    for ph in phrases:
        parts = ph.split(" ")
        out.setdefault(parts[0], set()).add(len(parts))
    return {k: tuple(sorted(v, reverse=True)) for k, v in out.items()}


def word_offsets(words: list[str]) -> list[int]:
    """For each position, the number of space-separated words before it (a PEYMA token may hold several);
    one more entry at the end."""
    return list(accumulate((w.count(" ") + 1 for w in words), initial=0))


def longest_matches(words: list[str], starts: list, offsets: list[int], phrases, maxlen: int):
    """Leftmost-longest dictionary phrases over a token sequence: (position, tokens, value) where value is
    ``phrases[phrase]`` for a dict, True for a set. ``starts[i]`` is phrase_lengths of token i's first word
    (None when no phrase starts with it), so only spans of a matching word count are joined and looked up."""
    n = len(words)
    typed = isinstance(phrases, dict)
    i = 0
    while i < n:
        ls = starts[i]
        if ls:
            oi = offsets[i]
            for L in range(min(maxlen, n - i), 0, -1):
                if offsets[i + L] - oi not in ls:
                    continue
                ph = " ".join(words[i:i + L]) if L > 1 else words[i]
                v = phrases.get(ph) if typed else (True if ph in phrases else None)
                if v is not None:
                    yield i, L, v
                    i += L
                    break
            else:
                i += 1
        else:
            i += 1


class Lexicon:
    """Word clusters and place gazetteer, stored as artefacts in ``model/``."""

    def __init__(self, clusters: dict[str, tuple[str, ...]] | None = None,
                 places: set[str] | None = None, entities: dict[str, str] | None = None):
        self.clusters = clusters or {}
        self.places = places or set()
        # Phrase -> type dictionary from the PEYMA training annotations.
        self.entities = entities or {}
        self.place_lengths = phrase_lengths(self.places)
        self.max_place_len = max((p.count(" ") + 1 for p in self.places), default=1)
        self.ent_lengths = phrase_lengths(self.entities)
        self.max_ent_len = min(6, max((p.count(" ") + 1 for p in self.entities), default=1))

    @classmethod
    def load(cls, model_dir: Path | str = MODEL_DIR) -> "Lexicon":
        model_dir = Path(model_dir)
        clusters = {}
        cpath = model_dir / "clusters.tsv"
        if cpath.exists():
            with open(cpath, encoding="utf-8") as fh:
                for line in fh:
                    parts = line.rstrip("\n").split("\t")
                    clusters[parts[0]] = tuple(parts[1:])
        places, entities = set(), {}
        gpath = model_dir / "gazetteer.json"
        if gpath.exists():
            g = json.loads(gpath.read_text(encoding="utf-8"))
            places = set(g["LOC"])
            entities = g.get("ENTITIES", {})
        return cls(clusters, places, entities)


# --- feature extraction ----------------------------------------------------------

def _shape(w: str) -> str:
    out: list[str] = []
    for ch in w:
        if "\u0600" <= ch <= "\u06FF" or "\uFB50" <= ch <= "\uFEFF":
            c = "p"
        elif ch.isdigit():
            c = "d"
        elif ch.isalpha():
            c = "l"
        elif ch == " ":
            c = "_"
        else:
            c = ch
        if not out or out[-1] != c:
            out.append(c)
    return "".join(out)[:6]


class FeatureExtractor:
    def __init__(self, lexicon: Lexicon):
        self.lex = lexicon
        self._cache: dict[str, tuple] = {}

    def _word(self, tok: str) -> tuple:
        """Per-type features: (own, at-1, at+1, at-2, at+2, key, cluster)."""
        c = self._cache.get(tok)
        if c is not None:
            return c
        w = token_form(tok)
        wd = _DIGITS.sub("0", w)
        sh = _shape(w)
        cl = self.lex.clusters.get(w)
        if cl is None and " " in w:
            cl = self.lex.clusters.get(w.replace(" ", ""))
        if cl is None:
            cl = ("x", "x", "x")
        parts = w.split(" ")
        last = parts[-1]
        own = ["b", "w=" + wd, "sh=" + sh, "c1=" + cl[0], "c2=" + cl[1], "c3=" + cl[2]]
        n = len(w)
        for k in (1, 2, 3, 4):
            if n > k:
                own.append(f"p{k}={w[:k]}")
                own.append(f"s{k}={w[-k:]}")
        if len(parts) > 1:
            own.append("sp")
            own.append("l=" + last)
            own.append("f=" + parts[0])
        if n <= 2:
            own.append("short")
        flags = []
        if w in TITLES or parts[0] in TITLES:
            flags.append("T")
        if w in ORG_HEADS or parts[0] in ORG_HEADS:
            flags.append("O")
        if w in LOC_TRIGGERS:
            flags.append("L")
        if w in FIRST_NAMES:
            flags.append("N")
        if w in self.lex.places:
            flags.append("G")
        own.extend("g" + f for f in flags)
        nb = ["w=" + wd, "c1=" + cl[0], "c2=" + cl[1], "c3=" + cl[2], "sh=" + sh]
        if n > 2:
            nb.append("s2=" + w[-2:])
        nb.extend("g" + f for f in flags)
        nb2 = ["w=" + wd, "c2=" + cl[1]] + ["g" + f for f in flags]
        c = (own,
             ["-1" + f for f in nb], ["+1" + f for f in nb],
             ["-2" + f for f in nb2], ["+2" + f for f in nb2],
             wd, cl[1], w, "O" in flags, sh.isalnum() is False and n == 1)
        if len(self._cache) < 500_000:
            self._cache[tok] = c
        return c

    @staticmethod
    def _gaz_spans(keys: list[str], phrases, lengths, maxlen, typed=False) -> list[str | None]:
        """Longest-match dictionary phrases over the sentence: 'B'/'I' (with '-TYPE' when typed) per token."""
        out: list[str | None] = [None] * len(keys)
        starts = [lengths.get(k.split(" ", 1)[0]) for k in keys]
        for i, L, value in longest_matches(keys, starts, word_offsets(keys), phrases, maxlen):
            t = "-" + value if typed else ""
            out[i] = "B" + t
            for j in range(i + 1, i + L):
                out[j] = "I" + t
        return out

    def sent_features(self, tokens: list[str]) -> list[list[str]]:
        W = [self._word(t) for t in tokens]
        n = len(W)
        lex = self.lex
        keys = [w[7] for w in W]
        gaz = (self._gaz_spans(keys, lex.places, lex.place_lengths, lex.max_place_len)
               if lex.places else [None] * n)
        ent = (self._gaz_spans(keys, lex.entities, lex.ent_lengths, lex.max_ent_len, True)
               if lex.entities else [None] * n)
        out = []
        for i in range(n):
            w = W[i]
            f = list(w[0])
            if i > 0:
                p = W[i - 1]
                f += p[1]
                f.append("bw=" + p[5] + "|" + w[5])
                f.append("bc=" + p[6] + "|" + w[6])
                if i > 1:
                    f += W[i - 2][1 + 2]
                else:
                    f.append("BOS2")
            else:
                f.append("BOS")
            if i < n - 1:
                q = W[i + 1]
                f += q[2]
                f.append("fw=" + w[5] + "|" + q[5])
                if i < n - 2:
                    f += W[i + 2][4]
                else:
                    f.append("EOS2")
            else:
                f.append("EOS")
            # Long organisation names: how far back the nearest head word is
            # (سازمان میادین میوه و تره بار), stopping at punctuation.
            for k in range(1, 6):
                if i - k < 0 or W[i - k][9]:
                    break
                if W[i - k][8]:
                    f.append(f"ohd={k}")
                    break
            g = gaz[i]
            if g:
                f.append("gz=" + g)
            if i > 0 and gaz[i - 1]:
                f.append(f"-1gz={gaz[i - 1]}")
            if i < n - 1 and gaz[i + 1]:
                f.append(f"+1gz={gaz[i + 1]}")
            e = ent[i]
            if e:
                f.append("ez=" + e)
            if i > 0 and ent[i - 1]:
                f.append(f"-1ez={ent[i - 1]}")
            if i < n - 1 and ent[i + 1]:
                f.append(f"+1ez={ent[i + 1]}")
            out.append(f)
        return out
