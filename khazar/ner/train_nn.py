"""Train the neural Persian NER tagger (BiLSTM-CRF) on PEYMA and export it to ONNX.

    python -m khazar.ner.train_nn [--peyma DIR] [--news DIR] [--out DIR] [--epochs N] ...

Needs the build extra (torch, onnx, scipy, babel). Deterministic on CPU (fixed seeds, one
thread). Word embeddings are initialised from PPMI+SVD vectors built here on the unlabeled
news (train.build_vectors, the code path of the CRF's word clusters); a char-CNN covers unknown
words and affixes; per-token flags come from the CRF's word lists, place gazetteer and PEYMA
entity memory (nn_tagger.Featurizer). Early stopping on PEYMA dev micro F1 (PER/ORG/LOC).
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .conll import evaluate, read_conll
from .features import Lexicon
from .bio import clean
from .nn_tagger import MAX_CHARS, N_FLAGS, NN_MODEL_DIR, PAD, UNK, Featurizer, viterbi, word_key
from .train import (KEEP_TYPES, SHARED, build_gazetteer, build_vectors, entity_dict, fmt_scores,
                    jackknife_lexicons)

ALL_TYPES = ("PER", "ORG", "LOC", "DAT", "TIM", "MON", "PCT")


# --- model ------------------------------------------------------------------------

def _reverse_index(lengths: torch.Tensor, T: int) -> torch.Tensor:
    """Per-sentence index that reverses the first ``length`` positions and keeps padding in place."""
    t = torch.arange(T, device=lengths.device).unsqueeze(0)
    L = lengths.unsqueeze(1)
    return torch.where(t < L, L - 1 - t, t)


class NERNet(nn.Module):
    def __init__(self, n_words, n_chars, n_tags, word_dim=100, char_dim=30, char_filters=50,
                 hidden=128, enc="lstm", dropout=0.5):
        super().__init__()
        self.enc = enc
        self.word_emb = nn.Embedding(n_words, word_dim, padding_idx=PAD)
        self.char_emb = nn.Embedding(n_chars, char_dim, padding_idx=PAD)
        self.char_cnn = nn.Conv1d(char_dim, char_filters, kernel_size=3, padding=1)
        d_in = word_dim + char_filters + N_FLAGS
        self.drop = nn.Dropout(dropout)
        if enc == "lstm":
            self.fwd = nn.LSTM(d_in, hidden, batch_first=True)
            self.bwd = nn.LSTM(d_in, hidden, batch_first=True)
            d_out = 2 * hidden
        else:  # dilated CNN
            self.inp = nn.Linear(d_in, 2 * hidden)
            self.convs = nn.ModuleList(nn.Conv1d(2 * hidden, 2 * hidden, 3, padding=d, dilation=d)
                                       for d in (1, 2, 4, 1))
            d_out = 2 * hidden
        self.out_drop = nn.Dropout(0.3)
        self.proj = nn.Linear(d_out, n_tags)

    def char_features(self, chars):
        """(N, C) char ids of N words → (N, char_filters): depends on the word only, so inference
        computes it once per word type (char.onnx) and caches it."""
        ce = self.char_emb(chars).transpose(1, 2)
        return torch.relu(self.char_cnn(ce)).max(dim=2).values

    def forward(self, words, chars, flags, lengths):
        B, T = words.shape
        return self.encode(words, self.char_features(chars.reshape(B * T, -1)).reshape(B, T, -1), flags, lengths)

    def encode(self, words, charfeat, flags, lengths):
        B, T = words.shape
        we = self.word_emb(words)
        x = self.drop(torch.cat([we, charfeat, flags], dim=2))
        mask = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).unsqueeze(2).to(x.dtype)
        if self.enc == "lstm":
            hf, _ = self.fwd(x)
            idx = _reverse_index(lengths, T).unsqueeze(2)
            xr = torch.gather(x, 1, idx.expand(B, T, x.shape[2]))
            hb, _ = self.bwd(xr)
            hb = torch.gather(hb, 1, idx.expand(B, T, hb.shape[2]))
            h = torch.cat([hf, hb], dim=2)
        else:
            h = torch.relu(self.inp(x)) * mask
            h = h.transpose(1, 2)
            m = mask.transpose(1, 2)
            for conv in self.convs:
                h = (h + torch.relu(conv(h))) * m
            h = h.transpose(1, 2)
        return self.proj(self.out_drop(h))


class CRF(nn.Module):
    def __init__(self, n_tags, allowed: np.ndarray, start_ok: np.ndarray):
        super().__init__()
        self.trans = nn.Parameter(torch.zeros(n_tags, n_tags))
        self.start = nn.Parameter(torch.zeros(n_tags))
        self.end = nn.Parameter(torch.zeros(n_tags))
        # BIO constraints: I-X only after B-X or I-X, and never first.
        self.register_buffer("block", torch.tensor(np.where(allowed, 0.0, -1e4), dtype=torch.float32))
        self.register_buffer("start_block", torch.tensor(np.where(start_ok, 0.0, -1e4), dtype=torch.float32))

    def params(self):
        return self.trans + self.block, self.start + self.start_block, self.end

    def nll(self, em, tags, lengths):
        B, T, K = em.shape
        trans, start, end = self.params()
        mask = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)
        # gold path score
        s = start[tags[:, 0]] + em[:, 0].gather(1, tags[:, :1]).squeeze(1)
        for t in range(1, T):
            st = trans[tags[:, t - 1], tags[:, t]] + em[:, t].gather(1, tags[:, t:t + 1]).squeeze(1)
            s = s + st * mask[:, t]
        last = tags.gather(1, (lengths - 1).unsqueeze(1)).squeeze(1)
        s = s + end[last]
        # partition
        alpha = start.unsqueeze(0) + em[:, 0]
        for t in range(1, T):
            nxt = torch.logsumexp(alpha.unsqueeze(2) + trans.unsqueeze(0), dim=1) + em[:, t]
            alpha = torch.where(mask[:, t:t + 1], nxt, alpha)
        logz = torch.logsumexp(alpha + end.unsqueeze(0), dim=1)
        return (logz - s).sum()


def tag_set(types=ALL_TYPES) -> list[str]:
    return ["O"] + [f"{p}-{t}" for t in types for p in "BI"]


def allowed_matrix(tags: list[str]) -> np.ndarray:
    K = len(tags)
    a = np.ones((K, K), dtype=bool)
    for j, t in enumerate(tags):
        if t.startswith("I-"):
            for i, p in enumerate(tags):
                a[i, j] = p != "O" and p[2:] == t[2:]
    return a


# --- data ---------------------------------------------------------------------------



def _encode(fx_for, sents, tag_index):
    data = []
    for i, s in enumerate(sents):
        toks = [t for t, _ in s]
        w, c, f = fx_for(i).sentence(toks)
        y = np.array([tag_index.get(t, 0) for _, t in s], dtype=np.int64)
        data.append((w, c, f, y))
    return data


def _pad(items):
    B = len(items)
    T = max(len(x[0]) for x in items)
    words = np.zeros((B, T), dtype=np.int64)
    chars = np.zeros((B, T, MAX_CHARS), dtype=np.int64)
    flags = np.zeros((B, T, N_FLAGS), dtype=np.float32)
    tags = np.zeros((B, T), dtype=np.int64)
    lengths = np.zeros(B, dtype=np.int64)
    for b, (w, c, f, y) in enumerate(items):
        n = len(w)
        words[b, :n], chars[b, :n], flags[b, :n], tags[b, :n], lengths[b] = w, c, f, y, n
    return (torch.from_numpy(words), torch.from_numpy(chars), torch.from_numpy(flags),
            torch.from_numpy(tags), torch.from_numpy(lengths))


def _batches(data, batch_size, rng: random.Random | None):
    order = sorted(range(len(data)), key=lambda i: len(data[i][0]))
    chunks = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    if rng is not None:
        rng.shuffle(chunks)
    return chunks


def predict(net, crf, data, tags, batch_size=64):
    net.eval()
    trans, start, end = (x.detach().numpy() for x in crf.params())
    out = [None] * len(data)
    with torch.no_grad():
        for chunk in _batches(data, batch_size, None):
            w, c, f, _, L = _pad([data[i] for i in chunk])
            em = net(w, c, f, L).numpy()
            best = viterbi(em, L.numpy(), trans, start, end)
            for b, i in enumerate(chunk):
                out[i] = clean([tags[k] for k in best[b, :int(L[b])]])
    return out


# --- main ---------------------------------------------------------------------------

def build_vocab(vec_vocab, E, train, min_train_count=2, scale=5.0, seed=0):
    """Words: PAD, UNK, the vector vocabulary (keys with digits → 0), then train words not in it."""
    words = ["<pad>", "<unk>"]
    index = {}
    rows = [np.zeros(E.shape[1]), np.zeros(E.shape[1])]
    for w, v in zip(vec_vocab, E):
        k = word_key(w)
        if k not in index:
            index[k] = len(words)
            words.append(k)
            rows.append(v * scale)
    cnt = Counter(word_key(t) for s in train for t, _ in s)
    rng = np.random.default_rng(seed)
    n_pre = len(words)
    for k, c in sorted(cnt.items(), key=lambda x: (-x[1], x[0])):
        if c >= min_train_count and k not in index and "\n" not in k:
            index[k] = len(words)
            words.append(k)
            rows.append(rng.normal(0, scale / math.sqrt(E.shape[1]), E.shape[1]))
    return words, np.array(rows, dtype=np.float32), n_pre


def e5_word_table(words: list[str], e5=None) -> np.ndarray:
    """(len(words), 384) float32: each word's mean of multilingual-e5-small's input embedding rows over its
    sentencepiece pieces (e5_file.PieceTokenizer on the full vocabulary, so every word has pieces); rows 0 and 1
    (pad, unknown) stay zero, so a word outside the table looks like a word with no e5 information."""
    from .e5_file import E5File

    e5 = e5 or E5File.read()
    tok = e5.tokenizer()
    piece_ids = [tok.encode_word(w) for w in words[2:]]
    used = sorted({i for ids in piece_ids for i in ids})
    rows = e5.word_embedding(used)
    at = {p: k for k, p in enumerate(used)}
    table = np.zeros((len(words), e5.hidden), dtype=np.float32)
    for j, ids in enumerate(piece_ids, start=2):
        table[j] = rows[[at[i] for i in ids]].mean(axis=0)
    return table


def reduce_table(table: np.ndarray, dims: int, scale: float = 5.0) -> np.ndarray:
    """PCA of the table's real rows (from row 2) to ``dims`` components, scaled so that the mean row norm is
    ``scale`` like the word vectors' (build_vocab); rows 0 and 1 stay zero. Deterministic (full SVD)."""
    X = table[2:].astype(np.float64)
    X = X - X.mean(axis=0)
    _, _, vt = np.linalg.svd(X, full_matrices=False)
    # fix each component's sign so that reruns and platforms agree
    v = vt[:dims]
    v = v * np.sign(v[np.arange(dims), np.abs(v).argmax(axis=1)])[:, None]
    Y = X @ v.T
    Y *= scale / np.linalg.norm(Y, axis=1).mean()
    return np.vstack([np.zeros((2, dims)), Y]).astype(np.float32)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peyma", type=Path, default=SHARED / "ner/peyma")
    ap.add_argument("--news", type=Path, default=SHARED / "news")
    ap.add_argument("--lexicon", type=Path, default=SHARED / "lexicons/iran_provinces_cities_fa_en.json")
    ap.add_argument("--out", type=Path, default=NN_MODEL_DIR)
    ap.add_argument("--vectors", type=Path, default=None, help="cached .npz of build_vectors (vocab, E)")
    ap.add_argument("--enc", choices=("lstm", "cnn"), default="lstm")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--lr-decay", type=float, default=0.95)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--word-dropout", type=float, default=0.05)
    ap.add_argument("--freeze-emb", action="store_true")
    ap.add_argument("--max-minutes", type=float, default=40.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only-kept", action="store_true", help="train on PER/ORG/LOC tags only")
    ap.add_argument("--extra", type=Path, action="append", default=[],
                    help="more training sentences (token|TAG), e.g. a teacher's pseudo-labels (khazar.ner.distil)")
    ap.add_argument("--e5-dims", type=int, default=0,
                    help="append to each word vector its e5-small piece embedding mean (e5_word_table), "
                         "PCA-reduced to this many dims (0: off)")
    ap.add_argument("--compact-only", action="store_true",
                    help="no training: rewrite an existing torch export OUT/model.onnx with compact_onnx")
    args = ap.parse_args(argv)
    if args.compact_only:
        compact_onnx(args.out / "model.onnx")
        return

    t0 = time.time()
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    train = read_conll(args.peyma / "train.txt")
    dev = read_conll(args.peyma / "dev.txt")
    types = KEEP_TYPES if args.only_kept else ALL_TYPES
    tags = tag_set(types)
    tag_index = {t: i for i, t in enumerate(tags)}

    gaz = build_gazetteer(args.lexicon)
    ents = entity_dict(train)
    (out / "gazetteer.json").write_text(
        json.dumps({"LOC": gaz, "ENTITIES": dict(sorted(ents.items()))}, ensure_ascii=False, indent=0),
        encoding="utf-8")
    if args.vectors and args.vectors.exists():
        z = np.load(args.vectors)
        vec_vocab, E = [str(w) for w in z["vocab"]], z["E"]
    else:
        vec_vocab, E = build_vectors(args.news, [[t for t, _ in s] for s in train])
        # float32 as in a --vectors cache, so both paths train the very same model
        E = E.astype(np.float32)
        if args.vectors:
            np.savez(args.vectors, E=E, vocab=np.array(vec_vocab))
    print(f"vectors: {len(vec_vocab)} words ({time.time()-t0:.0f}s)", flush=True)
    words, emb, n_pre = build_vocab(vec_vocab, E, train)
    if args.e5_dims:
        emb = np.hstack([emb, reduce_table(e5_word_table(words), args.e5_dims)])
        print(f"e5 piece embeddings: {args.e5_dims} dims added ({time.time()-t0:.0f}s)", flush=True)
    char_cnt = Counter(ch for s in train for t, _ in s for ch in word_key(t))
    chars = ["<pad>", "<unk>"] + sorted(c for c, n in char_cnt.items() if n >= 2 and c != "\n")
    (out / "words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    (out / "chars.txt").write_text("\n".join(chars) + "\n", encoding="utf-8")
    wi = {w: i for i, w in enumerate(words)}
    ci = {c: i for i, c in enumerate(chars)}

    lex = Lexicon.load(out)
    folds = [(lo, hi, Featurizer(wi, ci, lx)) for lo, hi, lx in jackknife_lexicons(train, lex)]

    def fx_train(i):
        for lo, hi, fx in folds:
            if lo <= i < hi:
                return fx
    fx_dev = Featurizer(wi, ci, lex)
    train_data = _encode(fx_train, train, tag_index)
    # Extra sentences see the whole PEYMA entity memory, like unseen text does; they add no word to the vocabulary.
    extra = [s for path in args.extra for s in read_conll(path)]
    train_data += _encode(lambda i: fx_dev, extra, tag_index)
    dev_data = _encode(lambda i: fx_dev, dev, tag_index)
    print(f"vocab {len(words)} words ({n_pre} from news vectors), {len(chars)} chars; "
          f"features done ({time.time()-t0:.0f}s)", flush=True)

    net = NERNet(len(words), len(chars), len(tags), word_dim=emb.shape[1], hidden=args.hidden, enc=args.enc,
                 dropout=args.dropout)
    with torch.no_grad():
        net.word_emb.weight.copy_(torch.from_numpy(emb))
    if args.freeze_emb:
        net.word_emb.weight.requires_grad_(False)
    crf = CRF(len(tags), allowed_matrix(tags), np.array([not t.startswith("I-") for t in tags]))
    params = [p for p in list(net.parameters()) + list(crf.parameters()) if p.requires_grad]
    opt = torch.optim.Adam(params, lr=args.lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, args.lr_decay)
    rng = random.Random(args.seed)
    best, best_ep, best_state, history = -1.0, -1, None, []
    for ep in range(args.epochs):
        net.train()
        te = time.time()
        total = 0.0
        for chunk in _batches(train_data, args.batch, rng):
            w, c, f, y, L = _pad([train_data[i] for i in chunk])
            if args.word_dropout:
                drop = torch.rand(w.shape) < args.word_dropout
                w = torch.where(drop & (w > UNK), torch.full_like(w, UNK), w)
            loss = crf.nll(net(w, c, f, L), y, L) / len(chunk)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, 5.0)
            opt.step()
            total += float(loss) * len(chunk)
        sched.step()
        pred = predict(net, crf, dev_data, tags)
        res = evaluate(dev, pred)
        f1 = res["micro"]["f1"]
        history.append(round(100 * f1, 2))
        print(f"epoch {ep+1}: loss {total/len(train_data):.3f} dev F1 {100*f1:.2f} "
              + " ".join(f"{k}={100*res[k]['f1']:.1f}" for k in KEEP_TYPES)
              + f" ({time.time()-te:.0f}s, total {(time.time()-t0)/60:.1f} min)", flush=True)
        if f1 > best:
            best, best_ep = f1, ep
            best_state = ({k: v.clone() for k, v in net.state_dict().items()},
                          {k: v.clone() for k, v in crf.state_dict().items()})
        if ep - best_ep >= args.patience or (time.time() - t0) / 60 > args.max_minutes:
            break
    net.load_state_dict(best_state[0])
    crf.load_state_dict(best_state[1])
    net.eval()
    train_minutes = (time.time() - t0) / 60

    trans, start, end = (x.detach().numpy() for x in crf.params())
    (out / "config.json").write_text(json.dumps({
        "tags": tags, "transitions": trans.round(5).tolist(), "start": start.round(5).tolist(),
        "end": end.round(5).tolist(), "max_chars": MAX_CHARS, "n_flags": N_FLAGS,
        # --extra is a list of paths: json.dumps(default=str) writes those too
        "hyper": vars(args),
        "best_epoch": best_ep + 1, "dev_f1_history": history, "train_minutes": round(train_minutes, 1),
    }, indent=1, default=str), encoding="utf-8")
    export_onnx(net, out)

    # Score the exported model through the inference class (what ships).
    from .nn_tagger import NNTagger
    tagger = NNTagger(out)
    pred = tagger.tag_sents([[t for t, _ in s] for s in dev])
    res = evaluate(dev, pred)
    print(f"trained in {train_minutes:.1f} min, best epoch {best_ep+1}; ONNX model on PEYMA dev:")
    print(fmt_scores(res))
    (out / "dev_scores.json").write_text(json.dumps(
        {k: {m: round(v, 4) if isinstance(v, float) else v for m, v in r.items()} for k, r in res.items()},
        indent=1), encoding="utf-8")


class _CharPart(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, chars):
        return self.net.char_features(chars)


class _MainPart(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, words, charfeat, flags, lengths):
        return self.net.encode(words, charfeat, flags, lengths)


def export_onnx(net: NERNet, out: Path):
    """Two graphs: char.onnx (chars (N,C) → char features (N,F), run once per word type) and
    model.onnx (words, char features, flags, lengths → emissions (B,T,K)); all axes dynamic."""
    net.eval()
    B, T = 2, 7
    torch.onnx.export(
        _CharPart(net), (torch.ones(5, MAX_CHARS, dtype=torch.long),), str(out / "char.onnx"),
        input_names=["chars"], output_names=["charfeat"],
        dynamic_axes={"chars": {0: "N", 1: "C"}, "charfeat": {0: "N"}}, opset_version=17, dynamo=False)
    F = net.char_cnn.out_channels
    dummy = (torch.ones(B, T, dtype=torch.long), torch.zeros(B, T, F), torch.zeros(B, T, N_FLAGS),
             torch.tensor([T, 4], dtype=torch.long))
    torch.onnx.export(
        _MainPart(net), dummy, str(out / "model.onnx"),
        input_names=["words", "charfeat", "flags", "lengths"], output_names=["emissions"],
        dynamic_axes={"words": {0: "B", 1: "T"}, "charfeat": {0: "B", 1: "T"}, "flags": {0: "B", 1: "T"},
                      "lengths": {0: "B"}, "emissions": {0: "B", 1: "T"}},
        opset_version=17, dynamo=False)
    compact_onnx(out / "model.onnx")


def compact_onnx(path: Path, fp16_emb: bool = True) -> None:
    """Rewrite the exported model.onnx (in place) as the same network in 9 nodes, for inference speed
    and size: torch exports the two LSTMs as two forward ONNX LSTMs plus ≈ 80 small shape/reverse
    nodes; here they become one bidirectional ONNX LSTM with ``sequence_lens`` (the reverse direction
    then starts at each sentence's last token, as ``NERNet.encode`` does). Emissions at real tokens
    are bit-identical (padding positions differ: zeros instead of junk). With ``fp16_emb`` the word
    embedding table is stored as float16 and cast to float32 when the session loads (9.2 → 4.6 MB;
    emissions move by ≤ 1.1·10⁻³, tags on PEYMA dev and the news speed set unchanged).
    Deterministic: the same input file gives the same output bytes. Also
    ``python -m khazar.ner.train_nn --compact-only [--out DIR]`` for an existing export."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    m = onnx.load(str(path))
    nodes = m.graph.node
    lstm = [n for n in nodes if n.op_type == "LSTM"]
    if len(lstm) != 2 or any(a.name == "direction" for a in lstm[0].attribute):
        raise ValueError(f"{path}: not a two-LSTM torch export (already compact?)")
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    H = next(helper.get_attribute_value(a) for a in lstm[0].attribute if a.name == "hidden_size")
    fwd, bwd = lstm  # NERNet.encode runs self.fwd first
    emb = init[next(n for n in nodes if n.op_type == "Gather" and n.input[1] == "words").input[0]]
    proj_w = init[[n for n in nodes if n.op_type == "MatMul"][-1].input[1]]
    add = [n for n in nodes if n.op_type == "Add"][-1]
    proj_b = init[next(x for x in add.input if x in init)]
    inits = [
        numpy_helper.from_array(np.concatenate([init[fwd.input[k]], init[bwd.input[k]]]), name)
        for k, name in ((1, "lstm.W"), (2, "lstm.R"), (3, "lstm.B"))
    ] + [numpy_helper.from_array(proj_w, "proj.W"), numpy_helper.from_array(proj_b, "proj.b"),
         numpy_helper.from_array(np.array([0, 0, 2 * H], dtype=np.int64), "shape_BT2H")]
    g = []
    if fp16_emb:
        inits.append(numpy_helper.from_array(emb.astype(np.float16), "word_emb.fp16"))
        g.append(helper.make_node("Cast", ["word_emb.fp16"], ["word_emb"], to=TensorProto.FLOAT))
    else:
        inits.append(numpy_helper.from_array(emb, "word_emb"))
    g += [
        helper.make_node("Gather", ["word_emb", "words"], ["we"]),
        helper.make_node("Concat", ["we", "charfeat", "flags"], ["x"], axis=2),   # (B, T, 173)
        helper.make_node("Cast", ["lengths"], ["len32"], to=TensorProto.INT32),
        helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2]),             # onnxruntime: time-major only
        helper.make_node("LSTM", ["xt", "lstm.W", "lstm.R", "lstm.B", "len32"], ["y"],
                         hidden_size=H, direction="bidirectional"),                # (T, 2, B, H)
        helper.make_node("Transpose", ["y"], ["yt"], perm=[2, 0, 1, 3]),
        helper.make_node("Reshape", ["yt", "shape_BT2H"], ["h"]),                  # (B, T, 2H) = [fwd, bwd]
        helper.make_node("MatMul", ["h", "proj.W"], ["hp"]),
        helper.make_node("Add", ["proj.b", "hp"], ["emissions"]),
    ]
    graph = helper.make_graph(g, "khazar_ner", list(m.graph.input), list(m.graph.output), inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="khazar.ner.train_nn")
    model.ir_version = m.ir_version
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def net_from_onnx(path: Path, hidden: int) -> NERNet:
    """Rebuild the torch network from a single-graph model.onnx of an earlier export (words, chars,
    flags, lengths → emissions), e.g. to re-export it in the two-graph form without retraining (not the
    compact graph of compact_onnx)."""
    import onnx
    from onnx import numpy_helper

    m = onnx.load(str(path))
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    lstm = [n for n in m.graph.node if n.op_type == "LSTM"]
    mm = [n for n in m.graph.node if n.op_type == "MatMul"][-1]
    n_words, wd = init["word_emb.weight"].shape
    n_chars, cd = init["char_emb.weight"].shape
    net = NERNet(n_words, n_chars, init["proj.bias"].shape[0], word_dim=wd, char_dim=cd,
                 char_filters=init["char_cnn.weight"].shape[0], hidden=hidden)
    sd = {k: torch.from_numpy(init[k].copy()) for k in
          ("word_emb.weight", "char_emb.weight", "char_cnn.weight", "char_cnn.bias", "proj.bias")}
    sd["proj.weight"] = torch.from_numpy(init[mm.input[1]].T.copy())
    H = hidden
    # ONNX gate order i, o, f, c → torch i, f, g, o
    perm = np.concatenate([np.arange(0, H), np.arange(2 * H, 3 * H), np.arange(3 * H, 4 * H), np.arange(H, 2 * H)])
    for name, node in zip(("fwd", "bwd"), lstm):
        W, R, Bias = (init[x] for x in node.input[1:4])
        sd[f"{name}.weight_ih_l0"] = torch.from_numpy(W[0][perm].copy())
        sd[f"{name}.weight_hh_l0"] = torch.from_numpy(R[0][perm].copy())
        sd[f"{name}.bias_ih_l0"] = torch.from_numpy(Bias[0][:4 * H][perm].copy())
        sd[f"{name}.bias_hh_l0"] = torch.from_numpy(Bias[0][4 * H:][perm].copy())
    net.load_state_dict(sd)
    return net.eval()


if __name__ == "__main__":
    main()
