"""Disagreements between the articles of one story: two reports of one happening that state one fact
differently (docs/corpus.md has the rules). Precision first (a false alarm costs trust):

- number: the same counted thing (noun class, qualifiers that agree: «۹ منطقه خارجی» / «۷ استان از
  کشورهای خارجی», not «پنج استان ایرانی»), the same kind (a part, or a total «از مجموع»), no other day named
  for either; a figure without its noun («مصباح یزدی با 1093400») is compared only with the figure of the
  same named subject. A value either article also states for that noun is an agreement, not a
  contradiction, and values more than MAX_RATIO apart are not one fact told two ways. Two articles of
  different days give different figures as an update (kept as the story's figure timeline), not as a
  contradiction;
- set: two lists of three or more places that share most members and each name one the other does not
  («روسیه، چین، عراق و ترکیه» / «چین، سوریه، عراق و ترکیه»); a shorter list inside a longer one is not;
- date / place: the same event (same type family, labels that say the same thing) on days that do not
  overlap, or at two places neither of which contains the other in the knowledge base.
Each contradiction has its kind, the values, the outlets, the exact sentences and the spans of the values.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from functools import lru_cache
from typing import Any

from .. import kb
from ..model import Event
from .claims import Claim, article_claims, lexicon
from .duplicates import words
from .stories import _d, event_signature


MAX_RATIO = 3.0  # two values further apart than this are not one fact told two ways
ABOUT = 0.1  # «حدود N»: within this share of N
NAMED_SUBJECT = 2  # words of a named subject two noun-less figures must share («محمدتقی مصباح یزدی»)
SET_MIN_SHARED = 2
SET_TYPES = {"LOC"}  # lists of places are whole sets («در روسیه، چین، عراق و ترکیه»); lists of names are samples


@lru_cache(maxsize=1)
def _event_rules() -> tuple[int, float]:
    d = kb.data("claims")
    return int(d.get("label_min_words", 3)), float(d.get("label_min_overlap", 0.5))


def _quals_agree(a: Claim, b: Claim) -> bool:
    """«۹ منطقه خارجی» and «۷ استان از کشورهای خارجی» agree; «پنج استان ایرانی ... حضور دارند» and «۹ منطقه
    خارجی حضور دارند» do not (the first qualifier of one must be among the other's)."""
    if not a.qualifiers or not b.qualifiers:
        return True
    return bool(a.first_qualifier & b.qualifiers) or bool(b.first_qualifier & a.qualifiers)


def _same_fact(a: Claim, b: Claim) -> bool:
    if a.total != b.total or (a.day and b.day and a.day != b.day):
        return False
    if a.places and b.places and not any(_related_places(x, y) for x in a.places for y in b.places):
        return False  # one count in Damghan, another in Borujerd: two facts
    generic_nouns = lexicon().generic
    generic = a.noun is None or b.noun is None or a.noun in generic_nouns or b.noun in generic_nouns
    if generic:  # what is counted is not said: the named subject must be the same
        return (a.noun == b.noun or a.noun is None or b.noun is None) and len(a.subject & b.subject) >= NAMED_SUBJECT
    # the same counted noun, qualified alike, and something said about it in common
    return a.noun == b.noun and _quals_agree(a, b) and bool((a.subject | a.qualifiers) & (b.subject | b.qualifiers))


def _range(c: Claim) -> tuple[float, float]:
    v = float(c.value)
    return {"at_least": (v, float("inf")), "at_most": (float("-inf"), v),
            "about": (v * (1 - ABOUT), v * (1 + ABOUT))}.get(c.bound, (v, v))


def _agree(a: Claim, b: Claim) -> bool:
    """Values that can both be true: equal, or a bound the other value meets («بیش از صد» and 109)."""
    (lo_a, hi_a), (lo_b, hi_b) = _range(a), _range(b)
    return lo_a <= hi_b and lo_b <= hi_a


def _close(x: float, y: float) -> bool:
    lo, hi = sorted((abs(x), abs(y)))
    return lo > 0 and hi / lo <= MAX_RATIO


def _number_conflicts(ca: list[Claim], cb: list[Claim]) -> list[tuple[Claim, Claim]]:
    """(a, b) pairs of figures of one fact with different values, at most one per counted thing."""
    values_a, values_b = defaultdict(set), defaultdict(set)
    for c in ca:
        values_a[c.noun].add(c.value)
    for c in cb:
        values_b[c.noun].add(c.value)
    said_b = defaultdict(int)
    for c in cb:
        said_b[(c.noun, c.value)] += 1
    best: dict[Any, tuple[tuple, Claim, Claim]] = {}
    for a in ca:
        if a.running or (a.noun is not None and a.value in values_b[a.noun]):
            continue  # a running total is updated, not contradicted; B states this value too: no disagreement
        facts = [b for b in cb if not b.running and _same_fact(a, b)]
        if not facts or any(_agree(a, b) for b in facts):
            continue
        for b in facts:
            if (b.noun is not None and b.value in values_a[b.noun]) or not _close(a.value, b.value):
                continue
            key = a.noun or b.noun or ("subject", a.subject & b.subject)
            # the value B states most often is its claim (a figure it cites from another source is not),
            # then the closest subject and qualifiers
            rank = (said_b[(b.noun, b.value)], len(a.subject & b.subject) + len(a.qualifiers & b.qualifiers))
            if key not in best or rank > best[key][0]:
                best[key] = (rank, a, b)
    return [(a, b) for _, a, b in best.values()]


def _set_conflicts(ca: list[Claim], cb: list[Claim]) -> list[tuple[Claim, Claim]]:
    out = []
    for a in ca:
        if a.noun not in SET_TYPES:
            continue
        ma = set(a.value)
        if any(set(b.value) == ma for b in cb):
            continue  # B lists exactly these members somewhere: it agrees
        for b in cb:
            mb = set(b.value)
            shared = ma & mb
            if b.noun != a.noun or len(shared) < SET_MIN_SHARED or not (ma - mb) or not (mb - ma):
                continue
            if abs(len(ma) - len(mb)) > 1 or len(shared) * 2 < min(len(ma), len(mb)):
                continue
            if not (a.subject & b.subject) and len(shared) < 3:
                continue
            out.append((a, b))
            break
    return out[:1]


def _claims_of(article) -> tuple[list[Claim], list[Claim]]:
    cs = article_claims(article)
    return [c for c in cs if c.kind == "number"], [c for c in cs if c.kind == "set"]


def _day_of(article) -> int | None:
    d = _d(article.published)
    return d.toordinal() if d else None


def _span(c: Claim) -> dict:
    return {"field": c.field, "start": c.start, "end": c.end, "text": c.text}


def _value(c: Claim, article) -> Any:
    if c.kind == "set":
        names = {k: n for k, n in c.members.items()}
        return "، ".join(names[k] for k in c.value)
    return int(c.value) if c.value == int(c.value) else c.value


def find_contradictions(story: dict, articles: dict[str, Any], story_events: list[dict] | None = None
                        ) -> list[dict]:
    """Disagreements among the articles of `story` (a StoryIndex.describe() dict); `articles` by id.

    `story_events` are the story's event signatures (StoryIndex.stories[sid].events); events stated by at
    least two articles are the ones dates and places are compared about.
    """
    docs = [articles[d] for d in story["docs"] if d in articles]
    if len(docs) < 2:
        return []
    found: list[dict] = []
    claims = {a.id: _claims_of(a) for a in docs}
    for i, a in enumerate(docs):
        for b in docs[i + 1:]:
            (na, sa), (nb, sb) = claims[a.id], claims[b.id]
            if _day_of(a) != _day_of(b):
                continue  # different days: different figures and lists are updates (the timeline), not disputes
            for x, y in _number_conflicts(na, nb):
                found.append(_claim_report(story, "number", x, y, a, b))
            for x, y in _set_conflicts(sa, sb):
                found.append(_claim_report(story, "set", x, y, a, b))
    found.extend(_event_conflicts(story, docs))
    return _identified(story, _merged(found))


def _claim_report(story: dict, kind: str, x: Claim, y: Claim, a, b) -> dict:
    noun = x.noun or y.noun
    label = {"number": f"شمار {noun}" if noun else "رقم", "set": "فهرست"}[kind]
    if x.subject & y.subject and kind == "number" and (x.noun is None or y.noun is None):
        label = "رقم " + " ".join(sorted(x.subject & y.subject))
    return _report(story, kind, f"{kind}:{noun}", label, {a.id: _value(x, a), b.id: _value(y, b)},
                   {a.id: x.sentence, b.id: y.sentence}, {a.id: _outlet(a), b.id: _outlet(b)},
                   {a.id: _span(x), b.id: _span(y)})


def _merged(found: list[dict]) -> list[dict]:
    """A third article that agrees with one side of a contradiction joins it instead of repeating it."""
    out: list[dict] = []
    for c in found:
        for o in out:
            if o["about"] == c["about"] and any(o["values"].get(d) == v for d, v in c["values"].items()) \
                    and not set(c["values"]) <= set(o["values"]):
                for key in ("values", "evidence", "outlets", "spans"):
                    o[key] = {**c.get(key, {}), **o.get(key, {})}
                break
        else:
            out.append(c)
    return out


def _label_overlap(a: str, b: str) -> float:
    x, y = set(words(a)), set(words(b))
    return len(x & y) / len(x | y) if x and y else 0.0


def _outlet(article) -> str | None:
    return (article.outlet or {}).get("name") if isinstance(article.outlet, dict) else article.outlet


@lru_cache(maxsize=4096)
def _kb_ancestors(kb_id: str) -> frozenset[str]:
    from ..kb import load_kb

    kb = load_kb()
    seen, cur = set(), kb_id
    while cur and cur not in seen:
        seen.add(cur)
        rec = kb.get(cur)
        cur = rec.parent if rec else None
    return frozenset(seen)


def _related_places(a: str, b: str) -> bool:
    return a in _kb_ancestors(b) or b in _kb_ancestors(a)


def _day_precise(e: Event) -> bool:
    return len(e.start or "") == 10 and len(e.end or e.start or "") == 10


def _event_conflicts(story: dict, docs: list) -> list[dict]:
    """The same event given two days, or two places, by two articles of the story."""
    found: list[dict] = []
    min_words, min_overlap = _event_rules()
    evs = []
    for a in docs:
        for e in a.events:
            s = event_signature(e)
            if s and e.status != "planned" and _day_precise(e) \
                    and len(words(s["label"])) >= min_words and s["type"] not in ("meeting", "statement"):
                evs.append((a, e, s))
    seen_pairs = set()
    for x in range(len(evs)):
        for y in range(x + 1, len(evs)):
            (a, e1, s1), (b, e2, s2) = evs[x], evs[y]
            if a.id == b.id or s1["family"] != s2["family"]:
                continue
            if _label_overlap(s1["label"], s2["label"]) < min_overlap:
                continue
            overlap = s1["iv"][0] <= s2["iv"][1] and s2["iv"][0] <= s1["iv"][1]
            if s1["place"] == s2["place"] and not overlap and abs(s1["iv"][0] - s2["iv"][0]) <= 14:
                kind, v1, v2 = "date", _when(e1), _when(e2)
            elif overlap and s1["place"] != s2["place"] and not _related_places(s1["place"], s2["place"]):
                kind, v1, v2 = "place", e1.place, e2.place
            else:
                continue
            key = (kind, a.id, b.id)
            if key in seen_pairs:
                continue
            seen_pairs.add(key)
            found.append(_report(story, kind, f"event_{kind}@{s1['type']}",
                                 f"{'تاریخ' if kind == 'date' else 'محل'} {s1['label']}", {a.id: v1, b.id: v2},
                                 {a.id: e1.evidence.text, b.id: e2.evidence.text},
                                 {a.id: _outlet(a), b.id: _outlet(b)},
                                 {a.id: _event_span(e1), b.id: _event_span(e2)}))
    return found


def _when(e: Event) -> str | None:
    return e.start if (e.end or e.start) == e.start else f"{e.start}/{e.end}"


def _event_span(e: Event) -> dict:
    return {"field": e.field, "start": e.span.start, "end": e.span.end, "text": e.mentions[0].text if e.mentions else ""}


def _report(story: dict, kind: str, about: str, label: str, values: dict, evidence: dict, outlets: dict,
            spans: dict) -> dict:
    return {"story": story["id"], "kind": kind, "about": about, "label": label, "values": values,
            "evidence": evidence, "outlets": outlets, "spans": spans}


def _identified(story: dict, found: list[dict]) -> list[dict]:
    """Each contradiction gets a stable id (its story, what it is about and its articles) and the day of
    its latest article (lists show the newest first)."""
    published = {a["id"]: a.get("published") for a in story.get("articles", [])}
    for c in found:
        key = c["about"] + "|" + "|".join(sorted(c["values"]))
        c["id"] = f"{story['id']}:{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"
        c["published"] = {d: published.get(d) for d in c["values"]}
        c["day"] = max((p for p in c["published"].values() if p), default=None)
    return found
