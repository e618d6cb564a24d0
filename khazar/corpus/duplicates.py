"""Exact and near-duplicate articles: the same wire story republished with small edits.

Method (docs/corpus.md):
- words are compared by their match key (khazar.text.fold.key_text), so ZWNJ/space variants, Arabic/Persian
  letter forms and digit scripts do not make two copies differ; a detached verbal prefix (می، نمی) or plural
  suffix (ها، های) is glued back to its word for the same reason;
- each article becomes the set of its word 3-shingles, hashed to 32 bits (vectorised with numpy; the words
  are hashed with crc32 so that signatures are the same in every process and can be persisted);
- datasketch MinHash signatures go into a MinHashLSH index tuned for a LOW Jaccard threshold, so that it
  finds candidates with high recall; every candidate is then verified EXACTLY on the shingle sets: a pair
  is a duplicate when its Jaccard similarity or its containment (a shortened copy) passes the thresholds.
- the earliest published article of a group is the original (ties and undated articles: by id); every
  other member gets `duplicate_of` pointing at it. Nothing is dropped: a duplicate keeps its own outlet and
  date, which is evidence that several outlets carried the story.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from ..text.fold import key_text

NUM_PERM = 128
SHINGLE = 3
# The LSH only proposes candidates; the exact check below decides. 0.3 keeps recall high for heavily edited
# copies (synonyms break three shingles each) at a modest cost in candidates to verify.
LSH_THRESHOLD = 0.3
# Thresholds of the exact check, measured with bench/duplicates_eval.py (docs/corpus.md has the figures).
MIN_JACCARD = 0.45
MIN_CONTAINMENT = 0.75  # a copy cut short: most of the shorter text's shingles are in the longer one
MIN_SHINGLES = 12  # below this a text is too short for a containment claim to mean anything
# Recurring templated items (daily exchange rates, weekly pre-sale lists) share most of their wording but are
# different news; a wire copy is republished within days. Beyond MAX_DAYS_APART only a near-identical text
# (MIN_JACCARD_FAR) counts, so a reissued archive copy is still caught.
MAX_DAYS_APART = 3
MIN_JACCARD_FAR = 0.9

_WORD = re.compile(r"\w+", re.UNICODE)
# Detached parts that one copy writes apart and another joins (می‌شود / می شود / میشود): glued to their word.
_PREFIXES = frozenset({"می", "نمی", "بی"})
_SUFFIXES = frozenset({"ها", "های", "هایی", "ای", "ی", "تر", "ترین"})
_EMPTY = np.zeros(0, dtype=np.uint32)
_P1, _P2 = np.uint64(1_000_003), np.uint64(2_654_435_761)


def words(text: str) -> list[str]:
    """The comparison form of the words of `text` (match keys, detached affixes glued back)."""
    out: list[str] = []
    glue_next = False
    for k in _WORD.findall(key_text(text)):
        if glue_next and out:
            out[-1] += k
            glue_next = False
            continue
        if k in _SUFFIXES and out:
            out[-1] += k
            continue
        out.append(k)
        glue_next = k in _PREFIXES
    return out


def shingles(text: str, k: int = SHINGLE) -> np.ndarray:
    """Sorted unique 32-bit hashes of the word k-shingles of `text`."""
    ws = words(text)
    if not ws:
        return _EMPTY
    h = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in ws), dtype=np.uint64, count=len(ws))
    if len(ws) < k:
        combined = h[:1].copy()
        for x in h[1:]:
            combined = combined * _P1 + x
    else:
        combined = h[: len(ws) - k + 1].copy()
        for i in range(1, k):
            combined = combined * _P1 + h[i: len(ws) - k + 1 + i] * _P2
    folded = (combined ^ (combined >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return np.unique(folded.astype(np.uint32))


def _identity(x):
    return x


_PERMS: dict[int, MinHash] = {}


def minhash(sh: np.ndarray, num_perm: int = NUM_PERM) -> LeanMinHash:
    # The permutations are drawn once per size and shared: drawing them per article is most of the cost.
    t = _PERMS.get(num_perm) or _PERMS.setdefault(num_perm, MinHash(num_perm=num_perm, hashfunc=_identity))
    m = MinHash(num_perm=num_perm, hashfunc=_identity, permutations=t.permutations, scheme=t.scheme)
    if len(sh):
        m.update_batch(sh.tolist())
    return LeanMinHash(m)


def exact_similarity(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Jaccard, containment of the smaller set in the larger) of two shingle sets."""
    if not len(a) or not len(b):
        return 0.0, 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter), inter / min(len(a), len(b))


def is_duplicate(jaccard: float, containment: float, smaller: int, days_apart: int | None = None) -> bool:
    if days_apart is not None and days_apart > MAX_DAYS_APART:
        return jaccard >= MIN_JACCARD_FAR
    return jaccard >= MIN_JACCARD or (smaller >= MIN_SHINGLES and containment >= MIN_CONTAINMENT)


def verify(a: np.ndarray, b: np.ndarray, day_a: int | None, day_b: int | None) -> tuple[bool, float, float]:
    """The exact check of one LSH candidate pair: (is a duplicate, Jaccard, containment)."""
    j, c = exact_similarity(a, b)
    apart = abs(day_a - day_b) if day_a is not None and day_b is not None else None
    return is_duplicate(j, c, min(len(a), len(b)), apart), j, c


_LSH_SHAPES: dict[tuple[float, int], MinHashLSH] = {}


def band_keys(mh: LeanMinHash, threshold: float = LSH_THRESHOLD) -> list[tuple[int, bytes]]:
    """(band, key) under which a MinHashLSH(threshold, num_perm) files `mh`: two articles are LSH candidates
    of each other exactly when they share one of these. For computing the candidates elsewhere (Spark)."""
    shape = (threshold, len(mh))
    lsh = _LSH_SHAPES.get(shape) or _LSH_SHAPES.setdefault(shape, MinHashLSH(threshold=threshold,
                                                                             num_perm=len(mh)))
    return [(i, lsh._H(mh.hashvalues[start:end])) for i, (start, end) in enumerate(lsh.hashranges)]


def _day(published: str | None) -> int | None:
    if not published or len(published) < 10:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


def _order_key(published: str | None, doc_id: str) -> tuple:
    # Undated articles come after every dated one: an undated copy is never taken for the original.
    return (published is None, published or "", doc_id)


@dataclass
class Link:
    doc: str
    duplicate_of: str
    similarity: float  # exact Jaccard of the shingle sets
    estimated: float  # MinHash estimate of the same
    containment: float

    def to_dict(self) -> dict:
        return {"doc": self.doc, "duplicate_of": self.duplicate_of, "similarity": round(self.similarity, 3),
                "estimated": round(self.estimated, 3), "containment": round(self.containment, 3)}


class DuplicateIndex:
    """Incremental near-duplicate detection: `add` one article at a time, read `links` at any point.

    Articles may arrive in any order; when a newcomer turns out to be older than the original of its group,
    it becomes the original and the group's links are re-pointed at it.
    """

    def __init__(self, num_perm: int = NUM_PERM, threshold: float = LSH_THRESHOLD):
        self.num_perm = num_perm
        self.lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.sh: dict[str, np.ndarray] = {}
        self.mh: dict[str, LeanMinHash] = {}
        self.order: dict[str, tuple] = {}
        self.day: dict[str, int | None] = {}
        self.root: dict[str, str] = {}  # doc -> original of its group (itself for originals)
        self.links: dict[str, Link] = {}

    def __len__(self) -> int:
        return len(self.sh)

    def add(self, doc_id: str, text: str, published: str | None = None, *, sh: np.ndarray | None = None,
            mh: LeanMinHash | None = None) -> Link | None:
        """Index one article; returns its link when it duplicates an article already indexed."""
        if doc_id in self.sh:
            return self.links.get(doc_id)
        sh = shingles(text) if sh is None else sh
        mh = minhash(sh, self.num_perm) if mh is None else mh
        best: tuple[float, str, float, float] | None = None
        day = _day(published)
        if len(sh):
            for cand in self.lsh.query(mh):
                ok, j, c = verify(sh, self.sh[cand], day, self.day[cand])
                if ok and (best is None or j > best[0]):
                    best = (j, cand, c, mh.jaccard(self.mh[cand]))
            self.lsh.insert(doc_id, mh)
        self.sh[doc_id], self.mh[doc_id] = sh, mh
        self.order[doc_id] = _order_key(published, doc_id)
        self.day[doc_id] = day
        self.root[doc_id] = doc_id
        if best is None:
            return None
        root = self.root[best[1]]
        if self.order[doc_id] < self.order[root]:
            # The newcomer is older than the group's original: it takes over.
            for member, r in list(self.root.items()):
                if r == root:
                    self.root[member] = doc_id
                    self.links.pop(member, None)
                    if member != doc_id:
                        self.links[member] = self._link(member, doc_id)
            return None
        self.root[doc_id] = root
        link = self._link(doc_id, root) if root != best[1] else Link(doc_id, root, best[0], best[3], best[2])
        self.links[doc_id] = link
        return link

    def restore(self, doc_id: str, published: str | None, sh: np.ndarray, mh: LeanMinHash,
                duplicate_of: str | None, similarity: float | None) -> None:
        """Put back an article indexed earlier (persisted signature and link) without checking it again."""
        if len(sh):
            self.lsh.insert(doc_id, mh)
        self.sh[doc_id], self.mh[doc_id] = sh, mh
        self.order[doc_id] = _order_key(published, doc_id)
        self.day[doc_id] = _day(published)
        self.root[doc_id] = duplicate_of or doc_id
        if duplicate_of:
            est = mh.jaccard(self.mh[duplicate_of]) if duplicate_of in self.mh else similarity or 0.0
            self.links[doc_id] = Link(doc_id, duplicate_of, similarity or 0.0, est, 0.0)

    def _link(self, doc: str, original: str) -> Link:
        j, c = exact_similarity(self.sh[doc], self.sh[original])
        return Link(doc, original, j, self.mh[doc].jaccard(self.mh[original]), c)


def find_duplicates(docs: Iterable[tuple[str, str, str | None]]) -> list[Link]:
    """(id, text, published) triples → duplicate links, originals first in time (earliest published)."""
    idx = DuplicateIndex()
    for doc_id, text, published in sorted(docs, key=lambda d: _order_key(d[2], d[0])):
        idx.add(doc_id, text, published)
    return sorted(idx.links.values(), key=lambda link: link.doc)


def article_text(article) -> str:
    """The text duplicates are judged on: title and body (the pipeline has already removed boilerplate)."""
    return f"{article.title or ''}\n{article.text or ''}"


def article_duplicates(articles) -> list[dict]:
    """Duplicate links for Article objects, in the report form with the duplicate's own outlet and date."""
    by_id = {a.id: a for a in articles}
    out = []
    for link in find_duplicates((a.id, article_text(a), a.published) for a in articles):
        a, o = by_id[link.doc], by_id[link.duplicate_of]
        out.append({**link.to_dict(), "outlet": (a.outlet or {}).get("name"), "published": a.published,
                    "original_outlet": (o.outlet or {}).get("name"), "original_published": o.published})
    return out
