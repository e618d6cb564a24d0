"""The corpus stage over a store: attach new articles to stories and duplicate groups incrementally.

    corpus = Corpus(store)          # loads the persisted state (nothing is recomputed)
    corpus.attach(article)          # one article: its story id and duplicate link
    corpus.update()                 # every stored article not yet attached, then save
    corpus.save()

Without a store, Corpus() works in memory (the report for PATHs given on the command line).
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from datasketch import LeanMinHash

from .contradictions import find_contradictions
from .duplicates import DuplicateIndex, article_text, minhash, shingles
from .stories import StoryIndex


class Corpus:
    def __init__(self, store=None):
        self.store = store
        self.dups = DuplicateIndex()
        self.stories = StoryIndex()
        self._loaded_links: dict[str, str | None] = {}
        self._new_docs: list[tuple] = []
        self._df_delta: Counter = Counter()
        self._dirty: set[str] = set()
        self._merged_seen = 0
        if store is not None:
            self._load()

    def _load(self) -> None:
        state = self.store.corpus_load()
        self.stories = StoryIndex.from_state(state)
        self._merged_seen = len(self.stories.merged)
        for article_id, published, mh, sh, dup, sim in state["docs"]:
            shv = np.frombuffer(sh, dtype=np.uint32) if sh else np.zeros(0, dtype=np.uint32)
            mhv = LeanMinHash(seed=1, hashvalues=np.frombuffer(mh, dtype=np.uint32), scheme="affine32") \
                if mh else minhash(shv)
            self.dups.restore(article_id, published, shv, mhv, dup, sim)
            self._loaded_links[article_id] = dup

    def attach(self, article) -> dict[str, Any]:
        """Attach one article: returns {"story": id, "duplicate_of": id|None, "similarity": float|None}."""
        sh = shingles(article_text(article))
        mh = minhash(sh)
        link = self.dups.add(article.id, "", article.published, sh=sh, mh=mh)
        before_n = self.stories.n
        sid = self.stories.attach(article)
        if self.stories.n > before_n:  # a new article for the stories: its df contribution must be saved
            f = self.stories.features[article.id]
            self._df_delta.update(set(f.terms))
            self._df_delta.update("e:" + k for k in f.entities)
            self._df_delta[""] += 1
        self._dirty.add(sid)
        self._new_docs.append((article.id, mh.hashvalues.astype(np.uint32).tobytes(), sh.tobytes()))
        return {"story": sid, "duplicate_of": link.duplicate_of if link else None,
                "similarity": round(link.similarity, 3) if link else None}

    def update(self, batch: int = 500) -> int:
        """Attach every stored article the corpus has not seen (oldest first); saves every `batch`."""
        n = 0
        for article_id in self.store.corpus_pending():
            article = self.store.get_article(article_id)
            if article is None:
                continue
            self.attach(article)
            n += 1
            if n % batch == 0:
                self.save()
        self.save()
        return n

    def save(self) -> None:
        if self.store is None:
            return
        links = self.dups.links
        docs = []
        for article_id, mh, sh in self._new_docs:
            link = links.get(article_id)
            docs.append((article_id, mh, sh, link.duplicate_of if link else None, link.similarity if link else None))
            self._loaded_links[article_id] = link.duplicate_of if link else None
        changed = []
        for article_id, old in list(self._loaded_links.items()):
            link = links.get(article_id)
            new = link.duplicate_of if link else None
            if new != old:
                changed.append((article_id, new, link.similarity if link else None))
                self._loaded_links[article_id] = new
        gone = list(self.stories.merged)[self._merged_seen:]
        self._merged_seen = len(self.stories.merged)
        dirty = [sid for sid in self._dirty if sid in self.stories.stories]
        stories = [(self.stories.describe(sid), self.stories.stories[sid].to_state()) for sid in dirty]
        contradictions = {}
        for desc, _state in stories:  # a story that changed is checked again, with its articles from the store
            if len(desc["docs"]) < 2:
                contradictions[desc["id"]] = []
                continue
            arts = {d: a for d in desc["docs"] if (a := self.store.get_article(d)) is not None}
            contradictions[desc["id"]] = find_contradictions(desc, arts, self.stories.stories[desc["id"]].events)
        changes = {"docs": docs, "links": changed, "df": dict(self._df_delta), "stories": stories, "gone": gone,
                   "contradictions": contradictions}
        if stories or gone:
            changes["series"] = self.stories.series_out()  # few and cheap: rewritten whole
        self.store.corpus_save(changes)
        self._new_docs, self._df_delta, self._dirty = [], Counter(), set()

    def duplicates(self, articles: dict[str, Any] | None = None) -> list[dict]:
        out = []
        for link in sorted(self.dups.links.values(), key=lambda x: x.doc):
            row = link.to_dict()
            a = (articles or {}).get(link.doc)
            if a is not None:
                row["outlet"] = (a.outlet or {}).get("name") if isinstance(a.outlet, dict) else a.outlet
                row["published"] = a.published
            out.append(row)
        return out
