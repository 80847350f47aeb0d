"""NATS-Bench / NAS-Bench-201 official archives, read lazily one architecture at a time.

An archive directory (e.g. ``NATS-tss-v1_0-3ffb9-simple`` for the topology space, ``NATS-sss-v1_0-50262-
simple`` for the size space) holds ``meta.pickle.pbz2`` (all architecture strings) and one
``NNNNNN.pickle.pbz2`` per architecture, each a bz2-compressed pickle::

    {hp: {"arch_index", "arch_str", "dataset_seed": {dataset: [seeds]},
          "all_results": {(dataset, seed): {"train_acc1es": {epoch: acc}, "train_losses", "train_times",
                                            "eval_acc1es": {"x-valid@E" | "x-test@E" | "ori-test@E": acc},
                                            "eval_losses", "eval_times", "params", "flop", "latency", ...}}}}

``hp`` is the planned schedule length as a string: ``"12"``/``"200"`` (topology), ``"01"``/``"12"``/``"90"``
(size).  Only ``meta.pickle.pbz2`` is read when the reader opens; each architecture's file is read on its
first query and kept in a small LRU cache (``cache_size`` architectures), so memory stays bounded however
many architectures are queried.

Split mapping (the conventions of the benchmark's own API): ``valid`` is ``x-valid``; ``test`` is ``x-test``
where the data set has one (cifar100, ImageNet16-120) and ``ori-test`` otherwise (cifar10, cifar10-valid).
Every evaluation split is also in ``Metrics.extra`` as ``"<split>_acc"``/``"<split>_loss"``.
``train_time`` is the sum of the per-epoch training times up to the epoch asked for.
"""

from __future__ import annotations

import bz2
import os
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from archrank import safe_pickle
from archrank.benchmarks.base import BenchmarkReader, Metrics, check_choice, mean_metrics
from archrank.benchmarks.readers import register_reader
from archrank.errors import DataError, InvalidArgument, UnknownName

DATASETS = ("cifar10-valid", "cifar10", "cifar100", "ImageNet16-120")


def _load_pbz2(path: Path) -> Any:
    if not path.exists():
        raise DataError(f"benchmark file {path} does not exist")
    try:
        with bz2.open(path, "rb") as f:
            return safe_pickle.load(f)
    except Exception as e:  # any decoding failure means a corrupt file for the user
        raise DataError(f"cannot read {path}: {e}") from e


def _hp_key(hp: str | int | None, available: list[str]) -> str:
    if hp is None:
        return max(available, key=int)
    s = str(hp)
    for h in available:
        if h == s or (s.isdigit() and int(h) == int(s)):
            return h
    raise UnknownName("hp", hp, available)


class NATSArchive(BenchmarkReader):
    """Reader of one official NATS archive directory (topology or size space)."""

    def __init__(self, path: str | os.PathLike, *, cache_size: int = 32):
        self.path = Path(path)
        if not self.path.is_dir():
            raise DataError(f"NATS archive directory {self.path} does not exist")
        meta = _load_pbz2(self.path / "meta.pickle.pbz2")
        try:
            self._archs: list[str] = list(meta["meta_archs"])
        except (KeyError, TypeError) as e:
            raise DataError(f"{self.path / 'meta.pickle.pbz2'} has no 'meta_archs' list") from e
        self._index = {a: i for i, a in enumerate(self._archs)}
        self.space = "sss" if self._archs and ":" in self._archs[0] else "tss"
        self.name = f"nats_{self.space}"
        self.arch_space = "nb201" if self.space == "tss" else "nats_sss"
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[int, dict] = OrderedDict()
        self.files_read = 0

    # --- identity -------------------------------------------------------------------------------
    def architectures(self) -> list[str]:
        return list(self._archs)

    def datasets(self) -> list[str]:
        return list(DATASETS)

    def hps(self) -> list[str]:
        return ["12", "200"] if self.space == "tss" else ["01", "12", "90"]

    def index_of(self, arch: Hashable) -> int:
        """Official index of ``arch`` (an index, or the architecture string)."""
        if isinstance(arch, int) and not isinstance(arch, bool):
            if not 0 <= arch < len(self._archs):
                raise InvalidArgument(f"index {arch} is out of range; valid: 0..{len(self._archs) - 1}")
            return arch
        s = str(arch).strip()
        if s.isdigit():
            return self.index_of(int(s))
        if s not in self._index:
            raise InvalidArgument(f"architecture {s!r} is not in {self.name} ({len(self._archs)} architectures)")
        return self._index[s]

    def available(self) -> list[int]:
        """Indices whose per-architecture file is present in the directory."""
        out = []
        for p in self.path.glob("*.pickle.pbz2"):
            stem = p.name.split(".")[0]
            if stem.isdigit():
                out.append(int(stem))
        return sorted(out)

    # --- raw records ----------------------------------------------------------------------------
    def record(self, arch: Hashable) -> dict:
        """The raw per-architecture dictionary (cached, LRU)."""
        i = self.index_of(arch)
        if i in self._cache:
            self._cache.move_to_end(i)
            return self._cache[i]
        path = self.path / f"{i:06d}.pickle.pbz2"
        if not path.exists():
            raise DataError(
                f"architecture {i} has no file {path.name} in {self.path} (the archive holds "
                f"{len(self.available())} of {len(self._archs)} architectures)"
            )
        rec = _load_pbz2(path)
        self.files_read += 1
        self._cache[i] = rec
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return rec

    def _hp_record(self, arch: Hashable, hp: str | int | None) -> tuple[str, dict]:
        rec = self.record(arch)
        key = _hp_key(hp, sorted(rec, key=int))
        return key, rec[key]

    def seeds(self, arch: Hashable, *, dataset: str, hp: str | int | None = None) -> list[int]:
        check_choice("dataset", dataset, DATASETS)
        _, r = self._hp_record(arch, hp)
        return [int(s) for s in r["dataset_seed"].get(dataset, [])]

    # --- queries --------------------------------------------------------------------------------
    def query(self, arch, *, dataset, hp=None, seed=None, epoch=None) -> Metrics:
        check_choice("dataset", dataset, DATASETS)
        key, r = self._hp_record(arch, hp)
        seeds = [int(s) for s in r["dataset_seed"].get(dataset, [])]
        if not seeds:
            raise DataError(f"{self._archs[self.index_of(arch)]!r} has no {dataset} results for hp={key}")
        if seed is not None:
            check_choice("seed", int(seed), seeds)
            seeds = [int(seed)]
        recs = [self._one(r["all_results"][(dataset, s)], r["arch_str"], dataset, key, s, epoch) for s in seeds]
        return recs[0] if len(recs) == 1 else mean_metrics(recs)

    def _one(self, res: dict, arch_str: str, dataset: str, hp: str, seed: int, epoch: int | None) -> Metrics:
        n = len(res["train_acc1es"])
        e = n if epoch is None else int(epoch)
        if not 1 <= e <= n:
            raise InvalidArgument(f"epoch {epoch} is out of range for hp={hp}; valid: 1..{n}")
        last = e - 1
        evals: dict[str, float] = {}
        for name in res.get("eval_names", []) or _eval_names(res):
            k = f"{name}@{last}"
            if k in res["eval_acc1es"]:
                evals[f"{name}_acc"] = float(res["eval_acc1es"][k])
                evals[f"{name}_loss"] = float(res["eval_losses"][k])
                evals[f"{name}_time"] = float(res["eval_times"].get(k, 0.0))
        test = "x-test" if "x-test_acc" in evals else "ori-test"
        train_time = sum(float(res["train_times"][i]) for i in range(e))
        lat = res.get("latency")
        return Metrics(
            arch=arch_str, dataset=dataset, hp=hp, epoch=e, seeds=(seed,),
            train_acc=float(res["train_acc1es"][last]), train_loss=float(res["train_losses"][last]),
            valid_acc=evals.get("x-valid_acc"), valid_loss=evals.get("x-valid_loss"),
            test_acc=evals.get(f"{test}_acc"), test_loss=evals.get(f"{test}_loss"),
            train_time=train_time, eval_time=evals.get(f"{test}_time"),
            params=float(res["params"]), flops=float(res["flop"]),
            latency=float(lat[0]) if isinstance(lat, (list, tuple)) and lat else None,
            extra={k: v for k, v in evals.items() if not k.endswith("_time")},
        )


def _eval_names(res: dict) -> list[str]:
    return sorted({k.split("@")[0] for k in res.get("eval_acc1es", {})})


register_reader("nats_tss", NATSArchive)  # NAS-Bench-201 / NATS topology
register_reader("nats_sss", NATSArchive)  # NATS size space
