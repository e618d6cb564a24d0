"""Generate ``countries.yaml`` and ``iran_places.yaml`` from their sources plus hand-written overrides.

    python -m khazar.kb.build_places [--lexicons DIR] [--news DIR]

Sources: country names from Unicode CLDR through babel (pinned in the venv), Iran's provinces and
cities from the MIT-licensed ``iran_provinces_cities_fa_en.json`` lexicon in shared/data/lexicons.
Hand-written knowledge (common Persian variants, coordinates, ambiguity fixes) lives in
``data/places_country_overrides.yaml`` and ``data/places_iran_overrides.yaml``, never here.

Ambiguity of Iranian city names (a city called مهر or بانک is mostly the ordinary word) is
estimated from data: a city name is ambiguous when it is a hazm stopword, or when it is a frequent
word of data/news that almost never follows a place cue (شهر, شهرستان, ...);
``places_iran_ambiguity_overrides.yaml`` corrects the estimate both ways.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import unicodedata
from pathlib import Path
from typing import Any, Iterable

import yaml

from khazar.kb.files import DATA_DIR
from khazar.kb.loader import read_yaml_records
from khazar.text.fold import name_key

SHARED_DIR = Path("/work/shared")
CLDR_SOURCE = "Unicode CLDR via babel {version} (territory names, Unicode licence)"
LEXICON_SOURCE = ("iran_provinces_cities_fa_en.json by amyrmahdy, MIT licence "
                  "(shared/data/lexicons/LICENSE_provinces_cities_MIT.txt)")
HAND_SOURCE = "general knowledge, as of 2025-11"

# CLDR territory codes that are not countries or territories of ISO 3166-1: pseudo-locales,
# groupings and CLDR-only sub-territories (Kosovo, XK, is kept: it is used everywhere in news).
NON_COUNTRY_CODES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "DG", "EA", "IC", "TA"})

# A single-word city name seen at least this often in data/news, yet almost never after a place
# cue word (شهر, شهرستان, ...), is mostly the ordinary word: بانک, بهار, مهر. Big cities rarely take
# a cue either (تبریز), which is why the ambiguity overrides file can say otherwise.
MIN_COUNT_FOR_ESTIMATE = 20
MAX_CUE_RATIO = 0.03
_WORD = re.compile(r"[\w\u200c]+")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    ascii_text = ascii_text.replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _merge(record: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Lists from the override are appended (deduplicated), scalars replace."""
    merged = dict(record)
    for key, value in override.items():
        if key in ("match_country", "drop"):
            continue
        if isinstance(value, list) and key in ("aliases", "aliases_en", "weak_aliases", "domains"):
            existing = list(merged.get(key) or [])
            merged[key] = existing + [v for v in value if v not in existing]
        else:
            merged[key] = value
    if merged.get("name") in merged.get("aliases", []):
        merged["aliases"] = [a for a in merged["aliases"] if a != merged["name"]]
    return merged


def _ordered(record: dict[str, Any]) -> dict[str, Any]:
    order = ["id", "type", "kind", "name", "name_en", "aliases", "aliases_en", "country", "parent",
             "coords", "weak_aliases", "ambiguous", "source"]
    return {k: record[k] for k in order if k in record and record[k] not in (None, [], False)}


def build_countries(overrides: list[dict[str, Any]]) -> list[dict[str, Any]]:
    import babel
    from babel import Locale

    fa_names = Locale("fa").territories
    en_names = Locale("en").territories
    by_code = {o["match_country"]: o for o in overrides}
    source = CLDR_SOURCE.format(version=babel.__version__)
    records = []
    for code in sorted(fa_names):
        if len(code) != 2 or not code.isalpha() or code in NON_COUNTRY_CODES:
            continue
        override = by_code.pop(code, {})
        if override.get("drop"):
            continue
        name_en = en_names[code]
        record = {
            "id": f"loc:{slugify(name_en)}", "type": "LOC", "kind": "country",
            "name": fa_names[code], "name_en": name_en, "aliases": [], "country": code,
            "source": source + (f"; variants and coords: {HAND_SOURCE}" if override else ""),
        }
        records.append(_ordered(_merge(record, override)))
    if by_code:
        raise ValueError(f"country overrides for codes CLDR does not know: {sorted(by_code)}")
    return records


def news_name_statistics(news_dir: Path, names: Iterable[str], cue_words: Iterable[str]) -> dict[str, tuple[int, int]]:
    """For each single-word name key: (times seen as a word in the news, times right after a cue word)."""
    keys = {name_key(n) for n in names}
    cue_keys = {name_key(w) for w in cue_words}
    seen: collections.Counter[str] = collections.Counter()
    after_cue: collections.Counter[str] = collections.Counter()
    for path in sorted(news_dir.glob("*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                article = json.loads(line)
                previous = ""
                for word in _WORD.findall(f"{article.get('title') or ''} {article.get('text') or ''}"):
                    key = name_key(word)
                    if key in keys:
                        seen[key] += 1
                        after_cue[key] += previous in cue_keys
                    previous = key
    return {k: (seen[k], after_cue[k]) for k in keys}


def ambiguous_city_names(names: Iterable[str], stopwords: set[str], statistics: dict[str, tuple[int, int]],
                         ambiguity_overrides: dict[str, Any]) -> set[str]:
    forced_true = {name_key(n) for n in ambiguity_overrides.get("ambiguous", [])}
    forced_false = {name_key(n) for n in ambiguity_overrides.get("not_ambiguous", [])}
    ambiguous = set()
    for name in names:
        key = name_key(name)
        if key in forced_false:
            continue
        count, after_cue = statistics.get(key, (0, 0))
        estimated = (" " not in name.strip() and count >= MIN_COUNT_FOR_ESTIMATE
                     and after_cue / count < MAX_CUE_RATIO)
        if key in forced_true or key in stopwords or estimated:
            ambiguous.add(name)
    return ambiguous


def build_iran_places(lexicon: list[dict[str, Any]], overrides: list[dict[str, Any]],
                      ambiguous: set[str], taken_ids: set[str]) -> list[dict[str, Any]]:
    city_slug_count = collections.Counter(slugify(c["city-en"]) for p in lexicon for c in p["cities"])
    city_slugs = set(city_slug_count)
    records: list[dict[str, Any]] = []
    for province in lexicon:
        province_slug = slugify(province["province-en"])
        province_id = f"loc:{province_slug}-province" if province_slug in city_slugs else f"loc:{province_slug}"
        name = province["province-fa"]
        records.append({
            "id": province_id, "type": "LOC", "kind": "province", "name": name,
            "name_en": province_slug.replace("-", " ").title().replace(" And ", " and "),
            "aliases": [f"استان {name}"], "country": "IR", "parent": "loc:iran", "source": LEXICON_SOURCE,
        })
        seen_in_province: set[str] = set()
        for city in province["cities"]:
            slug = slugify(city["city-en"])
            if not slug:
                # the lexicon has one town whose English name is in Persian script (حلاشی); an id
                # cannot be made from it, and a guessed transliteration would not be a sourced fact
                print(f"skipped {city['city-fa']!r} ({province_slug}): no Latin name in the lexicon")
                continue
            if slug in seen_in_province:
                continue  # the lexicon repeats a few towns inside one province
            seen_in_province.add(slug)
            city_id = f"loc:{slug}" if city_slug_count[slug] == 1 else f"loc:{slug}-{province_slug}"
            if city_id in taken_ids:
                city_id = f"loc:{slug}-{province_slug}"
            city_name = city["city-fa"]
            records.append({
                "id": city_id, "type": "LOC", "kind": "city", "name": city_name,
                "name_en": slug.replace("-", " ").title(), "aliases": [f"شهر {city_name}"],
                "country": "IR", "parent": province_id, "ambiguous": city_name in ambiguous,
                "source": LEXICON_SOURCE,
            })
    by_id = {r["id"]: i for i, r in enumerate(records)}
    for override in overrides:
        index = by_id.get(override["id"])
        if index is None:
            raise ValueError(f"places_iran_overrides.yaml: {override['id']!r} is not a generated id")
        merged = _merge(records[index], override)
        if override.keys() - {"id", "ambiguous"}:
            merged["source"] = f"{LEXICON_SOURCE}; {HAND_SOURCE}"
        records[index] = merged
    return [_ordered(r) for r in records]


def _dump(records: list[dict[str, Any]], path: Path, header: str) -> None:
    """One JSON object per line: valid YAML for any reader, diff-friendly, and fast to load."""
    lines = ",\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    path.write_text(f"{header}[\n{lines}\n]\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lexicons", type=Path, default=SHARED_DIR / "data" / "lexicons")
    parser.add_argument("--news", type=Path, default=SHARED_DIR / "data" / "news")
    parser.add_argument("--out", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)

    header = "# GENERATED by `python -m khazar.kb.build_places` - edit the *_overrides.yaml files instead.\n"
    countries = build_countries(read_yaml_records(args.out / "places_country_overrides.yaml"))
    _dump(countries, args.out / "countries.yaml", header)

    lexicon = json.loads((args.lexicons / "iran_provinces_cities_fa_en.json").read_text(encoding="utf-8"))
    stopwords = {name_key(w) for w in (args.lexicons / "stopwords_hazm.txt").read_text(encoding="utf-8").split("\n") if w.strip()}
    city_names = {c["city-fa"] for p in lexicon for c in p["cities"]}
    ambiguity_overrides = yaml.safe_load((args.out / "places_iran_ambiguity_overrides.yaml").read_text(encoding="utf-8"))
    statistics = news_name_statistics(args.news, city_names, ambiguity_overrides["place_cue_words"])
    ambiguous = ambiguous_city_names(city_names, stopwords, statistics, ambiguity_overrides)
    hand_ids = {r["id"] for f in sorted(args.out.glob("places_*.yaml")) if not f.stem.endswith("_overrides")
                for r in read_yaml_records(f)}
    iran = build_iran_places(lexicon, read_yaml_records(args.out / "places_iran_overrides.yaml"),
                             ambiguous, hand_ids | {r["id"] for r in countries})
    _dump(iran, args.out / "iran_places.yaml", header)
    flagged = sorted(r["name"] for r in iran if r.get("ambiguous"))
    print(f"countries: {len(countries)}  iran places: {len(iran)}  ambiguous cities: {len(flagged)}")
    print("ambiguous:", " ".join(flagged))


if __name__ == "__main__":
    main()
