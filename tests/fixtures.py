"""Helpers shared by test modules (import them with `from fixtures import ...`; pytest puts tests/ on the
path): small hand-made articles and corpora, and stores holding them. Fixtures proper live in conftest.py."""
from __future__ import annotations

from khazar.model import Article, Entity, Event, Evidence, Quote, RawDocument, Span, Topic
from khazar.store import open_store

ZWNJ = "\u200c"
# The write token of the API that test modules start (the `client` fixture in conftest.py).
API_TOKEN = "s3cret-token"
API_AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def make_article(aid: str, title: str, text: str, *, outlet: tuple[str, str] | None = ("خبرگزاری ایرنا", "out:irna"),
                 published: str | None = "2025-11-18", entities=(), quotes=(), events=(), topics=()) -> tuple[Article, RawDocument]:
    """`entities` in their stored JSON form, read as a stored article's are; the other records typed."""
    art = Article(id=aid, title=title, text=text, published=published,
                  outlet={"name": outlet[0], "name_en": None, "kb_id": outlet[1]} if outlet else None,
                  entities=[Entity.from_dict(e) for e in entities], quotes=list(quotes), events=list(events),
                  topics=list(topics))
    raw = RawDocument(id=aid, raw=text, format="jsonl", origin="test", title=title)
    return art, raw


def mention(text: str, word: str) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "text": word, "field": "text"}


RASHT_TEXT = f"اجلاس استاندارن استان{ZWNJ}های ساحلی دریای خزر روز ۲۷ آبان ۱۴۰۴ در رشت آغاز شد. عراقچی گفت: «همکاری خزر مهم است.»"
CORRIDOR_TEXT = "ترانزیت کالا از کریدور شمال-جنوب و راه آهن رشت-آستارا در سال 1404 دو برابر شد."
FOOTBALL_TEXT = "تیم ملی فوتبال ایران در بازی دوستانه برنده شد و استانهای کشور جشن گرفتند."


def corpus() -> list[tuple[Article, RawDocument]]:
    quote_text = "همکاری خزر مهم است."
    q_start = RASHT_TEXT.index(quote_text)
    return [
        make_article("rasht", "اجلاس استانداران خزر در رشت", RASHT_TEXT, published="2025-11-18",
                     entities=[{"type": "LOC", "name": "رشت", "name_en": "Rasht", "kb_id": "loc:rasht", "roles": [],
                                "mentions": [mention(RASHT_TEXT, "رشت")]},
                               {"type": "PER", "name": "عباس عراقچی", "name_en": "Abbas Araghchi", "kb_id": "per:araghchi",
                                "roles": ["وزیر امور خارجه"], "mentions": [mention(RASHT_TEXT, "عراقچی")]},
                               {"type": "LOC", "name": "دریای خزر", "kb_id": "loc:caspian-sea", "roles": [],
                                "mentions": [mention(RASHT_TEXT, "دریای خزر")]}],
                     quotes=[Quote(speaker="عباس عراقچی", speaker_kb_id="per:araghchi", speaker_id="per:araghchi",
                                   speaker_type="PER", confidence=0.9, text=quote_text, kind="direct", start=q_start,
                                   end=q_start + len(quote_text), cue="گفت", field="text", reason=None)],
                     events=[Event(type="meeting", type_label="دیدار", label="اجلاس استانداران", start="2025-11-18",
                                   end="2025-11-18", status="reported", place="رشت", place_kb_id="loc:rasht", places=[],
                                   date_source="text", participants=["per:araghchi"], participant_ids=["per:araghchi"],
                                   span=Span(0, 5), field="text", evidence=Evidence(0, 5, RASHT_TEXT[:5]), mentions=[])],
                     topics=[Topic("diplomacy", "دیپلماسی", 0.5)]),
        make_article("corridor", "رشد ترانزیت در کریدور شمال-جنوب", CORRIDOR_TEXT, published="2025-10-01",
                     outlet=("ایسنا", "out:isna"),
                     entities=[{"type": "LOC", "name": "رشت", "kb_id": "loc:rasht", "roles": [],
                                "mentions": [mention(CORRIDOR_TEXT, "رشت")]}],
                     topics=[Topic("transport", "حمل و نقل", 0.5)]),
        make_article("football", "پیروزی تیم ملی فوتبال", FOOTBALL_TEXT, published="2024-03-05", outlet=("ایسنا", "out:isna"),
                     topics=[Topic("sport", "sport", 0.5)]),
    ]


def with_corpus(s):
    """The store `s` holding the small corpus above, committed."""
    for art, raw in corpus():
        assert s.add_article(art, raw)
    s.commit()
    return s


def ids(page) -> list[str]:
    return [h.id for h in page.results]


def articles_of(seed_articles):
    """The seed articles (conftest seed_articles: extract JSON) as Article records."""
    return [Article.from_dict(d) for d in seed_articles]


def store_with(path, articles):
    """A store at `path` holding the articles, committed."""
    store = open_store(str(path))
    for a in articles:
        store.add_article(a, RawDocument(id=a.id, raw=a.text, format="dump", origin="test", title=a.title))
    store.commit()
    return store


def price_reports() -> list[Article]:
    """One outlet's daily coin prices on one template, three days: a series, never one story."""
    from khazar.pipeline import process

    out = []
    for day, (weekday, esfand, price) in enumerate([("دوشنبه", "۵", "۷۰۰"), ("سه شنبه", "۶", "۷۲۰"),
                                                     ("چهارشنبه", "۷", "۶۹۰")]):
        title = f"قیمت سکه و طلا امروز {weekday} {esfand} اسفند ۹۸/ سکه به ۵ میلیون و {price} هزار تومان رسید"
        text = (f"به گزارش تابناک، امروز {weekday} {esfand} اسفند ۹۸ قیمت سکه تمام بهار آزادی طرح جدید در بازار "
                f"تهران به ۵ میلیون و {price} هزار تومان رسید. نیم سکه و ربع سکه نیز در بازار طلای تهران معامله "
                f"شد و قیمت هر گرم طلای ۱۸ عیار تغییر کرد. معاملات بازار سکه و طلا امروز کم بود.")
        raw = RawDocument(id=f"price-{day}", raw=text, format="jsonl", origin="test", title=title,
                          published=f"2020-02-{24 + day}T09:00:00", outlet="تابناک")
        out.append(process(raw))
    return out
