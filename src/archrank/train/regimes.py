"""Reduced training regimes (Zhou et al. 2020, "EcoNAS"), in the survey's notation (c_a, r_b, e_d, s_g).

A regime trains every candidate under the same cheap setting and ranks them by the accuracy reached:

=========  =====================================  ==================================================
notation   meaning                                here (base values: NB201's full setting)
=========  =====================================  ==================================================
``c_a``    channels divided by 2^a                ``channels = base_channels // 2**a`` (16 -> 8, 4, ...)
``r_b``    input resolution divided by 2^b        ``resolution = base_resolution // 2**b`` (32 -> 16, 8)
``e_d``    training epochs divided by 2^d         ``epochs = max(1, round(base_epochs / 2**d))`` (200 -> 3 at d=6)
``s_g``    a sample ratio g of the training set   ``examples = round(g * N)`` (g written as a fraction)
=========  =====================================  ==================================================

Names: ``"c{a}r{b}e{d}s{g}"``, each part optional (a, b, d default 0; g defaults to 1), for example
``"c2r1e6s0.25"`` = channels/4, resolution/2, epochs/64 and a quarter of the training images.  ``g`` is the
kept fraction, in (0, 1] (``s1`` = all images), not an exponent.

FLOPs.  The survey states that a reduced setting needs 1/2^(a+b+d) of the FLOPs.  That counts each factor
once; in a convolutional network the FLOPs of a layer scale with the square of its width and with the
number of pixels (the square of the resolution), so the forward cost really falls by about 4^a * 4^b, and
training cost by a further 2^d and 1/g.  :meth:`Regime.predicted_saving` gives the survey's figure;
:meth:`Regime.scaling_saving` the quadratic rule; :func:`measured_saving` counts the FLOPs of the actual
models (with ``archrank.models.flops.count_flops``); report them side by side.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from typing import Any

import torch
import torch.nn.functional as F

from archrank.errors import InvalidArgument
from archrank.train.trainer import EpochRecord, TrainConfig, TrainResult, train

_NAME = re.compile(r"^(?:c(\d+))?(?:r(\d+))?(?:e(\d+))?(?:s(\d+(?:\.\d*)?|\.\d+))?$")


@dataclass(frozen=True)
class Regime:
    """A reduced training regime (c_a, r_b, e_d, s_g) relative to a base setting."""

    a: int = 0
    b: int = 0
    d: int = 0
    g: float = 1.0
    base_channels: int = 16
    base_resolution: int = 32
    base_epochs: int = 200

    def __post_init__(self) -> None:
        for k in ("a", "b", "d"):
            v = getattr(self, k)
            if not isinstance(v, int) or v < 0:
                raise InvalidArgument(f"regime exponent {k} must be an integer >= 0, got {v!r}")
        if not 0 < self.g <= 1:
            raise InvalidArgument(f"regime sample ratio g must be in (0, 1], got {self.g!r}")
        if self.channels < 1 or self.resolution < 1:
            raise InvalidArgument(f"regime {self.name!r} reduces channels or resolution below 1")

    # --- derived settings ----------------------------------------------------------------------
    @property
    def name(self) -> str:
        g = f"{self.g:g}"
        return f"c{self.a}r{self.b}e{self.d}s{g}"

    @property
    def channels(self) -> int:
        return self.base_channels // 2**self.a

    @property
    def resolution(self) -> int:
        return self.base_resolution // 2**self.b

    @property
    def epochs(self) -> int:
        return max(1, round(self.base_epochs / 2**self.d))

    def num_examples(self, n: int) -> int:
        return max(1, round(self.g * n))

    # --- cost ----------------------------------------------------------------------------------
    def predicted_saving(self) -> float:
        """The survey's convention: the reduced regime needs 2^-(a+b+d) of the FLOPs."""
        return 2.0 ** -(self.a + self.b + self.d)

    def scaling_saving(self) -> float:
        """Quadratic rule for conv nets: 4^-a (width) * 4^-b (pixels) * 2^-d (epochs) * g (images)."""
        return 4.0**-self.a * 4.0**-self.b * (self.epochs / self.base_epochs) * self.g

    def config(self, base: TrainConfig | None = None, **overrides: Any) -> TrainConfig:
        """The training configuration: ``base`` (NB201 schedule by default) with this regime's epochs."""
        return replace(base or TrainConfig(), epochs=self.epochs, **overrides)


def parse_regime(text: str | Regime, **base: Any) -> Regime:
    """``"c2r1e6s0.25"`` -> Regime(a=2, b=1, d=6, g=0.25); ``base`` overrides the base setting."""
    if isinstance(text, Regime):
        return replace(text, **base) if base else text
    t = str(text).strip().lower().replace("_", "")
    m = _NAME.match(t)
    if not t or m is None:
        raise InvalidArgument(
            f"bad regime name {text!r}; expected c<a>r<b>e<d>s<g> with integers a, b, d and a fraction g in (0, 1], "
            "e.g. 'c2r1e6s0.25' (each part optional)"
        )
    a, b, d, g = m.groups()
    return Regime(a=int(a or 0), b=int(b or 0), d=int(d or 0), g=float(g) if g else 1.0, **base)


def width_option(space: Any) -> tuple[str, int]:
    """(keyword, full-setting value) of the channel count of ``space``'s model builder."""
    from archrank.models.registry import BUILDERS

    name = getattr(space, "name", "")
    params = inspect.signature(BUILDERS.get(name)).parameters if name in BUILDERS else {}
    for key in ("C", "channels", "stem_channels", "init_channels", "width"):
        p = params.get(key)
        if p is not None and isinstance(p.default, int):
            return key, p.default
    raise InvalidArgument(f"space {name or space!r} does not accept a channel count, so regimes with c_a > 0 "
                          "cannot be applied to it (use c0)")


def build_reduced(space: Any, arch: Hashable, regime: Regime, num_classes: int = 10, seed: int = 0):
    """Build ``arch`` seeded, with its channel count divided by ``2**regime.a``.

    The division applies to the space's own full width (16 for NB201, 128 stem channels for NB101);
    ``regime.channels`` is the NB201 figure.
    """
    from archrank.models.registry import build_model

    kwargs: dict[str, Any] = {}
    if regime.a > 0:
        key, base = width_option(space)
        width = base // 2**regime.a
        if width < 1:
            raise InvalidArgument(f"regime {regime.name!r} reduces the {base} channels of "
                                  f"{getattr(space, 'name', space)!r} below 1")
        kwargs[key] = width
    return build_model(space, arch, num_classes, seed=int(seed), **kwargs)


def resize(x: torch.Tensor, resolution: int) -> torch.Tensor:
    """Images NCHW resized to ``resolution`` (area averaging when shrinking)."""
    if x.shape[-1] == resolution and x.shape[-2] == resolution:
        return x
    mode = "area" if resolution < x.shape[-1] else "bilinear"
    kw = {} if mode == "area" else {"align_corners": False}
    return F.interpolate(x, size=(resolution, resolution), mode=mode, **kw)


def subsample(data: tuple[torch.Tensor, torch.Tensor], g: float, seed: int = 0):
    """The first ``round(g*N)`` examples of a seeded permutation (the same subset for every architecture)."""
    x, y = data
    if g >= 1:
        return x, y
    k = max(1, round(g * len(x)))
    idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(int(seed)))[:k]
    idx, _ = idx.sort()
    return x[idx], y[idx]


def train_under_regime(
    space: Any,
    arch: Hashable,
    regime: Regime | str,
    train_data: tuple[torch.Tensor, torch.Tensor],
    *,
    valid_data: tuple[torch.Tensor, torch.Tensor] | None = None,
    num_classes: int = 10,
    seed: int = 0,
    base_config: TrainConfig | None = None,
    checkpoint: str | None = None,
    owner: dict[str, Any] | None = None,
    on_epoch: Callable[[EpochRecord, int], None] | None = None,
) -> TrainResult:
    """Train ``arch`` under ``regime`` and return the result (``valid_acc`` on the resized ``valid_data``).

    The training subset depends only on ``seed`` (data seed 0 + seed), so every architecture sees the same
    images; the model's initial weights and the training order are seeded with ``seed`` too.  ``owner`` is
    recorded in the checkpoint and checked on resume, and ``on_epoch(record, epochs)`` is called after every
    epoch (:func:`archrank.train.trainer.train`).
    """
    reg = parse_regime(regime)
    xs, ys = subsample(train_data, reg.g, seed=seed)
    xs = resize(xs, reg.resolution)
    valid = None if valid_data is None else (resize(valid_data[0], reg.resolution), valid_data[1])
    model = build_reduced(space, arch, reg, num_classes=num_classes, seed=seed)
    cfg = reg.config(base_config, seed=seed)
    return train(model, (xs, ys), config=cfg, valid_data=valid, checkpoint=checkpoint, owner=owner, on_epoch=on_epoch)


def measured_saving(space: Any, arch: Hashable, regime: Regime | str, num_train: int = 50_000) -> dict[str, float]:
    """Training FLOPs of ``arch`` under ``regime`` relative to the base setting, counted on real models.

    Returns ``{"predicted": 2^-(a+b+d), "scaling": quadratic rule, "measured": counted ratio,
    "forward_flops_base": ..., "forward_flops_reduced": ...}`` (``measured`` is NaN when FLOPs cannot be
    counted).
    """
    from archrank.train.trainer import count_forward_flops

    reg = parse_regime(regime)
    full = build_reduced(space, arch, replace(reg, a=0), seed=0)
    small = build_reduced(space, arch, reg, seed=0)
    f_full = count_forward_flops(full, (3, reg.base_resolution, reg.base_resolution))
    f_small = count_forward_flops(small, (3, reg.resolution, reg.resolution))
    if f_full is None or f_small is None or f_full == 0:
        measured = math.nan
    else:
        measured = (f_small * reg.epochs * reg.num_examples(num_train)) / (f_full * reg.base_epochs * num_train)
    return {
        "predicted": reg.predicted_saving(),
        "scaling": reg.scaling_saving(),
        "measured": measured,
        "forward_flops_base": math.nan if f_full is None else f_full,
        "forward_flops_reduced": math.nan if f_small is None else f_small,
    }
