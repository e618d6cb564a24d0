"""The Parquet layout of `khazar spark-extract`: one row per article, the article JSON's own field names.

Written out by hand from docs/article.schema.json rather than generated from it at run time: the Parquet
schema is a contract of its own (tables and queries are built on it), the docs folder is not shipped with
the package to executors, and tests/test_spark.py fails when the two disagree.

Typed columns: id, outlet {name, name_en, kb_id}, attributed_to, published (ISO date string, as in the
JSON; `to_date(published)` in Spark SQL), published_time, published_estimate {earliest, latest}, title,
text, times [{text, value, start, end, kind, field}], warnings, url, category, source {format, origin,
line, content_hash}, raw_offsets [[clean, raw]], removed [{text, reason, raw_start, raw_end}].

JSON-string columns — `entities`, `quotes`, `events`, `topics`: their inner shape is still changing as the
enrichers are built, so each holds the JSON array text (`from_json` or `get_json_object` in Spark SQL).

Two columns are not in the article JSON: `raw` (the input text the offsets point into) and `raw_title` (the
title the input's metadata gave). With them `khazar load` can put Spark output into a store exactly as
`khazar ingest` would, including the content hash (which is computed from the two).

Rejections: origin, line, reason — as `khazar rejections` lists them.

Nothing here imports pyspark at module level: `khazar load` reads this Parquet with pyarrow alone.
"""
from __future__ import annotations

import json
from typing import Any

# Fields whose inner shape is still evolving: stored as JSON text.
JSON_COLUMNS = ("entities", "quotes", "events", "topics")
# Columns beyond the article JSON, kept so the Parquet can be loaded into a store.
EXTRA_COLUMNS = ("raw", "raw_title")


def article_schema():
    """The explicit Spark schema of the articles table."""
    from pyspark.sql.types import (ArrayType, IntegerType, StringType, StructField, StructType)

    def s(name: str, nullable: bool = True) -> StructField:
        return StructField(name, StringType(), nullable)

    def i(name: str, nullable: bool = True) -> StructField:
        return StructField(name, IntegerType(), nullable)

    def array(name: str, element, nullable: bool = False) -> StructField:
        return StructField(name, ArrayType(element, containsNull=False), nullable)

    return StructType([
        s("id", False),
        StructField("outlet", StructType([s("name", False), s("name_en"), s("kb_id")]), True),
        array("attributed_to", StringType()),
        s("published"),
        s("published_time"),
        StructField("published_estimate", StructType([s("earliest", False), s("latest", False)]), True),
        s("title", False),
        s("text", False),
        array("times", StructType([s("text", False), s("value", False), i("start", False), i("end", False),
                                   s("kind"), s("field")])),
        s("entities", False),
        s("quotes", False),
        s("events", False),
        s("topics", False),
        array("warnings", StringType()),
        s("url"),
        s("category"),
        StructField("source", StructType([s("format"), s("origin"), i("line"), s("content_hash")]), False),
        # Offsets are character positions in one article (files are capped at 512 MB): 32 bits suffice.
        array("raw_offsets", ArrayType(IntegerType(), containsNull=False)),
        array("removed", StructType([s("text", False), s("reason", False), i("raw_start", False),
                                     i("raw_end", False)])),
        s("raw", False),
        s("raw_title"),
    ])


def rejection_schema():
    from pyspark.sql.types import IntegerType, StringType, StructField, StructType

    return StructType([StructField("origin", StringType(), False), StructField("line", IntegerType(), True),
                       StructField("reason", StringType(), False)])


class SchemaMismatch(ValueError):
    """An article value that the Parquet schema has no place for (it would be lost silently otherwise)."""


def _fit(value: Any, data_type, where: str) -> Any:
    from pyspark.sql.types import ArrayType, StructType

    if value is None:
        return None
    if isinstance(data_type, StructType):
        if not isinstance(value, dict):
            raise SchemaMismatch(f"{where}: expected an object, got {type(value).__name__}")
        unknown = set(value) - set(data_type.fieldNames())
        if unknown:
            raise SchemaMismatch(f"{where}: keys {sorted(unknown)} have no Parquet column; "
                                 "extend khazar/spark/schema.py")
        return tuple(_fit(value.get(f.name), f.dataType, f"{where}.{f.name}") for f in data_type.fields)
    if isinstance(data_type, ArrayType):
        if not isinstance(value, list):
            raise SchemaMismatch(f"{where}: expected an array, got {type(value).__name__}")
        return [_fit(v, data_type.elementType, f"{where}[]") for v in value]
    return value


def to_row(article: dict[str, Any], raw_text: str, raw_title: str | None, schema=None) -> tuple:
    """One article's JSON form (Article.to_dict()) as a row of `article_schema()`, in column order.

    Strict: a key the schema does not know raises SchemaMismatch instead of being dropped, so a new field
    in the article JSON shows up as a rejection (and a failing test) rather than as missing data.
    """
    schema = schema or article_schema()
    names = schema.fieldNames()
    unknown = set(article) - set(names)
    if unknown:
        raise SchemaMismatch(f"article keys {sorted(unknown)} have no Parquet column; extend khazar/spark/schema.py")
    values = dict(article, raw=raw_text, raw_title=raw_title)
    row = []
    for f in schema.fields:
        v = values.get(f.name)
        if f.name in JSON_COLUMNS:
            row.append(json.dumps(v if v is not None else [], ensure_ascii=False))
        else:
            row.append(_fit(v, f.dataType, f.name))
    return tuple(row)


def from_record(record: dict[str, Any]) -> tuple[dict[str, Any], str, str | None]:
    """(article JSON, raw text, raw title) from one Parquet row read as a dict (pyarrow `to_pylist`).

    The inverse of `to_row`. Optional keys of a struct that were absent in the JSON come back as null.
    """
    article = {k: v for k, v in record.items() if k not in EXTRA_COLUMNS}
    for k in JSON_COLUMNS:
        if isinstance(article.get(k), str):
            article[k] = json.loads(article[k])
    return article, record["raw"], record.get("raw_title")
