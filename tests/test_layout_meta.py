"""Layout (title, body, boilerplate) and metadata (outlet, attribution, date) on small made-up articles."""
from khazar.model import RawDocument
from khazar.pipeline import process


def dump(text: str, name: str = "x") -> dict:
    return process(RawDocument(id=name, raw=text, format="dump", origin=f"{name}.txt")).to_dict()


def test_header_title_and_section_label_are_not_outlets():
    a = dump(" date 2025-11-18 پخش زنده\nعنوان خبر\nبه گزارش ایسنا، وزیر کشور امروز به رشت سفر کرد.\n")
    assert a["published"] == "2025-11-18"
    assert a["title"] == "عنوان خبر"
    assert a["outlet"]["name_en"] == "ISNA"
    assert a["text"] == "به گزارش ایسنا، وزیر کشور امروز به رشت سفر کرد."
    assert [r["reason"] for r in a["removed"]] == ["dump header", "title line"]


def test_republished_story_credits_the_first_outlet():
    a = process(RawDocument(id="j", raw="به گزارش ایرنا به نقل از روابط عمومی وزارت نیرو، بارش‌ها کم شد.",
                            format="jsonl", origin="x.jsonl", title="بارش", outlet="Tabnak (tabnak.ir)",
                            published="2020-01-02T09:15:00")).to_dict()
    assert a["outlet"]["name_en"].startswith("Tabnak")
    assert a["attributed_to"] == ["ایرنا", "روابط عمومی وزارت نیرو"]
    assert (a["published"], a["published_time"]) == ("2020-01-02", "09:15")


def test_source_line_and_end_of_message_are_removed_and_recorded():
    a = dump(" date 2025-01-01 خبرگزاری مهر\nعنوان\nمتن خبر درباره بندر انزلی است. انتهای پیام/\nمنبع: ایرنا\n")
    assert a["outlet"]["name"].endswith("مهر")
    assert a["attributed_to"] == ["ایرنا"]
    assert a["text"] == "متن خبر درباره بندر انزلی است."
    assert {r["reason"] for r in a["removed"]} >= {"source line", "end of message"}


def test_dateline_gives_the_date_and_repeated_title_goes():
    a = dump("عنوان کوتاه\n\nعنوان کوتاه\nچهارشنبه 26 آذر 1404 - 07:40\n\nمتن خبر شامگاه سه‌شنبه نوشته شد.\n")
    assert (a["published"], a["published_time"]) == ("2025-12-17", "07:40")
    assert a["text"] == "متن خبر شامگاه سه‌شنبه نوشته شد."
    assert {"text": "شامگاه سه‌شنبه", "value": "2025-12-16"}.items() <= next(
        t for t in a["times"] if t["field"] == "text").items()


def test_weekday_that_disagrees_with_the_date_is_a_warning():
    a = dump(" date 2025-11-18 ایرنا\nعنوان\nاین نشست جمعه ۲۷ آبان ۱۴۰۴ برگزار شد.\n")
    assert any("جمعه" in w for w in a["warnings"])


def test_undated_article_gets_an_estimate():
    a = dump("عنوان\nطرح در سال 2007 پیشنهاد شد و سال گذشته بررسی شد.\n")
    assert a["published"] is None
    assert a["published_estimate"]["earliest"] <= "2008-01-01" <= a["published_estimate"]["latest"]


def test_missing_title_uses_the_first_sentence_with_a_warning():
    a = process(RawDocument(id="n", raw="وزیر نفت گفت صادرات افزایش یافت. جمله دوم.", format="jsonl",
                            origin="x.jsonl")).to_dict()
    assert a["title"] == "وزیر نفت گفت صادرات افزایش یافت."
    assert a["warnings"] and "title" in a["warnings"][0]


def test_read_more_links_and_trailing_sources_are_removed_and_recorded():
    a = process(RawDocument(
        id="r", format="jsonl", origin="x.jsonl", title="رد صلاحیت", published="2020-01-20",
        raw="نمایندگان به این اظهارات واکنش نشان دادند (بیشتر بخوانیم). برخی دیگر سکوت کردند.(جزئیات بیشتر)نگاه "
            "شورا منفی است.\nقیمت‌ها افزایش یافت. منابع: موسسه مطالعات و پژوهش های سیاسی و روزنامه دنیای اقتصاد "
            "بیشتر بخوانید:")).to_dict()
    assert a["text"] == ("نمایندگان به این اظهارات واکنش نشان دادند. برخی دیگر سکوت کردند. نگاه شورا منفی است.\n"
                         "قیمت‌ها افزایش یافت.")
    assert a["attributed_to"] == ["موسسه مطالعات و پژوهش های سیاسی", "روزنامه دنیای اقتصاد"]
    assert [r["reason"] for r in a["removed"]].count("read more") == 3
    orgs = {e["name"].replace("\u200c", " ") for e in a["entities"] if e["type"] == "ORG"}
    assert "موسسه مطالعات و پژوهش های سیاسی" in orgs


def test_a_trailing_slash_names_a_source_only_when_it_is_an_outlet():
    def body(raw):
        return process(RawDocument(id="s", raw=raw, format="jsonl", origin="x.jsonl", title="خبر")).to_dict()

    a = body("بارش‌ها در کشور کم شد. /ایرنا")
    assert (a["text"], a["attributed_to"]) == ("بارش‌ها در کشور کم شد.", ["ایرنا"])
    b = body("قیمت در سال ۹۸/ سال بعد")
    assert b["text"] == "قیمت در سال ۹۸/ سال بعد" and b["attributed_to"] == []
