"""End to end on ../shared/seeds, scored by ../shared/eval/score.py against the gold.

The thresholds are the figures reached when each capability landed: a drop below them fails the build.
"""
import json
import subprocess
import sys

import pytest

from conftest import ROOT, SEEDS, needs_shared

pytestmark = needs_shared


@pytest.fixture(scope="module")
def scores(scorer, gold, tmp_path_factory):
    out = subprocess.run([sys.executable, "-m", "khazar.cli", "extract", str(SEEDS), "--jsonl"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    articles = [json.loads(line) for line in out.stdout.splitlines()]
    return scorer.score(gold, articles), {a["id"]: a for a in articles}


def test_every_published_date_outlet_and_title(scores):
    m, _ = scores
    assert m["missing_docs"] == 0
    assert (m["pub_ok"], m["est_ok"], m["out_ok"], m["title_ok"]) == (m["pub_n"], m["est_n"], m["out_n"], m["docs"])


def test_every_gold_zwnj_word_restored_and_boilerplate_gone(scores):
    m, _ = scores
    assert m["zw_ok"] == m["zw_n"]
    assert m["bp_ok"] == m["bp_n"]


def test_date_expressions(scores):
    m, _ = scores
    assert m["time_ok"] == m["time_n"]


def test_entities_and_roles(scores):
    m, _ = scores
    assert m["ent_micro"]["f1"] >= 0.96
    assert m["ent_PER"]["f1"] == 1.0
    assert m["role_ok"] == m["role_n"]


def test_spans_point_at_their_text(scores):
    _, articles = scores
    from pathlib import Path

    for a in articles.values():
        raw = Path(a["source"]["origin"]).read_text(encoding="utf-8")
        for t in a["times"]:
            where = raw if t["field"] == "raw" else a[t["field"]]
            assert where[t["start"]:t["end"]].strip() == t["text"]
        for e in a["entities"]:
            for mention in e["mentions"]:
                assert a[mention["field"]][mention["start"]:mention["end"]] == mention["text"]


def test_quotes_and_events(scores):
    m, _ = scores
    assert m["quotes"]["r"] == 1.0
    assert m["quotes"]["f1"] >= 0.89
    assert m["ev_ok"] == m["ev_n"]


def test_stories_and_contradictions(scorer, gold, scores):
    _, articles = scores
    out = subprocess.run([sys.executable, "-m", "khazar.cli", "report", str(SEEDS), "--json"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    m = scorer.score(gold, list(articles.values()), json.loads(out.stdout))
    assert m["stories"]["f1"] == 1.0
    assert m["contradictions_found"] == "1/1"
    assert len(json.loads(out.stdout)["contradictions"]) == 1  # and no false alarm
