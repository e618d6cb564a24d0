"""Titles/roles finder (khazar/kb/roles.py) and the people/organisation/outlet/title data files it relies on."""
import json
import re
from pathlib import Path

import pytest

from khazar.kb import data
from khazar.kb.roles import RoleMatch, find_roles

SHARED = Path("/work/shared")
SEEDS = SHARED / "seeds"
GOLD = SHARED / "gold" / "seeds.gold.json"
NEWS = SHARED / "data" / "news"


def load(name):
    return data(name.removesuffix(".yaml"))


def lenient_key(s):
    """Spelling-insensitive comparison, like the scorer: letters unified, spaces/ZWNJ/punctuation ignored."""
    s = s.replace("ي", "ی").replace("ك", "ک").replace("رییس", "رئیس")
    return re.sub(r"[\s\u200c«»\"'.,،؛:()\-–—ـ]+", "", s)


def seed_text(doc_id):
    return (SEEDS / f"{doc_id}.txt").read_text(encoding="utf-8").replace("ي", "ی").replace("ك", "ک")


def titles_of(text):
    return [m.title for m in find_roles(text)]


# --- the seed articles ---------------------------------------------------------------------------------------------

needs_shared = pytest.mark.skipif(not (SEEDS.is_dir() and GOLD.is_file()), reason="/work/shared not available")

SEED_ROLES = [  # (seed, role as written in the article)
    ("000_1ab23d847dbd6c0b", "وزیر امور خارجه جمهوری اسلامی ایران"),
    ("001_77c4f2276f139d37", "استاندار گیلان"),
    ("001_77c4f2276f139d37", "معاون اول رئیسجمهور"),
    ("002_8f95742791c25140", "سفیر ایران در روسیه"),
    ("002_8f95742791c25140", "سفیر ایران در مسکو"),
    ("002_8f95742791c25140", "عضو کمیسیون امنیت ملی و سیاست خارجی"),
    ("002_8f95742791c25140", "وزیر خارجه روسیه"),
    ("003_56ce592e0aff4380", "معاون هماهنگی امور اقتصادی و توسعه منطقهای وزارت کشور"),
    ("003_56ce592e0aff4380", "رئیس سازمان بنادر و دریانوردی"),
    ("003_56ce592e0aff4380", "معاون سازمان حفاظت محیط زیست"),
    ("003_56ce592e0aff4380", "معاون اول رئیس جمهور"),
    ("004_6aece75653ea5eb3", "رییس جمهوری آذربایجان"),
    ("004_6aece75653ea5eb3", "معاون حقوقی و بین الملل وزارت امور خارجه"),
    ("004_6aece75653ea5eb3", "نماینده ویژه رییس جمهوری در امور دریای خزر"),
]


@needs_shared
@pytest.mark.parametrize("doc_id,role", SEED_ROLES)
def test_seed_role_is_found_with_its_exact_words(doc_id, role):
    matches = find_roles(seed_text(doc_id))
    assert role in [m.text for m in matches]


@needs_shared
def test_every_gold_role_that_the_seed_spells_out_is_found():
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    checked = 0
    for doc in gold["documents"]:
        text = seed_text(doc["id"])
        found = {lenient_key(t) for t in titles_of(text)}
        for entity in doc["entities"]:
            for role in entity.get("roles") or []:
                if lenient_key(role) in lenient_key(text):
                    checked += 1
                    assert any(lenient_key(role) in f for f in found), (doc["id"], role, found)
    assert checked >= 12


@needs_shared
def test_seed_spans_are_exact():
    for path in SEEDS.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        for m in find_roles(text):
            assert text[m.start:m.end] == m.text


# --- behaviour on small examples ---------------------------------------------------------------------------------

def test_role_of_a_person_not_in_the_kb():
    text = "رضا کریمی مدیرکل دفتر اروپای شرقی وزارت امور خارجه گفت: نشست فردا برگزار می‌شود."
    assert titles_of(text) == ["مدیرکل دفتر اروپای شرقی وزارت امور خارجه"]


def test_title_is_normalised_but_keeps_the_words_of_the_text():
    [m] = find_roles("الهام علی اف رییس جمهوری آذربایجان گفت")
    assert m == RoleMatch(13, 34, "رییس جمهوری آذربایجان", "رئیس جمهوری آذربایجان")


def test_missing_zwnj_and_hamza_variants_are_tolerated():
    assert titles_of("معاون اول رئیسجمهور آمد") == ["معاون اول رئیس\u200cجمهور"]
    assert titles_of("اعضای هیأت دولت و رییس هیات مدیره شرکت ملی نفت ایران") == [
        "رئیس هیئت\u200cمدیره شرکت ملی نفت ایران"]


def test_longest_match_wins_and_stops_at_the_sentence():
    assert titles_of("سفیر ایران در روسیه با اشاره به دیدار گفت") == ["سفیر ایران در روسیه"]
    assert titles_of("وزیر امور خارجه جمهوری اسلامی ایران وارد شد") == ["وزیر امور خارجه جمهوری اسلامی ایران"]


def test_conjunction_does_not_merge_two_titles():
    assert titles_of("رئیس‌جمهور و وزیر امور خارجه به باکو رفتند") == ["رئیس\u200cجمهور", "وزیر امور خارجه"]


def test_member_of_parliament_for_several_cities():
    text = "نماینده مردم تهران، ری و شمیرانات در مجلس شورای اسلامی گفت"
    assert titles_of(text) == ["نماینده مردم تهران، ری و شمیرانات در مجلس شورای اسلامی"]


def test_governor_of_every_province_and_organisation_titles_from_the_kb():
    assert titles_of("استاندار سیستان و بلوچستان گفت") == ["استاندار سیستان و بلوچستان"]
    assert titles_of("او عضو کمیسیون امنیت ملی و سیاست خارجی مجلس است") == [
        "عضو کمیسیون امنیت ملی و سیاست خارجی مجلس"]
    assert titles_of("معاون وزیر نیرو گفت") == ["معاون وزیر نیرو"]


def test_plain_text_has_no_roles_and_head_words_alone_are_not_titles():
    assert find_roles("امروز هوا خوب است و مردم به پارک رفتند.") == []
    assert find_roles("استاندار تأکید کرد که کار ادامه دارد.") == []
    assert find_roles("") == []


def test_long_text_gives_the_roles_of_its_parts_at_their_offsets():
    # Its speed is a figure of bench/kb_speed.py; here only what a long text can break.
    unit = ("سید عباس عراقچی وزیر امور خارجه جمهوری اسلامی ایران با سرگئی لاوروف وزیر خارجه روسیه دیدار کرد و "
            "درباره همکاری‌های منطقه‌ای و کریدور شمال - جنوب گفت‌وگو کرد. ")
    one = [(r.start, r.end, r.title) for r in find_roles(unit)]
    assert len(one) >= 2
    repeats = 2000
    expected = [(s + i * len(unit), e + i * len(unit), title) for i in range(repeats) for s, e, title in one]
    assert [(r.start, r.end, r.title) for r in find_roles(unit * repeats)] == expected


# --- the data files ----------------------------------------------------------------------------------------------

RECORD_FILES = ["people.yaml", "organisations.yaml", "outlets.yaml"]
REQUIRED = ["id", "type", "kind", "name", "source"]
ORG_KINDS = {"ministry", "agency", "parliament", "committee", "governorate", "outlet", "intl-org", "company", "party",
             "military", "court", "embassy", "other"}


def all_records():
    return [(name, r) for name in RECORD_FILES for r in load(name)]


def test_records_have_required_fields_and_unique_ids():
    ids = [r["id"] for _, r in all_records()]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    for name, r in all_records():
        for field in REQUIRED:
            assert r.get(field), (name, r.get("id"), field)
        assert re.fullmatch(r"(per|org|out):[a-z0-9][a-z0-9-]*", r["id"]), r["id"]
        prefix = r["id"].split(":")[0]
        if prefix == "per":
            assert (r["type"], r["kind"]) == ("PER", "person"), r["id"]
        else:
            assert r["type"] == "ORG" and r["kind"] in ORG_KINDS, r["id"]
        if prefix == "out":
            assert r["kind"] == "outlet", r["id"]
        for field in ("aliases", "aliases_en", "weak_aliases", "domains"):
            assert all(isinstance(x, str) and x for x in r.get(field) or []), (r["id"], field)


def test_roles_have_title_and_as_of_and_refer_to_known_organisations():
    org_ids = {r["id"] for _, r in all_records() if r["type"] == "ORG"}
    people = load("people.yaml")
    assert len(people) >= 50
    for p in people:
        assert p.get("roles"), p["id"]
        for role in p["roles"]:
            assert role.get("title") and role.get("as_of"), (p["id"], role)
            assert re.fullmatch(r"\d{4}(-\d{2})?", str(role["as_of"])), (p["id"], role)
            assert role.get("org") is None or role["org"] in org_ids, (p["id"], role)
    for _, r in all_records():
        assert r.get("parent") is None or r["parent"] in org_ids, r["id"]


def test_ambiguous_short_names_are_only_weak_aliases():
    ambiguous = {"عارف", "دوستی", "رسولی", "جلالی", "مهر", "کار", "ایران", "فارس", "مجلس", "استانداری", "آران"}
    for _, r in all_records():
        strong = {r["name"], *(r.get("aliases") or [])}
        assert not strong & ambiguous, (r["id"], strong & ambiguous)
    weak = {w for _, r in all_records() for w in r.get("weak_aliases") or []}
    assert {"عارف", "دوستی", "رسولی", "جلالی", "مهر", "ایران", "آران", "استانداری"} <= weak


def test_all_provinces_have_a_governorate_and_an_irib_variant():
    provinces = load("titles.yaml")["placeholders"]["province"]
    assert len(provinces) == 31
    governorates = {r["name"] for r in load("organisations.yaml") if r["kind"] == "governorate"}
    irib = next(r for r in load("outlets.yaml") if r["id"] == "out:irib-news")
    for p in provinces:
        assert f"استانداری {p}" in governorates
        assert f"صدا و سیمای {p}" in irib["aliases"] and f"خبرگزاری صدا و سیمای {p}" in irib["aliases"]


def test_not_outlets_are_strings_and_never_an_outlet_name():
    sections = load("not_outlets.yaml")
    assert sections and all(isinstance(s, str) for s in sections)
    assert "پخش زنده" in sections
    outlet_names = {lenient_key(n) for r in load("outlets.yaml") for n in [r["name"], *(r.get("aliases") or [])]}
    assert not {lenient_key(s) for s in sections} & outlet_names


@pytest.mark.skipif(not NEWS.is_dir(), reason="/work/shared news not available")
def test_every_news_source_resolves_to_an_outlet():
    known = set()
    for r in load("outlets.yaml"):
        known |= {x.lower() for x in [r.get("name_en", ""), *(r.get("aliases_en") or []), *(r.get("domains") or [])]}
    sources = set()
    for path in NEWS.glob("*.jsonl"):
        with path.open(encoding="utf-8") as f:
            sources |= {json.loads(line)["source"] for line in f}
    assert sources
    for source in sources:
        m = re.fullmatch(r"(.+?) \(([^)]+)\)", source)
        name, domain = (m.group(1), m.group(2)) if m else (source, "")
        assert name.lower() in known or domain.lower().removeprefix("www.") in known, source


def test_titles_joined_by_and_after_a_name_are_both_the_persons():
    from khazar.extract.entities import extract_entities
    from khazar.model import Article

    text = ("رضا کاظمی‌نیا، معاون حقوقی و بین‌الملل وزارت امور خارجه و نماینده ویژه رییس جمهوری در امور دریای خزر "
            "امروز با همتای خود دیدار کرد.")
    a = Article(id="r", title="خبر", text=text, published="2025-11-18")
    extract_entities(a)
    person = next(e for e in a.entities if e.type == "PER" and "کاظمی" in e.name)
    assert [lenient_key(r) for r in person.roles] == [
        lenient_key("معاون حقوقی و بین‌الملل وزارت امور خارجه"),
        lenient_key("نماینده ویژه رئیس جمهوری در امور دریای خزر")]


# --- titles as open class, and which person a title describes ------------------------------------------------------

def test_open_titles_are_read_from_the_phrase_and_end_where_it_ends():
    from khazar.kb.roles import find_roles

    cases = [
        ("الکساندر ماریاسوف، سفیر سابق روسیه در ایران در مصاحبه با اینترفکس گفت", "سفیر سابق روسیه در ایران"),
        ("ولیامز کالیمان فرمانده عالی نیروهای مسلح در بولیوی گفت که", "فرمانده عالی نیروهای مسلح در بولیوی"),
        ("مدیرعامل کانون بازنشستگان فرهنگی و وظیفه‌بگیران استان اصفهان گفت:",
         "مدیرعامل کانون بازنشستگان فرهنگی و وظیفه‌بگیران استان اصفهان"),
        ("امام جمعه موقت زیراب اربعین را قدرتی اثرگذار توصیف کرد", "امام جمعه موقت زیراب"),
        ("دیدار با سرگئی لاوروف وزیر خارجه روسیه و جمعی از مقامات", "وزیر خارجه روسیه"),
    ]
    for text, title in cases:
        found = find_roles(text)
        assert [m.text for m in found] == [title], text


def test_an_open_title_gives_way_to_a_name_inside_it():
    from khazar.kb.roles import cut_at_names, find_roles

    text = "سرمربی تیم ملی فوتبال ایران کارلوس کی‌روش گفت"
    role = find_roles(text)[0]
    assert role.open and role.text.endswith("کارلوس کی‌روش")
    assert cut_at_names(role, [text.index("کارلوس")]).text == "سرمربی تیم ملی فوتبال ایران"
    assert cut_at_names(role, [0]) is None


def test_a_title_fits_its_holder_unless_it_names_another_country():
    from khazar.kb.roles import fits_role, same_role

    assert fits_role("رئیس جمهوری", "رئیس‌جمهور ایران")
    assert fits_role("رییس جمهوری", "رئیس جمهوری فیلیپین")  # the short form names the holder of the long one
    assert not fits_role("وزیر امور خارجه ترکیه", "وزیر امور خارجه ایران")
    assert not same_role("وزیر امور خارجه ترکیه", "وزیر امور خارجه روسیه")
    assert same_role("رییس هیأت امناء بنیاد مسکن", "رئیس هیئت امناء بنیاد مسکن انقلاب اسلامی")


def test_roles_are_reported_as_written_and_given_to_the_person_they_stand_beside():
    from khazar.extract.entities import extract_entities
    from khazar.model import Article

    text = ("نیکولاس مادورو، رئیس جمهوری ونزوئلا به دلسی رودریگز، معاون اجرایی، خورخه آریزا، وزیر خارجه و "
            "رینالدو مونوز، دادستان کل کشور دستور داد. سرلشکر ناصر بارویس در این حمله کشته شد. "
            "جو بایدن، معاون اول دولت اوباما گفت که رقابت سخت است. محمد سعیدی‌کیا، رییس هیأت امناء بنیاد مسکن، "
            "به مشهد رفت.")
    a = Article(id="r", title="خبر", text=text, published="2020-02-10")
    extract_entities(a)
    roles = {e.name: e.roles for e in a.entities if e.type == "PER"}
    who = {name.split()[-1]: r for name, r in roles.items()}
    assert who["آریزا"] == ["وزیر خارجه"]
    assert who["بارویس"] == ["سرلشکر"]
    assert who["بایدن"] == ["معاون اول دولت"]
    assert who["اوباما"] == []
    assert who["سعیدی‌کیا"] == ["رییس هیأت امناء بنیاد مسکن"]
    keys = {e.name.split()[-1]: e.role_keys for e in a.entities if e.type == "PER"}
    assert keys["آریزا"] == ["وزیر امور خارجه"] and keys["سعیدی‌کیا"] == ["رئیس هیئت امناء بنیاد مسکن"]
