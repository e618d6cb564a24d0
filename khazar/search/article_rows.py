"""The rows of the search read model an article's JSON gives, independent of the database.

The rows each backend writes into article_entities, article_topics, article_quotes and article_events
(an entity named only as the story's source is no row, so outlets do not crowd the lists of the most
mentioned entities; an entity listed twice in one article is one row with the mentions added up; a topic listed
twice keeps its first label; quotes and events are numbered by their place in the article's list of readable
records, quotes without words included).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model import Article, Entity


def page_entity_id(entity: Entity) -> str | None:
    """The id of the entity's row in the read model, which is what /entities/{id} shows (Entity.id: records made
    before the linker gave ids read with their KB id or name); None for an entity named only as the story's source
    ("به گزارش فارس"), which has no row, so that nothing links to a 404."""
    return None if entity.attribution else entity.id


@dataclass
class ArticleRows:
    # (entity_id, type, name, name_en, kb_id, mentions, roles_json)
    entities: list[tuple[Any, ...]] = field(default_factory=list)
    # (topic, label)
    topics: list[tuple[Any, ...]] = field(default_factory=list)
    # (n, speaker, speaker_kb_id, text, kind, span_start, span_end)
    quotes: list[tuple[Any, ...]] = field(default_factory=list)
    # (n, type, label, date, place, place_kb_id, participants_json, span_start, span_end)
    events: list[tuple[Any, ...]] = field(default_factory=list)


def article_rows(article_json: str) -> ArticleRows:
    """The read-model rows of one stored article (no rows when its JSON does not parse)."""
    rows = ArticleRows()
    try:
        art = json.loads(article_json)
    except json.JSONDecodeError:
        return rows
    if not isinstance(art, dict):
        return rows
    # the rows come from the records alone: a stored JSON without the article's own fields still gives them
    article = Article.from_dict({"id": "", "title": "", "text": "", **art})
    entities: dict[str, list[Any]] = {}
    for ent in article.entities:
        # the story's source ("به گزارش فارس"), kept in the article, is not one of its entities here
        if not (eid := page_entity_id(ent)):
            continue
        mentions = len(ent.mentions)
        if eid in entities:  # one row per entity: the mentions add up
            entities[eid][5] += mentions
            continue
        entities[eid] = [eid, ent.type, ent.name, ent.name_en, ent.kb_id, mentions,
                         json.dumps(ent.roles, ensure_ascii=False)]
    rows.entities = [tuple(r) for r in entities.values()]
    topics: dict[str, str] = {}
    for topic in article.topics:
        topics.setdefault(topic.id, topic.label)  # the first label stays
    rows.topics = list(topics.items())
    for n, q in enumerate(article.quotes):
        if q.text:
            rows.quotes.append((n, q.speaker, q.speaker_kb_id, q.text, q.kind, q.start, q.end))
    for n, e in enumerate(article.events):
        rows.events.append((n, e.type, e.label, e.start, e.place, e.place_kb_id,
                            json.dumps(e.participants, ensure_ascii=False), e.start, e.end))
    return rows


# -- the entity page, from an entity's article_entities rows (doc, name, name_en, type, kb_id, mentions, roles_json)

def tally_entity_rows(rows: list[tuple[Any, ...]]) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """How many articles give each name of the entity, and for each role (titles that differ only by the Iran
    qualifier are one role: kb.roles.role_group) the number of articles giving it, the first and last
    publication date among them (None when none is dated) and the titles as the articles wrote them."""
    from ..kb.roles import role_group

    names: dict[str, int] = {}
    roles: dict[str, dict[str, Any]] = {}
    docs_of: dict[str, set] = {}
    # A popular entity has thousands of rows giving the same few role lists: parse and group each once.
    parsed: dict[str, list[Any]] = {}
    groups: dict[str, str] = {}
    for doc, name, _en, _type, _kb, _mentions, roles_json, published in rows:
        names[name] = names.get(name, 0) + 1
        day = published[:10] if published else None
        if roles_json not in parsed:
            parsed[roles_json] = json.loads(roles_json or "[]")
        for role in parsed[roles_json]:
            title = role if isinstance(role, str) else json.dumps(role, ensure_ascii=False, sort_keys=True)
            if isinstance(role, str) and title not in groups:
                groups[title] = role_group(title)
            group = groups[title] if isinstance(role, str) else title
            seen = roles.setdefault(group, {"role": group, "count": 0, "first": None, "last": None, "written": []})
            if title not in seen["written"]:
                seen["written"].append(title)
            if doc in docs_of.setdefault(group, set()):
                continue  # an article giving the role twice, in two spellings, counts once
            docs_of[group].add(doc)
            seen["count"] += 1
            if day:
                seen["first"] = min(seen["first"] or day, day)
                seen["last"] = max(seen["last"] or day, day)
    for seen in roles.values():
        seen["written"].sort()  # the backends read the rows in different orders
    return names, roles


def entity_page(entity_id: str, rows: list[tuple[Any, ...]], names: dict[str, int],
                roles: dict[str, dict[str, Any]], **related: Any) -> dict[str, Any]:
    """The entity page's JSON; `related` gives its articles, co_mentioned, quotes and events."""
    return {"id": entity_id, "name": max(names, key=names.__getitem__),
            "names": sorted(names, key=names.__getitem__, reverse=True),
            "name_en": next((r[2] for r in rows if r[2]), None), "type": rows[0][3], "kb_id": rows[0][4],
            "article_count": len({r[0] for r in rows}), "mentions": sum(r[5] for r in rows),
            "roles": sorted(roles.values(), key=lambda r: -r["count"]),
            **{k: related[k] for k in ("articles", "co_mentioned", "quotes", "events")}}


def kb_candidate(entity_id: str, name: str, etype: str, n_docs: int, n_mentions: int, docs: list[int],
                 article_of: Callable[[int], tuple[str, str]]) -> dict[str, Any]:
    """One `kb candidates` entry; `article_of(doc)` gives (article id, article JSON) of the first three of its
    articles, whose first text mention of the name is an example."""
    examples = []
    for doc in docs[:3]:
        article_id, doc_json = article_of(doc)
        entity = next((e for e in json.loads(doc_json)["entities"] if e.get("id") == entity_id), None)
        mention = next((m for m in (entity or {}).get("mentions", []) if m.get("field") == "text"), None)
        if mention:
            examples.append((article_id, mention["start"]))
    return {"id": entity_id, "name": name, "type": etype, "articles": n_docs, "mentions": int(n_mentions),
            "examples": examples}


_SENTENCE_END = ".!?؟\n"
CONTEXT_CHARS = 240


def quote_context(text: str | None, quote: dict[str, Any]) -> dict[str, str] | None:
    """The sentence a quote sits in: the text before it back to the previous sentence end and after it up to
    the next one (at most CONTEXT_CHARS each side), from the quote's character span in the article."""
    start, end = quote.get("start"), quote.get("end")
    if not text or not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(text):
        return None
    before = text[max(0, start - CONTEXT_CHARS):start]
    cut = max(before.rfind(c) for c in _SENTENCE_END)
    before = before[cut + 1:] if cut >= 0 else ("…" + before if start > CONTEXT_CHARS else before)
    after = text[end:end + CONTEXT_CHARS]
    # The quote's own closing mark or full stop belongs to it; the sentence ends at the next end after that.
    ends = [i for i in (after.find(c, 1) for c in _SENTENCE_END) if i > 0]
    after = after[:min(ends) + 1] if ends else after + ("…" if end + CONTEXT_CHARS < len(text) else "")
    return {"before": before.lstrip(), "text": text[start:end], "after": after.rstrip()}
