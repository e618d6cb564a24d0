"""`khazar spark-extract` in local[2] gives exactly what `khazar extract --jsonl` gives, field by field.

Inputs: the seeds and a slice of data/news (khazar/sample when ../shared is absent), plus files that must
become rejections. Skipped when pyspark or Java is missing.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NEWS, ROOT, SAMPLE, SEEDS
from pg import postgres_server  # noqa: F401  (fixture)

pytest.importorskip("pyspark", reason="pyspark not installed (pip install 'khazar[spark]')")
pytest.importorskip("pyarrow", reason="pyarrow not installed")
if shutil.which("java") is None and not __import__("os").environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime for Spark", allow_module_level=True)

from khazar.scale.schema import (EXTRA_COLUMNS, JSON_COLUMNS, SchemaMismatch,  # noqa: E402
                                 article_schema, to_row)

NEWS_LINES = 20  # per news file: enough variety (both outlets, every field) while staying fast


@pytest.fixture(scope="module")
def spark():
    from khazar.scale.job import session

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
    else:
        paths = [str(SAMPLE)]
    # Bad input must be recorded the same way by both front ends.
    (folder / "broken.jsonl").write_text(
        '{"id": "ok-1", "title": "آزمون", "text": "این متن آزمایشی برای خواندن درست است."}\n{"id": "bad", \n',
        encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x00")
    return paths + [str(folder), str(folder / "missing.txt")]


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
    from khazar.scale.job import extract

    out = tmp_path_factory.mktemp("spark-out") / "run"
    result = extract(spark, inputs, str(out), partitions=6)
    assert result.articles > 0
    return out


def _key(article: dict) -> tuple:
    return article["source"]["origin"], article["source"]["line"]


def test_spark_output_equals_extract_field_by_field(spark_output, expected):
    from khazar.scale.load import read_output

    articles, _ = read_output(spark_output)
    got = {}
    for article, raw in articles:
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
    from khazar.scale.load import read_output

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
    from khazar.scale.load import load
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
