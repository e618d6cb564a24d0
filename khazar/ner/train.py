"""Rebuild the Persian NER model: word clusters, gazetteer and CRF.

    python -m khazar.ner.train [--peyma DIR] [--news DIR] [--out DIR]

Deterministic: fixed seeds for SVD and k-means, a fixed CRF configuration.
Prints dev P/R/F1 for PER, ORG, LOC and micro.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from itertools import product
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pycrfsuite
from scipy import sparse
from scipy.sparse.linalg import svds

from .conll import evaluate, read_conll
from ..text.fold import token_form
from .features import MODEL_DIR, FeatureExtractor, Lexicon, split_sentences

SHARED = Path("/work/shared/data")
KEEP_TYPES = ("PER", "ORG", "LOC")

# Chosen on PEYMA dev with --tune (see model/MODEL_CARD.md).
C1, C2 = 0.05, 0.02
MAX_ITER = 250
CLUSTER_KS = (64, 256, 1024)


# --- gazetteer ----------------------------------------------------------------

def _variants(name: str) -> set[str]:
    name = token_form(name)
    out = {name}
    # Spellings of initial alef-madda vary (امریکا / آمریکا) between CLDR and news.
    if name.startswith("آ"):
        out.add("ا" + name[1:])
    elif name.startswith("ا"):
        out.add("آ" + name[1:])
    return {v for v in out if v}


def build_gazetteer(lexicon_json: Path) -> list[str]:
    from babel import Locale

    names: set[str] = set()
    data = json.loads(Path(lexicon_json).read_text(encoding="utf-8"))
    for prov in data:
        names |= _variants(prov["province-fa"])
        for city in prov.get("cities", []):
            names |= _variants(city["city-fa"])
    for name in Locale("fa").territories.values():
        # Region codes (001, 150, ...) name continents and world regions: keep them too.
        name = name.split("(")[0].strip()
        names |= _variants(name)
    return sorted(n for n in names if len(n) > 1)


# --- entity memory from the training annotations ---------------------------------

def entity_dict(sents, min_ratio: float = 0.5) -> dict[str, str]:
    """Phrases annotated as PER/ORG/LOC in ``sents`` -> majority type.

    Phrases that are mostly *not* annotated where they occur (مهر the month vs
    the news agency) are dropped.
    """
    from .conll import spans

    typed: dict[str, Counter] = {}
    for s in sents:
        toks = [token_form(t) for t, _ in s]
        for a, b, t in spans([x for _, x in s]):
            if t in KEEP_TYPES and b - a <= 6:
                typed.setdefault(" ".join(toks[a:b]), Counter())[t] += 1
    lengths = {p.count(" ") + 1 for p in typed}
    occ = Counter()
    for s in sents:
        toks = [token_form(t) for t, _ in s]
        for L in lengths:
            for i in range(len(toks) - L + 1):
                ph = " ".join(toks[i:i + L])
                if ph in typed:
                    occ[ph] += 1
    out = {}
    for ph, c in typed.items():
        t, n = c.most_common(1)[0]
        if sum(c.values()) >= min_ratio * occ[ph] and len(ph) > 1:
            out[ph] = t
    return out


def jackknife_lexicons(sents, lex: Lexicon, folds: int = 5) -> list[tuple[int, int, Lexicon]]:
    """(lo, hi, lexicon) per contiguous fold of the training sentences: the lexicon's entity memory
    excludes sents[lo:hi], so a model trained on these features learns how far to trust the memory on
    text it has not seen."""
    n = len(sents)
    bounds = [n * k // folds for k in range(folds + 1)]
    return [(bounds[k], bounds[k + 1],
             Lexicon(lex.clusters, lex.places, entity_dict(sents[:bounds[k]] + sents[bounds[k + 1]:])))
            for k in range(folds)]


def jackknife_features(sents, lex: Lexicon, folds: int = 5):
    """CRF features for training sentences, each with the entity memory of its own fold left out."""
    X = []
    for lo, hi, fold_lex in jackknife_lexicons(sents, lex, folds):
        fe = FeatureExtractor(fold_lex)
        X.extend(fe.sent_features([t for t, _ in s]) for s in sents[lo:hi])
    return X


# --- word clusters from unlabeled news ---------------------------------------------

def _news_sentences(news_dir: Path):
    for path in sorted(Path(news_dir).glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                for field in ("title", "text"):
                    t = d.get(field)
                    if t:
                        for s in split_sentences(t):
                            yield [token_form(tok) for tok, _, _ in s]


def _kmeans(X: np.ndarray, k: int, seed: int, iters: int = 25) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    # k-means++ seeding on a sample keeps this fast and deterministic.
    centers = [X[rng.integers(n)]]
    d2 = ((X - centers[0]) ** 2).sum(1)
    for _ in range(1, k):
        idx = rng.choice(n, p=d2 / d2.sum())
        centers.append(X[idx])
        d2 = np.minimum(d2, ((X - X[idx]) ** 2).sum(1))
    C = np.array(centers)
    x2 = (X ** 2).sum(1)[:, None]
    for _ in range(iters):
        dist = x2 - 2 * X @ C.T + (C ** 2).sum(1)[None, :]
        lab = dist.argmin(1)
        for j in range(k):
            m = lab == j
            if m.any():
                C[j] = X[m].mean(0)
    return lab


def build_clusters(news_dir: Path, extra_sents, min_count: int = 3, n_ctx: int = 5000,
                   dim: int = 100, ks=CLUSTER_KS, max_vocab: int = 60000) -> dict[str, tuple[str, ...]]:
    vocab, E = build_vectors(news_dir, extra_sents, min_count, n_ctx, dim, max_vocab)
    labels = [_kmeans(E, k, seed=k) for k in ks]
    return {w: tuple(str(int(clusters[i])) for clusters in labels) for i, w in enumerate(vocab)}


def build_vectors(news_dir: Path, extra_sents, min_count: int = 3, n_ctx: int = 5000,
                  dim: int = 100, max_vocab: int = 60000) -> tuple[list[str], np.ndarray]:
    """PPMI + truncated SVD word vectors (L2-normalised rows) over the unlabeled news and
    ``extra_sents``; also the neural tagger's initial word embeddings (train_nn.py)."""
    sents = list(_news_sentences(news_dir)) + [[token_form(t) for t in s] for s in extra_sents]
    counts = Counter(w for s in sents for w in s)
    vocab = [w for w, c in sorted(counts.items(), key=lambda x: (-x[1], x[0])) if c >= min_count][:max_vocab]
    index = {w: i for i, w in enumerate(vocab)}
    V = len(vocab)
    ids = []
    for s in sents:
        ids.extend(index.get(w, -2) for w in s)
        ids.extend((-1, -1))  # sentence boundary
    ids = np.array(ids, dtype=np.int64)
    rows, cols = [], []
    offsets = (-2, -1, 1, 2)
    for oi, off in enumerate(offsets):
        if off < 0:
            a, b = ids[-off:], ids[:off]
        else:
            a, b = ids[:-off], ids[off:]
        m = (a >= 0) & (b >= 0) & (b < n_ctx)
        rows.append(a[m])
        cols.append(b[m] + oi * n_ctx)
    rows = np.concatenate(rows)
    cols = np.concatenate(cols)
    M = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(V, n_ctx * len(offsets))).tocsr()
    M.sum_duplicates()
    # PPMI with context-distribution smoothing (Levy et al. 2015).
    total = M.sum()
    pw = np.asarray(M.sum(1)).ravel() / total
    pc = np.asarray(M.sum(0)).ravel() ** 0.75
    pc /= pc.sum()
    M = M.tocoo()
    pmi = np.log(M.data / total / (pw[M.row] * pc[M.col]))
    keep = pmi > 0
    P = sparse.csr_matrix((pmi[keep], (M.row[keep], M.col[keep])), shape=M.shape)
    v0 = np.full(min(P.shape), 1.0 / np.sqrt(min(P.shape)))
    U, S, _ = svds(P, k=dim, v0=v0)
    E = U * np.sqrt(S)
    E /= np.linalg.norm(E, axis=1, keepdims=True) + 1e-9
    return vocab, E


# --- CRF ---------------------------------------------------------------------------

def _labels(sent, keep_types=KEEP_TYPES):
    out = []
    for _, t in sent:
        out.append(t if t == "O" or t[2:] in keep_types else "O")
    return out


def _train_one(args):
    (train_x, train_y, model_path, c1, c2, max_iter) = args
    tr = pycrfsuite.Trainer(verbose=False)
    for x, y in zip(train_x, train_y):
        tr.append(x, y)
    tr.set_params({"c1": c1, "c2": c2, "max_iterations": max_iter,
                   "feature.possible_transitions": True})
    tr.train(str(model_path))
    return str(model_path)


def _score(model_path, dev_x, dev_sents):
    tg = pycrfsuite.Tagger()
    tg.open(str(model_path))
    pred = [[_restrict(t) for t in tg.tag(x)] for x in dev_x]
    tg.close()
    return evaluate(dev_sents, pred)


def _restrict(t: str) -> str:
    return t if t == "O" or t[2:] in KEEP_TYPES else "O"


def fmt_scores(res: dict) -> str:
    lines = [f"{'type':6} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6}"]
    for k in (*KEEP_TYPES, "micro"):
        r = res[k]
        lines.append(f"{k:6} {100*r['precision']:6.2f} {100*r['recall']:6.2f} {100*r['f1']:6.2f} {r['gold']:6d}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peyma", type=Path, default=SHARED / "ner/peyma")
    ap.add_argument("--news", type=Path, default=SHARED / "news")
    ap.add_argument("--lexicon", type=Path, default=SHARED / "lexicons/iran_provinces_cities_fa_en.json")
    ap.add_argument("--out", type=Path, default=MODEL_DIR)
    ap.add_argument("--c1", type=float, default=C1)
    ap.add_argument("--c2", type=float, default=C2)
    ap.add_argument("--max-iter", type=int, default=MAX_ITER)
    ap.add_argument("--only-kept", action="store_true",
                    help="map DAT/TIM/MON/PCT to O before training (default trains on all "
                         "PEYMA tags: +0.8 micro F1 on dev for PER/ORG/LOC)")
    ap.add_argument("--reuse-lexicon", action="store_true",
                    help="reuse clusters.tsv already in --out")
    ap.add_argument("--no-memory", action="store_true",
                    help="no entity-memory gazetteer from the train annotations")
    ap.add_argument("--tune", action="store_true", help="grid-search c1/c2 on dev (2 processes)")
    args = ap.parse_args(argv)

    t0 = time.time()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    train = read_conll(args.peyma / "train.txt")
    dev = read_conll(args.peyma / "dev.txt")

    gaz = build_gazetteer(args.lexicon)
    ents = {} if args.no_memory else entity_dict(train)
    (out / "gazetteer.json").write_text(
        json.dumps({"LOC": gaz, "ENTITIES": dict(sorted(ents.items()))},
                   ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"gazetteer: {len(gaz)} places, {len(ents)} remembered entities", flush=True)
    if not args.reuse_lexicon:
        clusters = build_clusters(args.news, [[t for t, _ in s] for s in train])
        with open(out / "clusters.tsv", "w", encoding="utf-8") as fh:
            for w in sorted(clusters):
                fh.write(w + "\t" + "\t".join(clusters[w]) + "\n")
        print(f"clusters: {len(clusters)} words "
              f"({time.time()-t0:.0f}s)", flush=True)

    lex = Lexicon.load(out)
    fe = FeatureExtractor(lex)
    keep = KEEP_TYPES if args.only_kept else ("PER", "ORG", "LOC", "DAT", "TIM", "MON", "PCT")
    if lex.entities:
        train_x = jackknife_features(train, lex)
    else:
        train_x = [fe.sent_features([t for t, _ in s]) for s in train]
    train_y = [_labels(s, keep) for s in train]
    dev_x = [fe.sent_features([t for t, _ in s]) for s in dev]
    print(f"features done ({time.time()-t0:.0f}s)", flush=True)

    if args.tune:
        grid = list(product((0.02, 0.05, 0.1, 0.2), (0.005, 0.02, 0.05)))
        jobs = [(train_x, train_y, out / f"tune_{c1}_{c2}.crfsuite", c1, c2, args.max_iter) for c1, c2 in grid]
        with Pool(2) as pool:
            paths = pool.map(_train_one, jobs, chunksize=1)
        for (c1, c2), p in zip(grid, paths):
            r = _score(p, dev_x, dev)
            print(f"c1={c1} c2={c2} micro F1={100*r['micro']['f1']:.2f} "
                  + " ".join(f"{k}={100*r[k]['f1']:.2f}" for k in KEEP_TYPES), flush=True)
            Path(p).unlink()
        return

    model_path = out / "ner.crfsuite"
    _train_one((train_x, train_y, model_path, args.c1, args.c2, args.max_iter))
    res = _score(model_path, dev_x, dev)
    print(f"trained in {time.time()-t0:.0f}s (c1={args.c1}, c2={args.c2}, "
          f"{'PER/ORG/LOC only' if args.only_kept else 'all tags'})")
    print("PEYMA dev, entity-level exact match:")
    print(fmt_scores(res))
    (out / "dev_scores.json").write_text(json.dumps(
        {k: {m: round(v, 4) if isinstance(v, float) else v for m, v in r.items()} for k, r in res.items()},
        indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
