"""One entry point for image data: :func:`load_dataset`, plus subsets, single batches and DataLoaders.

Images come back as float32 NCHW tensors normalised with the data set's per-channel mean/std (see
:func:`archrank.data.dataset_info`), labels as int64. Raw files are read once per process and kept (as
uint8, a few hundred MB at most) in a small cache keyed by file path, size and modification time.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler, TensorDataset

from archrank.data.augment import black_fill, random_crop_flip
from archrank.data.catalog import DatasetInfo, dataset_info, locate, missing_error
from archrank.errors import InvalidArgument

Reader = Callable[[Path, str], tuple[np.ndarray, np.ndarray]]


def _reader(name: str) -> Reader:
    if name in ("cifar10", "cifar100"):
        from archrank.data.cifar import read_cifar

        return lambda d, split: read_cifar(d, name, split)
    if name in ("mnist", "fashion-mnist"):
        from archrank.data.mnist import read_mnist_family

        return lambda d, split: read_mnist_family(d, name, split)
    from archrank.data.imagenet16 import read_imagenet16

    return read_imagenet16


_CACHE: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
_CACHE_SIZE = 4


def _signature(directory: Path) -> tuple:
    try:
        return tuple(sorted((p.name, s.st_size, s.st_mtime_ns) for p in directory.iterdir()
                            if p.is_file() and (s := p.stat())))
    except OSError:
        return ()


def read_raw(name: str, split: str = "train", data_dir: str | os.PathLike | None = None) -> tuple[np.ndarray, np.ndarray, Path]:
    """uint8 images (N, C, H, W), int64 labels and the folder they came from, for one split.

    Raises UnknownName for an unknown data set or split and DataError (one line, naming the file and
    what to do) for missing or corrupt files. The arrays are read-only and shared between calls.
    """
    info = dataset_info(name)
    if info.resized_from:  # the base data set's files (resized in load_dataset)
        return read_raw(info.resized_from, split, data_dir)
    if info.domain != "image":
        raise InvalidArgument(f"{info.title} is a text corpus, not images: read it with "
                              f"archrank.data.lm.load_corpus({name!r})")
    if split not in info.splits:
        from archrank.errors import UnknownName

        raise UnknownName("split", split, info.splits)
    directory = locate(name, data_dir)
    if directory is None:
        raise missing_error(name, data_dir)
    key = (name, split, str(directory.resolve()), _signature(directory))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        images, labels = _CACHE[key]
        return images, labels, directory
    images, labels = _reader(name)(directory, split)
    images.setflags(write=False)
    labels.setflags(write=False)
    _CACHE[key] = (images, labels)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return images, labels, directory


def clear_cache() -> None:
    """Forget raw arrays read so far (frees their memory)."""
    _CACHE.clear()


def class_balanced_subset(labels: Sequence[int] | np.ndarray | torch.Tensor, n: int, seed: int = 0,
                          *, num_classes: int | None = None) -> np.ndarray:
    """Indices of ``n`` items drawn without replacement with classes as equal in count as possible.

    Each class gets ``n // k`` items (k classes present, or ``num_classes``) and the remainder goes to
    classes chosen at random; a class with too few items gives all it has and the shortfall is spread over
    the others. The draw is a function of ``seed`` only. Indices are returned sorted.
    """
    y = np.asarray(labels.cpu() if isinstance(labels, torch.Tensor) else labels).astype(np.int64).reshape(-1)
    if n < 0 or n > len(y):
        raise InvalidArgument(f"subset size {n} outside 0..{len(y)}")
    rng = np.random.default_rng(seed)
    classes = np.unique(y) if num_classes is None else np.arange(num_classes)
    pools = {int(c): rng.permutation(np.flatnonzero(y == c)) for c in classes}
    quota = dict.fromkeys(pools, 0)
    remaining = n
    while remaining > 0:
        open_ = [c for c in pools if quota[c] < len(pools[c])]
        share, extra = divmod(remaining, len(open_))
        lucky = set(rng.choice(open_, size=extra, replace=False).tolist()) if extra else set()
        for c in open_:
            take = min(share + (c in lucky), len(pools[c]) - quota[c])
            quota[c] += take
            remaining -= take
    chosen = [pools[c][: quota[c]] for c in pools]
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class LoadedData:
    """A split of a data set in memory: ``inputs`` (float32 NCHW) and ``targets`` (int64)."""

    name: str
    split: str
    inputs: torch.Tensor
    targets: torch.Tensor
    info: DatasetInfo
    source: Path
    normalized: bool = True

    def __len__(self) -> int:
        return int(self.targets.shape[0])

    @property
    def tensors(self) -> tuple[torch.Tensor, torch.Tensor]:
        return self.inputs, self.targets

    @property
    def num_classes(self) -> int:
        return self.info.num_classes

    def loader(self, batch_size: int, **kw) -> DataLoader:
        """Shorthand for :func:`make_loader` on this data."""
        return make_loader(self, batch_size, **kw)


def to_float(images: np.ndarray, info: DatasetInfo, *, normalize: bool = True,
             channels: int | None = None, image_size: int | None = None) -> torch.Tensor:
    """uint8 NCHW images -> float32 in [0, 1], optionally normalised, channel-repeated and resized."""
    arr = np.ascontiguousarray(images)
    if not arr.flags.writeable:  # cached raw arrays are read-only; torch wants a writable buffer
        arr = arr.copy()
    x = torch.from_numpy(arr).to(torch.float32).div_(255.0)
    if normalize:
        mean = torch.tensor(info.mean, dtype=torch.float32).view(1, -1, 1, 1)
        std = torch.tensor(info.std, dtype=torch.float32).view(1, -1, 1, 1)
        x = x.sub_(mean).div_(std)
    if channels is not None and channels != x.shape[1]:
        if x.shape[1] != 1:
            raise InvalidArgument(f"cannot turn {x.shape[1]}-channel images into {channels} channels")
        x = x.expand(-1, channels, -1, -1).contiguous()
    if image_size is not None and tuple(x.shape[-2:]) != (image_size, image_size):
        if image_size < 1:
            raise InvalidArgument(f"image_size must be >= 1, got {image_size}")
        x = F.interpolate(x, size=(image_size, image_size), mode="bilinear", align_corners=False,
                          antialias=image_size < x.shape[-1])
    return x


def load_dataset(name: str, *, split: str = "train", data_dir: str | os.PathLike | None = None,
                 limit: int | None = None, seed: int = 0, normalize: bool = True,
                 channels: int | None = None, image_size: int | None = None) -> LoadedData:
    """Load one split of a data set as tensors.

    - ``name``: one of :func:`archrank.data.dataset_names` (cifar10, cifar100, fashion-mnist,
      imagenet16-120, mnist).
    - ``split``: "train" or "test" (for ImageNet16-120, "test" is ``val_data``).
    - ``data_dir``: the data directory (default: ``$ARCHRANK_DATA``, else ``~/.cache/archrank/data``).
    - ``limit``: keep a class-balanced subset of this many images drawn with ``seed`` (None: all).
    - ``channels`` (e.g. 3 to feed grey images to RGB models) and ``image_size`` (bilinear resize) adapt
      the images; ``normalize=False`` gives pixels in [0, 1].
    """
    images, labels, directory = read_raw(name, split, data_dir)
    info = dataset_info(name)
    if info.resized_from and image_size is None:
        image_size = info.input_shape[-1]
    if limit is not None:
        if limit < 0:
            raise InvalidArgument(f"limit must be >= 0, got {limit}")
        if limit < len(labels):
            idx = class_balanced_subset(labels, limit, seed)
            images, labels = images[idx], labels[idx]
    x = to_float(images, info, normalize=normalize, channels=channels, image_size=image_size)
    y = torch.from_numpy(np.array(labels, dtype=np.int64))
    return LoadedData(name=name, split=split, inputs=x, targets=y, info=info, source=directory,
                      normalized=normalize)


def one_batch(name: str, batch_size: int, seed: int = 0, data_dir: str | os.PathLike | None = None, *,
              split: str = "train", channels: int | None = None,
              image_size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """A class-balanced batch ``(inputs, targets)`` for heuristics: same ``seed``, same batch.

    ``inputs`` is float32 (batch_size, C, H, W), normalised; ``targets`` int64 in 0..num_classes-1.
    """
    if batch_size < 1:
        raise InvalidArgument(f"batch_size must be >= 1, got {batch_size}")
    data = load_dataset(name, split=split, data_dir=data_dir, limit=batch_size, seed=seed,
                        channels=channels, image_size=image_size)
    if len(data) < batch_size:
        raise InvalidArgument(f"{name} {split} has only {len(data)} images, fewer than batch_size {batch_size}")
    g = np.random.default_rng(seed)
    order = torch.from_numpy(g.permutation(len(data)))  # mix classes within the batch
    return data.inputs[order], data.targets[order]


def find_available(names: Sequence[str] = ("cifar10", "fashion-mnist"),
                   data_dir: str | os.PathLike | None = None) -> str | None:
    """The first of ``names`` whose files are found (data dir first, then system folders), else None."""
    for n in names:
        if locate(n, data_dir) is not None:
            return n
    return None


def make_loader(data: LoadedData | tuple[torch.Tensor, torch.Tensor], batch_size: int, *,
                shuffle: bool = True, seed: int = 0, augment: bool = False, drop_last: bool = False,
                padding: int = 4) -> DataLoader:
    """A single-process DataLoader of ``(inputs, targets)`` batches, reproducible from ``seed``.

    With ``augment=True`` each batch goes through :func:`random_crop_flip` (``padding`` pixels of black,
    when ``data`` is a normalised :class:`LoadedData`, else of 0) with a generator seeded from ``seed``.
    Iterating the loader again continues the same random streams, so epochs differ but runs repeat.
    """
    if batch_size < 1:
        raise InvalidArgument(f"batch_size must be >= 1, got {batch_size}")
    if isinstance(data, LoadedData):
        x, y = data.tensors
        fill = black_fill(data.info.mean, data.info.std) if data.normalized else 0.0
        if x.shape[1] != len(data.info.mean):  # channel-repeated grey images
            fill = black_fill(data.info.mean * x.shape[1], data.info.std * x.shape[1]) if data.normalized else 0.0
    else:
        x, y = data
        fill = 0.0
    dataset = TensorDataset(x, y)
    if shuffle:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    else:
        sampler = SequentialSampler(dataset)
    batches = BatchSampler(sampler, batch_size=batch_size, drop_last=drop_last)
    if augment:
        gen = torch.Generator().manual_seed(seed + 1)

        def collate(batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
            return random_crop_flip(batch[0], gen, padding=padding, fill=fill), batch[1]
    else:
        def collate(batch: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
            return batch[0], batch[1]
    return DataLoader(dataset, sampler=batches, batch_size=None, collate_fn=collate)
