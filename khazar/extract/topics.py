"""What an article is about: multi-label topics from a small documented taxonomy (kb/data/topics.yaml).

Keyword evidence, weighted: each keyword found counts its weight once per distinct keyword (a word repeated
ten times is one piece of evidence, so a long article does not drift into every topic), a keyword in the title
counts `title_weight` times. A topic is reported when its evidence reaches the threshold; its score is
evidence / (evidence + saturation). Overlapping keywords are matched longest first, so "وزارت امور خارجه" is
one piece of diplomacy evidence, not also "امور".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..model import Article

_DATA = Path(__file__).resolve().parent.parent / "kb" / "data" / "topics.yaml"
_SEP = r"[\s\u200c]*"
_VARIANT_CLASS = {"ا": "[اأإ]", "ی": "[یيى]", "ک": "[کك]", "ئ": "[ئیي]", "-": r"\s*[-–—]\s*"}
_ENDING = r"(?:[\s\u200c]*(?:هایی|های|ها|ات|ای|ی))?"


def _phrase(p: str) -> str:
    return _SEP.join("".join(_SEP if ch == "\u200c" else _VARIANT_CLASS.get(ch, re.escape(ch)) for ch in w)
                     for w in p.split())


@dataclass(frozen=True)
class Taxonomy:
    pattern: re.Pattern[str]
    by_group: dict[str, list[tuple[str, str, float]]]  # group name -> [(topic, keyword, weight)]
    labels: dict[str, str]
    threshold: float
    title_weight: float
    saturation: float


@lru_cache(maxsize=1)
def taxonomy() -> Taxonomy:
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    keywords: dict[str, list[tuple[str, str, float]]] = {}
    for tid, spec in data["topics"].items():
        for kw, weight in (spec.get("keywords") or {}).items():
            keywords.setdefault(str(kw), []).append((tid, str(kw), float(weight)))
    ordered = sorted(keywords, key=len, reverse=True)
    groups = {f"k{i}": keywords[kw] for i, kw in enumerate(ordered)}
    pattern = re.compile(r"(?<![\w\u200c])(?:" + "|".join(
        f"(?P<k{i}>{_phrase(kw)})" for i, kw in enumerate(ordered)) + r")" + _ENDING + r"(?![\w\u200c])")
    return Taxonomy(pattern, groups, {t: s.get("label", t) for t, s in data["topics"].items()},
                    float(data.get("threshold", 2)), float(data.get("title_weight", 2)),
                    float(data.get("saturation", 4)))


def score_topics(title: str, text: str) -> list[dict[str, Any]]:
    tax = taxonomy()
    evidence: dict[str, dict[str, float]] = {}
    for field_text, factor in ((text or "", 1.0), (title or "", tax.title_weight)):
        for m in tax.pattern.finditer(field_text):
            for topic, kw, weight in tax.by_group[m.lastgroup]:
                seen = evidence.setdefault(topic, {})
                seen[kw] = max(seen.get(kw, 0.0), weight * factor)
    out = []
    for topic, kws in evidence.items():
        total = sum(kws.values())
        if total < tax.threshold:
            continue
        out.append({
            "id": topic,
            "label": tax.labels[topic],
            "score": round(total / (total + tax.saturation), 3),
            "evidence": [k for k, _ in sorted(kws.items(), key=lambda kv: -kv[1])],
        })
    out.sort(key=lambda t: -t["score"])
    return out


def extract_topics(article: Article) -> None:
    article.topics = score_topics(article.title, article.text)
