"""Writers of tiny data sets in the official formats, for tests (imported by the test modules)."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np


def write_idx(path: Path, array: np.ndarray) -> Path:
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(struct.pack(">i", d) for d in array.shape)
    raw = header + array.tobytes()
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(raw)
    else:
        path.write_bytes(raw)
    return path


def write_idx_dataset(folder: Path, n_train: int = 30, n_test: int = 20, gz: bool = True, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    suffix = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
        out[prefix] = (images, labels)
    return out


def write_cifar100(folder: Path, n_train: int = 200, n_test: int = 100, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n in (("train", n_train), ("test", n_test)):
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        fine = (np.arange(n) % 100).tolist()
        entry = {b"filenames": [b"x.png"] * n, b"batch_label": split.encode(), b"fine_labels": fine,
                 b"coarse_labels": [f // 5 for f in fine], b"data": data}
        with open(folder / split, "wb") as f:
            pickle.dump(entry, f, protocol=2)
        out[split] = (data, np.array(fine))
    with open(folder / "meta", "wb") as f:
        pickle.dump({b"fine_label_names": [f"c{i}".encode() for i in range(100)]}, f)
    return out


def write_imagenet16(folder: Path, n_batches: int = 2, per_batch: int = 60, seed: int = 0) -> dict:
    """Batches with 1-based labels in 1..200 (classes above 120 must be dropped by the reader)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    names = [f"train_data_batch_{i + 1}" for i in range(n_batches)] + ["val_data"]
    for name in names:
        data = rng.integers(0, 256, size=(per_batch, 768), dtype=np.uint8)
        labels = rng.integers(1, 201, size=per_batch).tolist()
        labels[0], labels[1] = 1, 120  # make sure both ends of the kept range occur
        with open(folder / name, "wb") as f:
            pickle.dump({"data": data, "labels": labels, "mean": np.zeros(768)}, f)
        out[name] = (data, np.array(labels))
    return out
