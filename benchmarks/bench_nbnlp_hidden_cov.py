"""Rank correlation of recurrent-model heuristics with NAS-Bench-NLP's PTB test loss.

Scores ``--n`` architectures drawn (seeded) from ``nbnlp/nbnlp_ptb_with_graphs.json`` with the benchmark's
full-size PTB model (V = 10,000) on one batch of PTB test sequences, and prints each heuristic's Spearman
correlation with -loss (lower loss is better, so a useful score correlates positively), with a bootstrap
95% interval.  ``hidden_cov`` is scored for every layer and both layouts (``over``).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_nbnlp_hidden_cov.py [--n 30] [--batch 20] [--seq-len 35]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import torch

from archrank import metrics
from archrank.data import one_token_batch
from archrank.heuristics import HEURISTICS, ScoreContext, evaluate
from archrank.spaces import get_space

DATA = Path(os.environ.get("ARCHRANK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--seq-len", type=int, default=35)
    ap.add_argument("--heuristics", default="params,grad_norm,snip,synflow,jacob_cov")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    space = get_space("nbnlp")
    with open(DATA / "nbnlp" / "nbnlp_ptb_with_graphs.json") as f:
        records = [json.loads(line.rstrip(",\n")) for line in f if line.startswith("{")]
    pick = np.random.default_rng(args.seed).choice(len(records), size=min(args.n, len(records)), replace=False)
    x, y = one_token_batch("ptb", args.batch, args.seq_len, seed=args.seed, data_dir=DATA, split="test")
    variants = [("hidden_cov", {"hidden_cov_layer": layer, "hidden_cov_over": over})
                for layer in (1, 2, 3) for over in ("units", "batch")]
    variants += [(h, {}) for h in args.heuristics.split(",") if h]
    scores: dict[str, list[float]] = {}
    loss = []
    for i in pick:
        rec = records[int(i)]
        loss.append(rec["ptb_test_loss"])
        for name, extras in variants:
            ctx = ScoreContext(arch=space.parse(rec["recepie"]), space=space, inputs=x, targets=y,
                               num_classes=10000, seed=args.seed, dataset="ptb", extras=dict(extras))
            label = name + "".join(f" {k.split('_')[-1]}={v}" for k, v in extras.items())
            scores.setdefault(label, []).append(evaluate(HEURISTICS.get(name), ctx).value)
    neg = -np.asarray(loss)
    print(f"{len(pick)} architectures, PTB test batch {args.batch} x {args.seq_len}; Spearman with -loss")
    for label, v in scores.items():
        v = np.asarray(v)
        ok = np.isfinite(v)
        rho = metrics.spearman(v[ok], neg[ok])
        rng = np.random.default_rng(1)
        boot = [metrics.spearman(v[ok][b], neg[ok][b]) for b in (rng.integers(0, ok.sum(), ok.sum()) for _ in range(500))]
        lo, hi = np.nanpercentile(boot, [2.5, 97.5])
        print(f"{label:<32} rho {rho:+.3f}  [{lo:+.2f}, {hi:+.2f}]  finite {ok.sum()}/{len(v)}")


if __name__ == "__main__":
    main()
