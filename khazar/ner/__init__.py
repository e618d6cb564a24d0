"""Persian named-entity recognition (PER, ORG, LOC): a BiLSTM-CRF run with onnxruntime (default) or a
CRF, both trained on PEYMA.

    from khazar.ner.tagger import load_tagger
    load_tagger().tag_text("...")          # KHAZAR_NER=nn|crf|MODEL_PATH chooses the tagger
"""
from .conll import evaluate, read_conll, tag_conll  # noqa: F401
from .tagger import Tagger, load_tagger  # noqa: F401
