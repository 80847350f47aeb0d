"""Download path on local archives: fetch from file:// URLs or an injected opener, checksum
verification, atomic installation. No test touches the network."""

from __future__ import annotations

import hashlib
import io
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from data_fixtures import write_cifar100, write_idx_dataset

from archrank.data import load_dataset
from archrank.data.download import (
    DownloadSpec,
    RemoteFile,
    download,
    extract_archive,
    fetch,
    verify_and_extract,
    verify_checksum,
)
from archrank.errors import DataError, InvalidArgument, UnknownName


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _cifar100_tarball(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    write_cifar100(src / "cifar-100-python", n_train=20, n_test=10)
    archive = tmp_path / "cifar-100-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src / "cifar-100-python", arcname="cifar-100-python")
    return archive


def _only_expected(root: Path, names: set[str]) -> None:
    assert {p.name for p in root.iterdir()} == names, "temporary or partial files left behind"


def test_verify_and_extract_installs_a_good_archive(tmp_path):
    archive = _cifar100_tarball(tmp_path)
    root = tmp_path / "data"
    out = verify_and_extract(archive, root, top="cifar-100-python", md5=_md5(archive),
                             sha256=hashlib.sha256(archive.read_bytes()).hexdigest())
    assert out == root / "cifar-100-python"
    _only_expected(root, {"cifar-100-python"})
    assert len(load_dataset("cifar100", split="test", data_dir=root)) == 10
    with pytest.raises(DataError, match="already exists; pass --force"):
        extract_archive(archive, root, top="cifar-100-python")


def test_wrong_checksum_installs_nothing(tmp_path):
    archive = _cifar100_tarball(tmp_path)
    root = tmp_path / "data"
    with pytest.raises(DataError, match=r"checksum mismatch for cifar-100-python.tar.gz: md5 [0-9a-f]{32}, expected 0{32}"):
        verify_and_extract(archive, root, top="cifar-100-python", md5="0" * 32)
    assert not root.exists() or not any(root.iterdir())
    with pytest.raises(InvalidArgument, match="no checksum"):
        verify_checksum(archive)


def test_corrupt_or_unsafe_archives_install_nothing(tmp_path):
    root = tmp_path / "data"
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(_cifar100_tarball(tmp_path).read_bytes()[:300])  # truncated
    with pytest.raises(DataError, match="cannot extract .*bad.tar.gz"):
        extract_archive(bad, root, top="cifar-100-python")
    _only_expected(root, set())

    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as tar:
        info = tarfile.TarInfo("cifar-100-python/../../escape.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(DataError, match="unsafe path"):
        extract_archive(evil, root, top="cifar-100-python")
    _only_expected(root, set())
    assert not (tmp_path / "escape.txt").exists()

    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        tar.add(tmp_path / "src", arcname="something-else")
    with pytest.raises(DataError, match="does not hold the folder 'cifar-100-python'"):
        extract_archive(other, root, top="cifar-100-python")
    _only_expected(root, set())


def test_fetch_reads_file_urls_and_reports_failures(tmp_path):
    src = tmp_path / "blob.bin"
    src.write_bytes(np.random.default_rng(0).bytes(3_000_000))  # several chunks
    seen = []
    out = fetch(src.as_uri(), tmp_path / "copy.bin", progress=lambda done, total: seen.append(done))
    assert out.read_bytes() == src.read_bytes() and seen[-1] == 3_000_000
    with pytest.raises(DataError, match=r"could not download file:///.*missing.bin"):
        fetch((tmp_path / "missing.bin").as_uri(), tmp_path / "x.bin")
    assert not (tmp_path / "x.bin").exists()


def test_download_end_to_end_from_file_urls(tmp_path):
    archive = _cifar100_tarball(tmp_path)
    spec = DownloadSpec("cifar100", (RemoteFile(archive.name, ((tmp_path / "nowhere.tgz").as_uri(), archive.as_uri()),
                                                md5=_md5(archive)),), archive_top="cifar-100-python")
    root = tmp_path / "data"
    out = download("cifar100", root, spec=spec)  # first URL fails, the mirror works
    assert out == root / "cifar-100-python"
    _only_expected(root, {"cifar-100-python"})
    assert len(load_dataset("cifar100", data_dir=root)) == 20
    assert download("cifar100", root, spec=spec) == out  # already present: nothing fetched
    assert download("cifar100", root, spec=spec, force=True) == out
    _only_expected(root, {"cifar-100-python"})


def test_download_of_plain_files_with_a_bad_one_installs_nothing(tmp_path):
    src = tmp_path / "src"
    write_idx_dataset(src, gz=True)
    files = sorted(src.iterdir())
    good = [RemoteFile(f.name, (f.as_uri(),), md5=_md5(f)) for f in files]
    bad = good[:-1] + [RemoteFile(files[-1].name, (files[-1].as_uri(),), md5="f" * 32)]
    root = tmp_path / "data"
    with pytest.raises(DataError, match="checksum mismatch"):
        download("fashion-mnist", root, spec=DownloadSpec("fashion-mnist", tuple(bad), subdir="fashion-mnist"))
    _only_expected(root, set())
    out = download("fashion-mnist", root, spec=DownloadSpec("fashion-mnist", tuple(good), subdir="fashion-mnist"))
    assert sorted(p.name for p in out.iterdir()) == [f.name for f in files]
    assert len(load_dataset("fashion-mnist", split="test", data_dir=root)) == 20


def test_builtin_spec_rejects_a_substituted_archive_and_network_failure(tmp_path):
    archive = _cifar100_tarball(tmp_path)
    requested = []

    def opener(url, timeout):
        requested.append(url)
        return open(archive, "rb")

    root = tmp_path / "data"
    with pytest.raises(DataError, match="checksum mismatch for cifar-100-python.tar.gz.*expected eb9058c3"):
        download("cifar100", root, opener=opener)
    assert requested == ["https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"]
    _only_expected(root, set())

    def offline(url, timeout):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(DataError, match=r"could not download https://ossci.*name resolution.*check the network") as e:
        download("mnist", root, opener=offline)
    assert "\n" not in str(e.value)
    _only_expected(root, set())


def test_download_errors_for_unknown_and_manual_data_sets(tmp_path):
    with pytest.raises(UnknownName, match="valid choices"):
        download("svhn", tmp_path)
    with pytest.raises(DataError, match=r"no public direct download.*ImageNet16 holds train_data_batch_1..10"):
        download("imagenet16-120", tmp_path)


def test_mnist_download_is_not_skipped_when_only_the_csv_is_there(tmp_path):
    src = tmp_path / "src"
    write_idx_dataset(src, gz=True)
    root = tmp_path / "data"
    (root / "mnist").mkdir(parents=True)
    (root / "mnist" / "mnist_5k.csv").write_text("0," * 784 + "3\n")
    files = tuple(RemoteFile(f.name, (f.as_uri(),), md5=_md5(f)) for f in sorted(src.iterdir()))
    out = download("mnist", root, spec=DownloadSpec("mnist", files, subdir="mnist"))
    assert len(load_dataset("mnist", split="train", data_dir=root)) == 30  # IDX now preferred over CSV
    assert (out / "mnist_5k.csv").is_file()
