"""HTML fragments built in Python: every piece of text goes through markupsafe.escape first, and only
markup written here is added around it, so article content can never become markup."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from ..dates import both_calendars
from ..search.article_rows import entity_id_of


def highlight(text: str, spans: list[list[int]]) -> Markup:
    out: list[str] = []
    pos = 0
    for s, e in sorted(spans):
        if s < pos or e > len(text):
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _valid(span: Any, n: int) -> bool:
    return (isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(x, int) for x in span)
            and 0 <= span[0] < span[1] <= n)


def annotate_text(text: str, article: dict[str, Any], field: str = "text") -> Markup:
    """The clean text (or title, field="title") with entity mentions linked, date expressions marked with
    both calendars, and quotes set apart — all placed by their character spans, so nothing is guessed from
    the words. A span whose recorded text differs from the text at its offsets is left out, not misplaced."""
    n = len(text)
    marks: list[tuple[int, int, str, dict[str, Any]]] = []
    for ent in article.get("entities") or []:
        if not isinstance(ent, dict) or not (eid := entity_id_of(ent)):
            continue
        for m in ent.get("mentions") or []:
            if (isinstance(m, dict) and m.get("field", "text") == field and _valid([m.get("start"), m.get("end")], n)
                    and (not m.get("text") or text[m["start"]:m["end"]] == m["text"])):
                marks.append((m["start"], m["end"], "ent", {"id": eid, "type": ent.get("type") or "", "name": ent.get("name")}))
    for t in article.get("times") or []:
        if isinstance(t, dict) and t.get("field", "text") == field and _valid([t.get("start"), t.get("end")], n):
            marks.append((t["start"], t["end"], "time", {"value": t.get("value") or ""}))
    for q in article.get("quotes") or []:
        if isinstance(q, dict) and q.get("field", "text") == field and _valid([q.get("start"), q.get("end")], n):
            marks.append((q["start"], q["end"], "quote", {"speaker": q.get("speaker") or ""}))
    cuts = sorted({0, n, *(m[0] for m in marks), *(m[1] for m in marks)})
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        piece: Markup = escape(text[a:b])
        active = [m for m in marks if m[0] <= a and b <= m[1]]
        for kind in ("time", "ent", "quote"):  # innermost first
            m = next((m for m in active if m[2] == kind), None)
            if m is None:
                continue
            info = m[3]
            if kind == "time":
                value = info["value"]
                label = both_calendars(value)
                if len(value) == 10:
                    href = "/?" + urlencode({"from": value, "to": value, "sort": "date"})
                    piece = Markup('<a class="time" href="{}" title="{}"><time datetime="{}">{}</time></a>').format(
                        href, label, value, piece)
                else:
                    piece = Markup('<time class="time" datetime="{}" title="{}">{}</time>').format(value, label, piece)
            elif kind == "ent":
                piece = Markup('<a class="ent ent-{}" href="/entities/{}" title="{}">{}</a>').format(
                    info["type"], quote(info["id"], safe=":~"), info["name"], piece)
            else:
                piece = Markup('<q class="quote" title="{}">{}</q>').format(info["speaker"], piece)
        out.append(piece)
    return Markup("").join(out)


def timeline_svg(counts: list[tuple[str, int]], width: int = 640, height: int = 90) -> Markup:
    """Articles per day (per month past 120 days) as an inline SVG bar chart, drawn here, no script."""
    if not counts:
        return Markup("")
    if len(counts) > 120:
        months: dict[str, int] = {}
        for d, c in counts:
            months[d[:7]] = months.get(d[:7], 0) + c
        counts = sorted(months.items())
    top = max(c for _, c in counts)
    bar = width / len(counts)
    parts = [Markup('<svg class="timeline" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">').format(
        width, height + 16, "نمودار زمانی تعداد خبرها")]
    for i, (d, c) in enumerate(counts):
        h = max(1.0, (height - 4) * c / top)
        # Drawn right to left: the newest day is on the left edge, as a Persian reader reads time.
        x = width - (i + 1) * bar
        parts.append(Markup('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"><title>{}: {}</title></rect>').format(
            x + bar * 0.1, height - h, max(bar * 0.8, 0.5), h, both_calendars(d), c))
    parts.append(Markup('<text x="{}" y="{}" text-anchor="end">{}</text>').format(width, height + 14, both_calendars(counts[0][0])))
    parts.append(Markup('<text x="0" y="{}" text-anchor="start">{}</text>').format(height + 14, both_calendars(counts[-1][0])))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
