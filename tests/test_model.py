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
        records += len(article.entities) + len(article.topics) + len(article.events) + len(article.quotes)
    assert records > 150


def test_a_malformed_stored_record_is_dropped_and_the_rest_are_kept(seed_articles):
    d = json.loads(_json(next(a for a in seed_articles if a["topics"] and a["events"] and a["quotes"])))
    event, quote, entity = d["events"][0], d["quotes"][0], d["entities"][0]
    n_topics, n_events, n_quotes = len(d["topics"]), len(d["events"]), len(d["quotes"])
    n_entities, n_times = len(d["entities"]), len(d["times"])
    d["topics"] += ["sport", {"label": "اقتصاد"}, {"score": 1}, None, 7, {"id": ""}]
    d["events"] += [[], {**event, "span": None}, {k: v for k, v in event.items() if k != "type"},
                    {**event, "places": None, "date_source": None, "mentions": [{"start": 1}]}]
    d["quotes"] += ["«...»", {**quote, "start": "5"}, {k: v for k, v in quote.items() if k != "text"},
                    {k: v for k, v in quote.items() if k not in ("speaker_type", "confidence")}]
    d["entities"] += [{**entity, "id": None, "kb_id": None, "name": " "}, {**entity, "mentions": {"start": 0}},
                      {"name": "تهران", "type": "LOC", "mentions": [{"start": 0, "end": 5}, {"end": 2}]}]
    d["times"] += [{"text": "امروز"}, "امروز"]
    article = Article.from_dict(d)
    assert (len(article.entities), len(article.times)) == (n_entities + 2, n_times)
    odd, old = article.entities[n_entities:]  # mentions not a list: none; a record from before the linker gave ids
    assert odd.mentions == [] and odd.id == entity["id"]
    assert (old.id, old.name, old.kb_id, old.roles, [(m.start, m.end, m.field) for m in old.mentions]) == (
        "name:تهران", "تهران", None, [], [(0, 5, "text")])
    assert (len(article.topics), len(article.events), len(article.quotes)) == (n_topics + 2, n_events + 1, n_quotes + 1)
    assert [(t.id, t.label) for t in article.topics[n_topics:]] == [("sport", "sport"), ("اقتصاد", "اقتصاد")]
    old_event = article.events[n_events]  # read before `places` and `date_source`, its malformed mention dropped
    assert (old_event.places, old_event.date_source, old_event.mentions) == ([], None, [])
    old_quote = article.quotes[n_quotes]  # read before the speaker's type and the confidence were given
    assert (old_quote.text, old_quote.speaker_type, old_quote.confidence) == (quote["text"], None, None)
