"""``archrank predict`` as a function: a benchmark's architectures, their features, a predictor, its ranking.

The benchmark is a suite task (``nb201-cifar10``, ``nb101-cifar10``, ``nb301-cifar10``, ``nds-darts``,
``nds-enas``, ``nbnlp-ptb``, ``nbnlp-wt2``: its space, truth table, metric and direction) or a table file
with ``space`` and ``metric`` given.  ``label_metric`` is the column the labelled architectures are fitted
on (default: the metric itself; e.g. NB201's 12-epoch ``c10v_valid_12`` as a cheap label), ``metric`` the
truth ranked against.  Heuristic-score features come from ``store``; with ``compute`` the missing scores of
the population are computed by a scoring run first, else the population is cut to the architectures whose
scores the store holds.  ``population`` draws that many architectures (seeded) to work on.
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument


@dataclass
class BenchmarkData:
    """Architectures of a benchmark's space with their values of every numeric column."""

    name: str
    space: Any
    archs: list[Hashable]
    columns: dict[str, np.ndarray]
    metric: str
    higher_is_better: bool

    def column(self, name: str) -> np.ndarray:
        if name not in self.columns:
            raise InvalidArgument(f"benchmark {self.name!r} has no numeric column {name!r}; columns: "
                                  + ", ".join(sorted(self.columns)), parameter="metric")
        return self.columns[name]


def open_benchmark_data(benchmark: str, *, space: str | None = None, metric: str | None = None,
                        higher_is_better: bool | None = None,
                        data_root: str | os.PathLike | None = None) -> BenchmarkData:
    """Read a suite task's truth table, or a table file (then ``space`` and ``metric`` are needed)."""
    from archrank.benchmarks.table import BenchmarkTable
    from archrank.data.paths import data_dir
    from archrank.spaces import get_space
    from archrank.suite.tasks import TASKS

    if benchmark in TASKS:
        task = TASKS.get(benchmark)
        table = task.truth(data_dir(data_root))
        sp = get_space(space or task.space)
        metric = metric or task.metric
        hib = task.higher_is_better if higher_is_better is None else higher_is_better
    else:
        from pathlib import Path

        if not Path(benchmark).expanduser().is_file():
            raise InvalidArgument(f"benchmark {benchmark!r} is neither a task nor a table file; tasks: "
                                  + ", ".join(TASKS.names()), parameter="benchmark")
        if space is None or metric is None:
            raise InvalidArgument("a benchmark table file needs --space and --metric", parameter="benchmark")
        table = BenchmarkTable.from_file(benchmark)
        sp = get_space(space)
        hib = True if higher_is_better is None else higher_is_better
    if table.arch_column:
        archs = [sp.parse_any(str(a)) for a in table.as_columns()[table.arch_column]]
    else:
        archs = [sp.index_to_arch(int(i)) for i in table.values(table.index_column)]
    cols = {c: table.values(c) for c in table.numeric_columns()}
    data = BenchmarkData(benchmark, sp, archs, cols, metric, hib)
    data.column(metric)
    return data


@dataclass
class PredictReport:
    """What ``archrank predict`` prints: the evaluation, single-heuristic baselines, the saved file."""

    benchmark: str
    space: str
    metric: str
    label_metric: str
    evaluation: Any
    heuristics: dict[str, float] = field(default_factory=dict)
    excluded: int = 0
    saved: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "space": self.space, "metric": self.metric,
                "label_metric": self.label_metric, **self.evaluation.to_json(),
                "excluded": self.excluded, "single_heuristics_spearman": self.heuristics, "saved": self.saved}


def predict_benchmark(benchmark: str | BenchmarkData, *, labels: int, features: str, predictor: str = "gp",
                      metric: str | None = None, label_metric: str | None = None, samples: int = 10, seed: int = 0,
                      params: dict[str, Any] | None = None, store=None, compute: bool = True,
                      population: int | None = None, space: str | None = None,
                      higher_is_better: bool | None = None, data_root: str | os.PathLike | None = None,
                      score_dataset: str | None = None, score_batch_size: int | None = None,
                      score_seed: int | None = None, device: str = "cpu",
                      save: str | os.PathLike | None = None) -> PredictReport:
    """Fit ``predictor`` on ``labels`` architectures of ``benchmark`` (a name or file, or what
    :func:`open_benchmark_data` read from one) and rank the rest (module docstring)."""
    from archrank.metrics import spearman
    from archrank.predictors.evaluate import evaluate_predictor, sample_seeds
    from archrank.predictors.features import feature_matrix, parse_features
    from archrank.predictors.saved import fit_saved, save_predictor

    spec = parse_features(features)
    if spec.zc and store is None:
        raise InvalidArgument("heuristic-score features (zc:...) need a store (--store)", parameter="store")
    data = benchmark if isinstance(benchmark, BenchmarkData) else open_benchmark_data(
        benchmark, space=space, metric=metric, higher_is_better=higher_is_better, data_root=data_root)
    benchmark = data.name
    sp = data.space
    sign = 1.0 if data.higher_is_better else -1.0
    truth = sign * data.column(data.metric)
    label_metric = label_metric or data.metric
    lab = sign * data.column(label_metric)
    keep = np.flatnonzero(np.isfinite(truth) & np.isfinite(lab))
    if population is not None:
        if population < 4:
            raise InvalidArgument(f"population must be >= 4, got {population}", parameter="population")
        keep = np.sort(np.random.default_rng(seed).permutation(keep)[:population])
    archs = [data.archs[i] for i in keep]
    truth, lab = truth[keep], lab[keep]
    zc = None
    if spec.zc:
        from archrank.predictors.scores import zc_scores

        zc = zc_scores(sp, archs, list(spec.zc), store=store, compute=compute, dataset=score_dataset,
                       batch_size=score_batch_size, seed=score_seed,
                       data_dir=None if data_root is None else str(data_root), device=device)
    X, names = feature_matrix(sp, archs, spec, zc)
    finite = np.isfinite(X).all(axis=1)
    excluded = int((~finite).sum())
    if not finite.any():
        raise InvalidArgument("no architecture of the benchmark has every feature (are the heuristic scores in "
                              "the store, for this space?)", parameter="features")
    X, truth, lab = X[finite], truth[finite], lab[finite]
    archs = [a for a, f in zip(archs, finite) if f]
    ev = evaluate_predictor(X, truth, labels=labels, predictor=predictor, label_values=lab, samples=samples,
                            seed=seed, params=params, features=spec.text(), names=names)
    heur = {}
    for j, n in enumerate(names):
        if n.startswith("zc:"):
            heur[n[3:]] = round(float(spearman(X[:, j], truth)), 6)
    report = PredictReport(benchmark, sp.name, data.metric, label_metric, ev, heur, excluded)
    if save is not None:
        first = sample_seeds(seed, samples)[0]
        tr = np.random.default_rng(first).permutation(len(archs))[:labels]
        fitted = fit_saved(predictor=predictor, params={**(params or {}), "seed": first}, space=sp.name,
                           features=spec.text(), feature_names=names, archs=[sp.format(archs[i]) for i in tr],
                           X=X[tr], y=lab[tr] * sign,
                           meta={"benchmark": benchmark, "label_metric": label_metric, "labels": labels,
                                 "higher_is_better": data.higher_is_better})
        report.saved = str(save_predictor(fitted, save))
    return report


def check_saved_fits(fitted: Any, data: BenchmarkData) -> None:
    """A saved predictor ranks only architectures of the space it was fitted on."""
    if data.space.name != fitted.space:
        raise InvalidArgument(f"the predictor was fitted on space {fitted.space!r}, the benchmark is of "
                              f"{data.space.name!r}", parameter="benchmark")


def evaluate_saved(path: str | os.PathLike, benchmark: str | BenchmarkData, *, metric: str | None = None,
                   store=None, compute: bool = True, space: str | None = None, higher_is_better: bool | None = None,
                   data_root: str | os.PathLike | None = None, device: str = "cpu",
                   fitted: Any = None) -> dict[str, Any]:
    """Rank ``benchmark``'s architectures (its training set left out) with the predictor saved at ``path``
    (``fitted``: that file already read by :func:`~archrank.predictors.saved.load_predictor`; ``benchmark``:
    a name or file, or what :func:`open_benchmark_data` read from one)."""
    from archrank.metrics import kendall_tau, spearman, top_k_overlap
    from archrank.predictors.features import parse_features
    from archrank.predictors.saved import load_predictor

    fitted = load_predictor(path) if fitted is None else fitted
    spec = parse_features(fitted.features)
    if spec.zc and store is None:
        raise InvalidArgument("the saved predictor uses heuristic scores: give --store", parameter="store")
    data = benchmark if isinstance(benchmark, BenchmarkData) else open_benchmark_data(
        benchmark, space=space or fitted.space, metric=metric, higher_is_better=higher_is_better,
        data_root=data_root)
    benchmark = data.name
    check_saved_fits(fitted, data)
    sign = 1.0 if data.higher_is_better else -1.0
    truth_all = sign * data.column(data.metric)
    trained = set(fitted.archs)
    rows = [i for i, a in enumerate(data.archs) if np.isfinite(truth_all[i]) and data.space.format(a) not in trained]
    archs = [data.archs[i] for i in rows]
    zc = None
    if spec.zc:
        from archrank.predictors.scores import zc_scores

        zc = zc_scores(data.space, archs, list(spec.zc), store=store, compute=compute,
                       data_dir=None if data_root is None else str(data_root), device=device)
    pred = fitted.predict_archs(archs, zc).mean
    truth = truth_all[rows]
    ok = np.isfinite(pred)
    pred, truth = sign * pred[ok], truth[ok]
    return {"benchmark": benchmark, "space": fitted.space, "metric": data.metric, "predictor": fitted.predictor.name,
            "features": fitted.features, "labels": len(fitted.archs), "population": int(ok.sum()),
            "excluded": int((~ok).sum()), "spearman": round(float(spearman(pred, truth)), 6),
            "kendall": round(float(kendall_tau(pred, truth)), 6),
            "top10": round(float(top_k_overlap(pred, truth, 0.1)), 6), "loaded": str(path)}


def predict_saved(path: str | os.PathLike, archs, *, store=None, compute: bool = True, seed: int = 0,
                  data_root: str | os.PathLike | None = None, device: str = "cpu") -> dict[str, Any]:
    """Predict architectures nobody has trained with the predictor saved at ``path``.

    ``archs``: what :func:`archrank.run.selection.select_archs` accepts (a file of architectures, one a line;
    ``random:N`` drawn with ``seed``; ``all``; a list), in the saved predictor's space.  Heuristic-score
    features are read from ``store`` (missing ones computed by a scoring run with ``compute``; with
    ``compute=False`` an architecture lacking a score gets no prediction and is counted in ``missing``).
    Returns the predictions best first (``higher_is_better`` as saved; files from before it was saved are
    read as higher-is-better): ``rank``, ``arch``, ``mean`` and ``std`` (None where the model has none).
    """
    from archrank.predictors.features import parse_features
    from archrank.predictors.saved import load_predictor
    from archrank.run.selection import select_archs
    from archrank.spaces import get_space

    fitted = load_predictor(path)
    sp = get_space(fitted.space)
    chosen = select_archs(sp, archs, seed=seed)
    spec = parse_features(fitted.features)
    if spec.zc and store is None:
        raise InvalidArgument("the saved predictor uses heuristic scores: give --store", parameter="store")
    zc = None
    if spec.zc:
        from archrank.predictors.scores import zc_scores

        zc = zc_scores(sp, chosen, list(spec.zc), store=store, compute=compute,
                       data_dir=None if data_root is None else str(data_root), device=device)
    X = fitted.features_of(chosen, zc)
    ok = np.isfinite(X).all(axis=1)
    hib = bool(fitted.meta.get("higher_is_better", True))
    rows: list[dict[str, Any]] = []
    if ok.any():
        pred = fitted.predictor.predict(X[ok])
        kept = [a for a, f in zip(chosen, ok) if f]
        std = pred.std if pred.std is not None else [None] * len(kept)
        order = np.argsort(-pred.mean if hib else pred.mean, kind="stable")
        for r, i in enumerate(order, 1):
            rows.append({"rank": r, "arch": sp.format(kept[i]), "mean": float(pred.mean[i]),
                         "std": None if std[i] is None else float(std[i])})
    return {"space": fitted.space, "predictor": fitted.predictor.name, "features": fitted.features,
            "labels": len(fitted.archs), "higher_is_better": hib, "archs": len(chosen),
            "missing": [sp.format(a) for a, f in zip(chosen, ok) if not f], "predictions": rows,
            "loaded": str(path)}
