"""How the encoder's and the BiLSTM-CRF's scores are best combined (model_e5/MODEL_CARD.md, "Joined to the
BiLSTM-CRF"): PEYMA dev micro F1 (PER/ORG/LOC) of each way tried, against each model alone.

    .venv/bin/python bench/joint_mix.py [--file other.conll]

* sum λ: the encoder's log-probabilities × λ added to the BiLSTM's emissions, decoded by its CRF (λ = 1 ships);
* log-mix w / prob-mix w: the encoder's log-probabilities (or probabilities) mixed with weight w against the CRF's
  forward-backward marginals, decoded under BIO constraints only.
Dev only: never run it on the test files.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from khazar.ner.bio import clean  # noqa: E402
from khazar.ner.conll import evaluate, read_conll  # noqa: E402
from khazar.ner.e5_tagger import JointTagger, bio_constraints, decode  # noqa: E402

DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "ner" / "peyma" / "dev.txt"


def marginals(em: np.ndarray, trans: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Log marginal probability of each tag at each word under the linear-chain CRF (forward-backward)."""
    T, K = em.shape
    fwd, bwd = np.zeros((T, K)), np.zeros((T, K))
    fwd[0] = start + em[0]
    for t in range(1, T):
        fwd[t] = np.logaddexp.reduce(fwd[t - 1][:, None] + trans, axis=0) + em[t]
    bwd[-1] = end
    for t in range(T - 2, -1, -1):
        bwd[t] = np.logaddexp.reduce(trans + (em[t + 1] + bwd[t + 1])[None, :], axis=1)
    return fwd + bwd - np.logaddexp.reduce(fwd[-1] + end)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", type=Path, default=DEV)
    args = ap.parse_args(argv)
    gold = read_conll(args.file)
    sents = [[w for w, _ in s] for s in gold]
    joint = JointTagger.load()
    fast = joint.fast
    log_probs = joint.encoder.log_probs(sents)
    emissions = fast.emissions(sents)
    bio = bio_constraints(fast.tags)

    def f1(tags) -> float:
        return 100 * evaluate(gold, [clean(t) for t in tags])["micro"]["f1"]

    print(f"encoder alone      {f1(decode(log_probs, fast.tags, bio)):6.2f}")
    print(f"BiLSTM-CRF alone   {f1(fast.decode(emissions)):6.2f}")
    for lam in (0.5, 1.0, 2.0):
        print(f"sum λ={lam:<4}         {f1(fast.decode([e + lam * lp for e, lp in zip(emissions, log_probs)])):6.2f}")
    crf = (fast.trans, fast.start, fast.end)
    marg = [marginals(e.astype(np.float64), *crf) if len(e) else e for e in emissions]
    for w in (0.3, 0.4, 0.5, 0.6, 0.7):
        log_mix = [w * lp + (1 - w) * m for lp, m in zip(log_probs, marg)]
        prob_mix = [np.log(w * np.exp(lp) + (1 - w) * np.exp(m) + 1e-12) for lp, m in zip(log_probs, marg)]
        print(f"log-mix w={w}      {f1(decode(log_mix, fast.tags, bio)):6.2f}    "
              f"prob-mix w={w}  {f1(decode(prob_mix, fast.tags, bio)):6.2f}")


if __name__ == "__main__":
    main()
