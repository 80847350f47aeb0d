"""Readers for MNIST and Fashion-MNIST: IDX files (gzipped or not) and the 5k MNIST CSV.

IDX format: two zero bytes, a type byte (0x08: unsigned byte), the number of dimensions, then each
dimension as a big-endian int32, then the values. Readers return uint8 images (N, 1, 28, 28) and int64
labels; normalisation is the loader's job.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import numpy as np

from archrank.data.catalog import corrupt_error
from archrank.errors import DataError

_PREFIX = {"train": "train", "test": "t10k"}
CSV_NAMES = ("mnist_5k.csv.gz", "mnist_5k.csv")
CSV_TEST_FRACTION = 5  # with only the CSV, every 5th image of each class (in file order) is the test split


def _open_bytes(path: Path, name: str) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"missing {path}") from None
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        raise corrupt_error(name, path, f"cannot decompress ({e})") from None


def read_idx(path: Path, *, name: str = "mnist") -> np.ndarray:
    """The uint8 array stored in an IDX file (``.gz`` or plain); DataError naming the file if malformed."""
    path = Path(path)
    raw = _open_bytes(path, name)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise corrupt_error(name, path, "not an IDX file (bad magic number)")
    if raw[2] != 0x08:
        raise corrupt_error(name, path, f"IDX type 0x{raw[2]:02x} is not unsigned byte (0x08)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise corrupt_error(name, path, "truncated IDX header")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise corrupt_error(name, path, f"header says {shape} ({expected} bytes) but {len(raw) - header} "
                                        "bytes follow (truncated or padded)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


def idx_file(directory: Path, split: str, kind: str) -> Path | None:
    """The IDX file of ``split`` ("train"/"test") and ``kind`` ("images"/"labels"), or None if absent."""
    prefix = _PREFIX[split]
    dims = 3 if kind == "images" else 1
    for stem in (f"{prefix}-{kind}-idx{dims}-ubyte", f"{prefix}-{kind}.idx{dims}-ubyte"):
        for suffix in (".gz", ""):
            p = Path(directory) / (stem + suffix)
            if p.is_file():
                return p
    return None


def read_idx_split(directory: Path, name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 1, 28, 28) and labels of one split from the IDX files in ``directory``."""
    img_path, lab_path = idx_file(directory, split, "images"), idx_file(directory, split, "labels")
    if img_path is None or lab_path is None:
        missing = f"{_PREFIX[split]}-{'images-idx3' if img_path is None else 'labels-idx1'}-ubyte[.gz]"
        raise DataError(f"missing {Path(directory) / missing}; run `archrank data download {name}`")
    images, labels = read_idx(img_path, name=name), read_idx(lab_path, name=name)
    if images.ndim != 3:
        raise corrupt_error(name, img_path, f"expected N x H x W images, found shape {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise corrupt_error(name, lab_path, f"{len(labels)} labels for {len(images)} images in {img_path.name}")
    if labels.size and labels.max() > 9:
        raise corrupt_error(name, lab_path, f"label {int(labels.max())} outside 0..9")
    return images[:, None, :, :], labels.astype(np.int64)


def csv_file(directory: Path) -> Path | None:
    for n in CSV_NAMES:
        p = Path(directory) / n
        if p.is_file():
            return p
    return None


def read_mnist_csv(path: Path, *, name: str = "mnist") -> tuple[np.ndarray, np.ndarray]:
    """All rows of an MNIST CSV (784 pixel columns then the label; an optional header line is skipped)."""
    path = Path(path)
    text = _open_bytes(path, name)
    try:
        lines = text.decode("ascii").strip().splitlines()
        if lines and not lines[0].split(",")[0].strip().lstrip("-").isdigit():
            lines = lines[1:]
        table = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", dtype=np.int64, ndmin=2)
    except (UnicodeDecodeError, ValueError) as e:
        raise corrupt_error(name, path, f"not a numeric CSV ({e})") from None
    if table.shape[1] != 785:
        raise corrupt_error(name, path, f"expected 785 columns (784 pixels then label), found {table.shape[1]}")
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.min(initial=0) < 0 or pixels.max(initial=0) > 255 or labels.min(initial=0) < 0 or labels.max(initial=0) > 9:
        raise corrupt_error(name, path, "pixels must lie in 0..255 and labels in 0..9")
    return pixels.astype(np.uint8).reshape(-1, 1, 28, 28), labels


def csv_split_mask(labels: np.ndarray, split: str) -> np.ndarray:
    """Deterministic train/test partition of a CSV-only data set: per class, every 5th image is test."""
    rank = np.zeros(len(labels), dtype=np.int64)
    for c in np.unique(labels):
        idx = np.flatnonzero(labels == c)
        rank[idx] = np.arange(len(idx))
    is_test = rank % CSV_TEST_FRACTION == CSV_TEST_FRACTION - 1
    return is_test if split == "test" else ~is_test


def read_mnist_family(directory: Path, name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """One split of MNIST / Fashion-MNIST from IDX files; MNIST falls back to the 5k CSV (split 4:1)."""
    if idx_file(directory, split, "images") is None and name == "mnist":
        path = csv_file(directory)
        if path is not None:
            images, labels = read_mnist_csv(path, name=name)
            keep = csv_split_mask(labels, split)
            return images[keep], labels[keep]
    return read_idx_split(directory, name, split)
