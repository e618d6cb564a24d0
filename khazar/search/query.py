"""What a search asks and what it answers: plain dataclasses shared by the store, the CLI and the API."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jdatetime

MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000  # deeper OFFSETs only cost the server; nobody pages that far by hand
# A query's cost grows with its terms, and a prefix term costs as much as every indexed word it starts
# (FTS5 snippet() re-expands it for each result): ا* × 166 took minutes. Repeats are dropped; beyond these
# caps the query is refused with a message, not run. A term is what the user wrote: a word, a phrase, an
# excluded -word, each branch of an OR (so an OR has at most MAX_QUERY_TERMS branches). The Persian
# spellings the KB adds to an English name are no terms of the user's: the KB bounds them (IRIB's ~100
# are the most, 0.5 s of CPU on the 3,469-article news store) and the request time limit bounds the rest.
MAX_QUERY_TERMS = 12
MAX_PREFIX_TERMS = 3
MIN_PREFIX_CHARS = 2
FACET_LIMIT = 15  # values listed per facet, by every backend
# Facet counts cost a lookup per match per facet (~2 µs each at 100k articles in SQLite, far more for entities):
# above this many matches every backend counts them over an even sample of about this size, scaled and marked so.
FACET_SAMPLE = 5000
SORTS = ("relevance", "date")
# Highlight markers inside FTS5 snippets; search_form strips them from indexed text, so they are unambiguous.
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"

_DIGITS = str.maketrans({**{chr(0x6F0 + i): str(i) for i in range(10)}, **{chr(0x660 + i): str(i) for i in range(10)}})
_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")


class QueryError(ValueError):
    """A search parameter that cannot be understood; the message is for the person who typed it, `fa` the
    same in Persian for the web pages (the message itself when none was given)."""

    def __init__(self, message: str, fa: str | None = None):
        super().__init__(message)
        self.fa = fa or message


def parse_date(value: str | None, *, name: str = "date") -> str | None:
    """`1404-08-27`, `۱۴۰۴/۰۸/۲۷` (Jalali: years before 1700), `2025-11-18`, or a day written out as in
    the news (`۱ اسفند ۱۳۹۸`, `۱۸ نوامبر ۲۰۲۵`, read by the date extractor) → ISO Gregorian `2025-11-18`."""
    if value is None or not str(value).strip():
        return None
    m = _DATE.match(str(value).translate(_DIGITS))
    if not m:
        from ..extract.times import find_times

        found = find_times(str(value).strip())
        if len(found) == 1 and len(found[0].value) == 10 and found[0].text == str(value).strip():
            return found[0].value
        raise QueryError(f"{name}: {value!r} is not a date (expected YYYY-MM-DD, Jalali or Gregorian)",
                         f"«{value}» تاریخ نیست؛ مثلاً ۱۴۰۴-۰۸-۲۷ یا ۲۷ آبان ۱۴۰۴ یا 2025-11-18 بنویسید.")
    y, mo, d = (int(g) for g in m.groups())
    try:
        if y < 1700:  # Jalali years in use are 13xx–14xx; Gregorian news dates are 19xx–20xx
            return jdatetime.date(y, mo, d).togregorian().isoformat()
        return date(y, mo, d).isoformat()
    except ValueError as exc:
        raise QueryError(f"{name}: {value!r} is not a calendar date ({exc})",
                         f"«{value}» روزی از تقویم نیست (ماه یا روز نادرست است).") from None


@dataclass
class SearchQuery:
    q: str = ""
    date_from: str | None = None  # ISO Gregorian, inclusive
    date_to: str | None = None
    outlet: str | None = None  # outlet kb id (out:...) or outlet name
    entity: str | None = None  # entity id as the linker gives it: kb id, or x:<hash> for names the KB does not know
    topic: str | None = None
    story: str | None = None  # honoured when the store has stories; ignored (and reported) otherwise
    sort: str = "relevance"
    page: int = 1
    size: int = 20
    facets: bool = True

    def validate(self) -> "SearchQuery":
        from ..dates import fa_digits

        if self.sort not in SORTS:
            raise QueryError(f"sort: must be one of {', '.join(SORTS)}, got {self.sort!r}")
        if not isinstance(self.page, int) or not 1 <= self.page <= MAX_PAGE:
            raise QueryError(f"page: must be a whole number from 1 to {MAX_PAGE}, got {self.page!r}",
                             f"شمارهٔ صفحه باید عددی از ۱ تا {fa_digits(MAX_PAGE)} باشد.")
        if not isinstance(self.size, int) or not 1 <= self.size <= MAX_PAGE_SIZE:
            raise QueryError(f"size: must be between 1 and {MAX_PAGE_SIZE}, got {self.size!r}")
        if len(self.q) > 500:
            raise QueryError("q: at most 500 characters")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError(f"from ({self.date_from}) is after to ({self.date_to})",
                             "تاریخ «از» پس از تاریخ «تا» است.")
        check_query_cost(self.q)
        return self


@dataclass
class SearchHit:
    id: str
    title: str
    outlet: str | None
    published: str | None
    snippet: str  # plain text
    highlights: list[list[int]] = field(default_factory=list)  # [start, end) spans of matches in snippet
    score: float | None = None
    title_highlights: list[list[int]] = field(default_factory=list)  # [start, end) spans of matches in title

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "outlet": self.outlet, "published": self.published,
                "snippet": self.snippet, "highlights": self.highlights, "title_highlights": self.title_highlights,
                "score": self.score}


SNIPPET_CHARS = 240  # the opening shown for a hit without matched words


def page_hit(article_id: str, title: str, outlet: str | None, published: str | None, text: str,
             marked: str | None, phrases: list[Any], score: float | None) -> SearchHit:
    """One hit of a page as every backend shows it: the snippet the backend cut from the search form
    (`marked`, MARK-delimited; None without matched words) put back into the words as written, and the
    query's phrases highlighted in the title."""
    from .fts5_text import as_written, highlight_spans
    from ..text.fold import aligned_search_form

    title_form = aligned_search_form(title) if marked is not None or phrases else None
    if marked is not None:
        snippet, spans = as_written(marked, [title, text], [title_form])
    else:
        snippet, spans = text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else ""), []
    return SearchHit(article_id, title, outlet, published, snippet.replace("\n", " "), spans, score,
                     highlight_spans(title, phrases, title_form) if phrases else [])


@dataclass
class SearchPage:
    total: int
    results: list[SearchHit]
    facets: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page: int = 1
    size: int = 20
    notes: list[str] = field(default_factory=list)  # e.g. a filter this store cannot apply yet
    facets_estimated: bool = False  # counted over an even sample of the matches, scaled to the total

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "page": self.page, "size": self.size,
                "results": [h.to_dict() for h in self.results], "facets": self.facets,
                "facets_estimated": self.facets_estimated, "notes": self.notes}


def split_marks(marked: str) -> tuple[str, list[list[int]]]:
    """FTS5 snippet text with markers → (plain text, highlight spans)."""
    out: list[str] = []
    spans: list[list[int]] = []
    pos = 0
    start = None
    for ch in marked:
        if ch == MARK_OPEN:
            start = pos
        elif ch == MARK_CLOSE:
            if start is not None:
                spans.append([start, pos])
            start = None
        else:
            out.append(ch)
            pos += 1
    return "".join(out), spans


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'.-]*")


@functools.lru_cache(maxsize=1)
def _latin_names() -> dict[tuple[str, ...], tuple[str, ...]]:
    """English or transliterated names of KB records (lower-cased word tuples) → the records' Persian
    names and aliases, so that "Trump" or "Zarif" finds what is written ترامپ or ظریف. A record's last
    English word (the surname) is a key too unless several records share it."""
    from ..kb.loader import load_kb

    full: dict[tuple[str, ...], set[str]] = {}
    last: dict[tuple[str, ...], set[str]] = {}
    owners: dict[tuple[str, ...], set[str]] = {}
    for rec in load_kb().records:
        persian = {rec.name, *rec.aliases}
        for name in (rec.name_en, *rec.aliases_en):
            words = tuple(w.lower() for w in _LATIN_WORD.findall(name or ""))
            if not words:
                continue
            full.setdefault(words, set()).update(persian)
            if len(words) > 1 and rec.type == "PER":
                last.setdefault(words[-1:], set()).update(persian)
                owners.setdefault(words[-1:], set()).add(rec.id)
    for key, names in last.items():
        if len(owners[key]) == 1 and key not in full:
            full[key] = names
    return {k: tuple(sorted(v)) for k, v in full.items()}


@functools.lru_cache(maxsize=1)
def _kb_name_words() -> dict[str, list[tuple[frozenset[str], str]]]:
    """Each word of a KB person's or organisation's names (search form; English lower-cased) → (all the
    words of that name, record id)."""
    from ..kb.loader import load_kb
    from .terms import query_terms

    index: dict[str, list[tuple[frozenset[str], str]]] = {}
    for rec in load_kb().records:
        if rec.type not in ("PER", "ORG"):
            continue
        for name in (rec.name, *rec.aliases, *rec.weak_aliases, rec.name_en, *rec.aliases_en):
            words = frozenset(query_terms(name or ""))
            for w in words:
                index.setdefault(w, []).append((words, rec.id))
    return index


def kb_ids_named(text: str) -> list[str]:
    """The KB people and organisations one of whose names (Persian or English, aliases included) has every
    word of `text`: "ظریف", "Zarif" and "محمدجواد ظریف" all name per:mohammad-javad-zarif."""
    from .terms import query_terms

    words = set(query_terms(text))
    if not words:
        return []
    first = min(words, key=lambda w: len(_kb_name_words().get(w, ())))
    return sorted({rid for name_words, rid in _kb_name_words().get(first, ()) if words <= name_words})


def speaker_ids(speaker: str) -> list[str]:
    """What a speaker filter means: the KB records the text names, and the text itself when it is an id."""
    return sorted({*kb_ids_named(speaker), *([speaker] if ":" in speaker else [])})


def _phrase(words: list[str]) -> str | None:
    """A quoted FTS5 phrase of the words, or None when FTS5 would find no token in them (a phrase of
    none is ignored beside an implicit AND, matches nothing beside an explicit one: never emitted)."""
    from .fts5_text import tokenize

    text = " ".join(words)
    return '"' + text + '"' if tokenize(text) else None


def _latin_alternatives(words: list[str]) -> list[list[str]]:
    """Latin query words → groups of alternatives: a run of words that is a KB record's English name
    becomes that name OR its Persian forms; the longest run wins."""
    from .terms import query_terms

    names = _latin_names()
    out: list[list[str]] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + 4), i, -1):
            persian = names.get(tuple(w.lower() for w in words[i:j]))
            if persian:
                alts = [_phrase(query_terms(" ".join(words[i:j])))]
                alts += [_phrase(query_terms(p)) for p in persian]
                out.append(list(dict.fromkeys(a for a in alts if a)))
                i = j
                break
        else:
            out.append([a for a in [_phrase(query_terms(words[i]))] if a])
            i += 1
    return [g for g in out if g]


_OR_WORDS = ("OR", "|")
_QUERY_PART = re.compile(r'(-?)"([^"]*)"(\*?)|(\S+)')


def fts_expression(query: str) -> str | None:
    """A user query → a safe FTS5 MATCH expression. Every word is quoted (no FTS5 syntax gets through);
    words are ANDed; a "quoted phrase" stays a phrase; a trailing * makes a word a prefix; `a OR b` (or
    `a | b`) is either; a leading - (`-word`, `-"a phrase"`) excludes; an English or transliterated name
    the knowledge base knows also finds its Persian spellings. A repeated unit is kept once (ANDing it
    again changes nothing but the cost).

    The result has one shape (fts5_text.parse_query reads it back for the backends without FTS5): units
    joined by " AND " (FTS5 does not AND a parenthesised group implicitly), a unit being a phrase or
    "(phrase OR phrase …)", then optionally " NOT " and one unit of everything excluded (NOT binds
    tighter than AND: the last unit NOT the excluded, which comes to the same rows). Nothing to find
    (no words, or only exclusions): None."""
    units, _terms = _query_units(query)

    def unit(alts: list[str]) -> str:
        return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"

    found = list(dict.fromkeys(unit(alts) for negated, alts in units if not negated))
    if not found:
        return None
    excluded = list(dict.fromkeys(a for negated, alts in units if negated for a in alts))
    return " AND ".join(found) + (" NOT " + unit(excluded) if excluded else "")


def _query_units(query: str) -> tuple[list[tuple[bool, list[str]]], list[tuple[bool, tuple[str, ...]]]]:
    """A user query → its units in order, each (negated, alternative FTS5 phrases), and the different
    terms the user wrote, each (negated, its phrases): a word, a phrase, an excluded one and every OR
    branch is a term; an English name is one term with the Persian spellings the KB adds to it."""
    from ..text.fold import search_form
    from .terms import query_terms

    # (negated, alternatives) per unit; an OR marker between two units merges them.
    units: list[tuple[bool, list[str]]] = []
    terms: dict[tuple[bool, tuple[str, ...]], None] = {}
    or_next = False
    run: list[str] = []

    def add(negated: bool, alts: list[str]) -> None:
        nonlocal or_next
        if not alts:
            return
        terms[(negated, tuple(alts))] = None
        if or_next and units and not negated and not units[-1][0]:
            units[-1][1].extend(a for a in alts if a not in units[-1][1])
        else:
            units.append((negated, list(alts)))
        or_next = False

    def flush_run() -> None:
        # A run of plain words goes through search_form whole, so that "استان های" joins before splitting.
        text = " ".join(run)
        run.clear()
        if not text:
            return
        pieces = re.split(r"(\s+)", text)
        latin: list[str] = []
        persian: list[str] = []

        def flush_persian() -> None:
            for w in re.finditer(r"(\w+)(\*?)", search_form(" ".join(persian))):
                phrase = _phrase([w.group(1)])
                add(False, [phrase + w.group(2)] if phrase else [])
            persian.clear()

        def flush_latin() -> None:
            for group in _latin_alternatives(latin):
                add(False, group)
            latin.clear()

        for piece in pieces:
            if not piece.strip():
                continue
            if _LATIN_WORD.fullmatch(piece):
                flush_persian()
                latin.append(piece)
            else:
                flush_latin()
                persian.append(piece)
        flush_persian()
        flush_latin()

    parts = list(_QUERY_PART.finditer(query))
    for k, m in enumerate(parts):
        neg, phrase, star, word = m.groups()
        if phrase is not None:
            flush_run()
            quoted = _phrase(query_terms(phrase))
            if quoted:
                add(bool(neg), [quoted + star])
        elif word in _OR_WORDS and (run or units) and k + 1 < len(parts):
            flush_run()
            or_next = True
        elif word.startswith("-") and len(word) > 1:
            flush_run()
            quoted = _phrase(query_terms(word[1:].rstrip("*")))
            if quoted:
                add(True, [quoted])
        else:
            run.append(word)
    flush_run()
    return units, list(terms)


def check_query_cost(query: str) -> None:
    """QueryError for a query past MAX_QUERY_TERMS or MAX_PREFIX_TERMS, or with a prefix shorter than
    MIN_PREFIX_CHARS: refused with a message before it costs anything. Terms are counted after parsing,
    as the user wrote them: OR branches and excluded words count, repeats do not."""
    from ..dates import fa_digits

    units, terms = _query_units(query)
    if len(terms) > MAX_QUERY_TERMS:
        raise QueryError(f"q: at most {MAX_QUERY_TERMS} different words and phrases (each OR branch and each "
                         f"excluded -word counts), got {len(terms)}",
                         f"جست‌وجو حداکثر {fa_digits(MAX_QUERY_TERMS)} واژه یا عبارت متفاوت می‌پذیرد (هر گزینهٔ "
                         f"OR و هر واژهٔ کنارگذاشته یکی است)؛ این جست‌وجو {fa_digits(len(terms))} دارد.")
    phrases = list(dict.fromkeys(a for _negated, alts in units for a in alts))
    prefixes = [p[1:-2] for p in phrases if p.endswith("*")]
    short = next((p for p in prefixes if len(p.split()[-1]) < MIN_PREFIX_CHARS), None)
    if short is not None:
        raise QueryError(f"q: a prefix search needs at least {MIN_PREFIX_CHARS} letters before *, got {short + '*'!r}",
                         f"جست‌وجوی پیشوندی پیش از * دست‌کم {fa_digits(MIN_PREFIX_CHARS)} حرف می‌خواهد، نه «{short}*».")
    if len(prefixes) > MAX_PREFIX_TERMS:
        raise QueryError(f"q: at most {MAX_PREFIX_TERMS} prefix searches (word*), got {len(prefixes)}",
                         f"جست‌وجو حداکثر {fa_digits(MAX_PREFIX_TERMS)} واژهٔ پیشوندی (واژه*) می‌پذیرد؛ این "
                         f"جست‌وجو {fa_digits(len(prefixes))} دارد.")
