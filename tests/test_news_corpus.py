"""Every article of ../shared/data/news through the whole pipeline: none may crash it, every span is sound."""
import json

import jsonschema
import pytest

from conftest import NEWS, ROOT

pytestmark = pytest.mark.skipif(not NEWS.is_dir(), reason="../shared/data/news not available")
SCHEMA = json.loads((ROOT / "docs" / "article.schema.json").read_text(encoding="utf-8"))
# One validator for all 3,467 articles: jsonschema.validate() re-checks the schema itself on every call, which
# made this test take minutes.
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


@pytest.fixture(scope="module")
def results():
    from khazar.ingest import read_paths
    from khazar.runner import process_stream

    return list(process_stream(read_paths(sorted(NEWS.glob("*.jsonl"))), jobs=2))


def test_no_article_crashes_the_pipeline(results):
    from khazar.model import Article, Rejection

    failures = [r for _, r in results if isinstance(r, Rejection)]
    assert failures == []
    assert sum(isinstance(r, Article) for _, r in results) == 3467


def test_output_is_valid_and_spans_point_at_their_text(results):
    VALIDATOR.check_schema(SCHEMA)
    for _, article in results:
        d = article.to_dict()
        VALIDATOR.validate(d)
        for t in d["times"]:
            if t["field"] != "raw":
                assert d[t["field"]][t["start"]:t["end"]] == t["text"]
        for e in d["entities"]:
            for m in e["mentions"]:
                assert d[m["field"]][m["start"]:m["end"]] == m["text"]


def test_outlets_of_the_news_are_all_known(results):
    unknown = {a.outlet["name"] if a.outlet else None for _, a in results if not (a.outlet or {}).get("kb_id")}
    assert unknown == set()
