"""Robustness figures: fuzz the readers and the pipeline for a bounded time and print what happened.

    .venv/bin/python bench/robustness_report.py                    # 120 s of atheris (random loop without it)
    .venv/bin/python bench/robustness_report.py --seconds 600 --engine random
    .venv/bin/python bench/robustness_report.py --tiny-files 100000 # also: 100k tiny files through read_paths
    .venv/bin/python bench/robustness_report.py --target http       # requests to the HTTP app instead

Prints how many inputs were tried, how many documents they held, how many became articles, the rejections
grouped by reason, the crashes (stage, exception, place, a saved input to replay), and the slowest input.
The exit code is 1 when there was a crash, so the report can gate a release.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fuzz(engine: str, seconds: float, seed: int | None, target: str = "readers") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tally_path = Path(tmp) / "tally.json"
        env = {**os.environ, "KHAZAR_FUZZ_TALLY": str(tally_path)}
        cmd = [sys.executable, str(ROOT / "bench" / "fuzz.py"), "--target", target]
        if engine == "atheris":
            cmd += [f"-max_total_time={int(seconds)}", "-print_final_stats=1"]
            if seed is not None:
                cmd.append(f"-seed={seed}")
        else:
            cmd += ["--engine", "random", "--seconds", str(seconds)] + (["--seed", str(seed)] if seed is not None else [])
        # Generous: start-up plus the budget plus one slow input; a run past it is itself a hang.
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env,
                              timeout=seconds + 300)
        if not tally_path.exists():
            sys.exit(f"the fuzzer wrote no tally (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        tally = json.loads(tally_path.read_text(encoding="utf-8"))
        tally["exit_code"] = proc.returncode
        tally["fuzzer_tail"] = proc.stderr[-1500:] if proc.returncode else ""
        return tally


def tiny_files(n: int) -> dict:
    """n tiny files (text, empty, binary, JSON fragments) through read_paths and process."""
    from khazar.ingest import read_paths
    from khazar.model import Rejection
    from khazar.runner import safe_process

    contents = [b"", b" ", b"\x00", b"\xff", "خبر".encode(), "ی".encode("utf-16"), b"{", b"<rss></rss>",
                b"<html></html>", "تیتر\nمتن کوتاه ۱۴۰۴".encode("cp1256", errors="replace"), "خبر\nمتن".encode()]
    suffixes = [".txt", ".jsonl", ".html", ".xml", ""]
    reasons: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            d = Path(tmp) / f"d{i // 1000}"
            d.mkdir(exist_ok=True)
            (d / f"t{i}{suffixes[i % len(suffixes)]}").write_bytes(contents[i % len(contents)])
        started = time.perf_counter()
        files, articles, crashes = set(), 0, 0
        for item in read_paths([tmp]):
            files.add(item.origin)
            result = item if isinstance(item, Rejection) else safe_process(item)
            if isinstance(result, Rejection):
                reasons[result.reason.split(":")[0]] += 1
                crashes += result.reason.startswith("processing failed")
            else:
                articles += 1
        seconds = time.perf_counter() - started
    return {"files": n, "files_accounted_for": len(files), "articles": articles, "rejections": dict(reasons),
            "crashes": crashes, "seconds": round(seconds, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--engine", choices=["auto", "atheris", "random"], default="auto")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--tiny-files", type=int, default=0, metavar="N", help="also read N tiny files")
    parser.add_argument("--target", choices=["readers", "http"], default="readers")
    args = parser.parse_args()
    engine = args.engine
    if engine == "auto":
        try:
            import atheris  # noqa: F401
            engine = "atheris"
        except ImportError as exc:
            print(f"atheris not importable ({exc}); using the hypothesis random loop")
            engine = "random"
    t = fuzz(engine, args.seconds, args.seed, args.target)
    print(f"engine:            {t['engine']}, target {t['target']}, {t['seconds']} s wall (budget {args.seconds:.0f} s)")
    print(f"inputs tried:      {t['inputs']}")
    if args.target == "http":
        print("responses:         " + ", ".join(f"{s}: {n}" for s, n in sorted(t["responses_by_status"].items())))
    else:
        print(f"documents in them: {t['documents']}  → articles {t['articles']}")
        print(f"rejections:        {t['rejections']}")
        for reason, n in sorted(t["rejections_by_reason"].items(), key=lambda kv: -kv[1]):
            print(f"  {n:8d}  {reason}")
    crashes = sum(t["crash_kinds"].values())
    print(f"crashes:           {crashes}" + ("" if crashes else "  (none)"))
    for c in t["crashes"]:
        print(f"  {t['crash_kinds'][c['kind']]:8d}  {c['kind']}: {c['message'][:160]}  replay: {c['input']}")
    print(f"slowest input:     {t['slowest_input_seconds']} s ({t['slowest_input_bytes']} bytes)")
    if t["exit_code"] not in (0, None):
        print(f"fuzzer exit code {t['exit_code']} (libFuzzer reports a per-input timeout or memory limit this way):")
        print(t["fuzzer_tail"])
    if args.tiny_files:
        r = tiny_files(args.tiny_files)
        print(f"tiny files:        {r['files']} files, {r['files_accounted_for']} accounted for, {r['articles']} articles,"
              f" {r['crashes']} crashes, {r['seconds']} s")
        for reason, n in sorted(r["rejections"].items(), key=lambda kv: -kv[1]):
            print(f"  {n:8d}  {reason}")
        crashes += r["crashes"] + (r["files"] - r["files_accounted_for"])
    return 1 if crashes or t["exit_code"] not in (0, None) else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
