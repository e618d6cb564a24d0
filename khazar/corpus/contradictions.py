"""Disagreements between the articles of one story: counts, dates and places of the same event.

Precision first (a false alarm costs trust), so every comparison requires the two claims to be about the
same thing (docs/corpus.md has the rules):
- counts: same `about` class from khazar/kb/data/claims.yaml (counted noun class + qualifier class), both
  in a sentence tied to the same event of the story (the sentence is the event's evidence or names an event
  word of the same family), both events reported (an announcement's planned figures are not contradicted by
  what happened); an article stating two different values for one key is left out (ambiguous);
- dates: the same event (same type family, same place, labels that say the same thing) given day-precise
  dates that do not overlap, both reported;
- places: the same event (same type family, labels that say the same, overlapping day-precise dates) at two
  places neither of which contains the other in the knowledge base.
Each disagreement is reported with the sentence each article states it in and the article's outlet.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..extract.sentences import split_sentences
from ..text.keys import match_key
from .duplicates import words
from .stories import FAMILY, _interval, signatures_match

DATA = Path(__file__).resolve().parent.parent / "kb" / "data" / "claims.yaml"


@dataclass(frozen=True)
class ClaimRules:
    numbers: dict[str, int]
    counters: frozenset[str]
    window: int
    classes: tuple[tuple[str, str, frozenset[str], tuple[tuple[str, ...], ...]], ...]  # about, label, nouns, quals
    event_words: dict[str, tuple[tuple[str, ...], ...]]
    label_min_words: int
    label_min_overlap: float


def _k(phrase: str) -> tuple[str, ...]:
    return tuple(words(phrase))


@lru_cache(maxsize=1)
def rules() -> ClaimRules:
    d = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    classes = tuple((c["about"], c.get("label", c["about"]), frozenset(w for n in c["nouns"] for w in _k(n)[:1]),
                     tuple(_k(q) for q in c.get("qualifiers") or []))
                    for c in d["count_claims"])
    return ClaimRules(
        numbers={match_key(k): int(v) for k, v in d["numbers"].items()},
        counters=frozenset(match_key(c) for c in d.get("counters") or []),
        window=int(d.get("qualifier_window", 6)),
        classes=classes,
        event_words={fam: tuple(_k(w) for w in ws) for fam, ws in (d.get("event_words") or {}).items()},
        label_min_words=int(d.get("label_min_words", 3)),
        label_min_overlap=float(d.get("label_min_overlap", 0.5)),
    )


_PUNCT = re.compile(r"[،,.؛;:!?؟()«»\"]")


def _number(tok: str, r: ClaimRules) -> int | None:
    if tok.isdigit():
        return int(tok)
    return r.numbers.get(tok)


def _contains(seq: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(seq[i:i + n]) == phrase for i in range(len(seq) - n + 1))


def _noun_matches(tok: str, nouns: frozenset[str]) -> bool:
    # "استان" also as "استانهای"/"مناطق"-like plural forms glued by words(): a prefix match on the key
    return any(tok == n or (tok.startswith(n) and len(tok) - len(n) <= 3) for n in nouns)


def count_claims(sentence: str) -> list[tuple[str, int]]:
    """(about, value) pairs stated in one sentence."""
    r = rules()
    out = []
    # Punctuation ends a qualifier window, so chunks are read separately.
    for chunk in _PUNCT.split(sentence):
        toks = words(chunk)
        consumed = -1
        for i, tok in enumerate(toks):
            value = _number(tok, r)
            if value is None or i <= consumed:
                continue
            j = i + 1
            # "بیست و پنج": a compound number word
            while j + 1 < len(toks) and toks[j] == "و" and _number(toks[j + 1], r) is not None \
                    and not toks[j + 1].isdigit() and _number(toks[j + 1], r) < value:
                value += _number(toks[j + 1], r)
                j += 2
                consumed = j - 1  # the parts of a compound number are not numbers of their own
            if j < len(toks) and toks[j] in r.counters:
                j += 1
            if j >= len(toks):
                continue
            noun = toks[j]
            window: list[str] = []
            for t in toks[j + 1: j + 1 + r.window]:
                if _number(t, r) is not None:
                    break
                window.append(t)
            while window and window[-1] == "و":
                window.pop()
            found = set()
            for about, _label, nouns, quals in r.classes:
                if not _noun_matches(noun, nouns):
                    continue
                if not quals or any(_contains(window, q) for q in quals):
                    found.add(about)
            if len(found) == 1:  # two classes fit: the words do not say which; dropped, never guessed
                out.append((found.pop(), value))
    return out


def _family(etype: str | None) -> str | None:
    return FAMILY.get(etype, etype)


def _label_overlap(a: str, b: str) -> float:
    x, y = set(words(a)), set(words(b))
    return len(x & y) / len(x | y) if x and y else 0.0


def _outlet(article) -> str | None:
    return (article.outlet or {}).get("name") if isinstance(article.outlet, dict) else article.outlet


def _sig(e: dict) -> dict | None:
    iv = _interval(e.get("start"), e.get("end"))
    if not e.get("place_kb_id") or iv is None:
        return None
    return {"type": e.get("type"), "family": _family(e.get("type")), "place": e["place_kb_id"], "iv": list(iv),
            "label": e.get("label") or "", "status": e.get("status")}


def _claims_by_event(article, story_events: list[dict]) -> dict[tuple[int, str], set[tuple[int, str]]]:
    """(story event index, about) → {(value, sentence)} for the reported events this article shares."""
    r = rules()
    mine = []  # (story event index, family, evidence span)
    for e in article.events:
        if e.get("status") == "planned":
            continue
        s = _sig(e)
        if s is None:
            continue
        for i, se in enumerate(story_events):
            if signatures_match(s, se):
                ev = e.get("evidence") or {}
                mine.append((i, s["family"], ev.get("start"), ev.get("end")))
    out: dict[tuple[int, str], set[tuple[int, str]]] = defaultdict(set)
    if not mine:
        return out
    for sent in split_sentences(article.text):
        claims = count_claims(sent.text)
        if not claims:
            continue
        toks = words(sent.text)
        for i, fam, a, b in mine:
            overlaps = a is not None and b is not None and a < sent.end and sent.start < b
            names = any(_contains(toks, w) for w in r.event_words.get(fam, ()))
            if overlaps or names:
                for about, value in claims:
                    out[(i, about)].add((value, sent.text))
    return out


def _kb_ancestors(kb_id: str) -> set[str]:
    from ..kb import load_kb

    kb = load_kb()
    seen, cur = set(), kb_id
    while cur and cur not in seen:
        seen.add(cur)
        rec = kb.get(cur)
        cur = rec.parent if rec else None
    return seen


def _related_places(a: str, b: str) -> bool:
    return a in _kb_ancestors(b) or b in _kb_ancestors(a)


def _day_precise(e: dict) -> bool:
    return len(e.get("start") or "") == 10 and len(e.get("end") or e.get("start") or "") == 10


def find_contradictions(story: dict, articles: dict[str, Any], story_events: list[dict] | None = None
                        ) -> list[dict]:
    """Disagreements among the articles of `story` (a StoryIndex.describe() dict); `articles` by id.

    `story_events` are the story's event signatures (StoryIndex.stories[sid].events); events stated by at
    least two articles are the ones claims can be compared about.
    """
    docs = [articles[d] for d in story["docs"] if d in articles]
    if len(docs) < 2:
        return []
    shared = [e for e in (story_events or []) if len(set(e.get("docs", []))) >= 2]
    found: list[dict] = []
    labels = {a: lab for a, lab, _n, _q in rules().classes}

    # counts about the same event
    per_key: dict[tuple[int, str], dict[str, tuple[int, str]]] = defaultdict(dict)
    for a in docs:
        for key, vals in _claims_by_event(a, shared).items():
            if len({v for v, _ in vals}) == 1:  # one value per article, else the article is ambiguous
                per_key[key][a.id] = sorted(vals, key=lambda x: len(x[1]))[0]
    for (i, about), by_doc in sorted(per_key.items()):
        if len({v for v, _ in by_doc.values()}) < 2:
            continue
        ev = shared[i]
        found.append(_report(story, f"{about}@{ev['type']}:{ev['place']}", labels.get(about, about),
                             {d: v for d, (v, _) in by_doc.items()}, {d: s for d, (_, s) in by_doc.items()},
                             {d: _outlet(articles[d]) for d in by_doc}))

    # dates and places of the same event
    r = rules()
    evs = []
    for a in docs:
        for e in a.events:
            s = _sig(e)
            if s and e.get("status") != "planned" and _day_precise(e) \
                    and len(words(s["label"])) >= r.label_min_words and s["type"] not in ("meeting", "statement"):
                evs.append((a, e, s))
    seen_pairs = set()
    for x in range(len(evs)):
        for y in range(x + 1, len(evs)):
            (a, e1, s1), (b, e2, s2) = evs[x], evs[y]
            if a.id == b.id or s1["family"] != s2["family"]:
                continue
            if _label_overlap(s1["label"], s2["label"]) < r.label_min_overlap:
                continue
            overlap = s1["iv"][0] <= s2["iv"][1] and s2["iv"][0] <= s1["iv"][1]
            if s1["place"] == s2["place"] and not overlap and abs(s1["iv"][0] - s2["iv"][0]) <= 14:
                kind, v1, v2 = "date", _when(e1), _when(e2)
            elif overlap and s1["place"] != s2["place"] and not _related_places(s1["place"], s2["place"]):
                kind, v1, v2 = "place", e1.get("place"), e2.get("place")
            else:
                continue
            key = (kind, a.id, b.id)
            if key in seen_pairs:
                continue
            seen_pairs.add(key)
            found.append(_report(story, f"event_{kind}@{s1['type']}", f"{'تاریخ' if kind == 'date' else 'محل'} "
                                 f"{s1['label']}", {a.id: v1, b.id: v2},
                                 {a.id: (e1.get("evidence") or {}).get("text", ""),
                                  b.id: (e2.get("evidence") or {}).get("text", "")},
                                 {a.id: _outlet(a), b.id: _outlet(b)}))
    return found


def _when(e: dict) -> str:
    return e["start"] if (e.get("end") or e["start"]) == e["start"] else f"{e['start']}/{e['end']}"


def _report(story: dict, about: str, label: str, values: dict, evidence: dict, outlets: dict) -> dict:
    return {"story": story["id"], "about": about, "label": label, "values": values, "evidence": evidence,
            "outlets": outlets}
