"""A small image family made with ``archrank.spaces.grid`` (space ``gridnet``), loaded as a plugin module.

Three keys (depth 1-2, width 4 or 8, ReLU or GELU) and a constraint that drops depth 2 with width 8: 6
configurations.  ``build`` takes ``num_classes``; ``calls`` counts the builds.
"""

from __future__ import annotations

from torch import nn

import archrank.spaces

CHOICES = {"depth": [1, 2], "width": [4, 8], "act": ["relu", "gelu"]}
calls = {"build": 0}


def build(config: dict, num_classes: int = 10) -> nn.Module:
    calls["build"] += 1
    act = {"relu": nn.ReLU, "gelu": nn.GELU}[config["act"]]
    w = config["width"]
    layers: list[nn.Module] = [nn.Conv2d(3, w, 3, padding=1), nn.BatchNorm2d(w), act()]
    for _ in range(config["depth"] - 1):
        layers += [nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w), act()]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(w, num_classes))


def allowed(config: dict) -> bool:
    return not (config["depth"] == 2 and config["width"] == 8)


SPACE = archrank.spaces.grid("gridnet", CHOICES, build, constraint=allowed)
