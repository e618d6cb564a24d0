"""Faults lose nothing: SIGKILL at random points, a full disk, readers during a write, parallel workers.

Every test compares against a store made by one uninterrupted `khazar ingest` of the same input: after
the fault and a rerun, the articles (id, content hash, title, text, raw, JSON, provenance) and the
rejections must be the same rows, and at every moment in between the store must hold only whole articles,
each identical to its row in the reference. The input is built in a temporary folder from
../shared/data/news (never copied into the repository), or made up when that is not beside the repository.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, news_records

# Enough articles that a run lasts ~20-30 s, so that random kills land in reading, processing and commits.
N_ARTICLES = 160
ARTICLE_COLUMNS = ("id, content_hash, title, outlet, outlet_kb_id, published, text, raw, article_json, format, origin,"
                   " line, url")


def khazar(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "khazar.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def run_ingest(inputs: Path, db: Path, *extra: str, timeout: float = 300) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "khazar.cli", "ingest", str(inputs), "--db", str(db), *extra],
                       cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return p


def articles(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"SELECT {ARTICLE_COLUMNS} FROM articles").fetchall()
    return {r[1]: r for r in rows}  # by content hash: the key that makes a rerun idempotent


def rejections(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("SELECT origin, line, reason FROM rejections").fetchall())


def count(db: Path) -> int:
    """Committed articles, read without taking part in the writer's locking beyond a WAL snapshot."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # no schema yet
        return 0


def check_whole_articles(db: Path, reference: dict[str, tuple], context: str) -> int:
    """The store is sound and every article in it is whole: byte-for-byte its row in the reference."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", context
    rows = articles(db)
    for content_hash, row in rows.items():
        assert content_hash in reference, f"{context}: article {row[0]!r} is not in the reference store"
        assert row == reference[content_hash], f"{context}: article {row[0]!r} differs from the reference"
        doc = json.loads(row[8])
        assert doc["id"] == row[0] and doc["text"] == row[6] and doc["source"]["content_hash"] == content_hash
    return len(rows)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A folder with a JSONL of N_ARTICLES news records, broken lines, a duplicate, and some bad files."""
    folder = tmp_path_factory.mktemp("faults") / "input"
    folder.mkdir()
    records = news_records(N_ARTICLES, seed=7, words_per_text=400)
    lines = []
    for n, rec in enumerate(records):
        lines.append(rec)
        if n % 40 == 17:
            lines.append('{"id": "broken", "text": "نیمه')  # a line cut off by a crawler
        if n % 50 == 3:
            lines.append(json.dumps({"id": f"notext{n}", "title": "بدون متن"}))
    lines.append(records[5])  # the same article twice: stored once
    (folder / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (folder / "feed.xml").write_bytes(b'<rss version="2.0"><channel><title>t</title></channel></rss>')
    return folder


@pytest.fixture(scope="module")
def reference(corpus: Path, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("reference") / "reference.db"
    p = run_ingest(corpus, db)
    assert p.returncode == 0, p.stderr[-2000:]
    rows = articles(db)
    assert len(rows) >= N_ARTICLES * 0.9, len(rows)
    assert len(rejections(db)) >= 8
    return db


def test_sigkill_at_random_points_then_rerun_ends_in_the_reference_state(corpus: Path, reference: Path, tmp_path: Path):
    seed = int(os.environ.get("KHAZAR_FAULT_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    context = f"seed {seed} (rerun with KHAZAR_FAULT_SEED={seed})"
    ref_rows = articles(reference)
    db = tmp_path / "killed.db"
    kills, stored_after_kill = 0, []
    for attempt in range(4):
        before = count(db)
        # Small batches put many commits, and so many kill points between and inside them, in one run.
        proc = khazar("ingest", str(corpus), "--db", str(db), "--batch", "7")
        # Startup (imports, models) and the writing speed vary with the machine and its load: kill after a
        # random share (up to half) of the articles still to store has been committed, plus a random
        # fraction of a batch's time, so that the kill lands between or inside commits whatever the speed.
        target = before + rng.randint(1, max(1, (len(ref_rows) - before) // 2))
        deadline = time.monotonic() + 300
        while proc.poll() is None and count(db) < target and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            proc.wait(timeout=rng.uniform(0.0, 0.2))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            stored_after_kill.append(check_whole_articles(db, ref_rows, f"after kill {attempt + 1}, {context}"))
        proc.stdout.close()
        proc.stderr.close()
    final = run_ingest(corpus, db)
    assert final.returncode == 0, final.stderr[-2000:]
    assert kills >= 3, f"only {kills} of 4 runs were killed; {context}"
    # Each kill left a partial store that the next run picked up from.
    assert all(0 < n < len(ref_rows) for n in stored_after_kill), (stored_after_kill, context)
    assert stored_after_kill == sorted(stored_after_kill), (stored_after_kill, context)
    assert articles(db) == ref_rows, context
    assert rejections(db) == rejections(reference), context


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0


# Used when no tmpfs can be mounted: SQLite's own page limit is the same SQLITE_FULL a full disk gives.
_PAGE_LIMITED_INGEST = """
import sys
import khazar.store.sqlite as s
init = s.SQLiteStore.__init__
def limited(self, path):
    init(self, path)
    self.conn.execute("PRAGMA max_page_count = 400")
s.SQLiteStore.__init__ = limited
from khazar.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_full_disk_fails_clearly_and_a_rerun_with_space_completes(corpus: Path, reference: Path, tmp_path: Path):
    ref_rows = articles(reference)
    disk = tmp_path / "disk"
    mounted = _mount_tmpfs(disk, "1m")
    try:
        db = disk / "full.db"
        if mounted:
            full = run_ingest(corpus, db, "--batch", "5")
        else:
            full = subprocess.run([sys.executable, "-c", _PAGE_LIMITED_INGEST, "ingest", str(corpus), "--db", str(db),
                                   "--batch", "5"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert full.returncode != 0
        assert "database or disk is full" in full.stderr, full.stderr[-2000:]
        n = check_whole_articles(db, ref_rows, "after the disk filled up")
        assert 0 < n < len(ref_rows)
        if mounted:  # space freed: the same files, on a disk that now has room
            subprocess.run(["mount", "-o", "remount,size=256m", str(disk)], check=True)
            rerun = run_ingest(corpus, db)
        else:
            rerun = run_ingest(corpus, db)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        assert articles(db) == ref_rows
        assert rejections(db) == rejections(reference)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_readers_keep_answering_while_an_ingest_writes(corpus: Path, reference: Path, tmp_path: Path):
    """WAL: plain Store queries from another process's connection neither block nor see half a batch."""
    from khazar.store.sqlite import MIGRATIONS, SQLiteStore

    ref_rows = articles(reference)
    db = tmp_path / "live.db"
    writer = khazar("ingest", str(corpus), "--db", str(db), "--batch", "5")
    try:
        # Wait for the writer's schema, so that this reader never runs the migrations itself.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if db.exists():
                with sqlite3.connect(db, timeout=30) as probe:
                    if probe.execute("PRAGMA user_version").fetchone()[0] >= len(MIGRATIONS):
                        break
            time.sleep(0.05)
        store = SQLiteStore(str(db))
        seen, reads_during_write = [], 0
        while writer.poll() is None:
            n = store.count_articles()
            ids = [r[0] for r in store.conn.execute("SELECT id FROM articles ORDER BY doc DESC LIMIT 3")]
            for article_id in ids:
                a = store.get_article(article_id)
                assert a is not None and a.text == store.conn.execute(
                    "SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
            store.rejections()
            store.conn.commit()  # end the read transaction so that the next read sees new commits
            seen.append(n)
            reads_during_write += 1
            time.sleep(0.05)
        store.close()
        assert writer.returncode == 0, writer.stderr.read()[-2000:]
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait()
        writer.stdout.close()
        writer.stderr.close()
    assert seen == sorted(seen), "a reader saw the article count go down"
    assert len(set(seen)) >= 3 and reads_during_write >= 20, (len(set(seen)), reads_during_write)
    assert articles(db) == ref_rows


def test_ingest_with_two_jobs_ends_in_the_same_state(corpus: Path, tmp_path: Path):
    """`--jobs 2` stores what `--jobs 1` stores.

    Fails today: the process pool pulls the input generator from its own thread, and that generator asks
    the store (a sqlite3 connection made in the main thread) whether content is already stored:
    sqlite3.ProgrammingError "SQLite objects created in a thread can only be used in that same thread".
    """
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join((corpus / "news.jsonl").read_text(encoding="utf-8").splitlines()[:30]) + "\n",
                     encoding="utf-8")
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    p1 = run_ingest(small, one)
    p2 = run_ingest(small, two, "--jobs", "2")
    assert p1.returncode == 0, p1.stderr[-2000:]
    assert p2.returncode == 0, p2.stderr[-2000:]
    assert articles(two) == articles(one) and rejections(two) == rejections(one)


def _open_store(path: str, barrier, errors) -> None:
    from khazar.store.sqlite import SQLiteStore

    barrier.wait()
    try:
        SQLiteStore(path).close()
    except Exception as exc:  # reported to the parent, which asserts there were none
        errors.put(f"{type(exc).__name__}: {exc}")


def test_two_processes_opening_a_new_store_at_once(tmp_path: Path):
    """An ingest and a server started together on a new database file both get a working store.

    Reading user_version before taking the write lock let the second process replay a migration the first had
    just committed ("table entity_stats already exists"): a CI run failed on it.
    """
    ctx = multiprocessing.get_context("fork")
    errors = ctx.Queue()
    for n in range(8):
        path = str(tmp_path / f"new{n}.db")
        barrier = ctx.Barrier(2)
        procs = [ctx.Process(target=_open_store, args=(path, barrier, errors)) for _ in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert not found, found


def test_a_current_store_opens_while_another_connection_holds_the_write_lock(tmp_path: Path, monkeypatch):
    """A server started during a long ingest batch opens the store at once: only migrating takes the lock."""
    import sqlite3

    from khazar.store.sqlite import SQLiteStore

    path = str(tmp_path / "busy.db")
    SQLiteStore(path).close()
    writer = sqlite3.connect(path)
    writer.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(SQLiteStore, "BUSY_TIMEOUT_SECONDS", 0.05)
    monkeypatch.setattr("khazar.store.sqlite._OPEN_ATTEMPTS", 1)
    try:
        store = SQLiteStore(path)
        assert store.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0
        store.close()
    finally:
        writer.rollback()
        writer.close()
