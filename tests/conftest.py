"""Shared fixtures: where ../shared is, and helpers to skip tests that need it."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
GOLD = SHARED / "gold" / "seeds.gold.json"
NEWS = SHARED / "data" / "news"
SAMPLE = ROOT / "khazar" / "sample" / "articles"

needs_shared = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared is not beside the repository")


def news_records(n: int, *, seed: int, words_per_text: int) -> list[str]:
    """About n news JSONL lines: the first n/2 of each ../shared/data/news file, or, without ../shared,
    generated records of Persian news words (a bare clone still runs the test)."""
    import random

    records = []
    for f in sorted(NEWS.glob("*.jsonl")) if NEWS.is_dir() else []:
        with f.open(encoding="utf-8") as fh:
            records += [line.rstrip("\n") for _, line in zip(range(n // 2), fh)]
    if not records:
        words = "وزیر امور خارجه روز ۲۷ آبان ۱۴۰۴ در تهران گفت که همکاری‌ها ادامه دارد و مجلس ایران".split()
        rng = random.Random(seed)
        records = [json.dumps({"id": f"g{i}", "title": " ".join(rng.choices(words, k=6)),
                               "text": " ".join(rng.choices(words, k=words_per_text)) + ".",
                               "published": "2025-11-18"}, ensure_ascii=False) for i in range(n)]
    return records


@pytest.fixture(scope="session")
def gold() -> dict:
    if not GOLD.exists():
        pytest.skip("gold file not available")
    return json.loads(GOLD.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def scorer():
    path = SHARED / "eval" / "score.py"
    if not path.exists():
        pytest.skip("scorer not available")
    spec = importlib.util.spec_from_file_location("khazar_shared_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def seed_articles() -> list[dict]:
    """The seeds through the whole pipeline, once per test session."""
    if not SEEDS.is_dir():
        pytest.skip("seeds not available")
    from khazar.ingest import read_paths
    from khazar.model import Rejection
    from khazar.pipeline import process

    out = []
    for item in read_paths([SEEDS]):
        assert not isinstance(item, Rejection), item
        out.append(process(item).to_dict())
    return out


@pytest.fixture()
def client(db):
    """The HTTP API over the store at `db`, a path each API test module gives with its own `db` fixture."""
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from khazar.api import create_app
    from fixtures import API_TOKEN

    with TestClient(create_app(db, token=API_TOKEN), raise_server_exceptions=False) as c:
        yield c
