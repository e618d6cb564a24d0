"""General claims (figures with what they count, named sets) and contradictions between reports of one story."""
from __future__ import annotations

from khazar.corpus.claims import article_claims, figures
from khazar.corpus.contradictions import find_contradictions
from khazar.model import Article, Entity


def _figs(sentence):
    return [(f.value, f.noun) for f in figures(sentence)]


def test_numbers_in_words_digits_and_compounds_with_what_they_count():
    assert _figs("«آیت الله مصباح یزدی» با کسب یک میلیون و ۹۳۴ هزار رای نماینده شد") == [(1934000, "رای")]
    assert _figs("حجت‌الاسلام فیاضی با ۱۰۶ هزار و ۶۸۹ رای منتخب شد") == [(106689, "رای")]
    assert _figs("قالیباف با 1,265,287 رای نفر اول شد") == [(1265287, "رای")]
    assert _figs("بیست و پنج نفر کشته شدند") == [(25, "فوتی")]  # نفر counts people; the noun stands after
    # the counted noun named before the number, by a count word or as a known counted noun
    assert _figs("شمار سربازان کشته شده در این حمله را ۲۹ تن اعلام کرد") == [(29, "سرباز")]
    assert _figs("تلفات ویروس کرونا در ایران به ۳۴ نفر رسید") == [(34, "فوتی")]
    assert _figs("فروش خودرو ۱۸.۷ درصد کاهش یافت") == [(18.7, "درصد")]


def test_dates_and_totals_are_not_parts():
    assert _figs("امروز ۵ اسفند ۹۸ قیمت سکه اعلام شد") == []  # a date, not a figure
    [part, total] = figures("با کسب ۱۰۶ هزار رای از مجموع ۳۲۲ هزار رای صحیح")
    assert (part.total, total.total) == (False, True)


def _article(aid, outlet, text, published="2020-02-28", entities=()):
    return Article(id=aid, title=text.split(".")[0], text=text, published=published,
                   outlet={"name": outlet, "kb_id": "out:" + aid}, entities=list(entities))


def _story(*arts):
    return {"id": "story:x", "docs": [a.id for a in arts]}, {a.id: a for a in arts}


def test_a_different_figure_for_the_same_counted_thing_is_a_contradiction_with_sentences():
    a = _article("a", "تابناک", "کشته شدن ۲۹ سرباز ترکیه‌ای در ادلب. استاندار هاتای کشته شدن ۲۹ سرباز را تأیید کرد.")
    b = _article("b", "روزنو", "کشته شدن 33 نظامی ارتش ترکیه در حمله سوریه. دولت ترکیه از این حمله خبر داد.")
    [c] = find_contradictions(*_story(a, b))
    assert c["kind"] == "number" and c["values"] == {"a": 29, "b": 33}
    assert c["outlets"] == {"a": "تابناک", "b": "روزنو"}
    assert c["evidence"]["b"].startswith("کشته شدن 33 نظامی")
    span = c["spans"]["a"]
    assert a.title[span["start"]:span["end"]] == "۲۹" and span["field"] == "title"


def test_same_values_other_qualifiers_or_other_days_are_not_contradictions():
    same = _article("c", "ایلنا", "کشته شدن ۲۹ سرباز ترکیه در ادلب.")
    a = _article("a", "تابناک", "کشته شدن ۲۹ سرباز ترکیه‌ای در ادلب.")
    assert find_contradictions(*_story(a, same)) == []
    # foreign and Iranian regions are two facts
    x = _article("x", "ایرنا", "در این اجلاس ۹ منطقه خارجی حضور دارند.")
    y = _article("y", "ایلنا", "در این اجلاس پنج استان ایرانی حضور دارند.")
    assert find_contradictions(*_story(x, y)) == []
    # the next day's figure is an update, not a contradiction
    later = _article("l", "روزنو", "کشته شدن 33 نظامی ارتش ترکیه در ادلب.", published="2020-03-01")
    assert find_contradictions(*_story(a, later)) == []


def test_a_figure_without_its_noun_is_compared_with_the_same_named_subject_only():
    a = _article("a", "روزنو", "محمدتقی مصباح یزدی با 1093400 از مشهد؛ محمد یزدی با 249130 از قم راه یافتند.")
    b = _article("b", "روزنو", "آیت الله محمدتقی مصباح یزدی با کسب یک میلیون و ۹۳۴ هزار رای نماینده شد. "
                               "آیت الله محمد یزدی با ۲۴۹ هزار و ۱۳۰ رای منتخب قم شد.")
    [c] = find_contradictions(*_story(a, b))
    assert c["values"] == {"a": 1093400, "b": 1934000}


def _places(text, names):
    ents = []
    for key, name in names.items():
        if name not in text:
            continue
        start = text.index(name)
        ents.append(Entity.from_dict({"id": key, "kb_id": key, "name": name, "type": "LOC",
                                      "mentions": [{"start": start, "end": start + len(name), "text": name, "field": "text"}]}))
    return ents


def test_two_lists_of_the_same_set_that_differ_are_a_set_contradiction_and_a_subset_is_not():
    names = {"loc:russia": "روسیه", "loc:china": "چین", "loc:iraq": "عراق", "loc:turkey": "ترکیه", "loc:syria": "سوریه"}
    ta = "آمریکا ۱۳ فرد و نهاد در روسیه، چین، عراق و ترکیه را تحریم کرد."
    tb = "آمریکا ۱۳ فرد و نهاد در چین، سوریه، عراق و ترکیه را تحریم کرد."
    tc = "آمریکا ۱۳ فرد و نهاد در روسیه، چین، عراق و سوریه و ترکیه را تحریم کرد."
    a = _article("a", "تابناک", ta, entities=_places(ta, names))
    b = _article("b", "روزنو", tb, entities=_places(tb, names))
    [c] = find_contradictions(*_story(a, b))
    assert c["kind"] == "set" and set(c["values"]) == {"a", "b"} and "سوریه" in c["values"]["b"]
    assert {cl.kind for cl in article_claims(a)} == {"number", "set"}
    wider = _article("c", "ایسنا", tc, entities=_places(tc, names))
    assert [x for x in find_contradictions(*_story(a, wider)) if x["kind"] == "set"] == []


def _with_places(aid, title, text, places):
    """An article whose places (key → name) are tagged wherever they stand in its title and text."""
    ents = []
    for key, name in places.items():
        mentions = [{"start": field_text.index(name), "end": field_text.index(name) + len(name), "text": name,
                     "field": field} for field, field_text in (("title", title), ("text", text)) if name in field_text]
        ents.append(Entity.from_dict({"id": key, "kb_id": key, "name": name, "type": "LOC", "mentions": mentions}))
    return Article(id=aid, title=title, text=text, published="2009-06-13", outlet={"name": "فارس", "kb_id": "out:f"},
                   entities=ents)


def test_figures_about_two_different_places_are_two_facts_not_a_contradiction():
    counts = "وی تصریح کرد: موسوی ۱۰ هزار رای، کروبی ۱۲۹ رای و رضایی {} رای را به خود اختصاص دادند."
    damghan = _with_places("d", "احمدی‌نژاد ۸۰ درصد آرای مردم دامغان را کسب کرد", counts.format(655),
                           {"loc:damghan": "دامغان"})
    borujerd = _with_places("b", "احمدی‌نژاد اکثر آرا را در بروجرد به دست آورد", counts.format(1851),
                            {"loc:borujerd": "بروجرد"})
    assert find_contradictions(*_story(damghan, borujerd)) == []
    # the same count for the same place, told two ways, is still one
    other = _with_places("o", "نتایج انتخابات در دامغان اعلام شد", counts.format(1851), {"loc:damghan": "دامغان"})
    [c] = find_contradictions(*_story(damghan, other))
    assert c["values"] == {"d": 655, "o": 1851}
