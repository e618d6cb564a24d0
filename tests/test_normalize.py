from khazar.text.fold import match_key
from khazar.text.normalize import ascii_digits, normalize, normalize_text


def clean(s: str) -> str:
    return normalize_text(s, zwnj=False)


def test_arabic_letters_become_persian():
    assert clean("رئيس جمهوري كشور") == "رئیس جمهوری کشور"


def test_teh_marbuta_becomes_heh_except_in_arabic_phrases():
    assert clean("فاطمة") == "فاطمه"
    assert clean("العالمة") == "العالمة"


def test_arabic_indic_digits_become_persian_and_ascii_stays():
    assert clean("٢٧ آبان 1404") == "۲۷ آبان 1404"
    assert ascii_digits("۲۷ و ٢٨") == "27 و 28"


def test_broken_entities_seen_in_crawls():
    assert clean("'39؛الهام علی اف'39؛ گفت") == "'الهام علی اف' گفت"
    assert clean("رایزنی&zwnj؛ها") == "رایزنی\u200cها"
    assert clean("A &amp; B &quot;x&quot;") == 'A & B "x"'


def test_unknown_entity_is_left_alone():
    assert clean("&notanentity; &#0;") == "&notanentity; &#0;"


def test_controls_tatweel_and_spaces():
    assert clean("سلام\u200f  دنیا\u00a0ـ  کتـــاب\r\nخط\u200b دوم") == "سلام دنیا ـ کتاب\nخط دوم"


def test_stray_zwnj_next_to_spaces_is_dropped():
    assert clean("می\u200c\u200cشود \u200cو") == "می\u200cشود و"


def test_offsets_survive_normalisation():
    raw = "خبرگزاري  آران :'39؛الهام'39؛ گفت"
    t = normalize(raw, zwnj=False)
    i = t.text.index("الهام")
    assert raw[slice(*t.raw_span(i, i + 5))] == "الهام"


def test_match_key_ignores_spelling_variation():
    assert match_key("رییس جمهور") == match_key("رئیس‌جمهور")
    assert match_key("هادی حق شناس") == match_key("هادي حق‌شناس")
    assert match_key("۱۴۰۴") == match_key("1404")
    assert match_key("ایران") != match_key("ایرانی")
