"""Readers for CIFAR-10 and CIFAR-100 in the official python format (pickled batches).

Each batch is a pickled dict with ``data`` (N x 3072 uint8: the R, G and B planes of a 32x32 image, row
major) and ``labels`` (CIFAR-10) or ``fine_labels`` (CIFAR-100). Readers return uint8 images (N, 3, 32, 32)
and int64 labels as numpy arrays; normalisation is the loader's job.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np

from archrank import safe_pickle
from archrank.data.catalog import corrupt_error
from archrank.errors import DataError


def read_cifar_batch(path: Path, *, name: str = "cifar10", label_key: str = "labels") -> tuple[np.ndarray, np.ndarray]:
    """Read one pickled CIFAR batch; raise DataError naming ``path`` when it is not a valid batch."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            entry = safe_pickle.load(f, encoding="bytes")
    except FileNotFoundError:
        raise DataError(f"missing CIFAR batch {path}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError,
            IndexError, KeyError, OSError) as e:
        why = str(e) if isinstance(e, safe_pickle.ForbiddenGlobal) else f"not a readable pickle ({type(e).__name__})"
        raise corrupt_error(name, path, why) from None
    if not isinstance(entry, dict):
        raise corrupt_error(name, path, f"expected a dict, found {type(entry).__name__}")
    entry = {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in entry.items()}
    if "data" not in entry or label_key not in entry:
        raise corrupt_error(name, path, f"keys 'data' and {label_key!r} expected, found {sorted(entry)}")
    data = np.asarray(entry["data"])
    labels = np.asarray(entry[label_key])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise corrupt_error(name, path, f"data must be N x 3072 uint8, found {data.shape} {data.dtype}")
    if labels.ndim != 1 or len(labels) != len(data) or not np.issubdtype(labels.dtype, np.integer):
        raise corrupt_error(name, path, f"{len(data)} images but labels of shape {labels.shape}")
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def cifar_files(directory: Path, name: str, split: str) -> list[Path]:
    """The batch files of ``split`` in ``directory``: every ``data_batch_K`` present (CIFAR-10 train),
    ``test_batch``, or ``train`` / ``test`` (CIFAR-100). Raises DataError when there is none."""
    directory = Path(directory)
    if name == "cifar10":
        if split == "train":
            files = sorted(directory.glob("data_batch_*"), key=lambda p: _batch_number(p.name))
            files = [f for f in files if _batch_number(f.name) > 0]
            if not files:
                raise DataError(f"no CIFAR-10 training batches (data_batch_1..5) in {directory}; "
                                "run `archrank data download cifar10`")
            return files
        files = [directory / "test_batch"]
    else:
        files = [directory / ("train" if split == "train" else "test")]
    if not files[0].is_file():
        raise DataError(f"missing {files[0]}; run `archrank data download {name}`")
    return files


def _batch_number(filename: str) -> int:
    m = re.fullmatch(r"data_batch_(\d+)", filename)
    return int(m.group(1)) if m else 0


def read_cifar(directory: Path, name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """All images and labels of ``split`` ("train" or "test") of CIFAR-10 or CIFAR-100 in ``directory``."""
    label_key = "labels" if name == "cifar10" else "fine_labels"
    num_classes = 10 if name == "cifar10" else 100
    parts = [read_cifar_batch(f, name=name, label_key=label_key) for f in cifar_files(directory, name, split)]
    images = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
    labels = np.concatenate([p[1] for p in parts]) if len(parts) > 1 else parts[0][1]
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise corrupt_error(name, directory, f"labels outside 0..{num_classes - 1}")
    return images, labels
