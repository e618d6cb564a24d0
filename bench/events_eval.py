#!/usr/bin/env python3
"""Events of the seeds against the gold: each gold event found (type, place, and date where the gold has one)
and its gold participants named among the found event's participants.

    .venv/bin/python bench/events_eval.py

score.py counts events by place and date only and skips undated ones; this adds the type, the undated events
and `participants_min` (the people the gold says took part; an event may list more, so only recall is measured).
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def load_scorer():
    spec = importlib.util.spec_from_file_location("khazar_score", SHARED / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _names(scorer, gold_doc: dict, name: str) -> set[str]:
    """Keys of a gold name: itself and the aliases its gold entity lists."""
    keys = {scorer.key(name), scorer.strip_honorific(scorer.key(name))}
    for e in gold_doc.get("entities", []):
        if scorer.key(e["name"]) == scorer.key(name):
            keys |= scorer.gold_keys(e)
    return keys


def event_matches(scorer, gold: dict, articles: list[dict]) -> list[dict]:
    """One row per gold event: the best matching predicted event (same type and place, date agreeing) and
    which of the gold participants it names."""
    by_id = {a["id"]: a for a in articles}
    rows = []
    for doc in gold["documents"]:
        article = by_id.get(doc["id"]) or {}
        for ev in doc.get("events", []):
            places = _names(scorer, doc, ev["place"])
            wanted = {p: _names(scorer, doc, p) for p in ev.get("participants_min", [])}
            best, best_found = None, []
            for pe in article.get("events", []):
                if pe.get("type") != ev["type"] or scorer.key(pe.get("place")) not in places:
                    continue
                if ev.get("start") and not str(pe.get("start") or "").startswith(ev["start"][:7]):
                    continue
                got = {scorer.key(p) for p in pe.get("participants", [])}
                got |= {scorer.strip_honorific(k) for k in got}
                found = [p for p, keys in wanted.items() if keys & got]
                if best is None or len(found) > len(best_found):
                    best, best_found = pe, found
            rows.append({"doc": doc["id"], "key": ev.get("key"), "type": ev["type"], "found": best is not None,
                         "participants": list(wanted), "participants_found": best_found})
    return rows


def main() -> None:
    scorer = load_scorer()
    gold = json.loads((SHARED / "gold" / "seeds.gold.json").read_text(encoding="utf-8"))
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "khazar"), "extract", str(SHARED / "seeds"), "--jsonl"],
                         capture_output=True, text=True, check=True)
    rows = event_matches(scorer, gold, [json.loads(line) for line in out.stdout.splitlines()])
    for r in rows:
        missing = [p for p in r["participants"] if p not in r["participants_found"]]
        print(f"{r['doc'][:3]} {r['key']:<36} {'found' if r['found'] else 'MISSING':<8}"
              f" participants {len(r['participants_found'])}/{len(r['participants'])}"
              + (f"  missing: {', '.join(missing)}" if missing else ""))
    found = sum(r["found"] for r in rows)
    p_all = sum(len(r["participants"]) for r in rows)
    p_found = sum(len(r["participants_found"]) for r in rows)
    print(f"events found (type, place, date): {found}/{len(rows)}")
    print(f"participants found: {p_found}/{p_all}")


if __name__ == "__main__":
    main()
