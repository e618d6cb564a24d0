"""`khazar spark-extract`: the pipeline on Apache Spark, from files on any Hadoop filesystem to Parquet.

    spark-submit [--master URL] khazar/spark/job.py INPUT [INPUT...] OUTPUT [--partitions N] [--overwrite]

Steps: `binaryFiles` (so local paths, hdfs://, s3a://, gs:// all work, given the filesystem's jars and
configuration) → `read_bytes` (khazar.ingest's own readers) → repartition (one big JSONL file is one
binary record; spreading its documents is what lets every core work) → `process()` inside
`mapPartitions` → Parquet:

    OUTPUT/articles/     one row per article (khazar/spark/schema.py)
    OUTPUT/rejections/   origin, line, reason

The knowledge base and models are module-level caches in khazar; PySpark reuses its Python workers between
tasks (spark.python.worker.reuse, on by default), so each worker loads them once.

Cross-document steps (khazar/spark/cross.py: near-duplicates, stories) are Spark jobs over
OUTPUT/articles. The hook is `CROSS_DOCUMENT_STEPS`: each entry is (name, function(spark, articles
DataFrame) -> DataFrame); after the articles are written, each result is written to OUTPUT/<name>/ from
the Parquet just written. They can be rerun alone over an earlier OUTPUT with `run_cross_document_steps`,
`khazar spark-cross OUTPUT`, or `spark-submit khazar/spark/job.py cross OUTPUT`.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# Absolute imports only: spark-submit runs this file as a script (no parent package), with khazar
# importable from the environment the job ships.

from khazar.spark.cross import STEPS  # noqa: E402  (pyspark is imported only inside the steps)

CROSS_DOCUMENT_STEPS: list[tuple[str, Callable[[Any, Any], Any]]] = list(STEPS)


@dataclass
class ExtractResult:
    articles: int
    rejections: int
    seconds: float
    output: str

    def summary(self) -> str:
        return (f"{self.articles} articles, {self.rejections} rejections in {self.seconds:.1f} s "
                f"({self.articles / self.seconds if self.seconds else 0:.2f} articles/s) → {self.output}")


def _process_partition(items: Iterable[Any]) -> Iterator[tuple[str, tuple]]:
    """Runs on the executors: the same `safe_process` as `khazar extract`, one row per result."""
    # Imported here so that the executor, not the driver's pickle, loads khazar (and its caches) once.
    from khazar.model import Rejection
    from khazar.runner import safe_process
    from khazar.spark.schema import SchemaMismatch, article_schema, to_row

    schema = article_schema()
    for item in items:
        if isinstance(item, Rejection):
            yield "r", (item.origin, item.line, item.reason)
            continue
        result = safe_process(item)
        if isinstance(result, Rejection):
            yield "r", (result.origin, result.line, result.reason)
            continue
        try:
            yield "a", to_row(result.to_dict(), item.raw, item.title, schema)
        except SchemaMismatch as exc:
            yield "r", (item.origin, item.line, f"does not fit the Parquet schema: {exc}")


def _split_existing(spark, inputs: list[str]) -> tuple[list[str], list[tuple]]:
    """Inputs that exist, and a rejection for each that does not (as `khazar extract` records them)."""
    from khazar.spark.readers import origin_name

    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    present, missing = [], []
    for name in inputs:
        path = jvm.org.apache.hadoop.fs.Path(name)
        fs = path.getFileSystem(conf)
        if fs.exists(path):
            present.append(fs.makeQualified(path).toString())
        else:
            missing.append((origin_name(name), None, "no such file or folder"))
    return present, missing


def extract(spark, inputs: list[str], output: str, *, partitions: int | None = None,
            overwrite: bool = False, cross_document: bool = True) -> ExtractResult:
    """Read `inputs` (files or folders, any Hadoop filesystem), process every article, write Parquet;
    then the cross-document steps over it, unless `cross_document` is false."""
    from pyspark import StorageLevel

    from khazar.spark.readers import read_bytes
    from khazar.spark.schema import article_schema, rejection_schema

    started = time.perf_counter()
    sc = spark.sparkContext
    # Folders are read recursively, like `khazar extract`. Hadoop skips names starting with "." or "_".
    sc._jsc.hadoopConfiguration().set("mapreduce.input.fileinputformat.input.dir.recursive", "true")
    present, missing = _split_existing(spark, inputs)
    partitions = partitions or max(4, sc.defaultParallelism * 4)
    source_index = article_schema().fieldNames().index("source")

    if present:
        files = sc.binaryFiles(",".join(present))
        docs = files.flatMap(lambda pair: read_bytes(pair[0], pair[1]))
        results = docs.repartition(partitions).mapPartitions(_process_partition)
    else:
        results = sc.parallelize([], 1)
    # Two tables come from one pass: keep the results rather than process every article twice.
    results = results.persist(StorageLevel.MEMORY_AND_DISK)
    mode = "overwrite" if overwrite else "errorifexists"
    try:
        # Written in input order — argument, then file as `khazar.ingest.iter_files` sorts paths, then line —
        # so that `khazar load` stores rows as `khazar ingest` would, including which of two articles with
        # one id keeps it.
        order = _order_key(present)
        ordered = (results.filter(lambda kv: kv[0] == "a").map(lambda kv: kv[1])
                   .sortBy(lambda row: order(row[source_index]), numPartitions=partitions))
        articles = spark.createDataFrame(ordered, article_schema())
        articles.write.mode(mode).parquet(_join(output, "articles"))
        rejected = (sc.parallelize(missing, 1) if missing else sc.emptyRDD()).union(
            results.filter(lambda kv: kv[0] == "r").map(lambda kv: kv[1]))
        rejections = spark.createDataFrame(rejected, rejection_schema()).orderBy("origin", "line")
        rejections.coalesce(1).write.mode(mode).parquet(_join(output, "rejections"))
        n_articles = spark.read.parquet(_join(output, "articles")).count()
        n_rejections = spark.read.parquet(_join(output, "rejections")).count()
    finally:
        results.unpersist()
    if cross_document:
        run_cross_document_steps(spark, output, overwrite=overwrite)
    return ExtractResult(n_articles, n_rejections, time.perf_counter() - started, output)


def run_cross_document_steps(spark, output: str, *, overwrite: bool = False,
                             only: Iterable[str] | None = None) -> dict[str, int]:
    """Apply CROSS_DOCUMENT_STEPS (or those named in `only`) to OUTPUT/articles, each written to
    OUTPUT/<name>; returns the rows written per step."""
    wanted = None if only is None else set(only)
    known = {name for name, _ in CROSS_DOCUMENT_STEPS}
    if wanted is not None and wanted - known:
        raise ValueError(f"unknown cross-document steps {sorted(wanted - known)}; known: {sorted(known)}")
    steps = [(name, step) for name, step in CROSS_DOCUMENT_STEPS if wanted is None or name in wanted]
    if not steps:
        return {}
    articles = spark.read.parquet(_join(output, "articles"))
    counts = {}
    for name, step in steps:
        step(spark, articles).write.mode("overwrite" if overwrite else "errorifexists").parquet(_join(output, name))
        counts[name] = spark.read.parquet(_join(output, name)).count()
    return counts


def _order_key(inputs: list[str]) -> Callable[[tuple], tuple]:
    """Sort key of a row's `source` struct (format, origin, line): the order `khazar.ingest.read_paths`
    yields documents in. Paths compare by their parts, as pathlib sorts them."""
    from khazar.spark.readers import origin_name

    roots = [origin_name(p).rstrip("/") for p in inputs]

    def key(source: tuple) -> tuple:
        origin, line = source[1] or "", source[2]
        index = next((i for i, r in enumerate(roots) if origin == r or origin.startswith(r + "/")), len(roots))
        return index, tuple(p for p in origin.split("/") if p), -1 if line is None else line

    return key


def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


def session(master: str | None = None, app_name: str = "khazar-extract"):
    """A SparkSession; `master` None leaves it to spark-submit or the cluster configuration."""
    from pyspark.sql import SparkSession

    if master is None or master.startswith("local"):
        # Local workers must run this interpreter (the one with khazar and its dependencies installed),
        # not whatever `python3` is first on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
        if master.startswith("local"):
            builder = builder.config("spark.ui.enabled", "false")  # nobody watches a UI in a local run
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="khazar-spark-extract", description=__doc__.split("\n")[0])
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="files or folders: local paths or any Hadoop filesystem URI (hdfs://, s3a://)")
    parser.add_argument("output", metavar="OUTPUT", help="folder for articles/ and rejections/ (Parquet)")
    parser.add_argument("--master", default=None,
                        help="Spark master (e.g. local[2], yarn, spark://host:7077); default: what spark-submit "
                             "or the configuration says, else local[*]")
    parser.add_argument("--partitions", type=int, default=None,
                        help="tasks to spread the articles over (default 4 × the cores Spark has)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    return parser


def run(args: argparse.Namespace) -> int:
    from pyspark.errors import AnalysisException

    spark = session(args.master)
    try:
        result = extract(spark, args.inputs, args.output, partitions=args.partitions, overwrite=args.overwrite)
    except AnalysisException as exc:  # e.g. OUTPUT exists without --overwrite: a message, not a traceback
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print(result.summary(), file=sys.stderr)
    return 0 if result.articles else 1


def build_cross_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(
        prog="khazar-spark-cross", description="rerun the cross-document steps over a spark-extract OUTPUT")
    parser.add_argument("output", metavar="OUTPUT", help="a spark-extract OUTPUT folder (with articles/)")
    parser.add_argument("--steps", default=None,
                        help="comma-separated step names (default: all: "
                             + ",".join(name for name, _ in CROSS_DOCUMENT_STEPS) + ")")
    parser.add_argument("--master", default=None, help="Spark master (as for spark-extract)")
    parser.add_argument("--overwrite", action="store_true", help="replace OUTPUT/<step> if it exists")
    return parser


def run_cross(args: argparse.Namespace) -> int:
    from pyspark.errors import AnalysisException

    only = [s.strip() for s in args.steps.split(",") if s.strip()] if args.steps else None
    started = time.perf_counter()
    spark = session(args.master, app_name="khazar-cross")
    try:
        counts = run_cross_document_steps(spark, args.output, overwrite=args.overwrite, only=only)
    except (AnalysisException, ValueError) as exc:  # e.g. OUTPUT/<step> exists without --overwrite
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    for name, n in counts.items():
        print(f"{name}: {n} rows → {_join(args.output, name)}", file=sys.stderr)
    print(f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["cross"]:  # spark-submit khazar/spark/job.py cross OUTPUT [--steps …]
        return run_cross(build_cross_parser().parse_args(argv[1:]))
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
