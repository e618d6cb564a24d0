"""The records that flow through khazar: plain dataclasses with a JSON form.

RawDocument (what a reader found) -> Article (what the pipeline made of it), or a Rejection (why not).
The Article's JSON form is the public contract (docs/article.schema.json); keys stay even when empty so
that downstream tools never have to guess.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

# An article id is a URL path segment, a header value and a CLI argument: 1 to ID_MAX_CHARS printable
# characters of any script (ZWNJ and ZWJ included), except white space, control and formatting characters
# (bidi overrides) and / \\ ? # %, and not starting with "." (never "." or ".."), as docs/api.md says. Anything
# else is unreachable once stored, breaks a header or reads differently from what it is.
ID_MAX_CHARS = 200
_ID_PUNCTUATION = set("/\\?#%")
_ID_JOINERS = {"\u200c", "\u200d"}


def _id_char(c: str) -> bool:
    if c in _ID_JOINERS:
        return True
    return c not in _ID_PUNCTUATION and unicodedata.category(c)[0] not in "CZ"  # C*: controls etc., Z*: spaces


def id_problem(value: object) -> str | None:
    """Why `value` cannot be an article id, or None when it can."""
    if not isinstance(value, str) or not value:
        return "an id must be a non-empty string"
    if len(value) > ID_MAX_CHARS:
        return f"an id has at most {ID_MAX_CHARS} characters, this one {len(value)}"
    if value.startswith("."):
        return "an id must not start with '.'"
    bad = next((c for c in value if not _id_char(c)), None)
    if bad is not None:
        return (f"an id has no white space, control or formatting characters and none of / \\ ? # %"
                f" (found {bad!r})")
    return None


def clean_id(value: str) -> str | None:
    """The nearest valid id (runs of other characters become "-"), or None when nothing of it is left."""
    cleaned = re.sub("-{2,}", "-", "".join(c if _id_char(c) else "-" for c in value))
    cleaned = cleaned.lstrip(".-")[:ID_MAX_CHARS].rstrip("-")
    return cleaned if cleaned and id_problem(cleaned) is None else None


@dataclass
class RawDocument:
    """One article as a reader found it, before any cleaning.

    `raw` is the text the body came from: the whole file for a crawler dump, the `text` field of a JSONL
    record, the main text trafilatura took from an HTML page, an entry's content for a feed. Offsets in the
    clean Article text map back into `raw`.
    """

    id: str
    raw: str
    format: str  # dump | jsonl | html | feed
    origin: str  # file the document came from
    line: int | None = None  # 1-based line for JSONL, entry number for feeds
    url: str | None = None
    title: str | None = None  # title given by metadata (JSONL, HTML, feed); dumps carry theirs in `raw`
    published: str | None = None  # ISO date or datetime given by metadata
    outlet: str | None = None  # outlet as metadata names it (JSONL `source`, dump header, site name)
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the reader had to repair; the article keeps them

    @property
    def content_hash(self) -> str:
        # The id is left out on purpose: the same article saved under two names is still one article.
        h = hashlib.sha256()
        for part in (self.title or "", "\x1f", self.raw):
            h.update(part.encode("utf-8", "surrogatepass"))
        return h.hexdigest()


@dataclass
class Rejection:
    """An input that could not become an article, kept with the place and the reason."""

    origin: str
    line: int | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TimeValue:
    """A date expression and its calendar value (ISO 8601: day, month, year or interval)."""

    text: str
    value: str
    start: int
    end: int
    kind: str = "day"
    field: str = "text"  # which Article field the span points into: "text" or "title"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Topic:
    """What an article is about (extract.topics): a taxonomy id, its label, a score in [0, 1] and the keywords
    that were its evidence, strongest first."""

    id: str
    label: str
    score: float
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "score": self.score, "evidence": self.evidence}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | str) -> Topic:
        if isinstance(d, str):  # records stored before topics had labels and scores: the id alone
            d = {"id": d}
        tid = str(d.get("id") or d["label"])
        if not tid:
            raise ValueError("a topic has an id or a label")
        return cls(tid, str(d.get("label") or tid), float(d.get("score") or 0.0),
                   [str(k) for k in d.get("evidence") or []])


def _str(d: dict[str, Any], key: str) -> str:
    value = d[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is not a string")
    return value


def _int(d: dict[str, Any], key: str) -> int:
    value = d[key]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{key} is not a whole number")
    return value


def _str_or_none(d: dict[str, Any], key: str) -> str | None:
    value = d.get(key)
    return value if isinstance(value, str) else None


def _strs(d: dict[str, Any], key: str) -> list[str]:
    return [v for v in d.get(key) or [] if isinstance(v, str)]


@dataclass(slots=True)
class EntityMention:
    """Where an article names an entity: start, end (exclusive) and the words, in its text or title (`field`)."""

    start: int
    end: int
    text: str
    field: str  # "text" or "title"

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "field": self.field}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EntityMention:
        return cls(_int(d, "start"), _int(d, "end"), _str_or_none(d, "text") or "", _str_or_none(d, "field") or "text")


@dataclass(slots=True)
class Entity:
    """A person, organisation or place the article names (extract.entities), with the titles it gives them.

    `id` is the KB id, or x:<hash> of the type and the folded name for a name the KB does not know, the same in every
    article; records stored before the linker gave ids read with their KB id or "name:<name>". `attribution`: named
    only as the source of the story (به گزارش X), the outlet or a credited source, not a subject of the article."""

    id: str
    type: str  # PER, ORG or LOC
    name: str
    name_en: str | None
    kb_id: str | None
    roles: list[str]  # as written
    attribution: bool
    role_keys: list[str]  # kb.roles.role_group of each title in roles, same order
    mentions: list[EntityMention]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "name": self.name, "name_en": self.name_en, "kb_id": self.kb_id,
                "roles": self.roles, "attribution": self.attribution, "role_keys": self.role_keys,
                "mentions": [m.to_dict() for m in self.mentions]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Entity:
        name, kb_id = _str_or_none(d, "name") or "", _str_or_none(d, "kb_id")
        eid = _str_or_none(d, "id") or kb_id or (f"name:{name.strip()}" if name.strip() else None)
        if eid is None:
            raise KeyError("an entity has an id, a KB id or a name")
        return cls(eid, _str_or_none(d, "type") or "", name or eid, _str_or_none(d, "name_en"), kb_id, _strs(d, "roles"),
                   d.get("attribution") is True, _strs(d, "role_keys"), _records(d.get("mentions"), EntityMention.from_dict))


@dataclass(slots=True)
class Span:
    """Where a trigger sits: start, end (exclusive) in the text or title its record's `field` names."""

    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Span:
        return cls(_int(d, "start"), _int(d, "end"))


@dataclass(slots=True)
class Evidence:
    """The sentence a record was read from, with its span."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        return cls(_int(d, "start"), _int(d, "end"), _str(d, "text"))


@dataclass(slots=True)
class EventMention:
    """One trigger of an event (events of one article that are one happening are merged, their triggers kept)."""

    start: int
    end: int
    field: str  # "text" or "title"
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "field": self.field, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EventMention:
        return cls(_int(d, "start"), _int(d, "end"), _str(d, "field"), _str(d, "text"))


@dataclass(slots=True)
class Event:
    """What happened, when and where (extract.events); docs/quotes-events-topics.md says what each field means.
    `date` in the JSON form is `start` again, for readers written before events had a range."""

    type: str
    type_label: str
    label: str
    start: str | None  # ISO dates of the event
    end: str | None
    status: str  # "planned" or "reported"
    place: str | None
    place_kb_id: str | None
    places: list[str]  # the places of an event held in several (place is then None)
    date_source: str | None  # "text", "published", or None without a date
    participants: list[str]
    participant_ids: list[str | None]  # None for a side named only as written
    span: Span  # the trigger
    field: str  # "text" or "title"
    evidence: Evidence  # the sentence
    mentions: list[EventMention]  # every trigger merged into it

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "type_label": self.type_label, "label": self.label, "start": self.start,
                "end": self.end, "date": self.start, "status": self.status, "place": self.place,
                "place_kb_id": self.place_kb_id, "places": self.places, "date_source": self.date_source,
                "participants": self.participants, "participant_ids": self.participant_ids,
                "span": self.span.to_dict(), "field": self.field, "evidence": self.evidence.to_dict(),
                "mentions": [m.to_dict() for m in self.mentions]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Event:
        etype = _str(d, "type")
        participants = _strs(d, "participants")
        ids = [i if isinstance(i, str) else None for i in d.get("participant_ids") or []]
        # records stored before `places` and `date_source` were added read as events of one place, source unsaid
        return cls(etype, _str_or_none(d, "type_label") or etype, _str_or_none(d, "label") or "",
                   _str_or_none(d, "start"), _str_or_none(d, "end"), _str_or_none(d, "status") or "reported",
                   _str_or_none(d, "place"), _str_or_none(d, "place_kb_id"), _strs(d, "places"),
                   _str_or_none(d, "date_source"), participants, (ids + [None] * len(participants))[:len(participants)],
                   Span.from_dict(d["span"]), _str_or_none(d, "field") or "text", Evidence.from_dict(d["evidence"]),
                   _records(d.get("mentions"), EventMention.from_dict))


@dataclass(slots=True)
class Quote:
    """What someone said (extract.quotes): the words, where they are, the verb or mark that reports them, and the
    speaker's entity when it was resolved, with how sure that is; `reason` says why there is no speaker."""

    speaker: str | None
    speaker_kb_id: str | None
    speaker_id: str | None
    speaker_type: str | None  # PER, ORG or LOC (a country standing for its government)
    confidence: float | None
    text: str
    kind: str  # "direct" or "indirect"
    start: int
    end: int
    cue: str
    field: str  # "text" or "title"
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "speaker_kb_id": self.speaker_kb_id, "speaker_id": self.speaker_id,
                "speaker_type": self.speaker_type, "confidence": self.confidence, "text": self.text, "kind": self.kind,
                "start": self.start, "end": self.end, "cue": self.cue, "field": self.field, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Quote:
        confidence = d.get("confidence")
        # records stored before speaker_type and confidence were added read as unknown on both
        return cls(_str_or_none(d, "speaker"), _str_or_none(d, "speaker_kb_id"), _str_or_none(d, "speaker_id"),
                   _str_or_none(d, "speaker_type"),
                   float(confidence) if isinstance(confidence, (int, float)) and not isinstance(confidence, bool) else None,
                   _str(d, "text"), _str(d, "kind"), _int(d, "start"), _int(d, "end"), _str_or_none(d, "cue") or "",
                   _str_or_none(d, "field") or "text", _str_or_none(d, "reason"))


_Record = TypeVar("_Record")


def _records(stored: object, from_dict: Callable[[Any], _Record]) -> list[_Record]:
    """The typed records of a stored list. A record that is malformed (not an object, a required key missing
    or of the wrong kind) is dropped here, so that no reader of an Article has to check its records again."""
    out: list[_Record] = []
    for item in stored if isinstance(stored, list) else []:
        try:
            out.append(from_dict(item))
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
    return out


@dataclass
class Article:
    id: str
    title: str
    text: str
    outlet: dict[str, Any] | None = None
    attributed_to: list[str] = field(default_factory=list)
    published: str | None = None
    published_time: str | None = None
    published_estimate: dict[str, str] | None = None
    times: list[TimeValue] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    url: str | None = None
    category: str | None = None
    source: dict[str, Any] = field(default_factory=dict)
    # Pairs [clean_offset, raw_offset] where the clean-to-raw mapping jumps; see text.offsets.
    raw_offsets: list[list[int]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)  # boilerplate taken out, with its raw span

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "outlet": self.outlet,
            "attributed_to": self.attributed_to,
            "published": self.published,
            "published_time": self.published_time,
            "published_estimate": self.published_estimate,
            "title": self.title,
            "text": self.text,
            "times": [t.to_dict() for t in self.times],
            "entities": [e.to_dict() for e in self.entities],
            "quotes": [q.to_dict() for q in self.quotes],
            "events": [e.to_dict() for e in self.events],
            "topics": [t.to_dict() for t in self.topics],
            "warnings": self.warnings,
            "url": self.url,
            "category": self.category,
            "source": self.source,
            "raw_offsets": self.raw_offsets,
            "removed": self.removed,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Article":
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        known["times"] = _records(d.get("times"), lambda t: TimeValue(**t))
        known["entities"] = _records(d.get("entities"), Entity.from_dict)
        known["quotes"] = _records(d.get("quotes"), Quote.from_dict)
        known["events"] = _records(d.get("events"), Event.from_dict)
        known["topics"] = _records(d.get("topics"), Topic.from_dict)
        return cls(**known)
