"""Running Hamming statistics of ReLU codes (naswot's kernel), apart so that the passes that record them
(:mod:`archrank.heuristics.naswot`, :mod:`archrank.heuristics.passes`) import it without importing each other."""

from __future__ import annotations

import weakref

import torch


def _flat(x: torch.Tensor, n: int) -> torch.Tensor:
    """``x`` as (n, units) without a copy where possible; the order of units is irrelevant to distances."""
    if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        return x.permute(0, 2, 3, 1).reshape(n, -1)
    return x.reshape(n, -1)


def _int8_products() -> bool:
    """Whether this torch multiplies int8 matrices into int32 on the CPU (``torch._int_mm``)."""
    global _INT8
    if _INT8 is None:
        try:
            c = torch.tensor([[1, 0, 1], [1, 1, 0]], dtype=torch.int8)
            _INT8 = torch.equal(torch._int_mm(c, c.T), torch.tensor([[2, 1], [1, 2]], dtype=torch.int32))
        except (AttributeError, RuntimeError):
            _INT8 = False
    return _INT8


_INT8: bool | None = None


def _code_gram(flat: torch.Tensor, buffers: dict) -> torch.Tensor:
    """``c @ c.T`` (float64) for the 0/1 codes ``c = flat > 0``, exactly: on the CPU as int8 products summed
    in int32 (exact below 2**31 units; twice as fast as float32), elsewhere in float32 (products of 0/1
    values are exact while a row has fewer than 2**24 units), else float64."""
    units = flat.shape[1]
    if flat.device.type == "cpu" and units < 2**31 and _int8_products():
        key = ("bool", flat.numel())
        buf = buffers.get(key)
        if buf is None:
            buf = buffers[key] = torch.empty(flat.shape, dtype=torch.bool)
        c = torch.gt(flat, 0, out=buf.view(flat.shape)).view(torch.int8)
        return torch._int_mm(c, c.T).double()
    buf = buffers.get(flat.numel())
    if buf is None:
        buf = buffers[flat.numel()] = torch.empty(flat.shape, dtype=torch.float32, device=flat.device)
    c = torch.gt(flat, 0, out=buf.view(flat.shape))
    return (c @ c.T).double() if units < 2**24 else c.double() @ c.double().T


class CodeDistance:
    """Running Hamming statistics of ReLU codes over one batch: ``add(x)`` for each ReLU input ``x``."""

    def __init__(self, n: int, device: torch.device | str = "cpu"):
        self.n = n
        self.gram = torch.zeros((n, n), dtype=torch.float64, device=device)
        self.active = torch.zeros(n, dtype=torch.float64, device=device)
        self.units = 0
        self._seen: dict[int, tuple[weakref.ref, torch.Tensor, torch.Tensor, int]] = {}
        self._buffers: dict = {}  # reused code buffers, by size (and dtype)

    def add(self, x: torch.Tensor) -> None:
        hit = self._seen.get(id(x))
        if hit is not None and hit[0]() is x:
            gram, active, units = hit[1], hit[2], hit[3]
        else:
            flat = _flat(x, self.n)
            units = flat.shape[1]
            gram = _code_gram(flat, self._buffers)
            active = gram.diagonal().clone()  # c_i . c_i = number of active units of sample i
            self._seen[id(x)] = (weakref.ref(x), gram, active, units)
        self.gram += gram
        self.active += active
        self.units += units

    def hamming(self) -> torch.Tensor:
        """Matrix of Hamming distances between the full codes of the samples (float64)."""
        d = self.active[:, None] + self.active[None, :] - 2.0 * self.gram
        return d.clamp_min_(0.0)


__all__ = ["CodeDistance"]
