"""Rank 50 configurations of your own ResNet family without training them.

The family is yours: a dict of choices and a function that builds a network from one configuration.
archrank turns them into a search space (``archrank.spaces.grid``) and scores 50 configurations with
training-free heuristics, into a results store (resumable: run it again and nothing is recomputed).

    PYTHONPATH=examples python examples/rank_my_resnets.py --data-dir /path/to/data

Imported (``archrank COMMAND --plugin rank_my_resnets`` from this folder, an entry point of your package, or
``ARCHRANK_PLUGINS=rank_my_resnets``), this module registers the space ``myresnet``, so that ``archrank search/train/correlate --space myresnet`` work on it: see
examples/README.md.
"""

from __future__ import annotations

import sys

from torch import nn

import archrank.spaces

# --- the user's own code: a ResNet family and its choices ----------------------------------------------
CHOICES = {"depth": [1, 2, 3], "width": [8, 12, 16, 24], "kernel": [3, 5], "act": ["relu", "gelu", "silu"]}


class Block(nn.Module):
    """A basic residual block: conv-BN-act-conv-BN plus the shortcut (1x1 conv when the shape changes)."""

    def __init__(self, c_in: int, c_out: int, stride: int, kernel: int, act: type[nn.Module]):
        super().__init__()
        pad = kernel // 2
        self.body = nn.Sequential(nn.Conv2d(c_in, c_out, kernel, stride, pad, bias=False), nn.BatchNorm2d(c_out),
                                  act(), nn.Conv2d(c_out, c_out, kernel, 1, pad, bias=False), nn.BatchNorm2d(c_out))
        self.skip = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))
        self.act = act()

    def forward(self, x):
        return self.act(self.body(x) + self.skip(x))


def build_resnet(config: dict, num_classes: int = 10) -> nn.Module:
    """Three stages of ``depth`` blocks (widths w, 2w, 4w; the last two halve the resolution), then a head."""
    act = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU}[config["act"]]
    w, k = config["width"], config["kernel"]
    layers: list[nn.Module] = [nn.Conv2d(3, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), act()]
    c_in = w
    for stage, c_out in enumerate((w, 2 * w, 4 * w)):
        for i in range(config["depth"]):
            layers.append(Block(c_in, c_out, 2 if (stage > 0 and i == 0) else 1, k, act))
            c_in = c_out
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, num_classes)]
    return nn.Sequential(*layers)


# --- archrank: a space from the dict (this line is all a plugin module needs) ----------------------------
SPACE = archrank.spaces.grid("myresnet", CHOICES, build_resnet)


def main(argv: list[str]) -> None:
    import argparse

    from archrank.run import ScoreSetting, run_scoring
    from archrank.store import open_store

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default=None, help="folder holding cifar10/ (default: $ARCHRANK_DATA)")
    p.add_argument("--store", default="myresnets.db", help="results store (default myresnets.db)")
    args = p.parse_args(argv)
    # --- archrank: score 50 configurations with three heuristics and print the best ten ----------------
    heuristics = ["synflow", "naswot", "zico"]
    setting = ScoreSetting("myresnet", dataset="cifar10", batch_size=64, data_dir=args.data_dir)
    run_scoring(setting, archs="random:50", heuristics=heuristics, store=args.store, progress=False)
    with open_store(args.store) as store:
        for h in heuristics:
            scored = [r for r in store.scores(heuristic=h, **setting.key) if r.error is None]
            best = sorted(scored, key=lambda r: -r.value)[:10]
            print(h, "best ten:", *(f"  {r.arch}  {r.value:.4g}" for r in best), sep="\n")


if __name__ == "__main__":
    main(sys.argv[1:])
