"""Download the official archives with checksum verification: ``archrank data download NAME``.

The work is split so that the second half is testable offline:

1. :func:`fetch` streams a URL (http(s) or ``file://``, through an injectable ``opener``) into a file.
2. :func:`~archrank.data.archives.verify_checksum` and :func:`~archrank.data.archives.extract_archive`
   (in :mod:`archrank.data.archives`) check and unpack files; :func:`download` puts them in place.

What each data set's files are, their mirrors and checksums are in :mod:`archrank.data.download_sources`
(:data:`DOWNLOADS`); the names of both modules are also importable from here.

Nothing half-done is ever left where a loader looks: each file is fetched into a temporary folder inside
the data directory, verified, and only then renamed into place; an archive is extracted into a temporary
folder and its top folder renamed into place in one step. A failure removes the temporary folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from archrank.data.archives import CHUNK, extract_archive, file_digest, verify_and_extract, verify_checksum
from archrank.data.catalog import dataset_info, dataset_names, download_hint, locate
from archrank.data.download_sources import DOWNLOADS, DownloadSpec, RemoteFile, download_spec
from archrank.data.paths import data_dir as resolve_data_dir
from archrank.errors import DataError

Opener = Callable[..., BinaryIO]


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


__all__ = ["CHUNK", "DOWNLOADS", "DownloadSpec", "Opener", "RemoteFile", "download", "download_spec",
           "extract_archive", "fetch", "file_digest", "installed_path", "is_installed", "remove_partial",
           "verify_and_extract", "verify_checksum"]
