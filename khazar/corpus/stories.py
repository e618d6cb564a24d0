"""Stories: articles that report the same happening (one announcement, meeting, strike, vote result, day's
figures), across outlets and days; and series: the same outlet's recurring reports on one template (prices of
the day, the day's figures), which are never one story.

Single-pass clustering in publication order (docs/corpus.md). Every article is compared with the members of
the stories that share rare words or entities with it and are close in time; it joins the story of the best
member that accepts it, else it founds a new story. Each story keeps its members' features, so a later
article is attached with `StoryIndex.attach(article)` without recomputing anything, and the state persists
in the store.

Evidence for a pair of articles, each in [0, 1]:
- text: TF-IDF cosine of their words (title counted twice); a roundup that carries several news items is
  compared item by item (each title segment and each window of three sentences against the other article),
  so one of its items can match a single-item report;
- entities: cosine of IDF-weighted entity vectors (kb id, else entity id; outlets and «ایران» left out: they
  say who wrote, or where nearly everything happens, not what about);
- event: an event signature in common — same type family, same place, dates that overlap.
What rules a pair out, however close its words (a different happening):
- happening days: the day the title or the lead names for what happened («امروز سه‌شنبه ۶ اسفند», «دیروز»)
  differs — by any day for one outlet (its recurring reports), by more than one across outlets (a night
  event is dated to either day);
- an update: published on different days, both state figures of the same counted things and no value in
  common (the day's infection figures, a later toll) — the later is a new figure, kept in a series.
Same-outlet pairs ruled out this way with template-close words are linked into a series.
IDF comes from the documents seen so far plus a background table of document frequencies counted on the
development corpus (khazar/corpus/data/df.json), so that a handful of articles is weighted sensibly too.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..extract.sentences import split_sentences
from .claims import figures, lexicon
from .duplicates import words

DATA = Path(__file__).resolve().parent / "data" / "df.json"

# Thresholds, calibrated on the seeds and the xdoc-dev week and checked on ../shared/data/news (docs/corpus.md).
JOIN = 0.34  # pair score to join when published within NEAR_DAYS of each other, different outlets
SAME_OUTLET_LATER = 0.40  # one outlet's later article: a follow-up unless the evidence is strong
GAP_STEP = 0.06  # more evidence for each day between the two articles (up to NEAR_DAYS)
NEAR_DAYS = 4
MID_DAYS = 14  # up to here only with an event signature in common
FAR_DAYS = 75  # ... and up to here (an announcement weeks before the event)
UNDATED_EXTRA = 0.10
W_TEXT, W_ENT, W_EVENT, W_NUM = 0.6, 0.4, 0.25, 0.4
NUMBERS_FULL = 2  # distinctive figures in common for the full W_NUM
ENT_FULL = 2  # entities in common for the entity evidence to count at all (one shared name says little)
MIN_TEXT = 0.15  # whatever the entities and events say, some shared vocabulary is required
MIN_ENT = 0.05  # and some shared entity, unless the words alone are very close
TEXT_ALONE = 0.55
SAME_OUTLET_COUNTS = 2  # counted things one outlet's two articles give with other values: other things
CHAIN_SPREAD = 0.15  # how far the mean pair total over a story's members may fall below its best pair
SERIES_TEXT = 0.40  # one outlet's reports of different days this close in wording are one series
SERIES_DAYS = 14  # ... when they are at most this far apart
TOP_TERMS = 300  # words kept in a story's summed vector (its label and index keys)
REFRESH = 500  # articles between refreshes of the cached IDF values and article vectors
INDEX_TERMS = 12  # rarest words of an article used to find candidate stories
LEAD_SENTENCES = 3  # the lead, where a report names the day of what it reports
HAPPENING_BEFORE = 7  # a named day further back than this is background, not the happening
CHUNK_SENTENCES = 3
# Event types that name the same kind of happening (an announced اجلاس is later called a نشست or همایش).
FAMILY = {"summit": "gathering", "conference": "gathering", "meeting": "meeting", "visit": "visit"}
# Events too common to tie articles across days by themselves.
WEAK_EVENT_TYPES = {"meeting", "statement"}
# Entities that say little about what an article is about: the country nearly every article is in.
UBIQUITOUS = {"loc:iran"}
# A named day that is explicit (a weekday, a date) is preferred over a relative one («امروز») in the lead.
_EXPLICIT_DAY = re.compile(r"شنبه|جمعه|\d|[۰-۹]|اسفند|فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن"
                           r"|ژانویه|فوریه|مارس|آوریل|مه|ژوئن|ژوئیه|اوت|سپتامبر|اکتبر|نوامبر|دسامبر")
_TITLE_SEGMENTS = re.compile(r"\s/\s|/")


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


def _outlet_key(article) -> str | None:
    return (article.outlet or {}).get("kb_id") if isinstance(article.outlet, dict) else None


def entity_keys(article) -> list[tuple[str, str]]:
    """(key, name) of the entities an article is about: kb id or entity id; outlets left out."""
    out = []
    seen = set()
    outlet = _outlet_key(article)
    for e in article.entities:
        key = e.kb_id or e.id
        if not key or key in seen or key == outlet or key.startswith("out:"):
            continue
        seen.add(key)
        out.append((key, e.name or key))
    return out


def event_signature(e) -> dict | None:
    """What tells an event apart from another of its type (family, place, day interval), or None: without a place
    and a date it cannot be told apart."""
    iv = _interval(e.start, e.end)
    if not e.place_kb_id or iv is None:
        return None
    return {"type": e.type, "family": FAMILY.get(e.type, e.type), "place": e.place_kb_id, "iv": list(iv),
            "label": e.label, "status": e.status}


def event_signatures(article) -> list[dict]:
    return [sig for e in article.events if (sig := event_signature(e)) is not None]


def signatures_match(a: dict, b: dict) -> bool:
    return (a["family"] == b["family"] and a["place"] == b["place"]
            and a["iv"][0] <= b["iv"][1] and b["iv"][0] <= a["iv"][1]
            # a whole-year interval is too vague to say two events are one
            and min(a["iv"][1] - a["iv"][0], b["iv"][1] - b["iv"][0]) < 40)


def happening_day(article, sentences=None, published: date | None = None) -> int | None:
    """The day the title or the lead names for what the article reports (ordinal), if it names one.

    A day in the title wins; in the lead an explicit day («سه‌شنبه», «۶ اسفند») wins over a relative one
    («امروز»), the latest of them over earlier ones («از روز گذشته تا امروز»). Days more than a week before
    publication are background, days after it announcements: neither is the happening."""
    pub = published or _d(article.published)
    if pub is None:
        return None
    sents = sentences if sentences is not None else split_sentences(article.text or "")
    lead_end = sents[min(LEAD_SENTENCES, len(sents)) - 1].end if sents else 0
    best = None
    for t in article.times:
        if t.kind != "day" or not (t.field == "title" or t.start < lead_end):
            continue
        d = _d(t.value)
        if d is None or not (-HAPPENING_BEFORE <= (d - pub).days <= 1):
            continue
        rank = (t.field == "title", bool(_EXPLICIT_DAY.search(t.text)), d.toordinal())
        best = rank if best is None or rank > best else best
    return best[2] if best else None


def _chunks(title: str, sentence_words: list[list[str]]) -> list[list[str]]:
    """The items a roundup may carry: title segments and windows of three sentences, as words."""
    out = [w for seg in _TITLE_SEGMENTS.split(title) if len(w := words(seg)) >= 3]
    for i in range(0, max(1, len(sentence_words) - 1), CHUNK_SENTENCES - 1):
        ws = [w for sw in sentence_words[i:i + CHUNK_SENTENCES] for w in sw]
        if len(ws) >= 5:
            out.append(ws)
    return out


def distinctive(value: float) -> bool:
    """A figure unlikely to come up by chance in two reports of different happenings: a decimal or a long,
    unround number («۱۸.۷ درصد», «۶۴۲ هزار و ۲۱۴ رای»), not «۱۳ فرد» or «۱۰۰ هزار»."""
    if value != int(value):
        return True
    v = int(value)
    return v >= 100 and v % 100 != 0 and not (1300 <= v <= 1410 or 1900 <= v <= 2100)  # years are not figures


def _figures(title: str, sentences) -> tuple[dict[str, list[float]], list[float], dict[str, list[float]]]:
    """(counted noun class → the values the title states for it — the headline figures; the distinctive
    values stated anywhere; counted noun class → every value stated for it, generic nouns left out)."""
    headline: dict[str, set] = {}
    counts: dict[str, set] = {}
    rare: set[float] = set()
    lx = lexicon()
    for i, text in enumerate([title, *(s.text for s in sentences)]):
        for fg in figures(text):
            if distinctive(fg.value):
                rare.add(fg.value)
            if not fg.noun or fg.total or fg.noun in lx.counters:
                continue
            if i == 0:
                headline.setdefault(fg.noun, set()).add(fg.value)
            if fg.noun not in lx.generic:
                counts.setdefault(fg.noun, set()).add(fg.value)
    return ({k: sorted(v) for k, v in headline.items()}, sorted(rare), {k: sorted(v) for k, v in counts.items()})


def _terms(ws: list[str]) -> Counter:
    return Counter(t for t in ws if len(t) > 1 and not t.isdigit())


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
    chunks: list[list[str]] = field(default_factory=list)
    happening: int | None = None
    figures: dict[str, list[float]] = field(default_factory=dict)
    numbers: list[float] = field(default_factory=list)
    counts: dict[str, list[float]] = field(default_factory=dict)  # every figure of a specific counted noun

    @classmethod
    def of(cls, article) -> "Features":
        d = _d(article.published)
        if d is None and article.published_estimate:
            d = _d(article.published_estimate.get("latest"))
        sents = split_sentences(article.text or "")
        sentence_words = [words(x.text) for x in sents]
        terms = _terms(words(article.title or "") * 2 + [w for sw in sentence_words for w in sw])
        headline, rare, counts = _figures(article.title or "", sents)
        return cls(article.id, article.title or "", article.published, d.toordinal() if d else None,
                   (article.outlet or {}).get("name") if isinstance(article.outlet, dict) else article.outlet,
                   terms, dict(entity_keys(article)), event_signatures(article), _chunks(article.title or "", sentence_words),
                   happening_day(article, sents, d), headline, rare, counts)

    def to_state(self) -> dict:
        return {"id": self.id, "title": self.title, "published": self.published, "day": self.day,
                "outlet": self.outlet, "terms": dict(self.terms), "entities": self.entities, "events": self.events,
                "chunks": [" ".join(c) for c in self.chunks], "happening": self.happening, "figures": self.figures,
                "numbers": self.numbers, "counts": self.counts}

    @classmethod
    def from_state(cls, s: dict) -> "Features":
        return cls(s["id"], s["title"], s["published"], s["day"], s["outlet"], Counter(s["terms"]), s["entities"],
                   s["events"], [c.split() for c in s["chunks"]], s["happening"], s["figures"], s["numbers"],
                   s.get("counts", {}))


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
    members: dict[str, Features] = field(default_factory=dict)
    # member -> {"series": earlier articles of its series, "related": earlier articles of related stories}
    links: dict[str, dict] = field(default_factory=dict)

    def add(self, f: Features) -> None:
        self.docs.append(f.id)
        self.titles[f.id] = f.title
        self.members[f.id] = f
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
                "first": self.first, "last": self.last,
                "members": [self.members[d].to_state() for d in self.docs if d in self.members],
                "links": self.links}

    @classmethod
    def from_state(cls, s: dict) -> "Story":
        return cls(s["id"], s["docs"], s["titles"], Counter(s["terms"]), Counter(s["entities"]), s["names"],
                   s["events"], s["first"], s["last"],
                   {m["id"]: Features.from_state(m) for m in s.get("members", [])}, s.get("links", {}))


def components(edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find over id pairs → each id's component representative (the smallest id)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def _template(titles: list[str]) -> str:
    """The words a series' titles share, in the order of the first (the template: «قیمت دلار یورو امروز»)."""
    keyed = [set(words(t)) for t in titles]
    first = re.findall(r"[^\s/]+", titles[0]) if titles else []
    stop = lexicon().stop
    kept: list[str] = []
    for w in first:
        k = words(w)
        if k and w not in kept and not any(ch.isdigit() for ch in w) and not all(x in stop for x in k) \
                and sum(all(x in ks for x in k) for ks in keyed) * 5 >= len(titles) * 4:
            kept.append(w)
    return " ".join(kept[:8]) or (titles[0] if titles else "")


def story_id(founder: str) -> str:
    """Stable id: derived from the founding article's id, which never changes for the story."""
    return "story:" + hashlib.sha1(founder.encode("utf-8")).hexdigest()[:12]


def series_id(founder: str) -> str:
    return "series:" + hashlib.sha1(founder.encode("utf-8")).hexdigest()[:12]


def _disjoint(x: dict[str, list[float]], y: dict[str, list[float]], at_least: int) -> bool:
    shared = set(x) & set(y)
    return len(shared) >= at_least and not any(set(x[n]) & set(y[n]) for n in shared)


def updates(a: Features, b: Features) -> bool:
    """Headline figures of the same counted things and not one value in common, published on different days
    (the next day's count, a higher toll) or by the same outlet (it does not contradict itself; it reports
    something else); or one outlet's two articles giving two or more counted things, most of those they both
    count with other values (two car models' prices and horsepower): not the same happening."""
    if a.day is None or b.day is None or (a.day == b.day and a.outlet != b.outlet):
        return False
    if _disjoint(a.figures, b.figures, 1):
        return True
    if a.outlet != b.outlet:
        return False
    shared = set(a.counts) & set(b.counts)
    other = sum(not set(a.counts[n]) & set(b.counts[n]) for n in shared)
    return other >= SAME_OUTLET_COUNTS and other * 2 > len(shared)


class StoryIndex:
    """Stories built one article at a time; `attach` returns the story id the article joined or founded."""

    def __init__(self) -> None:
        self.stories: dict[str, Story] = {}
        self.doc_story: dict[str, str] = {}
        self.df: Counter = Counter()  # document frequencies of terms and entity keys ("e:" prefix) seen here
        self.n = 0
        self.postings: dict[str, set[str]] = {}  # term / entity key -> story ids
        self.features: dict[str, Features] = {}
        self.series_links: dict[str, set[str]] = {}  # article -> earlier articles of the same series
        self.merged: dict[str, str] = {}  # story id folded into another -> the id it lives on as
        self.related_links: dict[str, set[str]] = {}  # article -> earlier articles of related stories
        self._idf: dict[str, float] = {}
        self._vecs: dict[str, tuple] = {}

    # --- weighting -----------------------------------------------------------------------------------------
    def idf(self, key: str) -> float:
        v = self._idf.get(key)
        if v is None:
            bn, bdf = background()
            v = self._idf[key] = math.log((1 + self.n + bn) / (1 + self.df.get(key, 0) + bdf.get(key, 0))) + 1.0
        return v

    def _refresh(self) -> None:
        # IDF values and article vectors are cached; they drift slowly as articles come in, so the caches are
        # dropped every REFRESH articles instead of on every one (exact enough, and much faster).
        self._idf.clear()
        self._vecs.clear()

    def _vec(self, terms: dict[str, float], scale=None) -> dict[str, float]:
        v = {t: (scale(c) if scale else c) * self.idf(t) for t, c in terms.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {t: x / norm for t, x in v.items()}

    @staticmethod
    def _cos(a: dict[str, float], b: dict[str, float]) -> float:
        if len(a) > len(b):
            a, b = b, a
        return sum(x * b.get(t, 0.0) for t, x in a.items())

    def vectors(self, f: Features) -> tuple[dict, dict, list[dict]]:
        """(words, entities, each chunk) of an article as normalised TF-IDF vectors, cached."""
        cached = self._vecs.get(f.id)
        if cached is None or cached[0] is not f:
            log = lambda c: 1 + math.log(c)  # noqa: E731
            ents = {"e:" + k: 1.0 for k in f.entities if k not in UBIQUITOUS}
            cached = (f, self._vec(f.terms, log), self._vec(ents), [self._vec(_terms(c), log) for c in f.chunks])
            self._vecs[f.id] = cached
        return cached[1], cached[2], cached[3]

    # --- scoring -------------------------------------------------------------------------------------------
    def pair(self, f: Features, m: Features) -> dict[str, Any]:
        """The evidence that articles f and m report the same happening (module docstring)."""
        tf, ef, cf = self.vectors(f)
        tm, em, cm = self.vectors(m)
        text = self._cos(tf, tm)
        # a roundup's item against the other article as a whole, both ways
        items = max([self._cos(c, tm) for c in cf] + [self._cos(c, tf) for c in cm] + [0.0])
        ent = self._cos(ef, em)
        if len(ef.keys() & em.keys()) < ENT_FULL:
            ent = 0.0
        nums = min(1.0, len(set(f.numbers) & set(m.numbers)) / NUMBERS_FULL)
        event = 0.0
        for a in f.events:
            for b in m.events:
                if signatures_match(a, b):
                    event = max(event, 0.5 if a["type"] in WEAK_EVENT_TYPES else 1.0)
        gap = abs(f.day - m.day) if f.day is not None and m.day is not None else None
        same_outlet = f.outlet is not None and f.outlet == m.outlet
        other_day = (f.happening is not None and m.happening is not None
                     and abs(f.happening - m.happening) > (0 if same_outlet else 1))
        best_text = max(text, items)
        return {"text": best_text, "entities": ent, "event": event, "numbers": nums, "gap": gap,
                "same_outlet": same_outlet, "other_day": other_day, "update": updates(f, m), "with": m.id,
                "total": W_TEXT * best_text + W_ENT * ent + W_EVENT * event + W_NUM * nums}

    def score(self, f: Features, story: Story, vecs=None) -> dict[str, Any]:
        """The best pair of f with a member of the story (an accepted pair first). `conflict`: some member is
        a different happening (another day, other figures), `mean`: the mean pair total over the members —
        a story is not joined through one member that the others do not resemble (no chains)."""
        best, totals, conflict = None, [], False
        for m in story.members.values():
            s = self.pair(f, m)
            totals.append(s["total"])
            conflict = conflict or s["other_day"] or s["update"]
            key = (self.accepts(s), s["total"])
            if best is None or key > best[0]:
                best = (key, s)
        if best is None:
            return {"text": 0.0, "entities": 0.0, "event": 0.0, "numbers": 0.0, "gap": None, "same_outlet": False,
                    "other_day": False, "update": False, "with": None, "total": 0.0, "conflict": False,
                    "mean": 0.0}
        return {**best[1], "conflict": conflict, "mean": sum(totals) / len(totals)}

    @staticmethod
    def accepts(s: dict[str, Any]) -> bool:
        if s.get("conflict") or s.get("mean", s["total"]) < s["total"] - CHAIN_SPREAD:
            return False
        if s["other_day"] or s["update"] or s["text"] < MIN_TEXT:
            return False
        if s["entities"] < MIN_ENT and s["text"] < TEXT_ALONE and s["numbers"] < 1.0:
            return False
        gap = s["gap"]
        # the further apart in time, the more evidence it takes; one outlet's later article is a follow-up
        # unless the evidence is strong
        need = (SAME_OUTLET_LATER if s["same_outlet"] and gap else JOIN) + GAP_STEP * min(gap or 0, NEAR_DAYS)
        if gap is None:
            return s["total"] >= need + UNDATED_EXTRA
        if gap <= NEAR_DAYS:
            return s["total"] >= need
        if gap <= FAR_DAYS:
            return s["event"] >= 1.0 and s["total"] >= need
        return False

    @staticmethod
    def same_series(s: dict[str, Any]) -> bool:
        """One outlet's reports of different days on one template: close words, a different day or figures."""
        return s["same_outlet"] and (s["other_day"] or s["update"]) and s["text"] >= SERIES_TEXT

    @staticmethod
    def related(s: dict[str, Any]) -> bool:
        """A follow-up or an earlier stage of the same affair: close words and shared entities, but a different
        happening (another day, new figures, one outlet's later report) — a related story, not the same."""
        return (not StoryIndex.same_series(s) and s["text"] >= SERIES_TEXT and s["entities"] >= MIN_ENT
                and s["total"] >= JOIN)

    def _index_keys(self, f: Features) -> list[str]:
        rare = sorted(f.terms, key=lambda t: -self.idf(t))[:INDEX_TERMS]
        return rare + ["e:" + k for k in f.entities] + [f"n:{v:g}" for v in f.numbers]

    def candidates(self, f: Features) -> set[str]:
        hits: Counter = Counter()
        for key in self._index_keys(f):
            for sid in self.postings.get(key, ()):
                hits[sid] += 1
        return {sid for sid, c in hits.items() if c >= 2}

    def accepting(self, f: Features) -> list[tuple[str, dict]]:
        """The stories that accept f, best first; records f's series link on the way."""
        out = []
        for sid in sorted(self.candidates(f)):
            st = self.stories[sid]
            if f.day is not None and st.first is not None and not self._may_join(f, st):
                # too far apart in time for `accepts` to take it; one outlet's report of a week before may
                # still be the same series (a weekend or a holiday between two daily reports)
                if max(st.first - f.day, f.day - st.last) <= SERIES_DAYS:
                    for m in st.members.values():
                        if m.outlet == f.outlet and self.same_series(p := self.pair(f, m)):
                            self.series_links.setdefault(f.id, set()).add(p["with"])
                continue
            s = self.score(f, st)
            if self.same_series(s):
                self.series_links.setdefault(f.id, set()).add(s["with"])
            if self.accepts(s):
                out.append((sid, s))
            elif self.related(s):
                self.related_links.setdefault(f.id, set()).add(s["with"])
        out.sort(key=lambda x: (-x[1]["total"], x[0]))
        return out

    @staticmethod
    def _may_join(f: Features, st: Story) -> bool:
        gap = max(st.first - f.day, f.day - st.last)
        if gap <= NEAR_DAYS:
            return True
        return gap <= FAR_DAYS and any(signatures_match(a, b) for a in f.events if a["type"] not in WEAK_EVENT_TYPES
                                       for b in st.events)

    def best(self, f: Features) -> tuple[str | None, dict | None]:
        found = self.accepting(f)
        return found[0] if found else (None, None)

    def _mergeable(self, a: Story, b: Story) -> bool:
        """Two stories that one article belongs to are one when no pair across them is a different happening
        and their members resemble each other on the whole (the chain rule of `score`)."""
        totals = []
        for m in b.members.values():
            s = self.score(m, a)
            if s["conflict"]:
                return False
            totals.append(s["mean"])
        return bool(totals) and sum(totals) / len(totals) >= JOIN - CHAIN_SPREAD

    def _merge(self, keep: str, gone: str) -> None:
        """Fold story `gone` into `keep` (the one founded earlier keeps its id)."""
        a, b = self.stories[keep], self.stories.pop(gone)
        for d in b.docs:
            a.add(b.members[d]) if d in b.members else a.docs.append(d)
            self.doc_story[d] = keep
        a.links.update(b.links)
        for sids in self.postings.values():
            if gone in sids:
                sids.discard(gone)
                sids.add(keep)
        self.merged[gone] = keep

    def attach(self, article) -> str:
        """Add one article: join the best matching story or found a new one; returns the story id."""
        if article.id in self.doc_story:
            return self.doc_story[article.id]
        return self.attach_features(Features.of(article))

    def attach_features(self, f: Features) -> str:
        """`attach` for an article whose Features are already computed (khazar/spark/cross.py)."""
        if f.id in self.doc_story:
            return self.doc_story[f.id]
        found = self.accepting(f)
        sid = found[0][0] if found else None
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
        links = {"series": sorted(self.series_links.get(f.id, ())), "related": sorted(self.related_links.get(f.id, ()))}
        if links["series"] or links["related"]:
            story.links[f.id] = links
        self.doc_story[f.id] = sid
        self.features[f.id] = f
        for key in self._index_keys(f):
            self.postings.setdefault(key, set()).add(sid)
        # f also belongs to other stories: they are the same happening told apart until f linked them
        for other, _s in found[1:]:
            if other in self.stories and sid in self.stories and self._mergeable(self.stories[sid], self.stories[other]):
                keep, gone = sorted((sid, other), key=lambda x: self._founded(x))
                self._merge(keep, gone)
                sid = keep
        return sid

    def _founded(self, sid: str) -> tuple:
        st = self.stories[sid]
        first = st.members.get(st.docs[0])
        return (first is None or first.published is None, first.published if first else "", st.docs[0])
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
        members = sorted((st.members[d] for d in st.docs if d in st.members),
                         key=lambda m: (m.published is None, m.published or "", m.id))
        related = sorted({self.doc_story[r] for d in st.docs for r in st.links.get(d, {}).get("related", [])
                          if r in self.doc_story} - {sid})
        days = Counter(m.happening for m in members if m.happening is not None)
        return {"id": sid, "label": label, "docs": sorted(st.docs),
                "start": date.fromordinal(st.first).isoformat() if st.first else None,
                "end": date.fromordinal(st.last).isoformat() if st.last else None,
                "happened": date.fromordinal(days.most_common(1)[0][0]).isoformat() if days else None,
                "outlets": sorted({m.outlet for m in members if m.outlet}),
                "articles": [{"id": m.id, "title": m.title, "outlet": m.outlet, "published": m.published}
                             for m in members],
                "related": related,
                "entities": main,
                "events": [{k: e[k] for k in ("type", "label", "place", "status")} |
                           {"start": date.fromordinal(e["iv"][0]).isoformat(),
                            "end": date.fromordinal(e["iv"][1]).isoformat(), "docs": e.get("docs", [])}
                           for e in shared[:5]]}

    def series_out(self) -> list[dict[str, Any]]:
        """Series: one outlet's reports on one template on different days, linked article to article, with the
        headline figures they state, over time (a figure stated by two or more of them)."""
        root = components((doc, earlier) for doc, earlier_ones in sorted(self.series_links.items())
                          for earlier in sorted(earlier_ones) if doc in self.features and earlier in self.features)
        groups: dict[str, list[Features]] = {}
        for doc, r in root.items():
            groups.setdefault(r, []).append(self.features[doc])
        out = []
        for members in groups.values():
            members.sort(key=lambda m: (m.published is None, m.published or "", m.id))
            figures: dict[str, list[dict]] = {}
            for m in members:
                for noun, values in m.figures.items():
                    if len(values) == 1:  # one value per article, else the headline does not say which is which
                        figures.setdefault(noun, []).append({"date": m.published, "value": values[0], "doc": m.id})
            out.append({"id": series_id(members[0].id), "label": _template([m.title for m in members]),
                        "outlet": members[0].outlet, "docs": [m.id for m in members],
                        "start": members[0].published, "end": members[-1].published,
                        "articles": [{"id": m.id, "title": m.title, "published": m.published} for m in members],
                        "figures": {n: pts for n, pts in sorted(figures.items()) if len(pts) >= 2}})
        out.sort(key=lambda x: (-len(x["docs"]), x["start"] or "", x["id"]))
        return out

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
            for d, links in st.links.items():
                if links.get("series"):
                    idx.series_links[d] = set(links["series"])
                if links.get("related"):
                    idx.related_links[d] = set(links["related"])
            idx.features.update(st.members)
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
