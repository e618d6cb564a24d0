"""Outlet, attribution and publication date of an article.

The outlet is looked up in the knowledge base (kb/data/outlets.yaml) from, in order: the metadata
(JSONL `source`, HTML site name, dump header), the "به گزارش X" attribution of the lead, bylines and
section labels, the URL's domain. Labels that name a site section ("پخش زنده") are not outlets
(kb/data/not_outlets.yaml).
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlparse

from .. import kb
from ..text.fold import match_key, token_form

_DOMAIN = re.compile(r"\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b", re.I)
# "به گزارش خبرگزاری صدا و سیما،" / "به گزارش ایلنا به نقل از روابط عمومی استانداری گیلان،"
_REPORT = re.compile(r"به گزارش (?P<by>[^،,؛:\n«»]{2,80}?)(?: (?:و )?به نقل از (?P<via>[^،,؛:\n«»]{2,80}?))?\s*[،,؛:]")
_VIA = re.compile(r"(?:به نقل از|بر اساس اعلام|براساس اعلام|بنا بر اعلام|بنابر اعلام|بر پایه گزارش) (?P<via>[^،,؛:\n«»]{2,80}?)\s*[،,؛:]")
_LEAD_LINES = 3


@lru_cache(maxsize=1)
def _outlet_index() -> dict[str, dict]:
    from ..kb import load_kb

    index: dict[str, dict] = {}
    for rec in load_kb().records:
        if rec.kind != "outlet":
            continue
        entry = {"name": rec.name, "name_en": rec.name_en, "kb_id": rec.id}
        for n in (rec.name, rec.name_en, *rec.aliases, *rec.aliases_en, *rec.domains):
            if n:
                index.setdefault(match_key(n), entry)
    return index


@lru_cache(maxsize=1)
def _not_outlets() -> frozenset[str]:
    return frozenset(match_key(x) for x in kb.data("not_outlets") or [])


def is_not_outlet(label: str) -> bool:
    return match_key(label) in _not_outlets()


def find_outlet(name: str | None) -> dict | None:
    """The knowledge-base outlet a name, an English name or a domain stands for."""
    if not name:
        return None
    index = _outlet_index()
    hit = index.get(match_key(name))
    if hit:
        return hit
    for domain in _DOMAIN.findall(name):
        domain = domain.lower().removeprefix("www.")
        while domain.count(".") >= 1:
            if (hit := index.get(match_key(domain))):
                return hit
            domain = domain.split(".", 1)[1]
    return None


def find_outlet_in(phrase: str) -> dict | None:
    """The longest run of words in `phrase` that names a known outlet ("خبرنگار ایرنا" → IRNA)."""
    words = phrase.split()
    for size in range(len(words), 0, -1):
        for start in range(0, len(words) - size + 1):
            hit = find_outlet(" ".join(words[start:start + size]))
            if hit:
                return hit
    return None


def _source_names(line: str) -> list[str]:
    """The sources a "منابع:" line lists: split at commas, and at "و" only where an organisation word or a known
    outlet follows ("موسسه مطالعات و پژوهش‌های سیاسی و روزنامه دنیای اقتصاد" is two sources, not three)."""
    from ..ner.features import ORG_HEADS

    names = []
    for item in re.split(r"\s*[،,]\s*", line):
        parts = item.split(" و ")
        current = parts[0]
        for nxt in parts[1:]:
            words = nxt.split()
            if words and (token_form(words[0]) in ORG_HEADS or find_outlet(nxt.strip()) is not None):
                names.append(current)
                current = nxt
            else:
                current = f"{current} و {nxt}"
        names.append(current)
    return [n.strip() for n in names if n.strip()]


def outlet_and_attribution(*, metadata_outlet: str | None, header_label: str | None, url: str | None,
                           outlet_hints: list[str], sources: list[str], lead: str) -> tuple[dict | None, list[str]]:
    attributed: list[str] = []
    outlet = None
    for label in (metadata_outlet, header_label):
        if label and not is_not_outlet(label):
            outlet = find_outlet(label) or outlet or {"name": label, "name_en": None, "kb_id": None}
            if outlet.get("kb_id"):
                break
    lead_lines = "\n".join(lead.split("\n")[:_LEAD_LINES])
    for m in _REPORT.finditer(lead_lines):
        by = find_outlet_in(m.group("by"))
        if outlet is None or not outlet.get("kb_id"):
            outlet = by or outlet
        elif by is not None and by["kb_id"] != outlet["kb_id"]:
            attributed.append(by["name"])
        if m.group("via"):
            attributed.append(m.group("via").strip())
        break
    for m in _VIA.finditer(lead_lines):
        via = m.group("via").strip()
        if via not in attributed and not any(via in a for a in attributed):
            attributed.append(via)
    if outlet is None or not outlet.get("kb_id"):
        for hint in outlet_hints:
            hit = find_outlet(hint) or find_outlet_in(hint)
            if hit:
                outlet = hit
                break
    if (outlet is None or not outlet.get("kb_id")) and url:
        outlet = find_outlet(urlparse(url).hostname or "") or outlet
    for s in sources:
        for part in _source_names(s):
            if part not in attributed:
                attributed.append(part)
    if outlet is not None:
        attributed = [a for a in attributed if match_key(a) != match_key(outlet["name"])]
    return outlet, attributed
