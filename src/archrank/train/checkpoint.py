"""Training checkpoints: written atomically, recording what they belong to, refused for anything else.

A checkpoint holds the model's and the optimiser's state, the state of the ``torch.Generator`` that draws
the example order and the augmentation, the number of finished epochs, the seconds spent, the per-epoch
history, and what it belongs to: ``owner`` (JSON-like, e.g. space, architecture and setting), the training
configuration and the shape of the training data.  :func:`read_checkpoint` checks that record before it
loads anything: a checkpoint of another architecture, setting or data shape, one written before this
record existed, or one whose weights do not fit the model is one clear error naming the difference.

Files are written atomically (:func:`save_atomic`: a temporary file, then ``os.replace``), so a run killed
while writing leaves the previous checkpoint whole.  They hold tensors and plain types only (dicts, lists,
tuples, strings, numbers, booleans, None: :func:`plain`), and are read with :func:`load_file`, which uses
torch's safe loader (``weights_only=True``): a shared checkpoint or supernet file cannot run code when
archrank opens it; a file holding anything else is refused with one line.
"""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from archrank.errors import DataError, InvalidArgument

_PLAIN = (str, int, float, bool, type(None), torch.Tensor, torch.dtype, torch.device, torch.Size)


def plain(obj: Any, where: str = "value") -> Any:
    """``obj`` as tensors and plain types only (what ``torch.load(..., weights_only=True)`` reads): NumPy
    scalars become Python numbers and NumPy arrays tensors; anything else is an InvalidArgument naming where
    it is, so that archrank never writes a file it could not read back safely."""
    if isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, dict):
        items = ((k, plain(v, f"{where}[{k!r}]")) for k, v in obj.items())
        return OrderedDict(items) if isinstance(obj, OrderedDict) else dict(items)
    if isinstance(obj, (list, tuple)):
        out = [plain(v, f"{where}[{i}]") for i, v in enumerate(obj)]
        return out if isinstance(obj, list) else tuple(out)
    raise InvalidArgument(f"{where} is a {type(obj).__name__}: a checkpoint holds tensors and plain types only")


def save_atomic(obj: dict, path: str | os.PathLike) -> None:
    """``torch.save`` ``obj`` (made :func:`plain`) to ``path`` through a temporary file and ``os.replace``
    (never half a file)."""
    path = Path(path)
    safe = plain(obj, "checkpoint")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    torch.save(safe, tmp)
    os.replace(tmp, path)


def load_file(path: str | os.PathLike, *, what: str = "checkpoint", map_location: Any = "cpu") -> Any:
    """The content of a file written by :func:`save_atomic`, read with torch's safe loader
    (``weights_only=True``: tensors and plain types, no code run).  A file that holds anything else, or is
    not a torch file at all, is a DataError in one line."""
    path = Path(path)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        named = [ln.strip() for ln in str(e).splitlines() if "GLOBAL" in ln]
        if not named:  # not a pickle of anything: a foreign or damaged file
            raise DataError(f"cannot read {what} {path}: not a file written by torch.save") from None
        raise DataError(f"{what} {path} holds objects other than tensors and plain types ({named[0]}); archrank "
                        "reads such files only with torch's safe loader and never runs code from them") from None
    except FileNotFoundError:
        raise DataError(f"{what} {path} does not exist") from None
    except Exception as e:  # a truncated or foreign file: torch raises RuntimeError, EOFError, ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataError(f"cannot read {what} {path}: {first}") from e


def write_checkpoint(path: str | os.PathLike, *, model: nn.Module, optimizer: torch.optim.Optimizer,
                     generator: torch.Generator, epoch: int, seconds: float, history: list[dict[str, Any]],
                     config: dict[str, Any], owner: dict[str, Any] | None, data_shape: list[int]) -> None:
    """Write the state of a training after ``epoch`` finished epochs, with what it belongs to."""
    save_atomic({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "generator": generator.get_state(),
                 "epoch": int(epoch), "seconds": float(seconds), "config": config, "history": history,
                 "owner": owner, "data_shape": list(data_shape)}, path)


def read_checkpoint(path: str | os.PathLike, *, model: nn.Module, optimizer: torch.optim.Optimizer,
                    generator: torch.Generator, config: dict[str, Any], owner: dict[str, Any] | None,
                    data_shape: list[int], device: str = "cpu") -> dict[str, Any]:
    """Load the checkpoint at ``path`` into ``model``, ``optimizer`` and ``generator`` after checking that
    it belongs to this training (:func:`check_checkpoint`); returns its ``epoch``, ``seconds`` and
    ``history`` (a list of per-epoch dicts)."""
    path = Path(path)
    state = load_file(path, what="checkpoint", map_location=device)
    check_checkpoint(path, state, owner=owner, config=config, data_shape=list(data_shape))
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
    except (RuntimeError, ValueError, KeyError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InvalidArgument(f"checkpoint {path} does not fit this model ({first}); "
                              "delete it to train from the start") from None
    generator.set_state(state["generator"])
    return {"epoch": int(state["epoch"]), "seconds": float(state["seconds"]), "history": list(state["history"])}


def check_checkpoint(path: Path, state: Any, *, owner: dict[str, Any] | None, config: dict[str, Any],
                     data_shape: list[int]) -> None:
    """Refuse (one line, InvalidArgument) a checkpoint that belongs to another training."""
    if not isinstance(state, dict) or "model" not in state:
        raise DataError(f"cannot read checkpoint {path}: not a checkpoint written by archrank.train")
    if owner is not None and state.get("owner") != owner:
        had = state.get("owner")
        if had is None:
            raise InvalidArgument(f"checkpoint {path} does not record what it belongs to (written by an older "
                                  f"archrank), so it cannot be resumed as {_describe(owner)}; delete it")
        diff = sorted(k for k in set(owner) | set(had) if owner.get(k) != had.get(k))
        raise InvalidArgument(f"checkpoint {path} belongs to {_describe(had)}, not {_describe(owner)} "
                              f"(differs in {', '.join(diff)}); delete it or pass another checkpoint")
    if state.get("config") != config:
        had = state.get("config") or {}
        diff = sorted(k for k in set(config) | set(had) if config.get(k) != had.get(k))
        raise InvalidArgument(f"checkpoint {path} was written with a different training configuration "
                              f"(differs in {', '.join(diff)})")
    if state.get("data_shape", data_shape) != data_shape:
        raise InvalidArgument(f"checkpoint {path} was written for training data of shape {state['data_shape']}, "
                              f"not {data_shape}")


def _describe(owner: dict[str, Any]) -> str:
    return " ".join(f"{k}={owner[k]}" for k in sorted(owner))
