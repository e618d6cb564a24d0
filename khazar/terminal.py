"""Plain-text rendering of an article for terminals (`khazar show`)."""
from __future__ import annotations

from .dates import both_calendars
from .model import Article


def render_article(article: Article) -> str:
    outlet = article.outlet or {}
    lines = [
        article.title,
        "=" * min(len(article.title), 80),
        f"id:         {article.id}",
        f"outlet:     {outlet.get('name') or '—'}" + (f" ({outlet['name_en']})" if outlet.get("name_en") else ""),
    ]
    if article.attributed_to:
        lines.append(f"source:     {'، '.join(article.attributed_to)}")
    published = both_calendars(article.published)
    if article.published_time:
        published += f" {article.published_time}"
    lines.append(f"published:  {published}")
    if article.published_estimate:
        est = article.published_estimate
        lines.append(f"estimated:  {both_calendars(est['earliest'])} … {both_calendars(est['latest'])}")
    if article.url:
        lines.append(f"url:        {article.url}")
    if article.times:
        lines.append("dates:")
        lines.extend(f"  {t.text}  →  {both_calendars(t.value)}" for t in article.times)
    if article.entities:
        lines.append("entities:")
        lines.extend(f"  {e.type}  {e.name}" + (f"  [{', '.join(e.roles)}]" if e.roles else "")
                     for e in article.entities)
    if article.quotes:
        lines.append("quotes:")
        lines.extend(f"  {q.speaker or '—'} ({q.kind}, {q.cue}): «{q.text}»" for q in article.quotes)
    if article.events:
        lines.append("events:")
        for e in article.events:
            when = both_calendars(e.start) if e.start else "—"
            if e.end and e.end != e.start:
                when += f" … {both_calendars(e.end)}"
            planned = " (planned)" if e.status == "planned" else ""
            who = f"  [{'، '.join(e.participants)}]" if e.participants else ""
            lines.append(f"  {e.type}{planned}: {e.label} — {e.place or '—'} — {when}{who}")
    if article.topics:
        lines.append("topics:     " + ", ".join(t.id for t in article.topics))
    for w in article.warnings:
        lines.append(f"warning:    {w}")
    lines += ["", article.text, ""]
    return "\n".join(lines)
