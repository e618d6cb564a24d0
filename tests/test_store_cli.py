"""The CLI end to end on the shipped sample: extract, ingest (idempotent), show, export, rejections."""
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from conftest import ROOT, SAMPLE

SCHEMA = json.loads((ROOT / "docs" / "article.schema.json").read_text(encoding="utf-8"))


def khazar(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "khazar.cli", *args], capture_output=True, text=True, cwd=cwd or ROOT)


def test_extract_sample_is_valid_json_per_schema():
    out = khazar("extract", str(SAMPLE), "--jsonl")
    assert out.returncode == 0, out.stderr
    articles = [json.loads(line) for line in out.stdout.splitlines()]
    assert sorted(a["id"] for a in articles) == ["s001_anzali", "s002_baku", "s003_rail"]
    for a in articles:
        jsonschema.validate(a, SCHEMA)
    by_id = {a["id"]: a for a in articles}
    anzali = by_id["s001_anzali"]
    assert anzali["published"] == "2025-11-20"
    assert anzali["outlet"]["name"] == "خبرگزاری صدا و سیما"  # "پخش زنده" in the header is a section
    assert "پایان پیام" not in anzali["text"] and "ظرفیت" in anzali["text"]
    baku = by_id["s002_baku"]
    assert baku["text"].count("نشست کارشناسان محیط زیست خزر در باکو") == 0  # repeated title removed
    assert "پربیننده" not in baku["text"] and "10:15" not in baku["text"]
    rail = by_id["s003_rail"]
    assert rail["published"] is None
    assert rail["outlet"]["name"] == "خبرگزاری آران"
    assert "'39؛" not in rail["text"] and "سرویس اقتصادی" not in rail["text"]
    assert {r["reason"] for r in rail["removed"]} >= {"desk byline", "lead byline"}


def test_removed_spans_point_into_the_raw_file():
    out = khazar("extract", str(SAMPLE / "s002_baku.txt"), "--jsonl")
    article = json.loads(out.stdout)
    raw = (SAMPLE / "s002_baku.txt").read_text(encoding="utf-8")
    for r in article["removed"]:
        assert raw[r["raw_start"]:r["raw_end"]].strip() == r["text"].strip() or r["reason"] == "repeated title"


def test_clean_text_maps_back_to_raw():
    from khazar.text.offsets import raw_offset_from_anchors

    out = khazar("extract", str(SAMPLE / "s001_anzali.txt"), "--jsonl")
    a = json.loads(out.stdout)
    raw = (SAMPLE / "s001_anzali.txt").read_text(encoding="utf-8")
    i = a["text"].index("بندر انزلی")
    start = raw_offset_from_anchors(a["raw_offsets"], i)
    end = raw_offset_from_anchors(a["raw_offsets"], i + len("بندر انزلی") - 1) + 1
    assert raw[start:end] == "بندر انزلي"  # the raw still has the Arabic yeh


def test_ingest_is_idempotent_and_records_rejections(tmp_path: Path):
    db = tmp_path / "k.db"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "j1", "text": "متن خبر اول درباره دریای خزر."}\n{not json\n', encoding="utf-8")
    first = khazar("ingest", str(SAMPLE), str(bad), "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert "read 4, stored 4, duplicates skipped 0, rejected 1" in first.stderr
    second = khazar("ingest", str(SAMPLE), str(bad), "--db", str(db))
    assert "read 4, stored 0, duplicates skipped 4, rejected 1" in second.stderr
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 4
    assert conn.execute("SELECT origin, line, reason FROM rejections").fetchall() == [
        (str(bad), 2, "broken JSON line: Expecting property name enclosed in double quotes at column 2")]
    rej = khazar("rejections", "--db", str(db))
    assert "bad.jsonl:2" in rej.stdout


def test_show_and_export(tmp_path: Path):
    db = tmp_path / "k.db"
    khazar("ingest", str(SAMPLE), "--db", str(db))
    shown = khazar("show", "s002_baku", "--db", str(db))
    assert shown.returncode == 0
    assert "۱۱ آذر ۱۴۰۴ (2025-12-02)" in shown.stdout  # both calendars
    assert "خبرگزاری کار ایران" in shown.stdout
    raw = khazar("show", "s002_baku", "--db", str(db), "--raw")
    assert raw.stdout.startswith(" date 2025-12-02")
    missing = khazar("show", "nope", "--db", str(db))
    assert missing.returncode == 1 and "no article with id 'nope'" in missing.stderr
    exported = [json.loads(x) for x in khazar("export", "--jsonl", "--db", str(db)).stdout.splitlines()]
    extracted = [json.loads(x) for x in khazar("extract", str(SAMPLE), "--jsonl").stdout.splitlines()]
    assert exported == extracted


def test_nothing_readable_exits_non_zero(tmp_path: Path):
    (tmp_path / "empty.txt").write_bytes(b"")
    out = khazar("extract", str(tmp_path), "--jsonl")
    assert out.returncode == 1
    assert "empty file" in out.stderr and "no article could be read" in out.stderr
    ingest = khazar("ingest", str(tmp_path / "nothing-here"), "--db", str(tmp_path / "k.db"))
    assert ingest.returncode == 1 and "no such file or folder" not in ingest.stdout


def test_interrupted_ingest_ends_in_the_same_state(tmp_path: Path):
    """A run killed mid-way (simulated: a first run over part of the input) and rerun over all of it."""
    news = ROOT.parent / "shared" / "data" / "news" / "irnews.jsonl"
    if not news.exists():
        pytest.skip("news data not available")
    part = tmp_path / "part.jsonl"
    lines = news.read_text(encoding="utf-8").splitlines()[:60]
    part.write_text("\n".join(lines[:25]) + "\n", encoding="utf-8")
    whole = tmp_path / "whole.jsonl"
    whole.write_text("\n".join(lines) + "\n", encoding="utf-8")
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    khazar("ingest", str(part), "--db", str(a))
    khazar("ingest", str(whole), "--db", str(a))
    khazar("ingest", str(whole), "--db", str(b))
    rows = lambda db: sorted(sqlite3.connect(db).execute("SELECT id, content_hash, text FROM articles").fetchall())
    assert rows(a) == rows(b) and len(rows(a)) == 60


def test_tag_conll_appends_a_tag_column(tmp_path: Path):
    f = tmp_path / "x.txt"
    f.write_text("سید|O\nعباس|B_PER\nعراقچی|I_PER\nبه|O\nمسکو|B_LOC\nرفت|O\n\nایران|B_LOC\n", encoding="utf-8")
    out = khazar("tag", "--conll", str(f))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    assert lines[6] == ""  # sentence break kept
    tags = [line.rsplit("|", 1)[1] for line in lines if line]
    assert len(tags) == 7 and set(tags) <= {"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"}
    assert tags[4] == "B-LOC" and tags[6] == "B-LOC"


def test_no_tagger_switch_uses_knowledge_base_and_patterns_only():
    out = khazar("extract", str(SAMPLE / "s001_anzali.txt"), "--jsonl", "--no-tagger")
    assert out.returncode == 0
    assert all(e["kb_id"] for e in json.loads(out.stdout)["entities"])  # no tagger, no unknown names


def test_entity_across_articles_and_kb_candidates(tmp_path: Path):
    db = tmp_path / "k.db"
    news = tmp_path / "n.jsonl"
    records = [
        {"id": "a1", "published": "2025-11-01", "title": "دیدار در رشت",
         "text": "بهرام کیان‌پور، مدیرکل بنادر استان گیلان، با سیدعباس عراقچی وزیر امور خارجه در رشت دیدار کرد."},
        {"id": "a2", "published": "2025-11-02", "title": "گزارش بندر",
         "text": "بهرام کیان‌پور مدیرکل بنادر استان گیلان گفت: ظرفیت بندر انزلی افزایش یافت."},
        {"id": "a3", "published": "2025-11-03", "title": "سفر وزیر", "text": "سیدعباس عراقچی به مسکو سفر کرد."},
    ]
    news.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    assert khazar("ingest", str(news), "--db", str(db)).returncode == 0
    out = khazar("entity", "عراقچی", "--db", str(db), "--json")
    entity = json.loads(out.stdout)
    assert entity["kb_id"] == "per:abbas-araghchi"
    assert sorted(a["id"] for a in entity["articles"]) == ["a1", "a3"]
    both = json.loads(khazar("entity", "عراقچی", "--with", "رشت", "--db", str(db), "--json").stdout)
    assert [a["id"] for a in both["articles"]] == ["a1"]
    assert khazar("entity", "ناشناخته‌ای که نیست", "--db", str(db)).returncode == 1
    candidates = json.loads(khazar("kb", "candidates", "--db", str(db), "--json").stdout)
    person = next(c for c in candidates if c["type"] == "PER")
    assert "کیان‌پور" in person["name"] and person["articles"] == 2
    assert person["examples"] and "بهرام" in person["examples"][0]["sentence"]
