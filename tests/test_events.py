"""Event extraction: triggers, arguments, coreference, merging, and the seed figure (must not drop)."""
from __future__ import annotations

from khazar.extract.events import extract_events
from khazar.model import Article, Entity, EntityMention, TimeValue

# Seed events with place and date found (score.py "events (place+date)") when this test was written.
SEED_EVENTS_OK = 6


def _ent(eid, etype, name, spans, kb_id=None):
    return Entity(eid, etype, name, None, kb_id, [], False, [], [EntityMention(s, e, name, "text") for s, e in spans])


def _at(text, needle, nth=0):
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    return (i, i + len(needle))


def test_summit_with_place_and_interval_and_demonstrative_merge():
    text = ("نخستین اجلاس وزیران کشاورزی از امروز در رشت آغاز شد.\n"
            "این نشست روزهای ۲۷ و ۲۸ آبان در رشت برگزار می‌شود.")
    a = Article(id="e", title="خبر", text=text, published="2025-11-18")
    a.entities = [_ent("l1", "LOC", "رشت", [_at(text, "رشت"), _at(text, "رشت", 1)], "loc:rasht")]
    i, j = _at(text, "امروز")
    k, m = _at(text, "۲۷ و ۲۸ آبان")
    a.times = [TimeValue("امروز", "2025-11-18", i, j), TimeValue("۲۷ و ۲۸ آبان", "2025-11-18/2025-11-19", k, m)]
    extract_events(a)
    assert len(a.events) == 1, a.events
    ev = a.events[0]
    assert ev.type == "summit"  # "این نشست" is the summit already mentioned
    assert ev.place == "رشت" and ev.place_kb_id == "loc:rasht"
    assert (ev.start, ev.end, ev.to_dict()["date"]) == ("2025-11-18", "2025-11-19", "2025-11-18")
    assert len(ev.mentions) == 2
    assert text[ev.span.start:ev.span.end] == "اجلاس"
    assert ev.evidence.text.startswith("نخستین اجلاس")


def test_visit_template_names_the_place_and_sea_is_no_venue():
    text = "وزیر خارجه دیروز وارد مسکو شد. همایش بزرگ در دریای خزر برگزار شد."
    a = Article(id="e", title="خبر", text=text, published="2025-12-17")
    a.entities = [_ent("l1", "LOC", "مسکو", [_at(text, "مسکو")], "loc:moscow"),
                  _ent("l2", "LOC", "دریای خزر", [_at(text, "دریای خزر")], "loc:caspian-sea")]
    extract_events(a)
    visits = [e for e in a.events if e.type == "visit"]
    assert len(visits) == 1 and visits[0].place == "مسکو"
    assert not [e for e in a.events if e.type == "conference"]  # only a sea: no venue, no date → no event


def test_planned_status_and_meeting_participants():
    text = "قرار است دیدار مسعود پزشکیان و ولادیمیر پوتین ماه آینده در عشق‌آباد برگزار شود."
    a = Article(id="e", title="خبر", text=text, published="2025-11-01")
    a.entities = [_ent("p1", "PER", "مسعود پزشکیان", [_at(text, "مسعود پزشکیان")]),
                  _ent("p2", "PER", "ولادیمیر پوتین", [_at(text, "ولادیمیر پوتین")]),
                  _ent("l1", "LOC", "عشق‌آباد", [_at(text, "عشق‌آباد")])]
    extract_events(a)
    assert len(a.events) == 1
    ev = a.events[0]
    assert ev.type == "meeting" and ev.status == "planned"
    assert ev.participants == ["مسعود پزشکیان", "ولادیمیر پوتین"] and ev.participant_ids == ["p1", "p2"]


def test_different_places_stay_different_events():
    text = "نمایشگاه کتاب در تبریز برپا شد. نمایشگاه خودرو در شیراز برپا شد."
    a = Article(id="e", title="خبر", text=text, published="2025-11-01")
    a.entities = [_ent("l1", "LOC", "تبریز", [_at(text, "تبریز")]), _ent("l2", "LOC", "شیراز", [_at(text, "شیراز")])]
    extract_events(a)
    assert sorted(e.place for e in a.events) == ["تبریز", "شیراز"]


def test_seed_events_do_not_drop(seed_articles, gold, scorer):
    m = scorer.score(gold, seed_articles)
    assert m["ev_ok"] >= SEED_EVENTS_OK, (m["ev_ok"], m["ev_n"])


def test_subject_takes_part_in_its_own_events_not_in_those_it_mentions():
    text = ("به گزارش ایرنا، علی کریمی روز دوشنبه در پایان سفر به ارمنستان، برای دیدار با رضا نوری وارد مسکو شد.\n"
            "حسن رحیمی با اشاره به دیدار سارا احمدی و مینا صالحی در باکو گفت: همکاری ادامه دارد.")
    a = Article(id="e", title="خبر", text=text, published="2025-12-16")
    names = ["علی کریمی", "رضا نوری", "حسن رحیمی", "سارا احمدی", "مینا صالحی"]
    a.entities = [_ent(f"p{i}", "PER", n, [_at(text, n)]) for i, n in enumerate(names)]
    a.entities += [_ent("l1", "LOC", "ارمنستان", [_at(text, "ارمنستان")], "loc:armenia"),
                   _ent("l2", "LOC", "مسکو", [_at(text, "مسکو")], "loc:moscow"),
                   _ent("l3", "LOC", "باکو", [_at(text, "باکو")], "loc:baku")]
    i, j = _at(text, "روز دوشنبه")
    a.times = [TimeValue("روز دوشنبه", "2025-12-15", i, j)]
    extract_events(a)
    by_place = {(e.type, e.place): e.participants for e in a.events}
    assert by_place[("visit", "مسکو")] == ["علی کریمی", "رضا نوری"]  # the verb's subject, and who he came to meet
    assert by_place[("visit", "ارمنستان")] == ["علی کریمی"]  # "در پایان سفر به ...": his own trip
    assert by_place[("meeting", "باکو")] == ["سارا احمدی", "مینا صالحی"]  # not the speaker who refers to it
    assert by_place[("meeting", None)] == ["علی کریمی", "رضا نوری"]  # "برای دیدار با ...": dated, two visits: no place


def test_meeting_takes_the_visit_place_and_a_mention_adds_its_people():
    text = ("رضا نوری که به باکو سفر کرده است، امروز با علی کریمی دیدار کرد.\n"
            "در این دیدار حسن رحیمی نیز حضور داشت.")
    a = Article(id="e", title="خبر", text=text, published=None)  # undated: "امروز" stays unresolved
    names = ["رضا نوری", "علی کریمی", "حسن رحیمی"]
    a.entities = [_ent(f"p{i}", "PER", n, [_at(text, n)]) for i, n in enumerate(names)]
    a.entities.append(_ent("l1", "LOC", "باکو", [_at(text, "باکو")], "loc:baku"))
    extract_events(a)
    meetings = [e for e in a.events if e.type == "meeting"]
    assert len(meetings) == 1, a.events
    assert meetings[0].place == "باکو" and meetings[0].start is None
    assert meetings[0].label == "دیدار"  # "دیدار کرد" is a verb, not the event's name
    assert [e.label for e in a.events if e.type == "visit"] == ["سفر به باکو"]
    assert meetings[0].participants == ["رضا نوری", "علی کریمی", "حسن رحیمی"]


def test_seed_event_participants_do_not_drop(seed_articles, gold, scorer):
    import importlib.util

    from conftest import ROOT

    spec = importlib.util.spec_from_file_location("events_eval", ROOT / "bench" / "events_eval.py")
    events_eval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(events_eval)
    rows = events_eval.event_matches(scorer, gold, seed_articles)
    # bench/events_eval.py when participants were first measured: 7/7 events, 7/8 participants
    assert sum(r["found"] for r in rows) == len(rows) == 7
    assert sum(len(r["participants_found"]) for r in rows) >= 7


def test_label_stops_at_a_person():
    text = "کاظم جلالی دیروز در نشست صمیمی عباس عراقچی وزیر امور خارجه با دیپلمات‌ها در مسکو سخن گفت."
    a = Article(id="e", title="خبر", text=text, published="2025-12-17")
    a.entities = [_ent("p1", "PER", "کاظم جلالی", [_at(text, "کاظم جلالی")]),
                  _ent("p2", "PER", "عباس عراقچی", [_at(text, "عباس عراقچی")]),
                  _ent("l1", "LOC", "مسکو", [_at(text, "مسکو")], "loc:moscow")]
    extract_events(a)
    [ev] = a.events
    assert ev.label == "نشست صمیمی"  # the person after it is a participant, not part of the event's name
    assert ev.participants == ["کاظم جلالی", "عباس عراقچی"] and ev.place == "مسکو"


def test_chronology_entries_are_events_whatever_their_verb():
    text = ("9 بهمن 1338، دولت ایران لایحه پرداخت سالانه به دانشگاه کمبریج را تسلیم مجلس کرد.\n"
            "9 بهمن 1390، علی عسکری اعلام کرد: شرکت‌ها مشمول پرداخت مالیات هستند.\n"
            "9 بهمن 1391، در تهران.")
    a = Article(id="e", title="خبر", text=text, published="2020-01-29")
    a.entities = [_ent("p1", "PER", "علی عسکری", [_at(text, "علی عسکری")]),
                  _ent("l1", "LOC", "تهران", [_at(text, "تهران")], "loc:tehran")]
    a.times = [TimeValue("9 بهمن 1338", "1960-01-29", *_at(text, "9 بهمن 1338")),
               TimeValue("9 بهمن 1390", "2012-01-29", *_at(text, "9 بهمن 1390")),
               TimeValue("9 بهمن 1391", "2013-01-28", *_at(text, "9 بهمن 1391"))]
    extract_events(a)
    by_date = {e.start: e for e in a.events}
    assert set(by_date) == {"1960-01-29", "2012-01-29"}  # "در تهران." is a heading, not an entry
    assert by_date["1960-01-29"].type == "other"
    assert by_date["1960-01-29"].label.startswith("دولت ایران لایحه")
    assert by_date["2012-01-29"].type == "statement"  # its verb is one of saying
    assert by_date["2012-01-29"].participants == ["علی عسکری"]


def test_agency_lead_takes_the_dateline_place_and_the_publication_date():
    text = ("امام جمعه تبریز گفت: مردم از خبرنگاران انتظار دارند.\n"
            "به گزارش خبرگزاری فارس از تبریز، حسن رحیمی امروز در مراسم تجلیل از خبرنگاران گفت: این حرفه ارزش دارد.\n"
            "رضا نوری در خطبه‌های نماز جمعه زیراب گفت: دشمنان می‌ترسند.")
    a = Article(id="e", title="خبر", text=text, published="2006-08-08")
    a.entities = [_ent("p1", "PER", "حسن رحیمی", [_at(text, "حسن رحیمی")]),
                  _ent("p2", "PER", "رضا نوری", [_at(text, "رضا نوری")]),
                  _ent("l1", "LOC", "تبریز", [_at(text, "تبریز"), _at(text, "تبریز", 1)], "loc:tabriz"),
                  _ent("l2", "LOC", "زیراب", [_at(text, "زیراب")])]
    a.times = [TimeValue("امروز", "2006-08-08", *_at(text, "امروز"))]
    extract_events(a)
    [ceremony] = [e for e in a.events if e.type == "other"]
    assert ceremony.place == "تبریز" and ceremony.start == "2006-08-08"  # "از تبریز" in the agency's opener
    assert ceremony.participants == ["حسن رحیمی"] and ceremony.date_source == "text"
    # the sermon is after the lead: no dateline place and no publication date for it; its own place is named
    [sermon] = [e for e in a.events if e.type == "statement"]
    assert sermon.place == "زیراب" and sermon.start is None


def test_lead_without_a_date_expression_is_news_of_its_publication_day():
    text = "به گزارش ایرنا، رضا نوری در خطبه‌های نماز جمعه زیراب اظهار کرد: دشمنان از قدرت اربعین می‌ترسند."
    a = Article(id="e", title="خبر", text=text, published="2019-09-20")
    a.entities = [_ent("p1", "PER", "رضا نوری", [_at(text, "رضا نوری")]), _ent("l1", "LOC", "زیراب", [_at(text, "زیراب")])]
    extract_events(a)
    [ev] = a.events
    assert (ev.type, ev.place, ev.start, ev.date_source) == ("statement", "زیراب", "2019-09-20", "published")
    assert ev.participants == ["رضا نوری"]  # the subject after the agency's opener


def test_phone_call_has_no_place_and_a_coordinated_venue_is_several_places():
    text = ("حسن روحانی امروز در تماس تلفنی با استاندار خراسان رضوی وضعیت را بررسی کرد.\n"
            "امروز در سه استان تهران، البرز و قزوین ثبت نام طرح مسکن آغاز می‌شود.")
    a = Article(id="e", title="خبر", text=text, published="2020-03-12")
    a.entities = [_ent("p1", "PER", "حسن روحانی", [_at(text, "حسن روحانی")]),
                  _ent("l1", "LOC", "خراسان رضوی", [_at(text, "خراسان رضوی")], "loc:razavi-khorasan"),
                  _ent("l2", "LOC", "تهران", [_at(text, "تهران")], "loc:tehran"),
                  _ent("l3", "LOC", "البرز", [_at(text, "البرز")], "loc:alborz"),
                  _ent("l4", "LOC", "قزوین", [_at(text, "قزوین")], "loc:qazvin")]
    a.times = [TimeValue("امروز", "2020-03-12", *_at(text, "امروز")), TimeValue("امروز", "2020-03-12", *_at(text, "امروز", 1))]
    extract_events(a)
    [call] = [e for e in a.events if e.type == "meeting"]
    assert call.place is None and call.participants == ["حسن روحانی"]
    [launch] = [e for e in a.events if e.type == "other"]
    assert launch.label == "آغاز" and launch.place is None and launch.places == ["تهران", "البرز", "قزوین"]


def test_place_is_the_named_place_not_its_quarter_and_the_nearest_event_takes_it():
    text = ("روز شنبه پهپادهای یمن پادگانی را در شمال استان مارب هدف قرار دادند.\n"
            "وزارت دفاع آمریکا بامداد چهارشنبه با صدور بیانیه‌ای تأیید کرد که پایگاه‌های این کشور در عراق هدف حمله موشکی "
            "قرار گرفته است.")
    a = Article(id="e", title="خبر", text=text, published="2020-01-20")
    a.entities = [_ent("l1", "LOC", "استان مارب", [(0, 0)]), _ent("l2", "LOC", "شمال استان مارب", [_at(text, "شمال استان مارب")]),
                  _ent("l3", "LOC", "عراق", [_at(text, "عراق")], "loc:iraq")]
    a.entities[0].mentions[0].start = a.entities[0].mentions[0].end = len(text)  # named elsewhere in the article
    a.times = [TimeValue("روز شنبه", "2020-01-18", *_at(text, "روز شنبه")),
               TimeValue("بامداد چهارشنبه", "2020-01-08", *_at(text, "بامداد چهارشنبه"))]
    extract_events(a)
    places = {(e.type, e.start): e.place for e in a.events}
    assert places[("attack", "2020-01-18")] == "استان مارب"  # "شمال استان مارب" is in استان مارب
    assert places[("attack", "2020-01-08")] == "عراق"  # the bases were hit in Iraq ...
    assert places[("statement", "2020-01-08")] is None  # ... the statement was not made there


def test_a_verb_of_beginning_is_the_verb_of_the_event_before_it_and_an_exercise_may_be_at_sea():
    text = "مانورهای نظامی ناتو روز گذشته در دریای بالتیک آغاز شد."
    a = Article(id="e", title="خبر", text=text, published="2010-06-07")
    a.entities = [_ent("l1", "LOC", "دریای بالتیک", [_at(text, "دریای بالتیک")], "loc:baltic-sea")]
    a.times = [TimeValue("روز گذشته", "2010-06-06", *_at(text, "روز گذشته"))]
    extract_events(a)
    [ev] = a.events
    assert (ev.type, ev.place, ev.start) == ("other", "دریای بالتیک", "2010-06-06")
    assert ev.label.startswith("مانورهای نظامی")


def test_protesters_make_a_protest_and_a_partitive_does_not_hide_its_venue():
    text = "معترضان روز چهارشنبه در یکی از محله‌های فقیرنشین مانیلا به خیابان آمدند."
    a = Article(id="e", title="خبر", text=text, published="2020-04-02")
    a.entities = [_ent("l1", "LOC", "مانیلا", [_at(text, "مانیلا")], "loc:manila")]
    a.times = [TimeValue("روز چهارشنبه", "2020-04-01", *_at(text, "روز چهارشنبه"))]
    extract_events(a)
    [ev] = a.events
    assert (ev.type, ev.label, ev.place, ev.start) == ("protest", "اعتراض", "مانیلا", "2020-04-01")


def test_organisations_and_countries_take_part_as_subject_object_and_parties():
    text = ("2 بهمن 1353، بانک مرکزی نرخ بهره بانکی را تنزل داد.\n"
            "9 بهمن 1336، موافقتنامه بازرگانی ایران و ایتالیا امضا شد.\n"
            "به گزارش ایرنا، حسن رحیمی امروز در گفت‌وگو با خبرنگار ایسنا در زنجان اظهار کرد: کار ادامه دارد.")
    a = Article(id="e", title="خبر", text=text, published="2020-01-22")
    a.entities = [_ent("o1", "ORG", "بانک مرکزی", [_at(text, "بانک مرکزی")]),
                  _ent("o2", "ORG", "ایسنا", [_at(text, "ایسنا")]),
                  _ent("o3", "ORG", "ایرنا", [_at(text, "ایرنا")]),
                  _ent("p1", "PER", "حسن رحیمی", [_at(text, "حسن رحیمی")]),
                  _ent("l1", "LOC", "ایران", [_at(text, "ایران")], "loc:iran"),
                  _ent("l2", "LOC", "ایتالیا", [_at(text, "ایتالیا")], "loc:italy"),
                  _ent("l3", "LOC", "زنجان", [_at(text, "زنجان")], "loc:zanjan")]
    a.times = [TimeValue("2 بهمن 1353", "1975-01-22", *_at(text, "2 بهمن 1353")),
               TimeValue("9 بهمن 1336", "1958-01-29", *_at(text, "9 بهمن 1336")),
               TimeValue("امروز", "2020-01-22", *_at(text, "امروز"))]
    extract_events(a)
    by_date = {e.start: e for e in a.events}
    assert by_date["1975-01-22"].participants == ["بانک مرکزی"]  # the organisation opening the clause
    assert by_date["1958-01-29"].participants == ["ایران", "ایتالیا"]  # the parties, not the place
    assert by_date["1958-01-29"].place is None
    interview = by_date["2020-01-22"]
    assert interview.place == "زنجان"
    assert interview.participants == ["حسن رحیمی", "ایسنا"]  # not the agency of the opener


def test_announcements_are_placeless_statements_and_dates_after_ta_are_no_start():
    text = ("کمپانی بنز از حذف هزاران شغل در آلمان تا پایان سال 2022 خبر داد.\n"
            "تظاهرات علیه ترور سردار در 70 شهر آمریکا برگزار شد.\n"
            "اهم رویدادهای امروز در تهران به شرح زیر است.")
    a = Article(id="e", title="خبر", text=text, published="2019-11-30")
    a.entities = [_ent("l1", "LOC", "آلمان", [_at(text, "آلمان")], "loc:germany"),
                  _ent("l2", "LOC", "آمریکا", [_at(text, "آمریکا")], "loc:united-states"),
                  _ent("l3", "LOC", "تهران", [_at(text, "تهران")], "loc:tehran")]
    a.times = [TimeValue("سال 2022", "2022", *_at(text, "سال 2022")), TimeValue("امروز", "2019-11-30", *_at(text, "امروز"))]
    extract_events(a)
    events = {e.type: e for e in a.events}
    # the lead's announcement, on its publication day: not at the place nor at the date it announces
    assert (events["statement"].label, events["statement"].place) == ("اعلام", None)
    assert (events["statement"].start, events["statement"].date_source) == ("2019-11-30", "published")
    assert events["protest"].place == "آمریکا" and "attack" not in events  # a protest against a killing
    assert "conference" not in events  # "رویدادهای امروز" are no event


def test_an_attack_is_where_it_is_aimed_and_a_place_in_another_is_the_more_specific():
    text = ("در تاریخ ۴ سپتامبر ۲۰۱۵ یگان موشکی یک موشک را به سمت پادگان الصافر در استان مارب شلیک می‌کند.\n"
            "ژانویه سال ۲۰۱۹، انصارالله تجمع فرماندهان را در پایگاه هوایی العند در استان لحج مورد حمله قرار داد.")
    a = Article(id="e", title="خبر", text=text, published="2020-01-20")
    a.entities = [_ent("l1", "LOC", "پادگان الصافر", [_at(text, "پادگان الصافر")]),
                  _ent("l2", "LOC", "مارب", [_at(text, "مارب")]),
                  _ent("l3", "LOC", "پایگاه هوایی العند", [_at(text, "پایگاه هوایی العند")]),
                  _ent("l4", "LOC", "لحج", [_at(text, "لحج")])]
    a.times = [TimeValue("۴ سپتامبر ۲۰۱۵", "2015-09-04", *_at(text, "۴ سپتامبر ۲۰۱۵")),
               TimeValue("ژانویه سال ۲۰۱۹", "2019-01", *_at(text, "ژانویه سال ۲۰۱۹"))]
    extract_events(a)
    assert sorted((e.type, e.start, e.place) for e in a.events) == [
        ("attack", "2015-09-04", "پادگان الصافر"),  # "به سمت ..." is the target; "در استان مارب" only says where it is
        ("attack", "2019-01", "پایگاه هوایی العند")]  # the gathering attacked is its target, not a protest


def test_match_results_are_events_and_unlike_other_events_of_a_day_stay_apart():
    text = ("هفته بیست و پنجم لیگ برتر با انجام 3 بازی به پایان رسید.\n"
            "داماش گیلان یک - فجر سپاسی صفر\n"
            "امروز مراسم تجلیل از قهرمانان در رشت برگزار شد و ساخت ورزشگاه در رشت امروز آغاز شد.")
    a = Article(id="e", title="خبر", text=text, published="2013-02-09")
    a.entities = [_ent("o1", "ORG", "فجر سپاسی", [_at(text, "فجر سپاسی")]),
                  _ent("l1", "LOC", "رشت", [_at(text, "رشت"), _at(text, "رشت", 1)], "loc:rasht")]
    a.times = [TimeValue("امروز", "2013-02-09", *_at(text, "امروز")), TimeValue("امروز", "2013-02-09", *_at(text, "امروز", 1))]
    extract_events(a)
    [match] = [e for e in a.events if " - " in e.label]
    assert match.participants == ["داماش گیلان", "فجر سپاسی"] and match.participant_ids == [None, "o1"]
    assert (match.type, match.start, match.date_source, match.place) == ("other", "2013-02-09", "published", None)
    assert sorted(e.label for e in a.events if e.place == "رشت") == ["آغاز", "مراسم تجلیل"]  # two events, not one


def test_the_subjects_organisation_takes_part_and_a_reported_event_is_not_the_reporters():
    text = ("شبکه الجزیره در خبری فوری از کشته شدن 13 پلیس عراق در حمله افراد مسلح در موصل خبر داد.\n"
            "به گزارش ایرنا، تدروس آدهانوم مدیر کل سازمان جهانی بهداشت چهارشنبه‌شب در کنفرانسی خبری گفت: همه‌گیر است.")
    a = Article(id="e", title="خبر", text=text, published="2020-03-12")
    a.entities = [_ent("p1", "PER", "تدروس آدهانوم", [_at(text, "تدروس آدهانوم")]),
                  _ent("o1", "ORG", "سازمان جهانی بهداشت", [_at(text, "سازمان جهانی بهداشت")]),
                  _ent("o2", "ORG", "ایرنا", [_at(text, "ایرنا")], "out:irna"),
                  _ent("o3", "ORG", "الجزیره", [_at(text, "الجزیره")]),
                  _ent("o4", "ORG", "پلیس عراق", [_at(text, "پلیس عراق")]),
                  _ent("l1", "LOC", "موصل", [_at(text, "موصل")])]
    a.times = [TimeValue("چهارشنبه‌شب", "2020-03-11", *_at(text, "چهارشنبه‌شب"))]
    extract_events(a)
    events = {e.type: e for e in a.events}
    assert events["conference"].participants == ["سازمان جهانی بهداشت", "تدروس آدهانوم"]  # not the agency
    attack = events["attack"]
    assert attack.place == "موصل" and attack.start == "2020-03-12"  # reported in the lead: the day's news
    assert "الجزیره" not in attack.participants and "پلیس عراق" not in attack.participants


def test_a_state_acting_is_the_place_and_a_party_of_its_measure():
    text = ("خبرها از چین.\n"
            "مغولستان همسایه زمینی چین، همه مرزهای زمینی با چین را بست.\n"
            "دولت چین زمان تعطیلی مدارس را تمدید کرد.")
    a = Article(id="e", title="خبر", text=text, published="2020-01-28")
    a.entities = [_ent("l1", "LOC", "مغولستان", [_at(text, "مغولستان")], "loc:mongolia"),
                  _ent("l2", "LOC", "چین", [_at(text, "چین"), _at(text, "چین", 1), _at(text, "چین", 2), _at(text, "چین", 3)],
                       "loc:china"),
                  _ent("o1", "ORG", "دولت چین", [_at(text, "دولت چین")])]
    extract_events(a)
    by_label = {e.label: e for e in a.events}
    assert (by_label["بستن"].place, by_label["بستن"].participants) == ("مغولستان", ["مغولستان"])
    assert by_label["تمدید"].place == "چین" and by_label["تمدید"].participants[:2] == ["چین", "دولت چین"]
