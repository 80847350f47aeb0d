"""Builders of the DARTS-family spaces: the NDS ImageNet network and the NAS-Bench-301 CIFAR network.

``build_model("nds_darts", arch, 1000)`` gives the network of an NDS record (its ``width`` and ``depth``,
the ImageNet stem; the records were trained with 1000 classes, so pass ``num_classes=1000`` to reproduce
their ``params``).  ``build_model("nb301", arch)`` gives the NAS-Bench-301 network (32 channels, 8 cells,
CIFAR stem, 10 classes).  Options: ``stem`` ("imagenet" / "cifar"), ``channels`` and ``layers`` (override
the architecture's width / depth, or NB301's 32 / 8), ``input_size`` (checked and recorded on the model as
``input_size``; the networks work at any size, see :mod:`archrank.models.darts_network`), ``affine``
(``False``: non-affine BatchNorm inside the operations, the convention of NASLib's NB301 figures),
``pool_bn`` (``True``: a non-affine BatchNorm after every pooling operation, as NASLib's NB301 network has;
``affine=False, pool_bn=True`` is that network).
"""

from __future__ import annotations

from typing import Any

from torch import nn

from archrank.errors import InvalidArgument
from archrank.models.darts_network import DartsNetwork
from archrank.models.registry import register_builder, reject_unknown_options

#: NAS-Bench-301's network: channels, cells (DARTS CIFAR-10 training setting of the benchmark).
NB301_CHANNELS, NB301_LAYERS = 32, 8
_OPTIONS = ("stem", "channels", "layers", "input_size", "affine", "pool_bn")


def _input_size(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidArgument(f"input_size must be a positive integer (pixels per side), got {value!r}")
    return value


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name} must be True or False, got {value!r}")
    return value


def _build(space_name: str, arch, num_classes: int, *, channels: int | None, layers: int | None, stem: str,
           input_size: int | None, affine: bool, pool_bn: bool) -> nn.Module:
    from archrank.spaces import get_space

    a = get_space(space_name)._coerce(arch)
    c = channels if channels is not None else a.width
    d = layers if layers is not None else a.depth
    model = DartsNetwork(a, num_classes, channels=c, layers=d, stem=stem, affine=_flag("affine", affine),
                         pool_bn=_flag("pool_bn", pool_bn))
    model.input_size = _input_size(input_size)
    return model


def _nds_builder(space_name: str):
    def build(arch, num_classes: int = 10, *, stem: str = "imagenet", channels: int | None = None,
              layers: int | None = None, input_size: int | None = None, affine: bool = True,
              pool_bn: bool = False, **unknown: Any) -> nn.Module:
        reject_unknown_options(space_name, unknown, _OPTIONS)
        return _build(space_name, arch, num_classes, channels=channels, layers=layers, stem=stem,
                      input_size=input_size, affine=affine, pool_bn=pool_bn)

    build.__name__ = f"build_{space_name}"
    build.__doc__ = f"The NDS network of a {space_name} architecture (ImageNet stem unless ``stem='cifar'``)."
    return build


build_nds_darts = register_builder("nds_darts")(_nds_builder("nds_darts"))
build_nds_enas = register_builder("nds_enas")(_nds_builder("nds_enas"))
build_nds_amoeba = register_builder("nds_amoeba")(_nds_builder("nds_amoeba"))
build_nds_nasnet = register_builder("nds_nasnet")(_nds_builder("nds_nasnet"))
build_nds_pnas = register_builder("nds_pnas")(_nds_builder("nds_pnas"))


@register_builder("nb301")
def build_nb301(arch, num_classes: int = 10, *, stem: str = "cifar", channels: int = NB301_CHANNELS,
                layers: int = NB301_LAYERS, input_size: int | None = None, affine: bool = True,
                pool_bn: bool = False, **unknown: Any) -> nn.Module:
    """The NAS-Bench-301 network: 32 channels, 8 cells, CIFAR stem, no auxiliary head (``affine=False,
    pool_bn=True``: the network NASLib scores NB301 cells on)."""
    reject_unknown_options("nb301", unknown, _OPTIONS)
    return _build("nb301", arch, num_classes, channels=channels, layers=layers, stem=stem, input_size=input_size,
                  affine=affine, pool_bn=pool_bn)


__all__ = [
    "NB301_CHANNELS", "NB301_LAYERS", "build_nb301", "build_nds_amoeba", "build_nds_darts", "build_nds_enas",
    "build_nds_nasnet", "build_nds_pnas",
]
