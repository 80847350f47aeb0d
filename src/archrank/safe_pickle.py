"""Reading pickled data files without running code from them.

A pickle names the callables that rebuild its objects, and ``pickle.load`` calls whatever it names (a
file whose ``__reduce__`` returns ``os.system`` runs a shell command when it is opened).  The data formats
archrank reads in this form (CIFAR batches, ImageNet16 batches, NATS-Bench ``.pickle.pbz2`` records, NB101
API records) hold only builtin containers and scalars, NumPy arrays, NumPy scalars and ``OrderedDict``,
so :func:`load` admits exactly the globals those need (:data:`ALLOWED`) and refuses any other with
:class:`ForbiddenGlobal` before it is called.

Tensors archrank writes itself (supernets, training checkpoints) are read with ``torch.load(...,
weights_only=True)`` instead (:func:`archrank.train.checkpoint.load_file`).
"""

from __future__ import annotations

import _compat_pickle
import pickle
from collections import OrderedDict
from typing import IO, Any


class ForbiddenGlobal(pickle.UnpicklingError):
    """A pickle names a callable outside :data:`ALLOWED` (it could run code when the file is read)."""


def _multiarray(name: str) -> Any:
    try:  # NumPy 2 (pickles written by NumPy 2 name numpy._core, those of NumPy 1 numpy.core)
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - NumPy 1
        from numpy.core import multiarray
    return getattr(multiarray, name)


def _numeric_frombuffer() -> Any:
    try:  # an array from its bytes (protocol 5 pickles of NumPy 1.x and 2)
        from numpy._core.numeric import _frombuffer
    except ImportError:  # pragma: no cover - NumPy 1
        from numpy.core.numeric import _frombuffer
    return _frombuffer


def _numpy(name: str) -> Any:
    import numpy

    return getattr(numpy, name)


#: (module, name) a data pickle may name -> how to get the object.  ``_reconstruct`` makes an empty array
#: of a class the unpickler must also resolve (so only ``ndarray``); ``scalar`` a NumPy scalar from its
#: dtype and bytes; ``_frombuffer`` an array from its bytes; ``_codecs.encode`` turns a str into bytes (how
#: protocol-2 pickles store bytes).
ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy.core.multiarray", "_reconstruct"): lambda: _multiarray("_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): lambda: _multiarray("_reconstruct"),
    ("numpy.core.multiarray", "scalar"): lambda: _multiarray("scalar"),
    ("numpy._core.multiarray", "scalar"): lambda: _multiarray("scalar"),
    ("numpy.core.numeric", "_frombuffer"): lambda: _numeric_frombuffer(),
    ("numpy._core.numeric", "_frombuffer"): lambda: _numeric_frombuffer(),
    ("numpy", "ndarray"): lambda: _numpy("ndarray"),
    ("numpy", "dtype"): lambda: _numpy("dtype"),
    ("collections", "OrderedDict"): lambda: OrderedDict,
    ("builtins", "set"): lambda: set,
    ("builtins", "frozenset"): lambda: frozenset,
    ("builtins", "complex"): lambda: complex,
    ("_codecs", "encode"): lambda: __import__("_codecs").encode,
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        # Python 2 names (``__builtin__.set``: CIFAR's batches were written by Python 2), as pickle maps them
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        get = ALLOWED.get((module, name))
        if get is None:
            raise ForbiddenGlobal(f"the file names {module}.{name}, which this data format does not hold (a "
                                  "pickle that names other callables could run code when read; archrank "
                                  "refuses it)")
        return get()


def load(file: IO[bytes], *, encoding: str = "ASCII") -> Any:
    """``pickle.load(file, encoding=encoding)`` admitting only the globals of :data:`ALLOWED`.

    Raises :class:`ForbiddenGlobal` (a ``pickle.UnpicklingError``) for any other, before calling it."""
    return _Unpickler(file, encoding=encoding).load()


__all__ = ["ALLOWED", "ForbiddenGlobal", "load"]
