"""Networks named on the command line: ``[NAME=]package.module:attribute`` (``archrank score --model``)."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from archrank.errors import InvalidArgument


def load_models(specs: Sequence[str]) -> dict[str, Any]:
    """``{name: model or factory}`` from specifications ``[NAME=]package.module:attribute``: the attribute is an
    ``nn.Module``, a zero-argument factory, or a mapping (or a zero-argument callable returning one) of names to
    either; a single network is named NAME or its attribute's name.  The current folder is importable (as for
    ``python -m``).  A module that cannot be imported, a missing attribute or a repeated name is an error."""
    from torch import nn

    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    models: dict[str, Any] = {}
    for spec in specs:
        label, _, target = spec.rpartition("=") if "=" in spec.split(":", 1)[0] else ("", "", spec)
        module_name, sep, attr = target.partition(":")
        if not sep or not module_name or not attr:
            raise InvalidArgument(f"model {spec!r} must be [NAME=]package.module:attribute", parameter="model")
        try:
            module = importlib.import_module(module_name)
        except Exception as e:  # noqa: BLE001 - any import failure is the user's module's: one line naming it
            raise InvalidArgument(f"model {spec!r}: cannot import {module_name!r}: {type(e).__name__}: {e}",
                                  parameter="model") from None
        obj = module
        for part in attr.split("."):
            if not hasattr(obj, part):
                raise InvalidArgument(f"model {spec!r}: module {module_name!r} has no attribute {attr!r}",
                                      parameter="model")
            obj = getattr(obj, part)
        found = _spec_models(obj, label or attr.rsplit(".", 1)[-1], spec, nn.Module)
        for key, source in found.items():
            if key in models:
                raise InvalidArgument(f"model name {key!r} is given twice (name them: NAME=module:attribute)",
                                      parameter="model")
            models[key] = source
    if not models:
        raise InvalidArgument("no model given", parameter="model")
    return models


def _spec_models(obj: Any, label: str, spec: str, module_type: type) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return {str(k): v for k, v in obj.items()}
    if isinstance(obj, module_type):
        return {label: obj}
    if not callable(obj):
        raise InvalidArgument(f"model {spec!r} is a {type(obj).__name__}: give an nn.Module, a zero-argument "
                              "factory, or a mapping of names to them", parameter="model")
    if isinstance(obj, type):  # a class: its instances are the networks
        return {label: obj}
    import inspect

    try:
        params = inspect.signature(obj).parameters.values()
        takes_none = all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)
    except (TypeError, ValueError):
        takes_none = True
    if not takes_none:
        raise InvalidArgument(f"model {spec!r} is a callable with required arguments: give a zero-argument "
                              "factory", parameter="model")
    # A factory is called once here to see whether it builds a network or names several; a network's
    # factory is kept as it is (called again, under the seed, by every scoring).
    import torch

    with torch.random.fork_rng(devices=[]):
        made = obj()
    if isinstance(made, Mapping):
        return {str(k): v for k, v in made.items()}
    if isinstance(made, module_type):
        return {label: obj}
    raise InvalidArgument(f"model {spec!r} returned a {type(made).__name__}: a factory must return an nn.Module "
                          "or a mapping of names to networks", parameter="model")


__all__ = ["load_models"]
