"""NB101 l2_norm under two initialisations, each against NAS-Bench-Suite-Zero's l2_norm of the same keys.

NASLib's NB101 network initialises each convolution from N(0, 2 / (k * k * C_out)) and the classifier from
N(0, 0.01^2); archrank's networks keep PyTorch's default.  This script builds archrank's network of each key
of ``zc_nasbench101.json`` (one generator seeded once, keys in file order), sums the norms of its convolution
and linear weights as drawn, redraws the same layers the other way, sums again, and prints both Spearman
correlations with NASLib's stored l2_norm (docs/interop.md, l2_norm).

    PYTHONPATH=src python benchmarks/bench_nb101_l2_init.py --data-dir ../shared/data [--archs 500]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import torch

from archrank import metrics
from archrank.benchmarks.naslib import read_zc
from archrank.models import build_model
from archrank.spaces import get_space


def norms(model: torch.nn.Module) -> tuple[float, float]:
    """(sum of weight norms as built, sum after the fan-out redraw) over convolution and linear layers."""
    layers = [m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        before = sum(float(m.weight.norm()) for m in layers)
        for m in layers:
            if isinstance(m, torch.nn.Conv2d):
                m.weight.normal_(0.0, math.sqrt(2.0 / (m.kernel_size[0] * m.kernel_size[1] * m.out_channels)))
            else:
                m.weight.normal_(0.0, 0.01)
        after = sum(float(m.weight.norm()) for m in layers)
    return before, after


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--archs", type=int, default=500, help="the first N keys of the file (default 500)")
    args = ap.parse_args()
    block = read_zc(Path(args.data_dir) / "naslib" / "zc_nasbench101.json")[0]
    space = get_space(block.space)
    torch.manual_seed(0)
    default, fan_out, theirs = [], [], []
    for arch, ms in list(zip(block.archs, block.metrics))[: args.archs]:
        a, b = norms(build_model(space, space.parse(arch), num_classes=10))
        default.append(a)
        fan_out.append(b)
        theirs.append(ms["l2_norm"][0])
    t = np.array(theirs)
    print(f"{len(t)} NB101 keys: Spearman with NASLib's l2_norm: archrank's initialisation "
          f"{metrics.spearman(np.array(default), t):+.3f}, NASLib's fan-out initialisation "
          f"{metrics.spearman(np.array(fan_out), t):+.3f}")


if __name__ == "__main__":
    main()
