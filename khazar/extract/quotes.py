"""Who said what: direct and indirect quotations with their speaker, from Persian news text.

All cue words are data (kb/data/speech_verbs.yaml); this module compiles them and applies five patterns:

  direct     "X گفت: CONTENT" — a speech verb, then a colon; the content runs to the end of the paragraph, or to
             the sentence where a new attribution starts.  «» right after the verb also count ("او گفت «...»"),
             and so does "«CONTENT»، X افزود." when the marks hold a sentence (names and slogans do not).
  title      "سفیر ایران: CONTENT" — in a title only, a person or role, a colon, the content.
  that       "X خبر داد که CONTENT" — a speech verb followed by "که"; the content runs to the end of the sentence.
  lead-in    "X با بیان اینکه CONTENT، افزود" — the content runs to the last comma before the main verb.
  according  "به گفته X، CONTENT".
  judgement  "X Y را Z دانست" — the content is "Y را Z".

The speaker is the subject of the clause before the cue, found among the entity linker's mentions
(article.entities): a PER mention (names and the role mentions the linker attached to a person) wins; a pronoun
(وی، او، ایشان) is the person the article was last talking about; a role the linker left unattached is matched
against the roles of the article's persons; a bare description ("استاندار", "عالی‌ترین مقام ...") refers back to the
person whose role starts with it, else to the person last talked about. An organisation as subject, or nothing
that resolves, leaves `speaker` null with a `reason` — a wrong speaker is worse than none.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..kb import load_kb
from ..kb.roles import find_roles
from ..model import Article
from ..text.keys import match_key
from .sentences import Sentence, split_sentences

_DATA = Path(__file__).resolve().parent.parent / "kb" / "data" / "speech_verbs.yaml"
_SEP = r"[\s\u200c]*"
_B = r"(?<![\w\u200c])"  # word boundaries that treat ZWNJ as part of a word
_E = r"(?![\w\u200c])"
_VARIANT_CLASS = {"ا": "[اأإ]", "أ": "[اأإ]", "ی": "[یيى]", "ي": "[یيى]", "ک": "[کك]", "ك": "[کك]",
                  "ه": "[هۀة]", "ئ": "[ئیي]"}
_ROLE_ONLY_KEYS = ("وزیر", "وزارت")  # "معاون وزیر امور خارجه" = "معاون وزارت امور خارجه"
_COLON = ":："
_OPEN, _CLOSE = "«“", "»”"


def _letters(word: str) -> str:
    out = []
    for ch in word:
        if ch in (" ", "\u200c"):
            out.append(_SEP)
        else:
            out.append(_VARIANT_CLASS.get(ch, re.escape(ch)))
    return "".join(out)


def _phrase(phrase: str) -> str:
    return _SEP.join(_letters(w) for w in phrase.split())


@dataclass(frozen=True)
class Cues:
    verb: re.Pattern[str]
    lead_in: re.Pattern[str]
    according: re.Pattern[str]
    judgement: re.Pattern[str]
    pronoun: re.Pattern[str]
    person_noun: re.Pattern[str]
    sentence_lead: re.Pattern[str]
    prepositions: frozenset[str]
    title_max_words: int
    min_words_in_marks: int


def _verb_alternatives(phrase: str, synonyms: dict[str, list[str]], endings: str) -> str:
    words = phrase.split()
    last = words[-1]
    lasts = [last] + list(synonyms.get(last) or [])
    head = _SEP.join(_letters(w) for w in words[:-1])
    tail = "(?:" + "|".join(_letters(w) for w in lasts) + ")" + endings
    return (head + _SEP + tail) if head else tail


@lru_cache(maxsize=1)
def cues() -> Cues:
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    synonyms = data.get("light_verb_synonyms") or {}
    endings = "(?:" + "|".join(_phrase(e) if " " not in e else _SEP.join(_letters(w) for w in e.split())
                               for e in sorted(data.get("endings") or [], key=len, reverse=True)) + ")?"
    verbs = list(data["verbs"]) + list((data.get("typos") or {}).keys())
    verb_alts = sorted({_verb_alternatives(v, synonyms, endings) for v in verbs}, key=len, reverse=True)
    judge_alts = sorted({_verb_alternatives(v, synonyms, endings) for v in data["judgement_verbs"]},
                        key=len, reverse=True)

    def alternation(items: list[str]) -> re.Pattern[str]:
        return re.compile(_B + "(?:" + "|".join(_phrase(x) for x in sorted(items, key=len, reverse=True)) + ")" + _E)

    return Cues(
        verb=re.compile(_B + "(?:" + "|".join(verb_alts) + ")" + _E),
        lead_in=alternation(data["lead_ins"]),
        according=alternation(data["according_to"]),
        judgement=re.compile(_B + "(?:" + "|".join(judge_alts) + ")" + _E),
        pronoun=alternation(data["pronouns"]),
        person_noun=alternation(data["person_nouns"]),
        sentence_lead=re.compile(r"\s*(?:" + "|".join(_phrase(x) for x in data["sentence_leads"]) + r")[^،,:؛]{0,80}[،,؛]"),
        prepositions=frozenset(match_key(p) for p in data["prepositions"]),
        title_max_words=int(data.get("title_speaker_max_words", 6)),
        min_words_in_marks=int(data.get("min_words_in_marks", 4)),
    )


# ----------------------------------------------------------------------------------------------------------------
# Speaker candidates

@dataclass
class Candidate:
    start: int
    end: int
    kind: str  # per | org | pronoun | role | noun
    entity: dict | None = None
    title: str | None = None


@dataclass
class FieldContext:
    name: str
    text: str
    sentences: list[Sentence]
    per: list[tuple[int, int, dict]]
    org: list[tuple[int, int, dict]]
    roles: list  # RoleMatch
    persons: list[dict]
    published: str | None = None
    salient: dict | None = None
    # set when the last attributed speaker could not be resolved: a following "وی" is that unknown speaker,
    # not an older person
    salient_unknown: bool = False
    taken: list[tuple[int, int]] = field(default_factory=list)


def _word_before(text: str, pos: int) -> str:
    m = re.search(r"([\w\u200c]+)[\s\u200c]*$", text[max(0, pos - 40):pos])
    return match_key(m.group(1)) if m else ""


def _candidates(ctx: FieldContext, a: int, b: int) -> list[Candidate]:
    c = cues()
    text = ctx.text
    out: list[Candidate] = []
    for s, e, ent in ctx.per:
        if a <= s < b:
            out.append(Candidate(s, e, "per", ent))
    for s, e, ent in ctx.org:
        if a <= s < b:
            out.append(Candidate(s, e, "org", ent))
    for r in ctx.roles:
        if a <= r.start < b:
            out.append(Candidate(r.start, r.end, "role", title=r.title))
    for m in c.pronoun.finditer(text, a, b):
        out.append(Candidate(m.start(), m.end(), "pronoun"))
    for m in c.person_noun.finditer(text, a, b):
        out.append(Candidate(m.start(), m.end(), "noun", title=m.group(0)))
    order = {"per": 0, "role": 1, "org": 2, "noun": 3, "pronoun": 4}
    out.sort(key=lambda x: (x.start, -(x.end - x.start), order[x.kind]))
    kept: list[Candidate] = []
    for cand in out:
        # a span inside an earlier, longer candidate is part of it ("وزارت امور خارجه" inside a role)
        if any(k.start <= cand.start < k.end for k in kept):
            continue
        if _word_before(text, cand.start) in c.prepositions:
            continue
        if any(s <= cand.start < e for s, e in ctx.taken):
            continue  # inside an earlier quote's content
        kept.append(cand)
    return kept


def _role_key(title: str) -> str:
    k = match_key(title)
    return k.replace(_ROLE_ONLY_KEYS[0], _ROLE_ONLY_KEYS[1])


def _fits(title: str, role: str) -> bool:
    a, b = _role_key(title), _role_key(role)
    if not a or not b:
        return False
    if a == b or a.startswith(b) or b.startswith(a):
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.85


def _roles_of(person: dict, when: str | None) -> list[str]:
    """Roles the article gives the person, and those the knowledge base says they held at the article's date."""
    roles = list(person.get("roles") or [])
    rec = load_kb().get(person.get("kb_id")) if person.get("kb_id") else None
    for role in (rec.roles if rec else ()):
        title = str(role.get("title") or "")
        start, end = str(role.get("from") or "0000"), str(role.get("to") or "9999")
        if title and (when is None or start[:7] <= when[:7] <= end[:7]):
            roles.append(title)
    return roles


def _last_mentioned(ctx: FieldContext, people: list[dict], pos: int) -> dict | None:
    best, best_pos = None, -1
    for s, _, ent in ctx.per:
        if s < pos and s > best_pos and ent in people:
            best, best_pos = ent, s
    return best or (people[0] if len(people) == 1 else None)


def _resolve(ctx: FieldContext, cand: Candidate | None) -> tuple[dict | None, str | None]:
    if cand is None:
        return None, "no speaker found before the speech verb"
    if cand.kind == "per":
        return cand.entity, None
    if cand.kind == "org":
        return None, f"the speaker is an organisation: {cand.entity.get('name')}"
    if cand.kind == "pronoun":
        if ctx.salient_unknown:
            return None, "pronoun for a speaker that could not be resolved"
        if ctx.salient is not None:
            return ctx.salient, None
        last = _last_mentioned(ctx, ctx.persons, cand.start)
        if last is not None:
            return last, None
        return None, "pronoun with no person before it"
    if cand.kind == "role":
        fitting = [p for p in ctx.persons if any(_fits(cand.title, r) for r in _roles_of(p, ctx.published))]
        hit = _last_mentioned(ctx, fitting, cand.start) if fitting else None
        if hit is not None:
            return hit, None
        return None, f"no person of the article holds the role: {cand.title}"
    # a bare description: the person whose role starts with that word, else the person last talked about
    word = match_key(cand.title)
    fitting = [p for p in ctx.persons if any(match_key(r).startswith(word) for r in _roles_of(p, ctx.published))]
    hit = _last_mentioned(ctx, fitting, cand.start) if fitting else None
    if hit is not None:
        return hit, None
    if ctx.salient is not None and not ctx.salient_unknown:
        return ctx.salient, None
    return None, f"description with no person to refer to: {cand.title}"


def _clause_start(ctx: FieldContext, sent: Sentence, upto: int) -> int:
    """Where the subject may start: the sentence start, after a lead ("به گزارش ایرنا،")."""
    m = cues().sentence_lead.match(ctx.text, sent.start, upto)
    return m.end() if m else sent.start


def _subject(ctx: FieldContext, a: int, b: int, near: int | None = None) -> Candidate | None:
    cands = _candidates(ctx, a, b)
    if near is not None:
        cands = [c for c in cands if c.start - a <= near]
    return cands[0] if cands else None


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


def _starts_attribution(ctx: FieldContext, sent: Sentence) -> bool:
    """A sentence that says who speaks: a new quote begins there, the previous one ends before it."""
    c = cues()
    text = ctx.text
    if c.sentence_lead.match(text, sent.start, sent.end):
        return True
    for m in c.verb.finditer(text, sent.start, sent.end):
        after = text[m.end():m.end() + 3].lstrip()
        if after[:1] in _COLON:
            return True
    return bool(c.lead_in.search(text, sent.start, sent.end) or c.according.search(text, sent.start, sent.end))


def _paragraph_end(ctx: FieldContext, sent_index: int, pos: int) -> int:
    sents = ctx.sentences
    sent = sents[sent_index]
    end = sent.end
    for nxt in sents[sent_index + 1:]:
        if nxt.paragraph != sent.paragraph or _starts_attribution(ctx, nxt):
            break
        end = nxt.end
    return max(end, pos)


def _words(s: str) -> int:
    return len(re.findall(r"[\w\u200c]+", s))


# ----------------------------------------------------------------------------------------------------------------

def _quote(ctx: FieldContext, speaker: dict | None, reason: str | None, s: int, e: int, kind: str, cue: str
           ) -> dict[str, Any] | None:
    s, e = _trim(ctx.text, s, e)
    if re.match(r"که(?![\w\u200c])", ctx.text[s:e]):
        return None  # "او که ..." — a relative clause about the subject, not what was said
    if e - s < 8 or _words(ctx.text[s:e]) < 3:
        return None
    if any(s < te and ts < e for ts, te in ctx.taken):
        return None
    ctx.taken.append((s, e))
    return {
        "speaker": speaker.get("name") if speaker else None,
        "speaker_kb_id": speaker.get("kb_id") if speaker else None,
        "speaker_id": speaker.get("id") if speaker else None,
        "text": ctx.text[s:e],
        "kind": kind,
        "start": s,
        "end": e,
        "cue": cue,
        "field": ctx.name,
        "reason": None if speaker else (reason or "speaker not resolved"),
    }


def _sentence_quotes(ctx: FieldContext, i: int) -> list[dict]:
    c = cues()
    text = ctx.text
    sent = ctx.sentences[i]
    found: list[dict] = []
    lead_ins = list(c.lead_in.finditer(text, sent.start, sent.end))
    verbs = list(c.verb.finditer(text, sent.start, sent.end))
    base = _clause_start(ctx, sent, sent.end)

    def subject_before(pos: int, near: int | None = None) -> tuple[dict | None, str | None, Candidate | None]:
        stop = pos
        for li in lead_ins:
            if li.start() < stop:
                stop = li.start()
                break
        cand = _subject(ctx, base, stop, near)
        who, why = _resolve(ctx, cand)
        return who, why, cand

    # lead-in: "X با بیان اینکه CONTENT، VERB"
    for li in lead_ins:
        main = next((v for v in verbs if v.start() > li.end()), None)
        stop = main.start() if main else sent.end
        comma = max(text.rfind("،", li.end(), stop), text.rfind(",", li.end(), stop))
        if comma > li.end():
            stop = comma
        elif main is None:
            continue
        who, why, _ = subject_before(li.start())
        q = _quote(ctx, who, why, li.end(), stop, "indirect", li.group(0))
        if q:
            found.append(q)

    # according to: "به گفته X، CONTENT"
    for ac in c.according.finditer(text, sent.start, sent.end):
        cands = _candidates(ctx, ac.end(), min(sent.end, ac.end() + 60))
        cand = cands[0] if cands and cands[0].start - ac.end() <= 2 else None
        if cand is None:
            continue
        who, why = _resolve(ctx, cand)
        comma = text.find("،", cand.end, sent.end)
        start = comma + 1 if 0 <= comma - cand.end <= 60 else cand.end
        q = _quote(ctx, who, why, start, sent.end, "indirect", ac.group(0))
        if q:
            found.append(q)

    # direct (colon or marks) and "که"
    for v in verbs:
        after = text[v.end():]
        stripped = after.lstrip(" \u200c")
        gap = len(after) - len(stripped)
        who = why = None
        if stripped[:1] in _COLON:
            content_start = v.end() + gap + 1
            body = text[content_start:].lstrip()
            content_start += len(text[content_start:]) - len(body)
            who, why, _ = subject_before(v.start())
            if body[:1] in _OPEN:
                close = _matching_close(text, content_start, len(text))
                if close is not None and text[close + 1:close + 3].strip(" .") == "" or (
                        close is not None and text[close + 1:_paragraph_end(ctx, i, close)].strip(" .!?؟") == ""):
                    q = _quote(ctx, who, why, content_start + 1, close, "direct", v.group(0))
                    if q:
                        found.append(q)
                    continue
            end = _paragraph_end(ctx, i, content_start)
            q = _quote(ctx, who, why, content_start, end, "direct", v.group(0))
            if q:
                found.append(q)
        elif stripped[:1] in _OPEN:
            s = v.end() + gap
            close = _matching_close(text, s, len(text))
            if close is None or _words(text[s + 1:close]) < c.min_words_in_marks:
                continue
            who, why, _ = subject_before(v.start())
            q = _quote(ctx, who, why, s + 1, close, "direct", v.group(0))
            if q:
                found.append(q)
        elif re.match(r"که(?![\w\u200c])", stripped):
            who, why, _ = subject_before(v.start())
            q = _quote(ctx, who, why, v.end() + gap + 2, sent.end, "indirect", v.group(0))
            if q:
                found.append(q)
        else:
            # "«CONTENT»، X افزود." — marks at the sentence start, attribution closing the sentence
            lead = text[sent.start:v.start()].lstrip()
            if lead[:1] in _OPEN and text[v.end():sent.end].strip(" .!?؟") == "":
                open_at = sent.start + (len(text[sent.start:v.start()]) - len(lead))
                close = _matching_close(text, open_at, v.start())
                if close is None or _words(text[open_at + 1:close]) < c.min_words_in_marks:
                    continue
                cand = _subject(ctx, close + 1, v.start())
                who, why = _resolve(ctx, cand)
                q = _quote(ctx, who, why, open_at + 1, close, "direct", v.group(0))
                if q:
                    found.append(q)

    # judgement: "X Y را Z دانست"
    for j in c.judgement.finditer(text, sent.start, sent.end):
        follow = text[j.end():j.end() + 3]
        if follow.strip() and not re.match(r"\s*(?:[.،,؛!؟]|و(?![\w\u200c]))", follow):
            continue
        clause = _clause_start(ctx, sent, j.start())
        # the clause of this verb starts after the last colon, semicolon or quote before it
        for sep in (":", "؛"):
            k = text.rfind(sep, clause, j.start())
            if k >= 0:
                clause = k + 1
        cand = _subject(ctx, clause, j.start(), near=25)
        if cand is None or "را" not in re.findall(r"[\w\u200c]+", text[cand.end:j.start()]):
            continue
        who, why = _resolve(ctx, cand)
        q = _quote(ctx, who, why, cand.end, j.start(), "indirect", j.group(0))
        if q:
            found.append(q)
    return found


def _title_quote(ctx: FieldContext) -> dict | None:
    """"<person or role>: CONTENT" in a title."""
    c = cues()
    text = ctx.text
    k = next((i for i, ch in enumerate(text) if ch in _COLON), -1)
    if k <= 0 or _words(text[:k]) > c.title_max_words or c.verb.search(text, 0, k):
        return None
    cands = _candidates(ctx, 0, k)
    if not cands or cands[0].kind not in ("per", "role") or text[:cands[0].start].strip():
        return None
    who, why = _resolve(ctx, cands[0])
    return _quote(ctx, who, why, k + 1, len(text), "direct", ":")


def _update_salient(ctx: FieldContext, sent: Sentence, quotes: list[dict], by_id: dict[str, dict]) -> None:
    for q in reversed(quotes):
        if q["speaker_id"]:
            ctx.salient, ctx.salient_unknown = by_id[q["speaker_id"]], False
            return
    if quotes:
        ctx.salient_unknown = True
        return
    cands = [x for x in _candidates(ctx, _clause_start(ctx, sent, sent.end), sent.end) if x.kind == "per"]
    if cands:
        ctx.salient, ctx.salient_unknown = cands[0].entity, False


def _context(article: Article, name: str, text: str) -> FieldContext:
    per, org = [], []
    for ent in article.entities:
        for m in ent.get("mentions") or []:
            if m.get("field", "text") != name:
                continue
            if ent.get("type") == "PER":
                per.append((m["start"], m["end"], ent))
            elif ent.get("type") == "ORG":
                org.append((m["start"], m["end"], ent))
    persons = [e for e in article.entities if e.get("type") == "PER"]
    return FieldContext(name, text, split_sentences(text), sorted(per, key=lambda x: x[0]),
                        sorted(org, key=lambda x: x[0]), find_roles(text) if text else [], persons,
                        article.published)


def find_quotes(article: Article) -> list[dict[str, Any]]:
    by_id = {e["id"]: e for e in article.entities if e.get("id")}
    out: list[dict] = []
    for name, text in (("title", article.title or ""), ("text", article.text or "")):
        if not text:
            continue
        ctx = _context(article, name, text)
        if name == "title":
            tq = _title_quote(ctx)
            if tq:
                out.append(tq)
        for i, sent in enumerate(ctx.sentences):
            qs = _sentence_quotes(ctx, i)
            out.extend(qs)
            if qs or not any(s <= sent.start < e for s, e in ctx.taken):
                _update_salient(ctx, sent, qs, by_id)  # names inside a quote are not who the article is about
    out.sort(key=lambda q: (q["field"] != "title", q["start"]))
    return out


def extract_quotes(article: Article) -> None:
    article.quotes = find_quotes(article)
