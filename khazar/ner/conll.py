"""CoNLL-style reading, writing and conlleval-style scoring for NER."""
from __future__ import annotations

import re
import sys
from typing import IO, Iterable

Sentence = list[tuple[str, str]]

# Order matters: PEYMA tokens may contain spaces (it turned ZWNJ into a space),
# so "|" and TAB are tried before a plain space.
_SEPARATORS = ("|", "\t", " ")


_TAG_RE = re.compile(r"^(O|0|[BIESLU][-_][A-Za-z]+)$")


def _split_line(line: str) -> tuple[str, str | None, str | None]:
    """Return (token, tag or None, separator or None).

    A last field only counts as a tag if it looks like one, so a token-only
    line such as ``می شود`` (PEYMA keeps spaces inside tokens) stays whole.
    """
    for sep in _SEPARATORS:
        if sep in line:
            head, tag = line.rsplit(sep, 1)
            tag = tag.strip()
            if head.strip() and _TAG_RE.match(tag):
                # Extra middle columns (POS, ...) are not part of the token.
                tok = head.split(sep)[0] if sep != " " else head
                return tok, tag, sep
            if sep != " ":
                # Column separator present but no tag: token-only with a separator.
                return line.split(sep)[0], None, sep
    return line, None, None


def normalize_tag(tag: str | None) -> str:
    if not tag:
        return "O"
    tag = tag.strip()
    if tag in ("O", "0", "o"):
        return "O"
    m = re.match(r"^([BIESL])[-_](.+)$", tag)
    if not m:
        return "O"
    prefix, typ = m.groups()
    # BIOES/BILOU inputs are folded to BIO so scoring stays comparable.
    prefix = "B" if prefix in ("B", "S", "U") else "I"
    return f"{prefix}-{typ.upper()}"


def _lines(path) -> Iterable[str]:
    with open(path, encoding="utf-8-sig") as fh:
        for line in fh:
            yield line.rstrip("\r\n")


def read_conll(path) -> list[Sentence]:
    sents: list[Sentence] = []
    cur: Sentence = []
    for line in _lines(path):
        if not line.strip():
            if cur:
                sents.append(cur)
                cur = []
            continue
        if line.startswith("-DOCSTART-"):
            continue
        tok, tag, _ = _split_line(line)
        cur.append((tok, normalize_tag(tag)))
    if cur:
        sents.append(cur)
    return sents


def tag_conll(in_path, out: IO[str] | str | None = None, tagger=None) -> None:
    """Append the predicted tag to every non-blank line of ``in_path``.

    The first field (everything before the last separator, or the whole line
    if it has no tag column) is the token; the separator of the line is reused.
    """
    from .tagger import load_tagger

    tagger = tagger or load_tagger()
    close = False
    if out is None:
        out = sys.stdout
    elif isinstance(out, (str, bytes)) or hasattr(out, "__fspath__"):
        out = open(out, "w", encoding="utf-8")
        close = True

    def flush(block: list[tuple[str, str, str]]):
        if not block:
            return
        tags = tagger.tag([b[1] for b in block])
        for (line, _tok, sep), t in zip(block, tags):
            out.write(f"{line}{sep}{t}\n")

    try:
        block: list[tuple[str, str, str]] = []
        for line in _lines(in_path):
            if not line.strip():
                flush(block)
                block = []
                out.write("\n")
                continue
            tok, tag, sep = _split_line(line)
            if sep is None:
                # Token-only line: TAB, because tokens may themselves hold spaces.
                sep = "\t"
            block.append((line, tok, sep))
        flush(block)
    finally:
        if close:
            out.close()


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """conlleval-style chunking: an I- after O or another type starts a chunk."""
    out = set()
    start, typ = 0, None
    for i, t in enumerate(list(tags) + ["O"]):
        if t == "O" or t.startswith("B-") or (t.startswith("I-") and t[2:] != typ):
            if typ is not None:
                out.add((start, i, typ))
                typ = None
            if t != "O":
                start, typ = i, t[2:]
    return out


def evaluate(gold_sents, pred_tags, types=("PER", "ORG", "LOC")) -> dict:
    """Entity-level P/R/F1 (exact span and type) per type and micro over ``types``.

    ``gold_sents`` is a list of sentences of (token, tag) pairs or of tag lists;
    ``pred_tags`` a parallel list of tag lists.
    """
    counts = {t: [0, 0, 0] for t in types}  # tp, n_pred, n_gold
    for gs, ps in zip(gold_sents, pred_tags):
        gtags = [g[1] if isinstance(g, tuple) else g for g in gs]
        g = {s for s in spans(gtags) if s[2] in counts}
        p = {s for s in spans(list(ps)) if s[2] in counts}
        for s in g:
            counts[s[2]][2] += 1
        for s in p:
            counts[s[2]][1] += 1
            if s in g:
                counts[s[2]][0] += 1

    def prf(tp, np_, ng):
        p = tp / np_ if np_ else 0.0
        r = tp / ng if ng else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": p, "recall": r, "f1": f, "tp": tp, "pred": np_, "gold": ng}

    res = {t: prf(*c) for t, c in counts.items()}
    tot = [sum(c[i] for c in counts.values()) for i in range(3)]
    res["micro"] = prf(*tot)
    return res
