"""CLI verb `khazar tag`: a NER tagger over a token-per-line file."""
from __future__ import annotations

import argparse
import sys


def cmd_tag(args: argparse.Namespace) -> int:
    from ..extract.entities import tagger_for
    from ..ner.conll import tag_conll

    try:
        tagger = tagger_for(args.ner)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: --ner {args.ner}: {exc}", file=sys.stderr)
        return 1
    try:
        tag_conll(args.conll, sys.stdout, tagger=tagger)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.conll}: {exc}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("tag", help="tag a token-per-line NER file; prints each line with the predicted tag appended")
    p.add_argument("--conll", required=True, metavar="FILE", help="token|TAG, token TAG or token<TAB>TAG lines")
    p.add_argument("--ner", default=None, metavar="crf|nn|e5|PATH|pipeline|kb",
                   help="tagger: crf, nn, e5 (the fine-tuned encoder joined to nn: best names, far slower), e5:peyma or "
                        "e5:arman (the encoder alone, one training corpus's output layer) or a model path "
                        "(default: $KHAZAR_NER, else the default tagger); pipeline: "
                        "the names an article gets (knowledge base, patterns and the tagger); kb: the same "
                        "without the tagger")
    p.set_defaults(func=cmd_tag)
