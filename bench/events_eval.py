#!/usr/bin/env python3
"""Events against the gold: the seeds and the 48 news-dev articles, by type, place, date and participants.

    python bench/events_eval.py [--set seeds|news|both] [--misses]

score.py counts a gold event as found when any event of its article has its place and its month; it skips the
undated gold events and ignores the type and the people. This bench measures what a reader needs:
  * found: a predicted event with the gold type, the gold place (null when the gold has none) and, where the
    gold is dated, the gold month — for every gold event, dated or not;
  * place+date: score.py's own count (no type), for comparison;
  * type / place / date: of the gold events whose best prediction (most arguments right) agrees on at least two
    of type, place and date, how many have each argument right;
  * participants: of the gold `participants_min` of the found events, how many the event names, by any name of the
    entity it points to (recall only: an event may name more people than the gold's minimum);
  * precision: predicted events that agree with some gold event of their article on two of type, place and
    date, over all predicted events.
--misses prints every gold event not found with the article's predicted events beside it.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SETS = {
    "seeds": (SHARED / "gold" / "seeds.gold.json", SHARED / "seeds"),
    "news": (SHARED / "gold" / "news-dev.gold.json", SHARED / "gold" / "news-dev.articles.jsonl"),
}


def load_scorer():
    spec = importlib.util.spec_from_file_location("khazar_score", SHARED / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _names(scorer, gold_doc: dict, name: str | None) -> set[str]:
    """Keys of a gold name: itself and the aliases its gold entity lists ({""} for no name)."""
    keys = {scorer.key(name), scorer.strip_honorific(scorer.key(name))}
    for e in gold_doc.get("entities", []):
        if name and scorer.key(e["name"]) == scorer.key(name):
            keys |= scorer.gold_keys(e)
    return keys


def _agreement(scorer, doc: dict, ev: dict, pe: dict) -> tuple[bool, bool, bool]:
    """(type, place, date) of a predicted event agree with a gold event; an undated gold event agrees on any date."""
    type_ok = pe.get("type") == ev["type"]
    place_ok = scorer.key(pe.get("place")) in _names(scorer, doc, ev.get("place"))
    date_ok = not ev.get("start") or str(pe.get("start") or "").startswith(ev["start"][:7])
    return type_ok, place_ok, date_ok


def _participants_found(scorer, doc: dict, ev: dict, pe: dict, entities: dict[str, dict]) -> list[str]:
    """The gold participants a predicted event names: by the name it gives, or by any name of the article's entity it
    points to (score.py's keys: the entity's name, aliases and mentions — "باشگاه داماش گیلان" is "داماش گیلان")."""
    got: set[str] = set()
    for name, eid in zip(pe.get("participants", []), pe.get("participant_ids") or [None] * len(pe.get("participants", []))):
        got |= scorer.pred_keys(entities[eid]) if eid in entities else {scorer.key(name)}
    got |= {scorer.strip_honorific(k) for k in got}
    return [p for p in ev.get("participants_min", []) if _names(scorer, doc, p) & got]


def event_matches(scorer, gold: dict, articles: list[dict]) -> list[dict]:
    """One row per gold event: whether an event of the same type, place and date was found, the arguments of
    the closest prediction, and which of the gold participants the found event names."""
    by_id = {a["id"]: a for a in articles}
    rows = []
    for doc in gold["documents"]:
        article = by_id.get(doc["id"]) or {}
        entities = {e.get("id"): e for e in article.get("entities", [])}
        for ev in doc.get("events", []):
            best, best_rank = None, None
            for pe in article.get("events", []):
                agree = _agreement(scorer, doc, ev, pe)
                rank = (all(agree), sum(agree), len(_participants_found(scorer, doc, ev, pe, entities)))
                if best_rank is None or rank > best_rank:
                    best, best_rank = pe, rank
            agree = _agreement(scorer, doc, ev, best) if best else (False, False, False)
            found = all(agree)
            rows.append({"doc": doc["id"], "key": ev.get("key"), "type": ev["type"], "place": ev.get("place"),
                         "start": ev.get("start"), "found": found, "close": sum(agree) >= 2,
                         "type_ok": agree[0], "place_ok": agree[1], "date_ok": agree[2],
                         "participants": list(ev.get("participants_min", [])),
                         "participants_found": _participants_found(scorer, doc, ev, best, entities) if found else [],
                         "best": best})
    return rows


def precision(scorer, gold: dict, articles: list[dict]) -> tuple[int, int]:
    """(predicted events agreeing with a gold event of their article on two of type, place and date, all)."""
    docs = {d["id"]: d for d in gold["documents"]}
    good = total = 0
    for a in articles:
        doc = docs.get(a.get("id"))
        if doc is None:
            continue
        for pe in a.get("events", []):
            total += 1
            good += any(sum(_agreement(scorer, doc, ev, pe)) >= 2 for ev in doc.get("events", []))
    return good, total


def extract(source: Path) -> list[dict]:
    out = subprocess.run([sys.executable, "-m", "khazar.cli", "extract", str(source), "--jsonl"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return [json.loads(line) for line in out.stdout.splitlines()]


def report(name: str, scorer, show_misses: bool) -> None:
    gold_path, source = SETS[name]
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    articles = extract(source)
    rows = event_matches(scorer, gold, articles)
    by_id = {a["id"]: a for a in articles}
    if show_misses:
        for r in rows:
            if r["found"]:
                continue
            print(f"MISS {r['doc']} {r['key']} {r['type']} place={r['place']} start={r['start']}")
            for pe in by_id.get(r["doc"], {}).get("events", []):
                print(f"     have {pe['type']} «{pe['label']}» place={pe['place']} start={pe['start']}")
    close = [r for r in rows if r["close"]]
    dated = scorer.score(gold, articles)
    good, total = precision(scorer, gold, articles)
    p_all = sum(len(r["participants"]) for r in rows if r["found"])
    p_found = sum(len(r["participants_found"]) for r in rows)
    print(f"[{name}] events found (type, place, date): {sum(r['found'] for r in rows)}/{len(rows)}")
    print(f"[{name}] events with place and date (score.py): {dated['ev_ok']}/{dated['ev_n']}")
    print(f"[{name}] arguments of the {len(close)} closest predictions: type {sum(r['type_ok'] for r in close)}, "
          f"place {sum(r['place_ok'] for r in close)}, date {sum(r['date_ok'] for r in close)}")
    print(f"[{name}] participants of found events: {p_found}/{p_all}")
    print(f"[{name}] precision (predicted events agreeing on two arguments): {good}/{total}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["seeds", "news", "both"], default="both")
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    scorer = load_scorer()
    for name in (["seeds", "news"] if args.set == "both" else [args.set]):
        report(name, scorer, args.misses)


if __name__ == "__main__":
    main()
