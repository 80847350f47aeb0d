"""archrank.data: task data for scoring and training.

Image data sets (CIFAR-10/100, MNIST, Fashion-MNIST, ImageNet16-120) load from their official file
formats with :func:`load_dataset`; :func:`one_batch` gives a seeded class-balanced batch for heuristics
(the batch every heuristic of a scoring run sees); :func:`as_tensors` reads ``(images, labels)`` from a
loader's result; :func:`num_classes_of` gives a data set's number of classes; :func:`make_loader` wraps
tensors in a reproducible DataLoader with optional crop+flip augmentation.
Text corpora (PTB, WikiText-2) load with :func:`load_corpus` (:mod:`archrank.data.lm`).
:mod:`archrank.data.download` fetches the official archives; :mod:`archrank.data.synthetic` holds the
circle / hypercube / hypersphere tasks. See docs/data.md.
"""

from archrank.data.augment import black_fill, random_crop, random_crop_flip, random_hflip
from archrank.data.catalog import DATASETS, DatasetInfo, dataset_info, dataset_names, locate, num_classes_of
from archrank.data.lm import Corpus, Vocabulary, batchify, bptt_windows, load_corpus, one_token_batch
from archrank.data.loaders import (
    LoadedData,
    class_balanced_subset,
    find_available,
    load_dataset,
    make_loader,
    one_batch,
    read_raw,
)
from archrank.data.paths import data_dir
from archrank.data.tensors import as_tensors

__all__ = [
    "DATASETS",
    "Corpus",
    "DatasetInfo",
    "LoadedData",
    "Vocabulary",
    "as_tensors",
    "batchify",
    "black_fill",
    "bptt_windows",
    "class_balanced_subset",
    "data_dir",
    "dataset_info",
    "dataset_names",
    "find_available",
    "load_corpus",
    "load_dataset",
    "locate",
    "make_loader",
    "num_classes_of",
    "one_batch",
    "one_token_batch",
    "random_crop",
    "random_crop_flip",
    "random_hflip",
    "read_raw",
]
