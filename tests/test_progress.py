"""Progress bars of the long CLI steps (ingest, extract, report): on a terminal only."""
from __future__ import annotations

import io
import sys

from khazar.runner import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_and_silence_elsewhere(monkeypatch):
    tty = Terminal()
    monkeypatch.setattr(sys, "stderr", tty)
    assert list(progress(range(3), "ingest")) == [0, 1, 2]
    assert "ingest" in tty.getvalue() and "3/3" in tty.getvalue()
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    assert list(progress(range(3), "ingest")) == [0, 1, 2]
    assert pipe.getvalue() == ""  # a script reading stderr sees only what it saw before


def test_ingest_on_a_terminal_shows_each_phase(monkeypatch, tmp_path):
    from khazar.cli import main

    src = tmp_path / "one.jsonl"
    src.write_text('{"id": "a1", "title": "نشست رشت", "text": "نشست استانداران در رشت برگزار شد.", '
                   '"published": "2025-11-18"}\n', encoding="utf-8")
    tty = Terminal()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["ingest", str(src), "--db", str(tmp_path / "k.db")]) == 0
    out = tty.getvalue()
    assert "ingest" in out and "stored 1" in out  # each batch is indexed as it is written: no phase of its own
