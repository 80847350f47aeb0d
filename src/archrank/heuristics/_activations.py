"""Where a network applies its code activations: its activation modules, or the activation functions it calls.

NASWOT, SWAP and TE-NAS's linear regions read the units of every ReLU of a forward pass; the authors'
code hooks the ``nn.ReLU`` modules.  archrank reads every module of
:data:`~archrank.heuristics._util.CODE_ACTIVATIONS` the same way.  A network with no such module (one that
writes ``F.relu(x)``, ``torch.relu(x)``, ``x.relu()``, ``F.gelu(x)``, ... in its ``forward``) is read from
those calls instead: a :class:`~torch.overrides.TorchFunctionMode` sees every call of a function of
:data:`CODE_FUNCTIONS` during the forward pass, with its input and output, as a module hook would.

Choices this leaves open, written down:

* **A network with activation modules is read from its modules only**, as the authors' hooks read it,
  also when some of its activations are functions.  This keeps every value on archrank's own networks
  (which use modules, and one ``torch.relu`` inside DARTS's FactorizedReduce) what it was.
* An activation computed by hand (``x * torch.sigmoid(x)``, ``x.clamp(min=0)``) is not a call of an
  activation function and is not read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from archrank.errors import InvalidArgument
from archrank.heuristics._hooks import run_hooked
from archrank.heuristics._util import CODE_ACTIVATIONS

#: The functions that apply a code activation (the functional forms of :data:`CODE_ACTIVATIONS`).
CODE_FUNCTIONS: frozenset[Any] = frozenset({
    F.relu, F.relu_, torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_, F.relu6,
    F.leaky_relu, F.leaky_relu_, F.prelu, F.rrelu, F.rrelu_, F.elu, F.elu_, F.celu, F.celu_, F.selu, F.selu_,
    F.gelu, F.silu, F.mish, F.hardswish,
})

OnCall = Callable[[torch.Tensor, torch.Tensor], None]


class FunctionCalls(TorchFunctionMode):
    """Calls ``on_call(input, output)`` after every call of a function of ``functions`` (by default
    :data:`CODE_FUNCTIONS`) made inside the ``with`` block."""

    def __init__(self, on_call: OnCall, functions: frozenset[Any] = CODE_FUNCTIONS):
        super().__init__()
        self.on_call = on_call
        self.functions = functions
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func in self.functions and args and isinstance(args[0], torch.Tensor) and isinstance(out, torch.Tensor):
            self.calls += 1
            self.on_call(args[0], out)
        return out


def code_modules(model: nn.Module) -> list[nn.Module]:
    """The activation modules of ``model`` whose units have codes, in module order."""
    return [m for m in model.modules() if isinstance(m, CODE_ACTIVATIONS)]


class ActivationRecorder:
    """``with ActivationRecorder(model, name, on_call): model(x)`` calls ``on_call(input, output)`` for every
    code activation applied in the block: each call of a code activation module, or, on a network with none,
    each call of an activation function (see the module docstring).  :meth:`check` then raises the error
    naming heuristic ``name`` when the network applied neither."""

    def __init__(self, model: nn.Module, name: str, on_call: OnCall):
        self.model, self.name, self.on_call = model, name, on_call
        self.modules = code_modules(model)
        self._mode: FunctionCalls | None = None
        self._handles: list = []

    def __enter__(self) -> None:
        if self.modules:
            self._handles = [m.register_forward_hook(lambda _m, inp, out: self.on_call(inp[0], out))
                             for m in self.modules]
        else:
            self._mode = FunctionCalls(self.on_call)
            self._mode.__enter__()

    def __exit__(self, *exc: object) -> None:
        for h in self._handles:
            h.remove()
        if self._mode is not None:
            self._mode.__exit__(*exc)

    def check(self) -> None:
        if self.modules or (self._mode is not None and self._mode.calls):
            return
        inner = getattr(self.model, "model", self.model)
        raise InvalidArgument(f"heuristic {self.name!r} reads activation codes from activation modules "
                              f"({', '.join(c.__name__ for c in CODE_ACTIVATIONS)}) or functions (F.relu, "
                              f"torch.relu, F.gelu, F.silu, ...); {type(inner).__name__} applies none")


def activation_calls(model: nn.Module, x: torch.Tensor, name: str, on_call: OnCall, *,
                     inference: bool = False) -> object:
    """``model(x)`` without gradients (in inference mode with ``inference``) under an
    :class:`ActivationRecorder`; returns the model's output.  A network that applies no code activation is
    an error naming heuristic ``name``."""
    recorder = ActivationRecorder(model, name, on_call)
    with recorder:
        y = run_hooked(model, x, [], inference=inference)
    recorder.check()
    return y


__all__ = ["CODE_FUNCTIONS", "ActivationRecorder", "FunctionCalls", "activation_calls", "code_modules"]
