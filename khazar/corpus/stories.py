"""Stories: articles about the same event or continuing development, across outlets and days.

Single-pass clustering in publication order (docs/corpus.md). Every article is compared with the stories
that share a rare entity or a rare word with it and that are close in time; it joins the best one when the
evidence is strong enough, else it founds a new story. Because a story is a summary (summed word counts,
entity counts, event signatures, date range) and not a list of pairwise scores, a later article is attached
with `StoryIndex.attach(article)` without recomputing anything, and the state persists in the store.

Evidence, each in [0, 1]:
- text: TF-IDF cosine of the article's normalised words (title counted twice) with the story centroid;
- entities: cosine of IDF-weighted entity vectors (kb id, else entity id; outlets left out: the outlet says
  who wrote, not what about);
- event: the article states an event the story already has — same type family, same place (kb id), dates
  that overlap (a month or a day inside it counts) — the strongest sign of the same story across weeks.
IDF comes from the documents seen so far plus a background table of document frequencies counted on the
development corpus (khazar/corpus/data/df.json), so that a handful of articles is weighted sensibly too.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from .duplicates import words

DATA = Path(__file__).resolve().parent / "data" / "df.json"

# Thresholds, calibrated on the seeds and checked on ../shared/data/news (docs/corpus.md).
JOIN = 0.36  # combined score to join a story when published within NEAR_DAYS of it
NEAR_DAYS = 3
MID_DAYS = 14  # up to here a slightly stronger score is needed
MID_EXTRA = 0.06
FAR_DAYS = 75  # up to here only with a shared event signature (announcement weeks before the event)
UNDATED_EXTRA = 0.10
W_TEXT, W_ENT, W_EVENT = 0.55, 0.30, 0.25
MIN_TEXT = 0.12  # whatever the entities and events say, some shared vocabulary is required
TOP_TERMS = 300  # words kept in a story centroid
REFRESH = 500  # articles between refreshes of the cached IDF values and story vectors
INDEX_TERMS = 12  # rarest words of an article used to find candidate stories
# Event types that name the same kind of happening (an announced اجلاس is later called a نشست or همایش).
FAMILY = {"summit": "gathering", "conference": "gathering", "meeting": "meeting", "visit": "visit"}
# Events too common to tie articles across days by themselves.
WEAK_EVENT_TYPES = {"meeting", "statement"}


@lru_cache(maxsize=1)
def background() -> tuple[int, dict[str, int]]:
    try:
        d = json.loads(DATA.read_text(encoding="utf-8"))
        return int(d["n"]), d["df"]
    except (OSError, ValueError, KeyError):
        return 0, {}


def _d(value: str | None) -> date | None:
    if not value or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _interval(start: str | None, end: str | None) -> tuple[int, int] | None:
    """Ordinal day interval of an ISO day/month/year (a month spans its days)."""
    if not start:
        return None

    def bounds(v: str, last: bool) -> int | None:
        try:
            if len(v) >= 10:
                return date.fromisoformat(v[:10]).toordinal()
            if len(v) == 7:
                y, m = int(v[:4]), int(v[5:7])
                if last:
                    return (date(y + (m == 12), m % 12 + 1, 1).toordinal()) - 1
                return date(y, m, 1).toordinal()
            if len(v) == 4:
                return date(int(v), 12, 31).toordinal() if last else date(int(v), 1, 1).toordinal()
        except ValueError:
            return None
        return None

    a, b = bounds(start, False), bounds(end or start, True)
    if a is None or b is None:
        return None
    return (a, b) if a <= b else (b, a)


def entity_keys(article) -> list[tuple[str, str]]:
    """(key, name) of the entities an article is about: kb id or entity id; outlets left out."""
    out = []
    seen = set()
    outlet = (article.outlet or {}).get("kb_id") if isinstance(article.outlet, dict) else None
    for e in article.entities:
        key = e.get("kb_id") or e.get("id")
        if not key or key in seen or key == outlet or key.startswith("out:"):
            continue
        seen.add(key)
        out.append((key, e.get("name") or key))
    return out


def event_signatures(article) -> list[dict]:
    out = []
    for e in article.events:
        iv = _interval(e.get("start"), e.get("end"))
        place = e.get("place_kb_id")
        if not place or iv is None:
            continue  # without a place and a date an event cannot be told apart from another of its type
        out.append({"type": e.get("type"), "family": FAMILY.get(e.get("type"), e.get("type")), "place": place,
                    "iv": list(iv), "label": e.get("label") or "", "status": e.get("status")})
    return out


def signatures_match(a: dict, b: dict) -> bool:
    return (a["family"] == b["family"] and a["place"] == b["place"]
            and a["iv"][0] <= b["iv"][1] and b["iv"][0] <= a["iv"][1]
            # a whole-year interval is too vague to say two events are one
            and min(a["iv"][1] - a["iv"][0], b["iv"][1] - b["iv"][0]) < 40)


@dataclass
class Features:
    id: str
    title: str
    published: str | None
    day: int | None
    outlet: str | None
    terms: Counter
    entities: dict[str, str]  # key -> name
    events: list[dict]

    @classmethod
    def of(cls, article) -> "Features":
        d = _d(article.published)
        if d is None and article.published_estimate:
            d = _d(article.published_estimate.get("latest"))
        terms = Counter(words(article.title or "") * 2 + words(article.text or ""))
        terms = Counter({t: c for t, c in terms.items() if len(t) > 1 and not t.isdigit()})
        outlet = (article.outlet or {}).get("name") if isinstance(article.outlet, dict) else None
        return cls(article.id, article.title or "", article.published, d.toordinal() if d else None, outlet,
                   terms, dict(entity_keys(article)), event_signatures(article))


@dataclass
class Story:
    id: str
    docs: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    terms: Counter = field(default_factory=Counter)  # sum over docs of log-scaled term frequencies
    entities: Counter = field(default_factory=Counter)
    names: dict[str, str] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    first: int | None = None  # ordinal days of the earliest / latest dated member
    last: int | None = None

    def add(self, f: Features) -> None:
        self.docs.append(f.id)
        self.titles[f.id] = f.title
        for t, c in f.terms.items():
            self.terms[t] += 1 + math.log(c)
        if len(self.terms) > TOP_TERMS * 2:
            self.terms = Counter(dict(self.terms.most_common(TOP_TERMS)))
        for k, name in f.entities.items():
            self.entities[k] += 1
            self.names.setdefault(k, name)
        for ev in f.events:
            for mine in self.events:
                if signatures_match(mine, ev):
                    mine["n"] = mine.get("n", 1) + 1
                    mine.setdefault("docs", []).append(f.id)
                    if mine.get("status") == "planned" and ev.get("status") != "planned":
                        # what happened replaces what was announced: its dates are the event's dates
                        mine.update(iv=ev["iv"], status=ev["status"], label=ev["label"])
                    elif len(ev["label"]) > len(mine["label"]) and ev.get("status") != "planned":
                        mine["label"] = ev["label"]
                    break
            else:
                self.events.append({**ev, "n": 1, "docs": [f.id]})
        if f.day is not None:
            self.first = f.day if self.first is None else min(self.first, f.day)
            self.last = f.day if self.last is None else max(self.last, f.day)

    def to_state(self) -> dict:
        return {"id": self.id, "docs": self.docs, "titles": self.titles, "terms": dict(self.terms),
                "entities": dict(self.entities), "names": self.names, "events": self.events,
                "first": self.first, "last": self.last}

    @classmethod
    def from_state(cls, s: dict) -> "Story":
        return cls(s["id"], s["docs"], s["titles"], Counter(s["terms"]), Counter(s["entities"]), s["names"],
                   s["events"], s["first"], s["last"])


def story_id(founder: str) -> str:
    """Stable id: derived from the founding article's id, which never changes for the story."""
    return "story:" + hashlib.sha1(founder.encode("utf-8")).hexdigest()[:12]


class StoryIndex:
    """Stories built one article at a time; `attach` returns the story id the article joined or founded."""

    def __init__(self) -> None:
        self.stories: dict[str, Story] = {}
        self.doc_story: dict[str, str] = {}
        self.df: Counter = Counter()  # document frequencies of terms and entity keys ("e:" prefix) seen here
        self.n = 0
        self.postings: dict[str, set[str]] = {}  # term / entity key -> story ids
        self.features: dict[str, Features] = {}
        self._idf: dict[str, float] = {}
        self._svec: dict[str, tuple[int, dict, dict]] = {}

    # --- weighting -----------------------------------------------------------------------------------------
    def idf(self, key: str) -> float:
        v = self._idf.get(key)
        if v is None:
            bn, bdf = background()
            v = self._idf[key] = math.log((1 + self.n + bn) / (1 + self.df.get(key, 0) + bdf.get(key, 0))) + 1.0
        return v

    def _refresh(self) -> None:
        # IDF values and story vectors are cached; they drift slowly as articles come in, so the caches are
        # dropped every REFRESH articles instead of on every one (exact enough, and 20x faster).
        self._idf.clear()
        self._svec.clear()

    def _story_vecs(self, sid: str) -> tuple[dict[str, float], dict[str, float]]:
        st = self.stories[sid]
        cached = self._svec.get(sid)
        if cached is None or cached[0] != len(st.docs):
            cached = (len(st.docs), self._vec(st.terms), self._vec({"e:" + k: c for k, c in st.entities.items()}))
            self._svec[sid] = cached
        return cached[1], cached[2]

    def _vec(self, terms: dict[str, float], scale=None) -> dict[str, float]:
        v = {t: (scale(c) if scale else c) * self.idf(t) for t, c in terms.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    @staticmethod
    def _cos(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return sum(x * b.get(t, 0.0) for t, x in a.items())

    # --- scoring -------------------------------------------------------------------------------------------
    def article_vecs(self, f: Features) -> tuple[dict[str, float], dict[str, float]]:
        return self._vec(f.terms, lambda c: 1 + math.log(c)), self._vec({"e:" + k: 1.0 for k in f.entities})

    def score(self, f: Features, story: Story, vecs=None) -> dict[str, float]:
        tv, ev = vecs or self.article_vecs(f)
        if story.id in self.stories and self.stories[story.id] is story:
            sv, sev = self._story_vecs(story.id)
        else:
            sv, sev = self._vec(story.terms), self._vec({"e:" + k: c for k, c in story.entities.items()})
        text = self._cos(tv, sv)
        ent = self._cos(ev, sev)
        event = 0.0
        for a in f.events:
            for b in story.events:
                if signatures_match(a, b):
                    event = max(event, 0.5 if a["type"] in WEAK_EVENT_TYPES else 1.0)
        if f.day is None or story.first is None:
            gap = None
        else:
            gap = max(0, story.first - f.day, f.day - story.last)
        total = W_TEXT * text + W_ENT * ent + W_EVENT * event
        return {"text": text, "entities": ent, "event": event, "gap": gap, "total": total}

    @staticmethod
    def accepts(s: dict[str, float]) -> bool:
        if s["text"] < MIN_TEXT:
            return False
        gap = s["gap"]
        if gap is None:
            return s["total"] >= JOIN + UNDATED_EXTRA
        if gap <= NEAR_DAYS:
            return s["total"] >= JOIN
        if gap <= MID_DAYS:
            return s["total"] >= JOIN + MID_EXTRA
        if gap <= FAR_DAYS:
            return s["event"] >= 1.0 and s["total"] >= JOIN
        return False

    def _index_keys(self, f: Features) -> list[str]:
        rare = sorted(f.terms, key=lambda t: -self.idf(t))[:INDEX_TERMS]
        return rare + ["e:" + k for k in f.entities]

    def candidates(self, f: Features) -> set[str]:
        hits: Counter = Counter()
        for key in self._index_keys(f):
            for sid in self.postings.get(key, ()):
                hits[sid] += 1
        return {sid for sid, c in hits.items() if c >= 2}

    def best(self, f: Features) -> tuple[str | None, dict | None]:
        best_sid, best_s = None, None
        vecs = self.article_vecs(f)
        for sid in self.candidates(f):
            st = self.stories[sid]
            if f.day is not None and st.first is not None and max(st.first - f.day, f.day - st.last) > FAR_DAYS:
                continue  # too far apart in time for any rule below to accept: not worth scoring
            s = self.score(f, st, vecs)
            if self.accepts(s) and (best_s is None or s["total"] > best_s["total"]):
                best_sid, best_s = sid, s
        return best_sid, best_s

    def attach(self, article) -> str:
        """Add one article: join the best matching story or found a new one; returns the story id."""
        if article.id in self.doc_story:
            return self.doc_story[article.id]
        return self.attach_features(Features.of(article))

    def attach_features(self, f: Features) -> str:
        """`attach` for an article whose Features are already computed (khazar/scale/cross.py)."""
        if f.id in self.doc_story:
            return self.doc_story[f.id]
        sid, _ = self.best(f)
        self.n += 1
        if self.n % REFRESH == 0:
            self._refresh()
        self.df.update(set(f.terms))
        self.df.update("e:" + k for k in f.entities)
        if sid is None:
            sid = story_id(f.id)
            while sid in self.stories:  # the same id founded twice (a re-ingested id): keep both apart
                sid = story_id(sid)
            self.stories[sid] = Story(sid)
        story = self.stories[sid]
        story.add(f)
        self.doc_story[f.id] = sid
        self.features[f.id] = f
        for key in self._index_keys(f):
            self.postings.setdefault(key, set()).add(sid)
        return sid

    # --- output --------------------------------------------------------------------------------------------
    def describe(self, sid: str) -> dict[str, Any]:
        st = self.stories[sid]
        # an event's label names the story only when several articles tell of that event
        shared = [e for e in st.events if e.get("n", 1) >= 2]
        shared.sort(key=lambda e: (-e.get("n", 1), e.get("status") == "planned", -len(e["label"])))
        label = None
        if shared and len(shared[0]["label"].split()) >= 3:
            label = shared[0]["label"]
        if label is None:
            sv = self._vec(st.terms)
            label = max(st.titles.items(),
                        key=lambda kv: (self._cos(self._vec(Counter(words(kv[1]))), sv), kv[0]))[1]
        ents = sorted(st.entities.items(), key=lambda kv: (-kv[1] * self.idf("e:" + kv[0]), kv[0]))
        main = [{"id": k, "name": st.names.get(k, k), "docs": c} for k, c in ents if c >= min(2, len(st.docs))][:8]
        return {"id": sid, "label": label, "docs": sorted(st.docs),
                "start": date.fromordinal(st.first).isoformat() if st.first else None,
                "end": date.fromordinal(st.last).isoformat() if st.last else None,
                "entities": main,
                "events": [{k: e[k] for k in ("type", "label", "place", "status")} |
                           {"start": date.fromordinal(e["iv"][0]).isoformat(),
                            "end": date.fromordinal(e["iv"][1]).isoformat(), "docs": e.get("docs", [])}
                           for e in shared[:5]]}

    def stories_out(self, min_docs: int = 1) -> list[dict[str, Any]]:
        out = [self.describe(sid) for sid, st in self.stories.items() if len(st.docs) >= min_docs]
        out.sort(key=lambda s: (-len(s["docs"]), s["start"] or "", s["id"]))
        return out

    # --- persistence -----------------------------------------------------------------------------------------
    def to_state(self) -> dict:
        return {"n": self.n, "df": dict(self.df), "stories": [s.to_state() for s in self.stories.values()]}

    @classmethod
    def from_state(cls, state: dict) -> "StoryIndex":
        idx = cls()
        idx.n, idx.df = state.get("n", 0), Counter(state.get("df", {}))
        for s in state.get("stories", []):
            st = Story.from_state(s)
            idx.stories[st.id] = st
            for d in st.docs:
                idx.doc_story[d] = st.id
            keys = sorted(st.terms, key=lambda t: -idx.idf(t))[:INDEX_TERMS * 4] + ["e:" + k for k in st.entities]
            for key in keys:
                idx.postings.setdefault(key, set()).add(st.id)
        return idx


def _order(article) -> tuple:
    return (article.published is None, article.published or "", article.published_time or "", article.id)


def build_stories(articles: Iterable, index: StoryIndex | None = None) -> StoryIndex:
    """Cluster articles in publication order (undated last), so that a story's founder is its earliest."""
    index = index or StoryIndex()
    for a in sorted(articles, key=_order):
        index.attach(a)
    return index
