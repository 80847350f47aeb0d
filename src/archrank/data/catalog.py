"""The data sets archrank knows (images, and the text corpora of :mod:`archrank.data.lm`): their shape,
normalisation and where their files may live.

Each data set is described once by a :class:`DatasetInfo` in the :data:`DATASETS` registry. Finding the
files is :func:`locate`: it looks in a few conventional folders under the data directory (the layout the
official archives extract to, and a ``<name>/`` folder holding it) and then in system-wide locations
(Debian's ``dataset-fashion-mnist`` package installs Fashion-MNIST under ``/usr/share/datasets``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from archrank.data.paths import data_dir as resolve_data_dir
from archrank.errors import DataError
from archrank.registry import Registry


def _has_any(*patterns: str) -> Callable[[Path], bool]:
    def check(d: Path) -> bool:
        return d.is_dir() and any(f.is_file() for p in patterns for f in d.glob(p))

    return check


_IDX_PATTERNS = ("train-images*idx3-ubyte*", "t10k-images*idx3-ubyte*")


@dataclass(frozen=True)
class DatasetInfo:
    """What a loader promises about a data set.

    ``input_shape`` is (channels, height, width) of one image; ``mean``/``std`` are the per-channel
    statistics (of pixels scaled to [0, 1]) used to normalise it; ``splits`` are the names accepted by
    :func:`archrank.data.load_dataset`.  For a text corpus (``domain`` "text"), ``num_classes`` is the
    vocabulary size, ``input_shape`` is (sequence length,) of the benchmark's BPTT window and ``mean``/``std``
    are empty.
    """

    name: str
    title: str
    num_classes: int
    input_shape: tuple[int, int, int]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    folders: tuple[str, ...]
    is_present: Callable[[Path], bool] = field(repr=False, compare=False)
    system_dirs: tuple[str, ...] = ()
    splits: tuple[str, ...] = ("train", "test")
    domain: str = "image"
    #: A resized variant reads the files of this data set and resizes them (bilinear) to ``input_shape``.
    resized_from: str | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "domain": self.domain,
            "num_classes": self.num_classes,
            "input_shape": list(self.input_shape),
            "mean": list(self.mean),
            "std": list(self.std),
            "splits": list(self.splits),
            **({"resized_from": self.resized_from} if self.resized_from else {}),
        }


DATASETS: Registry[DatasetInfo] = Registry("data set")


def _add(info: DatasetInfo) -> None:
    DATASETS.register(info.name, info)


# Normalisation statistics: the per-channel values used for these data sets in the NAS-Bench-201 training
# pipeline (CIFAR, ImageNet16-120) and the usual ones for the MNIST family.
_add(DatasetInfo(
    name="cifar10", title="CIFAR-10", num_classes=10, input_shape=(3, 32, 32),
    mean=(125.3 / 255, 123.0 / 255, 113.9 / 255), std=(63.0 / 255, 62.1 / 255, 66.7 / 255),
    folders=("cifar-10-batches-py", "cifar10/cifar-10-batches-py", "cifar10", "."),
    is_present=_has_any("data_batch_[1-5]", "test_batch"),
))
# CIFAR-10 upsampled to 64x64: the stand-in for ImageNet images in the NDS tasks of the suite.  64 is the
# smallest size at which every map of the NDS ImageNet network (three stride-2 stem convolutions, two
# reduction cells) is at least 2x2 and even-sized, so that batch norm in train mode has more than one value
# per channel even for a one-image batch, and factorized reduction halves exactly.
_add(replace(DATASETS.get("cifar10"), name="cifar10-64", title="CIFAR-10 upsampled to 64x64 (bilinear)",
             input_shape=(3, 64, 64), resized_from="cifar10"))
_add(DatasetInfo(
    name="cifar100", title="CIFAR-100", num_classes=100, input_shape=(3, 32, 32),
    mean=(129.3 / 255, 124.1 / 255, 112.4 / 255), std=(68.2 / 255, 65.4 / 255, 70.4 / 255),
    folders=("cifar-100-python", "cifar100/cifar-100-python", "cifar100", "."),
    is_present=_has_any("train", "test"),
))
_add(DatasetInfo(
    name="mnist", title="MNIST", num_classes=10, input_shape=(1, 28, 28),
    mean=(0.1307,), std=(0.3081,),
    folders=("mnist", "MNIST/raw", "MNIST", "mnist/raw"),
    is_present=_has_any(*_IDX_PATTERNS, "mnist_5k.csv", "mnist_5k.csv.gz"),
))
_add(DatasetInfo(
    name="fashion-mnist", title="Fashion-MNIST", num_classes=10, input_shape=(1, 28, 28),
    mean=(0.2860,), std=(0.3530,),
    folders=("fashion-mnist", "FashionMNIST/raw", "FashionMNIST", "fashion_mnist"),
    is_present=_has_any(*_IDX_PATTERNS),
    system_dirs=("/usr/share/datasets/fashion-mnist",),
))
_add(DatasetInfo(
    name="imagenet16-120", title="ImageNet16-120", num_classes=120, input_shape=(3, 16, 16),
    mean=(122.68 / 255, 116.66 / 255, 104.01 / 255), std=(63.22 / 255, 61.26 / 255, 65.09 / 255),
    folders=("ImageNet16", "imagenet16-120/ImageNet16", "imagenet16-120", "imagenet16", "."),
    is_present=_has_any("train_data_batch_*", "val_data"),
))

# Text corpora (archrank.data.lm): vocabulary sizes as the usual loaders count them; input_shape is the
# NAS-Bench-NLP BPTT window (70 tokens).
_add(DatasetInfo(
    name="ptb", title="Penn Treebank", num_classes=10000, input_shape=(70,), mean=(), std=(),
    folders=("lm/ptb", "ptb", "."), is_present=_has_any("ptb.train.txt"),
    splits=("train", "valid", "test"), domain="text",
))
_add(DatasetInfo(
    name="wikitext2", title="WikiText-2", num_classes=33278, input_shape=(70,), mean=(), std=(),
    folders=("lm/wikitext-2", "wikitext-2", "wikitext2"), is_present=_has_any("train.txt", "wiki.train.tokens"),
    splits=("train", "valid", "test"), domain="text",
))


def dataset_names() -> list[str]:
    """Names accepted by :func:`archrank.data.load_dataset`, sorted."""
    return DATASETS.names()


def dataset_info(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` of ``name``; an unknown name raises UnknownName listing the choices."""
    return DATASETS.get(name)


def num_classes_of(name: str) -> int:
    """Number of classes of data set ``name``."""
    return dataset_info(name).num_classes


def candidate_dirs(name: str, data_dir: str | os.PathLike | None = None) -> list[Path]:
    """Folders searched for ``name``, in order: conventional folders under the data dir, then system ones."""
    info = dataset_info(name)
    root = resolve_data_dir(data_dir)
    dirs = [root if f == "." else root / f for f in info.folders]
    dirs += [Path(d) for d in info.system_dirs]
    return dirs


def locate(name: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """The first folder holding ``name``'s files, or None when none does (never raises for missing data)."""
    info = dataset_info(name)
    for d in candidate_dirs(name, data_dir):
        try:
            if info.is_present(d):
                return d
        except OSError:  # unreadable folder: treat as absent
            continue
    return None


def download_hint(name: str, data_dir: str | os.PathLike | None = None, *, force: bool = False) -> str:
    """What to tell a user who lacks ``name``'s files (``force``: they exist but are corrupt)."""
    if name == "imagenet16-120":
        return ("ImageNet16-120 has no public direct download: obtain ImageNet16.tar.gz from the "
                f"NAS-Bench-201 authors and extract it so that {resolve_data_dir(data_dir) / 'ImageNet16'} "
                "holds train_data_batch_1..10 and val_data")
    where = f" --data-dir {data_dir}" if data_dir else ""
    again = " --force" if force else ""
    return f"run `archrank data download {name}{where}{again}`"


def missing_error(name: str, data_dir: str | os.PathLike | None = None) -> DataError:
    """The one-line DataError for a data set whose files are not found."""
    info = dataset_info(name)
    looked = ", ".join(str(d) for d in candidate_dirs(name, data_dir))
    return DataError(f"{info.title} not found (looked in {looked}); {download_hint(name, data_dir)}")


def corrupt_error(name: str, path: str | os.PathLike, reason: str) -> DataError:
    """The one-line DataError for a file that exists but cannot be read as ``name`` data."""
    info = dataset_info(name)
    return DataError(f"corrupt {info.title} file {path}: {reason}; replace it ({download_hint(name, force=True)})")
