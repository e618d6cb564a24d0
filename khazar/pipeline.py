"""`process(raw) -> Article`: the one function every front end runs (CLI, process pool, Spark).

It runs STAGES in order, each a named step that declares what it requires and provides (checked when this
module loads, so a reordering that would run a stage before its input fails at once):

 1. normalise  raw text → normalised text that keeps its offsets into the raw input
 2. layout     title, body, boilerplate removed, header and dateline
 3. published  the publication date and time: metadata, then the header, then the dateline
 4. outlet     the outlet and whom the article attributes its report to
 5. dates      date expressions in the title and text, weekday checks
 6. estimate   the range of publication dates an undated article allows; a future date is a warning
 7. entities   people, organisations, places, with their roles            ┐ the enrichers: not run on texts over
 8. quotes     who said what                                               │ MAX_ENRICH_CHARS, nor when the
 9. events     what happened where and when, and who took part             │ options say enrich=False
10. topics     what the article is about                                   ┘

Nothing here knows who called it; what may differ between calls (the tagger) comes in a PipelineOptions, and
everything a stage needs is loaded once per process and cached.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from .extract.entities import extract_entities
from .extract.events import extract_events
from .extract.layout import Layout, analyse
from .extract.meta import outlet_and_attribution
from .extract.quotes import extract_quotes
from .extract.times import check_weekdays, estimate_published, find_times
from .extract.topics import extract_topics
from .dates import DATE_RANGE
from .model import Article, RawDocument, TimeValue
from .text.normalize import ascii_digits, normalize
from .text.offsets import TrackedText

# Entity, quote, event and topic extraction grow faster than linearly with the text (~8 s at 100K chars,
# hours at 10 MB); the longest real article is ~50K chars. Longer texts keep their clean text and dates.
MAX_ENRICH_CHARS = 100_000

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


@dataclass
class Work:
    """One article on its way through the stages: the Article being filled, and what the early stages hand on
    that the Article does not keep (the offset-keeping text, the layout, the publication date as a date)."""

    raw: RawDocument
    options: PipelineOptions
    today: date
    article: Article
    tracked: TrackedText | None = None
    meta_title: str | None = None
    layout: Layout | None = None
    published: date | None = None


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[Work], None]
    requires: tuple[str, ...]  # names provided by earlier stages
    provides: tuple[str, ...]
    enriches: bool = False  # one of the extractors that long texts and enrich=False skip

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


def _normalise(work: Work) -> None:
    work.tracked = normalize(work.raw.raw)
    work.meta_title = normalize(work.raw.title).text.strip() if work.raw.title else None


def _layout(work: Work) -> None:
    assert work.tracked is not None
    layout = analyse(work.tracked, title=work.meta_title, is_dump=work.raw.format == "dump")
    body = layout.body
    assert body is not None  # analyse always cuts a body, empty or not
    article = work.article
    article.text = body.text
    article.title = layout.title
    if not article.title:
        m = _FIRST_SENTENCE.match(article.text)
        article.title = m.group(1) if m else article.text[:120]
        article.warnings.append("no title in the input: the first sentence stands in for it")
    article.raw_offsets = body.anchors()
    article.removed = layout.removed
    work.layout = layout


def _published(work: Work) -> None:
    layout = work.layout
    assert layout is not None
    published, published_time = None, None
    for candidate in (work.raw.published, layout.header_date and f"{layout.header_date}T{layout.header_time or ''}"):
        d, hm, problem = _metadata_date(candidate)
        if problem:
            work.article.warnings.append(problem)
        if d:
            published, published_time = d, hm
            break
    if published is None and layout.dateline:
        published, published_time = layout.dateline
    elif published is not None and layout.dateline and layout.dateline[0] != published:
        work.article.warnings.append(f"dateline says {layout.dateline[0].isoformat()} but metadata says {published.isoformat()}")
    work.published = published
    work.article.published = published.isoformat() if published else None
    work.article.published_time = published_time


def _outlet(work: Work) -> None:
    layout, raw = work.layout, work.raw
    assert layout is not None
    work.article.outlet, work.article.attributed_to = outlet_and_attribution(
        metadata_outlet=raw.outlet, header_label=layout.header_label, url=raw.url,
        outlet_hints=layout.outlet_hints, sources=layout.sources, lead=work.article.text)


def _dates(work: Work) -> None:
    layout, article = work.layout, work.article
    assert layout is not None
    times: list[TimeValue] = []
    for field_name, value in (("title", article.title), ("text", article.text)):
        for tv in find_times(value, work.published):
            tv.field = field_name
            times.append(tv)
    for removed in layout.removed:
        if removed["reason"] == "dateline" and layout.dateline:
            # The dateline left the body but stays a date the article states; its span is in the raw input.
            times.insert(0, TimeValue(removed["text"].strip(), layout.dateline[0].isoformat(), removed["raw_start"],
                                      removed["raw_end"], "day", "raw"))
            break
    article.warnings.extend(check_weekdays(article.text, [t for t in times if t.field == "text"], work.published))
    article.times = times


def _estimate(work: Work) -> None:
    if work.published is None:
        bounds = estimate_published(list(work.article.times))
        if bounds:
            work.article.published_estimate = {"earliest": bounds[0], "latest": bounds[1]}
    elif (work.published - work.today).days > 1:
        work.article.warnings.append(f"published date {work.published.isoformat()} is in the future")


def _entities(work: Work) -> None:
    extract_entities(work.article, use_tagger=work.options.use_tagger, ner=work.options.ner)


STAGES: tuple[Stage, ...] = (
    Stage("normalise", _normalise, requires=(), provides=("tracked", "meta_title")),
    Stage("layout", _layout, requires=("tracked", "meta_title"),
          provides=("layout", "title", "text", "raw_offsets", "removed")),
    Stage("published", _published, requires=("layout",), provides=("published", "published_time")),
    Stage("outlet", _outlet, requires=("layout", "text"), provides=("outlet", "attributed_to")),
    Stage("dates", _dates, requires=("layout", "title", "text", "published"), provides=("times",)),
    Stage("estimate", _estimate, requires=("published", "times"), provides=("published_estimate",)),
    Stage("entities", _entities, requires=("title", "text", "times"), provides=("entities",), enriches=True),
    Stage("quotes", lambda work: extract_quotes(work.article), requires=("title", "text", "entities"),
          provides=("quotes",), enriches=True),
    Stage("events", lambda work: extract_events(work.article), requires=("title", "text", "times", "entities"),
          provides=("events",), enriches=True),
    Stage("topics", lambda work: extract_topics(work.article), requires=("title", "text"), provides=("topics",),
          enriches=True),
)


def check_order(stages: tuple[Stage, ...]) -> None:
    """Raise ValueError when a stage requires what no earlier stage provides, or an enricher precedes a
    foundation stage (the enrichers are skipped as a block at the end)."""
    provided: set[str] = set()
    enriching = False
    for stage in stages:
        missing = [name for name in stage.requires if name not in provided]
        if missing:
            raise ValueError(f"stage {stage.name!r} requires {', '.join(missing)}, which no stage before it provides")
        if enriching and not stage.enriches:
            raise ValueError(f"stage {stage.name!r} runs after an enricher: the enrichers come last")
        enriching = stage.enriches
        provided.update(stage.provides)


check_order(STAGES)


def process(raw: RawDocument, *, today: date | None = None, options: PipelineOptions | None = None) -> Article:
    article = Article(id=raw.id, title="", text="", warnings=list(raw.warnings), url=raw.url, category=raw.category,
                      source={"format": raw.format, "origin": raw.origin, "line": raw.line,
                              "content_hash": raw.content_hash})
    work = Work(raw, options or PipelineOptions.from_environment(), today or datetime.now().date(), article)
    for stage in STAGES:
        if stage.enriches and not _enrichable(work):
            break
        stage.run(work)
    return article


def _enrichable(work: Work) -> bool:
    text, title = work.article.text, work.article.title
    if not work.options.enrich:
        return False
    if len(text) + len(title) > MAX_ENRICH_CHARS:
        work.article.warnings.append(f"text too long for entity, quote, event and topic extraction ({len(text)} chars;"
                             f" limit {MAX_ENRICH_CHARS})")
        return False
    return True
