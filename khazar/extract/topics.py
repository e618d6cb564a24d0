"""What an article is about: multi-label topics from a small documented taxonomy (kb/data/topics.yaml).

Keyword evidence, weighted: each keyword found counts its weight once per distinct keyword (a word repeated
ten times is one piece of evidence, so a long article does not drift into every topic), a keyword in the title
counts `title_weight` times. A topic is reported when its evidence reaches the threshold; its score is
evidence / (evidence + saturation). Overlapping keywords are matched longest first, so "وزارت امور خارجه" is
one piece of diplomacy evidence, not also "امور".
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .. import kb
from ..kb.matcher import PhraseMatcher
from ..model import Article, Topic

# Plural and ezafe forms a keyword may carry.
_ENDINGS = ("هایی", "های", "ها", "ات", "ای", "ی")


@dataclass(frozen=True)
class Taxonomy:
    matcher: PhraseMatcher
    by_keyword: dict[str, list[tuple[str, str, float]]]  # keyword -> [(topic, keyword, weight)]
    labels: dict[str, str]
    threshold: float
    title_weight: float
    saturation: float


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    data = kb.data("topics")
    keywords: dict[str, list[tuple[str, str, float]]] = {}
    for tid, spec in data["topics"].items():
        for kw, weight in (spec.get("keywords") or {}).items():
            keywords.setdefault(str(kw), []).append((tid, str(kw), float(weight)))
    matcher = PhraseMatcher(((kw, kw) for kw in keywords), endings=_ENDINGS)
    return Taxonomy(matcher, keywords, {t: s.get("label", t) for t, s in data["topics"].items()},
                    float(data.get("threshold", 2)), float(data.get("title_weight", 2)),
                    float(data.get("saturation", 4)))


def score_topics(title: str, text: str) -> list[Topic]:
    tax = taxonomy()
    evidence: dict[str, dict[str, float]] = {}
    for field_text, factor in ((text or "", 1.0), (title or "", tax.title_weight)):
        for m in tax.matcher.find(field_text):
            # One span is one piece of evidence per topic, however many spellings of a keyword it matches
            # (حمل و نقل / حمل‌ونقل, فرهنگ + ی / فرهنگی); the keyword it spells exactly comes first.
            best: dict[str, tuple[float, str]] = {}
            for label in m.ids:
                for topic, kw, weight in tax.by_keyword[label]:
                    best.setdefault(topic, (weight, kw))
            for topic, (weight, kw) in best.items():
                seen = evidence.setdefault(topic, {})
                seen[kw] = max(seen.get(kw, 0.0), weight * factor)
    out: list[Topic] = []
    for topic, kws in evidence.items():
        total = sum(kws.values())
        if total < tax.threshold:
            continue
        out.append(Topic(topic, tax.labels[topic], round(total / (total + tax.saturation), 3),
                         [k for k, _ in sorted(kws.items(), key=lambda kv: -kv[1])]))
    out.sort(key=lambda t: -t.score)
    return out


def extract_topics(article: Article) -> None:
    article.topics = score_topics(article.title, article.text)
