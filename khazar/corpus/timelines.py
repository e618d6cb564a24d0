"""Timelines: the dated events and quotes of one entity or one story, in order, in both calendars.

An entity is found by kb id, entity id or name (match key, so ZWNJ/letter-form variants match); its
timeline has the events it takes part in or that happen at it, and the quotes it is the speaker of. A story's
timeline has every event and quote of its articles. The same event told by several articles (same type,
place and dates) is one entry with all of its sources. An event is dated by its own date; a quote, or an
event without a date, by its article's publication date (marked `dated_by: published`).
"""
from __future__ import annotations

from typing import Any

from ..dates import both_calendars
from ..text.fold import match_key


def _outlet(a) -> str | None:
    return (a.outlet or {}).get("name") if isinstance(a.outlet, dict) else a.outlet


def _source(a) -> dict:
    return {"id": a.id, "outlet": _outlet(a), "published": a.published, "title": a.title}


def find_entity(target: str, articles) -> tuple[str, str] | None:
    """(key, display name) of the entity `target` names: a kb id, an entity id or a name."""
    want = match_key(target)
    by_name = by_mention = None
    for a in articles:
        for e in a.entities:
            key = e.kb_id or e.id
            if target in (e.kb_id, e.id):
                return key, e.name or key
            if by_name is None and want and match_key(e.name) == want:
                by_name = (key, e.name)
            # a short form the articles use for it ("عراقچی", "استاندار گیلان")
            if by_mention is None and want and any(match_key(m.text) == want for m in e.mentions):
                by_mention = (key, e.name)
    return by_name or by_mention


def _entries(articles, keep_event, keep_quote) -> list[dict[str, Any]]:
    merged: dict[tuple, dict] = {}
    out: list[dict[str, Any]] = []
    for a in articles:
        for e in a.events:
            if not keep_event(a, e):
                continue
            when = e.start
            key = (e.type, e.place_kb_id or e.place, e.start, e.end)
            if when and key in merged:
                merged[key]["sources"].append(_source(a))
                continue
            entry = {"kind": "event", "date": when or a.published, "end": e.end if when else None,
                     "dated_by": "event" if when else "published", "type": e.type, "label": e.label,
                     "place": e.place, "participants": e.participants,
                     "status": e.status, "evidence": e.evidence.text,
                     "sources": [_source(a)]}
            if when:
                merged[key] = entry
            out.append(entry)
        for q in a.quotes:
            if keep_quote(a, q):
                out.append({"kind": "quote", "date": a.published, "dated_by": "published",
                            "speaker": q.speaker, "text": q.text, "sources": [_source(a)]})
    out.sort(key=lambda x: (x["date"] is None, x["date"] or "", x["kind"] == "quote",
                            x["sources"][0]["id"]))
    for x in out:
        span = f"{x['date']}/{x['end']}" if x.get("end") and x["end"] != x["date"] else x["date"]
        x["when"] = both_calendars(span)
    return out


def entity_timeline(key: str, name: str, articles) -> dict[str, Any]:
    def keep_event(a, e):
        return key in e.participant_ids or e.place_kb_id == key or (name and name in e.participants)

    def keep_quote(a, q):
        return q.speaker_id == key or (not q.speaker_id and q.speaker == name)

    return {"entity": key, "name": name, "entries": _entries(articles, keep_event, keep_quote)}


def story_timeline(story: dict, articles) -> dict[str, Any]:
    docs = set(story["docs"])
    members = [a for a in articles if a.id in docs]
    return {"story": story["id"], "label": story["label"],
            "entries": _entries(members, lambda a, e: True, lambda a, q: True)}


def timeline(target: str, articles, stories: list[dict]) -> dict[str, Any] | None:
    articles = list(articles)
    for s in stories:
        if s["id"] == target:
            return story_timeline(s, articles)
    found = find_entity(target, articles)
    if found is None:
        return None
    return entity_timeline(found[0], found[1], articles)


def render_timeline(tl: dict[str, Any]) -> str:
    head = f"story {tl['story']}: {tl['label']}" if "story" in tl else f"{tl['name']} ({tl['entity']})"
    lines = [head, "=" * min(len(head), 80)]
    for x in tl["entries"]:
        src = "، ".join(f"{s['outlet'] or '?'} [{s['id']}]" for s in x["sources"])
        if x["kind"] == "event":
            mark = "" if x["dated_by"] == "event" else " (date of publication)"
            where = f" — {x['place']}" if x.get("place") else ""
            status = " (planned)" if x.get("status") == "planned" else ""
            lines.append(f"{x['when']}{mark}  {x['type']}{status}: {x['label']}{where}")
        else:
            lines.append(f"{x['when']}  quote — {x['speaker'] or '?'}: «{x['text']}»")
        lines.append(f"    {src}")
    if not tl["entries"]:
        lines.append("(no dated events or quotes)")
    return "\n".join(lines) + "\n"


def render_stories(report: dict[str, Any]) -> list[str]:
    lines = []
    multi = [s for s in report["stories"] if len(s["docs"]) >= 2]
    lines.append(f"stories: {len(report['stories'])} ({len(multi)} with two or more articles)")
    for s in multi:
        lines.append(f"  {s['id']}  {both_calendars(s['start'])} … {both_calendars(s['end'])}  "
                     f"{len(s['docs'])} articles  {s['label']}")
        lines.append("      " + "، ".join(e["name"] for e in s["entities"][:6]))
        for a in s.get("articles", []):
            lines.append(f"      {a.get('published') or '?'}  {a.get('outlet') or '?'}  [{a['id']}] {a['title']}")
    series = report.get("series", [])
    lines.append(f"series: {len(series)}")
    for x in series:
        lines.append(f"  {x['id']}  {x.get('outlet') or '?'}  {len(x['docs'])} reports {x['start']} … {x['end']}  "
                     f"{x['label']}")
        for noun, points in x["figures"].items():
            lines.append(f"      {noun}: " + "، ".join(f"{p['date']} {p['value']:g}" for p in points))
    return lines


def render_contradictions(report: dict[str, Any]) -> list[str]:
    lines = [f"contradictions: {len(report['contradictions'])}"]
    for c in report["contradictions"]:
        lines.append(f"  {c['label']} [{c.get('kind', '?')}] in {c['story']}")
        for doc, v in c["values"].items():
            lines.append(f"    {v}  — {c['outlets'].get(doc) or '?'} [{doc}]: {c['evidence'].get(doc, '')}")
    return lines


def render_report(report: dict[str, Any]) -> str:
    lines = render_stories(report)
    lines.append(f"duplicates: {len(report['duplicates'])}")
    for d in report["duplicates"]:
        lines.append(f"  {d['doc']} ({d.get('outlet') or '?'}, {d.get('published') or '?'}) duplicates "
                     f"{d['duplicate_of']}  J={d['similarity']}")
    lines.extend(render_contradictions(report))
    return "\n".join(lines) + "\n"
