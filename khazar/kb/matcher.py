"""Find KB names and aliases in Persian text with one Aho-Corasick automaton.

Matching runs on a *key* string, not on the text: every character is folded to one canonical
letter form and spaces/ZWNJ are dropped, so "حق شناس", "حقشناس" and "حق‌شناس" are the same key
(crawler dumps lose ZWNJ and writers disagree about spacing). An index array maps every key
character back to its text offset, so matches are reported as spans of the *original* text.

The key is ``khazar.text.fold.offset_key`` (its docstring has the letter decisions): Arabic letter forms
folded to Persian, آ to ا (news writes آمریکا/امریکا, آفریقا/افریقا; CLDR uses the ا forms, and no two places
in the KB differ only by it), digits to ASCII, lower case; marks, spaces and ZWNJ dropped.

Because spaces are gone from the key, pyahocorasick also reports matches that begin or end inside
a word, and it never checks word boundaries anyway; each hit is therefore checked on the original
text:
* start: the preceding character is not a letter/digit and not ZWNJ (a ZWNJ before means the
  name is the tail of a compound such as نیمه‌X);
* end: the next character is not a letter/digit, with two Persian rules:
  - a joined "ی" after the name is the adjective/nisba (ایرانی, خزری): rejected; except that after a
    name ending in ا or و it is the ezafe (آمریکای ترامپ, اروپای شرقی is matched as اروپا when no
    longer name exists) and "یی" is the adjective (آمریکایی): rejected;
  - ZWNJ + letters after the name is a suffix (ایران‌ها, خاورمیانه‌ای): rejected; except ZWNJ + "ی"
    alone after a name ending in ه, which is the written ezafe (کرانه‌ی);
  - a joined "ست" after a name ending in ا or و is the copula (آمریکاست = آمریکا است): accepted.
* inside: a space in the text must sit where some KB form of the name has a space or ZWNJ, so a
  solidly written name is not assembled from two words (را بر is not the town رابر, به من not
  بهمن), while حق شناس still matches the KB's حق‌شناس (ZWNJ may appear or vanish anywhere).
Among the accepted hits the leftmost wins, then the longest, and matches never overlap, so
"آذربایجان شرقی" (a province) is never reported as the country آذربایجان.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Iterable

import ahocorasick
import numpy as np

from khazar.kb.loader import KBRecord, KnowledgeBase, load_kb
from khazar.text.fold import SPACES, ZWNJ, name_key, offset_key, offset_key_drops

# Separators that end a word in running text (ZWNJ is not one: it sits inside words).
_SPACE_RE = re.compile("[" + re.escape(SPACES) + "]")
# When one key belongs to several records, the likeliest referent in Iranian news comes first:
# تهران is more often the city than the province, آستارا more often Iran's than Azerbaijan's.
_KIND_ORDER = {kind: rank for rank, kind in enumerate(
    ["country", "city", "province", "port", "island", "free-zone", "district", "region", "sea", "continent"])}


def allowed_space_positions(surface: str) -> frozenset[int]:
    """Key positions (count of key characters before it) where ``surface`` has a space or ZWNJ."""
    positions = set()
    key_length = 0
    for char in surface:
        if offset_key_drops(char):
            if char == ZWNJ or _SPACE_RE.match(char):
                positions.add(key_length)
        else:
            key_length += 1
    return frozenset(positions)


# Word characters over the BMP (same test as str.isalnum) plus ZWNJ, which glues word parts:
# lets the start-of-word test run over the whole text at once instead of once per raw hit.
_JOINS_NEXT = np.array([chr(c).isalnum() for c in range(0x10000)] , dtype=bool)
_JOINS_NEXT[ord(ZWNJ)] = True


@dataclass(frozen=True)
class KBMatch:
    start: int
    end: int
    text: str
    ids: tuple[str, ...]
    # True when every candidate record is flagged ``ambiguous`` (the name is also an everyday word):
    # a consumer should then demand context before trusting the match.
    ambiguous: bool = False


def _ends_word(text: str, end: int) -> bool:
    if end >= len(text):
        return True
    after = text[end]
    if after == ZWNJ:
        if end + 1 >= len(text) or not text[end + 1].isalnum():
            return True
        last = text[end - 1]
        return last in "هة" and text[end + 1] in "یي" and (end + 2 >= len(text) or not text[end + 2].isalnum())
    if not after.isalnum():
        return True
    if after in "یي" and text[end - 1] in "اوآ":
        return end + 1 >= len(text) or not text[end + 1].isalnum()
    if text.startswith("ست", end) and text[end - 1] in "اوآ":
        return end + 2 >= len(text) or not text[end + 2].isalnum()  # the copula: آمریکاست is آمریکا است
    return False


class KBMatcher:
    """Aho-Corasick matcher over all names and aliases of a KnowledgeBase.

    ``include_english`` also compiles ``name_en``/``aliases_en`` (off by default: Persian news quotes
    Latin words rarely and short English names like "Nur" would only add noise).
    """

    MIN_KEY_LENGTH = 2

    def __init__(self, kb: KnowledgeBase, *, include_english: bool = False,
                 include_ambiguous: bool = True):
        self.kb = kb
        surfaces_by_record = {
            record.id: list(self._surfaces(record, include_english))
            for record in kb.records if include_ambiguous or not record.ambiguous}
        self.ids_by_key = {key: tuple(ids) for key, ids in _group_by_key(surfaces_by_record, kb).items()}
        self._automaton = self._compile(surfaces_by_record, kb)

    @staticmethod
    def _surfaces(record: KBRecord, include_english: bool) -> Iterable[str]:
        yield from record.surface_forms
        if include_english:
            if record.name_en:
                yield record.name_en
            yield from record.aliases_en

    @staticmethod
    def _compile(surfaces_by_record: dict[str, list[str]], kb: KnowledgeBase) -> ahocorasick.Automaton | None:
        ids_by_key = _group_by_key(surfaces_by_record, kb)
        if not ids_by_key:
            return None
        spaces_by_key: dict[str, set[int]] = {}
        for surfaces in surfaces_by_record.values():
            for surface in surfaces:
                spaces_by_key.setdefault(name_key(surface), set()).update(allowed_space_positions(surface))
        automaton = ahocorasick.Automaton()
        for key, ids in ids_by_key.items():
            ambiguous = all(kb[i].ambiguous for i in ids)
            automaton.add_word(key, (len(key), tuple(ids), ambiguous, frozenset(spaces_by_key[key])))
        automaton.make_automaton()
        return automaton

    def find(self, text: str) -> list[KBMatch]:
        """Non-overlapping, word-bounded, leftmost-longest matches of every KB name in ``text``."""
        return _find(self._automaton, text)

    def find_weak(self, text: str, ids: Iterable[str]) -> list[KBMatch]:
        """Matches of the weak aliases of the given records only (plus nothing else).

        Meant for the second pass of a linker: once "هادی حق‌شناس" was found, "حق‌شناس" alone may be
        trusted in the same article.
        """
        surfaces_by_record = {record_id: list(self.kb[record_id].weak_aliases)
                              for record_id in ids if record_id in self.kb}
        return _find(self._compile(surfaces_by_record, self.kb), text)


class PhraseMatcher:
    """The KB matcher's matching for any phrase list: topic keywords, event triggers.

    Word-bounded, leftmost-longest, insensitive to ZWNJ, spaces inside words and letter forms, in one
    Aho-Corasick pass — a regex alternation of hundreds of phrases scans every position once per phrase.
    ``find`` returns KBMatch objects whose ``ids`` are the labels given with the phrases. ``endings`` are
    suffixes a phrase may carry (ها, های, ی …): each is compiled as a variant of every phrase.
    """

    def __init__(self, phrases: Iterable[tuple[str, str]], endings: Iterable[str] = ()):
        phrases = list(phrases)
        labels_by_key: dict[str, list[str]] = {}
        spaces_by_key: dict[str, set[int]] = {}
        # Exact phrases before their suffixed variants, so a key's first label is the phrase it spells
        # (ورزشی is the keyword ورزشی before it is ورزش + ی).
        for ending in ("", *endings):
            for surface, label in phrases:
                variant = f"{surface}{ZWNJ}{ending}" if ending else surface
                key = name_key(variant)
                if len(key) < KBMatcher.MIN_KEY_LENGTH:
                    continue
                labels = labels_by_key.setdefault(key, [])
                if label not in labels:
                    labels.append(label)
                spaces_by_key.setdefault(key, set()).update(allowed_space_positions(variant))
        self._automaton = None
        if labels_by_key:
            self._automaton = ahocorasick.Automaton()
            for key, labels in labels_by_key.items():
                self._automaton.add_word(key, (len(key), tuple(labels), False, frozenset(spaces_by_key[key])))
            self._automaton.make_automaton()

    def find(self, text: str) -> list[KBMatch]:
        return _find(self._automaton, text)


def _group_by_key(surfaces_by_record: dict[str, list[str]], kb: KnowledgeBase) -> dict[str, list[str]]:
    ids_by_key: dict[str, list[str]] = {}
    for record_id, surfaces in surfaces_by_record.items():
        for surface in surfaces:
            key = name_key(surface)
            if len(key) >= KBMatcher.MIN_KEY_LENGTH and record_id not in ids_by_key.setdefault(key, []):
                ids_by_key[key].append(record_id)
    for ids in ids_by_key.values():
        ids.sort(key=lambda i: _KIND_ORDER.get(kb[i].kind, len(_KIND_ORDER)))
    return {key: ids for key, ids in ids_by_key.items() if ids}


@functools.lru_cache(maxsize=8)
def _keyed(text: str) -> tuple[str, np.ndarray, bytes]:
    """The key of ``text``, its offsets, and whether each key position starts a word: most raw hits begin
    inside a word (spaces are gone from the key), and a byte per position rejects them before any per-hit
    Python work. Cached: the KB, its weak aliases, the name starts, event triggers and topics all match the
    same title and text."""
    key, offsets = offset_key(text)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    previous = codes[np.maximum(offsets - 1, 0)]
    starts_word = ~_JOINS_NEXT[np.minimum(previous, 0xFFFF)] | (previous > 0xFFFF) | (offsets == 0)
    offsets.flags.writeable = False  # shared by every caller of the cache
    return key, offsets, starts_word.tobytes()


def _find(automaton: ahocorasick.Automaton | None, text: str) -> list[KBMatch]:
    if automaton is None or not text:
        return []
    key, offsets, starts_word_bytes = _keyed(text)
    candidates: list[tuple[int, int, tuple[str, ...], bool]] = []
    for key_end, (key_length, ids, ambiguous, allowed_spaces) in automaton.iter(key):
        key_start = key_end - key_length + 1
        if not starts_word_bytes[key_start]:
            continue
        start = int(offsets[key_start])
        end = int(offsets[key_end]) + 1
        if not _ends_word(text, end):
            continue
        if _SPACE_RE.search(text, start, end) and not _spaces_allowed(text, start, end, offsets, key_start, allowed_spaces):
            continue
        candidates.append((start, end, ids, ambiguous))
    # leftmost first, then longest; then drop everything overlapping an earlier choice
    candidates.sort(key=lambda c: (c[0], -c[1]))
    matches: list[KBMatch] = []
    taken_until = -1
    for start, end, ids, ambiguous in candidates:
        if start >= taken_until:
            matches.append(KBMatch(start, end, text[start:end], ids, ambiguous))
            taken_until = end
    return matches


def _spaces_allowed(text: str, start: int, end: int, offsets: np.ndarray, key_start: int,
                    allowed: frozenset[int]) -> bool:
    """A space inside the matched text must sit where some KB form of the name has a space or ZWNJ:
    otherwise two words are glued into one name (را بر → رابر, به من → بهمن)."""
    for space in _SPACE_RE.finditer(text, start, end):
        if bisect.bisect_left(offsets, space.start()) - key_start not in allowed:
            return False
    return True


@functools.lru_cache(maxsize=1)
def get_matcher() -> KBMatcher:
    """The matcher of the default KB, built once per process."""
    return KBMatcher(load_kb())
