"""Speed of `khazar extract` (cleaning, metadata, dates) over ../shared/data/news, per core.

Speeds are CPU seconds of the measuring process (time.process_time), so a busy machine does not skew the
ratios. Prints articles/s, MB/s and peak memory for khazar's pipeline, and — measured in the same run on the same
texts — hazm's normaliser alone and rishe's normalise+tokenise alone, with khazar's speed as a ratio of each, and
the whole pipeline's CPU milliseconds per article in each of its stages (so a slowdown shows where it is).
hazm 0.10 pins an old numpy, so it runs from its own virtualenv (bench/.venv-hazm, made on first use).

    python bench/extract_bench.py [--limit N] [--no-hazm]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NEWS = ROOT.parent / "shared" / "data" / "news"
HAZM_VENV = ROOT / "bench" / ".venv-hazm"

HAZM_SCRIPT = """
import json, sys, time
from hazm import Normalizer
texts = json.load(open(sys.argv[1], encoding="utf-8"))
n = Normalizer()
for t in texts[:20]:
    n.normalize(t)
start = time.process_time()
for t in texts:
    n.normalize(t)
print(time.process_time() - start)
"""


def hazm_seconds(texts: list[str]) -> float | None:
    python = HAZM_VENV / "bin" / "python"
    if not python.exists():
        print("making bench/.venv-hazm (hazm==0.10.0) …", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(HAZM_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "hazm==0.10.0"], check=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as f:
        json.dump(texts, f, ensure_ascii=False)
    out = subprocess.run([str(python), "-c", HAZM_SCRIPT, f.name], capture_output=True, text=True)
    Path(f.name).unlink()
    if out.returncode != 0:
        print("hazm failed:", out.stderr[-500:], file=sys.stderr)
        return None
    return float(out.stdout.strip().splitlines()[-1])


def rishe_seconds(texts: list[str]) -> float:
    import rishe

    normalizer = rishe.Normalizer()
    start = time.process_time()
    for t in texts:
        rishe.word_tokenize(normalizer.normalize(t))
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-hazm", action="store_true")
    args = ap.parse_args()
    from khazar.ingest import read_paths
    from khazar.model import RawDocument
    from khazar.pipeline import process

    raws = [r for r in read_paths(sorted(NEWS.glob("*.jsonl"))) if isinstance(r, RawDocument)]
    if args.limit:
        raws = raws[: args.limit]
    texts = [((r.title or "") + "\n" + r.raw) for r in raws]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    from khazar import pipeline
    from khazar.pipeline import STAGES, PipelineOptions

    stage_seconds = dict.fromkeys((s.name for s in STAGES), 0.0)

    def timed(options: PipelineOptions) -> float:
        for r in raws[:20]:  # load lexicons, models and compile patterns outside the timing
            process(r, options=options)
        stage_seconds.update(dict.fromkeys(stage_seconds, 0.0))
        start = time.process_time()
        for r in raws:
            process(r, options=options)
        return time.process_time() - start

    def clocked(stage: pipeline.Stage) -> pipeline.Stage:
        def run(work: pipeline.Work) -> None:
            start = time.process_time()
            stage.run(work)
            stage_seconds[stage.name] += time.process_time() - start
        return dataclasses.replace(stage, run=run)

    ours = timed(PipelineOptions(enrich=False))  # the foundation: cleaning, layout, metadata, dates
    # process() reads pipeline.STAGES at each call: the whole pipeline runs with every stage clocked (a clock
    # reading costs about a microsecond, a stage takes milliseconds).
    pipeline.STAGES = tuple(clocked(s) for s in STAGES)
    try:
        full = timed(PipelineOptions())
    finally:
        pipeline.STAGES = STAGES
    full_stage_ms = {name: 1000 * seconds / len(raws) for name, seconds in stage_seconds.items()}
    no_tagger = timed(PipelineOptions(use_tagger=False))  # --no-tagger: entities from the knowledge base and patterns only
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(raws)
    print(f"articles: {n}, {megabytes:.1f} MB of text")
    print(f"khazar foundation (clean+layout+meta+dates): {n / ours:7.1f} articles/s  {megabytes / ours:5.2f} MB/s  (1 core)")
    print(f"khazar whole pipeline (+ {', '.join(s.name for s in STAGES if s.enriches)}): {n / full:7.1f} articles/s  "
          f"{megabytes / full:5.2f} MB/s  peak RSS {peak_mb:.0f} MB  (1 core)")
    print(f"khazar whole pipeline with --no-tagger:     {n / no_tagger:7.1f} articles/s  {megabytes / no_tagger:5.2f} MB/s  (1 core)")
    print("whole pipeline, CPU ms per article by stage: "
          + ", ".join(f"{name} {ms:.2f}" for name, ms in full_stage_ms.items()))
    rs = rishe_seconds(texts)
    print(f"rishe normalise+tokenise alone:             {n / rs:7.1f} articles/s  → khazar at {rs / ours:.2f}× rishe")
    if not args.no_hazm:
        hs = hazm_seconds(texts)
        if hs:
            print(f"hazm 0.10 Normalizer alone:                 {n / hs:7.1f} articles/s  → khazar at {hs / ours:.2f}× hazm")


if __name__ == "__main__":
    main()
