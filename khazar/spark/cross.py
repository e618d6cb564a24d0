"""Cross-document steps of `khazar spark-extract` as Spark jobs over OUTPUT/articles: near-duplicates and
stories (registered in `khazar.spark.job.CROSS_DOCUMENT_STEPS`, written to OUTPUT/duplicates and
OUTPUT/stories). docs/scale.md describes them; tests/test_spark.py compares them with khazar/corpus.

duplicates — the same result as `khazar.corpus.duplicates.find_duplicates` over the same articles:
  1. executors (mapPartitions): shingles and MinHash of every article with khazar.corpus.duplicates' own
     functions (same normalisation, 3-shingles, 128 permutations, same seed), and its LSH band keys
     (`band_keys`: the keys MinHashLSH(threshold=0.3) files it under);
  2. candidates: articles grouped by (band, key); every pair in a bucket is a candidate, exactly the pairs
     `MinHashLSH.query` returns. No bucket is capped: the single-machine index has no cap either (a bucket
     of n identical texts costs n²/2 checks in both);
  3. each candidate pair is checked exactly (`verify`: Jaccard / containment / days apart, the same call
     DuplicateIndex.add makes); each article keeps its best verified earlier partner (highest Jaccard);
  4. driver: the (article, best partner) edges — ids only, one per duplicate article, never the articles —
     are resolved to the group's original (as the single-machine index does: an article's original is its
     best partner's original, articles taken in publication order); the map is broadcast back;
  5. executors, one shuffle keyed by original: the exact similarity, MinHash estimate and containment of
     each duplicate with its original (DuplicateIndex._link).
  Output: doc, duplicate_of, similarity, estimated, containment, outlet, published, original_outlet,
  original_published — `article_duplicates`' record.
  Only difference: when two earlier partners tie on Jaccard, the earlier one (publication order) is taken;
  the single-machine index takes whichever its LSH returns first (a Python set: it may vary between runs).

stories — StoryIndex is single-pass, in publication order, and each decision depends on everything before
it (the members of each story, stories merged when an article links two; document frequencies of all
articles seen so far, cached per 500 articles). That cannot be distributed as is. The closest faithful
version:
  1. executors: `Features.of(article)` (stories.py's own), once per article;
  2. IDF: document frequencies over the whole corpus (reduceByKey) plus the same background table. The
     table of keys seen in two or more articles is broadcast (a key seen once has df 1 by construction);
  3. blocking: each article's index keys (`StoryIndex._index_keys`: 12 rarest words, entity keys and
     distinctive figures);
     articles sharing a key are candidate pairs, unless `accepts` could not accept them whatever their text
     (more than 75 days apart, or more than 14 without an event signature in common: `_may_accept`). One
     shared key, not two as the single-machine index asks of a story: a story's keys are the union of its
     members', so an article can share two with a story and only one with each member. Keys held by more
     than MAX_BUCKET articles are skipped (an entity in most of the news); the single-machine index counts
     them;
  4. each candidate pair is scored with StoryIndex.score (later article against a story holding the
     earlier one); pairs that `accepts` would take with BLOCK_MARGIN more total are edges
     (looser than acceptance: an article joins a story through its best member, but the story's other
     members must not rule it out). Driver: the edge list (ids, not articles) is collected and connected
     components found with union-find — components are blocks;
  5. executors: inside each block, StoryIndex itself runs in publication order (attach_features), so a
     chain of pairwise links that a story's other members rule out is split as the single machine
     splits it. Story id = story_id(founder), the earliest article, as in stories.py.
  Where it can differ from `build_stories`: (a) IDF is corpus-wide instead of "articles before this one";
  (b) an article can only join a story of its own block, i.e. some member must come within BLOCK_MARGIN
  of accepting it pairwise; the single machine may prefer a better story of another block; (c) keys
  above MAX_BUCKET are not used to find candidates. The partitions and story ids are equal on the test
  corpus (seeds, 40 news articles, edited copies: tests/test_spark.py). With the centroid scoring that
  came before the pairwise rules they were also equal on 750 news articles (600 irnews + 150 farsnews).
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from typing import Any

# Keys held by more articles than this are not used to find story candidates (quadratic pairs otherwise).
MAX_BUCKET = 2000
# Blocks are joined by pairs that come within this much of StoryIndex.accepts: StoryIndex decides inside a
# block, so a looser link only makes blocks larger (more work on one task) and closer to the single machine,
# where an article can join a story through its centroid without any one member accepting it.
BLOCK_MARGIN = 0.08

_DUP_COLUMNS = ("id", "title", "text", "published", "outlet")
_STORY_COLUMNS = ("id", "title", "text", "published", "published_time", "published_estimate", "outlet",
                  "entities", "events", "times")  # times: the day an article names for its happening


def duplicates_schema():
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    s = lambda name, nullable=True: StructField(name, StringType(), nullable)  # noqa: E731
    d = lambda name: StructField(name, DoubleType(), False)  # noqa: E731
    return StructType([s("doc", False), s("duplicate_of", False), d("similarity"), d("estimated"),
                       d("containment"), s("outlet"), s("published"), s("original_outlet"),
                       s("original_published")])


def stories_schema():
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    s = lambda name, nullable=True: StructField(name, StringType(), nullable)  # noqa: E731
    return StructType([s("story_id", False), s("article_id", False), s("published"), s("founder", False),
                       StructField("story_size", IntegerType(), False), s("story_label"), s("story_start"),
                       s("story_end")])


def _article(row) -> Any:
    """An Article (only the columns selected) from a row of OUTPUT/articles."""
    from khazar.model import Article

    d = row.asDict(recursive=True)
    for k in ("entities", "events"):
        if isinstance(d.get(k), str):
            d[k] = json.loads(d[k])
    return Article.from_dict(d)


def _first_per_id(pairs):
    """(id, (order, value)) → one per id, the first in publication order: both single-machine indexes skip
    an id they have already seen, taking articles in that order."""
    return pairs.reduceByKey(lambda a, b: a if a[0] <= b[0] else b)


# --- duplicates ----------------------------------------------------------------------------------------------

def _signatures(rows: Iterable) -> Iterator[tuple]:
    """Executors: (id, (order, day, outlet, published, shingles bytes, minhash bytes, band keys))."""
    import numpy as np

    from khazar.corpus.duplicates import _day, _order_key, article_text, band_keys, minhash, shingles

    for row in rows:
        a = _article(row)
        sh = shingles(article_text(a))
        mh = minhash(sh)
        bands = band_keys(mh) if len(sh) else []  # DuplicateIndex neither queries nor files an empty text
        outlet = (a.outlet or {}).get("name")
        yield a.id, (_order_key(a.published, a.id), _day(a.published), outlet, a.published, sh.tobytes(),
                     mh.hashvalues.astype(np.uint64).tobytes(), bands)


def _u32(b: bytes):
    import numpy as np

    return np.frombuffer(b, dtype=np.uint32)


def _bucket_pairs(members: Iterable[tuple]) -> Iterator[tuple[str, str]]:
    """(earlier id, later id) for every pair in one LSH bucket."""
    ms = sorted(members)
    for i, (_, later) in enumerate(ms):
        for _, earlier in ms[:i]:
            yield earlier, later


def _verified(pair_sigs) -> Iterator[tuple]:
    """(later, (jaccard, earlier's order, earlier, later's order)) when the pair is a duplicate, as
    DuplicateIndex.add checks it."""
    from khazar.corpus.duplicates import verify

    later, ((earlier, sig_l), sig_e) = pair_sigs
    ok, j, _ = verify(_u32(sig_l[4]), _u32(sig_e[4]), sig_l[1], sig_e[1])
    if ok:
        yield later, (j, sig_e[0], earlier, sig_l[0])


def _better(a: tuple, b: tuple) -> tuple:
    """(jaccard, partner order, partner): the highest Jaccard; a tie goes to the earlier partner (the
    single-machine index keeps the first its LSH query returns)."""
    if a[0] != b[0]:
        return a if a[0] > b[0] else b
    return a if a[1] <= b[1] else b


def _roots(best: list[tuple[str, tuple, str]]) -> dict[str, str]:
    """Driver: (article, its order, best earlier partner) → article: original of its group. As in
    DuplicateIndex.add, articles in publication order take their partner's original (the partner is earlier,
    so it is resolved first)."""
    parent = {doc: partner for doc, _, partner in best}
    root: dict[str, str] = {}
    for doc, _, partner in sorted(best, key=lambda t: t[1]):
        root[doc] = root.get(partner, partner)
    assert set(root) == set(parent)
    return root


def _to_group(kv, root_b) -> Iterator[tuple]:
    """(original, (article, signature)) for the original of a group and each of its duplicates."""
    doc, sig = kv
    root = root_b.value
    if doc in root:
        yield root[doc], (doc, sig)
    elif doc in root_b.originals:
        yield doc, (doc, sig)


def _link_rows(group) -> Iterator[tuple]:
    """Executors: each duplicate's link to its original, as DuplicateIndex._link computes it."""
    import numpy as np

    from khazar.corpus.duplicates import exact_similarity

    original, members = group
    sigs = dict(members)
    sig_o = sigs.pop(original)
    for doc, sig_d in sorted(sigs.items()):
        j, c = exact_similarity(_u32(sig_d[4]), _u32(sig_o[4]))
        hd, ho = np.frombuffer(sig_d[5], dtype=np.uint64), np.frombuffer(sig_o[5], dtype=np.uint64)
        est = float(np.count_nonzero(hd == ho)) / float(len(hd))  # LeanMinHash.jaccard
        yield (doc, original, round(j, 3), round(est, 3), round(c, 3), sig_d[2], sig_d[3], sig_o[2], sig_o[3])


class _RootMap:
    """Broadcast value: duplicate → original, and the set of originals."""

    def __init__(self, sc, root: dict[str, str]):
        self._b = sc.broadcast(root)
        self.originals = frozenset(root.values())

    @property
    def value(self) -> dict[str, str]:
        return self._b.value

    def unpersist(self) -> None:
        self._b.unpersist()


def duplicates_step(spark, articles):
    """Near-duplicate links of OUTPUT/articles (module docstring): one row per duplicate article."""
    from pyspark import StorageLevel

    sigs = _first_per_id(articles.select(*_DUP_COLUMNS).rdd.mapPartitions(_signatures)
                         .map(lambda kv: (kv[0], (kv[1][0], kv[1])))).mapValues(lambda v: v[1])
    sigs = sigs.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        buckets = (sigs.flatMap(lambda kv: (((band, key), (kv[1][0], kv[0])) for band, key in kv[1][6]))
                   .groupByKey().filter(lambda kv: len(kv[1]) > 1))
        candidates = buckets.flatMap(lambda kv: _bucket_pairs(kv[1])).distinct()
        best = (candidates.map(lambda p: (p[1], p[0])).join(sigs)          # later → (earlier, later's sig)
                .map(lambda kv: (kv[1][0], (kv[0], kv[1][1]))).join(sigs)  # earlier → ((later, sig), sig)
                .map(lambda kv: (kv[1][0][0], ((kv[0], kv[1][0][1]), kv[1][1])))
                .flatMap(_verified).reduceByKey(_better))
        # One edge per duplicate article (a few % of the corpus), ids only: resolved on the driver.
        root = _roots(best.map(lambda kv: (kv[0], kv[1][3], kv[1][2])).collect())
        root_b = _RootMap(spark.sparkContext, root)  # broadcast back: the same ids
        links = sigs.flatMap(lambda kv: _to_group(kv, root_b)).groupByKey().flatMap(_link_rows)
        # Materialised (eagerly, in the executors) so the signatures can be released before the write.
        out = spark.createDataFrame(links, duplicates_schema()).localCheckpoint()
        root_b.unpersist()
    finally:
        sigs.unpersist()
    return out


# --- stories -------------------------------------------------------------------------------------------------

class _CorpusIdf:
    """IDF from corpus-wide document frequencies (+ stories.py's background table), the same formula."""

    def __init__(self, n: int, df_bcast):
        self.n, self.df_bcast = n, df_bcast

    def __call__(self, key: str) -> float:
        from khazar.corpus.stories import background

        bn, bdf = background()
        df = self.df_bcast.value.get(key, 1)  # every key looked up belongs to some article: df ≥ 1
        return math.log((1 + self.n + bn) / (1 + df + bdf.get(key, 0))) + 1.0


def _index(idf: _CorpusIdf):
    """A StoryIndex whose IDF is the corpus-wide one (everything else is stories.py's code)."""
    from khazar.corpus.stories import StoryIndex

    class CorpusIdfIndex(StoryIndex):
        def idf(self, key: str) -> float:
            v = self._idf.get(key)
            if v is None:
                v = self._idf[key] = idf(key)
            return v

    return CorpusIdfIndex()


def _features(rows: Iterable) -> Iterator[tuple]:
    """Executors: (id, (publication order, Features))."""
    from khazar.corpus.stories import Features, _order

    for row in rows:
        a = _article(row)
        yield a.id, (_order(a), Features.of(a))


def _events_of(f) -> tuple[list[dict], list[dict]]:
    """(its events as the later article of a pair — weak types left out: they never reach event 1.0 —, its
    events as a one-article story: Story.add merges an article's own matching events)."""
    from khazar.corpus.stories import WEAK_EVENT_TYPES, Story

    st = Story("events")
    st.add(f)
    return [e for e in f.events if e["type"] not in WEAK_EVENT_TYPES], st.events


def _keys_of(part: Iterable, idf: _CorpusIdf) -> Iterator[tuple]:
    idx = _index(idf)
    for doc, (order, f) in part:
        strong, as_story = _events_of(f)
        for key in idx._index_keys(f):
            yield key, (order, doc, f.day, strong, as_story)


def _may_accept(later: tuple, earlier: tuple) -> bool:
    """False when StoryIndex.accepts cannot accept the pair whatever the text and entities: more than FAR_DAYS
    apart, or more than MID_DAYS apart without an event signature in common. Saves scoring (and shipping
    the Features of) most pairs of a time-spread corpus; changes no decision."""
    from khazar.corpus.stories import FAR_DAYS, MID_DAYS, signatures_match

    day_l, day_e = later[2], earlier[2]
    if day_l is None or day_e is None:
        return True
    gap = abs(day_l - day_e)
    if gap <= MID_DAYS:
        return True
    return gap <= FAR_DAYS and any(signatures_match(a, b) for a in later[3] for b in earlier[4])


def _key_pairs(members: Iterable[tuple]) -> Iterator[tuple[str, str]]:
    ms = sorted(members, key=lambda m: m[0])
    if len(ms) > MAX_BUCKET:
        return
    for i, later in enumerate(ms):
        for earlier in ms[:i]:
            if _may_accept(later, earlier):
                yield earlier[1], later[1]


def _accepted(part: Iterable, idf: _CorpusIdf) -> Iterator[tuple[str, str]]:
    """Executors: candidate pairs scored as StoryIndex would score the later article against a story that
    holds only the earlier one; those within BLOCK_MARGIN of acceptance are edges."""
    from khazar.corpus.stories import Story

    idx = _index(idf)
    for (earlier, later), (f_e, f_l) in part:
        st = Story("pair")
        st.add(f_e)
        score = idx.score(f_l, st)
        if idx.accepts({**score, "total": score["total"] + BLOCK_MARGIN, "mean": score["mean"] + BLOCK_MARGIN}):
            yield earlier, later


def _block_stories(block: Iterable[tuple], idf: _CorpusIdf) -> list[tuple]:
    """Executors: stories.py's StoryIndex over one block, in publication order."""
    from datetime import date

    idx = _index(idf)
    members = sorted(block, key=lambda t: t[0])
    for _, f in members:
        idx.attach_features(f)
    out = []
    for sid, st in idx.stories.items():
        d = idx.describe(sid)
        for doc in st.docs:
            f = idx.features[doc]
            out.append((sid, doc, f.published, st.docs[0], len(st.docs), d["label"],
                        date.fromordinal(st.first).isoformat() if st.first else None,
                        date.fromordinal(st.last).isoformat() if st.last else None))
    return out


def stories_step(spark, articles):
    """Stories of OUTPUT/articles (module docstring): one row per article, with its story id."""
    from operator import add

    from pyspark import StorageLevel

    from khazar.corpus.stories import components

    feats = _first_per_id(articles.select(*_STORY_COLUMNS).rdd.mapPartitions(_features))
    feats = feats.persist(StorageLevel.MEMORY_AND_DISK)
    sc = spark.sparkContext
    try:
        # "" counts the articles (no key is empty: words are \w+, entity keys are "e:…").
        df = (feats.flatMap(lambda kv: set(kv[1][1].terms) | {"e:" + k for k in kv[1][1].entities} | {""})
              .map(lambda k: (k, 1)).reduceByKey(add).filter(lambda kv: kv[1] > 1 or kv[0] == "").collectAsMap())
        n = df.pop("", 0)
        idf = _CorpusIdf(n, sc.broadcast(df))
        pairs = (feats.mapPartitions(lambda part: _keys_of(part, idf)).groupByKey()
                 .flatMap(lambda kv: _key_pairs(kv[1])).distinct())
        plain = feats.mapValues(lambda v: v[1])
        scored = (pairs.map(lambda p: (p[1], p[0])).join(plain)            # later → (earlier, f_later)
                  .map(lambda kv: (kv[1][0], (kv[0], kv[1][1]))).join(plain)  # earlier → ((later, f_l), f_e)
                  .map(lambda kv: ((kv[0], kv[1][0][0]), (kv[1][1], kv[1][0][1]))))
        # The edges: id pairs, about as many as articles in multi-article stories; components on the driver.
        # union-find on the driver over the accepted edges (ids only) → article: component representative
        block = components(scored.mapPartitions(lambda part: _accepted(part, idf)).collect())
        block_b = sc.broadcast(block)
        rows = (feats.map(lambda kv: (block_b.value.get(kv[0], kv[0]), kv[1])).groupByKey()
                .flatMap(lambda kv: _block_stories(kv[1], idf)))
        out = spark.createDataFrame(rows, stories_schema()).localCheckpoint()  # eager: feats can go
        block_b.unpersist()
        idf.df_bcast.unpersist()
    finally:
        feats.unpersist()
    return out


STEPS = [("duplicates", duplicates_step), ("stories", stories_step)]
