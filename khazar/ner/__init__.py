"""Persian named-entity recognition (PER, ORG, LOC) with a CRF trained on PEYMA.

    from khazar.ner.tagger import Tagger
    Tagger.load().tag_text("...")
"""
from .conll import evaluate, read_conll, tag_conll  # noqa: F401
from .tagger import Tagger  # noqa: F401
