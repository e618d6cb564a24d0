"""Neural Persian NER tagger (BiLSTM-CRF trained on PEYMA, run with onnxruntime; see model_nn/MODEL_CARD.md).

Same interface as :class:`khazar.ner.tagger.Tagger`. Torch is needed only to train
(``python -m khazar.ner.train_nn``); inference is onnxruntime for the network and numpy for
the features and the CRF's Viterbi decoding. The featuriser below is shared with training so
both see exactly the same inputs.
"""
from __future__ import annotations

import json
import re
import threading
from itertools import accumulate
from pathlib import Path

import numpy as np

from ..text.fold import token_form
from .bio import TYPES, SentenceTagger, clean
from .features import (FIRST_NAMES, LOC_TRIGGERS, ORG_HEADS, TITLES, Lexicon, longest_matches)

NN_MODEL_DIR = Path(__file__).resolve().parent / "model_nn"
MAX_CHARS = 20
PAD, UNK = 0, 1
_DIGITS = re.compile(r"\d")
_LATIN = re.compile(r"[A-Za-z]")
_CACHE: dict[str, "NNTagger"] = {}
_LOCK = threading.Lock()

# Per-token input flags (float 0/1), in this order.
FLAG_NAMES = (
    "title", "org_head", "loc_trigger", "first_name", "place",        # word lists (features.py)
    "has_space", "has_digit", "latin", "punct", "short",              # shape
    "gaz_B", "gaz_I",                                                 # longest-match place gazetteer
    "mem_B-PER", "mem_I-PER", "mem_B-ORG", "mem_I-ORG", "mem_B-LOC", "mem_I-LOC",  # entity memory
    "ohd1", "ohd2", "ohd3", "ohd4", "ohd5",                           # distance back to an org head word
)
N_FLAGS = len(FLAG_NAMES)
_MEM_COL = {f"{p}-{t}": 12 + 2 * i + (p == "I") for i, t in enumerate(TYPES) for p in "BI"}


def word_key(tok: str) -> str:
    """The key of a token in the word vocabulary: normalised (fold.token_form), digits → 0."""
    return _DIGITS.sub("0", token_form(tok))


class Featurizer:
    """Token → (word id, char ids, flags). Everything that depends on the word alone is computed once
    per word type and kept as a row of two tables, so a batch is mostly fancy indexing."""

    MAX_TYPES = 500_000

    def __init__(self, words: dict[str, int], chars: dict[str, int], lexicon: Lexicon,
                 char_encoder=None, n_charfeat: int = 0):
        self.words = words
        self.chars = chars
        self.lex = lexicon
        # Inference: char ids (N, C) → char-CNN features (N, n_charfeat), cached per word type.
        self.char_encoder = char_encoder
        self._cache: dict[str, tuple] = {}
        self._wid = np.zeros(1024, dtype=np.int64)
        self._cid = np.zeros((1024, MAX_CHARS), dtype=np.int64)
        self._flag = np.zeros((1024, N_FLAGS), dtype=np.float32)
        self._clen = np.zeros(1024, dtype=np.int64)
        self._cf = np.zeros((1024, n_charfeat), dtype=np.float32)
        self._cf_done = np.zeros(1024, dtype=bool)

    def _word(self, tok: str) -> tuple:
        """(table row, normalised word, first part, org head?, punctuation?, place phrase lengths,
        entity phrase lengths, number of space-separated parts) — the place and entity lengths are
        the word counts of the dictionary phrases that start with this word, or None."""
        c = self._cache.get(tok)
        if c is not None:
            return c
        if len(self._cache) >= self.MAX_TYPES:
            self._cache.clear()
            self._cf_done[:] = False
        r = len(self._cache)
        if r >= len(self._wid):
            grow = len(self._wid)
            self._wid = np.concatenate([self._wid, np.zeros(grow, dtype=np.int64)])
            self._cid = np.concatenate([self._cid, np.zeros((grow, MAX_CHARS), dtype=np.int64)])
            self._flag = np.concatenate([self._flag, np.zeros((grow, N_FLAGS), dtype=np.float32)])
            self._clen = np.concatenate([self._clen, np.zeros(grow, dtype=np.int64)])
            self._cf = np.concatenate([self._cf, np.zeros((grow, self._cf.shape[1]), dtype=np.float32)])
            self._cf_done = np.concatenate([self._cf_done, np.zeros(grow, dtype=bool)])
        w = token_form(tok)
        key = _DIGITS.sub("0", w)
        wid = self.words.get(key)
        if wid is None and " " in key:
            wid = self.words.get(key.replace(" ", ""))
        self._wid[r] = UNK if wid is None else wid
        s = key if len(key) <= MAX_CHARS else key[:MAX_CHARS // 2] + key[-MAX_CHARS // 2:]
        get = self.chars.get
        self._cid[r] = [get(ch, UNK) for ch in s] + [PAD] * (MAX_CHARS - len(s))
        self._clen[r] = len(s)
        self._cf_done[r] = False  # a reused row (after a cache reset) needs its char features again
        parts = w.split(" ")
        org = w in ORG_HEADS or parts[0] in ORG_HEADS
        punct = len(w) == 1 and not w.isalnum()
        # columns 10.. of the table stay 0: batch() sets the sentence flags on its copy
        self._flag[r, :10] = (w in TITLES or parts[0] in TITLES, org, w in LOC_TRIGGERS, w in FIRST_NAMES,
                  w in self.lex.places, len(parts) > 1, key != w, _LATIN.search(w) is not None, punct,
                  len(w) <= 2)
        c = (r, w, parts[0], org, punct, self.lex.place_lengths.get(parts[0]), self.lex.ent_lengths.get(parts[0]),
             len(parts))
        self._cache[tok] = c
        return c

    def _sentence_flags(self, W, flags: np.ndarray) -> None:
        """Flags that depend on the sentence: gazetteer and entity-memory spans, org-head distance."""
        lex = self.lex
        if lex.places or lex.entities:
            words = [x[1] for x in W]
            offsets = list(accumulate([x[7] for x in W], initial=0))
        if lex.places:
            for i, L, _ in longest_matches(words, [x[5] for x in W], offsets, lex.places, lex.max_place_len):
                flags[i, 10] = 1.0
                flags[i + 1:i + L, 11] = 1.0
        if lex.entities:
            for i, L, typ in longest_matches(words, [x[6] for x in W], offsets, lex.entities, lex.max_ent_len):
                col = _MEM_COL.get("B-" + typ)
                if col is not None:
                    flags[i, col] = 1.0
                    flags[i + 1:i + L, col + 1] = 1.0
        # Distance back to the nearest organisation head word (≤ 5), not across punctuation.
        last_org = None
        for i, x in enumerate(W):
            if last_org is not None and i - last_org <= 5:
                flags[i, 17 + i - last_org] = 1.0
            if x[4]:
                last_org = None
            elif x[3]:
                last_org = i

    def batch(self, sents: list[list[str]], trim_chars: bool = True, charfeat: bool = False):
        """Padded arrays for a list of token lists: words (B,T), chars (B,T,C), flags (B,T,F), lengths (B,).

        With ``trim_chars`` C is the longest word + 2 (≤ MAX_CHARS): the char-CNN (width 3, zero
        padding) max-pools over positions, and two all-padding positions give the same maximum.
        With ``charfeat`` the second array is the char-CNN output (B,T,n_charfeat) instead, from
        ``char_encoder`` run only on word types not seen before.
        """
        B = len(sents)
        T = max((len(s) for s in sents), default=0) or 1
        get, word = self._cache.get, self._word
        Ws = [[get(t) or word(t) for t in s] for s in sents]
        rows = np.zeros((B, T), dtype=np.int64)
        lengths = np.zeros(B, dtype=np.int64)
        for b, W in enumerate(Ws):
            n = len(W)
            lengths[b] = n
            if n:
                rows[b, :n] = [x[0] for x in W]
        live = np.arange(T)[None, :] < lengths[:, None]
        words = np.where(live, self._wid[rows], PAD)
        flags = self._flag[rows]
        flags[~live] = 0.0
        for b, W in enumerate(Ws):
            if W:
                self._sentence_flags(W, flags[b])
        if charfeat:
            need = np.unique(rows[live])
            need = need[~self._cf_done[need]]
            if need.size:
                C = min(MAX_CHARS, int(self._clen[need].max()) + 2)
                self._cf[need] = self.char_encoder(self._cid[need, :C])
                self._cf_done[need] = True
            cf = self._cf[rows]
            cf[~live] = 0.0
            return words, cf, flags, lengths
        C = MAX_CHARS
        if trim_chars:
            C = min(MAX_CHARS, int(self._clen[rows[live]].max(initial=0)) + 2)
        chars = self._cid[rows, :C]
        chars[~live] = PAD
        return words, chars, flags, lengths

    def sentence(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unpadded (words, chars with MAX_CHARS columns, flags) of one sentence."""
        words, chars, flags, _ = self.batch([tokens], trim_chars=False)
        n = len(tokens)
        return words[0, :n], chars[0, :n], flags[0, :n]


def viterbi(em: np.ndarray, lengths: np.ndarray, trans: np.ndarray, start: np.ndarray,
            end: np.ndarray) -> np.ndarray:
    """Best tag ids (B,T) of a linear-chain CRF, batched; positions past a length are junk (0).

    Rows are visited longest first so that each step works on a leading slice of live rows,
    with no masking.
    """
    B, T, K = em.shape
    out = np.zeros((B, T), dtype=np.int64)
    if B == 0:
        return out
    order = np.argsort(-lengths, kind="stable")
    em = em[order]
    L = lengths[order]
    alive = (L[None, :] > np.arange(T)[:, None]).sum(1).tolist()  # rows live at step t
    score = start[None, :] + em[:, 0]
    bps: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * T  # step 0 has no back-pointer
    rows, cols = np.arange(B)[:, None], np.arange(K)[None, :]
    for t in range(1, T):
        n = alive[t]
        if n == 0:
            break
        cand = score[:n, :, None] + trans
        best = bps[t] = cand.argmax(1)
        # the maximum is the score the back-pointer picks: indexing it costs a fraction of a second reduction
        score[:n] = cand[rows[:n], best, cols] + em[:n, t]
    cur = (score + end[None, :]).argmax(1)  # each row's tag at its last position
    res = np.zeros((B, T), dtype=np.int64)
    rows = np.arange(B)
    for t in range(T - 1, 0, -1):
        n = alive[t]
        if n == 0:
            continue
        res[:n, t] = cur[:n]
        cur[:n] = bps[t][rows[:n], cur[:n]]
    res[:, 0] = cur
    out[order] = res
    return out


def decode(scores: list[np.ndarray], tags: list[str], constraints) -> list[list[str]]:
    """Tags of each sentence from its (words, tags) scores: the best sequence under ``constraints`` (transition,
    start and end scores, as viterbi takes them); an empty sentence gets no tags."""
    out: list[list[str]] = [[] for _ in scores]
    live = [i for i, x in enumerate(scores) if len(x)]
    if not live:
        return out
    lengths = np.array([len(scores[i]) for i in live], dtype=np.int64)
    em = np.zeros((len(live), int(lengths.max()), len(tags)), dtype=np.float32)
    for b, i in enumerate(live):
        em[b, :lengths[b]] = scores[i]
    best = viterbi(em, lengths, *constraints).tolist()
    for b, i in enumerate(live):
        out[i] = [tags[k] for k in best[b][:lengths[b]]]
    return out


def load_vocab(model_dir: Path) -> tuple[dict[str, int], dict[str, int], dict]:
    words: dict[str, int] = {}
    with open(model_dir / "words.txt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            words.setdefault(line.rstrip("\n"), i)
    chars: dict[str, int] = {}
    with open(model_dir / "chars.txt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            chars.setdefault(line.rstrip("\n"), i)
    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return words, chars, cfg


class NNTagger(SentenceTagger):
    # tag_sents/tag_text: sentences sorted by length go to onnxruntime in batches of at most
    # BATCH_TOKENS padded tokens whose padded size stays under PAD_RATIO × their real tokens.
    BATCH_TOKENS = 3000
    PAD_RATIO = 1.2

    def __init__(self, model_dir: Path | str = NN_MODEL_DIR):
        import onnxruntime as ort

        model_dir = Path(model_dir)
        if model_dir.suffix == ".onnx":
            model_dir = model_dir.parent
        onnx_path = model_dir / "model.onnx"
        if not onnx_path.exists():
            raise FileNotFoundError(f"{onnx_path}: run `python -m khazar.ner.train_nn`")
        words, chars, cfg = load_vocab(model_dir)
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
        self._char_sess = ort.InferenceSession(str(model_dir / "char.onnx"), so, providers=["CPUExecutionProvider"])
        n_cf = self._char_sess.get_outputs()[0].shape[1]
        self.tags = cfg["tags"]
        self.trans = np.asarray(cfg["transitions"], dtype=np.float32)
        self.start = np.asarray(cfg["start"], dtype=np.float32)
        self.end = np.asarray(cfg["end"], dtype=np.float32)
        self.fx = Featurizer(words, chars, Lexicon.load(model_dir), self._char_features, n_cf)
        # The featuriser's per-word-type tables are shared state: one call at a time per tagger.
        self._lock = threading.Lock()

    def _char_features(self, chars: np.ndarray) -> np.ndarray:
        return self._char_sess.run(None, {"chars": chars})[0]

    @classmethod
    def load(cls, path: Path | str | None = None) -> "NNTagger":
        key = str(Path(path).resolve()) if path else str(NN_MODEL_DIR)
        with _LOCK:
            t = _CACHE.get(key)
            if t is None:
                t = _CACHE[key] = cls(key)
        return t

    def _batch_emissions(self, sents: list[list[str]]) -> list[np.ndarray]:
        with self._lock:
            words, charfeat, flags, lengths = self.fx.batch(sents, charfeat=True)
        em = self._sess.run(None, {"words": words, "charfeat": charfeat, "flags": flags, "lengths": lengths})[0]
        return [em[b, :n] for b, n in enumerate(lengths.tolist())]

    def decode(self, ems: list[np.ndarray]) -> list[list[str]]:
        """BIO tags of each sentence from its (words, tags) emission scores: the CRF's best sequence."""
        return [clean(t) for t in decode(ems, self.tags, (self.trans, self.start, self.end))]

    def emissions(self, sents: list[list[str]]) -> list[np.ndarray]:
        """Per sentence, the (words, tags) emission scores the CRF decodes (empty for an empty sentence)."""
        out: list[np.ndarray] = [np.zeros((0, len(self.tags)), dtype=np.float32) for _ in sents]
        order = sorted((i for i in range(len(sents)) if sents[i]), key=lambda i: len(sents[i]))
        # Sorted by length, a batch grows while padding stays under a fifth of it.
        k = 0
        while k < len(order):
            j, real = k + 1, len(sents[order[k]])
            while j < len(order):
                n = len(sents[order[j]])
                if (j - k + 1) * n > self.PAD_RATIO * (real + n) or (j - k + 1) * n > self.BATCH_TOKENS:
                    break
                real += n
                j += 1
            chunk = order[k:j]
            for i, em in zip(chunk, self._batch_emissions([list(sents[i]) for i in chunk])):
                out[i] = em
            k = j
        return out

    def tag_sents(self, sents: list[list[str]]) -> list[list[str]]:
        # one Viterbi pass decodes all sentences together
        return self.decode(self.emissions(sents))
