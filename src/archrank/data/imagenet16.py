"""Reader for ImageNet16-120: the 16x16 down-sampled ImageNet batches, restricted to classes 1..120.

Each file (``train_data_batch_1`` .. ``train_data_batch_10``, ``val_data``) is a pickled dict with
``data`` (N x 768 uint8: R, G and B planes of a 16x16 image) and ``labels`` (1-based ImageNet class ids,
some distributions spell the key ``label``). Images of classes 1..120 are kept and labels made 0-based.
"""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np

from archrank import safe_pickle
from archrank.data.catalog import corrupt_error, download_hint
from archrank.errors import DataError

NUM_CLASSES = 120


def _number(p: Path) -> int:
    m = re.fullmatch(r"train_data_batch_(\d+)", p.name)
    return int(m.group(1)) if m else 0


def imagenet16_files(directory: Path, split: str) -> list[Path]:
    """The batch files of ``split`` present in ``directory`` (all train batches found, or ``val_data``)."""
    directory = Path(directory)
    if split == "train":
        files = sorted((p for p in directory.glob("train_data_batch_*") if _number(p) > 0), key=_number)
    else:
        files = [p for p in [directory / "val_data"] if p.is_file()]
    if not files:
        want = "train_data_batch_1..10" if split == "train" else "val_data"
        raise DataError(f"no ImageNet16 {want} in {directory}; {download_hint('imagenet16-120')}")
    return files


def read_imagenet16_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 3, 16, 16) uint8 and 0-based labels of classes < 120 from one batch file."""
    path = Path(path)
    name = "imagenet16-120"
    try:
        with open(path, "rb") as f:
            entry = safe_pickle.load(f, encoding="latin1")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError,
            IndexError, KeyError, OSError) as e:
        why = str(e) if isinstance(e, safe_pickle.ForbiddenGlobal) else f"not a readable pickle ({type(e).__name__})"
        raise corrupt_error(name, path, why) from None
    if not isinstance(entry, dict):
        raise corrupt_error(name, path, f"expected a dict, found {type(entry).__name__}")
    entry = {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in entry.items()}
    key = "labels" if "labels" in entry else "label"
    if "data" not in entry or key not in entry:
        raise corrupt_error(name, path, f"keys 'data' and 'labels' expected, found {sorted(entry)}")
    data, labels = np.asarray(entry["data"]), np.asarray(entry[key]).astype(np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 16 * 16:
        raise corrupt_error(name, path, f"data must be N x 768 uint8, found {data.shape} {data.dtype}")
    if labels.ndim != 1 or len(labels) != len(data):
        raise corrupt_error(name, path, f"{len(data)} images but labels of shape {labels.shape}")
    if labels.size and labels.min() < 1:
        raise corrupt_error(name, path, "labels must be 1-based ImageNet class ids")
    keep = labels <= NUM_CLASSES
    return data[keep].reshape(-1, 3, 16, 16), labels[keep] - 1


def read_imagenet16(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    parts = [read_imagenet16_batch(f) for f in imagenet16_files(directory, split)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
