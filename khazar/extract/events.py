"""What happened, when and where: events (meetings, visits, summits, exhibitions ...) with their arguments.

Triggers are data (kb/data/events.yaml). For every trigger in a sentence the arguments are taken from the
stretch of the sentence the trigger governs — from the trigger to the next trigger, since Persian puts the
date, the venue and the verb after the event noun ("نخستین اجلاس ... از صبح امروز ... در رشت آغاز شد"):
  * place: a place mention introduced by a venue preposition ("در رشت", "به میزبانی ایران"), or the place a
    trigger template names ("وارد مسکو شد"); seas and continents are not venues;
  * date: a date expression there (article.times), else one that opens the sentence before any trigger;
  * participants: the persons named in that stretch, and the sentence's subject (the persons named before its
    first trigger) where the trigger is the subject's own doing — a verb ("X ... با Y دیدار کرد"), or a noun
    the subject takes part in ("X در نشست ...", "برای دیدار با ...", "در پایان سفر به ..."), not one the
    subject only talks about ("X با اشاره به دیدار ...", anything after a colon);
  * a trigger without a venue takes the place of the one visit in its sentence: "X که به باکو سفر کرده است،
    امروز با Y دیدار کرد" is a meeting in Baku.
Where the stretch names no place, the sentence, "در این شهرستان" or, in the lead, the dateline ("به گزارش فارس از
تبریز،") gives it; a lead's past-tense report without a date is news of its publication day. A sentence opening
with a full date and a comma is a chronology entry, an event whatever its verb.
A trigger with neither a place nor a date is a mention, not an event; it still helps coreference: "این نشست"
after "اجلاس" is that summit, and a mention that names people adds them to the one event of its type the
article reports ("اجلاس با ... به مدیریت X برگزار می‌شود"). Mentions of one event in an article (same type,
compatible place and date) are merged into one event whose date range covers them all.

Output keys (docs/quotes-events-topics.md): type, label, start/end (ISO dates of the event), date (= start),
date_source, status, place, place_kb_id, places (an event of several places), participants, participant_ids, span
(the trigger), evidence (the sentence), mentions (every merged trigger), field.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field as default
from datetime import date
from functools import lru_cache

from .. import kb
from ..kb import get_matcher, load_kb
from ..kb.matcher import KBMatch, PhraseMatcher
from ..model import Article, Entity, EntityMention, Event, EventMention, Evidence, Span
from ..text.fold import name_key, phrase_pattern
from .quotes import cues as speech_cues
from .sentences import Sentence, split_sentences

_ENDINGS = ("های", "ها", "ی", "ای")
_B, _E = r"(?<![\w\u200c])", r"(?![\w\u200c])"
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KIND_RANK = {"port": 0, "free-zone": 0, "district": 0, "island": 1, "city": 1, "region": 2, "province": 3,
              "country": 4}  # the most specific place is the venue


@dataclass(frozen=True)
class Trigger:
    type: str
    before: re.Pattern[str] | None  # for "{place}" templates: the text right before the place
    after: re.Pattern[str] | None  # and right after it
    generic: bool
    length: int
    verbal: bool = False  # ends in a verb: its arguments stand before it
    surface: str | None = None  # the trigger as written in the data file (plain triggers)
    placeless: bool = False  # a phone call or a video conference happens in no one place
    aspect: bool = False  # "آغاز شد": after an event noun it is that event's verb, else an event of its own
    referring: bool = False  # "رویداد": an event only after a demonstrative ("این رویداد")


@dataclass(frozen=True)
class EventData:
    triggers: tuple[Trigger, ...]
    templates: tuple[Trigger, ...]  # the "{place}" triggers
    plain: PhraseMatcher  # every plain trigger, labelled with its index in `triggers`
    nominal: frozenset[str]  # indices of the plain triggers that may carry a plural/ezafe ending
    labels: dict[str, str]
    demonstrative: re.Pattern[str]
    venue_prep: re.Pattern[str]
    host_prep: re.Pattern[str]
    modifier: re.Pattern[str]
    not_venue_kinds: frozenset[str]
    planned: re.Pattern[str]
    subject_cue: re.Pattern[str]
    attribution: re.Pattern[str]
    attended_types: frozenset[str]
    label_stops: frozenset[str]
    label_max_words: int
    entry_comma: re.Pattern[str]
    entry_min_words: int
    dateline_prep: re.Pattern[str]
    place_anaphor: re.Pattern[str]
    place_noun_kinds: dict[str, frozenset[str]]
    past_verb: re.Pattern[str]
    present_verb: re.Pattern[str]
    light_verb: re.Pattern[str]
    own_place_types: frozenset[str]
    party_types: frozenset[str]
    state_act_types: frozenset[str]
    state_words: frozenset[str]
    non_subject_prep: re.Pattern[str]
    content_prep: re.Pattern[str]
    object_marker: re.Pattern[str]
    result_line: re.Pattern[str]
    target_types: frozenset[str]
    target_prep: re.Pattern[str]
    within: re.Pattern[str]
    until: re.Pattern[str]
    object_prep: re.Pattern[str]
    lead_sentences: int
    place_parts: frozenset[str]
    trigger_labels: dict[str, str]


def _result_pattern(scores: list[str], side_words: int) -> re.Pattern[str]:
    score = r"(?:\d{1,2}|" + "|".join(map(re.escape, scores)) + r")"
    side = r"[^\W\d][\w\u200c]*(?:[ \u200c][^\W\d][\w\u200c]*){0,%d}" % (side_words - 1)
    return re.compile(rf"(?P<a>{side})[ ]+{score}[ ]*[-–][ ]*(?P<b>{side})[ ]+{score}")


@lru_cache(maxsize=1)
def event_data() -> EventData:
    data = kb.data("events")
    generic = {w for w in data.get("generic_triggers") or []}
    verb_ends = {name_key(w) for w in data["verb_ends"]}
    aspect = {w for w in data.get("aspect_triggers") or []}
    referring = {w for w in data.get("referring_triggers") or []}
    placeless = {w for w in data.get("placeless_triggers") or []}
    triggers = []
    for etype, spec in data["types"].items():
        for t in spec["triggers"]:
            if "{place}" in t:
                pre, post = (x.strip() for x in t.split("{place}"))
                triggers.append(Trigger(
                    etype,
                    re.compile(_B + phrase_pattern(pre) + r"[\s\u200c]+$"),
                    re.compile(r"^[\s\u200c]*" + phrase_pattern(post) + _E) if post else re.compile(r"^"),
                    False, len(t), True))
            else:
                verbal = name_key(t.split()[-1]) in verb_ends
                triggers.append(Trigger(etype, None, None, t in generic, len(t), verbal, surface=t,
                                        placeless=t in placeless, aspect=t in aspect, referring=t in referring))
    alt = lambda xs: "|".join(phrase_pattern(x) for x in sorted(xs, key=len, reverse=True))
    plain = [(i, t) for i, t in enumerate(triggers) if t.surface is not None]
    surfaces = [(str(t.surface), str(i)) for i, t in plain]
    return EventData(
        triggers=tuple(triggers),
        templates=tuple(t for t in triggers if t.surface is None),
        plain=PhraseMatcher(surfaces, endings=_ENDINGS),
        nominal=frozenset(str(i) for i, t in plain if not t.verbal),
        labels={k: v.get("label", k) for k, v in data["types"].items()},
        demonstrative=re.compile(r"(?:" + alt(data["demonstratives"]) + r")[\s\u200c]+$"),
        venue_prep=re.compile(_B + r"(?:" + alt(data["place_prepositions"]) + r")(?:[\s\u200c]+(?:"
                              + alt(data["venue_partitives"]) + r"))?(?:[\s\u200c]+[\w\u200c]+){0,%d}"
                              r"[\s\u200c]+$" % int(data.get("venue_gap_words", 2))),
        host_prep=re.compile(_B + r"(?:" + alt(data["host_prepositions"]) + r")[\s\u200c]+$"),
        modifier=re.compile(_B + r"(?:" + alt(data["modifier_words"]) + r")[\s\u200c]+$"),
        not_venue_kinds=frozenset(data.get("not_venue_kinds") or []),
        planned=re.compile(_B + r"(?:" + alt(data["planned_cues"]) + r")" + _E),
        subject_cue=re.compile(_B + r"(?:" + alt(data["subject_cues"]) + r")(?:[\s\u200c]+(?:" + alt(data["demonstratives"])
                               + r"))?[\s\u200c]+$"),
        # used with .match(text, sentence start): "^" would only match at the start of the whole text
        attribution=re.compile(r"[\s\u200c]*(?:" + alt(data["attribution_openers"]) + r")[^،,:.]*[،,]"),
        attended_types=frozenset(data["attended_types"]),
        label_stops=frozenset(data.get("label_stops") or []),
        label_max_words=int(data.get("label_max_words", 9)),
        entry_comma=re.compile(r"[\s\u200c]*[" + "".join(data["entry_separators"]) + r"][\s\u200c]*"),
        entry_min_words=int(data["entry_min_words"]),
        dateline_prep=re.compile(_B + r"(?:" + alt(data["dateline_prepositions"]) + r")(?:[\s\u200c]+(?:"
                                 + alt(data["place_nouns"]) + r"))?[\s\u200c]+$"),
        place_anaphor=re.compile(_B + r"(?:" + alt(data["place_prepositions"]) + r")[\s\u200c]+(?:"
                                 + alt(data["demonstratives"]) + r")[\s\u200c]+(" + alt(data["place_nouns"]) + r")" + _E),
        place_noun_kinds={name_key(k): frozenset(v) for k, v in data["place_nouns"].items()},
        past_verb=re.compile(_B + r"(?:" + alt(data["past_verbs"]) + r")(?:ند|ه[\s\u200c]*(?:است|اند|بود|بودند))?" + _E),
        own_place_types=frozenset(data["own_place_types"]),
        party_types=frozenset(data["party_types"]),
        state_act_types=frozenset(data["state_act_types"]),
        state_words=frozenset(name_key(w) for w in data["state_words"]),
        content_prep=re.compile(_B + r"(?:" + alt(data["content_prepositions"]) + r")" + _E),
        non_subject_prep=re.compile(_B + r"(?:" + alt(data["non_subject_prepositions"]) + r")(?:[\s\u200c]+[\w\u200c]+){0,3}"
                                    r"[\s\u200c]+$"),
        object_marker=re.compile(_B + "را" + _E),
        result_line=_result_pattern(data["result_scores"], int(data["result_side_words"])),
        target_types=frozenset(data["target_types"]),
        target_prep=re.compile(_B + r"(?:" + alt(data["target_prepositions"]) + r")(?:[\s\u200c]+[\w\u200c]+){0,%d}"
                               r"[\s\u200c]+$" % int(data.get("venue_gap_words", 2))),
        within=re.compile(r"[\s\u200c]*(?:" + alt(data["place_prepositions"]) + r")(?:[\s\u200c]+(?:"
                          + alt(data["place_nouns"]) + r"))?[\s\u200c]*"),
        until=re.compile(_B + r"(?:" + alt(data["until_words"]) + r")[\s\u200c]+$"),
        object_prep=re.compile(_B + r"(?:" + alt(data["object_prepositions"]) + r")(?:[\s\u200c]+[\w\u200c]+){0,%d}"
                               r"[\s\u200c]+$" % int(data["object_gap_words"])),
        light_verb=re.compile(_B + r"(?:" + alt(data["light_verbs"]) + r")(?:ند|ه)?" + _E),
        present_verb=re.compile(r"(?:" + alt(data["present_prefixes"]) + r")[\s\u200c]\w"),
        lead_sentences=int(data["lead_sentences"]),
        place_parts=frozenset(name_key(w) for w in data["place_parts"]),
        trigger_labels={name_key(t): noun for noun, ts in data["trigger_labels"].items() for t in ts},
    )


@dataclass
class Hit:
    start: int
    end: int
    type: str
    generic: bool
    place: tuple | None = None  # (start, end, entity) from a template
    demonstrative: bool = False
    verbal: bool = False
    placeless: bool = False
    aspect: bool = False
    kind: str = ""  # the trigger's first word as written in the data ("مانور", "آغاز")


@dataclass(frozen=True)
class Named:
    """A participant or a place known only by what the article writes: a side of a match result the tagger did not
    find, the named place inside a described one ("شمال استان مارب"), a KB place no mention names."""
    name: str
    id: str | None = None
    kb_id: str | None = None


@dataclass
class Candidate:
    type: str
    field: str
    span: tuple[int, int]
    sentence: Sentence
    label: str
    start: str | None = None
    end: str | None = None
    place: str | None = None
    place_kb_id: str | None = None
    participants: list[Entity | Named] = default(default_factory=list)
    planned: bool = False
    mentions: list[EventMention] = default(default_factory=list)
    label_detail: int = 0  # _detail of the mention the label, span and evidence come from
    names_its_event: bool = True  # not a bare generic word ("جلسه"), which may mean any meeting
    placeless: bool = False
    places: list[str] = default(default_factory=list)  # an event held in several places ("در سه استان تهران، البرز و قزوین")
    date_source: str | None = None  # "text" (a date expression), "published" (a lead's past-tense report)
    kind: str = ""  # for `other` events: what kind of happening ("مانور", "آغاز"); "" never merges


def _mentions(article: Article, name: str, etype: str) -> list[tuple[int, int, Entity, EntityMention]]:
    out = []
    for ent in article.entities:
        if ent.type != etype:
            continue
        for m in ent.mentions:
            if m.field == name:
                out.append((m.start, m.end, ent, m))
    return sorted(out, key=lambda x: x[0])


def _hits(text: str, sent: Sentence, locs, plain: list[KBMatch]) -> list[Hit]:
    """The triggers of one sentence; ``plain`` are the plain-trigger matches of the whole text (a match never
    crosses a sentence end: punctuation and newlines stay in the matching key)."""
    d = event_data()
    found: list[tuple[int, int, Trigger, tuple | None]] = []
    for m in plain[bisect_left(plain, sent.start, key=lambda x: x.start):]:
        if m.start >= sent.end:
            break
        exact = name_key(m.text)
        for label in m.ids:
            trig = d.triggers[int(label)]
            # a verbal trigger takes no ending: it must spell the match exactly
            if label in d.nominal or name_key(trig.surface) == exact:
                found.append((m.start, m.end, trig, None))
                break
    # locs are in text order: the sentence's are a slice of them, not a scan of the article's for every sentence
    first = bisect_left(locs, sent.start, key=lambda x: x[0])
    last = bisect_left(locs, sent.end, lo=first, key=lambda x: x[0])
    sent_locs = [(s, e, ent) for s, e, ent, _ in locs[first:last] if e <= sent.end]
    for trig in d.templates if sent_locs else ():
        for s, e, ent in sent_locs:
            assert trig.before is not None and trig.after is not None  # a template has both
            # the anchored match after the place first: the search before it scans the sentence up to the place
            a = trig.after.match(text[e:sent.end])
            b = trig.before.search(text[sent.start:s]) if a else None
            if b and a:
                found.append((sent.start + b.start(), e + a.end(), trig, (s, e, ent)))
    found.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
    taken: list[tuple[int, int]] = []
    hits: list[Hit] = []
    for s, e, trig, place in found:
        if any(s < te and ts < e for ts, te in taken):
            continue
        taken.append((s, e))
        demo = bool(event_data().demonstrative.search(text[max(sent.start, s - 12):s]))
        if trig.referring and not demo:
            continue  # "رویدادهای امروز" are any happenings; "این رویداد" is the event just mentioned
        kind = name_key((trig.surface or "").split()[0]) if trig.surface else trig.type
        hits.append(Hit(s, e, trig.type, trig.generic, place, demo, trig.verbal, trig.placeless, trig.aspect, kind))
    return sorted(hits, key=lambda h: h.start)


def _inside(pos: int, spans) -> bool:
    return any(s <= pos < e for s, e in spans)


def _venue(text: str, a: int, b: int, locs, per_spans, paren_spans, etype: str | None = None,
           trigger_spans=()) -> tuple | None:
    d = event_data()
    kb = load_kb()
    found: list[tuple[tuple, tuple]] = []  # (rank, (start, end, entity)) in text order
    for s, e, ent, _ in locs:
        if not (a <= s and e <= b) or _inside(s, per_spans) or _inside(s, paren_spans):
            continue
        rec = kb.get(ent.kb_id) if ent.kb_id else None
        if _not_venue(ent, etype):
            continue
        before = text[max(0, s - 40):s]
        m = d.venue_prep.search(before)
        if m and any(s - len(before) + m.start() <= ts < s for ts, _ in trigger_spans):
            continue  # "در مذاکرات ایران و روسیه": the place qualifies an event noun, it is no venue
        if m or (etype in d.target_types and d.target_prep.search(before)):
            prep = 0
        elif d.host_prep.search(before):
            prep = 1
        else:
            continue
        # "در" before "به میزبانی"; a known place before an unknown one; a city before its country
        found.append(((prep, rec is None, _KIND_RANK.get(rec.kind, 2) if rec else 2, -s), (s, e, ent)))
    # "در پایگاه هوایی العند در استان لحج": the second place only says where the first one is
    inner = {id(y) for (_, x), (_, y) in zip(found, found[1:]) if d.within.fullmatch(text, x[1], y[0])}
    return min(((r, v) for r, v in found if id(v) not in inner), default=(None, None), key=lambda x: x[0])[1]


def _paren_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\([^()]*\)", text)]


def _label(text: str, h: Hit, limit: int, per_spans) -> str:
    """The event's short name: the trigger and the words after it, up to a stop word, a number, punctuation or
    a person ("نشست صمیمی", not "نشست صمیمی سید عباس عراقچی وزیر امور خارجه": the people are participants)."""
    d = event_data()
    words: list[str] = []
    # read token by token (a label is a few words, its clause may be long), one token ahead
    tokens = _LABEL_TOKEN.finditer(text, h.start, limit)
    m = next(tokens, None)
    while m is not None:
        following = next(tokens, None)
        w = m.group(0)
        if not w[0].isalnum() and w[0] != "\u200c":
            break
        at = m.start()
        nxt = following.start() if following is not None else None
        if words and (w in d.label_stops or w[0].isdigit() or len(words) >= d.label_max_words
                      or _inside(at, per_spans) or _verb_at(text, at)
                      # the noun of a compound verb: "بیانیه‌ای تأیید کرد" ends at بیانیه‌ای
                      or (nxt is not None and d.light_verb.match(text, nxt))):
            break
        words.append(w)
        m = following
    return " ".join(words) or text[h.start:h.end]


_LABEL_TOKEN = re.compile(r"[\w\u200c]+|[^\w\s\u200c]")
_CLAUSE_TOKEN = re.compile(r"[\w\u200c]+|:")


def _clause_end(text: str, start: int, limit: int, statement: bool = False) -> int:
    """The end of the first verb (or the colon) after `start`, else `limit`. A verb of saying always ends the clause
    (what follows is what was said), and so does any verb after a statement ("با صدور بیانیه‌ای تأیید کرد که ...");
    another verb followed by "که" does not: the relative clause describes the event ("اجلاس ... برگزار می‌شود که
    پنل عمومی به مدیریت X ...")."""
    for m in _CLAUSE_TOKEN.finditer(text, start, limit):
        at = m.start()
        if m.group(0) == ":":
            return at
        said = speech_cues().verb.match(text, at)
        if said:
            return said.end()
        verb = event_data().past_verb.match(text, at)
        if verb or event_data().present_verb.match(text, at):  # _verb_at, the verb of saying already ruled out
            end = verb.end() if verb else m.end()
            if statement or not re.match(r"[\s\u200c]*که" + _E, text[end:limit]):
                return end
    return limit


def _verb_at(text: str, at: int) -> bool:
    """A verb starts here: a past one ("شد", "گفت"), a verb of saying, or a present one ("می‌دهد")."""
    d = event_data()
    return bool(d.past_verb.match(text, at) or speech_cues().verb.match(text, at) or d.present_verb.match(text, at))


def _reference_date(article: Article) -> date | None:
    """The date relative expressions count from: publication, else a dateline date opening the text."""
    for value in [article.published] + [t.value for t in article.times
                                        if t.field == "text" and t.start < 5 and t.kind == "day"]:
        if value and re.match(r"^\d{4}-\d{2}-\d{2}$", value[:10]):
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


def _times_for(article: Article, name: str, text: str) -> list[tuple[int, int, str]]:
    times = [(t.start, t.end, t.value) for t in article.times if t.field == name and "T" not in t.value]
    if article.published is None:
        ref = _reference_date(article)
        if ref is not None:
            # Without a publication date the date finder could not resolve "روز سه‌شنبه"; the dateline can.
            from .times import find_times

            times = [(t.start, t.end, t.value) for t in find_times(text, ref) if "T" not in t.value]
    return times


def _split_value(value: str) -> tuple[str, str]:
    if "/" in value:
        a, b = value.split("/", 1)
        return a, b
    return value, value


def _subject(text: str, sent: Sentence, first_trigger: int, pers, orgs, parens, sent_times) -> list[tuple[int, Entity]]:
    """(mention end, entity) for the sentence's subject, after any "به گزارش ایرنا،" opener: the persons and the
    organisations named before its first trigger ("بانک مرکزی نرخ بهره را ...", "مدیر کل سازمان جهانی بهداشت ...
    در کنفرانسی خبری"), but not an organisation after a preposition ("با اشاره به اقدامات بنیاد ...") nor an outlet."""
    d = event_data()
    clause_start = _clause_start(text, sent, first_trigger, sent_times)
    out: list[tuple[int, Entity]] = []
    for s, e, ent, _ in orgs:
        # the subject's organisation ("مدیر کل سازمان جهانی بهداشت", "یگان پهپادی ارتش یمن"), not one after a
        # preposition ("با اشاره به اقدامات بنیاد ...")
        if clause_start <= s and e <= first_trigger and not _inside(s, parens) and not _is_outlet(ent) \
                and not d.non_subject_prep.search(text, max(clause_start, s - 40), s) \
                and all(ent is not other for _, other in out):
            out.append((e, ent))
    for s, e, ent, _ in pers:
        if clause_start <= s and e <= first_trigger and not _inside(s, parens) \
                and all(ent is not other for _, other in out):
            out.append((e, ent))
    return out


def _clause_start(text: str, sent: Sentence, first_trigger: int, sent_times) -> int:
    """Where the sentence's own clause starts: after an opener ("به گزارش ایرنا،") or a chronology date ("9 بهمن
    1393،")."""
    d = event_data()
    m = d.attribution.match(text, sent.start, first_trigger)
    clause_start = m.end() if m else sent.start
    dated = next((t for t in sent_times if t[0] - clause_start <= 2), None)
    comma = d.entry_comma.match(text, dated[1], first_trigger) if dated is not None else None
    if comma:
        clause_start = comma.end()
    return clause_start


def _acting_state(text: str, start: int, limit: int, locs) -> tuple | None:
    """The country the clause at `start` opens with, alone or as its government ("مغولستان ... مرزها را بست",
    "دولت چین ... را تمدید کرد"): a state acting, in its own territory."""
    kb = load_kb()
    for s, e, ent, _ in locs:
        if s < start or e > limit:
            continue
        rec = kb.get(ent.kb_id or "")
        head = text[start:s].strip(" \u200c«\"'")
        if rec is not None and rec.kind == "country" and (not head or name_key(head) in event_data().state_words):
            return s, e, ent
        return None
    return None


def _is_outlet(ent: Entity) -> bool:
    """A news outlet named before the event reports it ("به گزارش خبرگزاری صدا و سیما"); it is no subject."""
    return ent.attribution or (ent.kb_id or "").startswith("out:")


def _opening_org(text: str, start: int, limit: int, orgs) -> tuple[int, Entity] | None:
    """(mention end, organisation) of the organisation the clause at `start` opens with, if any."""
    for s, e, ent, _ in orgs:
        if start <= s and e <= limit and not text[start:s].strip(" \u200c«\"'"):
            return e, ent
    return None


def _objects(text: str, a: int, b: int, orgs, trigger_start: int) -> list[Entity]:
    """Organisations in [a, b) an event is held with: "گفت‌وگو با خبرنگار فارس" (the preposition may be part of the
    trigger), "دیدار با هیئت اتحادیه اروپا" (the object preposition, then at most `object_gap_words` words)."""
    d = event_data()
    return [ent for s, _, ent, _ in orgs
            if a <= s < b and d.object_prep.search(text, max(min(a, trigger_start), s - 40), s)]


def _parties(text: str, a: int, b: int, locs, venue: tuple | None) -> list[Entity]:
    """Countries named as the parties of an event noun, coordinated in its stretch: "موافقتنامه بازرگانی ایران و
    ایتالیا", "مذاکرات ایران و روسیه"; not its venue."""
    kb = load_kb()
    countries = [(s, e, ent) for s, e, ent, _ in locs if a <= s and e <= b and (venue is None or s != venue[0])
                 and (rec := kb.get(ent.kb_id or "")) is not None and rec.kind == "country"]
    out: list[Entity] = []
    for (_, e1, x), (s2, _, y) in zip(countries, countries[1:]):
        if x is not y and re.fullmatch(r"[\s\u200c]*(?:و|[،,])[\s\u200c]*", text[e1:s2]):
            out += [p for p in (x, y) if all(p is not q for q in out)]
    return out


def _reported(text: str, h: Hit, subject_end: int, sent_end: int) -> bool:
    """Is the trigger inside what the subject reports: "X از Y خبر داد" with the trigger in Y?"""
    return bool(event_data().content_prep.search(text, subject_end, h.start)
                and speech_cues().verb.search(text, h.end, sent_end))


def _takes_subject(text: str, heads: list[Hit], k: int, cued: list[bool], subject_end: int, sent_end: int) -> bool:
    """Is the subject a participant of heads[k]: its verb, a noun after a participation cue ("در", "برای"), or
    a noun that continues such a noun ("در نشست خبری نخستین اجلاس": the summit's press conference)?"""
    h = heads[k]
    if h.verbal:
        return True
    d = event_data()
    if _reported(text, h, subject_end, sent_end):
        return False  # "الجزیره از کشته شدن 13 پلیس در حمله ... خبر داد": the attack is what it reports
    if d.subject_cue.search(text[max(0, h.start - 40):h.start]):
        return True
    if k and cued[k - 1]:
        gap = text[heads[k - 1].end:h.start]
        return len(re.findall(r"[\w\u200c]+", gap)) <= 2 and not re.search(r"[،,:؛.«»]", gap)
    return False


def _dateline(text: str, sentences: list[Sentence], locs) -> tuple[tuple | None, int]:
    """(the place an agency report is filed from, the end of the lead): "به گزارش خبرگزاری فارس از تبریز، ..." in
    the opener of one of the first sentences; the lead runs to the end of that sentence, else of the first one."""
    d = event_data()
    for sent in sentences[:d.lead_sentences]:
        m = d.attribution.match(text, sent.start, sent.end)
        if not m:
            continue
        for s, e, ent, _ in locs:
            if m.start() <= s and e <= m.end() and d.dateline_prep.search(text[max(m.start(), s - 30):s]):
                return (s, e, ent), sent.end
    return None, (sentences[0].end if sentences else 0)


def _own_place(text: str, h: Hit, limit: int, locs, org_spans) -> tuple | None:
    """A place named right after the event noun, at most one word on ("خطبه‌های نماز جمعه زیراب", "نمایشگاه کتاب
    تهران"); not one inside an organisation's name ("نمایشگاه بین‌المللی تهران" the company)."""
    d = event_data()
    for s, e, ent, _ in locs:
        if s < h.end:
            continue
        if s >= limit:
            return None
        gap = text[h.end:s]
        words = re.findall(r"[\w\u200c]+", gap)
        if len(words) > 1 or re.search(r"[^\w\s\u200c]", gap) or any(w in d.label_stops for w in words) \
                or _inside(s, org_spans) or _not_venue(ent, h.type):
            return None
        return s, e, ent
    return None


def _not_venue(ent: Entity, etype: str | None) -> bool:
    """A sea or a continent is no venue of a gathering ("در حاشیه خزر"); an exercise or an attack may be at sea."""
    d = event_data()
    if etype is not None and etype not in d.attended_types:
        return False
    rec = load_kb().get(ent.kb_id) if ent.kb_id else None
    return rec is not None and rec.kind in d.not_venue_kinds


def _context_place(text: str, sent: Sentence, locs, per_spans, parens, claimed: set, dateline,
                   cand: Candidate, unplaced: list[Candidate], hit_spans) -> tuple | None:
    """The place of an event whose own stretch names none: a venue elsewhere in its sentence that no other event of
    the sentence took, for the placeless event nearest to it ("... تأیید کرد که پایگاه‌ها در عراق هدف حمله قرار
    گرفت": the attack's, not the statement's); "در این شهرستان" (the dateline's place or the last place of that kind
    named before); else the dateline's place for an event of the lead."""
    venue = _venue(text, sent.start, sent.end, locs, per_spans, parens, cand.type, hit_spans)
    if venue and venue[2].name not in claimed:
        def distance(c: Candidate) -> int:
            return min(abs(venue[0] - c.span[0]), abs(venue[0] - c.span[1]))
        if min(unplaced, key=distance) is cand:
            return venue
    d = event_data()
    m = d.place_anaphor.search(text, sent.start, sent.end)
    if m:
        kinds = d.place_noun_kinds.get(name_key(m.group(1)), frozenset())
        kb = load_kb()

        def fits(ent: Entity) -> bool:
            rec = kb.get(ent.kb_id) if ent.kb_id else None
            return rec is None or rec.kind in kinds

        if dateline and fits(dateline[2]):
            return dateline
        before = [(s, e, ent) for s, e, ent, _ in locs if e <= m.start() and fits(ent)]
        if before:
            return before[-1]
    return dateline


def _base_place(ent: Entity, locs) -> Entity | Named:
    """The named place inside a described one: "شمال استان مارب" is in the article's استان مارب, "جنوب غرب موصل"
    in موصل, "منطقه حوزه دریای بالتیک" in دریای بالتیک — another place of the article, else a KB place."""
    d = event_data()
    words = ent.name.split()
    part = None  # the words after the last part word ("شمال"): the named place when nothing else knows it
    for i in range(1, len(words)):
        first = name_key(words[i - 1])
        if first not in d.place_parts and first not in d.place_noun_kinds:
            break
        rest = " ".join(words[i:])
        if first in d.place_parts:
            part = rest
        key = name_key(rest)
        for _, _, other, m in locs:
            if other is not ent and key in {name_key(other.name), name_key(m.text)}:
                return other
        found = get_matcher().find(rest)
        if len(found) == 1 and found[0].start == 0 and found[0].end == len(rest) and len(found[0].ids) == 1:
            rec = load_kb().get(found[0].ids[0])
            if rec is not None and rec.type == "LOC":
                return Named(rec.name, kb_id=rec.id)
    return Named(part) if part else ent


def _set_place(cand: Candidate, text: str, venue: tuple, locs) -> None:
    """The event's place; places coordinated with it ("در سه استان تهران، البرز و قزوین") make it an event of
    several places, with no one place."""
    base = _base_place(venue[2], locs)
    chain: list[Entity | Named] = [base]
    end = venue[1]
    for s, e, ent, _ in locs:
        if s < end:
            continue
        if not re.fullmatch(r"[\s\u200c]*(?:[،,]|و)[\s\u200c]*", text[end:s]):
            break
        if all(ent is not c for c in chain):
            chain.append(ent)
        end = e
    if len(chain) > 1:
        cand.place, cand.place_kb_id = None, None
        cand.places = [c.name for c in chain]
    else:
        cand.place, cand.place_kb_id = base.name, base.kb_id


def _result_line(article: Article, name: str, text: str, sent: Sentence, orgs) -> Candidate | None:
    """A line "TEAM N - TEAM M" ("داماش گیلان یک - فجر سپاسی صفر") reports a match played: an `other` event between
    the two sides, of the publication day (results are the day's news) unless the line gives a date."""
    # the score's dash first: a sentence without one is no result, and the pattern backtracks over its words
    if "-" not in sent.text and "–" not in sent.text:
        return None
    m = event_data().result_line.fullmatch(sent.text)
    if m is None or not article.published:
        return None
    cand = Candidate("other", name, (sent.start, sent.end), sent, sent.text)
    for side in ("a", "b"):
        s, e = sent.start + m.start(side), sent.start + m.end(side)
        # the side as the tagger found it when it found all of it, else as written ("مس کرمان" is not کرمان)
        ent = next((ent for ms, me, ent, _ in orgs if (ms, me) == (s, e)), None)
        cand.participants.append(ent or Named(text[s:e]))
    cand.start = cand.end = article.published[:10]
    cand.date_source = "published"
    cand.mentions.append(EventMention(sent.start, sent.end, name, sent.text))
    return cand


def _dated_entry(article: Article, name: str, text: str, sent: Sentence, sent_times, locs, pers, orgs, per_spans,
                 parens) -> Candidate | None:
    """A sentence that opens with a full date and a comma reports what happened that day, whatever its verb: the
    entries of a chronology ("9 بهمن 1331، دکتر مصدق ... اطلاع داد که ...", "on this day" columns, timelines).
    Its type is `statement` when its verb is one of saying, else `other`; its label is the clause."""
    d = event_data()
    opener = next(((s, e, v) for s, e, v in sent_times if s - sent.start <= 2), None)
    comma = d.entry_comma.match(text, opener[1], sent.end) if opener is not None else None
    if opener is None or not _FULL_DATE.match(opener[2]) or comma is None:
        return None
    clause_start = comma.end()
    if any(abs(t[0] - clause_start) <= 1 for t in sent_times) or text[clause_start:clause_start + 1].isdigit():
        return None  # "۱۳ دی ماه ۱۳۹۸ ، هفتم جمادی الاول ۱۴۴۱ و ...": the same day in other calendars, not an entry
    clause = text[clause_start:sent.end]
    words = re.findall(r"[^\s،,:؛.]+", re.split(r"[،,:؛]", clause, maxsplit=1)[0])
    if len(words) < d.entry_min_words:
        return None
    label = " ".join(words[:d.label_max_words]) + (" …" if len(words) > d.label_max_words else "")
    etype = "statement" if speech_cues().verb.search(clause) else "other"
    cand = Candidate(etype, name, (clause_start, sent.end), sent, label, *_split_value(opener[2]))
    cand.date_source = "text"
    venue = _venue(text, clause_start, sent.end, locs, per_spans, parens, etype)
    if venue:
        _set_place(cand, text, venue, locs)
    opening = _opening_org(text, clause_start, sent.end, orgs)
    if opening is not None:
        cand.participants.append(opening[1])
    for s, _, ent, _ in pers:
        if clause_start <= s < sent.end and not _inside(s, parens) and ent not in cand.participants:
            cand.participants.append(ent)
    cand.participants += [p for p in _parties(text, clause_start, sent.end, locs, venue) if p not in cand.participants]
    cand.mentions.append(EventMention(opener[0], sent.end, name, text[opener[0]:sent.end]))
    return cand


def _candidates(article: Article, name: str, text: str) -> tuple[list[Candidate], list[Candidate]]:
    """(events, mentions): a trigger with a date or a venue is an event; one with neither is a mention."""
    locs = _mentions(article, name, "LOC")
    pers = _mentions(article, name, "PER")
    per_spans = [(s, e) for s, e, _, _ in pers]
    parens = _paren_spans(text)
    times = _times_for(article, name, text)
    orgs = _mentions(article, name, "ORG")
    org_spans = [(s, e) for s, e, _, _ in orgs]
    d = event_data()
    plain = d.plain.find(text)
    out: list[Candidate] = []
    mentions: list[Candidate] = []
    last_type: str | None = None
    sentences = split_sentences(text)
    dateline, lead_end = _dateline(text, sentences, locs)
    for sent in sentences:
        hits = _hits(text, sent, locs, plain)
        sent_times = [t for t in times if sent.start <= t[0] < sent.end]
        # a date in parentheses glosses the one before it ("ماه دسامبر 2019 (دی‌ماه)"); one after "تا" is where
        # something ends ("حذف هزاران شغل تا پایان سال 2022"), not when the event happens
        event_times = [t for t in sent_times if not d.until.search(text, max(0, t[0] - 12), t[0])
                       and not (_inside(t[0], parens) and any(u[1] <= t[0] for u in sent_times))]
        result = _result_line(article, name, text, sent, orgs)
        if result is not None:
            out.append(result)
            continue
        if not hits:
            entry = _dated_entry(article, name, text, sent, sent_times, locs, pers, orgs, per_spans, parens)
            if entry is not None:
                out.append(entry)
            continue
        opening = [t for t in event_times if t[0] < hits[0].start]
        hit_spans = [(h.start, h.end) for h in hits]
        # what follows "گفت:" is what was said: its tense and plans are not the narrative's
        colon = text.find(":", sent.start, sent.end)
        narrative_end = colon if colon >= 0 and colon > hits[0].start else sent.end
        planned = bool(d.planned.search(text, sent.start, narrative_end))
        # a trigger that only describes the one before it ("جلسه هماهنگی برگزاری اجلاس") hands it its stretch
        heads: list[Hit] = []
        for h in hits:
            if heads and d.modifier.search(text[max(heads[-1].end, h.start - 20):h.start]) \
                    and len(re.findall(r"[\w\u200c]+", text[heads[-1].end:h.start])) <= 4 \
                    and not re.search(r"[،,:؛.]", text[heads[-1].end:h.start]):
                continue
            if heads and h.aspect and not heads[-1].verbal and not re.search(r"[:؛.]", text[heads[-1].end:h.start]) \
                    and _clause_end(text, heads[-1].end, h.start) == h.start:
                continue  # "مانورهای ناتو ... آغاز شد": the verb of the exercise, not a second event
            heads.append(h)
        # a noun that is the object of an attack's verb is its target, not an event ("تجمع فرماندهان را ... مورد
        # حمله قرار داد")
        heads = [h for k, h in enumerate(heads)
                 if not (k + 1 < len(heads) and heads[k + 1].verbal and not h.verbal and heads[k + 1].type in d.target_types
                         and d.object_marker.search(text, h.end, heads[k + 1].start)
                         and not re.search(r"[،,:؛.]", text[h.end:heads[k + 1].start]))]
        subject = _subject(text, sent, heads[0].start, pers, orgs, parens, sent_times)
        cued: list[bool] = []
        reported: list[bool] = []  # in what the subject reports ("X از حمله ... خبر داد")
        # (candidate, has a date or a venue of its own, its trigger is a verb)
        sentence_cands: list[tuple[Candidate, bool, bool]] = []
        for k, h in enumerate(heads):
            limit = heads[k + 1].start if k + 1 < len(heads) else sent.end
            if h.verbal:
                # "... با رییس جمهوری آذربایجان دیدار کرد": the clause before the verb
                seg_start, limit = (heads[k - 1].end if k else sent.start), h.end
            else:
                seg_start = h.end
                # an event noun's arguments stand in its clause: up to its verb ("... در رشت آغاز شد"), not in what
                # follows "گفت:" or "تأیید کرد که ..."
                limit = _clause_end(text, h.end, limit, h.type == "statement")
            etype = h.type
            if h.generic and h.demonstrative and last_type:
                etype = last_type  # "این نشست" is the summit already mentioned
            last_type = etype
            subject_end = max((e for e, _ in subject), default=sent.start)
            cued.append(_takes_subject(text, heads, k, cued, subject_end, sent.end))
            reported.append(not h.verbal and _reported(text, h, subject_end, sent.end))
            own = [t for t in event_times if seg_start <= t[0] < limit]
            lead_in = [t for t in event_times if (heads[k - 1].end if k else sent.start) <= t[0] < h.start]
            when: str | None
            if cued[-1] and not h.verbal and lead_in:
                when = lead_in[-1][2]  # "X صبح امروز در جمع خبرنگاران ...": the subject's date is the event's
            elif own:
                # a verb's date is the one nearest before it ("X که در ماه آوریل متهم شده بود، روز شنبه وارد مسکو شد")
                when = own[-1 if h.verbal else 0][2]
            else:
                when = opening[0][2] if opening else None
            venue = state = None
            if not h.placeless:
                venue = h.place or _venue(text, seg_start, limit, locs, per_spans, parens, etype, hit_spans)
                if venue is None and not h.verbal and etype in d.own_place_types:
                    venue = _own_place(text, h, limit, locs, org_spans)
                if venue is None and h.verbal and k == 0 and etype in d.state_act_types:
                    venue = _acting_state(text, _clause_start(text, sent, h.start, sent_times), h.start, locs)
                    state = venue
            cand = Candidate(etype, name, (h.start, h.end), sent, _label(text, h, limit, per_spans))
            cand.placeless, cand.kind = h.placeless, h.kind
            if when:
                cand.start, cand.end = _split_value(when)
                cand.date_source = "text"
            if venue:
                _set_place(cand, text, venue, locs)
            if cued[-1]:
                # the subject, unless the trigger stands in what the subject is quoted as saying
                cand.participants = [p for e, p in subject if ":" not in text[e:h.start]]
            for s, _, ent, _ in pers:
                if seg_start <= s < limit and ent not in cand.participants:
                    cand.participants.append(ent)
            if state is not None and state[2] not in cand.participants:
                cand.participants.insert(0, state[2])
            cand.participants += [p for p in _objects(text, seg_start, limit, orgs, h.start) if p not in cand.participants]
            if etype in d.party_types:
                cand.participants += [p for p in _parties(text, seg_start, limit, locs, venue)
                                      if p not in cand.participants]
            cand.planned = planned
            cand.names_its_event = h.demonstrative or not h.generic
            cand.mentions.append(EventMention(h.start, h.end, name, text[h.start:h.end]))
            sentence_cands.append((cand, bool(when or venue), h.verbal))
        visits = {(c.place, c.place_kb_id) for c, _, _ in sentence_cands if c.type == "visit" and c.place}
        for cand, _, verbal in sentence_cands:
            if not cand.place and not cand.places and not cand.placeless and len(visits) == 1:
                cand.place, cand.place_kb_id = next(iter(visits))
            # a verb or a word for the people in it names no event ("وارد مسکو شد", "دیدار کرد", "معترضان"): its noun
            # does ("اعلام کرد": اعلام), else the type, with the visit's destination
            noun = d.trigger_labels.get(name_key(text[cand.span[0]:cand.span[1]]))
            if noun:
                cand.label = noun
            elif verbal:
                cand.label = d.labels[cand.type] + (f" به {cand.place}" if cand.type == "visit" and cand.place else "")
        in_lead = name == "title" or sent.start < lead_end
        past = not planned and bool(d.past_verb.search(text, sent.start, narrative_end))
        claimed = {c.place for c, _, _ in sentence_cands if c.place}
        unplaced = [c for c, _, _ in sentence_cands if not c.place and not c.places and not c.placeless]
        for (cand, anchored, verbal), took_subject, news in zip(sentence_cands, cued, reported):
            anchored = anchored or bool(cand.place)  # its own venue, or the place of the visit in its sentence
            if cand in unplaced:
                place = _context_place(text, sent, locs, per_spans, parens, claimed, dateline if in_lead else None,
                                       cand, unplaced, hit_spans)
                if place:
                    _set_place(cand, text, place, locs)
            if not cand.start and in_lead and past and (verbal or took_subject or news) and article.published \
                    and ":" not in text[sent.start:cand.span[0]]:
                # the lead's past-tense report: the date its sentence gives ("X فعالیت خود را آغاز کرد و ... از
                # چهارشنبه ۷ اسفند ..."), else the day it was published
                stated = [t for t in event_times if t[0] < narrative_end]
                if stated:
                    cand.start, cand.end = _split_value(stated[0][2])
                    cand.date_source = "text"
                else:
                    cand.start = cand.end = article.published[:10]
                    cand.date_source = "published"
                anchored = True
            (out if anchored else mentions).append(cand)
    return out, mentions


def _dates_compatible(a: Candidate, b: Candidate) -> bool:
    if not a.start or not b.start:
        return True
    a0, a1, b0, b1 = a.start, a.end or a.start, b.start, b.end or b.start
    # compare on the shorter precision: "2025-11" covers "2025-11-18"
    n = min(len(a0), len(b0))
    return a0[:n] <= b1[:n] and b0[:n] <= a1[:n]


def _precise_min(x: str | None, y: str | None) -> str | None:
    if not x or not y:
        return x or y
    if x.startswith(y) or y.startswith(x):
        return x if len(x) >= len(y) else y
    return min(x, y)


def _precise_max(x: str | None, y: str | None) -> str | None:
    if not x or not y:
        return x or y
    if x.startswith(y) or y.startswith(x):
        return x if len(x) >= len(y) else y
    return max(x, y)


def _ancestors(kb_id: str | None) -> list[str]:
    kb = load_kb()
    chain = []
    while kb_id and kb_id not in chain:
        chain.append(kb_id)
        rec = kb.get(kb_id)
        kb_id = rec.parent if rec else None
    return chain


def _places_compatible(a: Candidate, b: Candidate) -> bool | None:
    """True/False when both have a place (the same, or one inside the other), None when one has none."""
    if not a.place or not b.place:
        return None
    if a.place == b.place:
        return True
    if a.place_kb_id and b.place_kb_id:
        return a.place_kb_id in _ancestors(b.place_kb_id) or b.place_kb_id in _ancestors(a.place_kb_id)
    return False


def _same_event(a: Candidate, b: Candidate) -> bool:
    if a.type != b.type or (a.type == "other" and (not a.kind or a.kind != b.kind)):
        return False  # `other` gathers unlike happenings: a launch and a ceremony of one day are two events
    places = _places_compatible(a, b)
    if places is False or not _dates_compatible(a, b):
        return False
    # one positive agreement is needed: a place alone and a date alone are not the same event
    return bool(places) or bool(a.start and b.start)


def _detail(c: Candidate) -> int:
    """How much one mention says about its event (its own date, place and people), for choosing its label."""
    return bool(c.start) + bool(c.place) + bool(c.participants)


def _merge(cands: list[Candidate]) -> list[Candidate]:
    merged: list[Candidate] = []
    for c in cands:
        target = next((m for m in merged if _same_event(m, c)), None)
        if target is None:
            c.label_detail = _detail(c)
            merged.append(c)
            continue
        if _detail(c) > target.label_detail:
            target.label_detail = _detail(c)
            # the label, trigger and evidence come from the mention that says most ("... وارد مسکو شد"), not
            # from the first one ("این سفرها")
            target.label, target.span, target.sentence, target.field = c.label, c.span, c.sentence, c.field
        if c.start and (not target.start or target.date_source == "published"):
            target.date_source = c.date_source  # a date the text states beats the publication date
        target.start = _precise_min(target.start, c.start)
        target.end = _precise_max(target.end, c.end)
        if c.place and (not target.place or (c.place_kb_id and target.place_kb_id and c.place_kb_id != target.place_kb_id
                                             and target.place_kb_id in _ancestors(c.place_kb_id))):
            target.place, target.place_kb_id = c.place, c.place_kb_id  # keep the most specific place
        for p in c.participants:
            if p not in target.participants:
                target.participants.append(p)
        target.planned = target.planned or c.planned  # "اجلاس آتی" once is enough
        target.mentions.extend(c.mentions)
    return merged


def _attach(events: list[Candidate], mentions: list[Candidate]) -> None:
    """A mention of a gathering that names people adds them to the article's one event of its type (none when
    there are several: which one it means is unknown). People named near an election or an attack are not
    taking part in it, and a bare "جلسه" may be any meeting."""
    attended = event_data().attended_types
    for m in mentions:
        same = [e for e in events if e.type == m.type]
        if len(same) != 1 or not m.participants or m.type not in attended or not m.names_its_event:
            continue
        target = same[0]
        for p in m.participants:
            if p not in target.participants:
                target.participants.append(p)
        target.mentions.extend(m.mentions)


def find_events(article: Article) -> list[Event]:
    cands: list[Candidate] = []
    mentions: list[Candidate] = []
    for name, text in (("title", article.title or ""), ("text", article.text or "")):
        if text:
            found, mentioned = _candidates(article, name, text)
            cands.extend(found)
            mentions.extend(mentioned)
    labels = event_data().labels
    events = _merge(cands)
    _attach(events, mentions)
    out = []
    for c in events:
        planned = c.planned or bool(article.published and c.start and c.start[:10] > article.published[:10])
        s = c.sentence
        out.append(Event(
            type=c.type, type_label=labels.get(c.type, c.type), label=c.label, start=c.start, end=c.end,
            status="planned" if planned else "reported", place=c.place, place_kb_id=c.place_kb_id, places=c.places,
            date_source=c.date_source if c.start else None,
            participants=[p.name for p in c.participants], participant_ids=[p.id for p in c.participants],
            span=Span(*c.span), field=c.field, evidence=Evidence(s.start, s.end, s.text), mentions=c.mentions))
    return out


def extract_events(article: Article) -> None:
    article.events = find_events(article)
