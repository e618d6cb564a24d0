"""Claims an article states, read generally rather than from a list of facts (docs/corpus.md):

- figures: a number (digits in any script with thousands separators, number words with their scales:
  «یک میلیون و ۹۳۴ هزار») with what it counts — the noun right after it («۲۹ سرباز»), after a counter word
  («۳۳ نفر از نظامیان»), or the noun a «شمار/تعداد X ... N» phrase names before it — the words of its clause
  before it (who or what it is about: «محمدتقی مصباح یزدی با ...»), and the day named in its sentence;
- sets: three or more named places (or people, organisations) listed together («روسیه، چین، عراق و ترکیه»),
  with the words that introduce the list.

The word lists (number words, scales, counters, noun classes, words that are never counted) are data:
khazar/kb/data/claims.yaml. Each claim keeps its sentence and character span so that a contradiction can show
exactly where each outlet said what.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from .. import kb
from ..extract.sentences import split_sentences
from ..text.fold import match_key  # remembers the keys of words, which repeat across a corpus


# A number in digits («1,265,287», «۱۸.۷», «۱۳») or a word (letters joined by ZWNJ count as one word).
_TOKEN = re.compile(r"\d+(?:[,٬]\d{3})+(?!\d)|\d+(?:[.٫]\d+)?|[^\W\d_]+(?:\u200c[^\W\d_]+)*")
# Punctuation that closes a clause: what stands beyond it is not what the number is about.
# Guillemets are not among them: they enclose names («آیت الله مصباح یزدی» با ...); nor is a colon, which
# joins a label to its value («شمار فوتی‌ها: ۱۹ نفر»).
_CLAUSE = re.compile(r"[؛;!?؟()\[\]،]|[.,٬](?!\d)|\s-\s|\s/\s")


@dataclass(frozen=True)
class Lexicon:
    numbers: dict[str, int]
    scales: dict[str, int]
    counters: frozenset[str]
    generic: frozenset[str]
    totals: frozenset[str]
    never_counted: frozenset[str]
    noun_class: dict[str, str]  # noun key → class (synonyms share one)
    count_heads: frozenset[str]
    stop: frozenset[str]
    plural_endings: tuple[str, ...]
    bounds: tuple[tuple[tuple[str, ...], str], ...]  # (words before a number, bound kind), longest first
    running: tuple[tuple[str, ...], ...]
    comparatives: tuple[tuple[str, ...], ...]


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    d = kb.data("claims")
    noun_class = {}
    for cls, nouns in (d.get("noun_classes") or {}).items():
        for n in nouns:
            noun_class[match_key(n)] = cls
    return Lexicon(
        numbers={match_key(k): int(v) for k, v in d["numbers"].items()},
        scales={match_key(k): int(v) for k, v in d["scales"].items()},
        counters=frozenset(match_key(c) for c in d.get("counters") or []),
        generic=frozenset(match_key(c) for c in d.get("generic_nouns") or []),
        totals=frozenset(match_key(c) for c in d.get("totals") or []),
        never_counted=frozenset(match_key(c) for c in d.get("never_counted") or []),
        noun_class=noun_class,
        count_heads=frozenset(match_key(c) for c in d.get("count_heads") or []),
        stop=frozenset(match_key(c) for c in d.get("subject_stopwords") or []),
        plural_endings=tuple(sorted((match_key(e) for e in d.get("plural_endings") or []), key=len, reverse=True)),
        bounds=tuple(sorted(((tuple(match_key(w) for w in phrase.split()), kind)
                             for kind, phrases in (d.get("bounds") or {}).items() for phrase in phrases),
                            key=lambda x: -len(x[0]))),
        running=tuple(tuple(match_key(w) for w in phrase.split()) for phrase in d.get("running_total") or []),
        comparatives=tuple(tuple(match_key(w) for w in phrase.split()) for phrase in d.get("comparatives") or []),
    )


@dataclass
class Claim:
    kind: str  # "number" or "set"
    noun: str | None  # class of what is counted (number) or of the listed members (set)
    value: float | tuple[str, ...]
    subject: frozenset[str]  # content word keys of the clause before the number / list
    qualifiers: frozenset[str]  # what the counted noun is qualified by («خارجی»)
    first_qualifier: frozenset[str]
    total: bool  # «از مجموع N»: a total, not a part
    day: str | None  # the day named in the sentence (ISO), if any
    sentence: str
    field: str  # "title" or "text"
    start: int  # span of the number or list in the field
    end: int
    text: str = ""  # the number or list as written
    members: dict[str, str] = field(default_factory=dict)  # set: member key → display name
    bound: str = "="
    running: bool = False  # stated as a running total («تاکنون»)
    # The places the figure is about: those named in its sentence, else those of the article's title
    # («رضایی ۶۵۵ رای» in a report on Damghan's count is not Borujerd's «رضایی ۱۸۵۱ رای»).
    places: frozenset[str] = frozenset()

    def to_dict(self) -> dict:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"kind": self.kind, "noun": self.noun, "value": value, "text": self.text, "sentence": self.sentence,
                "field": self.field, "start": self.start, "end": self.end, "day": self.day}


def lemma(key: str, lx: Lexicon | None = None) -> str:
    """A counted noun's key without its plural ending (سربازان → سرباز, مبتلایان → مبتلا), then its class."""
    lx = lx or lexicon()
    if key in lx.noun_class:
        return lx.noun_class[key]
    for end in lx.plural_endings:
        if key.endswith(end) and len(key) - len(end) >= 3:
            base = key[: -len(end)]
            return lx.noun_class.get(base, base)
    return key


def _value(tok: str, lx: Lexicon) -> float | None:
    if tok[0].isdigit():
        t = re.sub(r"[,٬]", "", tok).replace("٫", ".")
        try:
            return float(t)
        except ValueError:
            return None
    return lx.numbers.get(match_key(tok))


def _numbers(toks: list[tuple[str, int, int]], lx: Lexicon) -> list[tuple[float, int, int]]:
    """(value, first token, last token + 1) of each number, compound numbers read whole:
    «یک میلیون و ۹۳۴ هزار» = 1934000, «۲۴۹ هزار و ۱۳۰» = 249130."""
    out = []
    i = 0
    while i < len(toks):
        v = _value(toks[i][0], lx)
        if v is None:
            i += 1
            continue
        total, current, j = 0.0, v, i + 1
        while j < len(toks):
            k = match_key(toks[j][0])
            if k in lx.scales:
                current *= lx.scales[k]
                if lx.scales[k] >= 1000:
                    total, current = total + current, 0.0
                j += 1
            elif k == "و" and j + 1 < len(toks) and (_value(toks[j + 1][0], lx) is not None):
                nxt = _value(toks[j + 1][0], lx)
                current += nxt
                j += 2
            else:
                break
        out.append((total + current, i, j))
        i = j
    return out


def _known(key: str, lx: Lexicon) -> bool:
    return key in lx.noun_class


def _counted(keys: list[str], i: int, j: int, lx: Lexicon) -> str | None:
    """The class of what the number at tokens i..j counts, or None."""
    k: int | None = j
    counter = j < len(keys) and keys[j] in lx.counters
    if counter:
        k = j + 1
        if k < len(keys) and keys[k] == "از":  # «۳۳ نفر از نظامیان»
            k += 1
        elif not (k < len(keys) and _known(keys[k], lx)):  # «۱۵ نفر جان باختند»: not a noun after it
            k = None
    if k is not None and k < len(keys) and keys[k] not in lx.stop and not keys[k][0].isdigit():
        return lemma(keys[k], lx)
    # «شمار سربازان کشته‌شده ... را ۲۹ تن»: the noun a count word names; «تلفات کرونا به ۳۴ نفر رسید»: the
    # nearest noun known to be counted
    # — but not past another number: a noun before that one is what that one counts
    start = max((h + 1 for h in range(i) if _value(keys[h], lx) is not None), default=0)
    for h in range(i - 2, start - 1, -1):
        if keys[h] in lx.count_heads:
            return lemma(keys[h + 1], lx)
    for h in range(i - 1, start - 1, -1):
        if _known(keys[h], lx):
            return lemma(keys[h], lx)
    return lemma(keys[j], lx) if counter else None


def _clauses(text: str) -> list[tuple[int, int]]:
    spans, last = [], 0
    for m in _CLAUSE.finditer(text):
        spans.append((last, m.start()))
        last = m.end()
    spans.append((last, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _content(keys: list[str], lx: Lexicon) -> frozenset[str]:
    return frozenset(k for k in keys if len(k) > 1 and k not in lx.stop and not k[0].isdigit()
                     and k not in lx.numbers and k not in lx.scales)


def forms(key: str) -> set[str]:
    """A modifier's key and its forms without an adjective or plural ending: ترکیه‌ای gives ترکیه (and ترکی),
    so that «سرباز ترکیه‌ای» and «سرباز ارتش ترکیه» share a qualifier."""
    out = {key}
    for end in ("های", "ها", "ای", "ان", "ی"):
        if key.endswith(end) and len(key) - len(end) >= 3:
            out.add(key[: -len(end)])
    return out


@dataclass(frozen=True)
class Figure:
    value: float
    noun: str | None  # class of what is counted
    subject: frozenset[str]  # content words of the clause before the number
    qualifiers: frozenset[str]  # forms of the content words right after the counted noun («منطقه خارجی»)
    first_qualifier: frozenset[str]  # forms of the first of them
    total: bool
    start: int
    end: int
    bound: str = "="  # "=", or at_least / at_most / about («بیش از صد»)


QUALIFIER_WORDS = 3


@lru_cache(maxsize=1)
def _may_have_number() -> re.Pattern:
    """A quick test that a sentence holds a digit or a number word at all (most sentences do not)."""
    spellings = []
    for w in sorted(lexicon().numbers, key=len, reverse=True):
        spellings.append(w.replace("ی", "[یيى]").replace("ک", "[کك]"))
    return re.compile(r"\d|(?<!\w)(?:" + "|".join(spellings) + r")(?!\w)")


def figures(sentence: str, lx: Lexicon | None = None) -> list[Figure]:
    """The numbers of one sentence with what they count, whom they are about and their qualifiers."""
    lx = lx or lexicon()
    out: list[Figure] = []
    if not _may_have_number().search(sentence):
        return out
    for ca, cb in _clauses(sentence):
        clause = sentence[ca:cb]
        toks = [(m.group(), m.start() + ca, m.end() + ca) for m in _TOKEN.finditer(clause)]
        toks = [t for t in toks if match_key(t[0])]  # a word of only marks or tatweel has no key
        keys = [match_key(t) for t, _, _ in toks]
        earlier = False  # a number before this one in the clause
        for value, i, j in _numbers(toks, lx):
            prev = keys[i - 1] if i else ""
            if prev in lx.never_counted or (j < len(keys) and keys[j] in lx.never_counted):
                continue  # «سال ۹۸», «۵ اسفند»: a date, not a figure
            noun = _counted(keys, i, j, lx)
            if noun in lx.never_counted:
                continue
            # «از مجموع N», «۲۳۰ منتخب از ۲۶۷ رای»: what the parts are out of
            total = (prev in lx.totals and i >= 2 and keys[i - 2] == "از") or (prev == "از" and earlier)
            earlier = True
            bound = next((kind for words_, kind in lx.bounds if tuple(keys[max(0, i - len(words_)):i]) == words_),
                         "=")
            subject = _content(keys[max(0, i - 6):i], lx)
            after = j + 1 + (j < len(keys) and keys[j] in lx.counters)
            if any(tuple(keys[after:after + len(c)]) == c for c in lx.comparatives):
                continue  # «۴۵ مورد بیش از آمار قبلی»: how much more, not how many
            qual_keys = [k for k in keys[after:after + QUALIFIER_WORDS] if k in _content([k], lx) and k not in lx.counters]
            quals = frozenset(f for k in qual_keys for f in forms(k))
            first = frozenset(forms(qual_keys[0])) if qual_keys else frozenset()
            out.append(Figure(value, noun, subject, quals, first, total, toks[i][1], toks[j - 1][2], bound))
    return out


def _day_of(times, field: str, start: int, end: int) -> str | None:
    for t in times:
        if t.field == field and start <= t.start < end and t.kind == "day" and len(t.value) == 10:
            return t.value
    return None


_LIST_GAP = re.compile(r"^\s*(?:[،,]|و)\s*$|^\s*[،,]\s*و\s*$")


class _Named(NamedTuple):
    """A mention of a named entity, as claims read it: where, which entity (its KB id, else its id), what type."""

    field: str
    start: int
    end: int
    key: str
    type: str
    name: str


def _named_mentions(article) -> list[_Named]:
    """Every mention of a named entity in the article, in text order: read once for all its sentences."""
    return sorted(_Named(m.field, m.start, m.end, e.kb_id or e.id, e.type, e.name or m.text)
                  for e in article.entities for m in e.mentions)


def _within(named: list[_Named], field: str, start: int, end: int) -> list[_Named]:
    return [n for n in named if n.field == field and start <= n.start and n.end <= end]


def _sets(ms: list[_Named], field: str, text: str, s_start: int, s_end: int, lx: Lexicon) -> list[Claim]:
    """Runs of 3+ named entities of one type (`ms`: the sentence's mentions, in order) joined only by «،» / «و»:
    a named set and its members."""
    out: list[Claim] = []
    run: list[_Named] = []

    def close():
        if len(run) >= 3:
            a, b = run[0].start, run[-1].end
            before = [match_key(t) for t in _TOKEN.findall(text[max(s_start, a - 60):a])][-5:]
            out.append(Claim("set", run[0].type, tuple(sorted({r.key for r in run})), _content(before, lx),
                             frozenset(), frozenset(), False, None, text[s_start:s_end], field, a, b, text[a:b],
                             {r.key: r.name for r in run}))

    for m in ms:
        if run and (m.type != run[-1].type or not _LIST_GAP.match(text[run[-1].end:m.start])):
            close()
            run = []
        if not run or m.start >= run[-1].end:
            run.append(m)
    close()
    return out


def _places(named: list[_Named]) -> frozenset[str]:
    return frozenset(n.key for n in named if n.type == "LOC")


def _has(keys: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(keys[i:i + n]) == phrase for i in range(len(keys) - n + 1))


def article_claims(article) -> list[Claim]:
    """Every figure and named set the article states, title first."""
    lx = lexicon()
    out: list[Claim] = []
    named = _named_mentions(article)
    title_places = _places([n for n in named if n.field == "title"])
    parts = [("title", article.title or "", [(0, len(article.title or ""))])]
    parts.append(("text", article.text or "", [(s.start, s.end) for s in split_sentences(article.text or "")]))
    for field_name, text, spans in parts:
        for a, b in spans:
            sent = text[a:b]
            named_here = _within(named, field_name, a, b)
            day = _day_of(article.times, field_name, a, b)
            running = None
            for fg in figures(sent, lx):
                if running is None:
                    keys = [match_key(t) for t in _TOKEN.findall(sent)]
                    running = any(_has(keys, phrase) for phrase in lx.running)
                out.append(Claim("number", fg.noun, fg.value, fg.subject, fg.qualifiers, fg.first_qualifier, fg.total,
                                 day, sent.strip(), field_name, a + fg.start, a + fg.end, sent[fg.start:fg.end],
                                 bound=fg.bound, running=running,
                                 places=_places(named_here) or title_places))
            out.extend(_sets(named_here, field_name, text, a, b, lx))
    return out
