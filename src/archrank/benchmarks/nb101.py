"""NAS-Bench-101 results, read without TensorFlow, queried through the benchmark's graph hash.

Three sources are accepted (:func:`open_nb101` picks by file name):

* the official ``nasbench_only108.tfrecord`` / ``nasbench_full.tfrecord``.  Each TFRecord (framing and
  CRC-32C checked, see :mod:`archrank.benchmarks.tfrecord`) holds one training run as a JSON list
  ``[module_hash, epochs, raw_adjacency ("0110..." row-major), raw_operations ("input,conv3x3-bn-relu,...,output"),
  base64(ModelMetrics protobuf)]``; a record written as a ``tf.train.Example`` with the features of the same
  names is read too.  ``ModelMetrics`` = {1: repeated EvaluationData, 2: int32 trainable_parameters,
  3: double total_time}; ``EvaluationData`` = {1: current_epoch, 2: training_time, 3: train_accuracy,
  4: validation_accuracy, 5: test_accuracy (doubles), 6: checkpoint_path}.  The evaluations are at
  initialisation, halfway and the end of training.  Opening the file indexes record offsets per module hash
  (length checksums verified); a query reads and verifies only that architecture's records.
* the raw API records (a pickle: ``{hash: (fixed_stats, {epochs: [run dicts]})}``);
* the JSON list ``[[[adjacency, ops], final test accuracy (fraction)], ...]`` (108 epochs, test only).

Queries: ``hp`` is the training length in epochs (4, 12, 36, 108; default 108); ``seed`` the run index
(0, 1, 2; ``None`` = mean of the runs); ``epoch`` ``None`` (final) or ``hp // 2`` (the halfway evaluation).
Accuracies are reported in percent.  The data set is ``cifar10``.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import re
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np

from archrank import safe_pickle
from archrank.benchmarks.base import BenchmarkReader, Metrics, check_choice, mean_metrics
from archrank.benchmarks.readers import register_reader
from archrank.benchmarks.tfrecord import as_double, decode_message, iter_records, parse_example, read_record
from archrank.errors import DataError, InvalidArgument, UnknownName

_HASH = re.compile(r"^[0-9a-f]{32}$")


def decode_model_metrics(raw: bytes) -> dict[str, Any]:
    """A ``ModelMetrics`` message as ``{"trainable_parameters", "total_time", "evaluations": [...]}``."""
    msg = decode_message(raw)
    evals = []
    names = {1: "current_epoch", 2: "training_time", 3: "train_accuracy", 4: "validation_accuracy",
             5: "test_accuracy"}
    for sub in msg.get(1, []):
        e = decode_message(sub)
        ev = {name: as_double(e[k][-1]) for k, name in names.items() if k in e}
        if 6 in e:
            ev["checkpoint_path"] = e[6][-1].decode("utf-8", "replace")
        evals.append(ev)
    out: dict[str, Any] = {"evaluations": evals}
    if 2 in msg:
        out["trainable_parameters"] = int(msg[2][-1])
    if 3 in msg:
        out["total_time"] = as_double(msg[3][-1])
    return out


def _run_from_metrics(m: dict[str, Any]) -> dict[str, float]:
    """The API's per-run dictionary (``final_*`` / ``halfway_*``) from decoded metrics."""
    ev = m["evaluations"]
    if len(ev) < 2:
        raise DataError(f"NB101 record has {len(ev)} evaluations; expected initial, halfway and final")
    run: dict[str, float] = {}
    for tag, e in (("halfway", ev[len(ev) // 2] if len(ev) > 2 else ev[0]), ("final", ev[-1])):
        run[f"{tag}_training_time"] = e.get("training_time", 0.0)
        run[f"{tag}_train_accuracy"] = e.get("train_accuracy", float("nan"))
        run[f"{tag}_validation_accuracy"] = e.get("validation_accuracy", float("nan"))
        run[f"{tag}_test_accuracy"] = e.get("test_accuracy", float("nan"))
    return run


def parse_row(data: bytes) -> tuple[str, int, np.ndarray, list[str], dict[str, Any]]:
    """One tfrecord payload -> (module hash, epochs, adjacency, operations, decoded metrics)."""
    if data[:1] == b"[":
        try:
            module_hash, epochs, raw_adj, raw_ops, raw_metrics = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise DataError(f"NB101 record is not the expected JSON list: {e}") from e
    else:
        f = parse_example(data)
        try:
            def one(k):
                v = f[k][0]
                return v.decode("utf-8") if isinstance(v, bytes) else v

            module_hash, epochs, raw_adj, raw_ops, raw_metrics = (
                one("module_hash"), one("epochs"), one("raw_adjacency"), one("raw_operations"), one("raw_metrics"))
        except (KeyError, IndexError) as e:
            raise DataError(f"NB101 tf.train.Example lacks feature {e}") from e
    dim = round(len(raw_adj) ** 0.5)
    if dim * dim != len(raw_adj):
        raise DataError(f"NB101 record {module_hash}: adjacency of length {len(raw_adj)} is not square")
    adj = np.array([int(c) for c in raw_adj], dtype=np.int64).reshape(dim, dim)
    metrics = decode_model_metrics(base64.b64decode(raw_metrics))
    return str(module_hash), int(epochs), adj, str(raw_ops).split(","), metrics


def nb101_hash(arch: Any) -> str:
    """The graph hash of an NB101 cell (NB101Arch, (matrix, ops), or a 32-digit hash passed through)."""
    if isinstance(arch, str):
        s = arch.strip().lower()
        if _HASH.match(s):
            return s
        from archrank.spaces import get_space

        return get_space("nb101").canonical(get_space("nb101").parse(arch))
    from archrank.spaces.nb101 import NB101Arch, graph_hash, make_arch

    if not isinstance(arch, NB101Arch):
        try:
            matrix, ops = arch
        except (TypeError, ValueError) as e:
            raise InvalidArgument(f"cannot read {arch!r} as an NB101 cell (matrix, ops)") from e
        arch = make_arch(matrix, ops)
    return graph_hash(arch)


class NB101Benchmark(BenchmarkReader):
    """NB101 results from any of the three sources; see the module docstring."""

    name = "nb101"
    arch_space = "nb101"

    def __init__(self, path: str | os.PathLike, *, kind: str | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise DataError(f"NB101 file {self.path} does not exist")
        self.kind = kind or _kind_of(self.path)
        check_choice("NB101 file kind", self.kind, ["tfrecord", "pickle", "json"])
        self._fixed: dict[str, dict[str, Any]] = {}
        self._runs: dict[str, dict[int, list[dict[str, float]]]] = {}
        self._offsets: dict[str, list[int]] = {}
        self._epochs: set[int] = set()
        getattr(self, f"_load_{self.kind}")()

    # --- loading --------------------------------------------------------------------------------
    def _load_tfrecord(self) -> None:
        with open(self.path, "rb") as f:
            for offset, data in iter_records(f, name=str(self.path), check_data=False):
                try:
                    h = _peek_hash(data)
                except (DataError, ValueError, UnicodeDecodeError, IndexError) as e:
                    read_record(f, offset, name=str(self.path))  # a checksum error explains it best
                    raise DataError(f"{self.path}: unreadable NB101 record at byte {offset}: {e}") from e
                self._offsets.setdefault(h, []).append(offset)

    def _read_tfrecord_runs(self, h: str) -> None:
        with open(self.path, "rb") as f:
            for off in self._offsets[h]:
                mh, epochs, adj, ops, metrics = parse_row(read_record(f, off, name=str(self.path)))
                if mh != h:
                    raise DataError(f"{self.path}: record at byte {off} changed (hash {mh}, expected {h})")
                self._fixed.setdefault(h, {"module_adjacency": adj, "module_operations": ops,
                                           "trainable_parameters": metrics.get("trainable_parameters")})
                self._runs.setdefault(h, {}).setdefault(epochs, []).append(_run_from_metrics(metrics))

    def _load_pickle(self) -> None:
        try:
            with open(self.path, "rb") as f:
                data = safe_pickle.load(f)
            for h, (fixed, computed) in data.items():
                self._fixed[str(h)] = dict(fixed)
                self._runs[str(h)] = {int(e): list(runs) for e, runs in computed.items()}
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
            raise DataError(f"{self.path} is not a pickle of NB101 API records: {e}") from e

    def _load_json(self) -> None:
        try:
            rows = json.loads(self.path.read_text())
            for (matrix, ops), acc in rows:
                h = nb101_hash((matrix, ops))
                self._fixed[h] = {"module_adjacency": np.array(matrix), "module_operations": list(ops)}
                self._runs.setdefault(h, {}).setdefault(108, []).append({"final_test_accuracy": float(acc)})
        except (ValueError, TypeError) as e:
            raise DataError(f"{self.path} is not a JSON list of [[adjacency, ops], accuracy]: {e}") from e

    # --- interface ------------------------------------------------------------------------------
    def architectures(self) -> list[str]:
        return sorted(self._offsets) if self.kind == "tfrecord" else sorted(self._runs)

    def datasets(self) -> list[str]:
        return ["cifar10"]

    def hps(self) -> list[str]:
        if self.kind == "tfrecord":
            return ["4", "12", "36", "108"]
        return sorted({str(e) for r in self._runs.values() for e in r}, key=int)

    def _runs_of(self, arch: Hashable) -> tuple[str, dict[int, list[dict[str, float]]]]:
        h = nb101_hash(arch)
        if h not in self._runs and h in self._offsets:
            self._read_tfrecord_runs(h)
        if h not in self._runs:
            raise InvalidArgument(f"architecture with graph hash {h} is not in {self.path.name}")
        return h, self._runs[h]

    def fixed(self, arch: Hashable) -> dict[str, Any]:
        """The architecture's fixed statistics (adjacency, operations, trainable parameters)."""
        h, _ = self._runs_of(arch)
        return self._fixed[h]

    def space_arch(self, arch: Hashable) -> str:
        """The cell of ``arch`` in the nb101 space's string form (``ROWS|OPS``, read from the stored graph)."""
        from archrank.spaces import get_space

        fixed = self.fixed(arch)
        space = get_space("nb101")
        return space.format(space.make(np.asarray(fixed["module_adjacency"]).tolist(),
                                       list(fixed["module_operations"])))

    def seeds(self, arch: Hashable, *, dataset: str = "cifar10", hp: str | int | None = None) -> list[int]:
        check_choice("dataset", dataset, ["cifar10"])
        _, runs = self._runs_of(arch)
        return list(range(len(runs[self._hp(runs, hp)])))

    @staticmethod
    def _hp(runs: dict[int, list], hp: str | int | None) -> int:
        if hp is None:
            return max(runs)
        try:
            e = int(hp)
        except ValueError:
            raise UnknownName("hp", hp, sorted(runs)) from None
        if e not in runs:
            raise UnknownName("hp", hp, sorted(runs))
        return e

    def query(self, arch, *, dataset="cifar10", hp=None, seed=None, epoch=None) -> Metrics:
        check_choice("dataset", dataset, ["cifar10"])
        h, runs = self._runs_of(arch)
        e = self._hp(runs, hp)
        tag = "final"
        if epoch is not None:
            if int(epoch) == e:
                tag = "final"
            elif int(epoch) == e // 2:
                tag = "halfway"
            else:
                raise InvalidArgument(f"epoch {epoch} is not recorded for hp={e}; valid: {e // 2}, {e}")
        chosen = runs[e]
        idx = list(range(len(chosen)))
        if seed is not None:
            check_choice("seed", int(seed), idx)
            idx = [int(seed)]
        params = self._fixed.get(h, {}).get("trainable_parameters")
        recs = []
        for i in idx:
            run = chosen[i]

            def pct(key, run=run):
                v = run.get(f"{tag}_{key}")
                return None if v is None else 100.0 * float(v)

            t = run.get(f"{tag}_training_time")
            recs.append(Metrics(
                arch=h, dataset="cifar10", hp=str(e), epoch=e if tag == "final" else e // 2, seeds=(i,),
                train_acc=pct("train_accuracy"), valid_acc=pct("validation_accuracy"), test_acc=pct("test_accuracy"),
                train_time=None if t is None else float(t),
                params=None if params is None else float(params) / 1e6,
            ))
        return recs[0] if len(recs) == 1 else mean_metrics(recs)


def _peek_hash(data: bytes) -> str:
    if data[:1] == b"[":
        m = re.match(rb'\[\s*"([0-9a-f]{32})"', data)
        if m:
            return m.group(1).decode()
        return str(json.loads(data.decode("utf-8"))[0])
    return parse_row(data)[0]


def _kind_of(path: Path) -> str:
    n = path.name.lower()
    if n.endswith((".tfrecord", ".tfrecords")):
        return "tfrecord"
    if n.endswith((".pkl", ".pickle")):
        return "pickle"
    if n.endswith(".json"):
        return "json"
    raise InvalidArgument(f"cannot tell the NB101 file kind of {path.name}; expected .tfrecord, .pkl or .json")


def open_nb101(path: str | os.PathLike, **kwargs: Any) -> NB101Benchmark:
    return NB101Benchmark(path, **kwargs)


register_reader("nb101", open_nb101)
