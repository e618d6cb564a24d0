"""`process(raw) -> Article`: the one function every front end runs (CLI, process pool, Spark).

A chain of pure stages: normalise → layout (title, body, boilerplate) → metadata (outlet, date) → date
expressions → the enrichers (entities, quotes, events, topics) registered in ENRICHERS. Nothing here knows
who called it; what may differ between calls (the tagger) comes in a PipelineOptions, and everything it needs
is loaded once per process and cached.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from .extract.entities import extract_entities
from .extract.events import extract_events
from .extract.layout import analyse
from .extract.meta import outlet_and_attribution
from .extract.quotes import extract_quotes
from .extract.times import check_weekdays, estimate_published, find_times
from .extract.topics import extract_topics
from .dates import DATE_RANGE
from .model import Article, RawDocument, TimeValue
from .text.normalize import ascii_digits, normalize

# Entity, quote, event and topic extraction grow faster than linearly with the text (~8 s at 100K chars,
# hours at 10 MB); the longest real article is ~50K chars. Longer texts keep their clean text and dates.
MAX_ENRICH_CHARS = 100_000

Enricher = Callable[[Article], None]
# The per-article extractors after the entities, in order; each fills its own Article fields.
ENRICHERS: list[Enricher] = [extract_quotes, extract_events, extract_topics]


@dataclass(frozen=True)
class PipelineOptions:
    """How `process` runs, chosen by its caller (CLI flags, a bench, a test) and passed in: no module state is
    set, so two calls in one process can differ and a worker pool gets the options it is handed."""

    use_tagger: bool = True  # False: names from the knowledge base and the structure of names only (--no-tagger)
    ner: str | None = None  # the tagger: crf, nn, e5 or a model path; None: $KHAZAR_NER, else the default
    enrich: bool = True  # False: clean text, layout, metadata and dates only (the benches time that foundation)

    @classmethod
    def from_environment(cls) -> PipelineOptions:
        """The options of a caller that gives none: KHAZAR_TAGGER=0 turns the tagger off (KHAZAR_NER, which
        names it, is read where taggers are loaded: khazar.ner.tagger.load_tagger)."""
        return cls(use_tagger=os.environ.get("KHAZAR_TAGGER", "1") not in ("0", "false", "no"))

_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2}))?")
_FIRST_SENTENCE = re.compile(r"^(.{10,200}?[.!?؟])(?:\s|$)")


def _metadata_date(value: str | None) -> tuple[date | None, str | None, str | None]:
    """(date, HH:MM, warning) from an ISO date or datetime given by metadata."""
    if not value:
        return None, None, None
    m = _ISO.match(ascii_digits(value))
    if not m:
        return None, None, f"published value not understood: {value!r}"
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None, None, f"published value is not a calendar date: {value!r}"
    if not DATE_RANGE[0] <= d <= DATE_RANGE[1]:
        # Year 1 or 9999 is a placeholder, not a date: it has no Jalali twin to show and resolves nothing.
        return None, None, f"published value is outside the years {DATE_RANGE[0].year}–{DATE_RANGE[1].year}: {value!r}"
    hm = f"{int(m.group(4)):02d}:{m.group(5)}" if m.group(4) else None
    return d, hm, None


def process(raw: RawDocument, *, today: date | None = None, options: PipelineOptions | None = None) -> Article:
    options = options or PipelineOptions.from_environment()
    warnings: list[str] = list(raw.warnings)
    tracked = normalize(raw.raw)
    meta_title = normalize(raw.title).text.strip() if raw.title else None
    layout = analyse(tracked, title=meta_title, is_dump=raw.format == "dump")
    body = layout.body
    assert body is not None  # analyse always cuts a body, empty or not
    text = body.text
    title = layout.title
    if not title:
        m = _FIRST_SENTENCE.match(text)
        title = m.group(1) if m else text[:120]
        warnings.append("no title in the input: the first sentence stands in for it")

    published, published_time = None, None
    for candidate in (raw.published, layout.header_date and f"{layout.header_date}T{layout.header_time or ''}"):
        d, hm, problem = _metadata_date(candidate)
        if problem:
            warnings.append(problem)
        if d:
            published, published_time = d, hm
            break
    if published is None and layout.dateline:
        published, published_time = layout.dateline
    elif published is not None and layout.dateline and layout.dateline[0] != published:
        warnings.append(f"dateline says {layout.dateline[0].isoformat()} but metadata says {published.isoformat()}")

    outlet, attributed = outlet_and_attribution(
        metadata_outlet=raw.outlet, header_label=layout.header_label, url=raw.url,
        outlet_hints=layout.outlet_hints, sources=layout.sources, lead=text)

    times: list[TimeValue] = []
    for field_name, value in (("title", title), ("text", text)):
        for tv in find_times(value, published):
            tv.field = field_name
            times.append(tv)
    for removed in layout.removed:
        if removed["reason"] == "dateline" and layout.dateline:
            # The dateline left the body but stays a date the article states; its span is in the raw input.
            times.insert(0, TimeValue(removed["text"].strip(), layout.dateline[0].isoformat(), removed["raw_start"],
                                      removed["raw_end"], "day", "raw"))
            break
    warnings.extend(check_weekdays(text, [t for t in times if t.field == "text"], published))

    estimate = None
    if published is None:
        bounds = estimate_published([t for t in times])
        if bounds:
            estimate = {"earliest": bounds[0], "latest": bounds[1]}
    else:
        today = today or datetime.now().date()
        if (published - today).days > 1:
            warnings.append(f"published date {published.isoformat()} is in the future")

    article = Article(
        id=raw.id,
        title=title,
        text=text,
        outlet=outlet,
        attributed_to=attributed,
        published=published.isoformat() if published else None,
        published_time=published_time,
        published_estimate=estimate,
        times=times,
        warnings=warnings,
        url=raw.url,
        category=raw.category,
        source={"format": raw.format, "origin": raw.origin, "line": raw.line, "content_hash": raw.content_hash},
        raw_offsets=body.anchors(),
        removed=layout.removed,
    )
    if not options.enrich:
        return article
    if len(text) + len(title) > MAX_ENRICH_CHARS:
        article.warnings.append(f"text too long for entity, quote, event and topic extraction ({len(text)} chars;"
                                f" limit {MAX_ENRICH_CHARS})")
        return article
    extract_entities(article, use_tagger=options.use_tagger, ner=options.ner)
    for enrich in ENRICHERS:
        enrich(article)
    return article
