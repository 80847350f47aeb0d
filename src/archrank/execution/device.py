"""Which torch device a run computes on: ``auto`` (CUDA when there is one), ``cpu``, ``cuda`` or ``cuda:N``."""

from __future__ import annotations

import re

from archrank.errors import InvalidArgument

_SPEC = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


def check_device_spec(spec: str) -> str:
    """``spec`` if it is one of auto, cpu, cuda, cuda:N; else an error naming the choices."""
    if not isinstance(spec, str) or not _SPEC.match(spec):
        raise InvalidArgument(f"device {spec!r} is not valid; valid: auto, cpu, cuda, cuda:N", parameter="device")
    return spec


def resolve_device(spec: str = "auto") -> str:
    """The torch device string ``spec`` stands for on this machine; CUDA asked for where there is none (or
    a CUDA index beyond the devices present) is an error."""
    import torch

    check_device_spec(spec)
    if spec == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if spec == "cpu":
        return "cpu"
    if not torch.cuda.is_available():
        raise InvalidArgument(f"device {spec!r} asked for, but CUDA is not available on this machine; "
                              "valid here: auto, cpu", parameter="device")
    index = int(spec.split(":")[1]) if ":" in spec else 0
    if index >= torch.cuda.device_count():
        raise InvalidArgument(f"device {spec!r} asked for, but this machine has {torch.cuda.device_count()} "
                              f"CUDA device(s): cuda:0..cuda:{torch.cuda.device_count() - 1}", parameter="device")
    return spec
