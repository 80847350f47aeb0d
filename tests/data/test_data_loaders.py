"""Subsets, single batches, DataLoaders and augmentation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from data_fixtures import write_cifar100

from archrank.data import (
    black_fill,
    class_balanced_subset,
    find_available,
    load_dataset,
    make_loader,
    one_batch,
    random_crop,
    random_crop_flip,
    random_hflip,
)
from archrank.errors import InvalidArgument


def test_class_balanced_subset_is_balanced_seeded_and_without_repeats():
    labels = np.repeat(np.arange(10), 50)
    idx = class_balanced_subset(labels, 64, seed=3)
    assert len(idx) == 64 and len(set(idx.tolist())) == 64 and np.all(np.diff(idx) > 0)
    counts = np.bincount(labels[idx], minlength=10)
    assert counts.min() == 6 and counts.max() == 7 and counts.sum() == 64
    assert np.array_equal(idx, class_balanced_subset(labels, 64, seed=3))
    assert not np.array_equal(idx, class_balanced_subset(labels, 64, seed=4))


def test_class_balanced_subset_redistributes_short_classes():
    labels = np.array([0] * 2 + [1] * 100 + [2] * 100)
    idx = class_balanced_subset(labels, 30, seed=0)
    counts = np.bincount(labels[idx], minlength=3)
    assert counts.tolist() == [2, 14, 14]
    assert len(class_balanced_subset(labels, len(labels), seed=0)) == len(labels)
    with pytest.raises(InvalidArgument, match="subset size 500 outside 0..202"):
        class_balanced_subset(labels, 500)


def test_one_batch_cifar10_is_deterministic_and_balanced(shared_data):
    x, y = one_batch("cifar10", 64, 0, shared_data)
    assert x.shape == (64, 3, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.bincount(y, minlength=10).min() >= 6
    x2, y2 = one_batch("cifar10", 64, 0, shared_data)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    x3, _ = one_batch("cifar10", 64, 1, shared_data)
    assert not torch.equal(x, x3)
    assert y[:10].unique().numel() > 1  # classes are mixed within the batch, not grouped


def test_resized_variant_reads_its_base_and_resizes(shared_data):
    from archrank.data import dataset_info
    from archrank.data.download_sources import download_spec

    x, y = one_batch("cifar10-64", 8, seed=2, data_dir=shared_data)
    x32, y32 = one_batch("cifar10", 8, seed=2, data_dir=shared_data)
    assert x.shape == (8, 3, 64, 64) and torch.equal(y, y32)
    same = one_batch("cifar10", 8, seed=2, data_dir=shared_data, image_size=64)[0]
    torch.testing.assert_close(x, same)
    # averaging each 2x2 block of the upsampled image gives back the original up to interpolation
    assert float((torch.nn.functional.avg_pool2d(x, 2) - x32).abs().mean()) < 0.15
    info = dataset_info("cifar10-64")
    assert info.resized_from == "cifar10" and info.to_dict()["input_shape"] == [3, 64, 64]
    assert download_spec("cifar10-64") is download_spec("cifar10")


def test_one_batch_fashion_adapted_for_rgb_models(shared_data):
    x, y = one_batch("fashion-mnist", 20, 5, shared_data, channels=3, image_size=16)
    assert torch.equal(torch.bincount(y), torch.full((10,), 2))
    assert x.shape == (20, 3, 16, 16)
    assert torch.equal(x[:, 0], x[:, 2])
    assert find_available(("cifar100", "fashion-mnist"), shared_data) == "fashion-mnist"
    assert find_available(("cifar100",), shared_data) is None


def test_limit_gives_class_balanced_subset(tmp_path):
    write_cifar100(tmp_path / "cifar-100-python", n_train=400, n_test=10)
    d = load_dataset("cifar100", data_dir=tmp_path, limit=200, seed=1)
    assert len(d) == 200 and torch.equal(torch.bincount(d.targets), torch.full((100,), 2))
    with pytest.raises(InvalidArgument):
        one_batch("cifar100", 0, 0, tmp_path)
    with pytest.raises(InvalidArgument, match="only 10 images"):
        one_batch("cifar100", 11, 0, tmp_path, split="test")


def test_make_loader_covers_data_once_per_epoch_and_repeats_with_seed():
    x = torch.arange(10, dtype=torch.float32).view(10, 1, 1, 1).expand(10, 1, 4, 4).contiguous()
    y = torch.arange(10)
    loader = make_loader((x, y), 4, seed=7)
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = torch.cat([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    assert torch.equal(seen, torch.cat([b[1] for b in make_loader((x, y), 4, seed=7)]))
    for bx, by in batches:  # images still match their labels
        assert torch.equal(bx[:, 0, 0, 0], by.float())
    ordered = torch.cat([b[1] for b in make_loader((x, y), 3, shuffle=False, drop_last=True)])
    assert ordered.tolist() == list(range(9))


def test_make_loader_augments_with_black_padding(shared_data):
    d = load_dataset("cifar10", split="test", data_dir=shared_data, limit=32)
    a = [b[0] for b in make_loader(d, 16, seed=0, augment=True)]
    b = [b[0] for b in make_loader(d, 16, seed=0, augment=True)]
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    assert a[0].shape == (16, 3, 32, 32)
    black = black_fill(d.info.mean, d.info.std)
    # some image was shifted: a whole border row or column equals the black pixel
    aug = torch.cat(a)
    border = torch.stack([aug[:, :, 0, :], aug[:, :, -1, :], aug[:, :, :, 0], aug[:, :, :, -1]], 1)
    is_black = torch.isclose(border, black.view(1, 1, 3, 1)).all(dim=(2, 3))
    assert bool(is_black.any())


def test_random_crop_moves_content_and_pads_with_fill():
    g = torch.Generator().manual_seed(0)
    x = torch.arange(2 * 1 * 6 * 6, dtype=torch.float32).view(2, 1, 6, 6) + 1
    out = random_crop(x, g, padding=2, fill=-1.0)
    assert out.shape == x.shape
    for i in range(2):  # each output is a window of the padded image
        padded = torch.nn.functional.pad(x[i], (2, 2, 2, 2), value=-1.0)
        windows = [padded[:, r:r + 6, c:c + 6] for r in range(5) for c in range(5)]
        assert any(torch.equal(out[i], w) for w in windows)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(random_crop_flip(x, g1), random_crop_flip(x, g2))
    assert torch.equal(random_crop(x, g, padding=0), x)
    flipped = random_hflip(x, g, p=1.0)
    assert torch.equal(flipped, x.flip(-1))
    assert torch.equal(random_hflip(x, g, p=0.0), x)
    with pytest.raises(InvalidArgument):
        random_crop(x, g, fill=[0.0, 1.0])
    with pytest.raises(InvalidArgument):
        random_crop(x[0], g)
