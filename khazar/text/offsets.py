"""Text that remembers where each of its characters came from.

Every cleaning step is a list of edits (start, end, replacement). Applying edits yields new text and a new
per-character map to offsets in the original raw string, so a span found in clean text can always be shown
in the raw input. The map is an `array` so that copying unchanged stretches stays in C.
"""
from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping

import numpy as np

Edit = tuple[int, int, str]


class TrackedText:
    __slots__ = ("text", "_map", "raw_length")

    def __init__(self, text: str, raw_map: array | None = None, raw_length: int | None = None):
        self.text = text
        self.raw_length = len(text) if raw_length is None else raw_length
        # None means identity: nothing has been edited yet, so don't pay for the array.
        self._map = raw_map

    def raw_offset(self, pos: int) -> int:
        if self._map is None:
            return min(pos, self.raw_length)
        if pos >= len(self._map):
            return self.raw_length
        return self._map[pos]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw span a clean span came from (end is exclusive)."""
        if end <= start:
            r = self.raw_offset(start)
            return r, r
        return self.raw_offset(start), self.raw_offset(end - 1) + 1

    def apply(self, edits: Iterable[Edit]) -> "TrackedText":
        """Apply sorted, non-overlapping edits; inserted text maps to the raw offset of what it replaced."""
        edits = list(edits)
        if not edits:
            return self
        src = self.text
        old_map = self._map if self._map is not None else array("q", range(len(src)))
        pieces: list[str] = []
        new_map = array("q")
        pos = 0
        for start, end, rep in edits:
            if start < pos:
                raise ValueError(f"overlapping edit at {start} (previous edit ended at {pos})")
            pieces.append(src[pos:start])
            new_map.extend(old_map[pos:start])
            if rep:
                anchor = old_map[start] if start < len(old_map) else self.raw_length
                pieces.append(rep)
                new_map.extend([anchor] * len(rep))
            pos = end
        pieces.append(src[pos:])
        new_map.extend(old_map[pos:])
        return TrackedText("".join(pieces), new_map, self.raw_length)

    def sub(self, pattern: re.Pattern[str], repl: str | Callable[[re.Match[str]], str],
            needle: str | None = None) -> "TrackedText":
        """`re.sub` that keeps the offset map; `needle`, a string every match contains, skips hopeless texts."""
        if needle is not None and needle not in self.text:
            return self
        edits: list[Edit] = []
        for m in pattern.finditer(self.text):
            old = m.group(0)
            new = repl(m) if callable(repl) else m.expand(repl)
            if new == old:
                continue
            if not new or len(old) == 1:
                edits.append((m.start(), m.end(), new))
                continue
            # Edit only the part that changed, so untouched characters keep their exact raw offsets.
            head = 0
            limit = min(len(old), len(new))
            while head < limit and old[head] == new[head]:
                head += 1
            tail = 0
            while tail < limit - head and old[-1 - tail] == new[-1 - tail]:
                tail += 1
            edits.append((m.start() + head, m.end() - tail, new[head:len(new) - tail]))
        return self.apply(edits)

    def translate(self, table: Mapping[int, int | str | None]) -> "TrackedText":
        """Character-for-character mapping (one char to one char keeps every offset)."""
        return TrackedText(self.text.translate(table), self._map, self.raw_length)

    def anchors(self) -> list[list[int]]:
        """Compact form of the map: [clean, raw] pairs wherever it stops being raw = previous + 1."""
        if self._map is None or not self._map:
            return [[0, 0]] if self.text else []
        raw = np.frombuffer(self._map, dtype=np.int64) if self._map.itemsize == 8 else np.array(self._map, dtype=np.int64)
        jumps = np.flatnonzero(np.diff(raw) != 1) + 1
        starts = np.concatenate(([0], jumps))
        return np.stack([starts, raw[starts]], axis=1).tolist()


def raw_offset_from_anchors(anchors: list[list[int]], pos: int) -> int:
    """Map a clean offset to a raw one using the compact anchors stored with an Article."""
    if not anchors:
        return pos
    # Every place where the map is not "previous + 1" has an anchor, so between anchors it is linear.
    i = bisect_right(anchors, [pos, float("inf")]) - 1
    clean, raw = anchors[max(i, 0)]
    return raw + (pos - clean)
