"""Restore the zero-width non-joiner (ZWNJ) that crawlers strip from Persian text.

The decisions come from a lexicon learned from news that writes ZWNJ correctly (see `zwnj_train.py` and
`data/ZWNJ_MODEL_CARD.md`):

1. a word seen in training decides by its own spellings: the commonest ZWNJ spelling wins when it makes up
   enough of all its spellings (a glued spelling in ZWNJ-consistent text counts against it);
2. a word never seen glued may be a verb prefix (می/نمی) + a verb remainder seen after that prefix, or
3. a known word + an inflectional suffix that, after that word's final letter, is written with a ZWNJ.

Only ZWNJs are inserted; spaces and existing ZWNJs are never touched, because a wrong ZWNJ costs more
than a missing one.
"""
from __future__ import annotations

import gzip
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from .zwnj_train import AFFIX_FILE, DATA_DIR, FORMAT_TAG, LEXICON_FILE, WORD_RE, ZWNJ, load_affixes

SUPPLEMENT_FILE = DATA_DIR / "zwnj_supplement.tsv"

Edit = tuple[int, int, str]


@dataclass(frozen=True)
class Thresholds:
    """Tuned on the dev hold-out (bench/zwnj_eval.py --tune) for precision first."""

    # A seen word takes its ZWNJ spelling when that spelling was seen this often...
    min_form_count: int = 1
    # ...and makes up this share of all its spellings, glued ones included.
    min_form_share: float = 0.83
    # A word seen glued this often in ZWNJ-consistent text is a real glued word: no morphology for it.
    max_plain_for_morphology: int = 0
    # Morphology only builds on bases seen this often as plain words.
    min_base_count: int = 3
    # A suffix is split off after a letter only when that (letter, suffix) pair was seen this often...
    min_suffix_evidence: int = 3
    # ...and was written with a ZWNJ this share of the time.
    min_suffix_share: float = 0.8
    # Asr-e Iran's own spellings count this many times (it writes ZWNJ most consistently).
    house_weight: float = 4.0
    # Pseudo-count of "glued" added to every seen word, so one lone ZWNJ spelling is weaker evidence.
    form_prior: float = 0.0
    # Compound heads/tails (زیست‌..., ...‌سازی) need this many distinct words seen with the ZWNJ...
    min_compound_words: int = 8
    # ...and this share of their distinct known-word compounds written with it.
    min_compound_share: float = 0.8
    # Shorter heads/tails (بی, ان, یه) match inside too many unrelated words.
    min_compound_part_length: int = 3
    # A verb remainder after می/نمی must have been seen this often with a ZWNJ.
    min_tail_count: int = 2


# Letters that never join the next one: after them a glued suffix looks the same as a separated one.
_NON_JOINING = frozenset("اآأإدذرزژوؤ")
_PERSONAL_ENDINGS = ("ند", "ید", "یم", "د", "ی", "م")


class ZwnjModel:
    def __init__(self, lexicon_path: Path = LEXICON_FILE, affix_path: Path = AFFIX_FILE,
                 thresholds: Thresholds = Thresholds(), supplement_path: Path | None = SUPPLEMENT_FILE) -> None:
        self.thresholds = thresholds
        self.suffixes, self.prefixes = load_affixes(affix_path)
        spellings: dict[str, dict[str, float]] = defaultdict(dict)
        self.plain: dict[str, float] = {}
        extra = thresholds.house_weight - 1.0
        self.suffix_stats: dict[tuple[str, str], tuple[int, int]] = {}
        self.tails: dict[str, int] = defaultdict(int)
        compound_heads: dict[str, tuple[int, int]] = {}
        compound_tails: dict[str, tuple[int, int]] = {}
        with gzip.open(lexicon_path, "rt", encoding="utf-8") as handle:
            header = handle.readline()
            if not header.startswith(FORMAT_TAG):
                raise ValueError(f"{lexicon_path}: not a {FORMAT_TAG} lexicon")
            for line in handle:
                kind, *fields = line.rstrip("\n").split("\t")
                if kind == "Z":
                    spellings[fields[0]][fields[1]] = int(fields[2]) + extra * int(fields[3])
                elif kind == "W":
                    self.plain[fields[0]] = int(fields[1]) + extra * int(fields[2])
                elif kind == "S":
                    self.suffix_stats[(fields[0], fields[1])] = (int(fields[2]), int(fields[3]))
                elif kind == "H":
                    compound_heads[fields[0]] = (int(fields[1]), int(fields[2]))
                elif kind == "T":
                    compound_tails[fields[0]] = (int(fields[1]), int(fields[2]))
                elif kind == "V":
                    # Remainders are pooled across می and نمی: the negative form is the rarer one.
                    self.tails[fields[1]] += int(fields[2])
        self.forms = self._choose_forms(spellings)
        if supplement_path is not None:
            for line in supplement_path.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    form = line.split("\t")[0].strip()
                    # Fills gaps only: where the news has its own evidence, the evidence decides.
                    if form.replace(ZWNJ, "") not in spellings:
                        self.forms[form.replace(ZWNJ, "")] = form
        self.ambiguous = set(spellings) - set(self.forms)
        self.tail_stems = self._verb_stems()
        self.compound_heads = self._reliable_parts(compound_heads)
        self.compound_tails = self._reliable_parts(compound_tails)
        self.max_head = max(map(len, self.compound_heads), default=0)
        self.max_tail = max(map(len, self.compound_tails), default=0)
        self._cache: dict[str, tuple[int, ...]] = {}

    def _choose_forms(self, spellings: dict[str, dict[str, float]]) -> dict[str, str]:
        t = self.thresholds
        forms = {}
        for joined, seen in spellings.items():
            form, count = min(seen.items(), key=lambda kv: (-kv[1], kv[0]))
            breaks = set(_zwnj_positions(form))
            # Spellings with extra breaks (رو‌به‌رو beside روبه‌رو) agree with the chosen one as far as it goes.
            against = sum(c for f, c in seen.items() if not breaks <= set(_zwnj_positions(f)))
            total = count + against + self.plain.get(joined, 0) + t.form_prior
            if count >= t.min_form_count and count / total >= t.min_form_share:
                forms[joined] = form
        return forms

    def _reliable_parts(self, stats: dict[str, tuple[int, int]]) -> set[str]:
        t = self.thresholds
        return {
            part for part, (with_zwnj, glued) in stats.items()
            if len(part) >= t.min_compound_part_length and with_zwnj >= t.min_compound_words
            and with_zwnj / (with_zwnj + glued) >= t.min_compound_share
        }

    def _verb_stems(self) -> set[str]:
        stems: dict[str, int] = defaultdict(int)
        for tail, count in self.tails.items():
            for ending in _PERSONAL_ENDINGS:
                if tail.endswith(ending) and len(tail) - len(ending) >= 2:
                    stems[tail[: -len(ending)]] += count
        return {s for s, c in stems.items() if c >= self.thresholds.min_tail_count}

    # -- decisions on one word written without ZWNJ ---------------------------------------------------
    def spell(self, word: str) -> str | None:
        """The ZWNJ spelling of a glued word, or None to leave it as it is."""
        if word in self.forms:
            return self.forms[word]
        if word in self.ambiguous or self.plain.get(word, 0) > self.thresholds.max_plain_for_morphology:
            return None
        return self._with_prefix(word) or self._with_suffix(word) or self._as_compound(word)

    def _with_prefix(self, word: str) -> str | None:
        for prefix in self.prefixes:
            if not word.startswith(prefix):
                continue
            tail = word[len(prefix):]
            if len(tail) < 2:
                return None
            if self.tails.get(tail, 0) >= self.thresholds.min_tail_count or any(
                tail.endswith(e) and tail[: -len(e)] in self.tail_stems for e in _PERSONAL_ENDINGS
            ):
                return prefix + ZWNJ + tail
            return None
        return None

    def _base_form(self, base: str) -> str | None:
        if base in self.forms:
            return self.forms[base]
        if base in self.ambiguous:
            return None
        if self.plain.get(base, 0) >= self.thresholds.min_base_count:
            return base
        return None

    def _with_suffix(self, word: str) -> str | None:
        t = self.thresholds
        for suffix in self.suffixes:
            if not word.endswith(suffix) or len(word) - len(suffix) < 2:
                continue
            base = word[: -len(suffix)]
            base_form = self._base_form(base)
            if base_form is None:
                continue
            with_zwnj, glued = self.suffix_stats.get((base[-1], suffix), (0, 0))
            evidence = with_zwnj + glued
            if evidence < t.min_suffix_evidence:
                continue
            if with_zwnj / evidence >= t.min_suffix_share:
                return base_form + ZWNJ + suffix
            if base_form != base and base[-1] in _NON_JOINING and glued / evidence >= t.min_suffix_share:
                # A compound with its own ZWNJ keeps it under a suffix that attaches glued (روبه‌روست).
                return base_form + suffix
        return None

    def _as_compound(self, word: str) -> str | None:
        # Longest head first, then longest tail: the longer part is the more specific evidence.
        for cut in range(min(self.max_head, len(word) - 2), 1, -1):
            if word[:cut] in self.compound_heads:
                right = self._base_form(word[cut:])
                if right is not None:
                    return word[:cut] + ZWNJ + right
        for cut in range(max(2, len(word) - self.max_tail), len(word) - 1):
            if word[cut:] in self.compound_tails:
                left = self._base_form(word[:cut])
                if left is not None and left[-1] not in _NON_JOINING:
                    return left + ZWNJ + word[cut:]
        return None

    # -- tokens as they occur in text ------------------------------------------------------------------
    def insertions(self, token: str) -> tuple[int, ...]:
        """Offsets in `token` before which a ZWNJ goes (cached per distinct token)."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        result: tuple[int, ...] = ()
        joined = token.replace(ZWNJ, "")
        spelled = self.spell(joined) if len(joined) >= 3 else None
        if spelled is not None:
            result = _extra_zwnj_offsets(token, spelled)
        self._cache[token] = result
        return result


def _zwnj_positions(spelled: str) -> list[int]:
    """Positions in the glued word before which `spelled` has a ZWNJ."""
    positions, letters = [], 0
    for ch in spelled:
        if ch == ZWNJ:
            positions.append(letters)
        else:
            letters += 1
    return positions


def _extra_zwnj_offsets(token: str, spelled: str) -> tuple[int, ...]:
    wanted = _zwnj_positions(spelled)
    existing = _zwnj_positions(token)
    # Never move or remove a ZWNJ the writer put there: only complete a spelling that contains them all.
    if not set(existing) <= set(wanted):
        return ()
    offsets, letters, index = [], 0, 0
    wanted_new = sorted(set(wanted) - set(existing))
    for position in wanted_new:
        while letters < position:
            if token[index] != ZWNJ:
                letters += 1
            index += 1
        while index < len(token) and token[index] == ZWNJ:
            index += 1
        offsets.append(index)
    return tuple(offsets)


_model: ZwnjModel | None = None
_model_lock = threading.Lock()


def get_model() -> ZwnjModel:
    """The lexicon is loaded once per process, on first use."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = ZwnjModel()
    return _model


def zwnj_edits(text: str, model: ZwnjModel | None = None) -> list[Edit]:
    """Sorted, non-overlapping (start, end, replacement) edits that insert missing ZWNJs into `text`."""
    model = model or get_model()
    cache = model._cache
    insertions = model.insertions
    edits: list[Edit] = []
    for match in WORD_RE.finditer(text):
        token = match.group()
        offsets = cache.get(token)
        if offsets is None:
            offsets = insertions(token)
        if offsets:
            start = match.start()
            edits.extend((start + o, start + o, ZWNJ) for o in offsets)
    return edits


def apply_edits(text: str, edits: list[Edit]) -> str:
    pieces, last = [], 0
    for start, end, replacement in edits:
        pieces.append(text[last:start])
        pieces.append(replacement)
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def restore_zwnj(text: str, model: ZwnjModel | None = None) -> str:
    """`text` with the ZWNJs a crawler stripped put back."""
    return apply_edits(text, zwnj_edits(text, model))
