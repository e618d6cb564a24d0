"""The accurate Persian NER tagger: multilingual-e5-small fine-tuned on PEYMA (train_e5.py, model_e5/MODEL_CARD.md),
run with onnxruntime. Slower than the default BiLSTM-CRF (nn_tagger.py) by two orders of magnitude; for users who
want the best names and can wait (``--ner e5``, ``KHAZAR_NER=e5``: the JointTagger below, the encoder and the
BiLSTM-CRF together; ``e5:peyma`` / ``e5:arman``: the encoder alone).

Same interface as :class:`khazar.ner.tagger.Tagger`. Each word is split into the encoder's pieces
(e5_file.PieceTokenizer over the pruned vocabulary in vocab.json); the tag of a word is read at its first piece
and the tags of a sentence are decoded with BIO constraints (no I- after O or after another type).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from .bio import SentenceTagger, clean
from .e5_file import PieceTokenizer
from .nn_tagger import NNTagger, decode

E5_MODEL_DIR = Path(__file__).resolve().parent / "model_e5"
MAX_PIECES = 256  # a longer sentence is cut into windows of whole words
IGNORE = -100
_CACHE: dict[tuple[str, str | None], "E5Tagger"] = {}
_LOCK = threading.Lock()


def encode_sentence(tok: PieceTokenizer, words: list[str], labels: list[int] | None = None,
                    max_pieces: int = MAX_PIECES) -> list[tuple[list[int], list[int], list[int]]]:
    """(piece ids with <s> … </s>, index of each word's first piece, its label) per window of whole words."""
    out: list[tuple[list[int], list[int], list[int]]] = []
    ids: list[int] = [tok.bos]
    first: list[int] = []
    labs: list[int] = []
    for j, w in enumerate(words):
        p = list(tok.encode_word(w))[:max_pieces - 2]
        if len(ids) + len(p) + 1 > max_pieces:
            out.append((ids + [tok.eos], first, labs))
            ids, first, labs = [tok.bos], [], []
        first.append(len(ids))
        labs.append(labels[j] if labels is not None else IGNORE)
        ids.extend(p)
    out.append((ids + [tok.eos], first, labs))
    return out


def make_batches(examples: list, budget: int, max_sents: int, rng=None) -> list[list[int]]:
    """Indices of examples grouped by length: padded pieces per batch ≤ budget, ≤ max_sents sentences.
    ``rng`` (a random.Random) jitters the lengths by up to 8 pieces, so that training batches differ between
    epochs while their padding stays small."""
    order = sorted(range(len(examples)), key=lambda i: len(examples[i][0]) + (rng.uniform(0, 8) if rng else 0))
    batches: list[list[int]] = []
    cur: list[int] = []
    longest = 0
    for i in order:
        n = len(examples[i][0])
        if cur and ((len(cur) + 1) * max(n, longest) > budget or len(cur) >= max_sents):
            batches.append(cur)
            cur, longest = [], 0
        cur.append(i)
        longest = max(longest, n)
    if cur:
        batches.append(cur)
    return batches


def bio_constraints(tags: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transition, start and end scores for viterbi(): 0 where BIO allows a move, a large penalty where not."""
    K = len(tags)
    trans = np.zeros((K, K), dtype=np.float32)
    for j, t in enumerate(tags):
        if t.startswith("I-"):
            for i, p in enumerate(tags):
                if p == "O" or p[2:] != t[2:]:
                    trans[i, j] = -1e4
    start = np.array([-1e4 if t.startswith("I-") else 0.0 for t in tags], dtype=np.float32)
    return trans, start, np.zeros(K, dtype=np.float32)


def head_output(head: str, first: str) -> str:
    """The ONNX output of a corpus head: ``log_probs`` for the first (PEYMA), ``log_probs_NAME`` for the others."""
    return "log_probs" if head == first else f"log_probs_{head}"


def load_vocab(model_dir: Path) -> tuple[PieceTokenizer, dict]:
    v = json.loads((model_dir / "vocab.json").read_text(encoding="utf-8"))
    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    sp = cfg["special"]
    tok = PieceTokenizer(v["pieces"], v["scores"], v["normalise"], unk=sp["unk"], bos=sp["bos"], eos=sp["eos"],
                         pad=sp["pad"], unk_score=cfg["unk_score"])
    return tok, cfg


class E5Tagger(SentenceTagger):
    BATCH_PIECES = 4096

    def __init__(self, model_dir: Path | str = E5_MODEL_DIR, onnx_file: str = "model.onnx", head: str | None = None):
        """``head``: the training corpus whose tag set and guidelines the tags follow (default PEYMA's, the
        first); its types are renamed to khazar's by the model's config (Arman's PERS is PER)."""
        import onnxruntime as ort

        model_dir = Path(model_dir)
        if model_dir.suffix == ".onnx":
            model_dir, onnx_file = model_dir.parent, model_dir.name
        path = model_dir / onnx_file
        if not path.exists():
            raise FileNotFoundError(f"{path}: run `python -m khazar.ner.train_e5`")
        self.tok, cfg = load_vocab(model_dir)
        heads = cfg.get("heads") or {"peyma": {"tags": cfg["tags"], "types": {}}}
        first = next(iter(heads))
        head = head or first
        if head not in heads:
            raise FileNotFoundError(f"{model_dir}: no output layer for {head!r} (it has {', '.join(heads)})")
        self.output = head_output(head, first)
        rename = heads[head]["types"]
        self.tags = [t if t == "O" else f"{t[:2]}{rename.get(t[2:], t[2:])}" for t in heads[head]["tags"]]
        self.max_pieces = cfg["max_pieces"]
        self.constraints = bio_constraints(self.tags)
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        self._sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    @classmethod
    def load(cls, path: Path | str | None = None, head: str | None = None) -> "E5Tagger":
        key = str(Path(path).resolve()) if path else str(E5_MODEL_DIR)
        with _LOCK:
            t = _CACHE.get((key, head))
            if t is None:
                t = _CACHE[key, head] = cls(key, head=head)
        return t

    def log_probs(self, sents: list[list[str]]) -> list[np.ndarray]:
        """Per sentence, (words, tags) log-probabilities read at each word's first piece."""
        examples, owner = [], []
        for s_i, words in enumerate(sents):
            for win in encode_sentence(self.tok, words, max_pieces=self.max_pieces):
                examples.append(win)
                owner.append(s_i)
        per_window: list[np.ndarray] = [np.zeros((0, len(self.tags)), dtype=np.float32)] * len(examples)
        for idx in make_batches(examples, self.BATCH_PIECES, 256):
            T = max(len(examples[i][0]) for i in idx)
            ids = np.full((len(idx), T), self.tok.pad, dtype=np.int64)
            mask = np.zeros((len(idx), T), dtype=np.int64)
            for b, i in enumerate(idx):
                p = examples[i][0]
                ids[b, :len(p)] = p
                mask[b, :len(p)] = 1
            lp = self._sess.run([self.output], {"ids": ids, "mask": mask})[0]
            for b, i in enumerate(idx):
                per_window[i] = lp[b, examples[i][1]]
        out: list[list[np.ndarray]] = [[] for _ in sents]
        for i, s_i in enumerate(owner):
            out[s_i].append(per_window[i])
        return [np.concatenate(parts) for parts in out]

    def all_tags(self, sents: list[list[str]]) -> list[list[str]]:
        """BIO tags of every type the model knows (PEYMA's: dates, times, money and percentages too)."""
        live = [i for i, s in enumerate(sents) if s]
        out: list[list[str]] = [[] for _ in sents]
        for i, tags in zip(live, decode(self.log_probs([list(sents[i]) for i in live]), self.tags, self.constraints)):
            out[i] = tags
        return out

    def tag_sents(self, sents: list[list[str]]) -> list[list[str]]:
        return [clean(t) for t in self.all_tags(sents)]


class JointTagger(SentenceTagger):
    """The accurate mode (``--ner e5``): per word, the fine-tuned encoder's PEYMA log-probabilities are added to the
    fast tagger's emission scores, and the sum is decoded under the fast tagger's CRF transitions — a product of
    the two models. Their errors differ (the encoder knows words from its pretraining; the fast tagger has the
    news word vectors, the gazetteers and a CRF over whole spans), so the product beats either alone; the
    figures are in model_e5/MODEL_CARD.md. Equal weights: the dev scores of other weights were no better."""

    def __init__(self, encoder: E5Tagger, fast: NNTagger):
        if encoder.tags != fast.tags:
            raise ValueError(f"the encoder's tags {encoder.tags} are not the fast tagger's {fast.tags}")
        self.encoder = encoder
        self.fast = fast

    @classmethod
    def load(cls) -> "JointTagger":
        """The shipped encoder and fast tagger, each loaded once per process (their own caches)."""
        return cls(E5Tagger.load(), NNTagger.load())

    def tag_sents(self, sents: list[list[str]]) -> list[list[str]]:
        emissions = self.fast.emissions(sents)
        live = [i for i, s in enumerate(sents) if s]
        for i, lp in zip(live, self.encoder.log_probs([list(sents[i]) for i in live])):
            emissions[i] = emissions[i] + lp
        return self.fast.decode(emissions)
