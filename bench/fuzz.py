"""Fuzz the readers and the pipeline (any bytes, any file name → `read_blob` → `process` for each document),
or the HTTP layer (`--target http`: bytes → a request to the app over a small store → never a 5xx but 503).

    .venv/bin/python bench/fuzz.py -max_total_time=60              # atheris (libFuzzer), coverage-guided
    .venv/bin/python bench/fuzz.py --engine random --seconds 60    # hypothesis-generated inputs, no atheris
    .venv/bin/python bench/fuzz.py --target http -max_total_time=60

`bench/robustness_report.py` runs this and prints the figures. What one input does is what `khazar
ingest` does with one file: decode, detect the format, read, then `process` every document. An exception
from either stage is a crash; it is recorded (stage, type, message, where) with the input saved under
bench/out/fuzz-crashes/, and fuzzing goes on, so that one run counts every distinct crash rather than
stopping at the first. A hang is caught by libFuzzer's `-timeout` (default here 30 s per input) or, for the
random engine, by SIGALRM. The tally (inputs, documents, articles, rejections by reason, crashes, slowest
input) is written as JSON to $KHAZAR_FUZZ_TALLY (default bench/out/fuzz-tally.json) every few seconds and
at exit, because libFuzzer ends the process itself.
"""
from __future__ import annotations

import argparse
import atexit
import hashlib
import json
import os
import re
import signal
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
TALLY_PATH = Path(os.environ.get("KHAZAR_FUZZ_TALLY", OUT / "fuzz-tally.json"))
CRASH_DIR = OUT / "fuzz-crashes"
SUFFIXES = [".txt", ".jsonl", ".json", ".html", ".htm", ".xml", ".rss", ".atom", "", ".bin"]

tally: dict = {"engine": None, "target": "readers", "started": time.time(), "seconds": 0.0, "inputs": 0,
               "documents": 0, "articles": 0, "rejections": 0, "rejections_by_reason": Counter(), "crashes": [],
               "crash_kinds": Counter(), "slowest_input_seconds": 0.0, "slowest_input_bytes": 0,
               "responses_by_status": Counter()}
_last_write = 0.0


def reason_group(reason: str) -> str:
    """A rejection reason without its particulars (byte positions, parser messages), for counting."""
    reason = re.sub(r"\(.*\)", "(…)", reason)
    reason = re.sub(r"\d+", "N", reason)
    return reason.split(":")[0].strip()


def write_tally() -> None:
    tally["seconds"] = round(time.time() - tally["started"], 1)
    TALLY_PATH.parent.mkdir(parents=True, exist_ok=True)
    tmp = TALLY_PATH.with_suffix(".tmp")
    tmp.write_text(json.dumps(tally, ensure_ascii=False, indent=1, default=dict), encoding="utf-8")
    tmp.replace(TALLY_PATH)


def _crash(stage: str, exc: BaseException, name: str, data: bytes) -> None:
    where = traceback.extract_tb(exc.__traceback__)[-1]
    kind = f"{stage}: {type(exc).__name__} at {Path(where.filename).name}:{where.lineno}"
    tally["crash_kinds"][kind] += 1
    if tally["crash_kinds"][kind] == 1:  # keep one input per distinct crash
        CRASH_DIR.mkdir(parents=True, exist_ok=True)
        saved = CRASH_DIR / f"{hashlib.sha1(data).hexdigest()[:16]}{name[name.rfind('.'):] if '.' in name else ''}"
        saved.write_bytes(data)
        tally["crashes"].append({"kind": kind, "message": str(exc)[:300], "input": str(saved.relative_to(ROOT))})


def _done(started: float, data: bytes) -> None:
    """After one input: the slowest so far, and the tally on disk every 5 s."""
    global _last_write
    took = time.perf_counter() - started
    if took > tally["slowest_input_seconds"]:
        tally["slowest_input_seconds"], tally["slowest_input_bytes"] = round(took, 3), len(data)
    if time.time() - _last_write > 5:
        _last_write = time.time()
        write_tally()


def one_input(name: str, data: bytes) -> None:
    """What `khazar ingest` does with one file; exceptions are recorded, never raised."""
    from khazar.ingest import read_blob
    from khazar.model import Rejection
    from khazar.pipeline import process

    started = time.perf_counter()
    tally["inputs"] += 1
    try:
        items = list(read_blob(name, data))
    except Exception as exc:  # a crash is the finding: count it and go on
        _crash("read", exc, name, data)
        items = []
    for item in items:
        if isinstance(item, Rejection):
            tally["rejections"] += 1
            tally["rejections_by_reason"][reason_group(item.reason)] += 1
            continue
        tally["documents"] += 1
        try:
            process(item)
            tally["articles"] += 1
        except Exception as exc:
            _crash("process", exc, name, data)
    _done(started, data)


# ------------------------------------------------------------------------------------------ HTTP ----

_HTTP: dict = {}
HTTP_TOKEN = "fuzz-token"
HTTP_PARAMS = ["q", "from", "to", "outlet", "entity", "topic", "story", "sort", "page", "size", "semantic",
               "speaker", "place", "type", "min_size", "order", "all"]
HTTP_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "", "application/x-ndjson"]


def http_client():
    """One app over a store of made-up articles (in a temporary folder), for every HTTP input."""
    if "client" not in _HTTP:
        import tempfile

        from fastapi.testclient import TestClient

        from khazar.api import create_app
        from khazar.model import RawDocument
        from khazar.runner import safe_process
        from khazar.store.sqlite import SQLiteStore

        folder = tempfile.mkdtemp(prefix="khazar-fuzz-http-")
        db = str(Path(folder) / "fuzz.db")
        store = SQLiteStore(db)
        text = "تهران - وزیر امور خارجه روز ۲۷ آبان ۱۴۰۴ گفت: «همکاری‌ها ادامه دارد.» نشست در رشت برگزار شد."
        for i in range(20):
            raw = RawDocument(id=f"a{i}", raw=f"{text} {i}", format="jsonl", origin="seed", title=f"خبر {i}",
                              published=f"2025-11-{i + 1:02d}")
            store.add_article(safe_process(raw), raw)
        store.index_pending()
        store.commit()
        store.close()
        _HTTP["client"] = TestClient(create_app(db, token=HTTP_TOKEN), raise_server_exceptions=False).__enter__()
        sys.path.insert(0, str(ROOT / "tests"))
        from route_sweep import get_routes

        _HTTP["routes"] = get_routes(_HTTP["client"].app)  # every GET route, those added later too
    return _HTTP["client"]


def http_request(data: bytes) -> tuple[str, str, dict]:
    """Fuzzer bytes → (method, url or path, httpx keyword arguments): the first byte picks a POST or one of
    the app's GET routes, the rest, split at NUL bytes, gives the path id, parameter values or the body."""
    kind, rest = data[0], data[1:]
    fields = [f.decode("utf-8", "replace") for f in rest.split(b"\x00")]
    if kind % 4 == 3:  # a POST: the body as given, its Content-Type from the second byte
        ctype = HTTP_TYPES[(data[1] if len(data) > 1 else 0) % len(HTTP_TYPES)]
        return "POST", "/api/articles", {"content": rest[1:], "headers": {
            "Authorization": f"Bearer {HTTP_TOKEN}", "Content-Type": ctype}}
    from route_sweep import fill, path_kind

    http_client()
    route = _HTTP["routes"][kind % len(_HTTP["routes"])]
    if path_kind(route) is not None:
        return "GET", fill(route, fields[0]), {}
    params = {HTTP_PARAMS[(len(v) + i) % len(HTTP_PARAMS)]: v for i, v in enumerate(fields[:6])}
    return "GET", route.path, {"params": params}


def one_http_input(data: bytes) -> None:
    """One request; a 5xx other than 503 (busy, time limit) or an exception out of the client is a crash."""
    if not data:
        return
    started = time.perf_counter()
    tally["inputs"] += 1
    method, url, kw = http_request(data)
    try:
        status = http_client().request(method, url, **kw).status_code
    except Exception as exc:
        _crash("http", exc, "request.bin", data)
        return
    tally["responses_by_status"][str(status)] += 1
    if status >= 500 and status != 503:
        _crash("http", RuntimeError(f"{status} from {method} {url[:80]}"), "request.bin", data)
    _done(started, data)


def http_seed_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    record = json.dumps({"id": "خبر-۱", "title": "تیتر", "text": "وزیر گفت همکاری ادامه دارد.",
                         "published": "9999-12-31", "url": "javascript:alert(1)"}, ensure_ascii=False).encode()
    seeds = {"search": bytes([0]) + "کرید*\x00۱۴۰۴/۰۸/۲۷\x00ا* ا*".encode(), "page": bytes([1]) + "استان".encode(),
             "article": bytes([8]) + "../../etc/passwd".encode(), "entity": bytes([12]) + "name:رشت".encode(),
             "post": bytes([3, 0]) + record, "deep": bytes([3, 0]) + b"[" * 1000 + b"]" * 1000}
    for name, data in seeds.items():
        (folder / name).write_bytes(data)


def seed_corpus(folder: Path) -> None:
    """Made-up seeds of every format and encoding (no real articles), for libFuzzer to mutate."""
    text = "تهران - وزیر امور خارجه روز ۲۷ آبان ۱۴۰۴ گفت: «همکاری‌ها ادامه دارد.»\nبه گزارش ایرنا، نشست ۳۲ اسفند لغو شد."
    seeds = {
        "dump.txt": f" date 2025-11-18 ISNA\nعنوان خبر\n{text}\nمنبع: ایسنا".encode(),
        "cp1256.txt": text.replace("ی", "ي").replace("‌", " ").encode("cp1256", errors="replace"),
        "utf16.txt": text.encode("utf-16"),
        "news.jsonl": (json.dumps({"id": "a", "title": "تیتر", "text": text, "published": "2025-11-18T10:30"},
                                  ensure_ascii=False) + "\n{broken\n").encode(),
        "page.html": f"<html><head><title>تیتر</title></head><body><article><p>{text}</p><time>۲۷ آبان ۱۴۰۴</time>"
                     f"</article></body></html>".encode(),
        "feed.xml": f'<rss version="2.0"><channel><title>خبر</title><item><title>تیتر</title><pubDate>Tue, 18 Nov 2025'
                    f' 10:30:00 GMT</pubDate><description>{text}</description></item></channel></rss>'.encode(),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        # The first byte picks the file name suffix (see _from_fuzzer), so seeds carry theirs.
        suffix = name[name.rfind("."):]
        (folder / name).write_bytes(bytes([SUFFIXES.index(suffix)]) + data)


def warm_up() -> None:
    """Load the models before the clock starts, so the slowest-input figure is about inputs, not start-up."""
    from khazar.model import RawDocument
    from khazar.pipeline import process

    process(RawDocument(id="w", raw="تهران - وزیر گفت: «ادامه دارد.»", format="dump", origin="w.txt"))


def _from_fuzzer(data: bytes) -> None:
    if not data:
        return
    suffix = SUFFIXES[data[0] % len(SUFFIXES)]
    one_input(f"fuzz{suffix}", data[1:])


def run_atheris(argv: list[str], target: str) -> None:
    import atheris

    tally["engine"] = f"atheris {getattr(atheris, '__version__', '')}".strip()
    with atheris.instrument_imports(include=["khazar"]):
        import khazar.ingest  # noqa: F401  (instrumented for coverage guidance)
        import khazar.pipeline  # noqa: F401
        if target == "http":
            import khazar.api  # noqa: F401
            import khazar.web  # noqa: F401
    warm_up()
    if target == "http":
        http_client()
    corpus = [a for a in argv[1:] if not a.startswith("-")]
    if not corpus:
        folder = OUT / ("fuzz-corpus-http" if target == "http" else "fuzz-corpus")
        (http_seed_corpus if target == "http" else seed_corpus)(folder)
        argv = [*argv, str(folder)]
    if not any(a.startswith("-timeout=") for a in argv):
        argv.append("-timeout=30")
    if not any(a.startswith("-rss_limit_mb=") for a in argv):
        argv.append("-rss_limit_mb=4096")  # the models khazar loads are larger than libFuzzer's 2 GB default
    atheris.Setup(argv, one_http_input if target == "http" else _from_fuzzer)
    atheris.Fuzz()


def run_random(seconds: float, seed: int | None, target: str = "readers") -> None:
    """No atheris: inputs from the property tests' hypothesis strategies, in a plain loop."""
    import random
    import warnings

    from hypothesis.errors import NonInteractiveExampleWarning

    sys.path.insert(0, str(ROOT / "tests"))
    from test_properties import any_file_bytes  # the same generators the property tests use

    warnings.simplefilter("ignore", NonInteractiveExampleWarning)
    tally["engine"] = "hypothesis random loop"
    rng = random.Random(seed)

    def alarm(_sig, _frame):
        raise TimeoutError("input took longer than 30 s")

    signal.signal(signal.SIGALRM, alarm)
    warm_up()
    end = time.time() + seconds
    while time.time() < end:
        data = any_file_bytes.example()
        name = f"rand{rng.choice(SUFFIXES)}"
        signal.alarm(30)
        try:
            if target == "http":
                one_http_input(bytes([rng.randrange(256)]) + data)
            else:
                one_input(name, data)
        except TimeoutError as exc:
            _crash("hang", exc, name, data)
        finally:
            signal.alarm(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["atheris", "random"], default="atheris")
    parser.add_argument("--target", choices=["readers", "http"], default="readers")
    parser.add_argument("--seconds", type=float, default=60, help="time budget of the random engine")
    parser.add_argument("--seed", type=int, default=None)
    args, rest = parser.parse_known_args()
    atexit.register(write_tally)
    import logging

    logging.disable(logging.WARNING)  # trafilatura and feedparser complain about every malformed input
    tally["target"] = args.target
    if args.engine == "atheris":
        run_atheris([sys.argv[0], *rest], args.target)
    else:
        run_random(args.seconds, args.seed, args.target)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
