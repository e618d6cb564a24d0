"""Hostile input files and records (issue 17): each test reproduces one fault of the hostile pass.

Impossible published dates, a nested or over-long JSONL line among good ones, one bad byte in UTF-8, a dump
of a single line, special and vanishing files, ids that cannot be ids. Every input is made up here.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from khazar.dates import both_calendars, jalali
from khazar.ingest import read_paths
from khazar.ingest.decode import decode_bytes
from khazar.model import RawDocument, Rejection, clean_id, id_problem
from khazar.runner import safe_process
from khazar.store.sqlite import SQLiteStore

TEXT = "تهران - وزیر امور خارجه روز گذشته گفت همکاری‌ها ادامه دارد و نشست بعدی در رشت برگزار می‌شود."
BODY = "\n".join([TEXT] * 4)


def split(items):
    return ([i for i in items if isinstance(i, RawDocument)], [i for i in items if isinstance(i, Rejection)])


def khazar(*args: str, db: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "khazar.cli", *args, "--db", str(db)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


# --- 1: impossible published dates --------------------------------------------------------------------

@pytest.mark.parametrize("published", ["9999-12-31", "0001-01-01", "0999-12-31"])
def test_an_impossible_published_date_becomes_a_warning_and_no_date(published):
    doc = RawDocument(id="far", raw=BODY, format="jsonl", origin="x.jsonl", title="تیتر", published=published)
    article = safe_process(doc)
    assert article.published is None
    assert any("outside the years" in w and published in w for w in article.warnings), article.warnings


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "9999-12-31/9999-12-31"])
def test_dates_without_a_jalali_twin_are_shown_as_iso(value):
    """Stores written before the ingest check still hold such dates: they show as ISO, never raise."""
    assert jalali(value[:10]) is None
    assert value[:10] in both_calendars(value)


def test_show_and_search_of_a_stored_year_9999_article(tmp_path):
    db = tmp_path / "old.db"
    store = SQLiteStore(str(db))
    article = safe_process(RawDocument(id="far", raw=BODY, format="jsonl", origin="x", title="تیتر"))
    article.published = "9999-12-31"  # as an older khazar stored it
    store.add_article(article, RawDocument(id="far", raw=BODY, format="jsonl", origin="x", title="تیتر"))
    store.commit()
    store.close()
    shown = khazar("show", "far", db=db)
    assert shown.returncode == 0 and "9999-12-31" in shown.stdout, shown.stderr[-800:]
    found = khazar("search", "تهران", db=db)
    assert found.returncode == 0 and "9999-12-31" in found.stdout, found.stderr[-800:]


# --- 6: one bad JSONL line costs that line only -----------------------------------------------------------

def test_a_deeply_nested_or_huge_number_line_is_one_rejection_and_reading_goes_on(tmp_path):
    good = [json.dumps({"id": f"g{n}", "title": "تیتر", "text": f"{TEXT} {n}"}, ensure_ascii=False) for n in range(3)]
    lines = [good[0], "[" * 100_000 + "]" * 100_000, good[1], '{"id": 1' + "9" * 5000 + ', "text": "x"}', good[2]]
    f = tmp_path / "news.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, rejections = split(list(read_paths([f])))
    assert [d.id for d in docs] == ["g0", "g1", "g2"]
    assert [(r.line, r.reason) for r in rejections] == [
        (2, "broken JSON line: nested too deeply"),
        (4, "broken JSON line: a number longer than 4300 digits")]


def test_a_deeply_nested_json_array_file_is_one_rejection(tmp_path):
    f = tmp_path / "all.json"
    f.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert [(type(i), i.reason) for i in read_paths([f])] == [(Rejection, "broken JSON: nested too deeply")]


# --- 7: one bad byte does not make an article mojibake ----------------------------------------------------

def test_utf8_with_one_stray_byte_is_utf8_with_a_replacement_and_a_warning(tmp_path):
    data = BODY.encode("utf-8")
    cut = data.index(" ".encode(), 200)
    f = tmp_path / "seed.txt"
    f.write_bytes(data[:cut] + b"\xff" + data[cut:])
    text, encoding, warning = decode_bytes(f.read_bytes())
    assert encoding == "utf-8" and text.replace("\ufffd", "") == BODY and "1 byte(s)" in warning
    docs, rejections = split(list(read_paths([f])))
    assert not rejections and "وزیر امور خارجه" in docs[0].raw
    article = safe_process(docs[0])
    assert any("not UTF-8" in w for w in article.warnings), article.warnings


def test_windows_1256_still_wins_when_it_explains_the_bytes():
    text = "وزير امور خارجه گفت همكاري‌ها ادامه دارد " * 20
    data = text.replace("‌", " ").encode("cp1256")
    assert decode_bytes(data).encoding == "cp1256"


def test_a_few_stray_bytes_in_latin_script_text_are_replaced():
    data = b"IRNA reported on the Caspian summit. " * 40 + b"\xe9" + b" More text follows." * 10
    decoded = decode_bytes(data)
    assert decoded.encoding == "utf-8" and decoded.text.count("\ufffd") == 1 and decoded.warning


# --- 10: a dump on one line ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 50])
def test_a_dump_on_a_single_line_is_its_body(tmp_path, size):
    f = tmp_path / "one.txt"
    f.write_text(" ".join([TEXT] * size), encoding="utf-8")
    (doc,) = [i for i in read_paths([f])]
    article = safe_process(doc)
    assert isinstance(article, type(safe_process(doc))) and not isinstance(article, Rejection)
    assert article.text.startswith("تهران") and len(article.text) >= len(TEXT) * size
    assert article.title and "no title" in " ".join(article.warnings)


def test_a_dump_with_nothing_left_after_its_title_is_rejected(tmp_path):
    f = tmp_path / "title-only.txt"
    f.write_text(" date 2025-11-18 ISNA\nفقط یک تیتر\nانتهای پیام\nاخبار مرتبط\n", encoding="utf-8")
    (doc,) = list(read_paths([f]))
    result = safe_process(doc)
    assert isinstance(result, Rejection) and "no article text" in result.reason


# --- 11: special and vanishing files ----------------------------------------------------------------------

def test_special_files_and_links_are_each_rejected_with_a_reason(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(f"تیتر\n{BODY}", encoding="utf-8")
    (folder / "zero.txt").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.txt")
    (folder / "broken.txt").symlink_to(folder / "missing.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    (folder / "dirlink").symlink_to(tmp_path)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock.txt"))
    try:
        docs, rejections = split(list(read_paths([folder])))
    finally:
        sock.close()
    assert [d.id for d in docs] == ["good"]
    reasons = {Path(r.origin).name: r.reason for r in rejections}
    assert reasons == {
        "zero.txt": "a character device, not a regular file",
        "pipe.txt": "a named pipe (FIFO), not a regular file",
        "broken.txt": "broken symbolic link (its target does not exist)",
        "loop.txt": "symbolic link loop",
        "dirlink": "a folder reached through a symbolic link (not followed), not a regular file",
        "sock.txt": "a socket, not a regular file",
    }


def test_named_special_files_are_rejected_too(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    items = list(read_paths(["/dev/zero", str(tmp_path / "fifo"), str(tmp_path / "loop")]))
    assert [i.reason for i in items] == ["a character device, not a regular file",
                                         "a named pipe (FIFO), not a regular file", "symbolic link loop"]


def test_a_file_deleted_after_listing_is_a_rejection(tmp_path):
    from khazar.ingest import iter_files, read_file

    for n in range(3):
        (tmp_path / f"f{n}.txt").write_text(f"تیتر\n{BODY}", encoding="utf-8")
    listed = iter_files([tmp_path])
    first = next(listed)
    (tmp_path / "f1.txt").unlink()  # deleted while the run is on f0
    results = [r for f in [first, *listed] for r in read_file(f)]
    assert [type(r).__name__ for r in results] == ["RawDocument", "Rejection", "RawDocument"]
    assert results[1].reason == "the file disappeared before it could be read"


# --- 4 (batches): ids that cannot be ids ------------------------------------------------------------------

@pytest.mark.parametrize("given, problem", [
    ("../../etc/passwd", "not start with '.'"), ("a/b", "found '/'"), (" ", "white space"), ("a\r\nb", "found '\\r'"),
    ("x" * 5000, "at most 200"), ("", "non-empty"), ("a\u202eb", "formatting"), ("50%", "found '%'"),
])
def test_id_rules(given, problem):
    assert problem in id_problem(given)


@pytest.mark.parametrize("good", ["farsnews-8707060255", "000_1ab23d847dbd6c0b", "خبر-۱", "a~1b2c3d", "x:y@z+1",
                                  "می‌شود", "mashregh-['1028847']"])
def test_real_ids_are_valid(good):
    assert id_problem(good) is None and clean_id(good) == good


def test_a_batch_keeps_an_article_with_a_bad_id_under_a_cleaned_one(tmp_path):
    records = [{"id": "../../etc/passwd", "text": TEXT}, {"id": " ", "text": TEXT + " ۲"},
               {"id": "a\r\nb", "text": TEXT + " ۳"}, {"id": "x" * 5000, "text": TEXT + " ۴"}]
    f = tmp_path / "ids.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    docs, rejections = split(list(read_paths([f])))
    assert not rejections
    assert [d.id for d in docs[:3]] == ["etc-passwd", f"doc-{docs[1].content_hash[:16]}", "a-b"]
    assert docs[3].id == "x" * 200
    assert all(id_problem(d.id) is None for d in docs)
    assert "stored as 'etc-passwd'" in docs[0].warnings[0]
    assert "stored as 'etc-passwd'" in safe_process(docs[0]).warnings[0]
