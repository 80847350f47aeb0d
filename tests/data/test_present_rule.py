"""One "present" rule: a data set ``data list`` finds under a folder is never downloaded again there."""

from __future__ import annotations

import os

from archrank.data.catalog import locate
from archrank.data.download import download, installed_path, is_installed


def _refuse(url, timeout):
    raise AssertionError(f"nothing should be fetched, got {url}")


def test_a_located_data_set_is_installed_and_left_untouched(tmp_path):
    folder = tmp_path / "cifar10"  # a layout locate() accepts but the download would not create
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(b"x")
    (folder / "test_batch").write_bytes(b"y")
    before = sorted(p.name for p in tmp_path.rglob("*")), os.stat(tmp_path).st_mtime_ns
    assert locate("cifar10", tmp_path) == folder
    assert is_installed("cifar10", tmp_path) and installed_path("cifar10", tmp_path) == folder
    assert download("cifar10", tmp_path, opener=_refuse) == folder
    assert (sorted(p.name for p in tmp_path.rglob("*")), os.stat(tmp_path).st_mtime_ns) == before


def test_an_absent_data_set_is_not_installed(tmp_path):
    assert locate("cifar100", tmp_path) is None
    assert not is_installed("cifar100", tmp_path)
    assert not (tmp_path / "cifar-100-python").exists()
