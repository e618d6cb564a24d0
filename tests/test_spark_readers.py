"""Reading (name, bytes) pairs — what Spark's binaryFiles hands over — gives what reading the file gives."""
from __future__ import annotations

from conftest import SAMPLE, SEEDS
from khazar.ingest import read_blob, read_file
from khazar.model import Rejection
from khazar.spark.readers import origin_name, read_bytes


def test_origin_names():
    assert origin_name("file:/work/shared/seeds/a.txt") == "/work/shared/seeds/a.txt"
    assert origin_name("file:///work/shared/seeds/a.txt") == "/work/shared/seeds/a.txt"
    assert origin_name("hdfs://nn:8020/news/a.jsonl") == "hdfs://nn:8020/news/a.jsonl"
    assert origin_name("s3a://bucket/news/a.jsonl") == "s3a://bucket/news/a.jsonl"


def test_bytes_read_like_files():
    folder = SEEDS if SEEDS.is_dir() else SAMPLE
    for path in sorted(folder.iterdir()):
        from_file = list(read_file(path))
        from_bytes = list(read_bytes(f"file:{path}", path.read_bytes()))
        assert from_bytes == from_file, path.name


def test_uri_names_survive_as_origin_and_give_the_id():
    jsonl = '{"id": "", "title": "عنوان", "text": "متن خبر درباره دریای خزر."}\n{broken\n'.encode()
    docs = list(read_bytes("hdfs://nn:8020/news/day1.jsonl", jsonl))
    assert docs[0].origin == "hdfs://nn:8020/news/day1.jsonl" and docs[0].id == "day1-1"
    assert isinstance(docs[1], Rejection) and docs[1].line == 2 and docs[1].origin == docs[0].origin
    dump = list(read_blob("s3a://bucket/dumps/x_1.txt", "خبرگزاری آزمون\nمتن خبر".encode()))
    assert dump[0].id == "x_1" and dump[0].origin == "s3a://bucket/dumps/x_1.txt"


def test_bad_bytes_become_rejections(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert [r.reason for r in read_bytes(f"file:{empty}", b"")] == [r.reason for r in read_file(empty)]
    (rej,) = read_bytes("hdfs://nn/b.txt", b"\x00\x01binary")
    assert isinstance(rej, Rejection) and "binary" in rej.reason
