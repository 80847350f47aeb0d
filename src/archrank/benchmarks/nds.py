""""On Network Design Spaces" (Radosavovic et al. 2019) model records, e.g. ``DARTS_in.json``, ``ENAS.json``.

Each file is a JSON list of trained models: ``net`` (``genotype`` with ``normal``/``reduce`` lists of
``[op, input]`` and ``*_concat``, ``width``, ``depth``), ``params``, ``flops``, per-epoch ``train_ep_loss``,
``train_ep_top1`` and ``test_ep_top1`` (top-1 *error* in %), ``min_test_top1``, ``iter_time`` and ``optim``.

Architectures are named by their genotype, written in the usual DARTS form::

    Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...], reduce_concat=[...])

a stable string key.  Where the same genotype appears at several widths/depths the key gets
``@w<width>d<depth>`` appended (and ``#<k>`` for exact repeats).  The data set is ``imagenet`` for the
``*_in.json`` files and ``cifar10`` otherwise.  Accuracies are ``100 - error``; ``extra`` holds ``error``
(final test error), ``min_test_error``, ``width``, ``depth`` and ``iter_time``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Hashable
from pathlib import Path
from typing import Any

from archrank.benchmarks.base import BenchmarkReader, Metrics, check_choice
from archrank.benchmarks.readers import register_reader
from archrank.errors import DataError, InvalidArgument


def genotype_string(genotype: dict[str, Any]) -> str:
    """The DARTS ``Genotype(...)`` form of an NDS genotype dictionary."""
    def cell(name: str) -> str:
        ops = ", ".join(f"({op!r}, {int(i)})" for op, i in genotype.get(name, []))
        return f"{name}=[{ops}]"

    def concat(name: str) -> str:
        return f"{name}=[{', '.join(str(int(i)) for i in genotype.get(name, []))}]"

    parts = [cell("normal"), concat("normal_concat"), cell("reduce"), concat("reduce_concat")]
    return "Genotype(" + ", ".join(parts) + ")"


class NDSBenchmark(BenchmarkReader):
    """Reader of one NDS JSON file."""

    def __init__(self, path: str | os.PathLike, *, dataset: str | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise DataError(f"NDS file {self.path} does not exist")
        try:
            rows = json.loads(self.path.read_text())
            genos = [genotype_string(r["net"]["genotype"]) for r in rows]
        except (ValueError, KeyError, TypeError) as e:
            raise DataError(f"{self.path} is not an NDS JSON list of model records: {e}") from e
        stem = self.path.stem
        self.space = stem.removesuffix("_in")
        self.name = f"nds_{self.space.lower()}"
        self.dataset = dataset or ("imagenet" if stem.endswith("_in") else "cifar10")
        counts = Counter(genos)
        keys: list[str] = []
        for g, r in zip(genos, rows):
            k = g if counts[g] == 1 else f"{g}@w{r['net'].get('width')}d{r['net'].get('depth')}"
            keys.append(k)
        seen: Counter = Counter()
        kc = Counter(keys)
        self._records: dict[str, dict[str, Any]] = {}
        for k, r in zip(keys, rows):
            if kc[k] > 1:
                seen[k] += 1
                k = f"{k}#{seen[k]}"
            self._records[k] = r

    def architectures(self) -> list[str]:
        return list(self._records)

    def datasets(self) -> list[str]:
        return [self.dataset]

    def record(self, arch: Hashable) -> dict[str, Any]:
        """The raw model record of ``arch`` (key string, or position in the file)."""
        if isinstance(arch, int) and not isinstance(arch, bool):
            keys = self.architectures()
            if not 0 <= arch < len(keys):
                raise InvalidArgument(f"index {arch} is out of range; valid: 0..{len(keys) - 1}")
            return self._records[keys[arch]]
        if isinstance(arch, dict):
            arch = genotype_string(arch)
        key = str(arch)
        if key not in self._records:
            raise InvalidArgument(f"genotype {key[:80]!r}... is not in {self.path.name} ({len(self)} models)")
        return self._records[key]

    def query(self, arch, *, dataset=None, hp=None, seed=None, epoch=None) -> Metrics:
        check_choice("dataset", dataset or self.dataset, [self.dataset])
        r = self.record(arch)
        key = arch if isinstance(arch, str) else next(k for k, v in self._records.items() if v is r)
        n = len(r.get("test_ep_top1", []))
        if n == 0:
            raise DataError(f"{self.path.name}: model {key[:60]!r} has no per-epoch test errors")
        e = n if epoch is None else int(epoch)
        if not 1 <= e <= n:
            raise InvalidArgument(f"epoch {epoch} is out of range; valid: 1..{n}")
        err = float(r["test_ep_top1"][e - 1])
        tr = r.get("train_ep_top1") or []
        tl = r.get("train_ep_loss") or []
        net = r["net"]
        return Metrics(
            arch=key, dataset=self.dataset, hp=str(n), epoch=e,
            seeds=(int(r["rng_seed"]),) if "rng_seed" in r else (),
            train_acc=100.0 - float(tr[e - 1]) if len(tr) >= e else None,
            train_loss=float(tl[e - 1]) if len(tl) >= e else None,
            test_acc=100.0 - err,
            params=float(r["params"]) / 1e6, flops=float(r["flops"]) / 1e6,
            extra={"error": err, "min_test_error": float(r.get("min_test_top1", err)),
                   "width": float(net.get("width", 0)), "depth": float(net.get("depth", 0)),
                   "iter_time": float(r.get("iter_time", float("nan")))},
        )


register_reader("nds", NDSBenchmark)
