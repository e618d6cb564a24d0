"""People, organisations and places: recognised, linked to the knowledge base, merged per entity, with roles.

Three sources of mentions, in order of trust:
1. the knowledge base (kb/): every name and alias, matched ZWNJ/space/letter-form insensitively;
2. titles and roles (kb/roles.py): "استاندار گیلان", "سفیر ایران در روسیه" — they attach to the person named
   next to them, and stand for that person when used alone ("استاندار گیلان گفت");
3. the statistical tagger (ner/, trained on PEYMA; KHAZAR_NER=nn|crf) for the names no list knows.
Mentions of one real-world entity are merged: by kb id, else by the comparison key of the name, and
surnames ("جلالی") join the full name ("کاظم جلالی") said in the same article.
"""
from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import accumulate

from .. import kb
from ..kb import KBRecord, get_matcher, load_kb
from ..kb.matcher import KBMatch, PhraseMatcher
from ..kb.roles import RoleMatch, cut_at_names, find_roles, fits_role, rank_before, role_group, written_title
from ..model import Article, Entity, EntityMention
from ..ner.features import FIRST_NAMES, ORG_HEADS, tokenize
from ..text.fold import match_key, name_key, token_form

_KIND_PRIORITY = {"country": 0, "sea": 1, "province": 2, "city": 3, "port": 4, "region": 5, "free-zone": 6}
# Characters allowed between a name and its apposition ("هادی حقشناس، استاندار گیلان").
_APPOSITION_GAP = re.compile(r"^[\s،,«»'\"]{0,4}$")
_WORD = re.compile(r"[\w\u200c]+")
_PUNCT = re.compile(r"[،,:؛;()«»\"'.!?؟\-–]")
# Between two titles of one person: "معاون وزیر و سخنگوی وزارت".
_COORDINATED = re.compile(r"^[\s،,]*و\s+$")
# «…» around a whole name marks the name; around a longer phrase (a slogan, a title) it marks no name in it.
_GUILLEMETS = re.compile(r"«\s*([^«»\n]{1,200}?)\s*»")
# Corpus count above which a surname is also an everyday word (دوستی 40, جلالی 39, قشقاوی 0).
_COMMON_WORD_COUNT = 10


@dataclass(frozen=True)
class NameParts:
    honorifics: tuple[str, ...]
    place_context: frozenset[str]
    not_names: frozenset[str]
    org_heads: tuple[str, ...]
    plural_titles: re.Pattern[str]
    singular_of: dict[str, str]
    honorific_words: frozenset[str]  # first words of the honorifics that name people, as fold.token_form writes them
    surname_endings: tuple[str, ...]
    not_surname_endings: tuple[str, ...]
    everyday_given_names: frozenset[str]
    outlet_cue: re.Pattern[str]  # matches the end of the text before an outlet named by a weak alias
    report_cue: re.Pattern[str]  # ... before an outlet credited as the story's source, the outlets it lists
    place_prefix: re.Pattern[str]  # a direction or class word opening a tagged place span, with its gap
    organisation_class: re.Pattern[str]  # matches the end of the text before a name an organisation word types
    place_list: re.Pattern[str]  # a plural class noun and the list of places after it


# A word of a listed place (ZWNJ inside it) and an item of one or two such words.
_LIST_WORD = r"[^\W\d_]+(?:\u200c[^\W\d_]+)*"
_ITEM = rf"{_LIST_WORD}(?: {_LIST_WORD})?"


@lru_cache(maxsize=1)
def _name_parts() -> NameParts:
    data = kb.data("name_parts")
    plural = {match_key(k): v for k, v in data["plural_titles"].items()}

    reporter = (_alternation(data["outlet_reporters"]) + r"(?:\s+(?!" + _alternation(data["outlet_not_desk"])
                + r"(?![\w\u200c]))[\w\u200c]+){0,3}")
    heads = "|".join(re.escape(k).replace(r"\ ", r"[\s\u200c]?") for k in sorted(data["plural_titles"], key=len, reverse=True))
    return NameParts(
        honorifics=tuple(sorted(data["honorifics"], key=len, reverse=True)),
        place_context=frozenset(data["place_context"]),
        not_names=frozenset(match_key(x) for x in data["not_names"]),
        org_heads=tuple(data["org_heads"]),
        plural_titles=re.compile(rf"(?P<head>{heads}) (?P<x>[\w\u200c]+) و (?P<y>[\w\u200c]+)"),
        singular_of=plural,
        honorific_words=frozenset(token_form(h.split(" ")[0]) for h in data["honorifics"])
        - {token_form(h) for h in data["place_naming_honorifics"]},
        surname_endings=tuple(data["surname_endings"]),
        not_surname_endings=tuple(data["not_surname_endings"]),
        everyday_given_names=frozenset(token_form(x) for x in data["everyday_given_names"]),
        outlet_cue=re.compile(r"(?<![\w\u200c])(?:" + _alternation(data["outlet_cues"] + data["outlet_heads"]) + "|"
                              + reporter + r")\s*$"),
        report_cue=re.compile(r"(?<![\w\u200c])(?:" + _alternation(data["outlet_cues"]) + "|" + reporter
                              + r")(?:[\s\u200c]+" + _alternation(data["outlet_heads"])
                              + r")?(?:[^.،,:\n]{0,40}(?:[\s\u200c]و|[،,]))?\s*$"),
        place_prefix=re.compile(r"(?:" + _alternation(data["place_plural_classes"]) + r"[\s\u200c]+[\w\u200c]+ی(?=[\s\u200c]+"
                                + _alternation(data["place_prefixes"]) + r"[\s\u200c])|"
                                + _alternation(data["place_prefixes"]) + r")[\s\u200c]+"),
        place_list=re.compile(
            r"(?<![\w\u200c])" + _alternation(data["place_plural_classes"]) + r"(?:[\s\u200c]+[\w\u200c]+ی)?[\s\u200c]+"
            r"(?:" + _alternation(data["list_openers"]) + r"[\s\u200c]+)?"
            rf"(?P<items>(?:{_ITEM}[ ]?[،,][ ]?)+{_ITEM}(?:[ ]?[،,][ ]?|[ ]و[ ]){_LIST_WORD})"),
        organisation_class=re.compile(r"(?<![\w\u200c])" + _alternation(data["organisation_classes"])
                                      + r"(?:[\s\u200c]+[\w\u200c]+ی)?[\s\u200c«\"]*$"),
    )


def _alternation(words: list[str]) -> str:
    """Regex alternation of the words, longest first; a space in a word matches spaces or a ZWNJ, a ZWNJ matches
    a space, a ZWNJ or nothing."""
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"[\s\u200c]+").replace("\u200c", "[\\s\u200c]?")
                            for w in sorted(words, key=len, reverse=True)) + ")"


@lru_cache(maxsize=4)
def _tagger(ner: str | None):
    from ..ner.tagger import load_tagger

    return load_tagger(ner)  # None: KHAZAR_NER, else the default tagger


@dataclass
class Mention:
    start: int
    end: int
    text: str
    field: str
    type: str
    kb_id: str | None = None
    origin: str = "kb"  # kb | tagger | weak | surname | role | pattern | outlet


@dataclass
class EntityBuilder:
    type: str
    name: str
    kb_id: str | None
    name_en: str | None = None
    roles: list[str] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    # named only as the source of the story ("به گزارش فارس", a "منبع:" line): the article's outlet or
    # source, not one of its topics; lists of the most mentioned entities leave it out
    attribution: bool = False

    @property
    def key(self) -> str:
        return self.kb_id or f"{self.type}:{match_key(self.name)}"

    def build(self) -> Entity:
        stable = self.kb_id or "x:" + hashlib.sha1(f"{self.type}:{match_key(self.name)}".encode()).hexdigest()[:12]
        return Entity(id=stable, type=self.type, name=self.name, name_en=self.name_en, kb_id=self.kb_id,
                      roles=self.roles, attribution=self.attribution, role_keys=[role_group(r) for r in self.roles],
                      mentions=[EntityMention(m.start, m.end, m.text, m.field)
                                for m in sorted(self.mentions, key=lambda m: (m.field != "title", m.start))])


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class _Spans:
    """A fixed set of spans asked, span after span, whether one overlaps any of them (what `_overlaps` says of a
    pair): by bisect over their starts and the furthest end among the spans starting before — the names of a long
    text against its KB mentions are thousands of pairs."""

    def __init__(self, spans: list[tuple[int, int]]):
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach = list(accumulate((e for _, e in ordered), max))

    def overlap(self, span: tuple[int, int]) -> bool:
        before_end = bisect_left(self._starts, span[1])
        return before_end > 0 and self._reach[before_end - 1] > span[0]


def _choose_record(ids: tuple[str, ...], tagged_type: str | None) -> KBRecord:
    kb = load_kb()
    records = [kb[i] for i in ids]
    if tagged_type:
        typed = [r for r in records if r.type == tagged_type]
        records = typed or records
    # A country over a city of the same name, and Iran's place when an alias is shared (آستارا).
    return min(records, key=lambda r: (_KIND_PRIORITY.get(r.kind, 9), r.country != "IR", r.id))


def _previous_word(text: str, start: int) -> str:
    words = _WORD.findall(text[max(0, start - 30):start])
    return words[-1] if words else ""


def strip_honorifics(name: str) -> str:
    honorifics = _name_parts().honorifics
    changed = True
    while changed:
        changed = False
        for h in honorifics:
            if name.startswith(h + " ") or name.startswith(h + "\u200c"):
                name = name[len(h) + 1:].strip()
                changed = True
    return name


def _mentions_in(field_name: str, text: str, use_tagger: bool, ner: str | None = None) -> tuple[list[Mention], list]:
    parts = _name_parts()
    tagged = _tagger(ner).tag_text(text) if use_tagger and text else []
    tagged_at = {(s, e): t for s, e, t in tagged}
    glued = _glued_words(text)
    kb_matches = get_matcher().find(text) + _names_glued_on(text, glued)
    # "فارس" inside the KB's "خبرگزاری فارس" is that match's; a cue makes a bare "فارس" the agency
    outlets = [o for o in _outlets_by_cue(text, kb_matches)
               if not any(k.start <= o.start and o.end <= k.end and k.end - k.start > o.end - o.start for k in kb_matches)]
    kb_hits = []
    for m in kb_matches:
        if any(_overlaps((m.start, m.end), (o.start, o.end)) for o in outlets):
            continue
        tagged_type = tagged_at.get((m.start, m.end))
        if m.ambiguous and tagged_type != "LOC" and _previous_word(text, m.start) not in parts.place_context:
            continue
        record = _choose_record(m.ids, tagged_type)
        if record.kind in _TOWN_KINDS and _surname_of_tagged_person(text, m, tagged):
            continue  # "علی بخشایش": a town's name as a person's surname
        kb_hits.append((m, record))
    # an organisation named after its place ("شهرداری کرج") is a name of its own around the place, which stays
    # a mention of the place too (nested), so the organisation is found and the place keeps its link
    named_after_place = {(s, e) for s, e, typ in tagged if typ == "ORG" and _org_named_after_place(text, s, e, kb_hits)}
    foreign_end = _foreign_counterparts(text, kb_hits)
    mentions = [Mention(m.start, m.end, m.text, field_name, rec.type, rec.id, "kb") if i not in foreign_end else
                Mention(m.start, foreign_end[i], text[m.start:foreign_end[i]], field_name, "ORG", None, "kb")
                for i, (m, rec) in enumerate(kb_hits)]
    mentions += [Mention(o.start, o.end, o.text, field_name, "ORG", o.ids[0], "outlet") for o in outlets]
    roles = find_roles(text)
    taken = _Spans([(m.start, m.end) for m in mentions])
    # a title read from the phrase structure alone gives way to a name found inside it (cut_at_names)
    role_spans = [(r.start, r.end) for r in roles if not r.open]
    quoted = [(q.start(1), q.end(1)) for q in _GUILLEMETS.finditer(text)]
    # without the tagger, the structure of Persian names finds the people the knowledge base does not know
    spans = tagged if use_tagger else _names_by_structure(text)
    pieces = [part for start, end, kind in spans
              for part in (_place_parts(text, start, end) if kind == "LOC" else [(start, end, kind)])]
    for s, e, typ in pieces:
        span = (s, e)
        if span not in named_after_place and taken.overlap(span):
            continue
        if any(a <= s and e <= b and (s, e) != (a, b) for a, b in quoted):
            continue  # part of a «quoted slogan or title»: the tagger reads its words as names
        if typ == "PER" and any(_overlaps(span, r) for r in role_spans):
            continue
        while e > s and not (text[e - 1].isalnum()):
            e -= 1  # a closing » or ) is not part of the name
        if typ == "PER":
            s, e = _unglued(s, e, glued)
            if parts.organisation_class.search(text, max(0, s - 40), s):
                typ = "ORG"
        surface = text[s:e]
        if typ == "PER":
            name = strip_honorifics(surface)
            s = e - len(name)
            surface = name
        key = match_key(surface)
        if len(key) < 2 or key in parts.not_names:
            continue
        kb_id = _org_by_head(surface) if typ == "ORG" else None
        if typ == "ORG" and kb_id is None and not _names_an_organisation(text, s, e, role_spans):
            continue
        mentions.append(Mention(s, e, surface, field_name, typ, kb_id, "tagger" if use_tagger else "pattern"))
    taken = _Spans([(m.start, m.end) for m in mentions])
    for s, e in _listed_places(text):
        if not taken.overlap((s, e)) and match_key(text[s:e]) not in parts.not_names:
            mentions.append(Mention(s, e, text[s:e], field_name, "LOC", None, "pattern"))
    return mentions, roles


def _may_name_a_place(item: str, plain: dict[str, float]) -> bool:
    """A listed item holds a rare word and is no adjective made from a common noun (تجهیزاتی, توریستی)."""
    words = re.split(r"[ \u200c]", item)
    if words[0] == "و" or (len(words) == 1 and item.endswith("ی") and plain.get(item[:-1], 0) >= _COMMON_MIN_COUNT):
        return False
    return any(plain.get(w, 0) < _COMMON_MIN_COUNT for w in words)


_LIST_SEPARATOR = re.compile(r"[ ]?[،,][ ]?|[ ]و[ ]")


def _listed_places(text: str) -> list[tuple[int, int]]:
    """The places of a list after a plural class noun ("روستاهای استاد کلایه، گوشکور، شیشارستان و هردو آب"):
    three items or more, each of one or two words, at least two of them holding a rare word (a list of common
    words is a list of kinds: "شهرهای بزرگ، کوچک و متوسط"); the last item, after "و", is one word."""
    from ..text.zwnj import get_model

    plain = get_model().plain
    out = []
    for m in _name_parts().place_list.finditer(text):
        items, start = [], m.start("items")
        for sep in _LIST_SEPARATOR.finditer(text, start, m.end("items")):
            items.append((start, sep.start()))
            start = sep.end()
        items.append((start, m.end("items")))
        rare = [(s, e) for s, e in items if _may_name_a_place(text[s:e], plain)]
        if len(items) >= 3 and len(rare) >= 2:
            out += rare
    return out


# "دانشگاه‌های چین", "خبرگزاری ها": an organisation word in the plural names a kind, not one body.
_PLURAL_HEAD = re.compile(r"[\s\u200c]*(?:ها|های|هایی|ان)(?![\w\u200c])")
# "این سازمان", "همان شرکت", "دو شبکه": a body named before or a count of bodies, not a name.
_DEMONSTRATIVE = re.compile(r"(?<![\w\u200c])(?:این|آن|همین|همان|هر|چند|برخی|بعضی|دو|سه|چهار|پنج)[\s\u200c]+$")


def _names_an_organisation(text: str, start: int, end: int, role_spans: list[tuple[int, int]]) -> bool:
    """Is the tagger's ORG span text[start:end] (not found in the knowledge base) a name? Not when it is an
    organisation word alone or in the plural, after a demonstrative, or the rest of a person's title without an
    organisation word ("اقتصاد دولت نهم و دهم" of "وزیر اقتصاد دولت نهم و دهم")."""
    first = _WORD.match(text, start)
    head = first is not None and token_form(first.group(0)) in ORG_HEADS
    if first is not None and head and (first.end() >= end or _PLURAL_HEAD.match(text, first.end())):
        return False
    if _DEMONSTRATIVE.search(text, max(0, start - 8), start):
        return False
    return head or not any(a < start < b for a, b in role_spans)


_LIST_COMMA = re.compile(r"[،,]")
_PLACE_CUT = re.compile(r"[\s\u200c]+در[\s\u200c]+")
_QUOTES = "«»\"'“”"


def _place_parts(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """The places in a span the tagger called LOC: a comma list is one place per item, a place "در" another
    place is the first, "پایتخت (مانیلا)" is the name in the brackets ("پیامبر(ص)" keeps the name before a
    one-letter blessing), and direction and class words before the name go (name_parts.yaml place_prefixes)."""
    cut = _PLACE_CUT.search(text, start, end)
    end = cut.start() if cut else end
    parts, s = [], start
    for comma in _LIST_COMMA.finditer(text, start, end):
        parts.append((s, comma.start()))
        s = comma.end()
    parts.append((s, end))
    out = []
    for s, e in parts:
        bracket = text.find("(", s, e)
        if bracket != -1:
            inside = text[bracket + 1:e].rstrip(") ")
            s, e = (bracket + 1, bracket + 1 + len(inside)) if len(inside) >= 2 else (s, bracket)
        while True:
            while s < e and (text[s].isspace() or text[s] in _QUOTES):
                s += 1
            while e > s and (text[e - 1].isspace() or text[e - 1] in _QUOTES):
                e -= 1
            prefix = _name_parts().place_prefix.match(text, s, e)
            if prefix is None or prefix.end() >= e:
                break
            s = prefix.end()
        if e - s >= 2:
            out.append((s, e, "LOC"))
    return out


@lru_cache(maxsize=1)
def _outlet_weak_aliases() -> PhraseMatcher:
    return PhraseMatcher((alias, rec.id) for rec in load_kb().records if rec.kind == "outlet"
                         for alias in rec.weak_aliases)


# "ایرنا و فارس", "ایرنا، فارس": a weak alias listed after an outlet is an outlet too.
_LISTED_AFTER = re.compile(r"[\s\u200c]*(?:و|،|,)[\s\u200c]*$")
# "فارس: ..." opening a line: the agency's turn in an interview.
_INTERVIEW_TURN = re.compile(r"[\s\u200c]*:")


def _outlets_by_cue(text: str, kb_matches: list[KBMatch]) -> list[KBMatch]:
    """Outlets named by a weak alias where only an outlet fits: after a reporting word ("به گزارش فارس" is the
    agency, not the province; "خبرنگار مهر" its reporter, not the month), listed after an outlet ("ایرنا و
    فارس"), or as the interviewer's turn at the start of a line ("فارس: ...")."""
    cue = _name_parts().outlet_cue
    found: list[KBMatch] = []
    outlet_ends = None
    for m in _outlet_weak_aliases().find(text):
        # news lines run long: look back a few words, never to the start of the line
        line_start = text.rfind("\n", max(0, m.start - 60), m.start) + 1 or max(0, m.start - 60)
        if cue.search(text, line_start, m.start) or (
                _INTERVIEW_TURN.match(text, m.end) and not text[text.rfind("\n", 0, m.start) + 1:m.start].strip()):
            found.append(m)
            continue
        listed = _LISTED_AFTER.search(text, max(line_start, m.start - 8), m.start)
        if listed:
            if outlet_ends is None:
                kb = load_kb()
                outlet_ends = {h.end for h in kb_matches if any(kb[i].kind == "outlet" for i in h.ids)}
            if listed.start() in outlet_ends | {o.end for o in found}:
                found.append(m)
    return found


# A crawl that lost the line breaks glues the last word of a line to the first of the next, and lists and
# repeated headings do it again and again with the same word: "5 موردتایلند: 8 مورداسترالیا", "حاجی
# باباییموضوعی … حاجی باباییحالا". A word is glued when it is rare (corpus count, the ZWNJ model's plain words)
# and opens with a common word of four letters or more that opens other rare words of the text too; a single
# rare compound is a name (جهانبخش, رودباری) and stays whole.
_GLUED_MAX_COUNT, _COMMON_MIN_COUNT = 10, 30
_LETTERS = re.compile(r"[^\W\d_]{6,}")
_TOWN_KINDS = frozenset({"city", "district", "region", "port", "island"})
# A plural ending written without its ZWNJ (تحریمهای) is no second word.
_PLURAL_ENDINGS = ("ها", "ان")


def _glued_words(text: str) -> dict[int, tuple[int, int, bool]]:
    """{start of a glued word: (where its second part starts, its end, whether that part is a common word)}."""
    from ..text.zwnj import get_model

    plain = get_model().plain
    rare = [w for w in set(_LETTERS.findall(text)) if plain.get(w, 0) < _GLUED_MAX_COUNT]
    if len(rare) < 2:
        return {}
    rests: dict[str, set[str]] = {}
    for word in rare:
        for cut in _common_openings(word):
            if not word.startswith(_PLURAL_ENDINGS, cut):
                rests.setdefault(word[:cut], set()).add(word[cut:])
    cut_of = {}
    for word in rare:
        # only a common opening is a key of rests
        cuts = [cut for cut in _common_openings(word) if len(rests.get(word[:cut], ())) >= 2]
        if cuts:
            cut_of[word] = max(cuts)
    if not cut_of:
        return {}
    out = {}
    for m in _LETTERS.finditer(text):
        cut_at = cut_of.get(m.group(0))
        if cut_at is not None:
            out[m.start()] = (m.start() + cut_at, m.end(), plain.get(m.group(0)[cut_at:], 0) >= _COMMON_MIN_COUNT)
    return out


@lru_cache(maxsize=1 << 16)
def _common_openings(word: str) -> tuple[int, ...]:
    """Where a common word of four letters or more that opens `word` ends (the same rare words come back in article
    after article)."""
    from ..text.zwnj import get_model

    plain = get_model().plain
    return tuple(cut for cut in range(4, len(word) - 2) if plain.get(word[:cut], 0) >= _COMMON_MIN_COUNT)


def _names_glued_on(text: str, glued: dict[int, tuple[int, int, bool]]) -> list[KBMatch]:
    """Knowledge-base names that start inside a glued word, after its first word ("مورد|تایلند")."""
    kb = load_kb()
    out = []
    for cut, _, _ in glued.values():
        hit = next(iter(get_matcher().find(text[cut:cut + 60])), None)
        # a short town name is as often the second half of a compound (محبت‌بار, شهیدآباد)
        if hit is not None and hit.start == 0 and (len(hit.text) >= 5 or all(kb[i].kind not in _TOWN_KINDS for i in hit.ids)):
            out.append(KBMatch(cut, cut + hit.end, hit.text, hit.ids, hit.ambiguous))
    return out


def _unglued(start: int, end: int, glued: dict[int, tuple[int, int, bool]]) -> tuple[int, int]:
    """A tagged person without the other half of a word glued of two common words: "حاجی باباییموضوعی" is
    "حاجی بابایی"; a span that opens with a glued word and goes on is its second half on."""
    for word_start, (cut, word_end, two_words) in glued.items():
        if not two_words or not start <= word_start < cut < end:
            continue
        if word_start == start and end > word_end:
            return cut, end
        return start, cut
    return start, end


def _surname_of_tagged_person(text: str, m: KBMatch, tagged: list[tuple[int, int, str]]) -> bool:
    """Does the tagger read the match as the surname of a person whose given name stands right before it?"""
    given = _previous_word(text, m.start)
    return (token_form(given) in FIRST_NAMES and text[max(0, m.start - len(given) - 1):m.start].strip() == given
            and any(typ == "PER" and s <= m.start - len(given) - 1 and m.end <= e for s, e, typ in tagged))


def _names_by_structure(text: str) -> list[tuple[int, int, str]]:
    """PER spans (honorific included) by the structure of Persian names (name_parts.yaml): given names and a
    surname, after an optional honorific, or an honorific and a surname. A surname has a surname ending
    (روحانی, حسین‌زاده, کیان‌پور) or is followed by a comma; a given name that is an everyday word needs the
    honorific. The spans go through the same checks as the tagger's (KB names first, roles, not_names)."""
    parts = _name_parts()
    out: list[tuple[int, int, str]] = []
    taken_until = 0
    # only the few places where a given name or an honorific stands are tokenised (a name is a few words)
    for hit in _name_starts().find(text):
        if hit.start < taken_until:
            continue
        tokens = tokenize(text[hit.start:hit.start + 120])
        words = [token_form(t) for t, _, _ in tokens]
        n = len(tokens)
        honorific = words[0] in parts.honorific_words
        k = 1 if honorific else 0
        while k < n and words[k] in FIRST_NAMES and (honorific or k > 0 or words[k] not in parts.everyday_given_names):
            k += 1
        if not (honorific or k > 0) or k >= n or "\n" in text[hit.start + tokens[k - 1][2]:hit.start + tokens[k][1]]:
            continue
        w = words[k].replace(" ", "")
        if (len(w) >= 3 and w.isalpha() and words[k] not in FIRST_NAMES and not w.endswith(parts.not_surname_endings)
                and (w.endswith(parts.surname_endings) or (k + 1 < n and words[k + 1] in "،,"))):
            taken_until = hit.start + tokens[k][2]
            out.append((hit.start, taken_until, "PER"))
    return out


@lru_cache(maxsize=1)
def _name_starts() -> PhraseMatcher:
    """Where a name by structure may start: a given name or an honorific, as a whole word."""
    return PhraseMatcher((w, "start") for w in FIRST_NAMES | _name_parts().honorific_words)


class NameTagger:
    """The names an article gets — knowledge base, patterns and (unless ``use_tagger`` is False) the statistical
    tagger, as ``_mentions_in`` combines them — behind the taggers' interface, so that ``khazar tag --conll
    --ner pipeline|kb`` and ``bench/ner_eval.py --model pipeline|kb`` score them on a CoNLL file. The tokens of a
    sentence are joined with spaces; a recognised name tags the tokens it covers (B-/I-), one that overlaps a
    token already tagged is left out. Titles standing for a person and lone surnames are not names here."""

    def __init__(self, use_tagger: bool = True):
        self.use_tagger = use_tagger

    def tag(self, tokens: list[str]) -> list[str]:
        starts, position = [], 0
        for token in tokens:
            starts.append(position)
            position += len(token) + 1
        mentions, _ = _mentions_in("text", " ".join(tokens), self.use_tagger)
        tags = ["O"] * len(tokens)
        for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
            covered = [i for i, s in enumerate(starts) if s < m.end and m.start < s + len(tokens[i])]
            if covered and all(tags[i] == "O" for i in covered):
                tags[covered[0]] = "B-" + m.type
                for i in covered[1:]:
                    tags[i] = "I-" + m.type
        return tags

    def tag_sents(self, sents: list[list[str]]) -> list[list[str]]:
        return [self.tag(s) for s in sents]

    def tag_text(self, text: str) -> list[tuple[int, int, str]]:
        return [(m.start, m.end, m.type) for m in _mentions_in("text", text, self.use_tagger)[0]]


def tagger_for(which: str | None):
    """``pipeline`` or ``kb`` (the pipeline's names without the statistical tagger) as a NameTagger, anything
    else as ``khazar.ner.tagger.load_tagger`` reads it (crf, nn, a model path, None for the default)."""
    if which in ("pipeline", "kb"):
        return NameTagger(use_tagger=which == "pipeline")
    from ..ner.tagger import load_tagger

    return load_tagger(which)


def _org_named_after_place(text: str, start: int, end: int, kb_hits: list[tuple[KBMatch, KBRecord]]) -> bool:
    """Is the tagger's ORG span text[start:end] an organisation named after a place inside it ("شهرداری کرج",
    "دانشگاه علوم پزشکی شیراز"), so that the span is an entity of its own around the place (which stays a
    mention)? It must open with an organisation word, hold no punctuation (a list of countries is not one
    name), and every KB hit it overlaps must be a place strictly inside it."""
    first = _WORD.match(text, start)
    if first is None or token_form(first.group(0)) not in ORG_HEADS or _PUNCT.search(text, start, end):
        return False
    inside = [(m, rec) for m, rec in kb_hits if _overlaps((start, end), (m.start, m.end))]
    return bool(inside) and all(rec.type == "LOC" and start <= m.start and m.end <= end
                                and (m.start, m.end) != (start, end) for m, rec in inside)


# Between an Iranian body's generic name and the country that makes it another country's: "وزارت خارجه دولت
# مستعفی یمن", "وزارت دفاع لتونی".
_GOVERNMENT_OF = re.compile(r"[\s\u200c]+(?:(?:دولت|رژیم|حکومت)(?:[\s\u200c]+[\w\u200c]+)?[\s\u200c]+)?")


def _foreign_counterparts(text: str, kb_hits: list[tuple[KBMatch, KBRecord]]) -> dict[int, int]:
    """{index of an Iranian organisation's KB hit: end of the phrase} where another country's name follows the
    organisation's generic name ("وزارت دفاع لتونی" is Latvia's ministry, not Iran's): the phrase is that
    country's body, an organisation of its own, and the country stays a mention of its own."""
    out = {}
    for i, (m, rec) in enumerate(kb_hits[:-1]):
        if rec.type != "ORG" or rec.country != "IR" or rec.kind == "outlet":
            continue
        gap = _GOVERNMENT_OF.match(text, m.end)
        for nxt, place in kb_hits[i + 1:i + 3]:
            if (gap and nxt.start == gap.end() and place.type == "LOC" and place.kind == "country"
                    and place.country != "IR"):
                out[i] = nxt.end
                break
    return out


def _org_by_head(name: str) -> str | None:
    """KB id of an organisation named without its head word: "امور خارجه" → وزارت امور خارجه."""
    ids = get_matcher().ids_by_key
    for head in _name_parts().org_heads:
        hit = ids.get(name_key(f"{head} {name}"))
        if hit:
            return hit[0]
    return None


def _plural_roles(text: str, persons: list[Mention]) -> list[tuple[Mention, str]]:
    """(person, title) pairs for "A و B رؤسای جمهور X و Y"."""
    parts = _name_parts()
    out = []
    by_end = {m.end: m for m in persons}
    for pm in parts.plural_titles.finditer(text):
        second = by_end.get(pm.start() - 1)
        if second is None:
            continue
        first = next((m for m in persons if text[m.end:second.start] in (" و ", " و")), None)
        if first is None:
            continue
        singular = parts.singular_of[match_key(pm.group("head"))]
        out += [(first, f"{singular} {pm.group('x')}"), (second, f"{singular} {pm.group('y')}")]
    return out


def _person_next_to(role, persons: list[Mention], text: str) -> Mention | None:
    """The person a title stands beside: "X، ROLE،" and "X ROLE" describe X; "ROLE X" describes X unless the title
    also closes a comma after an earlier name ("X، ROLE، Y، ROLE2": each title follows its own name)."""
    after = next((p for p in persons if p.start >= role.end and _APPOSITION_GAP.match(text[role.end:p.start])), None)
    before = next((p for p in persons if p.end <= role.start and _APPOSITION_GAP.match(text[p.end:role.start])), None)
    if after is None or before is None:
        return after or before
    comma_before = any(c in text[before.end:role.start] for c in "،,")
    comma_after = any(c in text[role.end:after.start] for c in "،,")
    return after if comma_before and not comma_after else before


def _role_holder(title: str, entities: dict[str, EntityBuilder], published: str | None) -> EntityBuilder | None:
    """The person of this article who holds `title`: given it here, or by the knowledge base at the date."""
    people = [e for e in entities.values() if e.type == "PER"]
    for e in people:
        if any(fits_role(title, r) for r in e.roles):
            return e
    kb = load_kb()
    when = published or date.today().isoformat()
    for e in people:
        rec = kb.get(e.kb_id) if e.kb_id else None
        for role in (rec.roles if rec else ()):
            if not fits_role(title, str(role.get("title", ""))):
                continue
            start, end = str(role.get("from") or "0000"), str(role.get("to") or "9999")
            if start[:7] <= when[:7] <= end[:7]:
                return e
    return None


def extract_entities(article: Article, *, use_tagger: bool = True, ner: str | None = None) -> None:
    """Fill article.entities; `use_tagger` False finds names by the knowledge base and name structure only, `ner`
    names the tagger (khazar.ner.tagger.load_tagger; None: its default)."""
    kb = load_kb()
    entities: dict[str, EntityBuilder] = {}
    texts = {"title": article.title, "text": article.text}
    all_roles: list[tuple[str, RoleMatch]] = []

    def add(m: Mention) -> EntityBuilder:
        if m.kb_id:
            rec = kb[m.kb_id]
            builder = entities.setdefault(rec.id, EntityBuilder(rec.type, rec.name, rec.id, rec.name_en))
        else:
            k = f"{m.type}:{match_key(m.text)}"
            builder = entities.setdefault(k, EntityBuilder(m.type, m.text, None))
            if len(m.text) > len(builder.name):
                builder.name = m.text
        builder.mentions.append(m)
        return builder

    per_field: dict[str, list[Mention]] = {}
    for field_name, text in texts.items():
        mentions, roles = _mentions_in(field_name, text, use_tagger, ner)
        # a tagged "name" inside a date ("عید سعید فطر", "روز جهانی قدس") is the occasion's words
        dates = [(t.start, t.end) for t in article.times if t.field == field_name]
        per_field[field_name] = [m for m in mentions if m.origin == "kb" or m.kb_id
                                 or not any(_overlaps((m.start, m.end), d) for d in dates)]
        all_roles.extend((field_name, r) for r in roles)
    # Full names first, so that a lone surname can find the person it belongs to.
    for field_name in ("text", "title"):
        for m in sorted(per_field[field_name], key=lambda m: -(m.end - m.start)):
            if m.type == "PER" and m.kb_id is None and " " not in m.text.strip():
                surname_of = _full_name_with_surname(entities, m.text)
                if surname_of is not None:
                    m.origin = "surname"
                    surname_of.mentions.append(m)
                    continue
            add(m)

    _add_weak_and_surname_mentions(entities, texts, use_tagger)

    # Roles: next to a name they describe that person; alone they stand for the person holding them.
    # (field, end) of each role given to a person by apposition, so that the next title joined by "و"
    # ("X، معاون حقوقی وزارت امور خارجه و نماینده ویژه رییس جمهوری ...") is given to the same person.
    apposed: dict[tuple[str, int], EntityBuilder] = {}
    for field_name, whole in all_roles:
        text = texts[field_name]
        persons = [m for e in entities.values() if e.type == "PER" for m in e.mentions if m.field == field_name]
        role = cut_at_names(whole, [p.start for p in persons])
        if role is None:
            continue
        if role.end < whole.end:  # the name that cut the title is inside it ("معاون اول دولت اوباما"), not beside it
            persons = [p for p in persons if p.end <= role.start]
        person = _person_next_to(role, persons, text)
        holder = None
        if person is not None:
            holder = next(e for e in entities.values() if person in e.mentions)
        else:
            holder = next((h for (f, end), h in apposed.items()
                           if f == field_name and _COORDINATED.match(text[end:role.start])), None)
        title = written_title(role.text)
        if holder is not None:
            if title not in holder.roles:
                holder.roles.append(title)
            apposed[(field_name, role.end)] = holder
            continue
        holder = _role_holder(title, entities, article.published)
        if holder is not None:
            if title not in holder.roles:
                holder.roles.append(title)
            holder.mentions.append(Mention(role.start, role.end, role.text, field_name, "PER", holder.kb_id, "role"))

    for field_name, text in texts.items():
        persons = [m for e in entities.values() if e.type == "PER" for m in e.mentions if m.field == field_name]
        for person, title in _plural_roles(text, persons):
            holder = next(e for e in entities.values() if person in e.mentions)
            if title not in holder.roles:
                holder.roles.append(title)
        for e in entities.values():
            for m in e.mentions:
                rank = rank_before(text, m.start, m.end) if e.type == "PER" and m.field == field_name else None
                if rank and rank not in e.roles:
                    e.roles.append(rank)

    _merge_short_organisation_names(entities)
    _add_source_organisations(article, entities)
    for e in entities.values():
        e.attribution = e.type == "ORG" and all(_in_attribution(m, texts[m.field]) for m in e.mentions)
    article.entities = [e.build() for e in sorted(
        entities.values(), key=lambda e: min(((m.field != "title", m.start) for m in e.mentions), default=(True, 1 << 30)))]


def _add_source_organisations(article: Article, entities: dict[str, EntityBuilder]) -> None:
    """The credited sources (known ones, and unknown ones named with an organisation word) are organisations of
    the article even when only the removed source line names them, and so is the outlet when a removed byline,
    header or label names it; they get no text mention. An outlet known only from the metadata (the feed's
    `source`) is where the article was published, not something it mentions: it stays the article's `outlet`
    and is no entity of it."""
    names = list(article.attributed_to)
    if article.outlet and _named_in_removed_lines(article):
        names.insert(0, article.outlet["name"])
    kb = load_kb()
    for name in names:
        hits = get_matcher().find(name)
        whole = [h for h in hits if h.start == 0 and h.end == len(name)]
        if whole:
            rec = _choose_record(whole[0].ids, "ORG")
            if rec.id not in entities and rec.type == "ORG":
                entities[rec.id] = EntityBuilder("ORG", rec.name, rec.id, rec.name_en)
        elif article.outlet and name == article.outlet["name"] and article.outlet.get("kb_id"):
            outlet_rec = kb.get(article.outlet["kb_id"])
            if outlet_rec is not None and outlet_rec.id not in entities:
                entities[outlet_rec.id] = EntityBuilder("ORG", outlet_rec.name, outlet_rec.id, outlet_rec.name_en)
        elif ((first := _WORD.match(name)) and token_form(first.group(0)) in ORG_HEADS
              and not any(kb[i].type == "ORG" for h in hits for i in h.ids)
              and _names_an_organisation(name, 0, len(name), [])):
            # a credited source the knowledge base does not know, named as an organisation ("موسسه مطالعات …");
            # "روابط عمومی استانداری X" is the office of a known one, which its own mentions give
            entities.setdefault(f"ORG:{match_key(name)}", EntityBuilder("ORG", name, None))


def _in_attribution(m: Mention, text: str) -> bool:
    """Is the mention the source of a report: "به گزارش خبرگزاری فارس", "خبرنگار مهر", "به نقل از ایرنا و فارس"?"""
    line_start = text.rfind("\n", 0, m.start) + 1
    return _name_parts().report_cue.search(text, max(line_start, m.start - 100), m.start) is not None


def _named_in_removed_lines(article: Article) -> bool:
    """Does a line that layout took out of the input (header, byline, section label) name the outlet?"""
    outlet = article.outlet or {}
    kb_id, name = outlet.get("kb_id"), match_key(outlet.get("name") or "")
    for removed in article.removed:
        text = removed.get("text") or ""
        if kb_id and any(kb_id in hit.ids for hit in get_matcher().find(text)):
            return True
        if name and name in match_key(text):
            return True
    return False


def _merge_short_organisation_names(entities: dict[str, EntityBuilder]) -> None:
    """An organisation the knowledge base does not know, written in full once and shortened elsewhere ("بانک رفاه
    کارگران" … "بانک رفاه") is one entity: a name of two words or more that opens a longer name joins it."""
    unlinked = [e for e in entities.values() if e.type == "ORG" and e.kb_id is None]
    # every name against every other: the words of each are split once (match_key remembers the openings' keys)
    words_of = {id(e): e.name.split() for e in unlinked}
    for short in sorted(unlinked, key=lambda e: -len(e.name)):
        words = words_of[id(short)]
        if len(words) < 2:
            continue
        short_key = match_key(short.name)
        longer = [e for e in unlinked if e is not short and e.key in entities and len(words_of[id(e)]) > len(words)
                  and match_key(" ".join(words_of[id(e)][:len(words)])) == short_key]
        if longer:
            full = min(longer, key=lambda e: len(e.name))
            full.mentions.extend(short.mentions)
            del entities[short.key]


def _full_name_with_surname(entities: dict[str, EntityBuilder], word: str) -> EntityBuilder | None:
    key = match_key(word)
    for e in entities.values():
        if e.type != "PER":
            continue
        parts = e.name.split()
        if len(parts) >= 2 and match_key(parts[-1]) == key:
            return e
    return None


def _is_common_word(word: str) -> bool:
    """Seen often enough in the news corpus to be an ordinary word as well as a surname (دوستی, عارف)."""
    from ..text.zwnj import get_model

    return get_model().plain.get(word, 0) >= _COMMON_WORD_COUNT


def _in_word(ch: str) -> bool:
    """What the patterns' [\\w\\u200c] matches: a letter or digit, "_" or a ZWNJ."""
    return ch.isalnum() or ch in "_\u200c"


def _whole_words(text: str, word: str) -> list[tuple[int, int]]:
    """The spans of `word` standing as a whole word, what re.finditer of (?<![\\w\\u200c])WORD(?![\\w\\u200c]) gives,
    found by str.find: a pattern compiled per name and run over the whole text costs a hundred times more."""
    spans = []
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        if (start == 0 or not _in_word(text[start - 1])) and (end == len(text) or not _in_word(text[end])):
            spans.append((start, end))
            start = text.find(word, end)
        else:
            start = text.find(word, start + 1)
    return spans


def _add_weak_and_surname_mentions(entities: dict[str, EntityBuilder], texts: dict[str, str],
                                   use_tagger: bool) -> None:
    """Short forms (weak aliases, surnames) count once the full name is in the article.

    A lone surname that is also an everyday word is left to the tagger, which sees its context."""
    matcher = get_matcher()
    kb_people = [e.kb_id for e in entities.values() if e.kb_id]
    for field_name, text in texts.items():
        taken = [(m.start, m.end) for e in entities.values() for m in e.mentions if m.field == field_name]
        for m in matcher.find_weak(text, kb_people):
            if any(_overlaps((m.start, m.end), t) for t in taken):
                continue
            if use_tagger and _is_common_word(m.text):
                continue
            entities[m.ids[0]].mentions.append(Mention(m.start, m.end, m.text, field_name, entities[m.ids[0]].type,
                                                       m.ids[0], "weak"))
            taken.append((m.start, m.end))
        for e in list(entities.values()):
            if e.type != "PER" or e.kb_id:
                continue
            parts = e.name.split()
            if len(parts) < 2 or len(parts[-1]) < 3 or (use_tagger and _is_common_word(parts[-1])):
                continue
            surname = parts[-1]
            for start, end in _whole_words(text, surname):
                if not any(_overlaps((start, end), t) for t in taken):
                    e.mentions.append(Mention(start, end, surname, field_name, "PER", None, "surname"))
                    taken.append((start, end))
