"""Persian NER taggers: the CRF trained on PEYMA (see model/MODEL_CARD.md) and the choice between it,
the neural tagger (nn_tagger.py, model_nn/MODEL_CARD.md) and the fine-tuned encoder (e5_tagger.py,
model_e5/MODEL_CARD.md).

    load_tagger()            # KHAZAR_NER=nn|crf|e5|MODEL_PATH, default DEFAULT_NER
    load_tagger("crf")
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pycrfsuite

from .bio import SentenceTagger, clean
from .features import MODEL_DIR, FeatureExtractor, Lexicon

_CACHE: dict[str, "Tagger"] = {}
_LOCK = threading.Lock()


class Tagger(SentenceTagger):
    def __init__(self, model_dir: Path | str = MODEL_DIR):
        model_dir = Path(model_dir)
        if model_dir.suffix == ".crfsuite":
            model_file, model_dir = model_dir, model_dir.parent
        else:
            model_file = model_dir / "ner.crfsuite"
        if not model_file.exists():
            raise FileNotFoundError(f"{model_file}: run `python -m khazar.ner.train`")
        self.fx = FeatureExtractor(Lexicon.load(model_dir))
        self._crf = pycrfsuite.Tagger()
        self._crf.open(str(model_file))

    @classmethod
    def load(cls, path: Path | str | None = None) -> "Tagger":
        key = str(Path(path).resolve()) if path else str(MODEL_DIR)
        with _LOCK:
            t = _CACHE.get(key)
            if t is None:
                t = _CACHE[key] = cls(key)
        return t

    def tag(self, tokens: list[str]) -> list[str]:
        """BIO tags (``B-PER``, ``I-ORG``, ``O``) for one sentence of tokens."""
        if not tokens:
            return []
        return clean(self._crf.tag(self.fx.sent_features(list(tokens))))

    def tag_sents(self, sents: list[list[str]]) -> list[list[str]]:
        return [self.tag(s) for s in sents]


# The tagger used when neither an argument nor KHAZAR_NER names one.
DEFAULT_NER = "nn"


def load_tagger(which: str | Path | None = None):
    """The NER tagger named by ``which`` or the environment variable ``KHAZAR_NER``: ``crf``, ``nn``, ``e5`` (the
    fine-tuned encoder and the nn tagger together), ``e5:peyma`` or ``e5:arman`` (the encoder alone, through the
    output layer of that training corpus), or a
    model path (a directory holding ``model.onnx`` — with ``vocab.json`` for an e5 model — or ``ner.crfsuite``,
    or one of those files).
    Both kinds have the same interface: ``tag(tokens)``, ``tag_sents(sents)``, ``tag_text(text)``."""
    which = str(which or os.environ.get("KHAZAR_NER") or DEFAULT_NER)
    if which == "crf":
        return Tagger.load()
    if which == "nn":
        from .nn_tagger import NNTagger

        return NNTagger.load()
    if which == "e5":
        from .e5_tagger import JointTagger

        return JointTagger.load()
    if which.startswith("e5:"):  # the encoder alone, through one training corpus's output layer (peyma, arman)
        from .e5_tagger import E5Tagger

        return E5Tagger.load(head=which[3:])
    p = Path(which)
    if (p / "vocab.json").exists() or (p.suffix == ".onnx" and (p.parent / "vocab.json").exists()):
        from .e5_tagger import E5Tagger

        return E5Tagger.load(p)
    if p.suffix == ".onnx" or (p / "model.onnx").exists():
        from .nn_tagger import NNTagger

        return NNTagger.load(p)
    return Tagger.load(p)
