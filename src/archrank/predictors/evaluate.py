"""How well a predictor fitted on N labelled architectures ranks the rest, over several labelled samples.

Protocol (NAS-Bench-Suite-Zero's and White et al. 2021's): the population is every architecture with a
ground-truth value and finite features.  For each of ``seeds`` samples, ``labels`` architectures are drawn
uniformly without replacement (sample ``k`` from ``numpy.random.SeedSequence(seed).spawn(seeds)[k]``);
the predictor (seeded with that sample's seed) is fitted on their *label* values (the truth itself, or a
cheaper column such as a 12-epoch accuracy) and predicts every other architecture of the population.
Spearman's rho, Kendall's tau and the top-10% overlap (:mod:`archrank.metrics`) are measured between the
predictions and the truth on those others.  Values are oriented so that higher is better beforehand.
A predictor that predicts one constant value ranks nothing: its correlations count as 0 (not NaN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.metrics import kendall_tau, spearman, top_k_overlap
from archrank.predictors.base import make_predictor


@dataclass(frozen=True)
class SampleResult:
    seed: int
    spearman: float
    kendall: float
    top10: float
    fit_seconds: float


@dataclass
class PredictorEvaluation:
    """Per-sample results and their means; ``population`` = architectures in play, ``labels`` = N."""

    predictor: str
    features: str
    labels: int
    population: int
    results: list[SampleResult] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)

    def mean(self, key: str) -> float:
        return float(np.mean([getattr(r, key) for r in self.results]))

    def std(self, key: str) -> float:
        return float(np.std([getattr(r, key) for r in self.results]))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"predictor": self.predictor, "features": self.features, "labels": self.labels,
                               "population": self.population, "samples": len(self.results), "params": self.params}
        for k in ("spearman", "kendall", "top10"):
            out[k] = round(self.mean(k), 6)
            out[k + "_std"] = round(self.std(k), 6)
        out["fit_seconds_mean"] = round(self.mean("fit_seconds"), 4)
        out["per_sample"] = [{"seed": r.seed, "spearman": round(r.spearman, 6), "kendall": round(r.kendall, 6),
                              "top10": round(r.top10, 6)} for r in self.results]
        return out


def sample_seeds(seed: int, samples: int) -> list[int]:
    """Seeds of the labelled samples (the SeedSequence spawn rule, as the search harness's runs)."""
    return [int(s.generate_state(1)[0] % (2**31)) for s in np.random.SeedSequence(seed).spawn(samples)]


def evaluate_predictor(X: np.ndarray, truth: np.ndarray, *, labels: int, predictor: str = "gp",
                       label_values: np.ndarray | None = None, samples: int = 10, seed: int = 0,
                       params: dict[str, Any] | None = None, features: str = "",
                       names: list[str] | None = None) -> PredictorEvaluation:
    """Fit ``predictor`` on ``labels`` rows of ``X`` and rank the others, for ``samples`` labelled samples.

    ``truth``: the value to rank by (higher is better); ``label_values``: what the labelled rows are
    fitted on (default ``truth``); ``names``: the feature names, passed to the predictor's fit.  Rows with a non-finite feature, truth or label are left out first.
    """
    import time

    X = np.asarray(X, dtype=float)
    truth = np.asarray(truth, dtype=float)
    lab = truth if label_values is None else np.asarray(label_values, dtype=float)
    if X.ndim != 2 or X.shape[0] != truth.shape[0] or lab.shape[0] != truth.shape[0]:
        raise InvalidArgument(f"features {X.shape}, truth {truth.shape} and labels {lab.shape} do not match")
    keep = np.isfinite(X).all(axis=1) & np.isfinite(truth) & np.isfinite(lab)
    X, truth, lab = X[keep], truth[keep], lab[keep]
    n = X.shape[0]
    if not isinstance(labels, (int, np.integer)) or isinstance(labels, bool) or labels < 2:
        raise InvalidArgument(f"labels must be an integer >= 2, got {labels!r}", parameter="labels")
    if labels > n - 2:
        raise InvalidArgument(f"{labels} labelled architectures leave fewer than 2 to predict: the population "
                              f"has {n} with finite features and values", parameter="labels")
    if samples < 1:
        raise InvalidArgument(f"samples must be >= 1, got {samples}", parameter="seeds")
    params = dict(params or {})
    make_predictor(predictor, **params)  # unknown names and parameters fail before any fit
    ev = PredictorEvaluation(predictor, features, labels, n, params=params)
    for s in sample_seeds(seed, samples):
        rng = np.random.default_rng(s)
        idx = rng.permutation(n)
        tr, te = idx[:labels], idx[labels:]
        model = make_predictor(predictor, **{**params, "seed": s})
        t0 = time.perf_counter()
        pred = model.fit(X[tr], lab[tr], names=names).predict(X[te]).mean
        dt = time.perf_counter() - t0
        rho, tau = spearman(pred, truth[te]), kendall_tau(pred, truth[te])
        ev.results.append(SampleResult(s, rho if np.isfinite(rho) else 0.0, tau if np.isfinite(tau) else 0.0,
                                       top_k_overlap(pred, truth[te], 0.1), dt))
    return ev
