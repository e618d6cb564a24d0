"""Where the knowledge files live and how they are read: every module that needs a word list, a pattern file or
the titles asks `data(name)` (exported as `khazar.kb.data`) instead of building its own path and parser.

The parsed content is cached and shared by every caller, so it is read-only: callers compile it into their own
structures (frozensets, regexes, automata) and never change it in place.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"

# libyaml's C parser reads the same documents ~8x faster than the pure-Python one (identical results on every
# file of DATA_DIR); the pure-Python parser is the fallback where PyYAML was built without libyaml.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def data_path(name: str) -> Path:
    """The file of a knowledge-file name: "events" → khazar/kb/data/events.yaml."""
    return DATA_DIR / f"{name}.yaml"


@functools.lru_cache(maxsize=None)
def data(name: str) -> Any:
    """The parsed content of khazar/kb/data/<name>.yaml (shared: do not modify it)."""
    return yaml.load(data_path(name).read_text(encoding="utf-8"), Loader=YAML_LOADER)
