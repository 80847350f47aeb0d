"""The feature blocks of a network no one declared: its trunk, found from one forward pass.

zen reads a network's last feature map (before global pooling) and AZ-NAS the outputs of a chain of blocks.
archrank's own networks declare them (``feature_blocks()``, or ``stem`` and ``cells``, and a pooling
module); a user's network is read from one forward pass of the batch (:func:`discover_blocks`):

1. **The trunk.**  From the root, the children that are called and give a *feature* (a 4-D map with more
   than one pixel, or 3-D tokens (batch, tokens, channels)) are taken in call order; containers
   (``nn.Sequential``, ``nn.ModuleList``, ``nn.ModuleDict``) are opened into their children, and so is a
   module that is the only feature-giving child of its parent (a wrapper, a ``backbone``).
2. **Blocks.**  A child with children of its own (a residual block, an inverted residual, a transformer
   block) is one block.  Runs of single layers (convolution, norm, activation, pooling) are cut after each
   activation, so ``conv-BN-ReLU`` is one block and a VGG is a chain of such blocks; a run with no
   activation is one block.  On a network with no activation module, which applies its activations as
   functions (``F.relu(self.bn(self.conv(x)))``), a run is cut after each layer whose output an activation
   function takes (:data:`~archrank.heuristics._activations.CODE_FUNCTIONS`, ``torch.tanh``,
   ``torch.sigmoid``); that block's feature is then read before its activation, the layer's output being
   the last one a module gives.
3. **One kind of feature.**  The blocks whose outputs have the dimension of the trunk's last feature are
   kept (a vision transformer's patch embedding, a 4-D map before its 3-D tokens, is not a block).

A block is represented by the module whose output is its feature (the last layer of a run).  Output heads
(pooled or flattened vectors) are not features.  A network may declare its blocks with ``feature_blocks()``
(then nothing is discovered).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics._activations import CODE_FUNCTIONS, FunctionCalls
from archrank.heuristics._hooks import run_hooked
from archrank.heuristics._util import CODE_ACTIVATIONS

_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
#: Single layers after which a run of layers is cut into a block.
_CUTS = (*CODE_ACTIVATIONS, nn.Tanh, nn.Sigmoid, nn.Hardsigmoid, nn.Softplus)
#: The functional forms of :data:`_CUTS`, read on a network with none of those modules.
_CUT_FUNCTIONS = CODE_FUNCTIONS | {torch.tanh, torch.sigmoid, torch.Tensor.tanh, torch.Tensor.sigmoid,
                                   F.hardsigmoid, F.softplus}


def _is_feature(t: object) -> bool:
    if not isinstance(t, torch.Tensor):
        return False
    return (t.dim() == 4 and t.shape[2] * t.shape[3] > 1) or t.dim() == 3


def _record(model: nn.Module, x: torch.Tensor) -> tuple[dict[int, int], dict[int, torch.Tensor], dict[int, object]]:
    """(module id -> order of its first call's start, module id -> its first call's output, the ids of the
    tensors an activation function took, on a network with no activation module)."""
    start: dict[int, int] = {}
    out: dict[int, torch.Tensor] = {}
    activated: dict[int, object] = {}  # id -> the tensor itself, kept alive so that its id stays its own

    def pre(m, _inp):
        start.setdefault(id(m), len(start))

    def post(m, _inp, o):
        if id(m) not in out and isinstance(o, torch.Tensor):
            out[id(m)] = o

    hooks = [h for m in model.modules() for h in (m.register_forward_pre_hook(pre), m.register_forward_hook(post))]
    if any(isinstance(m, _CUTS) for m in model.modules()):
        run_hooked(model, x, hooks)
    else:
        with FunctionCalls(lambda inp, _o: activated.setdefault(id(inp), inp), _CUT_FUNCTIONS):
            run_hooked(model, x, hooks)
    return start, out, activated


def _first_call(m: nn.Module, start: dict[int, int]) -> int | None:
    """When ``m`` (or, for a module list that is never called itself, its first member) was first called."""
    if id(m) in start:
        return start[id(m)]
    calls = [c for c in (_first_call(k, start) for k in m.children()) if c is not None]
    return min(calls) if calls else None


def _has_features(m: nn.Module, out: dict[int, torch.Tensor]) -> bool:
    return _is_feature(out.get(id(m))) or any(_has_features(c, out) for c in m.children())


def _trunk(module: nn.Module, start: dict[int, int], out: dict[int, torch.Tensor]) -> list[nn.Module]:
    kids = [c for c in module.children() if _first_call(c, start) is not None and _has_features(c, out)]
    kids.sort(key=lambda c: _first_call(c, start))
    if len(kids) == 1 and any(True for _ in kids[0].children()):
        return _trunk(kids[0], start, out)
    chain: list[nn.Module] = []
    for c in kids:
        opened = isinstance(c, _CONTAINERS) or not _is_feature(out.get(id(c)))
        chain += _trunk(c, start, out) if opened else [c]
    return chain


def discover_blocks(model: nn.Module, x: torch.Tensor) -> list[nn.Module]:
    """The modules whose outputs are ``model``'s features, in forward order (see the module docstring)."""
    start, out, activated = _record(model, x)
    blocks: list[nn.Module] = []
    run: list[nn.Module] = []
    for m in _trunk(model, start, out):
        if any(True for _ in m.children()):
            if run:
                blocks.append(run[-1])
                run = []
            blocks.append(m)
            continue
        run.append(m)
        if isinstance(m, _CUTS) or (id(m) in out and id(out[id(m)]) in activated):
            blocks.append(m)
            run = []
    if run:
        blocks.append(run[-1])
    blocks = [b for b in blocks if _is_feature(out.get(id(b)))]
    if not blocks:
        inner = getattr(model, "model", model)
        raise InvalidArgument(f"{type(inner).__name__} gives no feature map (a 4-D map of more than one pixel, or "
                              "3-D tokens) from a chain of blocks; declare feature_blocks()")
    last = out[id(blocks[-1])].dim()
    return [b for b in blocks if out[id(b)].dim() == last]


__all__ = ["discover_blocks"]
