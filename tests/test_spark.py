"""`khazar spark-extract` in local[2] gives exactly what `khazar extract --jsonl` gives, field by field.

Inputs: the seeds and a slice of data/news (khazar/sample when ../shared is absent), plus files that must
become rejections. Skipped when pyspark or Java is missing.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from conftest import NEWS, ROOT, SAMPLE, SEEDS
from pg import postgres_server  # noqa: F401  (fixture)

pytest.importorskip("pyspark", reason="pyspark not installed (pip install 'khazar[spark]')")
pytest.importorskip("pyarrow", reason="pyarrow not installed")
if shutil.which("java") is None and not __import__("os").environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime for Spark", allow_module_level=True)

from khazar.spark.schema import (EXTRA_COLUMNS, JSON_COLUMNS, SchemaMismatch,  # noqa: E402
                                 article_schema, to_row)

NEWS_LINES = 20  # per news file: enough variety (both outlets, every field) while staying fast


@pytest.fixture(scope="module")
def spark():
    from khazar.spark.job import session

    s = session("local[2]", app_name="khazar-test")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("spark-in")
    if SEEDS.is_dir() and NEWS.is_dir():
        paths = [str(SEEDS)]
        for news in sorted(NEWS.glob("*.jsonl")):
            with news.open(encoding="utf-8") as fh:
                head = [next(fh) for _ in range(NEWS_LINES)]
            (folder / news.name).write_text("".join(head), encoding="utf-8")
        # Copies (new ids) for the cross-document steps: duplicates and stories must come out of them.
        (folder / "copies.jsonl").write_text(edited_copies(NEWS), encoding="utf-8")
    else:
        paths = [str(SAMPLE)]
    # Bad input must be recorded the same way by both front ends.
    (folder / "broken.jsonl").write_text(
        '{"id": "ok-1", "title": "آزمون", "text": "این متن آزمایشی برای خواندن درست است."}\n{"id": "bad", \n',
        encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x00")
    return paths + [str(folder), str(folder / "missing.txt")]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!؟?])\s+", text) if s]


def edited_copies(news: Path) -> str:
    """JSONL of edited copies of a few of the first NEWS_LINES articles of each news file: same text, spelling
    variants (ZWNJ as space, Arabic yeh and kaf) with a sentence dropped, cut short, far in time (exact and
    edited: past 3 days only a near-identical text counts), undated."""
    lines = {}
    for f in sorted(news.glob("*.jsonl")):
        with f.open(encoding="utf-8") as fh:
            lines[f.stem] = [json.loads(next(fh)) for _ in range(NEWS_LINES)]
    iraq, currency, ilam = lines["irnews"][8], lines["irnews"][12], lines["farsnews"][5]

    def copy(src: dict, new_id: str, text: str, published: str | None, title_suffix: str = "") -> dict:
        # A different title where the text is unchanged: the stores take equal title + text for one article.
        return {**src, "id": new_id, "text": text, "published": published,
                "title": (src.get("title") or "") + title_suffix}

    def respell(text: str) -> str:
        return text.replace("\u200c", " ").replace("ی", "ي").replace("ک", "ك")

    def drop(text: str, every: int) -> str:
        return " ".join(s for i, s in enumerate(_sentences(text)) if i % every != 1)

    def shift(published: str, days: int) -> str:
        return (date.fromisoformat(published[:10]) + timedelta(days=days)).isoformat() + published[10:]

    out = [
        copy(iraq, "copy-exact", iraq["text"], iraq["published"].replace("14:31", "18:05"), " (+فیلم)"),
        copy(currency, "copy-respelled", respell(drop(currency["text"], 4)), shift(currency["published"], 1)),
        copy(currency, "copy-short", currency["text"][: len(currency["text"]) * 3 // 5], currency["published"]),
        copy(ilam, "copy-far", ilam["text"], shift(ilam["published"], 40), " (بازنشر)"),
        copy(ilam, "copy-far-edited", drop(ilam["text"], 3), shift(ilam["published"], 50)),
        copy(iraq, "copy-undated", respell(iraq["text"]), None),
    ]
    return "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in out)


@pytest.fixture(scope="module")
def cli_runs(inputs, tmp_path_factory) -> dict:
    """`khazar extract --jsonl` and `khazar ingest` on the same inputs, started now and run beside Spark."""
    db = tmp_path_factory.mktemp("ingest") / "ingest.db"
    run = lambda *args: subprocess.Popen([sys.executable, "-m", "khazar.cli", *args], cwd=ROOT,  # noqa: E731
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    procs = {"extract": run("extract", *inputs, "--jsonl"), "ingest": run("ingest", *inputs, "--db", str(db))}
    yield {"procs": procs, "db": str(db)}
    for p in procs.values():
        if p.poll() is None:
            p.kill()


def _finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


@pytest.fixture(scope="module")
def expected(cli_runs) -> list[dict]:
    return [json.loads(line) for line in _finish(cli_runs["procs"]["extract"]).splitlines()]


@pytest.fixture(scope="module")
def spark_output(cli_runs, spark, inputs, tmp_path_factory) -> Path:
    from khazar.spark.job import extract

    out = tmp_path_factory.mktemp("spark-out") / "run"
    result = extract(spark, inputs, str(out), partitions=6)
    assert result.articles > 0
    return out


def _key(article: dict) -> tuple:
    return article["source"]["origin"], article["source"]["line"]


def test_spark_output_equals_extract_field_by_field(spark_output, expected):
    from khazar.spark.load import read_output

    articles, _ = read_output(spark_output)
    got = {}
    for article, _raw in articles:
        d = article.to_dict()
        got[_key(d)] = d
    want = {_key(a): a for a in expected}
    assert len(want) == len(expected), "inputs must give distinct (origin, line) keys"
    assert sorted(got, key=str) == sorted(want, key=str)
    for key, a in want.items():
        for field_name, value in a.items():
            assert got[key][field_name] == value, f"{key}: field {field_name!r} differs"
        assert set(got[key]) == set(a)


def test_spark_rejections_equal_the_readers(spark_output, inputs):
    from khazar.ingest import read_paths
    from khazar.model import Rejection
    from khazar.runner import safe_process
    from khazar.spark.load import read_output

    want = set()
    for item in read_paths(inputs):
        result = item if isinstance(item, Rejection) else safe_process(item)
        if isinstance(result, Rejection):
            want.add((result.origin, result.line, result.reason))
    _, rejections = read_output(spark_output)
    got = {(r.origin, r.line, r.reason) for r in rejections}
    assert got == want
    reasons = " | ".join(sorted(r for _, _, r in got))
    assert "no such file or folder" in reasons and "broken JSON line" in reasons and "binary" in reasons


def test_parquet_has_the_declared_schema(spark, spark_output):
    df = spark.read.parquet(str(spark_output / "articles"))
    declared = article_schema()
    assert df.schema.fieldNames() == declared.fieldNames()
    # Nested types survive the write (Parquet relaxes nullability; compare the shapes).
    for field in declared.fields:
        assert df.schema[field.name].dataType.simpleString() == field.dataType.simpleString(), field.name
    row = df.filter("size(times) > 0").first()
    assert row is not None and isinstance(row["times"][0]["start"], int)
    assert json.loads(row["entities"]) is not None  # JSON-string column


def test_schema_covers_the_article_json_schema():
    doc_schema = json.loads((ROOT / "docs" / "article.schema.json").read_text(encoding="utf-8"))
    from khazar.model import Article

    names = article_schema().fieldNames()
    assert names[: -len(EXTRA_COLUMNS)] == list(Article(id="x", title="", text="").to_dict())
    assert set(doc_schema["properties"]) == set(names) - set(EXTRA_COLUMNS)
    struct = article_schema()
    for name, prop in doc_schema["properties"].items():
        if name in JSON_COLUMNS:
            continue
        nested = prop.get("items", prop).get("properties")
        if nested:  # every documented key of an object has a column
            dt = struct[name].dataType
            dt = getattr(dt, "elementType", dt)
            assert set(nested) <= set(dt.fieldNames()), name


def test_to_row_refuses_keys_it_would_drop():
    from khazar.model import Article

    d = Article(id="x", title="t", text="b").to_dict()
    d["times"] = [{"text": "دیروز", "value": "2025-01-01", "start": 0, "end": 5, "kind": "day", "field": "text",
                   "confidence": 0.5}]
    with pytest.raises(SchemaMismatch, match="confidence"):
        to_row(d, "b", None)
    d["times"] = []
    d["sentiment"] = 1
    with pytest.raises(SchemaMismatch, match="sentiment"):
        to_row(d, "b", None)


@pytest.fixture(scope="module")
def ingested(cli_runs) -> str:
    _finish(cli_runs["procs"]["ingest"])
    return cli_runs["db"]


@pytest.fixture(params=["sqlite", "postgres"])
def load_db(request, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "load.db")
    return request.getfixturevalue("postgres_server").create_database("spark_load")


def test_load_equals_ingest(spark_output, ingested, load_db):
    """`khazar load` of the Spark output stores what `khazar ingest` stores for the same input."""
    from khazar.spark.load import load
    from khazar.store import open_store

    with open_store(load_db) as store:
        counts = load(spark_output, store)
        assert counts.stored == counts.read > 0
        again = load(spark_output, store)
        assert again.stored == 0 and again.duplicates == counts.read  # idempotent
    with open_store(ingested) as a, open_store(load_db) as b:
        assert [x.to_dict() for x in a.iter_articles()] == [x.to_dict() for x in b.iter_articles()]
        assert a.rejections() == b.rejections()
        some = next(iter(b.iter_articles()))
        assert a.get_raw(some.id) == b.get_raw(some.id)


# --- cross-document steps (khazar/spark/cross.py), written by extract after the articles ---------------------

@pytest.fixture(scope="module")
def spark_articles(spark_output) -> list:
    from khazar.spark.load import read_output

    return [article for article, _ in read_output(spark_output)[0]]


def test_spark_duplicates_equal_single_machine(spark_output, spark_articles):
    import pyarrow.parquet as pq

    from khazar.corpus.duplicates import article_duplicates

    want = sorted(article_duplicates(spark_articles), key=lambda d: d["doc"])
    got = sorted(pq.read_table(spark_output / "duplicates").to_pylist(), key=lambda d: d["doc"])
    assert {(d["doc"], d["duplicate_of"]) for d in got} == {(d["doc"], d["duplicate_of"]) for d in want}
    assert got == want  # every field: similarity, MinHash estimate, containment, outlets, dates
    if SEEDS.is_dir() and NEWS.is_dir():  # the edited copies are found, the far edited one is not
        links = {d["doc"]: d["duplicate_of"] for d in got}
        assert links["copy-exact"] == links["copy-undated"] == "asriran-696783"
        assert links["copy-respelled"] == links["copy-short"] == "asriran-696901"
        assert links["copy-far"] == "farsnews-13950404000869" and "copy-far-edited" not in links


def test_spark_stories_equal_single_machine(spark_output, spark_articles):
    import pyarrow.parquet as pq

    from khazar.corpus.stories import build_stories

    index = build_stories(spark_articles)
    want = {sid: frozenset(st.docs) for sid, st in index.stories.items()}
    got: dict[str, set] = {}
    rows = pq.read_table(spark_output / "stories").to_pylist()
    for row in rows:
        got.setdefault(row["story_id"], set()).add(row["article_id"])
    assert len(rows) == len({a.id for a in spark_articles})  # every article in exactly one story
    assert {frozenset(v) for v in got.values()} == set(want.values())
    assert {k: frozenset(v) for k, v in got.items()} == want  # and the same story ids (founder's sha1)
    assert any(len(v) >= 3 for v in want.values())
    for row in rows:
        assert row["story_size"] == len(got[row["story_id"]])


def test_cross_steps_rerun_alone(spark, spark_output, tmp_path):
    """`khazar spark-cross` path: the steps over an existing OUTPUT, one of them, refusing to overwrite."""
    from khazar.spark.job import run_cross_document_steps

    out = tmp_path / "out"
    shutil.copytree(spark_output / "articles", out / "articles")
    assert run_cross_document_steps(spark, str(out), only=["duplicates"]) == {
        "duplicates": spark.read.parquet(str(spark_output / "duplicates")).count()}
    assert not (out / "stories").exists()
    with pytest.raises(Exception, match="already exists"):
        run_cross_document_steps(spark, str(out), only=["duplicates"])
    with pytest.raises(ValueError, match="unknown"):
        run_cross_document_steps(spark, str(out), only=["nope"])
