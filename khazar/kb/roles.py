"""Find titles and roles ("وزیر امور خارجه", "استاندار گیلان", "سفیر ایران در روسیه") in Persian text.

All knowledge comes from data/titles.yaml and data/organisations.yaml; this module only compiles it.
Two passes:
  * literal titles (templates expanded, organisation names behind head words) through one Aho-Corasick automaton
    run over the offset key of the text (khazar.text.fold.offset_key: spaces and ZWNJ removed and look-alike
    letters unified), so that "رییس جمهوری", "رئیس‌جمهوری" and "رئیسجمهوری" are the same string;
  * a conservative generic rule for organisations the KB does not know ("head ... anchor word ...");
  * titles as open class: a head noun ("مدیرعامل", "فرمانده", "استاد") and the noun phrase it heads, read from
    the structure of the words after it up to where the phrase ends (a verb, a preposition, punctuation, a
    given name); beyond a lexicon or generic title it goes on only through a word that continues a title
    ("سفیر سابق روسیه در ایران", "فرمانده عالی نیروهای مسلح در بولیوی").
Overlaps are resolved longest-first. `same_role` says whether two titles name one role, `written_title` gives
the title as the article wrote it (the form reported on a person), and `rank_before` the rank or clerical title
written in front of a name ("سرلشکر", "حجت‌الاسلام").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import ahocorasick

from ..text.fold import ZWNJ, name_key, offset_key, shadow
from .files import data

# Joiners and fixed spaces read as a space by the word rules of the generic pass.
_AS_SPACE = (ZWNJ, "\u200d", "\u00a0", "\u202f")


def _unify(s: str) -> str:
    """The shadow of ``s`` (same length, so offsets in it are offsets in ``s``) with joiners as spaces."""
    s = shadow(s)
    for joiner in _AS_SPACE:
        if joiner in s:
            s = s.replace(joiner, " ")
    return s


# A title's words recur in every article: each is unified once per process.
_unify_word = lru_cache(maxsize=1 << 16)(_unify)


# a ZWNJ joins parts of one word ("بین‌المللی"), so it does not split tokens
_TOKEN_RE = re.compile(r"\w+(?:\u200c+\w+)*|[^\w\s\u200c]")
_WINDOW_CHARS = 240


class _LazyTokens:
    """(start, end, word) tokens of a window, read from the regex only as far as a rule looks."""

    def __init__(self, matches):
        self._matches = matches
        self._tokens: list[tuple[int, int, str]] = []

    def __getitem__(self, i):
        if isinstance(i, slice):
            stop = i.stop if i.stop is not None else 1 << 30
            self._fill(stop)
            return self._tokens[i]
        self._fill(i + 1)
        return self._tokens[i]

    def _fill(self, n):
        while len(self._tokens) < n:
            m = next(self._matches, None)
            if m is None:
                return
            self._tokens.append((m.start(), m.end(), _unify_word(m.group())))

    def __iter__(self):
        i = 0
        while True:
            self._fill(i + 1)
            if i >= len(self._tokens):
                return
            yield self._tokens[i]
            i += 1


@dataclass(frozen=True)
class RoleMatch:
    start: int
    end: int
    text: str
    title: str
    open: bool = False  # read from the structure of the phrase, not found in the lexicon


_PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


@lru_cache(maxsize=65536)
def standard_title(s: str) -> str:
    """Spelling used for reported titles: Persian letters, رئیس/هیئت, single spaces, no stray ZWNJ."""
    s = s.translate(_PERSIAN_LETTERS)
    s = s.replace("رییس", "رئیس").replace("هیأت", "هیئت").replace("هیات", "هیئت")
    s = re.sub(ZWNJ + "+", ZWNJ, s)
    s = re.sub(r"\s*" + ZWNJ + r"\s+|\s+" + ZWNJ + r"\s*", " ", s)
    return re.sub(r"\s+", " ", s).strip(" " + ZWNJ)


@lru_cache(maxsize=1)
def _role_group_data() -> tuple[tuple[str, ...], tuple[tuple[re.Pattern[str], str], ...]]:
    # read apart from RoleFinder: entity pages group roles without compiling the finder's title automaton
    spec = data("titles")
    qualifiers = sorted((" " + standard_title(str(v)) for v in spec["placeholders"]["iran"]), key=len, reverse=True)
    same = tuple((re.compile(rf"(?<![\w\u200c]){re.escape(standard_title(short))}(?![\w\u200c])"), standard_title(full))
                 for short, full in spec["same_role"].items())
    return tuple(qualifiers), same


def role_group(title: str) -> str:
    """The role a title names, without the Iran qualifier news add or leave out at will, and in its full form
    (titles.yaml same_role): "وزیر امور خارجه جمهوری اسلامی ایران", "وزیر خارجه ایران" and "وزیر امور خارجه"
    are one role (a foreign country's name stays: "وزیر خارجه روسیه" is another role)."""
    qualifiers, same = _role_group_data()
    title = standard_title(title)
    for qualifier in qualifiers:
        if title.endswith(qualifier) and len(title) > len(qualifier):
            title = title[:-len(qualifier)]
            break
    for short, full in same:
        title = short.sub(full, title)
    return title


def written_title(text: str) -> str:
    """A title as the article wrote it, with Persian letters and tidy spacing (not rewritten to the lexicon's
    spelling: "رییس هیأت امناء" stays so)."""
    s = text.translate(_PERSIAN_LETTERS)
    s = re.sub(ZWNJ + "+", ZWNJ, s)
    s = re.sub(r"\s*" + ZWNJ + r"\s+|\s+" + ZWNJ + r"\s*", " ", s)
    return re.sub(r"\s+", " ", s).strip(" " + ZWNJ + "،,:؛")


@lru_cache(maxsize=1)
def _place_keys() -> tuple[str, ...]:
    spec = data("titles")
    places = {name_key(str(v)) for k in ("country", "capital", "province", "city") for v in spec["placeholders"][k]}
    return tuple(sorted((p for p in places if p), key=len, reverse=True))


@lru_cache(maxsize=4096)
def role_key(title: str) -> str:
    """The matching key of the role a title names (role_group: Iran qualifier dropped, short forms written out)."""
    return name_key(role_group(title)).replace("وزارت", "وزیر")


def fits_role(title: str, role: str) -> bool:
    """Whether a title said in the text can name a person who holds `role`: the same role, or a short form of it
    ("رئیس جمهوری" for "رئیس جمهوری فیلیپین"), but not one narrowed to a place the role does not name
    ("وزیر امور خارجه ترکیه" is not the holder of "وزیر امور خارجه ایران")."""
    kt, kr = role_key(title), role_key(role)
    if not kt or not kr:
        return False
    if kt == kr or kr.startswith(kt):
        return True
    if not kt.startswith(kr):
        return False
    extra = kt[len(kr):]
    return not any(extra.startswith(p) for p in _place_keys())


def same_role(a: str, b: str) -> bool:
    """Whether two titles can name one role (either is a form of the other, as fits_role reads it)."""
    return fits_role(a, b) or fits_role(b, a)


@lru_cache(maxsize=1)
def _ranks() -> tuple[tuple[str, str], ...]:
    """(written, unified) of each rank, longest first."""
    spec = data("titles")
    ranks = sorted((str(r) for r in spec.get("ranks") or []), key=len, reverse=True)
    return tuple((r, _unify(r)) for r in ranks)


@lru_cache(maxsize=1)
def _rank_words() -> frozenset[str]:
    return frozenset(w for _, u in _ranks() for w in u.split())


@lru_cache(maxsize=1)
def _rank_keys() -> frozenset[str]:
    return frozenset(name_key(r) for r, _ in _ranks())


def is_rank(title: str) -> bool:
    return name_key(title) in _rank_keys()


def rank_before(text: str, start: int, end: int | None = None) -> str | None:
    """The rank or clerical title written right before a name that starts at `start` ("سرلشکر ناصر بارویس"), or
    opening the name's own mention when it ends at `end` ("سردار سلیمانی")."""
    before = _unify(text[max(0, start - 40):start]).rstrip()
    own = _unify(text[start:end]) if end else ""
    last_before = before.rsplit(maxsplit=1)[-1] if before else ""
    first_own = own.split(maxsplit=1)[0] if own else ""
    if last_before not in _rank_words() and first_own not in _rank_words():
        return None  # neither word can end or open a rank
    for rank, u in _ranks():
        if before.endswith(u) and (len(before) == len(u) or not before[-len(u) - 1].isalnum()):
            return standard_title(rank)
        if own.startswith(u + " ") and len(own) > len(u) + 2:
            return standard_title(rank)
    return None


def _unified_token(s: str) -> str:
    return re.sub(r"\s+", " ", _unify(s)).strip()


def _expand(template: str, placeholders: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """(spelling, matching key) of every filling of the template; keys are concatenated from pre-keyed parts
    because a key ignores spaces, which keeps compiling fast with tens of thousands of combinations."""
    results = [("", "")]
    for i, part in enumerate(re.split(r"\{(\w+)\}", template)):
        choices = placeholders[part] if i % 2 else [(part, name_key(part))]
        results = [(s + cs, k + ck) for s, k in results for cs, ck in choices]
    return results


def _org_surface_forms(orgs: list[dict]) -> list[str]:
    forms = []
    for rec in orgs:
        forms.append(rec["name"])
        forms.extend(rec.get("aliases") or [])
    return forms


class RoleFinder:
    """Compiled once from the data files; find() is thread-safe (read-only state)."""

    def __init__(self):
        spec = data("titles")
        orgs = data("organisations") or []
        placeholders = {k: [(str(v), name_key(str(v))) for v in vs] for k, vs in spec["placeholders"].items()}

        titles: list[tuple[str, str]] = []
        for template in spec["titles"]:
            titles.extend(_expand(template, placeholders))
        org_forms = [(o, name_key(o)) for o in _org_surface_forms(orgs)]
        heads = [(h, name_key(h)) for h in spec["org_heads"]]
        titles.extend((f"{h} {o}", hk + ok) for h, hk in heads for o, ok in org_forms)
        rule = spec["minister_from_ministry"]
        ministry_prefix = rule["ministry_word"] + " "
        ministers = [(rule["minister_word"] + " " + o[len(ministry_prefix):],
                      name_key(rule["minister_word"] + " " + o[len(ministry_prefix):]))
                     for o, _ in org_forms if o.startswith(ministry_prefix)]
        titles.extend(ministers)
        minister_heads = [(h, name_key(h)) for h in spec["minister_heads"]]
        titles.extend((f"{h} {m}", hk + mk) for h, hk in minister_heads for m, mk in ministers)

        # key -> [spelling as written, is_title, is_org]; the first spelling written wins.
        entries: dict[str, list] = {}
        for spelling, k in titles:
            if k:
                entries.setdefault(k, [spelling, False, False])[1] = True
        for spelling, k in org_forms:
            if k:
                entries.setdefault(k, [spelling, False, False])[2] = True
        self._automaton = ahocorasick.Automaton()
        for k, (spelling, is_title, is_org) in entries.items():
            self._automaton.add_word(k, (len(k), spelling, is_title, is_org))
        self._automaton.make_automaton()
        self.literal_count = sum(1 for v in entries.values() if v[1])

        g = spec["generic"]
        self._max_before = int(g["max_words_before_anchor"])
        self._max_after = int(g["max_words_after_anchor"])
        self._anchors = {_unified_token(a) for a in g["anchors"]}
        self._stop = {_unified_token(w) for w in g["stop_words"]}
        self._heads = {_unified_token(h) for h in g["heads"]}
        self._spans = [(_unified_token(s["head"]), [_unified_token(e).split() for e in s["ends"]], int(s["max_words"]))
                       for s in g.get("spans", [])]
        self._span_heads = {h for h, _, _ in self._spans}
        head_words = self._heads | self._span_heads
        alternation = "|".join(r"\s+".join(map(re.escape, h.split())) for h in sorted(head_words, key=len, reverse=True))
        self._head_re = re.compile(r"(?<!\w)(?:" + alternation + r")(?!\w)")

        o = spec["open_titles"]
        self._open_heads = {_unified_token(h) for h in o["heads"]}
        self._open_max = int(o["max_words"])
        self._open_extenders = {_unified_token(w) for w in o["extenders"]}
        self._open_stop = self._stop | {_unified_token(w) for w in o["stop_words"]}
        self._open_place_words = {_unified_token(w) for w in o["place_words"]} | {
            _unified_token(str(v)).split()[0] for k in ("country", "capital", "province", "city")
            for v in spec["placeholders"][k]}
        self._open_verb_prefixes = tuple(_unified_token(p) + " " for p in o["verb_prefixes"])
        from ..ner.features import FIRST_NAMES  # given names end a title: the name it is apposed to starts there

        self._given_names = {_unify(n) for n in FIRST_NAMES}
        alternation = "|".join(r"\s+".join(map(re.escape, h.split()))
                               for h in sorted(self._open_heads, key=len, reverse=True))
        self._open_head_re = re.compile(r"(?<![\w\u200c])(?:" + alternation + r")(?![\w\u200c])")

    # -- literal pass ---------------------------------------------------------------------------------------------
    def _literal_matches(self, unified: str) -> list[tuple[int, int, str, bool, bool]]:
        key, positions = offset_key(unified)
        if not key:
            return []
        n = len(unified)
        found = []
        for key_end, (length, spelling, is_title, is_org) in self._automaton.iter(key):
            start = int(positions[key_end - length + 1])
            end = int(positions[key_end]) + 1
            if start > 0 and unified[start - 1].isalnum():
                continue
            if end < n and unified[end].isalnum():
                continue
            found.append((start, end, standard_title(spelling), is_title, is_org))
        return found

    # -- generic pass ---------------------------------------------------------------------------------------------
    def _generic_matches(self, text: str, unified: str, literal_at: dict[int, tuple[int, str]]):
        found = []
        for head in self._head_re.finditer(unified):
            window_end = min(len(unified), head.end() + _WINDOW_CHARS)
            tokens = _LazyTokens(_TOKEN_RE.finditer(text, head.end(), window_end))
            head_word = re.sub(r"\s+", " ", head.group())
            span = self._match_span(head_word, tokens) if head_word in self._span_heads else None
            if span is not None:
                found.append((head.start(), span, standard_title(text[head.start():span])))
            if head_word in self._heads:
                hit = self._match_anchor(tokens, literal_at)
                if hit is not None:
                    end, anchor_start, anchor_spelling = hit
                    prefix = standard_title(text[head.start():anchor_start])
                    title = f"{prefix} {anchor_spelling}" if anchor_spelling else standard_title(text[head.start():end])
                    found.append((head.start(), end, title))
        return found

    def _match_span(self, head_word, tokens):
        for span_head, ends, max_words in self._spans:
            if span_head != head_word:
                continue
            words = 0
            for i, (_, _, w) in enumerate(tokens):
                for end_words in ends:
                    seq = [t[2] for t in tokens[i:i + len(end_words)]]
                    if words > 0 and seq == end_words:
                        return tokens[i + len(end_words) - 1][1]
                if w in self._stop and w != "در":
                    return None
                words += 1
                if words > max_words:
                    break
        return None

    def _match_anchor(self, tokens, literal_at):
        previous = None
        fillers = 0
        saw_and = False
        for i, (start, _end, w) in enumerate(tokens):
            literal = literal_at.get(start)
            if literal is not None:
                if previous == "و":
                    return None
                return literal[0], start, literal[1]
            if w in self._anchors:
                # "و" may join words of a title only when the KB vouches for what follows it
                if saw_and:
                    return None
                tail_end = None
                for s2, e2, w2 in tokens[i + 1:i + 1 + self._max_after]:
                    known = literal_at.get(s2)
                    if known is not None:  # "مدیرکل دفتر اروپای شرقی وزارت امور خارجه": a known name closes the title
                        tail_end = known[0]
                        break
                    if not w2[:1].isalnum():
                        break
                    if w2 in self._stop or w2 == "و" or w2 in self._heads or w2.startswith(self._open_verb_prefixes):
                        break  # a verb ("... حزب اتحاد ملت می‌گوید") is past the title
                    tail_end = e2
                return (tail_end, start, None) if tail_end is not None else None
            if not w[:1].isalnum() or w in self._stop or w in self._heads or fillers >= self._max_before:
                return None
            previous = w
            saw_and = saw_and or w == "و"
            fillers += 1
        return None

    def _extends(self, text: str, start: int, pos: int, literal: bool) -> bool:
        m = _TOKEN_RE.search(text, pos, min(len(text), pos + 40))
        if m is None:
            return False
        word = _unify(m.group())
        if word == "و":
            # a lexicon title is a whole name ("رئیس سازمان بنادر و دریانوردی و پنل ..."), and after a place the
            # title is over ("وزیر خارجه روسیه و جمعی از مقامات"); the generic rule stops at a word count
            key = name_key(text[start:pos])
            return not literal and not any(key.endswith(p) for p in _place_keys())
        return word in self._open_extenders

    # -- open pass ------------------------------------------------------------------------------------------------
    def _open_matches(self, text: str, unified: str, known_end: dict[int, tuple[int, int]]):
        """(start, end) of each head noun and the noun phrase it heads, where it says more than a known title:
        beyond a known title only a word that continues titles goes on ("... سابق", "... در ایران")."""
        found = []
        spans = sorted((s, e) for s, (e, _) in known_end.items())
        inside = bytearray(len(text) + 1)
        for s, e in spans:
            inside[s + 1:e] = b"\x01" * max(0, e - s - 1)
        for head in self._open_head_re.finditer(unified):
            known, priority = known_end.get(head.start(), (None, 0))
            if inside[head.start()] or known is not None and not self._extends(text, head.start(), known, priority > 0):
                continue
            tokens = _LazyTokens(_TOKEN_RE.finditer(text, head.end(), min(len(text), head.end() + _WINDOW_CHARS)))
            end, words, previous_head = None, 0, True
            toks = list(tokens[:self._open_max + 2])
            i = 0
            while i < len(toks) and words < self._open_max:
                _, e, w = toks[i]
                nxt = toks[i + 1][2] if i + 1 < len(toks) else ""
                if not w[:1].isalnum() or self._ends_title(w) or nxt == "را":
                    break
                if w in self._open_heads and not previous_head:
                    break  # a second title starts ("... و سخنگوی ...")
                if w == "و":
                    if end is None or not nxt[:1].isalnum() or self._ends_title(nxt) or nxt in self._open_heads \
                            or nxt == "در":
                        break
                elif w == "در":
                    if end is None or nxt not in self._open_place_words:
                        break
                else:
                    end = e
                previous_head = w in self._open_heads and previous_head
                words += 1
                i += 1
            if end is not None and (known is None or end > known):
                found.append((head.start(), end))
        return found

    def _ends_title(self, w: str) -> bool:
        return (w in self._open_stop and w != "در") or w in self._given_names or w.startswith(self._open_verb_prefixes)

    def find(self, text: str) -> list[RoleMatch]:
        unified = _unify(text)
        literals = self._literal_matches(unified)
        literal_at: dict[int, tuple[int, str]] = {}
        candidates = []
        for start, end, spelling, is_title, _is_org in literals:
            if is_title:
                candidates.append((start, end, spelling, 1))
            best = literal_at.get(start)
            if best is None or end > best[0]:
                literal_at[start] = (end, spelling)
        for start, end, title in self._generic_matches(text, unified, literal_at):
            candidates.append((start, end, title, 0))
        known_end: dict[int, tuple[int, int]] = {}  # start -> (end, priority) of the longest known title there
        for start, end, _, priority in candidates:
            if end > known_end.get(start, (0, 0))[0]:
                known_end[start] = (end, priority)
        for start, end in self._open_matches(text, unified, known_end):
            candidates.append((start, end, standard_title(text[start:end]), -1))
        # longest first; on equal spans a literal title (priority 1) beats the generic rule, which beats the open one
        candidates.sort(key=lambda c: (-(c[1] - c[0]), -c[3], c[0]))
        taken = bytearray(len(text))
        chosen = []
        for start, end, title, priority in candidates:
            if any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            chosen.append(RoleMatch(start, end, text[start:end], title, priority < 0))
        chosen.sort(key=lambda m: m.start)
        return chosen


def cut_at_names(role: RoleMatch, name_starts: list[int]) -> RoleMatch | None:
    """A title read from the phrase structure ends before a name that starts inside it ("مدیرعامل شرکت X علی احمدی");
    None when no word beyond the head would be left. Lexicon titles are returned as they are."""
    if not role.open:
        return role
    inside = [s for s in name_starts if role.start <= s < role.end]
    if not inside:
        return role
    if min(inside) == role.start:
        return None  # the head word is the start of a name ("قاضی مسعودی")
    words = list(_TOKEN_RE.finditer(role.text, 0, min(inside) - role.start))
    while words and (words[-1].group() == "و" or not words[-1].group()[:1].isalnum()):
        words.pop()
    if len(words) < 2:
        return None
    end = role.start + words[-1].end()
    return RoleMatch(role.start, end, role.text[:end - role.start], standard_title(role.text[:end - role.start]), True)


@lru_cache(maxsize=1)
def default_finder() -> RoleFinder:
    return RoleFinder()


def find_roles(text: str) -> list[RoleMatch]:
    """Every title/role in `text`, longest match, non-overlapping, in text order; text[m.start:m.end] == m.text."""
    return list(_roles_of(text))


@lru_cache(maxsize=8)
def _roles_of(text: str) -> tuple[RoleMatch, ...]:
    # the entity linker and the quote finder both ask for the roles of the same title and text
    return tuple(default_finder().find(text))


def _main(argv: list[str]) -> None:
    """python -m khazar.kb.roles FILE... : roles found and throughput; *.jsonl files are read as {"title","text"}."""
    import json
    import time

    t0 = time.perf_counter()
    default_finder()
    compile_seconds = time.perf_counter() - t0
    texts = []
    for name in argv:
        raw = Path(name).read_text(encoding="utf-8")
        if name.endswith(".jsonl"):
            texts += [(d.get("title") or "") + "\n" + (d.get("text") or "") for d in map(json.loads, raw.splitlines())]
        else:
            texts.append(raw)
    size = sum(len(t.encode("utf-8")) for t in texts)
    t0 = time.perf_counter()
    found = sum(len(find_roles(t)) for t in texts)
    seconds = time.perf_counter() - t0
    print(f"compile {compile_seconds:.2f} s, {default_finder().literal_count} literal titles")
    print(f"{len(texts)} texts, {size / 1e6:.1f} MB, {found} roles, {seconds:.2f} s, {size / 1e6 / max(seconds, 1e-9):.1f} MB/s")


if __name__ == "__main__":
    import sys

    _main(sys.argv[1:])
