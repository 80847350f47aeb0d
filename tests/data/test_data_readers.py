"""Readers of the official formats: real CIFAR-10, Fashion-MNIST and MNIST CSV; tiny CIFAR-100, IDX and
ImageNet16-120 fixtures written in the official format; missing and corrupt files."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest
import torch
from data_fixtures import write_cifar100, write_idx, write_idx_dataset, write_imagenet16

from archrank.data import dataset_info, load_dataset, locate, read_raw
from archrank.data.mnist import read_idx
from archrank.errors import DataError, UnknownName


def test_real_cifar10_train_reads_every_batch_present(shared_data):
    images, labels, where = read_raw("cifar10", "train", shared_data)
    assert where == shared_data / "cifar10" / "cifar-10-batches-py"
    assert images.shape == (20000, 3, 32, 32) and images.dtype == np.uint8  # data_batch_1 and _2 only
    assert labels.dtype == np.int64 and set(np.unique(labels)) == set(range(10))
    assert np.all(np.bincount(labels) == 2000)


def test_real_cifar10_test_is_normalised(shared_data):
    d = load_dataset("cifar10", split="test", data_dir=shared_data)
    assert d.inputs.shape == (10000, 3, 32, 32) and d.inputs.dtype == torch.float32
    assert d.targets.dtype == torch.int64 and int(d.targets.min()) == 0 and int(d.targets.max()) == 9
    mean, std = d.inputs.mean(dim=(0, 2, 3)), d.inputs.std(dim=(0, 2, 3))
    assert torch.allclose(mean, torch.zeros(3), atol=0.05), mean
    assert torch.allclose(std, torch.ones(3), atol=0.05), std
    raw = load_dataset("cifar10", split="test", data_dir=shared_data, normalize=False, limit=500)
    assert 0.0 <= float(raw.inputs.min()) and float(raw.inputs.max()) <= 1.0


def test_real_fashion_mnist_test_is_normalised(shared_data):
    d = load_dataset("fashion-mnist", split="test", data_dir=shared_data)
    assert d.inputs.shape == (10000, 1, 28, 28) and d.inputs.dtype == torch.float32
    assert torch.equal(torch.bincount(d.targets), torch.full((10,), 1000))
    assert abs(float(d.inputs.mean())) < 0.03 and abs(float(d.inputs.std()) - 1) < 0.03
    assert d.num_classes == 10 and d.info.input_shape == (1, 28, 28)


def test_real_mnist_csv_splits_4_to_1(shared_data):
    tr, _, where = read_raw("mnist", "train", shared_data)
    te_imgs, te_labels, _ = read_raw("mnist", "test", shared_data)
    assert where == shared_data / "mnist"
    assert tr.shape == (4000, 1, 28, 28) and te_imgs.shape == (1000, 1, 28, 28)
    assert np.all(np.bincount(te_labels) == 100)
    d = load_dataset("mnist", split="test", data_dir=shared_data)
    assert abs(float(d.inputs.mean())) < 0.05 and abs(float(d.inputs.std()) - 1) < 0.05


def test_cifar100_fixture_uses_fine_labels(tmp_path):
    written = write_cifar100(tmp_path / "cifar-100-python")
    d = load_dataset("cifar100", split="train", data_dir=tmp_path)
    assert d.inputs.shape == (200, 3, 32, 32) and len(d) == 200
    assert torch.equal(d.targets, torch.as_tensor(written["train"][1]))
    images, _, _ = read_raw("cifar100", "test", tmp_path)
    # R/G/B planes, row-major: pixel (row 0, col 1) of channel 1 is byte 1024 + 1
    assert images[3, 1, 0, 1] == written["test"][0][3, 1025]
    assert dataset_info("cifar100").num_classes == 100


def test_idx_gz_and_plain_agree(tmp_path):
    a = write_idx_dataset(tmp_path / "gz" / "mnist", gz=True)
    write_idx_dataset(tmp_path / "plain" / "mnist", gz=False)
    ia, la, _ = read_raw("mnist", "train", tmp_path / "gz")
    ib, lb, _ = read_raw("mnist", "train", tmp_path / "plain")
    assert np.array_equal(ia, ib) and np.array_equal(la, lb)
    assert np.array_equal(ia[:, 0], a["train"][0])


def test_imagenet16_fixture_keeps_120_classes_zero_based(tmp_path):
    written = write_imagenet16(tmp_path / "ImageNet16")
    d = load_dataset("imagenet16-120", split="train", data_dir=tmp_path)
    labels = np.concatenate([written[f"train_data_batch_{i}"][1] for i in (1, 2)])
    keep = labels <= 120
    assert len(d) == int(keep.sum()) and d.inputs.shape[1:] == (3, 16, 16)
    assert torch.equal(d.targets, torch.as_tensor(labels[keep] - 1))
    assert int(d.targets.min()) == 0 and int(d.targets.max()) == 119
    val = load_dataset("imagenet16-120", split="test", data_dir=tmp_path)
    assert len(val) == int((written["val_data"][1] <= 120).sum())


def test_missing_data_set_names_the_download_command(tmp_path):
    with pytest.raises(DataError, match=r"CIFAR-10 not found .*archrank data download cifar10"):
        load_dataset("cifar10", data_dir=tmp_path)
    with pytest.raises(DataError, match="no public direct download"):
        load_dataset("imagenet16-120", data_dir=tmp_path)
    assert locate("cifar100", tmp_path) is None


def test_cifar10_without_train_batches_is_a_clear_error(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1]}, f)
    assert len(load_dataset("cifar10", split="test", data_dir=tmp_path)) == 2
    with pytest.raises(DataError, match=r"no CIFAR-10 training batches \(data_batch_1..5\)"):
        load_dataset("cifar10", split="train", data_dir=tmp_path)


def test_corrupt_files_raise_one_line_naming_the_file(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(b"this is not a pickle")
    with pytest.raises(DataError, match=r"corrupt CIFAR-10 file .*data_batch_1") as e:
        load_dataset("cifar10", data_dir=tmp_path)
    assert "\n" not in str(e.value) and "--force" in str(e.value)

    good = write_idx_dataset(tmp_path / "fm" / "fashion-mnist", gz=True)
    path = tmp_path / "fm" / "fashion-mnist" / "train-images-idx3-ubyte.gz"
    with gzip.open(path, "rb") as f:
        raw = f.read()
    with gzip.open(path, "wb") as f:
        f.write(raw[:-100])  # truncated
    with pytest.raises(DataError, match=r"corrupt Fashion-MNIST file .*train-images.*truncated"):
        load_dataset("fashion-mnist", data_dir=tmp_path / "fm")
    path.write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(DataError, match="cannot decompress"):
        read_idx(path, name="fashion-mnist")
    write_idx(path, good["train"][0][:5])  # 5 images, 30 labels
    with pytest.raises(DataError, match="30 labels for 5 images"):
        load_dataset("fashion-mnist", data_dir=tmp_path / "fm")


def test_unknown_names(tmp_path):
    with pytest.raises(UnknownName, match="valid choices: cifar10, cifar10-64, cifar100, fashion-mnist, imagenet16-120, mnist"):
        load_dataset("cifar11", data_dir=tmp_path)
    write_cifar100(tmp_path / "cifar-100-python", n_train=10, n_test=10)
    with pytest.raises(UnknownName, match="unknown split 'valid'"):
        load_dataset("cifar100", split="valid", data_dir=tmp_path)


def test_fashion_mnist_falls_back_to_the_debian_package_folder(tmp_path):
    from pathlib import Path

    from archrank.data.catalog import candidate_dirs

    system = Path("/usr/share/datasets/fashion-mnist")
    assert candidate_dirs("fashion-mnist", tmp_path)[0] == tmp_path / "fashion-mnist"
    assert candidate_dirs("fashion-mnist", tmp_path)[-1] == system
    if not (system / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip("Debian package dataset-fashion-mnist is not installed")
    assert locate("fashion-mnist", tmp_path) == system
    images, labels, where = read_raw("fashion-mnist", "test", tmp_path)
    assert where == system and images.shape == (10000, 1, 28, 28) and len(labels) == 10000
    write_idx_dataset(tmp_path / "fashion-mnist")  # a data dir copy takes precedence
    assert locate("fashion-mnist", tmp_path) == tmp_path / "fashion-mnist"
