"""Checking and unpacking fetched files: checksums (:func:`verify_checksum`) and safe extraction of a
tarball into place in one step (:func:`extract_archive`: refuses absolute paths, ``..``, links and devices,
and never leaves a half-extracted folder where a loader looks)."""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from archrank.errors import DataError, InvalidArgument

CHUNK = 1 << 20  # bytes read at a time, when fetching and when hashing


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
