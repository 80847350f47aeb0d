"""NAS-Bench-Suite-Zero / NASLib zero-cost files (``zc_<benchmark>.json``) into and out of a store.

Layout: ``{space: {dataset: {arch_key: {metric: value}}}}`` where a metric's value is a number or
``{"score": number, "time": seconds}``; ``val_accuracy`` is the benchmark's accuracy (%), every other
metric a proxy (``flops`` and ``params`` included, as NAS-Bench-Suite-Zero counts them).  NASLib stores a
NaN proxy as ``-1e8``; archrank reads that back as NaN and writes NaN as ``-1e8`` (NASLib's readers expect
a number).  Keys are converted by :mod:`archrank.benchmarks.naslib_keys`.

:func:`import_zc` writes the proxies into a store as heuristics named ``naslib:<proxy>`` (NASLib orients
every proxy higher-is-better; stored time as ``seconds``) under the setting ``dataset`` of the file,
``batch_size`` and ``seed`` given (the file records neither; default 0 = "not recorded").
:func:`accuracy_rows` gives a benchmark table of ``val_accuracy``, ``flops`` and ``params``.
:func:`export_zc` writes a store's scores back in the layout (the ``naslib:`` prefix removed).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrank.benchmarks.naslib_keys import arch_to_key, archrank_space, key_to_arch, naslib_space
from archrank.errors import DataError, InvalidArgument

SENTINEL = -1e8
PREFIX = "naslib:"
ACCURACY = "val_accuracy"
TABLE_METRICS = (ACCURACY, "flops", "params")
#: archrank's heuristic -> NASLib's proxy of the same definition, for every proxy NAS-Bench-Suite-Zero's zc
#: files hold that archrank computes.
PROXY_NAMES = {"snip": "snip", "grad_norm": "grad_norm", "fisher": "fisher", "grasp": "grasp", "plain": "plain",
               "jacob_cov": "jacov", "epe_nas": "epe_nas", "synflow": "synflow", "l2_norm": "l2_norm",
               "flops": "flops", "params": "params"}


@dataclass
class ZCBlock:
    """One (space, dataset) block of a zc file, keys converted to archrank strings (file order kept)."""

    space: str  # archrank's space name
    dataset: str
    archs: list[str]
    keys: list[str]  # the NASLib keys, as in the file
    metrics: list[dict[str, tuple[float, float | None]]]  # per arch: metric -> (value, seconds or None)

    def metric_names(self) -> list[str]:
        return sorted({m for d in self.metrics for m in d})


@dataclass
class ImportSummary:
    blocks: list[tuple[str, str, int]] = field(default_factory=list)  # (space, dataset, archs)
    heuristics: list[str] = field(default_factory=list)
    written: int = 0
    nan: dict[str, int] = field(default_factory=dict)


def _value(metric: str, raw: Any) -> tuple[float, float | None]:
    t = None
    if isinstance(raw, dict):
        if "score" not in raw:
            raise DataError(f"NASLib metric {metric!r}: expected a number or {{score, time}}, got keys {sorted(raw)}")
        t = raw.get("time")
        raw = raw["score"]
    v = math.nan if raw is None else float(raw)
    if v == SENTINEL:
        v = math.nan
    return v, (None if t is None else float(t))


def read_zc(path: str | os.PathLike) -> list[ZCBlock]:
    """Every (space, dataset) block of a ``zc_*.json`` file."""
    p = Path(path).expanduser()
    try:
        obj = json.loads(p.read_text())
    except FileNotFoundError:
        raise DataError(f"NASLib file {str(p)!r} not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"cannot read NASLib file {str(p)!r}: {e}") from None
    if not isinstance(obj, dict) or not obj:
        raise DataError(f"NASLib file {str(p)!r}: expected {{space: {{dataset: {{arch: metrics}}}}}}")
    from archrank.spaces import get_space

    blocks = []
    for ns, per_ds in obj.items():
        space = archrank_space(ns)
        if not isinstance(per_ds, dict):
            raise DataError(f"NASLib file {str(p)!r}: space {ns!r} does not map data sets to architectures")
        sp = None
        for ds, entries in per_ds.items():
            archs, keys, metrics = [], [], []
            for key, ms in entries.items():
                arch = key_to_arch(space, key)
                sp = sp or get_space(space)
                archs.append(sp.format(arch))
                keys.append(key)
                metrics.append({m: _value(m, v) for m, v in ms.items()})
            blocks.append(ZCBlock(space, ds, archs, keys, metrics))
    return blocks


def _index(sp, arch: str) -> int | None:
    if sp.size is None:
        return None
    try:
        return int(sp.arch_to_index(sp.parse(arch)))
    except Exception:  # noqa: BLE001 - a space without an index order
        return None


def import_zc(path: str | os.PathLike, store, *, batch_size: int = 0, seed: int = 0,
              prefix: str = PREFIX) -> ImportSummary:
    """Write the proxies of a zc file into ``store``; returns what was written (idempotent)."""
    from archrank.spaces import get_space
    from archrank.store import HeuristicInfo, ScoreRecord

    blocks = read_zc(path)
    out = ImportSummary()
    run_id = store.open_run("naslib_import", {"file": str(Path(path).expanduser().resolve()),
                                              "batch_size": batch_size, "seed": seed, "prefix": prefix})
    names = sorted({m for b in blocks for m in b.metric_names() if m != ACCURACY})
    store.put_heuristics(HeuristicInfo(prefix + m, True, (), f"NASLib's {m}, imported from {Path(path).name}")
                         for m in names)
    for b in blocks:
        sp = get_space(b.space)
        store.put_archs(b.space, [(a, sp.canonical(sp.parse(a)), _index(sp, a)) for a in b.archs])
        recs = []
        for arch, ms in zip(b.archs, b.metrics):
            for m, (v, t) in ms.items():
                if m == ACCURACY:
                    continue
                if math.isnan(v):
                    out.nan[prefix + m] = out.nan.get(prefix + m, 0) + 1
                recs.append(ScoreRecord(b.space, arch, prefix + m, b.dataset, batch_size, seed, v, seconds=t,
                                        run_id=run_id))
        out.written += store.put_scores(recs)
        out.blocks.append((b.space, b.dataset, len(b.archs)))
    store.finish_run(run_id)
    out.heuristics = [prefix + m for m in names]
    return out


def accuracy_rows(blocks: Sequence[ZCBlock]) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of a benchmark table (``arch``, ``index`` where the space has one, ``val_accuracy``,
    ``flops``, ``params``) of one space's blocks; several data sets get ``<dataset>_`` prefixed columns."""
    from archrank.spaces import get_space

    spaces = {b.space for b in blocks}
    if len(spaces) != 1:
        raise InvalidArgument(f"a benchmark table holds one space; the file has {sorted(spaces)}")
    sp = get_space(spaces.pop())
    several = len(blocks) > 1
    rows: dict[str, dict[str, Any]] = {}
    columns = ["arch", "index"]
    for b in blocks:
        for m in TABLE_METRICS:
            columns.append(f"{b.dataset}_{m}" if several else m)
        for arch, ms in zip(b.archs, b.metrics):
            row = rows.setdefault(arch, {"arch": arch, "index": _index(sp, arch)})
            for m in TABLE_METRICS:
                if m in ms:
                    row[f"{b.dataset}_{m}" if several else m] = ms[m][0]
    if all(r["index"] is None for r in rows.values()):
        columns.remove("index")
    return columns, list(rows.values())


def export_zc(store, path: str | os.PathLike, *, space: str, dataset: str | None = None,
              batch_size: int | None = None, seed: int | None = None, heuristics: Sequence[str] | None = None,
              accuracy: dict[str, float] | None = None, values: str = "auto", prefix: str = PREFIX) -> dict:
    """Write ``store``'s scores of ``space`` in the zc layout; ``accuracy`` (arch -> %) fills ``val_accuracy``.

    ``values``: ``"plain"`` (numbers, as the files NASLib ships), ``"score_time"`` (``{score, time}``) or
    ``"auto"`` (``score_time`` where every exported score has a measured time).  One setting (data set, batch
    size, seed) per heuristic: narrow with the filters where the store holds several.  Returns a summary.
    """
    if values not in ("auto", "plain", "score_time"):
        raise InvalidArgument(f"values {values!r} is not one of auto, plain, score_time")
    ns = naslib_space(space)
    recs = store.scores(space=space, dataset=dataset, batch_size=batch_size, seed=seed)
    if heuristics:
        recs = [r for r in recs if r.heuristic in set(heuristics)]
    settings: dict[str, set] = {}
    for r in recs:
        settings.setdefault(r.heuristic, set()).add((r.dataset, r.batch_size, r.seed))
    for h, s in settings.items():
        if len(s) > 1:
            raise InvalidArgument(f"heuristic {h!r} was scored under several settings (dataset, batch_size, seed): "
                                  f"{sorted(s)}; pick one with the dataset/batch_size/seed parameters")
    if not recs:
        raise InvalidArgument(f"the store holds no scores of space {space!r} with the filters given")
    score_time = values == "score_time" or (values == "auto" and all(r.seconds is not None for r in recs))
    out: dict[str, dict[str, dict[str, Any]]] = {}
    keys: dict[str, str] = {}
    n_sentinel = 0
    for r in recs:
        key = keys.get(r.arch)
        if key is None:
            key = keys[r.arch] = arch_to_key(space, r.arch)
        name = r.heuristic[len(prefix):] if prefix and r.heuristic.startswith(prefix) else r.heuristic
        v = r.value
        if not math.isfinite(v):
            v = SENTINEL
            n_sentinel += 1
        entry = out.setdefault(r.dataset, {}).setdefault(key, {})
        entry[name] = {"score": v, "time": r.seconds if r.seconds is not None else 0.0} if score_time else v
    n_acc = 0
    if accuracy:
        for ds in out.values():
            for arch, key in keys.items():
                if key in ds and arch in accuracy and math.isfinite(accuracy[arch]):
                    ds[key][ACCURACY] = float(accuracy[arch])
                    n_acc += 1
    p = Path(path).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps({ns: out}))
    os.replace(tmp, p)
    return {"space": ns, "datasets": sorted(out), "archs": len(keys), "heuristics": sorted(settings),
            "sentinels": n_sentinel, "val_accuracy": n_acc, "values": "score_time" if score_time else "plain"}
