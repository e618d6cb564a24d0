"""khazar.text.fold: the letter decisions every form shares, and exactly where the forms differ."""
import re

import pytest

from khazar.text.fold import (key_text, letters_pattern, match_key, name_key, offset_key, phrase_pattern,
                              search_form, search_name, shadow, token_form)

ZWNJ = "\u200c"

# (spelling, spelling every form folds it to): the unified letter table
SHARED_LETTERS = [
    ("ي", "ی"), ("ى", "ی"), ("ئ", "ی"), ("ك", "ک"), ("ڪ", "ک"), ("ة", "ه"), ("ۀ", "ه"),
    ("أ", "ا"), ("إ", "ا"), ("ٱ", "ا"), ("ؤ", "و"), ("۴", "4"), ("٤", "4"),
]
DROPPED_MARKS = ["\u064e", "\u0650", "\u0651", "\u0654", "\u0670", "\u0640"]  # harakat, hamza above, superscript alef, tatweel


@pytest.mark.parametrize("spelling,folded", SHARED_LETTERS)
def test_every_comparison_form_folds_the_same_letters(spelling, folded):
    word = "ب" + spelling + "ن"
    want = "ب" + folded + "ن"
    assert match_key(word) == name_key(word) == key_text(word) == search_form(word) == shadow(word) == want


@pytest.mark.parametrize("mark", DROPPED_MARKS)
def test_marks_are_dropped_by_keys_and_search_but_kept_by_the_shadow(mark):
    word = "مح" + mark + "مد"
    assert match_key(word) == name_key(word) == key_text(word) == search_form(word) == "محمد"
    assert shadow(word) == word  # one character for one: offsets must not move


def test_alef_madda_is_folded_only_in_keys():
    assert match_key("آمریکا") == name_key("آمریکا") == key_text("آمریکا") == "امریکا"
    assert search_form("آمریکا") == shadow("آمریکا") == "آمریکا"  # displayed / matched by written patterns


def test_word_variants_meet_in_keys_and_shadow_but_search_shows_the_letters():
    assert match_key("هیأت") == match_key("هیئت") == match_key("هیات")
    assert match_key("مسئول") == match_key("مسؤول")
    assert shadow("هیأت") == shadow("هیئت")
    assert search_form("هیأت") != search_form("هیئت")  # the index stores readable text; changing it means reindexing


def test_zwnj_and_spaces_differ_by_form():
    a, b = "حق" + ZWNJ + "شناس", "حق شناس"
    assert match_key(a) == match_key(b) == name_key(a) == name_key(b) == "حقشناس"
    assert key_text(a) == key_text(b) == "حق شناس"  # word breaks kept, ZWNJ read as one
    assert search_form(a) == "حقشناس" and search_form(b) == "حق شناس"  # ZWNJ joins; a space is a word break
    assert search_name(a) == search_name(b) == "حقشناس"
    assert shadow(a) == a
    assert token_form(a) == "حق شناس"  # PEYMA writes a compound's parts as words


def test_punctuation_is_dropped_only_by_the_equality_key():
    assert match_key("«ایران»، امروز") == "ایرانامروز"
    assert name_key("ایران، امروز") == "ایران،امروز"  # the automata must not join a name across a comma
    assert key_text("ایران، امروز").split() == ["ایران،", "امروز"]
    assert re.findall(r"\w+", key_text("«ایران»، امروز")) == [match_key("ایران"), match_key("امروز")]


def test_offset_key_maps_each_key_character_to_its_place():
    text = "به آمریکا\nو هیئت"
    key, offsets = offset_key(text)
    assert key == "بهامریکا\nوهیات"
    assert [text[i] for i in offsets] == [c for c in text if c not in " "]
    assert offsets.tolist()[2] == 3  # "آ" after the dropped space


def test_name_key_is_the_offset_key_of_the_name():
    # name_key folds with its own translate table: it must agree with offset_key (the automata's text side) on
    # every character, else a KB name would never match the text that spells it
    for code in range(0x10000):
        if not 0xD800 <= code < 0xE000:  # lone surrogates cannot be encoded, so no text holds one
            name = "ب" + chr(code) + "هیئت"
            assert name_key(name) == offset_key(name)[0], hex(code)
    assert name_key("𝔸 x") == offset_key("𝔸 x")[0] == "𝔸x"


def test_token_form_is_frozen_for_the_taggers():
    # the trained CRF and BiLSTM saw these letters as written: folding them changes their features
    for kept in "ئؤڪ":
        assert token_form("ب" + kept) == "ب" + kept
    assert token_form("رئیس") == "رئیس" != shadow("رئیس")
    assert token_form("آمریکا") == "آمریکا"
    assert token_form("علیٰ") == "علیٰ"  # superscript alef is outside the harakat the taggers drop
    assert token_form("۱۴۰۴ ٢") == "1404 2"
    assert token_form("علی" + "\u064e") == "علی"


def test_search_form_joins_detached_affixes_and_lowercases():
    assert search_form("استان های BIG") == "استانهای big"
    assert search_form("می شود") == "میشود"
    assert search_form("هسته ای") == "هستهای" and search_form("خوب است") == "خوب است"


def test_match_key_is_nfkc_and_lowercase():
    assert match_key("ﻻ") == match_key("لا")
    assert match_key("IRNA") == "irna"
    assert match_key(None) == match_key("") == ""


@pytest.mark.parametrize("written", ["رئيس جمهور", "رئیس‌جمهور", "رییسجمهور", "ريیس جمهور"])
def test_phrase_pattern_accepts_every_spelling_whose_shadow_agrees(written):
    assert re.fullmatch(phrase_pattern("رئیس جمهور"), written)


def test_letters_pattern_keeps_other_letters_apart():
    assert not re.fullmatch(letters_pattern("هیئت"), "هیبت")
    assert re.fullmatch(letters_pattern("جلسة"), "جلسه")
    assert not re.fullmatch(letters_pattern("آب"), "اب")  # patterns follow the shadow: آ is its own letter
