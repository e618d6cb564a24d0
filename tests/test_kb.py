"""Knowledge-base loader, place data and matcher."""

import json
from pathlib import Path

import pytest
import yaml

from khazar.kb import DATA_DIR, data
from khazar.kb.loader import KBValidationError, is_entity_file, load_kb
from khazar.kb.matcher import KBMatcher, get_matcher
from khazar.text.fold import name_key

SHARED = Path("/work/shared")
needs_shared = pytest.mark.skipif(not (SHARED / "gold" / "seeds.gold.json").exists(), reason="shared data absent")

GOOD_RECORD = """
- id: loc:testland
  type: LOC
  kind: country
  name: تست‌لند
  aliases: [جمهوری تست‌لند]
  country: TL
  coords: [10.5, 20.25]
  source: "test"
- id: loc:test-city
  type: LOC
  kind: city
  name: تست‌شهر
  parent: loc:testland
  weak_aliases: [تست]
  source: "test"
"""


def write_kb(tmp_path, text, name="places_test.yaml"):
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


# ---------------------------------------------------------------- loader

def test_loader_reads_records_and_indexes_them(tmp_path):
    kb = load_kb(write_kb(tmp_path, GOOD_RECORD))
    assert len(kb) == 2
    assert kb.get("loc:testland").coords == (10.5, 20.25)
    assert kb["loc:test-city"].parent == "loc:testland"
    assert [r.id for r in kb.by_type("LOC")] == ["loc:testland", "loc:test-city"]
    assert kb.by_type("PER") == ()
    assert kb.get("loc:nowhere") is None


@pytest.mark.parametrize("broken, message", [
    ("- {id: loc:x, type: LOC, kind: planet, name: ایکس, source: t}", "unknown kind 'planet'"),
    ("- {id: loc:x, type: LOC, kind: city, source: t}", "missing required field(s) name"),
    ("- {id: loc:x, type: PLACE, kind: city, name: ایکس, source: t}", "unknown type 'PLACE'"),
    ("- {id: per:x, type: LOC, kind: city, name: ایکس, source: t}", "id prefix does not fit type LOC"),
    ("- {id: loc:x, type: LOC, kind: city, name: ایکس, alias: [y], source: t}", "unknown field(s) alias"),
    ("- {id: loc:x, type: LOC, kind: city, name: ایکس, coords: [100, 0], source: t}", "coords must be"),
    ("- {id: loc:x, type: LOC, kind: city, name: ایکس, parent: loc:nowhere, source: t}", "parent 'loc:nowhere'"),
    ("- {id: 'loc:Bad Id', type: LOC, kind: city, name: ایکس, source: t}", "id must look like"),
])
def test_broken_record_gives_error_naming_file_and_id(tmp_path, broken, message):
    with pytest.raises(KBValidationError) as error:
        load_kb(write_kb(tmp_path, broken))
    assert "places_test.yaml" in str(error.value)
    assert message in str(error.value)


def test_duplicate_id_across_files_is_an_error(tmp_path):
    write_kb(tmp_path, GOOD_RECORD, "places_a.yaml")
    write_kb(tmp_path, "- {id: loc:testland, type: LOC, kind: city, name: دیگر, source: t}", "people.yaml")
    with pytest.raises(KBValidationError, match="loc:testland.*duplicate id"):
        load_kb(tmp_path)


def test_only_entity_files_are_loaded(tmp_path):
    write_kb(tmp_path, GOOD_RECORD)
    write_kb(tmp_path, "- {word: امروز, days: 0}", "time_words.yaml")
    write_kb(tmp_path, "- {match_country: IR}", "places_country_overrides.yaml")
    assert len(load_kb(tmp_path)) == 2
    assert is_entity_file(Path("people.yaml")) and is_entity_file(Path("places_world.yaml"))
    assert not is_entity_file(Path("titles.yaml")) and not is_entity_file(Path("places_iran_overrides.yaml"))


def test_default_kb_holds_the_places():
    kb = load_kb()
    countries = [r for r in kb.by_type("LOC") if r.kind == "country"]
    provinces = [r for r in kb.by_type("LOC") if r.kind == "province" and r.country == "IR"]
    assert len(countries) >= 240
    assert len(provinces) == 31
    assert kb["loc:azerbaijan"].name == "جمهوری آذربایجان" and "آذربایجان" in kb["loc:azerbaijan"].aliases
    assert "جمهوری اسلامی ایران" in kb["loc:iran"].aliases
    assert kb["loc:rasht"].parent == "loc:gilan" and kb["loc:gilan"].parent == "loc:iran"
    assert kb["loc:bank"].ambiguous and not kb["loc:rasht"].ambiguous  # بانک is a town and a word
    assert all(r.source for r in kb.records)


# ---------------------------------------------------------------- matcher

@pytest.fixture(scope="module")
def matcher():
    return get_matcher()


def found(matcher, text):
    return [(m.text, m.ids) for m in matcher.find(text)]


def test_key_is_zwnj_space_and_letter_form_insensitive():
    assert name_key("حق‌شناس") == name_key("حق شناس") == name_key("حقشناس")
    assert name_key("كيش") == name_key("کیش")
    assert name_key("امارات متحدهٔ عربی") == name_key("امارات متحده عربی")
    assert name_key("آمریکا") == name_key("امریکا")


@pytest.mark.parametrize("variant", ["نفت‌چاله", "نفت چاله", "نفتچاله", "نفت\u200c چاله"])
def test_match_ignores_zwnj_and_spaces(matcher, variant):
    assert found(matcher, f"بندر {variant} در ساحل") == [(variant, ("loc:neftchala",))]


def test_space_only_where_the_name_has_one(matcher):
    assert found(matcher, "این را بر دوش گرفت") == []  # not the town رابر
    assert found(matcher, "شهر خرم آباد")[0][0] == "شهر خرم آباد"


def test_match_ignores_arabic_letter_forms(matcher):
    assert found(matcher, "جزيره كيش")[0][1] == ("loc:kish",)


def test_adjective_and_suffixed_forms_are_not_the_place(matcher):
    assert found(matcher, "مردم ایرانی و خزری") == []
    assert found(matcher, "ایران‌ها و ایرانها") == []
    assert found(matcher, "خاورمیانه‌ای") == []
    assert found(matcher, "محصولات آمریکایی") == []


def test_ezafe_after_final_vowel_keeps_the_place(matcher):
    assert found(matcher, "آمریکای امروز") == [("آمریکا", ("loc:united-states",))]


def test_no_match_inside_a_word(matcher):
    assert found(matcher, "ساختمان مسکونی") == []  # مسکو inside مسکونی


def test_longest_match_wins(matcher):
    assert found(matcher, "استان آذربایجان شرقی و جمهوری آذربایجان") == [
        ("استان آذربایجان شرقی", ("loc:east-azerbaijan",)),
        ("جمهوری آذربایجان", ("loc:azerbaijan",)),
    ]
    assert found(matcher, "حوزه دریای خزر") == [("حوزه دریای خزر", ("loc:caspian-sea",))]


def test_shared_alias_returns_every_candidate(matcher):
    (match,) = matcher.find("مرز آستارا")
    assert set(match.ids) == {"loc:astara", "loc:astara-azerbaijan"}


def test_ambiguous_names_are_flagged(matcher):
    (match,) = matcher.find("روز دوشنبه")
    assert match.ids == ("loc:dushanbe",) and match.ambiguous
    assert not matcher.find("شهر رشت")[0].ambiguous


def test_weak_aliases_only_on_request(matcher):
    text = "استان مرکزی و بخش مرکزی"
    assert [m.text for m in matcher.find(text)] == ["استان مرکزی"]
    weak = matcher.find_weak(text, ["loc:markazi"])
    assert [(m.text, m.ids) for m in weak] == [("مرکزی", ("loc:markazi",)), ("مرکزی", ("loc:markazi",))]
    assert matcher.find_weak(text, ["loc:iran"]) == []


def test_matcher_on_tiny_kb(tmp_path):
    kb = load_kb(write_kb(tmp_path, GOOD_RECORD))
    matches = KBMatcher(kb).find("سفر به تست‌لند و جمهوری تست لند")
    assert [(m.start, m.end, m.ids) for m in matches] == [(7, 14, ("loc:testland",)), (17, 31, ("loc:testland",))]


def test_matcher_finds_every_repeat_of_a_long_text_at_its_offset(matcher):
    # The key is folded for the whole text at once and hits are filtered by precomputed arrays: a long text
    # must give exactly the matches of its parts, shifted. Its speed is a figure of bench/kb_speed.py.
    unit = ("سفر رئیس جمهوری اسلامی ایران به باکو و دیدار با مقامات جمهوری آذربایجان در حاشیه نشست "
            "کشورهای حوزه دریای خزر؛ استاندار گیلان گفت بندر انزلی آماده است. ")
    one = [(m.start, m.end, m.ids) for m in matcher.find(unit)]
    assert len(one) >= 5
    repeats = 2000
    expected = [(s + i * len(unit), e + i * len(unit), ids) for i in range(repeats) for s, e, ids in one]
    assert [(m.start, m.end, m.ids) for m in matcher.find(unit * repeats)] == expected


# ---------------------------------------------------------------- seeds

@needs_shared
def test_every_gold_place_of_the_seeds_is_found(matcher):
    kb = load_kb()
    gold = json.loads((SHARED / "gold" / "seeds.gold.json").read_text(encoding="utf-8"))
    missing = []
    for document in gold["documents"]:
        text = (SHARED / "seeds" / f"{document['id']}.txt").read_text(encoding="utf-8")
        text = text.replace("ي", "ی").replace("ك", "ک")
        found_keys = {name_key(form) for m in matcher.find(text) for record_id in m.ids
                      for form in kb[record_id].surface_forms}
        for entity in document["entities"]:
            if entity["type"] != "LOC" or entity.get("optional"):
                continue
            if not {name_key(n) for n in [entity["name"], *entity["aliases"]]} & found_keys:
                missing.append((document["id"], entity["name"]))
    assert missing == []


@pytest.mark.parametrize("text, expected", [
    ("سازمان بهداشت جهانی هشدار داد", ("سازمان بهداشت جهانی", "org:who")),  # the news' word order of WHO
    ("رژیم صهیونیستی حمله کرد", ("رژیم صهیونیستی", "loc:israel")),
    ("نمایندگان مجلس یازدهم گفتند", ("مجلس یازدهم", "org:iran-parliament")),  # a term of the Majlis is the Majlis
    ("سردار قاسم سلیمانی در بغداد", ("سردار قاسم سلیمانی", "per:qasem-soleimani")),
    ("کمیته امداد امام خمینی اعلام کرد", ("کمیته امداد امام خمینی", "org:imam-khomeini-relief")),  # not the person
])
def test_frequent_news_names_are_linked(matcher, text, expected):
    assert (found(matcher, text)[0][0], found(matcher, text)[0][1][0]) == expected


def test_another_countrys_national_bank_is_not_bank_melli(matcher):
    assert all("org:bank-melli" not in ids for _, ids in found(matcher, "مدیر تحقیقات بانک ملی استرالیا گفت"))
    assert ("بانک ملی ایران", ("org:bank-melli",)) in found(matcher, "شعبه بانک ملی ایران")


def test_copula_joined_to_a_name_ending_in_a_vowel_keeps_the_name(matcher):
    assert found(matcher, "مقصر اصلی آمریکاست.") == [("آمریکا", ("loc:united-states",))]
    assert found(matcher, "این شهر مسکوست و آن یکی نه")[0][:1] == ("مسکو",)
    assert found(matcher, "ایرانست") == []  # after a consonant the copula is written apart: not this rule


def test_knowledge_files_read_by_libyaml_as_by_the_pure_python_parser():
    # kb.data parses with libyaml's C loader (the modules used yaml.safe_load before): both must agree on every
    # word list and pattern file, or a module would silently see other data.
    files = [p for p in DATA_DIR.glob("*.yaml") if not is_entity_file(p)]
    assert {"titles.yaml", "tagger_words.yaml", "speech_verbs.yaml"} <= {p.name for p in files}
    for path in files:
        assert data(path.stem) == yaml.safe_load(path.read_text(encoding="utf-8")), path.name
