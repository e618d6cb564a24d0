"""One store test-suite, run against every backend: a SQLite file and a real PostgreSQL server.

The PostgreSQL cases start a throwaway server (tests/pg.py) and skip when the server binaries or psycopg
are missing. Each test gets an empty database of its own.
"""
from __future__ import annotations

import multiprocessing
from itertools import count

import pytest

from khazar.model import Article, Entity, RawDocument, Rejection
from khazar.store import open_store
from pg import postgres_server  # noqa: F401  (fixture)

_db_numbers = count()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request, tmp_path) -> str:
    """A store location (SQLite file path or postgresql:// URL) for an empty store."""
    if request.param == "sqlite":
        return str(tmp_path / "khazar.db")
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"t{next(_db_numbers)}")


def doc(n: int, *, id_: str | None = None, body: str | None = None, origin: str = "in/news.jsonl"
        ) -> tuple[Article, RawDocument]:
    """A small article and its raw document; the store neither knows nor cares how it was processed."""
    raw_text = body if body is not None else f"متن خبر شماره {n} درباره دریای خزر.\nپایان پیام"
    raw = RawDocument(id=id_ or f"a{n}", raw=raw_text, format="jsonl", origin=origin, line=n + 1,
                      url=f"https://example.ir/news/{n}", title=f"خبر {n}")
    article = Article(id=raw.id, title=f"خبر {n}", text=raw_text.split("\n")[0], published="2025-11-18",
                      outlet={"name": "خبرگزاری آزمون", "name_en": "Test Agency", "kb_id": "out:test"},
                      source={"format": "jsonl", "origin": origin, "line": n + 1, "content_hash": raw.content_hash},
                      entities=[Entity.from_dict({"id": "e1", "name": "خزر", "type": "LOC",
                                                  "mentions": [{"start": 0, "end": 3, "text": "متن", "field": "text"}]})])
    return article, raw


def test_add_get_iter_count(db):
    with open_store(db) as store:
        stored = [doc(n) for n in range(5)]
        for article, raw in stored:
            assert store.add_article(article, raw) is True
        store.commit()
        assert store.count_articles() == 5
        assert store.has_content(stored[2][1].content_hash)
        assert not store.has_content("0" * 64)
        got = store.get_article("a3")
        assert got is not None and got.to_dict() == stored[3][0].to_dict()
        assert store.get_raw("a3") == stored[3][1].raw
        assert store.get_article("nope") is None and store.get_raw("nope") is None
        assert [a.id for a in store.iter_articles()] == ["a0", "a1", "a2", "a3", "a4"]  # insertion order
        assert store.doc_number("a0") is not None and store.doc_number("nope") is None


def test_reingest_is_idempotent_across_reopen(db):
    with open_store(db) as store:
        for n in range(3):
            store.add_article(*doc(n))
    with open_store(db) as store:  # migrations do not run twice; rows are still there
        assert store.count_articles() == 3
        results = [store.add_article(*doc(n)) for n in range(4)]
        store.commit()
        assert results == [False, False, False, True]
        assert store.count_articles() == 4


def test_same_id_other_content_is_kept_under_a_new_id(db):
    with open_store(db) as store:
        first, raw1 = doc(1, id_="same")
        second, raw2 = doc(2, id_="same")
        assert store.add_article(first, raw1) and store.add_article(second, raw2)
        store.commit()
        assert second.id == f"same~{raw2.content_hash[:10]}"
        assert any("was taken by another article" in w for w in second.warnings)
        assert store.get_article("same").title == "خبر 1"
        assert store.get_article(second.id).warnings == second.warnings
        assert store.count_articles() == 2
        # and the renamed one is a duplicate the next time, not a third row
        again, raw2b = doc(2, id_="same")
        assert store.add_article(again, raw2b) is False and again.id == "same"


def test_rejections_are_unique_and_listed(db):
    with open_store(db) as store:
        store.add_rejection(Rejection("in/b.jsonl", 7, "broken JSON line: Expecting value at column 1"))
        store.add_rejection(Rejection("in/a.txt", None, "empty file"))
        store.add_rejection(Rejection("in/a.txt", None, "empty file"))  # rerun: not twice
        store.add_rejection(Rejection("in/b.jsonl", 7, "broken JSON line: Expecting value at column 1"))
        store.add_rejection(Rejection("in/B.jsonl", 2, "x" * 5000))  # a long reason still fits the key
        store.commit()
        assert store.rejections() == [
            Rejection("in/B.jsonl", 2, "x" * 5000),  # byte order: "B" < "a" < "b", on every backend
            Rejection("in/a.txt", None, "empty file"),
            Rejection("in/b.jsonl", 7, "broken JSON line: Expecting value at column 1"),
        ]


def test_raw_text_round_trips_exactly(db):
    # A JSON record's "\u0000" and odd spacing end up in the raw text; offsets need it back unchanged.
    body = "سطر\u0000 اول\r\n\u200cسطر دوم\t\n"
    with open_store(db) as store:
        article, raw = doc(9, body=body)
        assert store.add_article(article, raw)
        store.commit()
        assert store.get_raw("a9") == body
        assert store.get_article("a9").text == article.text


def test_uncommitted_batch_is_not_kept(db):
    # An interrupted ingest loses at most its open batch, which the rerun then stores.
    store = open_store(db)
    store.add_article(*doc(1))
    store.commit()
    store.add_article(*doc(2))
    if hasattr(store.conn, "rollback"):
        store.conn.rollback()  # what a crash before commit amounts to
    with open_store(db) as other:
        assert other.count_articles() == 1
    store.conn.close()


def _ingest_worker(db: str, numbers: list[int], barrier, results) -> None:
    with open_store(db) as store:
        barrier.wait()
        stored = 0
        for i, n in enumerate(numbers, 1):
            # Every seventh article shares the id "shared" with different content: collisions under load.
            article, raw = doc(n, id_="shared" if n % 7 == 0 else None)
            stored += store.add_article(article, raw)
            store.add_rejection(Rejection("in/bad.jsonl", n % 5, "broken JSON line"))
            if i % 4 == 0:
                store.commit()
        store.commit()
    results.put(stored)


def test_concurrent_ingest_of_overlapping_input_stores_each_article_once(db):
    with open_store(db):
        pass  # create the schema once, as the first `khazar ingest` would
    total = 60
    # Overlapping input; one worker goes backwards so batches take the same keys in opposite orders.
    inputs = [list(range(0, 40)), list(range(20, 60)), list(range(total))[::-1]]
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(len(inputs)), ctx.Queue()
    workers = [ctx.Process(target=_ingest_worker, args=(db, numbers, barrier, results)) for numbers in inputs]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    reported = sum(results.get(timeout=5) for _ in workers)
    assert reported >= total  # every article was reported stored by someone (a replayed batch may over-report)
    with open_store(db) as store:
        assert store.count_articles() == total
        articles = list(store.iter_articles())
        hashes = [a.source["content_hash"] for a in articles]
        assert len(set(hashes)) == total
        assert {a.title for a in articles} == {f"خبر {n}" for n in range(total)}
        assert len({a.id for a in articles}) == total
        shared = [a for a in articles if a.id.startswith("shared")]
        assert len(shared) == len([n for n in range(total) if n % 7 == 0])
        assert sum(a.id == "shared" for a in shared) == 1
        assert len(store.rejections()) == 5


def test_cli_ingest_export_show_on_every_backend(db, capsys, tmp_path):
    """`khazar ingest/export/show/rejections --db` behave the same whatever the backend."""
    from conftest import SAMPLE
    from khazar.cli import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": ""}\n', encoding="utf-8")
    assert main(["ingest", str(SAMPLE), str(bad), "--db", db]) == 0
    first = capsys.readouterr().err
    assert "stored 3" in first and "rejected 1" in first
    assert main(["ingest", str(SAMPLE), "--db", db]) == 0
    assert "stored 0, duplicates skipped 3" in capsys.readouterr().err
    assert main(["export", "--jsonl", "--db", db]) == 0
    exported = capsys.readouterr().out.splitlines()
    assert len(exported) == 3
    assert main(["show", "s001_anzali", "--raw", "--db", db]) == 0
    assert capsys.readouterr().out == (SAMPLE / "s001_anzali.txt").read_text(encoding="utf-8") + "\n"
    assert main(["rejections", "--db", db]) == 0
    assert "no article text" in capsys.readouterr().out
