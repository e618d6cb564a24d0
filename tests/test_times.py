"""Tests for khazar.extract.times (date expressions → ISO values)."""
import datetime as dt
import json
from pathlib import Path

import pytest

from khazar.extract.times import (
    TimeValue, check_weekdays, estimate_published, find_times, parse_dateline,
)

SHARED = Path("/work/shared")
TUE = dt.date(2025, 11, 18)   # سه‌شنبه ۲۷ آبان ۱۴۰۴
WED = dt.date(2025, 12, 17)   # چهارشنبه ۲۶ آذر ۱۴۰۴


def found(text, ref=TUE):
    return [(t.text, t.value, t.kind) for t in find_times(text, ref)]


@pytest.mark.parametrize("text, ref, expected", [
    # Jalali, full and partial
    ("صبح امروز (سه‌شنبه ۲۷ آبان ۱۴۰۴) آغاز شد", TUE,
     [("صبح امروز", "2025-11-18", "day"), ("سه‌شنبه ۲۷ آبان ۱۴۰۴", "2025-11-18", "day")]),
    ("دیدار ۲۱ آذرماه ۱۴۰۴ دو رئیس‌جمهور", WED, [("۲۱ آذرماه ۱۴۰۴", "2025-12-12", "day")]),
    ("نشست ۵ دی ماه سال ۱۴۰۳ برگزار شد", WED, [("۵ دی ماه سال ۱۴۰۳", "2024-12-25", "day")]),
    ("بیست و هفتم آبان ۱۴۰۴ روز مهمی بود", WED, [("بیست و هفتم آبان ۱۴۰۴", "2025-11-18", "day")]),
    ("از امروز ۲۷ آبان آغاز می‌شود", TUE, [("امروز ۲۷ آبان", "2025-11-18", "day")]),
    # yearless dates take the year nearest to ref
    ("جلسه ۳ فروردین برگزار شد", dt.date(2026, 3, 1), [("۳ فروردین", "2026-03-23", "day")]),
    ("جلسه ۲۸ اسفند برگزار شد", dt.date(2026, 3, 25), [("۲۸ اسفند", "2026-03-19", "day")]),
    # ranges
    ("این اجلاس روزهای سه شنبه و چهارشنبه ۲۷ و ۲۸ آبان ماه جاری برگزار می‌شود", TUE,
     [("روزهای سه شنبه و چهارشنبه ۲۷ و ۲۸ آبان ماه جاری", "2025-11-18/2025-11-19", "interval")]),
    ("نمایشگاه ۲۷ الی ۳۰ آبان مصادف با ۱۸ تا ۲۱ نوامبر برپا می‌شود", TUE,
     [("۲۷ الی ۳۰ آبان", "2025-11-18/2025-11-21", "interval"),
      ("۱۸ تا ۲۱ نوامبر", "2025-11-18/2025-11-21", "interval")]),
    ("از ۲۷ آبان تا ۳ آذر ۱۴۰۴ ادامه دارد", TUE, [("از ۲۷ آبان تا ۳ آذر ۱۴۰۴", "2025-11-18/2025-11-24", "interval")]),
    ("از ۲۵ اسفند تا ۵ فروردین تعطیل است", TUE, [("از ۲۵ اسفند تا ۵ فروردین", "2026-03-16/2026-03-25", "interval")]),
    ("از سال ۱۳۹۸ تا ۱۴۰۰ ادامه داشت", TUE, [("سال ۱۳۹۸ تا ۱۴۰۰", "2019-03-21/2022-03-20", "interval")]),
    # Gregorian
    ("در ۵ می ۲۰۲۰ اعلام شد", TUE, [("۵ می ۲۰۲۰", "2020-05-05", "day")]),
    ("در ماه فوریه ۲۰۱۹ اعلام شد", TUE, [("ماه فوریه ۲۰۱۹", "2019-02", "month")]),
    ("اکتبر سال گذشته (مهرماه) برگزار شد", TUE,
     [("اکتبر سال گذشته", "2024-10", "month"), ("مهرماه", "2025-09-23/2025-10-22", "interval")]),
    ("پیشنهاد در سال 2007 مطرح شد", None, [("سال 2007", "2007", "year")]),
    ("در ۲۰۰۷ میلادی", None, [("۲۰۰۷ میلادی", "2007", "year")]),
    ("سال‌آینده میلادی", dt.date(2019, 11, 3), [("سال‌آینده میلادی", "2020", "year")]),
    # Jalali years are intervals
    ("نشست سران در سال ۱۴۰۵ به میزبانی ایران", WED, [("سال ۱۴۰۵", "2026-03-21/2027-03-20", "interval")]),
    ("در سال ۹۸ افتتاح شد", TUE, [("سال ۹۸", "2019-03-21/2020-03-19", "interval")]),
    # months: a Gregorian month, or a part of a Jalali month inside one, is a month; a whole Jalali month an interval
    ("این نشست اواخر آبان‌ماه در رشت برگزار می‌شود", dt.date(2025, 10, 5), [("اواخر آبان‌ماه", "2025-11", "month")]),
    ("این نشست اواخر آبانماه برگزار می‌شود", dt.date(2025, 10, 5), [("اواخر آبانماه", "2025-11", "month")]),
    ("اجلاس سران در آذرماه امسال در باکو", TUE, [("آذرماه امسال", "2025-11-22/2025-12-21", "interval")]),
    ("نشست اواخر اسفندماه گذشته برگزار شده بود", TUE, [("اواخر اسفندماه گذشته", "2025-03", "month")]),
    ("قیمت‌ها در آبان ماه بهتر شد", TUE, [("آبان ماه", "2025-10-23/2025-11-21", "interval")]),
    ("برای انصراف از اذر ۹۸ به بعد مراجعه کنید", TUE, [("اذر ۹۸", "2019-11-22/2019-12-21", "interval")]),
    ("از ۱۵ فروردین ماه ۹۷ آغاز شد", TUE, [("۱۵ فروردین ماه ۹۷", "2018-04-04", "day")]),
    ("در آبان ۹۸ نفر آمدند", TUE, [("آبان", "2025-10-23/2025-11-21", "interval")]),
    ("در ماه فوریه و نیمه فوریه گذشته", dt.date(2007, 4, 16),
     [("ماه فوریه", "2007-02", "month"), ("نیمه فوریه گذشته", "2007-02", "month")]),
    # relative
    ("دیروز و پریروز و فردا", TUE,
     [("دیروز", "2025-11-17", "day"), ("پریروز", "2025-11-16", "day"), ("فردا", "2025-11-19", "day")]),
    ("نسبت به روز گذشته ثابت ماند", TUE, [("روز گذشته", "2025-11-17", "day")]),
    ("سه روز پیش اعلام شد", TUE, [("سه روز پیش", "2025-11-15", "day")]),
    ("این نشست هفته آینده برگزار می‌شود", TUE, [("هفته آینده", "2025-11-22/2025-11-28", "interval")]),
    ("در ماه آینده انجام شود", TUE, [("ماه آینده", "2025-11-22/2025-12-21", "interval")]),
    ("یک هفته پیش و دو ماه قبل و ۳۲ سال پیش", TUE,
     [("یک هفته پیش", "2025-11-11", "day"), ("دو ماه قبل", "2025-09", "month"), ("۳۲ سال پیش", "1993", "year")]),
    # occasions, parts of a year, decades
    ("با اشاره به عید نوروز و چهارشنبه آخر سال و روز درختکاری", dt.date(2018, 3, 12),
     [("عید نوروز", "2018-03-21", "day"), ("چهارشنبه آخر سال", "2018-03-14", "day"),
      ("روز درختکاری", "2018-03-06", "day")]),
    ("اقامت در نوروز ۹۶ و چهارشنبه‌سوری امسال", dt.date(2018, 3, 12),
     [("نوروز ۹۶", "2017-03-21", "day"), ("چهارشنبه‌سوری امسال", "2018-03-13", "day")]),
    ("آغاز هفته دفاع مقدس و روز جهانگردی", dt.date(2019, 9, 20),
     [("هفته دفاع مقدس", "2019-09-22/2019-09-28", "interval"), ("روز جهانگردی", "2019-09-27", "day")]),
    ("در سه ماهه نخست سال ۲۰۲۰ و نیمه دوم سال جاری", dt.date(2020, 4, 2),
     [("سه ماهه نخست سال ۲۰۲۰", "2020-01-01/2020-03-31", "interval"),
      ("نیمه دوم سال جاری", "2020-09-22/2021-03-20", "interval")]),
    ("رشد چین در سال 2020 و در سه ماهه دوم سال", dt.date(2020, 3, 16),
     [("سال 2020", "2020", "year"), ("سه ماهه دوم سال", "2020-04-01/2020-06-30", "interval")]),
    ("در دهه ۷۰ و دهه ۱۹۹۰ و دهه هشتاد", TUE,
     [("دهه ۷۰", "1991-03-21/2001-03-20", "interval"), ("دهه ۱۹۹۰", "1990-01-01/1999-12-31", "interval"),
      ("دهه هشتاد", "2001-03-21/2011-03-20", "interval")]),
    ("سال گذشته رشد کرد", TUE, [("سال گذشته", "2024-03-20/2025-03-20", "interval")]),
    ("امسال رشد کرد", TUE, [("امسال", "2025-03-21/2026-03-20", "interval")]),
    # weekdays: past tense → on or before ref, future sentence → on or after
    ("کاظم جلالی شامگاه سه‌شنبه در نشست گفت", WED, [("شامگاه سه‌شنبه", "2025-12-16", "day")]),
    ("وزیر روز سهشنبه وارد مسکو شد", WED, [("روز سهشنبه", "2025-12-16", "day")]),
    ("وزیر روز چهارشنبه وارد مسکو شد", WED, [("روز چهارشنبه", "2025-12-17", "day")]),
    ("این نشست قرار است از روز سه شنبه شروع بکار کند.", WED, [("روز سه شنبه", "2025-12-23", "day")]),
    ("هیئت روز شنبه به تهران خواهد آمد", WED, [("روز شنبه", "2025-12-20", "day")]),
    ("او سه‌شنبه گذشته گفت", TUE, [("سه‌شنبه گذشته", "2025-11-11", "day")]),
    ("سه‌شنبه هفته آینده", TUE, [("سه‌شنبه هفته آینده", "2025-11-25", "day")]),
    ("شب جمعه", TUE, [("شب جمعه", "2025-11-13", "day")]),
    ("مدیر سازمان چهارشنبه‌شب گفت", WED, [("چهارشنبه‌شب", "2025-12-17", "day")]),
    ("مدارس را تا سه شنبه تعطیل کرده است", WED, [("سه شنبه", "2025-12-23", "day")]),
    ("وزیر دیروز‌عصر وارد شد", WED, [("دیروز‌عصر", "2025-12-16", "day")]),  # ZWNJ-joined part of day
    # numeric, with any digits
    ("در تاریخ 1404/08/27 ابلاغ شد", None, [("1404/08/27", "2025-11-18", "day")]),
    ("مورخ ۱۴۰۴/۰۸/۲۷ ابلاغ شد", None, [("۱۴۰۴/۰۸/۲۷", "2025-11-18", "day")]),
    ("مورخ 1399.02.09 ابلاغ شد", None, [("1399.02.09", "2020-04-28", "day")]),
    ("در ٢٧ آبان ١٤٠٤", None, [("٢٧ آبان ١٤٠٤", "2025-11-18", "day")]),
    ("در ۲7 آبان 1404", None, [("۲7 آبان 1404", "2025-11-18", "day")]),
    ("on 2025-11-18 and 18/11/2025", None, [("2025-11-18", "2025-11-18", "day"), ("18/11/2025", "2025-11-18", "day")]),
    ("November 18, 2025", None, [("November 18, 2025", "2025-11-18", "day")]),
    # Hijri-qamari (Umm al-Qura)
    ("۱ رمضان ۱۴۴۷ آغاز شد", None, [("۱ رمضان ۱۴۴۷", "2026-02-18", "day")]),
    ("سال ۱۴۴۶ هجری قمری", None, [("سال ۱۴۴۶ هجری قمری", "2024-07-07/2025-06-25", "interval")]),
    # clock time after a day
    ("چهارشنبه 26 آذر 1404 - 07:40", None,
     [("چهارشنبه 26 آذر 1404", "2025-12-17", "day"), ("07:40", "2025-12-17T07:40", "time")]),
])
def test_find_times(text, ref, expected):
    assert found(text, ref) == expected


@pytest.mark.parametrize("text", [
    "۳۲ اسفند ۱۴۰۴", "1404/13/40", "۳۰ اسفند ۱۴۰۴", "۰ آبان ۱۴۰۴",   # invalid (1404 is not leap)
    "بیش از ۱۴۰۴ نفر", "۱۲۵ میلیارد",                                   # bare numbers
    "این اختلاف حل و فصل شد", "در فصل پاییز",
    "به گزارش خبرگزاری مهر، 1400 نفر", "خبرگزاری مهر گزارش داد", "با مهر و محبت",
    "در دی گفت", "دیگر نمی‌آید", "شلیک تیر هوایی", "تیر خلاص", "وقوع بهمن در جاده", "بهمن گفت",
    "این کار می شود", "امام جمعه تهران گفت", "نماز جمعه برگزار شد",
    "در ۶ سال گذشته رشد کرد", "در دو سال گذشته", "چند ماه آینده",
    "فرهنگ عاشورا", "در دهه ۷۵",
])
def test_no_false_hits(text):
    assert found(text, TUE) == []


def test_without_ref_relative_and_yearless_are_skipped():
    text = "امروز سه‌شنبه ۲۷ آبان و سه‌شنبه ۲۷ آبان ۱۴۰۴ و هفته آینده و اواخر آبان‌ماه و سال ۱۴۰۵"
    assert found(text, None) == [
        ("سه‌شنبه ۲۷ آبان ۱۴۰۴", "2025-11-18", "day"),
        ("سال ۱۴۰۵", "2026-03-21/2027-03-20", "interval"),
    ]


def test_zwnj_variants_of_weekdays_and_joined_months():
    for weekday in ("سه‌شنبه", "سه شنبه", "سهشنبه"):
        for month in ("آبان‌ماه", "آبان ماه", "آبانماه", "آبان"):
            text = f"روز {weekday} ۲۷ {month} ۱۴۰۴ برگزار شد"
            (tv,) = find_times(text, None)
            assert tv.text == f"روز {weekday} ۲۷ {month} ۱۴۰۴" and tv.value == "2025-11-18"


def test_datetime_ref_is_accepted():
    assert found("امروز", dt.datetime(2025, 11, 18, 9, 30)) == [("امروز", "2025-11-18", "day")]


def test_spans_sorted_non_overlapping_and_exact():
    text = ("صبح امروز (سه‌شنبه ۲۷ آبان ۱۴۰۴) از ۲۷ الی ۳۰ آبان، هفته آینده، سال ۱۴۰۵، "
            "۱۸ تا ۲۱ نوامبر و اکتبر سال گذشته و دیروز")
    times = find_times(text, TUE)
    assert len(times) == 8
    for a, b in zip(times, times[1:]):
        assert a.end <= b.start
    assert all(text[t.start:t.end] == t.text for t in times)
    assert all(isinstance(t, TimeValue) and t.value.isascii() for t in times)


def test_check_weekdays_reports_disagreement():
    text = "نشست سه‌شنبه ۲۸ آبان ۱۴۰۴ و دیدار چهارشنبه ۲۸ آبان ۱۴۰۴ و امروز ۲۰ آبان"
    times = find_times(text, TUE)
    warnings = check_weekdays(text, times, TUE)
    assert len(warnings) == 2
    assert "2025-11-19" in warnings[0] and "سه‌شنبه" in warnings[0]
    assert "امروز" in warnings[1] and "2025-11-11" in warnings[1]


def test_check_weekdays_checks_both_ends_of_a_range():
    text = "روزهای سه شنبه و پنجشنبه ۲۷ و ۲۸ آبان ۱۴۰۴"
    warnings = check_weekdays(text, find_times(text, None))
    assert len(warnings) == 1 and "پنجشنبه" in warnings[0]


def test_check_weekdays_quiet_when_consistent():
    text = "سه‌شنبه ۲۷ آبان ۱۴۰۴ و روزهای سه شنبه و چهارشنبه ۲۷ و ۲۸ آبان ۱۴۰۴ و روز سه‌شنبه"
    assert check_weekdays(text, find_times(text, TUE), TUE) == []


@pytest.mark.parametrize("line, expected", [
    ("چهارشنبه 26 آذر 1404 - 07:40", (dt.date(2025, 12, 17), "07:40")),
    ("۱۴۰۴/۰۸/۲۷ ۱۰:۳۰", (dt.date(2025, 11, 18), "10:30")),
    ("27 آبان 1404", (dt.date(2025, 11, 18), None)),
    ("  سه‌شنبه، ۲۷ آبان‌ماه ۱۴۰۴ ساعت ۹:۰۵  ", (dt.date(2025, 11, 18), "09:05")),
    ("تاریخ انتشار: ۲۷ آبان ۱۴۰۴", (dt.date(2025, 11, 18), None)),
    ("۱۰:۳۰ - ۱۴۰۴/۰۸/۲۷", (dt.date(2025, 11, 18), "10:30")),
    ("18 November 2025", (dt.date(2025, 11, 18), None)),
    ("Nov 18, 2025", (dt.date(2025, 11, 18), None)),
    ("2025-11-18 10:30:00", (dt.date(2025, 11, 18), "10:30")),
    ("۱۸ نوامبر ۲۰۲۵", (dt.date(2025, 11, 18), None)),
])
def test_parse_dateline(line, expected):
    assert parse_dateline(line) == expected


@pytest.mark.parametrize("line", [
    "این اجلاس در ۲۷ آبان ۱۴۰۴ برگزار شد", "۲۷ آبان", "۳۲ اسفند ۱۴۰۴", "", "سال ۱۴۰۴",
    "۲۷ آبان ۱۴۰۴ و ۲۸ آبان ۱۴۰۴", "27 آبان 1404 - 25:99", "امروز",
])
def test_parse_dateline_rejects(line):
    assert parse_dateline(line) is None


def test_estimate_published_from_absolute_mentions():
    text = ("ایده در سال 2007 در تهران پیشنهاد شد. این طرح در نشست سال گذشته بررسی شد. "
            "قرار است اجلاس در سال 2012 برگزار شود.")
    times = find_times(text, None)
    assert [t.value for t in times] == ["2007", "2012"]
    assert estimate_published(times, text) == ("2007-01-01", "2010-12-31")
    assert estimate_published(times) == ("2012-01-01", "2015-12-31")   # without text nothing is excluded
    assert estimate_published([]) is None


def _seed_text(path):
    return path.read_text(encoding="utf-8").replace("ي", "ی").replace("ك", "ک")


@pytest.mark.skipif(not (SHARED / "gold/seeds.gold.json").exists(), reason="shared seeds absent")
def test_seed_gold_values_are_found():
    gold = json.loads((SHARED / "gold/seeds.gold.json").read_text(encoding="utf-8"))
    missing = []
    for doc in gold["documents"]:
        (path,) = (SHARED / "seeds").glob(doc["id"] + "*.txt")
        ref = dt.date.fromisoformat(doc["published"]) if doc.get("published") else None
        values = {t.value for t in find_times(_seed_text(path), ref)}
        missing += [(doc["id"], t["text"], t["value"]) for t in doc["times"] if t["value"] not in values]
    assert missing == []


@pytest.mark.skipif(not (SHARED / "seeds").exists(), reason="shared seeds absent")
def test_seed_004_undated_estimate_overlaps_gold_window():
    (path,) = (SHARED / "seeds").glob("004_*.txt")
    text = _seed_text(path)
    earliest, latest = estimate_published(find_times(text, None), text)
    assert earliest <= "2010-11-18" and latest >= "2008-01-01"


@pytest.mark.skipif(not (SHARED / "data/news").exists(), reason="shared news absent")
def test_all_news_articles_run_and_spans_are_exact():
    count = 0
    for path in sorted((SHARED / "data/news").glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            article = json.loads(line)
            text = (article.get("title") or "") + "\n" + (article.get("text") or "")
            published = article.get("published")
            ref = dt.date.fromisoformat(published[:10]) if published else None
            times = find_times(text, ref)
            for a, b in zip(times, times[1:]):
                assert a.end <= b.start
            for t in times:
                assert text[t.start:t.end] == t.text and t.kind in {"day", "month", "year", "interval", "time"}
                count += 1
            check_weekdays(text, times, ref)
    assert count > 1000


def test_a_line_of_a_date_with_a_two_digit_year_is_no_dateline():
    assert parse_dateline("جمعه 13 شهریور 94") is None
    assert parse_dateline("جمعه 13 شهریور 1394") == (dt.date(2015, 9, 4), None)
