"""Who said what: direct and indirect quotations with their speaker, from Persian news text.

All cue words are data (kb/data/speech_verbs.yaml); this module compiles them and works in two passes.

**Speech acts.** Each sentence is searched for these patterns:

  direct     "X گفت: CONTENT" — a speech verb, then a colon; the content runs on through the paragraph until a sentence
             that starts another speech act or the reporter's narrative (a person or pronoun as subject, "این در حالی
             است که ...").  «» right after the verb also count ("او گفت «...»"), and so does "«CONTENT»، X افزود."
             when the marks hold a sentence (names and slogans do not).
  title      "سفیر ایران: CONTENT" — in a title only, a person or role, a colon, the content.
  that       "X خبر داد که CONTENT", and a verb followed straight by a clause ("X اعلام کرد برای ..."); the content
             runs to the end of the sentence.
  lead-in    "X با بیان اینکه CONTENT، افزود" — the content runs to the last comma before the main verb.
  according  "به گفته X، CONTENT", "بر اساس گزارش X، CONTENT".
  judgement  "X Y را Z دانست" — the content is "Y را Z".
  nominal    "X از CONTENT خبر داد", "X CONTENT را خواستار شد", "X خواستار CONTENT شد": the content with its verb.

**Speakers.** The subject of the clause before the cue, found among the entity linker's mentions, is resolved
as a reader does, in article order, keeping track of whom the article is talking about (the salient speaker):
  * a person's name (or a role the linker attached to a person) is that person;
  * a pronoun (وی، او، ایشان), a demonstrative description ("این مسئول", "این نماینده مجلس") or an omitted subject
    ("افزود: ...") is the salient speaker — a person for person words, an organisation for "این روزنامه";
  * a role ("مدیرعامل کانون بازنشستگان ...") is the person of the article holding it (given it in the article, or
    by the knowledge base at the article's date); if nobody does, the speaker is someone not named yet: when the
    next speaker the article introduces by name has no role of their own, the role is theirs and so are the
    quotes said so far under it (the agency lead: "ROLE گفت: ..." then "NAME امروز در گفت‌وگو با خبرنگار ...").
    A role nobody holds used while a speaker without a role is being quoted refers back to that speaker;
  * an organisation, or a country or city standing for its government, is kept as the speaker with its type;
  * in an interview (the headline "NAME: ...", a conversation in the text) the answer after each question is the
    interviewee's.
Every resolved quote has `speaker_type` (PER, ORG, LOC) and a `confidence` by how it was resolved; a quote whose
speaker stays unknown has `speaker: null` and a `reason` — a wrong speaker is worse than none. Roles learnt by
cataphora or reference are added to the person's `roles`.
"""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .. import kb
from ..kb import load_kb
from ..kb.roles import cut_at_names, find_roles, fits_role, is_rank, role_group, same_role, written_title
from ..model import Article, Entity, Quote
from ..text.fold import WORD_GAP, letters_pattern, match_key, phrase_pattern
from .sentences import Sentence, split_sentences

_B = r"(?<![\w\u200c])"  # word boundaries that treat ZWNJ as part of a word
_E = r"(?![\w\u200c])"
_COLON = ":："
_OPEN, _CLOSE = "«“", "»”"
_WORD = re.compile(r"[\w\u200c]+")


@dataclass(frozen=True)
class Cues:
    verb: re.Pattern[str]
    lead_in: re.Pattern[str]
    according: re.Pattern[str]
    judgement: re.Pattern[str]
    pronoun: re.Pattern[str]
    person_noun: re.Pattern[str]
    sentence_lead: re.Pattern[str]
    narrative: re.Pattern[str]
    first_person: re.Pattern[str]
    demonstrative: re.Pattern[str]
    object_cues: tuple[tuple[re.Pattern[str], str], ...]
    wrapping: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]
    prepositions: frozenset[str]
    nominal_before: frozenset[str]  # after these a participle is a noun ("به گفته وی", "این گفته")
    plural_verb: re.Pattern[str]
    verb_stems: frozenset[str]
    noun_continuation: re.Pattern[str]
    lead_keys: frozenset[str]
    not_content: frozenset[str]
    az_compounds: frozenset[str]
    organisation_nouns: frozenset[str]
    name_slot_followers: frozenset[str]
    interview: re.Pattern[str]
    interview_min_questions: int
    name_slot_words: tuple[int, int]
    confidence: dict[str, float]
    title_max_words: int
    min_words_in_marks: int


def _verb_alternatives(phrase: str, synonyms: dict[str, list[str]], endings: str) -> str:
    words = phrase.split()
    last = words[-1]
    lasts = [last] + list(synonyms.get(last) or [])
    head = WORD_GAP.join(letters_pattern(w) for w in words[:-1])
    tail = "(?:" + "|".join(letters_pattern(w) for w in lasts) + ")" + endings
    return (head + WORD_GAP + tail) if head else tail


@lru_cache(maxsize=1)
def cues() -> Cues:
    data = kb.data("speech_verbs")
    synonyms = data.get("light_verb_synonyms") or {}
    endings = "(?:" + "|".join(phrase_pattern(e) for e in sorted(data.get("endings") or [], key=len, reverse=True)) + ")?"
    verbs = list(data["verbs"]) + list((data.get("typos") or {}).keys())

    def verb_pattern(items: list[str]) -> re.Pattern[str]:
        alts = sorted({_verb_alternatives(v, synonyms, endings) for v in items}, key=len, reverse=True)
        return re.compile(_B + "(?:" + "|".join(alts) + ")" + _E)

    def alternation(items: list[str]) -> re.Pattern[str]:
        return re.compile(_B + "(?:" + "|".join(phrase_pattern(x) for x in sorted(items, key=len, reverse=True)) + ")" + _E)

    person_words = list(data["person_nouns"]) + list(data.get("descriptive_person_nouns") or [])
    org_words = list(data.get("organisation_nouns") or [])
    demonstrative = re.compile(_B + "(?:" + "|".join(phrase_pattern(d) for d in data["demonstratives"]) + r")[\s\u200c]+"
                               + "(?P<noun>" + "|".join(phrase_pattern(w) for w in sorted(person_words + org_words, key=len,
                                                                                    reverse=True)) + ")" + _E)
    leads = list(data["sentence_leads"])
    return Cues(
        verb=verb_pattern(verbs),
        lead_in=alternation(data["lead_ins"]),
        according=alternation(data["according_to"]),
        judgement=verb_pattern(data["judgement_verbs"]),
        pronoun=alternation(data["pronouns"]),
        person_noun=alternation(data["person_nouns"]),
        sentence_lead=re.compile(r"\s*(?:" + "|".join(phrase_pattern(x) for x in leads) + r")[^،,:؛]{0,80}:?\s*[،,؛]"),
        first_person=re.compile(
            _B + "(?:" + "|".join(phrase_pattern(w) for w in data["first_person_words"]) + ")" + _E + "|"
            + _B + r"ن?می[\u200c ]?[\w]+(?:" + "|".join(data["first_person_endings"]) + ")" + _E + "|"
            + r"\w\u200cا(?:" + "|".join(data["first_person_endings"]) + ")" + _E),
        narrative=re.compile(r"\s*(?:" + "|".join(phrase_pattern(x) for x in data["narrative_openers"]) + ")" + _E),
        demonstrative=demonstrative,
        object_cues=tuple((verb_pattern(vs), marker) for marker, vs in (data.get("object_cues") or {}).items()),
        wrapping=tuple((re.compile(_B + phrase_pattern(a) + _E), re.compile(_B + phrase_pattern(b) + _E))
                       for a, b in data.get("wrapping_cues") or []),
        prepositions=frozenset(match_key(p) for p in data["prepositions"]),
        verb_stems=frozenset(match_key(v) for v in verbs + list(data["judgement_verbs"])),
        plural_verb=re.compile("(?:" + "|".join(phrase_pattern(e) for e in data["plural_endings"]) + ")$"),
        noun_continuation=re.compile(r"[\s\u200c]*(?:" + "|".join(phrase_pattern(w) for w in data["noun_continuations"]) + ")"),
        nominal_before=frozenset(match_key(p) for p in data["prepositions"] + data["demonstratives"] + ["آن"]),
        lead_keys=frozenset(match_key(x) for x in leads),
        not_content=frozenset(match_key(w) for w in data.get("not_content_openers") or []),
        az_compounds=frozenset(match_key(w) for w in data.get("az_compounds") or []),
        organisation_nouns=frozenset(match_key(w) for w in org_words),
        name_slot_followers=frozenset(match_key(w) for w in data["name_slot_followers"]),
        name_slot_words=tuple(data["name_slot_words"]),
        interview=alternation(data["interview_words"]),
        interview_min_questions=int(data["interview_min_questions"]),
        confidence={str(k): float(v) for k, v in (data.get("confidence") or {}).items()},
        title_max_words=int(data.get("title_speaker_max_words", 6)),
        min_words_in_marks=int(data.get("min_words_in_marks", 4)),
    )


# ----------------------------------------------------------------------------------------------------------------
# Speaker candidates

@dataclass
class Candidate:
    start: int
    end: int
    kind: str  # per | org | place | pronoun | role | noun | anaphor
    entity: Entity | None = None
    title: str | None = None
    wants_org: bool = False  # an anaphor whose noun names an organisation ("این روزنامه")


@dataclass
class Act:
    """One speech act before its speaker is resolved."""
    start: int
    end: int
    kind: str  # direct | indirect
    cue: str
    sent: int
    subject_from: int
    subject_to: int
    near: int | None = None
    closed: bool = False  # content delimited by «» or by its pattern, not running on through the paragraph
    needs_ra: bool = False  # judgement: "را" must stand between the subject and the verb
    content_after_subject: str | None = None  # nominal report: "از", "بر", "را" or "" (right after the subject)
    verb_start: int = 0
    verb_end: int = 0
    subject: Candidate | None = None
    embedded: bool = False  # said inside another speaker's quote: it neither ends that quote nor moves the salience


@dataclass
class FieldContext:
    name: str
    text: str
    sentences: list[Sentence]
    per: list[tuple[int, int, Entity]]
    org: list[tuple[int, int, Entity]]
    loc: list[tuple[int, int, Entity]]
    roles: list  # RoleMatch
    persons: list[Entity]
    published: str | None = None
    taken: list[tuple[int, int]] = field(default_factory=list)
    _index: dict = field(default_factory=dict)  # look-up tables built from the lists above, rebuilt when they grow

    def starting_in(self, kind: str, a: int, b: int) -> list:
        """The (start, end, entity) mentions of PER/ORG/LOC (or the roles) that start in [a, b)."""
        items = {"per": self.per, "org": self.org, "loc": self.loc, "role": self.roles}[kind]
        cached = self._index.get(kind)
        if cached is None or cached[0] != len(items):
            cached = self._index[kind] = (len(items), [x.start if kind == "role" else x[0] for x in items])
        starts = cached[1]
        return items[bisect_left(starts, a):bisect_left(starts, b)]

    def person_by_last_name(self, word_key: str) -> Entity | None:
        cached = self._index.get("last")
        if cached is None or cached[0] != len(self.persons):
            names: dict[str, Entity] = {}
            for person in self.persons:
                parts = person.name.split()
                if len(parts) >= 2:
                    names.setdefault(match_key(parts[-1]), person)
            cached = self._index["last"] = (len(self.persons), names)
        return cached[1].get(word_key)

    def word_before(self, pos: int) -> str:
        """_word_before in this text, remembered: the speaker search asks it of the same candidates again and again."""
        known = self._index.setdefault("before", {})
        word = known.get(pos)
        if word is None:
            word = known[pos] = _word_before(self.text, pos)
        return word


_LAST_WORD = re.compile(r"([\w\u200c]+)[\s\u200c]*$")


def _word_before(text: str, pos: int) -> str:
    m = _LAST_WORD.search(text, max(0, pos - 40), pos)  # endpos is the end "$" sees: the same as a slice
    return match_key(m.group(1)) if m else ""


def _surname_candidates(ctx: FieldContext, a: int, b: int) -> list[Candidate]:
    """A person's last name opening the clause ("روستایی با بیان اینکه ..."), even where the linker, which leaves
    everyday words to the tagger, did not mark it."""
    m = _WORD.search(ctx.text, a, b)
    if m is None or ctx.text[a:m.start()].strip(" \u200c،,"):
        return []
    word = match_key(m.group(0))
    person = ctx.person_by_last_name(word) if len(word) >= 3 else None
    return [Candidate(m.start(), m.end(), "per", person)] if person else []


_KIND_ORDER = {"per": 0, "anaphor": 1, "role": 2, "org": 3, "noun": 4, "pronoun": 5}


def _candidates(ctx: FieldContext, a: int, b: int) -> list[Candidate]:
    c = cues()
    text = ctx.text
    # The same stretch is searched when the turns are found, when its act's speaker is resolved and when salience
    # moves: the candidates found in it are remembered until a person is added (only which of them are kept
    # depends on the quotes found since).
    key = (a, b, len(ctx.per), len(ctx.persons))
    out = ctx._index.get(key)
    if out is None:
        out = [Candidate(s, e, "per", ent) for s, e, ent in ctx.starting_in("per", a, b)]
        out += [Candidate(s, e, "org", ent) for s, e, ent in ctx.starting_in("org", a, b)]
        out += [Candidate(r.start, r.end, "role", title=r.text) for r in ctx.starting_in("role", a, b)]
        for m in c.pronoun.finditer(text, a, b):
            out.append(Candidate(m.start(), m.end(), "pronoun"))
        for m in c.demonstrative.finditer(text, a, b):
            noun = m.group("noun")
            out.append(Candidate(m.start(), m.end(), "anaphor", title=noun,
                                 wants_org=match_key(noun) in c.organisation_nouns))
        for m in c.person_noun.finditer(text, a, b):
            out.append(Candidate(m.start(), m.end(), "noun", title=m.group(0)))
        out.extend(_surname_candidates(ctx, a, b))
        out.sort(key=lambda x: (x.start, -(x.end - x.start), _KIND_ORDER[x.kind]))
        ctx._index[key] = out
    kept = _kept(ctx, out)
    if not kept:  # a country or city opening the clause is its government ("قزاقستان اعلام کرد")
        kept = _kept(ctx, [Candidate(s, e, "place", ent) for s, e, ent in ctx.starting_in("loc", a, b)
                           if not text[a:s].strip(" \u200c،,«\"")])
    return kept


def _kept(ctx: FieldContext, cands: list[Candidate]) -> list[Candidate]:
    prepositions = cues().prepositions
    kept: list[Candidate] = []
    for cand in cands:
        # a span inside an earlier, longer candidate is part of it ("وزارت امور خارجه" inside a role)
        if any(k.start <= cand.start < k.end for k in kept):
            continue
        if ctx.word_before(cand.start) in prepositions:
            continue
        if any(s <= cand.start < e for s, e in ctx.taken):
            continue  # inside a quote's content
        kept.append(cand)
    return kept


def _roles_of(person: Entity, when: str | None) -> list[str]:
    """Roles the article gives the person, and those the knowledge base says they held at the article's date."""
    roles = list(person.roles)
    rec = load_kb().get(person.kb_id) if person.kb_id else None
    for role in (rec.roles if rec else ()):
        title = str(role.get("title") or "")
        start, end = str(role.get("from") or "0000"), str(role.get("to") or "9999")
        if title and (when is None or start[:7] <= when[:7] <= end[:7]):
            roles.append(title)
    return roles


def _positions(person: Entity, when: str | None) -> list[str]:
    """The person's roles that are posts, not ranks ("حجت‌الاسلام" does not say which post someone holds)."""
    return [r for r in _roles_of(person, when) if not is_rank(r)]


def _clause_start(ctx: FieldContext, sent: Sentence, upto: int) -> int:
    """Where the subject may start: the sentence start, after a lead ("به گزارش ایرنا،")."""
    m = cues().sentence_lead.match(ctx.text, sent.start, upto)
    return m.end() if m else sent.start


# ----------------------------------------------------------------------------------------------------------------
# Spans

def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s].isspace() or text[s] in "،,:؛" or text[s] == "\u200c"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in "،,؛:" or text[e - 1] == "\u200c"):
        e -= 1
    if s < e and text[s] in _OPEN:
        close = _matching_close(text, s, e)
        if close is not None and text[close + 1:e].strip(" .!?؟،") == "":
            return s + 1, close
    return s, e


def _matching_close(text: str, s: int, limit: int) -> int | None:
    depth = 0
    for i in range(s, limit):
        if text[i] in _OPEN:
            depth += 1
        elif text[i] in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
    return None


def _words(s: str) -> int:
    return len(_WORD.findall(s))


def _is_nominal_use(text: str, m: re.Match[str]) -> bool:
    """"به گفته وی" and "این گفته" use the participle as a noun, not as a verb of saying; "گفت وگو" written apart is
    the noun گفت‌وگو."""
    return _word_before(text, m.start()) in cues().nominal_before or bool(cues().noun_continuation.match(text, m.end()))


# ----------------------------------------------------------------------------------------------------------------
# Pass 1: speech acts of one sentence

def _sentence_acts(ctx: FieldContext, i: int) -> list[Act]:
    c = cues()
    text = ctx.text
    sent = ctx.sentences[i]
    acts: list[Act] = []
    lead_ins = list(c.lead_in.finditer(text, sent.start, sent.end))
    verbs = [v for v in c.verb.finditer(text, sent.start, sent.end) if not _is_nominal_use(text, v)]
    base = _clause_start(ctx, sent, sent.end)

    def subject_stop(pos: int) -> int:
        return next((li.start() for li in lead_ins if li.start() < pos), pos)

    # lead-in: "X با بیان اینکه CONTENT، VERB"
    lead_content_end = {}
    for li in lead_ins:
        main = next((v for v in verbs if v.start() > li.end()), None)
        stop = main.start() if main else sent.end
        comma = max(text.rfind("،", li.end(), stop), text.rfind(",", li.end(), stop))
        marker = _object_marker(text, main) if main else None
        if marker:  # "... اینکه CONTENT، از اقدام‌های ایران، ایتالیا و کره تقدیر کرد": the report's own از opens it
            opening = re.search(r"[،,][\s\u200c]*" + phrase_pattern(marker) + _E, text[li.end():stop])
            if opening:
                comma = li.end() + opening.start()
        if comma > li.end():
            stop = comma
        elif main is None:
            continue
        lead_content_end[li.start()] = stop
        acts.append(Act(li.end(), stop, "indirect", li.group(0), i, base, subject_stop(li.start()), closed=True))

    def after_lead_in(pos: int) -> int:
        """Where a clause ending at `pos` may start its content: after a lead-in's content."""
        ends = [e for s, e in lead_content_end.items() if s < pos and e <= pos]
        return max(ends) + 1 if ends else base

    # direct (colon or marks), "که", a clause straight after the verb, and nominal reports
    for v in verbs:
        after = text[v.end():]
        stripped = after.lstrip(" \u200c")
        gap = len(after) - len(stripped)
        if stripped[:1] in _COLON:
            content_start = v.end() + gap + 1
            body = text[content_start:].lstrip()
            content_start += len(text[content_start:]) - len(body)
            if body[:1] in _OPEN:
                close = _matching_close(text, content_start, len(text))
                if close is not None and (text[close + 1:close + 3].strip(" .") == "" or
                                          _ends_paragraph(ctx, i, close)):
                    acts.append(Act(content_start + 1, close, "direct", v.group(0), i, base, subject_stop(v.start()),
                                    closed=True))
                    continue
            acts.append(Act(content_start, sent.end, "direct", v.group(0), i, base, subject_stop(v.start())))
        elif stripped[:1] in _OPEN or stripped[:1] == '"':
            s = v.end() + gap
            close = _matching_close(text, s, len(text)) if stripped[:1] in _OPEN else text.find('"', s + 1)
            close = close if close is not None and close >= 0 else None
            if close is None or _words(text[s + 1:close]) < c.min_words_in_marks:
                continue
            acts.append(Act(s + 1, close, "direct", v.group(0), i, base, subject_stop(v.start()), closed=True))
        elif re.match(r"(?:که|تا)(?![\w\u200c])", stripped):
            conjunction = _WORD.match(stripped)
            assert conjunction is not None  # the regex above found که or تا there
            acts.append(Act(v.end() + gap + conjunction.end(), sent.end, "indirect", v.group(0), i, base,
                            subject_stop(v.start()), closed=True))
        else:
            lead = text[sent.start:v.start()].lstrip()
            if lead[:1] in _OPEN and text[v.end():sent.end].strip(" .!?؟") == "":
                # "«CONTENT»، X افزود." — marks at the sentence start, attribution closing the sentence
                open_at = sent.start + (len(text[sent.start:v.start()]) - len(lead))
                close = _matching_close(text, open_at, v.start())
                if close is None or _words(text[open_at + 1:close]) < c.min_words_in_marks:
                    continue
                acts.append(Act(open_at + 1, close, "direct", v.group(0), i, close + 1, v.start(), closed=True))
                continue
            nominal = _nominal_act(ctx, i, v, after_lead_in(v.start()))
            if nominal is not None:
                acts.append(nominal)
                continue
            rest = text[v.end():sent.end].lstrip(" \u200c،,؛")
            first = _WORD.match(rest)
            if first and match_key(first.group(0)) not in c.not_content and _words(rest) >= 3 \
                    and not v.group(0).endswith("ه"):
                start = sent.end - len(text[v.end():sent.end].lstrip(" \u200c،,؛"))
                acts.append(Act(start, sent.end, "indirect", v.group(0), i, base, subject_stop(v.start()),
                                closed=True))

    # "خواستار CONTENT شد"
    for opener, closer in c.wrapping:
        for o in opener.finditer(text, sent.start, sent.end):
            cl = closer.search(text, o.end(), sent.end)
            if cl is None or _words(text[o.end():cl.start()]) < 2 or \
                    any(a.start <= o.start() < a.end for a in acts):
                continue
            acts.append(Act(o.start(), cl.end(), "indirect", text[o.start():cl.end()], i, after_lead_in(o.start()),
                            o.start(), closed=True))

    # according to: "به گفته X، CONTENT"; an opener that is also a sentence lead only when nothing else is said
    for ac in c.according.finditer(text, sent.start, sent.end):
        if match_key(ac.group(0)) in c.lead_keys and acts:
            continue
        cands = _candidates(ctx, ac.end(), min(sent.end, ac.end() + 60))
        cand = cands[0] if cands and cands[0].start - ac.end() <= 2 else None
        if cand is None:
            continue
        comma = text.find("،", cand.end, sent.end)
        start = comma + 1 if 0 <= comma - cand.end <= 60 else cand.end
        act = Act(start, sent.end, "indirect", ac.group(0), i, ac.end(), cand.end, closed=True)
        act.subject = cand
        acts.append(act)

    # judgement: "X Y را Z دانست"
    for j in c.judgement.finditer(text, sent.start, sent.end):
        follow = text[j.end():j.end() + 3]
        if follow.strip() and not re.match(r"\s*(?:[.،,؛!؟]|و(?![\w\u200c]))", follow):
            continue
        if any(a.cue == j.group(0) and a.verb_start == j.start() for a in acts):
            continue
        clause = max(_clause_start(ctx, sent, j.start()), after_lead_in(j.start()))
        # the clause of this verb starts after the last colon, semicolon or quote before it
        for sep in (":", "؛"):
            k = text.rfind(sep, clause, j.start())
            if k >= 0:
                clause = k + 1
        acts.append(Act(clause, j.start(), "indirect", j.group(0), i, clause, j.start(), near=25, closed=True,
                        needs_ra=True, content_after_subject="", verb_start=j.start()))
    return acts


def _nominal_act(ctx: FieldContext, i: int, v: re.Match[str], clause: int) -> Act | None:
    """"X از CONTENT خبر داد", "X CONTENT را خواستار شد"."""
    text = ctx.text
    sent = ctx.sentences[i]
    follow = text[v.end():v.end() + 3]
    if follow.strip() and not re.match(r"\s*(?:[.،,؛!؟]|و(?![\w\u200c]))", follow):
        return None
    marker = _object_marker(text, v)
    if marker is None:
        return None
    for sep in (":", "؛"):
        k = text.rfind(sep, clause, v.start())
        if k >= 0:
            clause = k + 1
    clause = max(clause, _clause_start(ctx, sent, v.start()))
    if match_key(marker) not in {match_key(w) for w in _WORD.findall(text[clause:v.start()])}:
        return None  # no noun phrase is reported ("X اعلام کرد، CONTENT" is a clause after the verb)
    return Act(clause, v.start(), "indirect", v.group(0), i, clause, v.start(), closed=True,
               content_after_subject=marker, verb_start=v.start(), verb_end=v.end())


def _object_marker(text: str, v: re.Match[str]) -> str | None:
    """The preposition or را that marks the reported noun phrase of a nominal verb ("از" for "خبر داد")."""
    for pattern, marker in cues().object_cues:
        m = pattern.match(text, v.start())
        if m is not None and m.end() == v.end():
            return marker
    return None


def _ends_paragraph(ctx: FieldContext, i: int, pos: int) -> bool:
    sents = ctx.sentences
    j = i
    while j + 1 < len(sents) and sents[j + 1].paragraph == sents[i].paragraph and sents[j + 1].start <= pos:
        j += 1
    end = sents[j].end
    return ctx.text[pos + 1:end].strip(" .!?؟") == "" and (j + 1 >= len(sents) or sents[j + 1].paragraph != sents[i].paragraph)


def _opens_narrative(ctx: FieldContext, sent: Sentence) -> bool:
    """A sentence the reporter says about someone: a person, role or pronoun as its subject, or a narrative opener."""
    c = cues()
    if c.narrative.match(ctx.text, sent.start, sent.end):
        return True
    if c.first_person.search(ctx.text, sent.start, sent.end):
        return False
    start = _clause_start(ctx, sent, sent.end)
    first = _candidates(ctx, start, min(sent.end, start + 40))
    return bool(first) and first[0].start - start <= 1 and first[0].kind in ("per", "pronoun", "role", "anaphor")


def _field_acts(ctx: FieldContext) -> list[Act]:
    per_sentence = [_sentence_acts(ctx, i) for i in range(len(ctx.sentences))]
    # a sentence where someone takes the turn: direct speech after a colon or «», or a speech verb with a subject
    direct = {i for i, acts in enumerate(per_sentence) if any(a.kind == "direct" for a in acts)}
    turns = direct | {i for i, acts in enumerate(per_sentence)
                      if any(a.subject is not None or _candidates(ctx, a.subject_from, a.subject_to) for a in acts)}
    first_person = cues().first_person
    acts: list[Act] = []
    for i, sent_acts in enumerate(per_sentence):
        for act in sent_acts:
            if not act.closed:
                # direct speech runs on through its paragraph until someone else speaks or the reporter resumes;
                # a report in the speaker's own voice ("پمپئو توئیت کرد که ... اما ما شاهد ... بودیم") is a quote
                # inside the quote
                for j in range(i + 1, len(ctx.sentences)):
                    nxt = ctx.sentences[j]
                    if nxt.paragraph != ctx.sentences[i].paragraph or cues().narrative.match(ctx.text, nxt.start, nxt.end):
                        break
                    if j in turns:
                        if j in direct or not first_person.search(ctx.text, nxt.start, nxt.end):
                            break
                        for inner in per_sentence[j]:
                            inner.embedded = True
                    elif _opens_narrative(ctx, nxt):
                        break
                    act.end = nxt.end
            acts.append(act)
    acts.sort(key=lambda a: (a.start, -(a.end - a.start)))
    return acts


def _subject_of(ctx: FieldContext, act: Act) -> Candidate | None:
    if act.subject is not None:
        return act.subject
    taken, ctx.taken = ctx.taken, ([] if act.embedded else ctx.taken)  # an embedded report's subject is in a quote
    cands = _candidates(ctx, act.subject_from, act.subject_to)
    ctx.taken = taken
    if act.near is not None:
        cands = [c for c in cands if c.start - act.subject_from <= act.near]
    cand = cands[0] if cands else None
    if act.needs_ra and (cand is None or "را" not in _WORD.findall(ctx.text[cand.end:act.verb_start])):
        return None
    return cand


def _nominal_content(ctx: FieldContext, act: Act, cand: Candidate | None) -> tuple[int, int] | None:
    """The content of a nominal report once its subject is known."""
    text = ctx.text
    start = cand.end if cand is not None else act.subject_from
    marker = act.content_after_subject
    if not marker:
        return start, act.end
    words = list(_WORD.finditer(text, start, act.verb_start))
    keys = [match_key(w.group(0)) for w in words]
    if marker == "را":
        return (start, act.verb_end) if "را" in keys else None
    for k, w in enumerate(keys):
        if w == match_key(marker) and (k == 0 or keys[k - 1] not in cues().az_compounds):
            return words[k].start(), act.verb_end
    return None


# ----------------------------------------------------------------------------------------------------------------
# Pass 2: speakers

@dataclass
class Referent:
    """Who speaks: a known entity, or someone the article has so far called only by a role."""
    entity: Entity | None = None
    roles: list[str] = field(default_factory=list)
    in_field: str = "text"  # where the article first spoke of them
    at: int = 0
    quotes: list[dict] = field(default_factory=list)


class Discourse:
    """Whom the article is talking about, across the title and the text."""

    def __init__(self, article: Article):
        self.article = article
        self.by_entity: dict[int, Referent] = {}
        self.unknown: list[Referent] = []
        self.salient: Referent | None = None  # the person (or unknown speaker) the article is talking about
        self.salient_org: Referent | None = None
        self.sentence = 0  # index of the sentence being read
        self._sentence_of: dict[int, int] = {}
        # (field, entity) -> offset of the entity's first mention in that field
        self.first_mention: dict[tuple[str, int], int] = {}
        for ent in article.entities:
            for m in ent.mentions:
                k = (m.field, id(ent))
                self.first_mention[k] = min(self.first_mention.get(k, m.start), m.start)

    def sentence_of(self, quote: dict) -> int:
        return self._sentence_of.get(id(quote), -1)

    def of(self, ent: Entity) -> Referent:
        ref = self.by_entity.get(id(ent))
        if ref is None:
            ref = self.by_entity[id(ent)] = Referent(ent)
        return ref


def _person_holding(ctx: FieldContext, title: str, pos: int) -> Entity | None:
    """The person of the article who holds the title (the one named last before it, if several do)."""
    fitting = [p for p in ctx.persons if any(fits_role(title, r) for r in _roles_of(p, ctx.published))]
    return (_last_of(ctx, fitting, pos) or fitting[0]) if fitting else None


def _is_plural(verb: str) -> bool:
    """"گفتند", "نوشته بودند" — not "خواند", whose stem ends like a plural."""
    c = cues()
    return bool(c.plural_verb.search(verb)) and match_key(verb) not in c.verb_stems


def _resolve(ctx: FieldContext, d: Discourse, cand: Candidate | None, pos: int, plural: bool = False
             ) -> tuple[Referent | None, str, str]:
    """(referent, how, reason): how names the confidence class; reason says why there is no referent. A plural
    verb with no subject ("کاربران نوشته بودند") is not said by the one person the article is talking about."""
    if cand is None:
        named = _name_in_lead_slot(ctx, d, pos)
        if named is not None:
            return _cataphora(ctx, d, d.of(named)), "cataphora", ""
        if plural:
            return None, "", "a plural verb whose subject is no one the article names"
        if d.salient is not None:
            return d.salient, "omitted", ""
        return None, "", "no speaker found before the speech verb"
    if cand.kind in ("per", "org", "place"):
        assert cand.entity is not None  # a candidate of these kinds is a mention of an entity
        ref = d.of(cand.entity)
    if cand.kind == "per":
        return _cataphora(ctx, d, ref), "name", ""
    if cand.kind in ("org", "place"):
        return ref, "organisation" if cand.kind == "org" else "place", ""
    if cand.kind == "pronoun":
        if d.salient is not None and (d.salient.entity is None or d.salient.entity.type == "PER"):
            return d.salient, "pronoun", ""
        last = _last_person(ctx, pos)
        if last is not None:
            return d.of(last), "pronoun", ""
        return None, "", "pronoun with no person before it"
    if cand.kind == "anaphor":
        target = d.salient_org if cand.wants_org else d.salient
        if target is not None and (cand.wants_org or target.entity is None or target.entity.type == "PER"):
            title = next((r.text for r in ctx.roles if cand.start < r.start < cand.end + 2), None)
            if title and not cand.wants_org:  # "این استاد اقتصاد دانشگاه کلمبیا": the description is their role
                if target.entity is not None:
                    _give_role(target.entity, title)
                else:
                    target.roles.append(title)
            return target, "description", ""
        return None, "", f"description with no one to refer to: {cand.title}"
    if cand.kind == "role":
        named = next((ent for s, _, ent in ctx.per if cand.end <= s <= cand.end + 3
                      and not ctx.text[cand.end:s].strip(" \u200c،,\"«")), None)
        if named is not None:  # "وزیر خارجه پمپئو": the title stands before the name of its holder
            return _cataphora(ctx, d, d.of(named)), "name", ""
        assert cand.title is not None  # a role candidate is its title
        holder = _person_holding(ctx, cand.title, cand.start)
        if holder is not None:
            return d.of(holder), "role", ""
        return _unknown_with_role(ctx, d, cand.title, pos)
    # a bare description ("استاندار"): the person whose role starts with that word, else the salient speaker
    word = match_key(cand.title)
    fitting = [p for p in ctx.persons if any(match_key(r).startswith(word) for r in _roles_of(p, ctx.published))]
    if fitting:
        return d.of(_last_of(ctx, fitting, cand.start) or fitting[0]), "description", ""
    if d.salient is not None:
        return d.salient, "description", ""
    return None, "", f"description with no person to refer to: {cand.title}"


def _last_of(ctx: FieldContext, people: list[Entity], pos: int) -> Entity | None:
    best, best_pos = None, -1
    for s, _, ent in ctx.per:
        if s < pos and s > best_pos and ent in people:
            best, best_pos = ent, s
    return best


def _last_person(ctx: FieldContext, pos: int) -> Entity | None:
    return _last_of(ctx, ctx.persons, pos) or (ctx.persons[0] if len(ctx.persons) == 1 else None)


def _unknown_with_role(ctx: FieldContext, d: Discourse, title: str, pos: int) -> tuple[Referent | None, str, str]:
    # the same role again is the same unknown speaker
    for ref in d.unknown:
        if ref.entity is None and any(same_role(title, r) for r in ref.roles):
            return ref, "role", ""
    # a role nobody holds, said while a person is being quoted who has no role or one with the same head word, is
    # that person's ("رئیس منابع طبیعی املش" … "رئیس اداره منابع طبیعی املش")
    s = d.salient
    recent = s is not None and s.quotes and s.quotes[-1]["field"] == ctx.name and \
        d.sentence_of(s.quotes[-1]) >= d.sentence - 2
    if recent and s is not None and s.entity is not None and s.entity.type == "PER":
        own = _positions(s.entity, ctx.published)
        if not own or any(_same_head(title, r) for r in own):
            _give_role(s.entity, title)
            return s, "role_anaphora", ""
    ref = Referent(None, [title], ctx.name, pos)
    d.unknown.append(ref)
    return ref, "role", f"no person of the article holds the role: {title}"


def _name_in_lead_slot(ctx: FieldContext, d: Discourse, pos: int) -> Entity | None:
    """The person the agency lead introduces after a speaker known only by a role ("عظیم فرد پیش از ظهر امروز در
    ..."), when the tagger did not find the name: a new PER entity of the article, mentioned there."""
    s = d.salient
    if s is None or s.entity is not None or not s.roles:
        return None
    c = cues()
    sent = ctx.sentences[d.sentence]
    start = _clause_start(ctx, sent, pos)
    words = list(_WORD.finditer(ctx.text, start, min(pos, start + 80)))
    low, high = c.name_slot_words
    for n in range(low, high + 1):
        if len(words) <= n or ctx.text[start:words[0].start()].strip() or \
                match_key(words[n].group(0)) not in c.name_slot_followers:
            continue
        name_words = words[:n]
        if any(not _looks_like_name_word(ctx, w) for w in name_words):
            return None
        a, b = name_words[0].start(), name_words[-1].end()
        if ctx.text[a:b].count("،") or any(x < b and a < y for x, y, _ in ctx.per + ctx.org + ctx.loc):
            return None
        entity = _new_person(ctx.text[a:b], ctx.name, a, b)
        d.article.entities.append(entity)
        ctx.persons.append(entity)
        ctx.per.append((a, b, entity))
        ctx.per.sort(key=lambda x: x[0])
        d.first_mention[(ctx.name, id(entity))] = a
        return entity
    return None


def _looks_like_name_word(ctx: FieldContext, w: re.Match[str]) -> bool:
    c = cues()
    k = match_key(w.group(0))
    return (len(k) >= 2 and not k.isdigit() and k not in c.prepositions and k not in c.name_slot_followers
            and not c.pronoun.fullmatch(w.group(0)) and not c.person_noun.fullmatch(w.group(0))
            and not c.demonstrative.match(ctx.text, w.start())
            and not c.verb.fullmatch(w.group(0)) and not any(r.start <= w.start() < r.end for r in ctx.roles))


def _new_person(name: str, field_name: str, start: int, end: int) -> Entity:
    from .entities import EntityBuilder, Mention

    builder = EntityBuilder("PER", name, None)
    builder.mentions.append(Mention(start, end, name, field_name, "PER", None, "lead"))
    return builder.build()


def _same_head(a: str, b: str) -> bool:
    """Two titles with the same head noun and most of their words in common."""
    wa, wb = written_title(a).split(), written_title(b).split()
    if not wa or not wb or match_key(wa[0]) != match_key(wb[0]):
        return False
    ka, kb = {match_key(w) for w in wa}, {match_key(w) for w in wb}
    return len(ka & kb) >= 0.6 * min(len(ka), len(kb))


def _cataphora(ctx: FieldContext, d: Discourse, ref: Referent) -> Referent:
    """The first time a person is quoted by name, an unknown speaker known so far only by a role that the article
    was talking about is that person, when they have no role of their own."""
    s = d.salient
    if ref.quotes or s is None or s.entity is not None or not s.roles:
        return ref
    first = d.first_mention.get((ctx.name, id(ref.entity)))
    if first is None or ref.entity is None or ref.entity.type != "PER":
        return ref
    introduced_later = s.in_field == "title" and ctx.name == "text" or ctx.name == s.in_field and first >= s.at
    if not introduced_later:
        return ref
    own = _positions(ref.entity, ctx.published)
    if own and not any(same_role(r, t) for r in s.roles for t in own):
        return ref
    for title in s.roles:
        _give_role(ref.entity, title)
    s.entity = ref.entity
    for q in s.quotes:
        q["_how"] = "cataphora"
    ref.quotes.extend(s.quotes)
    s.quotes = ref.quotes  # both names now point at one list
    d.by_entity[id(ref.entity)] = s
    return s


def _give_role(entity: Entity, title: str) -> None:
    title = written_title(title)
    if all(match_key(title) != match_key(r) for r in entity.roles):
        entity.roles.append(title)
        entity.role_keys.append(role_group(title))


# ----------------------------------------------------------------------------------------------------------------

def _quote_dict(ctx: FieldContext, s: int, e: int, kind: str, cue: str, embedded: bool = False
                ) -> dict[str, Any] | None:
    s, e = _trim(ctx.text, s, e)
    if re.match(r"که(?![\w\u200c])", ctx.text[s:e]):
        return None  # "او که ..." — a relative clause about the subject, not what was said
    if e - s < 8 or _words(ctx.text[s:e]) < 3:
        return None
    if embedded:
        return {"text": ctx.text[s:e], "kind": kind, "start": s, "end": e, "cue": cue, "field": ctx.name}
    if any(s < te and ts < e for ts, te in ctx.taken):
        return None
    ctx.taken.append((s, e))
    return {"text": ctx.text[s:e], "kind": kind, "start": s, "end": e, "cue": cue, "field": ctx.name}


def _title_act(ctx: FieldContext) -> Act | None:
    """"<person or role>: CONTENT" in a title."""
    c = cues()
    text = ctx.text
    k = next((i for i, ch in enumerate(text) if ch in _COLON), -1)
    if k <= 0 or _words(text[:k]) > c.title_max_words or c.verb.search(text, 0, k):
        return None
    cands = _candidates(ctx, 0, k)
    if not cands or cands[0].kind not in ("per", "role", "org") or text[:cands[0].start].strip():
        return None
    act = Act(k + 1, len(text), "direct", ":", 0, 0, k, closed=True)
    act.subject = cands[0]
    return act


def _update_salient(ctx: FieldContext, d: Discourse, sent: Sentence) -> None:
    """A sentence that quotes nobody still moves the article's attention to the person it is about."""
    start = _clause_start(ctx, sent, sent.end)
    if not ctx.starting_in("per", start, sent.end) and not _surname_candidates(ctx, start, sent.end):
        return  # no person can be among the candidates: most sentences name none
    cands = [x for x in _candidates(ctx, start, sent.end) if x.kind == "per"]
    if cands and cands[0].entity is not None:
        d.salient = d.of(cands[0].entity)


def _context(article: Article, name: str, text: str) -> FieldContext:
    spans: dict[str, list] = {"PER": [], "ORG": [], "LOC": []}
    outlet = article.outlet or {}
    for ent in article.entities:
        if ent.type == "ORG" and (ent.kb_id and ent.kb_id == outlet.get("kb_id")
                                  or match_key(ent.name) == match_key(outlet.get("name"))):
            continue  # the outlet that publishes the article reports the speech, it does not make it
        for m in ent.mentions:
            if m.field == name and ent.type in spans:
                spans[ent.type].append((m.start, m.end, ent))
    persons = [e for e in article.entities if e.type == "PER"]
    starts = [s for s, _, _ in spans["PER"]]
    roles = [r for r in (cut_at_names(r, starts) for r in (find_roles(text) if text else [])) if r is not None]
    per, org, loc = (sorted(spans[t], key=lambda x: x[0]) for t in ("PER", "ORG", "LOC"))
    return FieldContext(name, text, split_sentences(text), per, org, loc, roles, persons, article.published)


def find_quotes(article: Article) -> list[Quote]:
    d = Discourse(article)
    out: list[dict] = []
    interviewee: Referent | None = None
    for name, text in (("title", article.title or ""), ("text", article.text or "")):
        if not text:
            continue
        ctx = _context(article, name, text)
        acts = [a for a in [_title_act(ctx)] if a] if name == "title" else []
        acts += _field_acts(ctx)
        by_sentence: dict[int, list[Act]] = {}
        for act in acts:
            by_sentence.setdefault(act.sent, []).append(act)
        if name == "text":
            d.salient = None  # the title's speaker is not what "وی" in the lead refers to
        for i, sent in enumerate(ctx.sentences):
            d.sentence = i
            quoted = False
            for act in by_sentence.get(i, []):
                q = _read_act(ctx, d, act, out)
                quoted = quoted or (q is not None and not act.embedded)
                if name == "title" and act.cue == ":" and q is not None and q["_ref"] is not None \
                        and q["_ref"].entity is not None and q["_ref"].entity.type == "PER":
                    interviewee = q["_ref"]
            if not quoted and not any(s <= sent.start < e for s, e in ctx.taken):
                _update_salient(ctx, d, sent)
        if name == "text" and interviewee is not None:
            out.extend(_interview_answers(ctx, interviewee, set(by_sentence)))
    unbound = [r for r in d.unknown if r.entity is None and r.quotes]
    if interviewee is not None and interviewee.entity is not None and len(unbound) == 1 \
            and not _positions(interviewee.entity, article.published):
        # the headline's speaker ("شکوری‌راد: ...") is the one the lead calls by a role ("دبیرکل حزب ... می‌گوید")
        for title in unbound[0].roles:
            _give_role(interviewee.entity, title)
        for q in unbound[0].quotes:
            q["_ref"], q["_how"] = interviewee, "cataphora"
    return [_finish(q) for q in sorted(out, key=lambda q: (q["field"] != "title", q["start"]))]


def _read_act(ctx: FieldContext, d: Discourse, act: Act, out: list[dict]) -> dict | None:
    """The quote of one speech act, its speaker resolved and the salience moved; None when it says nothing."""
    cand = _subject_of(ctx, act)
    if act.needs_ra and cand is None:
        return None
    span = (act.start, act.end) if act.content_after_subject is None else _nominal_content(ctx, act, cand)
    if span is None:
        return None
    q = _quote_dict(ctx, span[0], span[1], act.kind, act.cue, act.embedded)
    if q is None:
        return None
    salient = d.salient
    ref, how, reason = _resolve(ctx, d, cand, act.start, plural=_is_plural(act.cue))
    q["_ref"], q["_how"], q["_reason"] = ref, how, reason
    d._sentence_of[id(q)] = d.sentence
    out.append(q)
    if ref is not None:
        ref.quotes.append(q)
    if act.embedded:
        d.salient = salient  # the outer speaker is still the one talking
    elif ref is not None and ref.entity is not None and ref.entity.type != "PER":
        d.salient_org = ref
    elif ref is not None:
        d.salient = ref
    return q


def _interview_answers(ctx: FieldContext, interviewee: Referent, speaking: set[int]) -> list[dict]:
    """An interview ("NAME: ..." as headline, the text a conversation with them): what follows each question, up to
    the next question, is the interviewee's answer."""
    c = cues()
    marker = c.interview.search(ctx.text)
    questions = [i for i, s in enumerate(ctx.sentences) if s.text.rstrip().endswith(("؟", "?"))
                 and not any(a <= s.start < b for a, b in ctx.taken)]
    if marker is None or len(questions) < c.interview_min_questions:
        return []
    answers = []
    text = ctx.text
    start = ctx.sentences[questions[0]].start
    marks = [m.end() for m in re.finditer(r"[؟?]", text[start:])]
    for k, after in enumerate(marks):
        a = start + after
        b = start + marks[k + 1] if k + 1 < len(marks) else ctx.sentences[-1].end
        if k + 1 < len(marks):  # the next question starts after the last sentence end before its mark
            b = max(text.rfind(ch, a, b) for ch in ".!\n") + 1 or a
        for j, sent in enumerate(ctx.sentences):  # the reporter or another speaker ends the answer
            if a < sent.start < b and (j in speaking or c.narrative.match(text, sent.start, sent.end)):
                b = sent.start
                break
        q = _quote_dict(ctx, a, b, "direct", marker.group(0))
        if q is not None:
            q["_ref"], q["_how"], q["_reason"] = interviewee, "interview", ""
            answers.append(q)
    return answers


def _finish(q: dict) -> Quote:
    ref, how, reason = q["_ref"], q["_how"], q["_reason"]
    ent = ref.entity if ref is not None else None
    return Quote(speaker=ent.name if ent else None, speaker_kb_id=ent.kb_id if ent else None,
                 speaker_id=ent.id if ent else None, speaker_type=ent.type if ent else None,
                 confidence=cues().confidence.get(how) if ent else None, text=q["text"], kind=q["kind"],
                 start=q["start"], end=q["end"], cue=q["cue"], field=q["field"],
                 reason=None if ent else (reason or "speaker not resolved"))


def extract_quotes(article: Article) -> None:
    article.quotes = find_quotes(article)
