"""Coverage of archrank's heuristics on networks it does not build: the table heuristic x network.

The networks are the test zoo (``tests/heuristics/zoo.py``: ResNet basic and bottleneck blocks, GELU and SiLU
ResNets, squeeze-excitation, MobileNetV2 inverted residuals, an EfficientNet-like SiLU+SE net, a MobileNetV1
of depthwise-separable convolutions with in-place ReLUs, a ShuffleNet-like net, a DenseNet-like net, a VGG,
a vision transformer, an MLP-Mixer, a network returning a tuple, one declaring its feature blocks), each scored
by ``archrank.run.coverage.heuristic_coverage`` (``archrank.score_models`` underneath) with every heuristic
that scores from one batch and the four population combinations, on one seeded batch of CIFAR-shaped inputs.
It prints the table, the share of finite cells, the reason of every other cell and the seconds taken.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_coverage.py [--batch 8] [--lr-patches 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "heuristics"))

from zoo import ZOO, zoo_batch

from archrank.run.coverage import heuristic_coverage


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=8, help="images in the scoring batch (default 8)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr-patches", type=int, default=None, help="linear_regions' path points (default 1000)")
    args = p.parse_args(argv)
    options = {} if args.lr_patches is None else {"lr_patches": args.lr_patches}
    t0 = time.perf_counter()
    cov = heuristic_coverage(ZOO, zoo_batch(args.batch, args.seed), seed=args.seed, options=options)
    print(cov.format_table())
    print(f"{len(ZOO)} networks, {len(cov.heuristics)} heuristics and combinations, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
