"""Readers and decoding: every format detected, every bad input a rejection with a reason."""
import json
from pathlib import Path

import pytest

from khazar.ingest import read_paths
from khazar.ingest.decode import DecodeError, decode_bytes
from khazar.model import RawDocument, Rejection

PERSIAN = "وزیر امور خارجه گفت: همکاری‌ها ادامه دارد."


def split(items):
    docs = [i for i in items if isinstance(i, RawDocument)]
    rejections = [i for i in items if isinstance(i, Rejection)]
    return docs, rejections


def test_decode_utf8_cp1256_and_utf16():
    assert decode_bytes(PERSIAN.encode("utf-8")) == (PERSIAN, "utf-8", None)
    text = "وزير امور خارجه گفت"  # cp1256 has Arabic yeh, as old sites wrote
    assert decode_bytes(text.encode("cp1256"))[1] == "cp1256"
    assert decode_bytes(text.encode("cp1256"))[0] == text
    assert decode_bytes(PERSIAN.encode("utf-16"))[0] == PERSIAN
    assert decode_bytes(PERSIAN.encode("utf-16-le"))[0] == PERSIAN


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"), (b"   \n\t", "empty"), (b"\x00\x01\x02binary\x00\xff" * 20, "binary"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "binary"),
])
def test_decode_refuses_with_a_reason(data, reason):
    with pytest.raises(DecodeError) as exc:
        decode_bytes(data)
    assert reason in str(exc.value)


def test_latin1_garbage_is_not_taken_for_persian():
    with pytest.raises(DecodeError) as exc:
        decode_bytes("Grüße aus Köln, très élégant".encode("latin-1"))
    assert "Windows-1256" in str(exc.value)


def test_jsonl_records_and_broken_lines(tmp_path: Path):
    f = tmp_path / "news.jsonl"
    good = {"id": "a1", "source": "IRNA (irna.ir)", "published": "2025-11-18T10:30:00", "title": "عنوان", "text": PERSIAN,
            "url": "https://irna.ir/x", "category": "سیاسی", "tags": ["خزر"]}
    f.write_text(json.dumps(good, ensure_ascii=False) + "\n{broken\n\n" + json.dumps({"id": "a2", "title": "x"}) + "\n"
                 + json.dumps([1, 2]) + "\n", encoding="utf-8")
    docs, rejections = split(list(read_paths([f])))
    assert [d.id for d in docs] == ["a1"]
    d = docs[0]
    assert (d.title, d.published, d.outlet, d.url, d.tags, d.format, d.line) == (
        "عنوان", "2025-11-18T10:30:00", "IRNA (irna.ir)", "https://irna.ir/x", ["خزر"], "jsonl", 1)
    assert [(r.line, r.reason.split(":")[0]) for r in rejections] == [
        (2, "broken JSON line"), (4, "no article text (none of the fields text, body, content)"),
        (5, "expected a JSON object, got list")]


def test_dump_and_folder_walk(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "001_x.txt").write_text(" date 2025-11-18 پخش زنده\nعنوان\n" + PERSIAN, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / ".hidden.txt").write_text(PERSIAN, encoding="utf-8")
    (tmp_path / "old.txt").write_bytes(("عنوان\n" + "وزير گفت").encode("cp1256"))
    docs, rejections = split(list(read_paths([tmp_path, tmp_path / "missing.txt"])))
    assert sorted(d.id for d in docs) == ["001_x", "old"]
    assert {(Path(r.origin).name, r.reason) for r in rejections} == {("empty.txt", "empty file"),
                                                                     ("missing.txt", "no such file or folder")}
    assert next(d for d in docs if d.id == "old").raw.endswith("وزير گفت")


def test_html_page(tmp_path: Path):
    body = "".join(f"<p>{PERSIAN} جمله شماره {i} برای اینکه متن به اندازه کافی بلند باشد.</p>" for i in range(5))
    page = (f"<html><head><title>عنوان خبر</title><meta property='og:site_name' content='ایرنا'></head><body>"
            f"<div class='news-date'>چهارشنبه 26 آذر 1404 - 07:40</div><article><h1>عنوان خبر</h1>{body}</article></body></html>")
    f = tmp_path / "page.html"
    f.write_text(page, encoding="utf-8")
    docs, rejections = split(list(read_paths([f])))
    assert not rejections
    assert docs[0].title == "عنوان خبر" and docs[0].outlet == "ایرنا"
    assert docs[0].published == "2025-12-17T07:40"  # Jalali date found where trafilatura sees none
    assert "جمله شماره 4" in docs[0].raw


def test_html_without_body_is_rejected(tmp_path: Path):
    f = tmp_path / "empty.html"
    f.write_text("<html><head><title>x</title></head><body></body></html>", encoding="utf-8")
    docs, rejections = split(list(read_paths([f])))
    assert not docs and "without article text" in rejections[0].reason


def test_rss_and_atom(tmp_path: Path):
    rss = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>ایرنا</title>"
           "<item><title>خبر یک</title><link>https://irna.ir/1</link><pubDate>Tue, 18 Nov 2025 10:00:00 GMT</pubDate>"
           f"<description>&lt;p&gt;{PERSIAN}&lt;/p&gt;</description></item>"
           "<item><title>خبر دو</title><link>https://irna.ir/2</link><pubDate>۲۷ آبان ۱۴۰۴</pubDate>"
           f"<description>{PERSIAN}</description></item><item><title>خالی</title></item></channel></rss>")
    f = tmp_path / "feed.rss"
    f.write_text(rss, encoding="utf-8")
    docs, rejections = split(list(read_paths([f])))
    assert [d.title for d in docs] == ["خبر یک", "خبر دو"]
    assert docs[0].published == "2025-11-18T10:00" and docs[1].published == "2025-11-18"
    assert docs[0].raw == PERSIAN and docs[0].outlet == "ایرنا"
    assert [r.line for r in rejections] == [3]
    atom = ("<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
            "<entry><id>urn:1</id><title>الف</title><updated>2025-11-18T00:00:00Z</updated>"
            f"<content type='html'>{PERSIAN}</content></entry></feed>")
    g = tmp_path / "feed.atom"
    g.write_text(atom, encoding="utf-8")
    docs, _ = split(list(read_paths([g])))
    assert docs[0].title == "الف" and docs[0].raw == PERSIAN


def test_feed_without_entries(tmp_path: Path):
    f = tmp_path / "none.xml"
    f.write_text("<?xml version='1.0'?><rss version='2.0'><channel><title>x</title></channel></rss>", encoding="utf-8")
    docs, rejections = split(list(read_paths([f])))
    assert not docs and rejections[0].reason.startswith("feed has no entries")


def test_same_content_same_hash_other_id():
    a = RawDocument(id="a", raw="متن", format="dump", origin="x")
    b = RawDocument(id="b", raw="متن", format="jsonl", origin="y")
    c = RawDocument(id="a", raw="متن دیگر", format="dump", origin="x")
    assert a.content_hash == b.content_hash != c.content_hash
