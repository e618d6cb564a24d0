"""Build the ZWNJ restoration lexicon from news written with correct ZWNJ.

    python -m khazar.text.zwnj_train [NEWS_DIR] [--out PATH]

NEWS_DIR defaults to /work/shared/data/news (every *.jsonl in it, fields id/source/text). The dev hold-out
(a fixed fifth of the Asr-e Iran articles, chosen by id hash) and any article repeating one of them are left
out, so `bench/zwnj_eval.py` measures on text the lexicon never saw. Output is deterministic: sorted rows,
gzip without a timestamp.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Iterator

ZWNJ = "\u200c"
DEFAULT_NEWS_DIR = Path("/work/shared/data/news")
DATA_DIR = Path(__file__).resolve().parent / "data"
AFFIX_FILE = DATA_DIR / "zwnj_affixes.tsv"
LEXICON_FILE = DATA_DIR / "zwnj_lexicon.tsv.gz"
FORMAT_TAG = "#khazar-zwnj/1"

# Letters (and diacritics) that make up a Persian word; ZWNJ may only sit between two of them.
LETTER_CLASS = "[\u0621-\u063a\u0641-\u0655\u0670\u067e\u0686\u0698\u06a9\u06af\u06c0\u06cc]"
WORD_RE = re.compile(f"{LETTER_CLASS}+(?:\u200c{LETTER_CLASS}+)*")

# Crawled text marks the break with look-alikes (soft hyphen, RLM) or doubles it; between two letters
# any run of them was meant as one ZWNJ.
_JOINER_RUN = re.compile(
    f"(?<={LETTER_CLASS})[\u200b\u200d\u200e]*[\u200c\u200f\u00ad][\u200b-\u200f\u00ad]*(?={LETTER_CLASS})"
)
_STRAY_CONTROLS = re.compile("[\u200b-\u200f\u00ad\ufeff\u0640]")
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")
_MARK = re.compile("[\u064b-\u0655\u0670]")
_ARABIC_TO_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ڪ": "ک"})

# A document counts as ZWNJ-consistent (its plain spellings are evidence that a word is written joined)
# when at most this share of its verb-prefix forms (می/نمی + verb) are written glued.
MAX_GLUED_PREFIX_SHARE = 0.1
# Glued prefix forms are recognised by joined keys seen this often with می‌/نمی‌ in the whole corpus.
PREFIX_KEY_MIN_COUNT = 5
# Asr-e Iran writes ZWNJ most consistently; where outlets disagree on a word (مهمترین / مهم‌ترین) its
# choices can be weighted up at load time, so they are counted apart as well.
HOUSE_STYLE_SOURCE = "asr"
# A compound head or tail is only learned when seen with a ZWNJ before/after this many distinct partners.
COMPOUND_MIN_PARTNERS = 2
# Suffix statistics only trust bases seen this often as a plain word.
SUFFIX_BASE_MIN_COUNT = 3


def normalize_for_training(text: str) -> str:
    """Persian letters, one ZWNJ per intended break, no other invisible characters."""
    text = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    text = text.translate(_ARABIC_TO_PERSIAN)
    text = _JOINER_RUN.sub(ZWNJ, text)
    text = _STRAY_CONTROLS.sub("", text.replace(ZWNJ, "\x00")).replace("\x00", ZWNJ)
    # A ZWNJ not between two letters carries no orthography.
    return re.sub(f"\u200c(?!{LETTER_CLASS})|(?<!{LETTER_CLASS})\u200c", "", text)


def is_dev_holdout(article: dict) -> bool:
    """The fixed development fifth of the Asr-e Iran articles (never trained on)."""
    if "asr" not in (article.get("source") or "").lower():
        return False
    digest = hashlib.sha1(str(article.get("id")).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 5 == 0


def is_plausible_spelling(token: str) -> bool:
    """False for crawler damage such as پروند‌ه‌ها or a ZWNJ before a vowel mark."""
    segments = token.split(ZWNJ)
    for index, segment in enumerate(segments):
        if _MARK.match(segment):
            return False
        # A one-letter piece is only right as the ezafe/indefinite ی after a vowel (خانه‌ی).
        if len(segment) == 1 and not (index == len(segments) - 1 and segment == "ی" and index > 0):
            return False
    return True


def _fingerprint(text: str) -> str:
    return re.sub(r"\s+", "", text.replace(ZWNJ, ""))[:200]


def iter_articles(news_dir: Path) -> Iterator[dict]:
    for path in sorted(Path(news_dir).glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def split_articles(news_dir: Path) -> tuple[list[dict], list[dict]]:
    """(training, dev) articles; training drops repeats of dev articles found under another id."""
    articles = list(iter_articles(news_dir))
    dev = [a for a in articles if is_dev_holdout(a)]
    dev_prints = {_fingerprint(normalize_for_training(a.get("text") or "")) for a in dev}
    train = [
        a for a in articles
        if not is_dev_holdout(a) and _fingerprint(normalize_for_training(a.get("text") or "")) not in dev_prints
    ]
    return train, dev


def load_affixes(path: Path = AFFIX_FILE) -> tuple[list[str], list[str]]:
    suffixes: list[str] = []
    prefixes: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, affix = line.split("\t")[:2]
        (suffixes if kind == "suffix" else prefixes).append(affix)
    # Longest first, so a base is tried with the longest suffix that fits.
    return sorted(suffixes, key=lambda s: (-len(s), s)), sorted(prefixes, key=lambda s: (-len(s), s))


def build_counts(documents: Iterable[tuple[str, bool]], affix_path: Path = AFFIX_FILE) -> dict:
    """Counts from (text, in_house_style) pairs; in-house-style documents are also counted on their own."""
    suffixes, prefixes = load_affixes(affix_path)
    docs, house = [], []
    for text, in_house_style in documents:
        docs.append(WORD_RE.findall(normalize_for_training(text)))
        house.append(in_house_style)

    spellings: Counter[tuple[str, str]] = Counter()
    house_spellings: Counter[tuple[str, str]] = Counter()
    for tokens, in_house in zip(docs, house):
        for token in tokens:
            if ZWNJ in token and is_plausible_spelling(token):
                spellings[(token.replace(ZWNJ, ""), token)] += 1
                if in_house:
                    house_spellings[(token.replace(ZWNJ, ""), token)] += 1

    prefix_keys: Counter[str] = Counter()
    for (joined, form), count in spellings.items():
        if any(form.startswith(p + ZWNJ) for p in prefixes):
            prefix_keys[joined] += count
    glued_prefix_forms = {k for k, c in prefix_keys.items() if c >= PREFIX_KEY_MIN_COUNT}

    plain_clean: Counter[str] = Counter()
    house_plain: Counter[str] = Counter()
    clean_docs = 0
    for tokens, in_house in zip(docs, house):
        with_zwnj = sum(1 for t in tokens if ZWNJ in t and t.replace(ZWNJ, "") in glued_prefix_forms)
        glued = sum(1 for t in tokens if t in glued_prefix_forms)
        has_any_zwnj = any(ZWNJ in t for t in tokens)
        if not has_any_zwnj or glued > MAX_GLUED_PREFIX_SHARE * (glued + with_zwnj):
            continue
        clean_docs += 1
        plain_clean.update(t for t in tokens if ZWNJ not in t)
        if in_house:
            house_plain.update(t for t in tokens if ZWNJ not in t)

    lexicon_keys = {joined for joined, _ in spellings}

    def known_base(base: str) -> bool:
        return len(base) >= 2 and (plain_clean[base] >= SUFFIX_BASE_MIN_COUNT or base in lexicon_keys)

    # Per (final letter of base, suffix): how often the break is written, how often glued.
    suffix_stats: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for tokens in docs:
        for token in tokens:
            joined = token.replace(ZWNJ, "")
            for suffix in suffixes:
                if not joined.endswith(suffix):
                    continue
                base = joined[: -len(suffix)]
                if not known_base(base):
                    continue
                if ZWNJ in token:
                    if token.endswith(ZWNJ + suffix):
                        suffix_stats[(base[-1], suffix)][0] += 1
                elif plain_clean[token]:
                    suffix_stats[(base[-1], suffix)][1] += 1

    prefix_tails: Counter[tuple[str, str]] = Counter()
    for (_joined, form), count in spellings.items():
        for prefix in prefixes:
            if form.startswith(prefix + ZWNJ):
                tail = form[len(prefix) + 1:]
                if ZWNJ not in tail:
                    prefix_tails[(prefix, tail)] += count
                break

    heads, tails = _compound_part_stats(spellings, plain_clean, set(prefixes))

    return {
        "heads": heads,
        "tails": tails,
        "spellings": spellings,
        "house_spellings": house_spellings,
        "plain_clean": plain_clean,
        "house_plain": house_plain,
        "suffix_stats": {k: tuple(v) for k, v in suffix_stats.items()},
        "prefix_tails": prefix_tails,
        "documents": len(docs),
        "clean_documents": clean_docs,
    }


def _compound_part_stats(spellings: Counter, plain_clean: Counter, prefixes: set[str]):
    """Per compound head (زیست‌...) and tail (...‌سازی): distinct words written with the ZWNJ vs glued.

    Counted over distinct words, not tokens, so one frequent word (پیشنهاد) does not decide for a head.
    """
    def known(word: str) -> bool:
        return len(word) >= 2 and plain_clean[word] >= SUFFIX_BASE_MIN_COUNT

    head_parts: dict[str, set[str]] = defaultdict(set)
    tail_parts: dict[str, set[str]] = defaultdict(set)
    for _, form in spellings:
        parts = form.split(ZWNJ)
        if len(parts) == 2 and parts[0] not in prefixes and min(len(p) for p in parts) >= 2:
            head_parts[parts[0]].add(parts[1])
            tail_parts[parts[1]].add(parts[0])
    heads = {h: [len(r), 0] for h, r in head_parts.items() if len(r) >= COMPOUND_MIN_PARTNERS}
    tails = {t: [len(r), 0] for t, r in tail_parts.items() if len(r) >= COMPOUND_MIN_PARTNERS}
    for word, count in plain_clean.items():
        if count < SUFFIX_BASE_MIN_COUNT:
            continue
        for cut in range(2, len(word) - 1):
            left, right = word[:cut], word[cut:]
            if left in heads and known(right):
                heads[left][1] += 1
            if right in tails and known(left):
                tails[right][1] += 1
    return ({h: tuple(v) for h, v in heads.items()}, {t: tuple(v) for t, v in tails.items()})


def write_lexicon(counts: dict, out_path: Path) -> None:
    rows = [FORMAT_TAG + f"\tdocuments={counts['documents']}\tclean_documents={counts['clean_documents']}"]
    keys_needed = {joined for joined, _ in counts["spellings"]}
    house_spellings, house_plain = counts["house_spellings"], counts["house_plain"]
    rows += [f"Z\t{j}\t{f}\t{c}\t{house_spellings[(j, f)]}" for (j, f), c in sorted(counts["spellings"].items())]
    # Plain counts are kept for every word: a missing word reads as "never seen", which opens it to
    # morphology, so dropping rare words would cost precision.
    rows += [f"W\t{w}\t{c}\t{house_plain[w]}" for w, c in sorted(counts["plain_clean"].items()) if c >= 1 or w in keys_needed]
    rows += [f"S\t{letter}\t{suffix}\t{zw}\t{glued}" for (letter, suffix), (zw, glued) in sorted(counts["suffix_stats"].items())]
    rows += [f"H\t{h}\t{zw}\t{glued}" for h, (zw, glued) in sorted(counts["heads"].items())]
    rows += [f"T\t{t}\t{zw}\t{glued}" for t, (zw, glued) in sorted(counts["tails"].items())]
    rows += [f"V\t{p}\t{t}\t{c}" for (p, t), c in sorted(counts["prefix_tails"].items())]
    payload = ("\n".join(rows) + "\n").encode("utf-8")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    out_path.write_bytes(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("news_dir", nargs="?", default=str(DEFAULT_NEWS_DIR))
    parser.add_argument("--out", default=str(LEXICON_FILE))
    parser.add_argument("--house-style", default=HOUSE_STYLE_SOURCE,
                        help="source whose spelling choices are also counted apart (substring of the source field)")
    args = parser.parse_args(argv)
    train, dev = split_articles(Path(args.news_dir))
    style = args.house_style.lower()
    counts = build_counts((a.get("text") or "", style in (a.get("source") or "").lower()) for a in train)
    write_lexicon(counts, Path(args.out))
    print(
        f"trained on {len(train)} articles ({counts['clean_documents']} ZWNJ-consistent), "
        f"held out {len(dev)}; {len(counts['spellings'])} spellings, {len(counts['plain_clean'])} plain words "
        f"-> {args.out} ({Path(args.out).stat().st_size} bytes)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
