"""process(): the options a caller passes in, and the stages it runs."""
from __future__ import annotations

import pytest

from khazar.extract import entities
from khazar.model import RawDocument
from khazar.pipeline import STAGES, PipelineOptions, check_order, process

TEXT = "تهران - زیگفا امروز در نشستی خبری گفت که کار ادامه دارد."


class _NameTagger:
    """A tagger that knows one made-up name, so that whether the tagger ran shows in the entities."""

    def tag_text(self, text: str) -> list[tuple[int, int, str]]:
        at = text.find("زیگفا")
        return [(at, at + len("زیگفا"), "PER")] if at >= 0 else []


@pytest.fixture()
def fake_tagger(monkeypatch):
    asked: list[str | None] = []

    def load_tagger(which=None):
        asked.append(which)
        return _NameTagger()

    monkeypatch.setattr("khazar.ner.tagger.load_tagger", load_tagger)
    entities._tagger.cache_clear()
    yield asked
    entities._tagger.cache_clear()


def _names(options: PipelineOptions) -> set[str]:
    raw = RawDocument(id="p", raw=TEXT, format="dump", origin="p.txt", title="خبر")
    return {e["name"] for e in process(raw, options=options).to_dict()["entities"]}


def test_each_call_runs_with_the_options_it_is_given(fake_tagger):
    assert "زیگفا" in _names(PipelineOptions(ner="made-up-model"))
    assert "زیگفا" not in _names(PipelineOptions(use_tagger=False))  # no state left behind by the call before
    assert "زیگفا" in _names(PipelineOptions(ner="made-up-model"))
    assert fake_tagger == ["made-up-model"]  # the tagger named in the options, loaded once


def test_without_enrichment_the_article_has_its_text_and_dates_only(fake_tagger):
    raw = RawDocument(id="p", raw=TEXT, format="dump", origin="p.txt", title="خبر", published="2025-11-18")
    article = process(raw, options=PipelineOptions(enrich=False)).to_dict()
    assert article["text"] and article["times"] and article["published"] == "2025-11-18"
    assert article["entities"] == [] and article["quotes"] == [] and fake_tagger == []


def test_the_environment_gives_the_default_options(monkeypatch):
    monkeypatch.setenv("KHAZAR_TAGGER", "0")
    assert PipelineOptions.from_environment() == PipelineOptions(use_tagger=False)
    monkeypatch.delenv("KHAZAR_TAGGER")
    assert PipelineOptions.from_environment() == PipelineOptions()


def test_a_stage_cannot_run_before_what_it_requires():
    by_name = {s.name: s for s in STAGES}
    check_order(STAGES)
    quotes_first = tuple(s for s in STAGES if s.name != "quotes")
    quotes_first = quotes_first[:6] + (by_name["quotes"],) + quotes_first[6:]  # before the entities it reads
    with pytest.raises(ValueError, match="'quotes' requires entities"):
        check_order(quotes_first)
    with pytest.raises(ValueError, match="'dates' requires .*published"):
        check_order(tuple(s for s in STAGES if s.name != "published"))
    topics_early = (by_name["topics"],) + tuple(s for s in STAGES if s.name != "topics")
    with pytest.raises(ValueError, match="requires title"):
        check_order(topics_early)


def test_the_enrichers_are_the_last_stages():
    names = [s.name for s in STAGES]
    assert names[-4:] == ["entities", "quotes", "events", "topics"]
    assert all(s.enriches == (s.name in names[-4:]) for s in STAGES)
    moved = tuple(s for s in STAGES if s.name != "estimate") + tuple(s for s in STAGES if s.name == "estimate")
    with pytest.raises(ValueError, match="'estimate' runs after an enricher"):
        check_order(moved)
