"""The records' JSON form: what the pipeline writes reads back as the same records and the same JSON, and a stored
record that is malformed is dropped when the article is read, so that no reader checks records again."""
from __future__ import annotations

import json

from khazar.model import Article


def _json(d: dict) -> str:
    return json.dumps(d, ensure_ascii=False)  # key order included: the JSON form is compared as text


def test_the_seeds_read_back_as_they_were_written(seed_articles):
    records = 0
    for d in seed_articles:
        article = Article.from_dict(json.loads(_json(d)))
        assert _json(article.to_dict()) == _json(d)
        records += len(article.topics) + len(article.events) + len(article.quotes)
    assert records > 50


def test_a_malformed_stored_record_is_dropped_and_the_rest_are_kept(seed_articles):
    d = json.loads(_json(next(a for a in seed_articles if a["topics"] and a["events"] and a["quotes"])))
    event, quote = d["events"][0], d["quotes"][0]
    n_topics, n_events, n_quotes = len(d["topics"]), len(d["events"]), len(d["quotes"])
    d["topics"] += ["sport", {"label": "اقتصاد"}, {"score": 1}, None, 7, {"id": ""}]
    d["events"] += [[], {**event, "span": None}, {k: v for k, v in event.items() if k != "type"},
                    {**event, "places": None, "date_source": None, "mentions": [{"start": 1}]}]
    d["quotes"] += ["«...»", {**quote, "start": "5"}, {k: v for k, v in quote.items() if k != "text"},
                    {k: v for k, v in quote.items() if k not in ("speaker_type", "confidence")}]
    article = Article.from_dict(d)
    assert (len(article.topics), len(article.events), len(article.quotes)) == (n_topics + 2, n_events + 1, n_quotes + 1)
    assert [(t.id, t.label) for t in article.topics[n_topics:]] == [("sport", "sport"), ("اقتصاد", "اقتصاد")]
    old_event = article.events[n_events]  # read before `places` and `date_source`, its malformed mention dropped
    assert (old_event.places, old_event.date_source, old_event.mentions) == ([], None, [])
    old_quote = article.quotes[n_quotes]  # read before the speaker's type and the confidence were given
    assert (old_quote.text, old_quote.speaker_type, old_quote.confidence) == (quote["text"], None, None)
