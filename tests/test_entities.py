"""Names in news: what the linker makes of outlets, generic phrases, places and organisations around them."""
from __future__ import annotations

import pytest

from khazar.model import RawDocument
from khazar.pipeline import process


def article(text: str, *, title: str = "خبر", outlet: str | None = None, raw: str | None = None) -> dict:
    doc = RawDocument(id="t", raw=raw if raw is not None else text, format="jsonl", origin="test", title=title,
                      published="2020-03-01", outlet=outlet)
    return process(doc).to_dict()


def entities(a: dict, etype: str | None = None) -> dict[str, dict]:
    return {e["name"]: e for e in a["entities"] if etype is None or e["type"] == etype}


def test_an_outlet_known_only_from_the_metadata_is_no_entity_of_the_article():
    a = article("نرخ تورم در ماه گذشته کاهش یافت.", outlet="tabnak")
    assert a["outlet"]["kb_id"] == "out:tabnak"
    assert "out:tabnak" not in {e["kb_id"] for e in a["entities"]}


def test_an_outlet_named_by_a_removed_byline_is_an_entity():
    a = article("", raw="خبرگزاری فارس: نرخ تورم در ماه گذشته کاهش یافت.", outlet="farsnews")
    assert any(r["reason"] == "lead byline" for r in a["removed"])
    assert "out:fars" in {e["kb_id"] for e in a["entities"]}


@pytest.mark.parametrize("text", [
    "به گزارش فارس، نرخ تورم کاهش یافت.",
    "علی رضایی امروز در گفت‌وگو با خبرنگار فارس در شیراز گفت: نرخ تورم کاهش یافت.",
    "علی رضایی در گفت‌وگو با خبرنگار اجتماعی فارس گفت: نرخ تورم کاهش یافت.",
])
def test_fars_after_a_reporting_word_is_the_agency_not_the_province(text):
    ids = {e["kb_id"] for e in article(text)["entities"]}
    assert "out:fars" in ids and "loc:fars" not in ids


def test_fars_without_a_reporting_word_stays_the_province():
    ids = {e["kb_id"] for e in article("باران شدید در استان‌های فارس و بوشهر سیل به راه انداخت.")["entities"]}
    assert "loc:fars" in ids and "out:fars" not in ids


def test_the_month_mehr_after_a_reporting_word_is_the_agency():
    a = article("به گزارش مهر، جلسه شورا در اول مهر برگزار می‌شود.")
    outlet = next(e for e in a["entities"] if e["kb_id"] == "out:mehr")
    assert [m["text"] for m in outlet["mentions"]] == ["مهر"]


def test_another_countrys_ministry_is_not_irans():
    a = article("پیش از این وزارت دفاع لتونی اطمینان داد که در این مانورها تیراندازی نمی‌شود.")
    orgs = entities(a, "ORG")
    assert "وزارت دفاع لتونی" in orgs and orgs["وزارت دفاع لتونی"]["kb_id"] is None
    assert "org:defence-ministry" not in {e["kb_id"] for e in a["entities"]}
    assert "loc:latvia" in {e["kb_id"] for e in a["entities"]}


def test_irans_ministry_keeps_its_link():
    a = article("وزارت دفاع ایران اعلام کرد که این مانور برگزار می‌شود.")
    assert "org:defence-ministry" in {e["kb_id"] for e in a["entities"]}


@pytest.mark.parametrize("span,places", [
    ("شمال استان مارب", ["مارب"]),
    ("شهر موصل", ["موصل"]),
    ("منطقه حوزه دریای بالتیک", ["دریای بالتیک"]),
    ("فقیرنشین پایتخت (مانیلا)", ["مانیلا"]),
    ("مسجد پیامبر(ص)", ["مسجد پیامبر"]),
    ("مناطق جنگلی مناطق قاضی دشت، لاپان، خورش‌سرا", ["قاضی دشت", "لاپان", "خورش‌سرا"]),
    ('شهر "الحضر" در 80 کیلومتری جنوب غرب موصل', ["الحضر"]),
])
def test_a_tagged_place_loses_directions_class_words_and_brackets(span, places):
    from khazar.extract.entities import _place_parts

    text = f"گزارش: در {span} حمله شد."
    start = text.index(span)
    # the tagger's span covers the phrase up to its last letter
    end = start + len(span.rstrip(")"))
    assert [text[s:e] for s, e, _ in _place_parts(text, start, end)] == places


@pytest.mark.parametrize("text", [
    "علی رضایی در گفت‌وگو با خبرنگار بهداشت و درمان فارس گفت: نرخ تورم کاهش یافت.",
    "به نقل از ایرنا و فارس، نرخ تورم کاهش یافت.",
    "علی رضایی در گفت‌وگوی اختصاصی با فارس گفت: نرخ تورم کاهش یافت.",
    "گفت‌وگو با وزیر\nفارس: نرخ تورم چرا کاهش یافت؟\nوزیر: سیاست‌ها موثر بود.",
])
def test_fars_where_only_an_outlet_fits_is_the_agency(text):
    ids = {e["kb_id"] for e in article(text)["entities"]}
    assert "out:fars" in ids and "loc:fars" not in ids


def test_a_reporter_placed_in_fars_is_in_the_province():
    ids = {e["kb_id"] for e in article("علی رضایی در گفت‌وگو با خبرنگار ما در فارس گفت: باران آمد.")["entities"]}
    assert "loc:fars" in ids and "out:fars" not in ids


@pytest.mark.parametrize("phrase", ["دانشگاه های چین", "خبرگزاری ها", "این سازمان ویروس کرونا", "دو شبکه رادیو تلویزیونی"])
def test_an_organisation_word_in_the_plural_after_a_count_or_a_demonstrative_is_no_name(phrase):
    from khazar.extract.entities import _names_an_organisation

    text = f"گفته شد که {phrase} را بررسی کرده‌اند."
    start = text.index(phrase)
    for word in ("این ", "دو "):
        if phrase.startswith(word):
            start += len(word)
    assert not _names_an_organisation(text, start, text.index(phrase) + len(phrase), [])


def test_a_named_organisation_and_the_rest_of_a_title_without_an_organisation_word():
    from khazar.extract.entities import _names_an_organisation

    text = "شمس الدین حسینی، وزیر اقتصاد دولت نهم و دهم، و بانک رفاه کارگران اعلام کردند."
    title = (text.index("وزیر"), text.index("وزیر") + len("وزیر اقتصاد"))
    bank = text.index("بانک")
    assert _names_an_organisation(text, bank, bank + len("بانک رفاه کارگران"), [title])
    rest = text.index("اقتصاد")
    assert not _names_an_organisation(text, rest, rest + len("اقتصاد دولت نهم و دهم"), [title])


def test_the_short_form_of_an_unknown_organisation_joins_its_full_name():
    from khazar.extract.entities import EntityBuilder, Mention, _merge_short_organisation_names

    full = EntityBuilder("ORG", "بانک رفاه کارگران", None, mentions=[Mention(0, 18, "بانک رفاه کارگران", "text", "ORG")])
    short = EntityBuilder("ORG", "بانک رفاه", None, mentions=[Mention(40, 49, "بانک رفاه", "text", "ORG")])
    other = EntityBuilder("ORG", "بانک ملت", None, mentions=[Mention(60, 68, "بانک ملت", "text", "ORG")])
    entities = {e.key: e for e in (full, short, other)}
    _merge_short_organisation_names(entities)
    assert set(entities) == {full.key, other.key}
    assert [m.text for m in full.mentions] == ["بانک رفاه کارگران", "بانک رفاه"]


def test_the_presidential_election_is_not_the_presidential_administration():
    a = article("نامزدهای انتخابات ریاست جمهوری آمریکا در این مناظره شرکت کردند.")
    assert "org:iran-presidency" not in {e["kb_id"] for e in a["entities"]}


def test_names_glued_to_the_word_before_by_a_lost_line_break_are_found():
    text = ("موارد ابتلا در جهان: 5 موردتایلند: 8 مورداسترالیا 5 موردکره جنوبی 4 موردژاپن.\n"
            "میرسلیم، قالیباف یا حاجی باباییموضوعی که مطرح است. حاجی باباییحالا از بین گزینه‌ها")
    a = article(text)
    ids = {e["kb_id"] for e in a["entities"]}
    assert {"loc:thailand", "loc:australia", "loc:south-korea", "loc:japan"} <= ids
    people = {e["name"] for e in a["entities"] if e["type"] == "PER"}
    assert not any("موضوعی" in p or "حالا" in p for p in people)


def test_a_rare_compound_name_said_once_stays_whole():
    from khazar.extract.entities import _glued_words

    assert _glued_words("علیرضا جهانبخش و محمد رودباری و سعید امیرعلی گل زدند.") == {}


def test_military_titles_and_sheikh_are_honorifics_of_the_person():
    from khazar.extract.entities import strip_honorifics

    assert strip_honorifics("ژنرال سلیمانی") == "سلیمانی"
    assert strip_honorifics("شیخ احمد یاسین") == "احمد یاسین"
    assert strip_honorifics("سرهنگ علی رضایی") == "علی رضایی"


def test_a_name_after_an_organisation_word_is_an_organisation():
    from khazar.extract.entities import _name_parts

    cue = _name_parts().organisation_class
    for before in ("با هفته نامه فرانسوی « ", "کمپانی ", "به نوشته روزنامه "):
        assert cue.search(before), before
    assert not cue.search("به گفته ")


def test_the_places_listed_after_a_plural_class_noun():
    from khazar.extract.entities import _listed_places

    text = ("جلسه با حضور شوراهای روستاهای استاد کلایه، گوشکور، شیشارستان و هردوآب برگزار شد و در مناطق ییلاقی "
            "کشمش، سیاه خلک و لرود نهال کاشته شد. شهرهای بزرگ، کوچک و متوسط و مناطق تجهیزاتی، رفاهی و توریستی.")
    assert [text[s:e] for s, e in _listed_places(text)] == [
        "استاد کلایه", "گوشکور", "شیشارستان", "هردوآب", "کشمش", "سیاه خلک", "لرود"]


@pytest.mark.parametrize("text,kb_id,not_kb_id", [
    ("سایپا صفر - مس کرمان صفر", "org:mes-kerman-fc", "loc:kerman-province"),
    ("تیم های پرسپولیس و نفت تهران به مصاف هم رفتند", "org:naft-tehran-fc", "loc:tehran-province"),
    ("مقام‌های جمهوری اسلامی اعلام کردند", "loc:iran", None),
    ("روسیه با کشورهای اروپای شرقی اختلاف دارد", "loc:eastern-europe", None),
    ("وزیر بازرگانی چک‌اسلواکی به تهران آمد", "loc:czechoslovakia", "loc:slovakia"),
])
def test_names_the_knowledge_base_knows(text, kb_id, not_kb_id):
    ids = {e["kb_id"] for e in article(text)["entities"]}
    assert kb_id in ids and not_kb_id not in ids


def test_an_outlet_named_only_as_the_source_is_marked_and_left_out_of_the_entity_rows():
    import json

    from khazar.search.article_rows import article_rows

    a = article("به گزارش خبرگزاری فارس، وزیر نفت گفت ایرنا و خبرگزاری مهر گزارش نادرست دادند.")
    by_id = {e["kb_id"]: e for e in a["entities"]}
    assert by_id["out:fars"]["attribution"] is True
    assert by_id["out:mehr"]["attribution"] is False  # named as a subject of the story
    ids = {row[0] for row in article_rows(json.dumps(a, ensure_ascii=False)).entities}
    assert "out:fars" not in ids and "out:mehr" in ids


def test_words_of_a_date_are_no_name():
    people = {e["name"] for e in article("شاه سعودی با برپایی نماز عید سعید فطر بدون نمازگزار موافقت کرد.")["entities"]
              if e["type"] == "PER"}
    assert not any("فطر" in p for p in people)


def test_a_town_after_a_given_name_that_the_tagger_reads_as_a_person_is_a_surname():
    from khazar.extract.entities import _surname_of_tagged_person
    from khazar.kb.matcher import get_matcher

    text = "جلسه رسیدگی به اتهامات علی بخشایش و دیگران برگزار شد."
    hit = next(m for m in get_matcher().find(text) if m.text == "بخشایش")
    person = (text.index("علی"), text.index("بخشایش") + len("بخشایش"), "PER")
    assert _surname_of_tagged_person(text, hit, [person])
    assert not _surname_of_tagged_person(text, hit, [])


def test_whole_words_are_what_the_word_pattern_finds():
    # the lone-surname pass finds a surname with str.find and checks its edges; it must find what the pattern
    # (?<![\w\u200c])WORD(?![\w\u200c]) finds: not inside a longer word, a ZWNJ compound or after an underscore
    import re

    from khazar.extract.entities import _whole_words

    text = "احمدی گفت؛ احمدی‌نژاد و آقای‌احمدی و _احمدی و احمدیان، احمدی.\nاحمدیاحمدی احمدی"
    expected = [m.span() for m in re.finditer(r"(?<![\w\u200c])احمدی(?![\w\u200c])", text)]
    assert _whole_words(text, "احمدی") == expected
    assert len(expected) == 3  # the first, the one before the full stop and the last
    assert _whole_words("aaa aa", "aa") == [(4, 6)]
