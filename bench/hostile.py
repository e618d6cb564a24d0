"""The hostile pass of issue 17, kept: attacks on a live `khazar serve` and on the CLI, one line each.

    .venv/bin/python bench/hostile.py            # prints attack → expected → observed; exit 1 on any failure

A fresh store in a temporary folder (made-up articles, nothing from ../shared), a server on a free
127.0.0.1 port with a write token, the CLI in subprocesses. Traffic goes only to 127.0.0.1. Besides the
fifteen faults of the issue, the attacks the hostile pass found already held (search injection, path
traversal, auth, body limits, stored XSS) are run again so that they keep holding.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from live_server import live_server  # noqa: E402

TOKEN = "hostile-bench-token"
PASSWORD = "Pa55-w0rd-hostile"
TEXT = "تهران - وزیر امور خارجه روز گذشته گفت همکاری‌ها با کشورهای حاشیه خزر ادامه دارد و نشست بعدی در رشت است."
KHAZAR = [sys.executable, "-m", "khazar.cli"]
AUTH = {"Authorization": f"Bearer {TOKEN}"}

Attack = tuple[str, str, Callable[[], tuple[bool, str]]]


def cli(*args: str, env: dict | None = None, prefix: str = "") -> subprocess.CompletedProcess:
    cmd = [*KHAZAR, *args]
    if prefix:
        cmd = ["bash", "-c", f'{prefix}; exec "$@"', "khazar", *cmd]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})


def one_line(p: subprocess.CompletedProcess) -> tuple[bool, str]:
    errors = [x for x in p.stderr.splitlines() if x.startswith("error: ")]
    ok = p.returncode != 0 and "Traceback" not in p.stderr and len(errors) == 1
    return ok, f"exit {p.returncode}: {(errors or p.stderr.strip().splitlines()[-1:] or [''])[0][:90]}"


def http_attacks(c, db: Path) -> list[Attack]:
    def post(body, content_type="application/json", headers=AUTH):
        data = body if isinstance(body, (str, bytes)) else json.dumps(body, ensure_ascii=False)
        return c.post("/api/articles", content=data, headers={**headers, "Content-Type": content_type})

    def status(r, *want) -> tuple[bool, str]:
        return r.status_code in want, f"{r.status_code} {r.text[:70]!r}"

    def impossible_date():
        r = post({"id": "far", "text": TEXT, "published": "9999-12-31"})
        pages = [c.get(p).status_code for p in ("/", "/search?q=تهران", "/articles/far", "/api/articles/far")]
        return r.status_code == 201 and pages == [200] * 4, f"POST {r.status_code}, pages {pages}"

    def stored_impossible_date():
        conn = sqlite3.connect(db)
        conn.execute("UPDATE articles SET published = '0001-01-01' WHERE id = 'far'")  # as an older khazar stored it
        conn.commit()
        conn.close()
        pages = [c.get(p).status_code for p in ("/", "/search?sort=date", "/articles/far")]
        return pages == [200] * 3, f"pages {pages}"

    def costly_query():
        started = time.monotonic()
        r = c.get("/api/search", params={"q": "ا* " * 166})
        took = time.monotonic() - started
        return r.status_code == 400 and took < 2, f"{r.status_code} in {took:.2f} s"

    def repeated_prefix():
        started = time.monotonic()
        r = c.get("/api/search", params={"q": "همکا* " * 80})
        took = time.monotonic() - started
        return r.status_code == 200 and took < 2, f"{r.status_code} in {took:.2f} s"

    def persian_id():
        r = post({"id": "خبر-۱", "text": TEXT + " ۱"})
        loc = r.headers.get("location", "")
        follow = c.get(loc).status_code if loc else None
        return (r.status_code == 201 and loc.isascii() and unquote(loc).endswith("خبر-۱") and follow == 200,
                f"{r.status_code}, Location {loc[:40]}, GET {follow}")

    def bad_id(value):
        def attack():
            r = post({"id": value, "text": TEXT + value[:5]})
            return r.status_code == 422, f"{r.status_code} {r.json().get('error', '')[:60]!r}"
        return attack

    def lock_contention():
        holder = sqlite3.connect(db, timeout=5)
        holder.execute("BEGIN IMMEDIATE")
        try:
            r = post({"id": "late", "text": TEXT + " دیر"})
            read = c.get("/api/search", params={"q": "تهران"}).status_code
        finally:
            holder.rollback()
            holder.close()
        after = post({"id": "late", "text": TEXT + " دیر"}).status_code
        other = sqlite3.connect(db, timeout=1)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.rollback()
            free = True
        except sqlite3.OperationalError:
            free = False
        other.close()
        ok = r.status_code == 503 and r.headers.get("retry-after") and read == 200 and after == 201 and free
        return ok, f"held: POST {r.status_code} Retry-After {r.headers.get('retry-after')}, GET {read}; " \
                   f"released: POST {after}, lock free {free}"

    def javascript_url():
        r = post({"id": "js", "text": TEXT + " js", "url": "javascript:alert(document.cookie)"})
        page = c.get("/articles/js").text.lower()
        return r.status_code == 201 and "javascript:" not in page, f"POST {r.status_code}, javascript: in page " \
                                                                    f"{'javascript:' in page}"

    def entity_links():
        import re

        r = post({"id": "ents", "title": "دیدار در رشت", "text": "بهرام کیانپور مدیرکل بنادر گیلان و سید عباس عراقچی"
                                                                 " وزیر امور خارجه در رشت با نمایندگان دیدار کردند."})
        links = sorted(set(re.findall(r'href="(/entities/[^"]+)"', c.get("/articles/ents").text)))
        bad = [x for x in links if c.get(x.replace("&amp;", "&")).status_code != 200]
        return r.status_code == 201 and links and not bad, f"{len(links)} links, {len(bad)} not 200 {bad[:2]}"

    def xss():
        r = post({"id": "xss", "title": '<script>alert("x")</script>', "text": TEXT + ' <img src=x onerror=alert(1)>'})
        page = c.get("/articles/xss").text
        return r.status_code == 201 and "<script>alert" not in page and "<img src=x" not in page, \
            f"POST {r.status_code}, raw markup in page: {'<script>alert' in page or '<img src=x' in page}"

    def injection(q):
        def attack():
            r = c.get("/api/search", params={"q": q})
            return r.status_code in (200, 400), f"{r.status_code}"
        return attack

    def every_route():
        from khazar.api import create_app
        from khazar.corpus.report import report_from_store
        from route_sweep import get_routes, samples, sweep
        from test_stories import _price_reports, _store_with

        # One outlet's daily prices (made up), then stories and series built as `khazar report --db` does:
        # every kind of page then has an id to ask for.
        store = _store_with(db, _price_reports())
        report_from_store(store)
        store.close()
        app = create_app(str(db))  # only read for its routes: the live server answers

        def get(url, params):
            return c.get(url, params=params, follow_redirects=True)

        failures, requests = sweep(app, get, samples(get))
        return not failures, f"{len(get_routes(app))} routes, {requests} requests, {len(failures)} failures " \
                             f"{failures[:2]}"

    return [
        ("POST published 9999-12-31, then / /search?q= /articles/ID", "201, pages 200", impossible_date),
        ("a stored published 0001-01-01 on /, /search by date and its page", "pages 200", stored_impossible_date),
        ("q = 'ا* ' × 166 (498 chars)", "400 in < 2 s", costly_query),
        ("q = 'همکا* ' × 80 (one prefix, repeated)", "200 in < 2 s", repeated_prefix),
        ("POST id خبر-۱, follow Location", "201, ASCII Location, 200", persian_id),
        *[(f"POST id {v[:18]!r}{'…' if len(v) > 18 else ''}", "422 before storing", bad_id(v))
          for v in (" ", "a\r\nb", "../../etc/passwd", "x" * 5000, "..")],
        ("POST body nested 1,000 deep", "400", lambda: status(post("[" * 1000 + "]" * 1000), 400)),
        ("POST body with a 5,000-digit integer", "400", lambda: status(post('{"id": 1' + "9" * 5000 + "}"), 400)),
        ("POST body not UTF-8", "400", lambda: status(post(b"\xff\xfe{}"), 400)),
        ("POST Content-Type text/plain", "415", lambda: status(post({"text": TEXT}, "text/plain"), 415)),
        ("POST without a token", "401", lambda: status(post({"text": TEXT}, headers={}), 401)),
        ("POST with a wrong token", "401", lambda: status(post({"text": TEXT}, headers={"Authorization": "Bearer x"}), 401)),
        ("POST body of 2 MB", "413", lambda: status(post({"text": "x" * 2_000_000}), 413)),
        ("write lock held by another process", "503 + Retry-After, reads 200, then 201", lock_contention),
        ("POST url javascript:…, article page", "no javascript: link", javascript_url),
        ("entity links on an article page", "all 200", entity_links),
        ("stored <script> in title and text", "escaped", xss),
        *[(f"search q={q!r}", "200 or 400", injection(q)) for q in ('" OR 1=1 --', "NEAR(a b", "*", "a:b^c", "'; DROP TABLE articles; --")],
        ("GET /static/../../etc/passwd", "404", lambda: status(c.get("/static/../../etc/passwd"), 404)),
        ("GET /articles/..%2f..%2fetc%2fpasswd", "404", lambda: status(c.get("/articles/..%2f..%2fetc%2fpasswd"), 404)),
        ("GET /api/search?page=99999999999999999999", "422", lambda: status(c.get("/api/search?page=99999999999999999999"), 422)),
        ("every GET route: bad parameters and ids", "never 5xx; refused 400/404 (API 422) with a message",
         every_route),
    ]


def cli_attacks(tmp: Path) -> list[Attack]:
    db = tmp / "cli.db"
    good = tmp / "good.jsonl"
    good.write_text(json.dumps({"id": "g", "text": TEXT}, ensure_ascii=False) + "\n", encoding="utf-8")

    def page_overflow():
        p = cli("search", "x", "--db", str(db), "--page", "99999999999999999999")
        return one_line(p)

    def locked():
        cli("ingest", str(good), "--db", str(db), "--no-tagger")
        holder = sqlite3.connect(db)
        holder.execute("BEGIN IMMEDIATE")
        more = tmp / "more.jsonl"
        more.write_text(json.dumps({"id": "m", "text": TEXT + " تازه"}, ensure_ascii=False) + "\n", encoding="utf-8")
        try:
            return one_line(cli("ingest", str(more), "--db", str(db), "--no-tagger", env={"KHAZAR_BUSY_SECONDS": "0.5"}))
        finally:
            holder.rollback()
            holder.close()

    def disk_full():
        big = tmp / "big.jsonl"
        big.write_text("\n".join(json.dumps({"id": f"b{i}", "text": f"{TEXT} {i} " * 40}, ensure_ascii=False)
                                 for i in range(200)) + "\n", encoding="utf-8")
        return one_line(cli("ingest", str(big), "--db", str(tmp / "small.db"), "--no-tagger", "--batch", "20",
                            prefix="ulimit -f 256"))

    def password():
        p = cli("ingest", str(good), "--db", f"postgresql://u:{PASSWORD}@127.0.0.1:9/x?connect_timeout=3")
        ok, seen = one_line(p)
        return ok and PASSWORD not in p.stdout + p.stderr, seen.replace(PASSWORD, "<PASSWORD>")

    def special_files():
        folder = tmp / "special"
        folder.mkdir()
        (folder / "good.txt").write_text(f"تیتر\n{TEXT}", encoding="utf-8")
        (folder / "zero.txt").symlink_to("/dev/zero")
        os.mkfifo(folder / "fifo.txt")
        (folder / "broken.txt").symlink_to(folder / "missing")
        (folder / "loop.txt").symlink_to(folder / "loop.txt")
        sdb = tmp / "special.db"
        try:
            p = cli("ingest", str(folder), "--db", str(sdb), "--no-tagger")
        except subprocess.TimeoutExpired:
            return False, "hung"
        rejected = cli("rejections", "--db", str(sdb)).stdout.count("\n")
        return p.returncode == 0 and "stored 1" in p.stderr and rejected == 4, f"exit {p.returncode}, " \
            f"{p.stderr.strip().splitlines()[-1][:60]}, {rejected} rejections"

    def nested_line():
        f = tmp / "nested.jsonl"
        f.write_text("\n".join([json.dumps({"id": "n1", "text": TEXT}, ensure_ascii=False), "[" * 100_000,
                                json.dumps({"id": "n2", "text": TEXT + " ۲"}, ensure_ascii=False)]) + "\n", encoding="utf-8")
        p = cli("extract", str(f), "--jsonl")
        ids = [json.loads(x)["id"] for x in p.stdout.splitlines()]
        return ids == ["n1", "n2"] and ":2: broken JSON line" in p.stderr, f"ids {ids}"

    def one_line_dump():
        f = tmp / "oneline.txt"
        f.write_text(TEXT * 3, encoding="utf-8")
        out = json.loads(cli("extract", str(f)).stdout)
        return len(out["text"]) > len(TEXT), f"text {len(out['text'])} chars, title {len(out['title'])}"

    def stray_byte():
        f = tmp / "stray.txt"
        data = f"تیتر خبر\n{TEXT}\n{TEXT}".encode()
        f.write_bytes(data[:60] + b"\xff" + data[60:])
        out = json.loads(cli("extract", str(f)).stdout)
        return "وزیر امور خارجه" in out["text"], f"'وزیر امور خارجه' in text: {'وزیر امور خارجه' in out['text']}"

    return [
        ("khazar search --page 99999999999999999999", "one line, exit ≠ 0", page_overflow),
        ("khazar ingest while another process holds the lock", "one line 'busy', exit ≠ 0", locked),
        ("khazar ingest under ulimit -f 256", "one line, exit ≠ 0", disk_full),
        ("khazar ingest --db postgresql://u:PASSWORD@…", "one line, no password", password),
        ("folder with /dev/zero link, FIFO, broken and looping links", "1 stored, 4 rejections", special_files),
        ("JSONL with a line nested 100,000 deep", "lines 1 and 3 read, line 2 rejected", nested_line),
        ("a dump on a single line", "stored with its text", one_line_dump),
        ("a UTF-8 dump with one \\xff byte", "UTF-8, no mojibake", stray_byte),
    ]


def main() -> int:
    import httpx

    rows: list[tuple[str, str, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = tmp / "hostile.db"
        with open(tmp / "server.log", "w") as log, live_server(db, log, token=TOKEN,
                                                             env={"KHAZAR_BUSY_SECONDS": "1"}) as base:
            with httpx.Client(base_url=base, timeout=30) as client:
                for name, expected, attack in http_attacks(client, db):
                    rows.append((name, expected, *_run(attack)))
        for name, expected, attack in cli_attacks(tmp):
            rows.append((name, expected, *_run(attack)))
        server_errors = (tmp / "server.log").read_text(errors="replace").count("unhandled error")
    rows.append(("server log", "no unhandled error", f"{server_errors} unhandled", server_errors == 0))
    width = max(len(r[0]) for r in rows)
    wexp = max(len(r[1]) for r in rows)
    print(f"{'attack':<{width}}  {'expected':<{wexp}}  observed")
    for name, expected, observed, ok in rows:
        print(f"{name:<{width}}  {expected:<{wexp}}  {'ok  ' if ok else 'FAIL'} {observed}")
    failures = sum(not r[3] for r in rows)
    print(f"\n{len(rows)} attacks, {failures} failures")
    return 1 if failures else 0


def _run(attack: Callable[[], tuple[bool, str]]) -> tuple[str, bool]:
    try:
        ok, observed = attack()
        return observed, bool(ok)
    except Exception as exc:  # an attack that breaks the bench is a failure to report, not a crash
        return f"{type(exc).__name__}: {str(exc)[:80]}", False


if __name__ == "__main__":
    sys.exit(main())
