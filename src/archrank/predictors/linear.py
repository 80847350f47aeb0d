"""A Bayesian ridge regression on the features' ranks.

Each feature is replaced by its position in the training set's distribution (the empirical CDF, midranks
for ties, linearly interpolated between training values and clipped at the ends), so a heavy-tailed score
(synflow spans tens of orders of magnitude) and a one-hot column weigh alike and only the order of each
feature matters.  The linear model is scikit-learn's ``BayesianRidge`` (weight and noise precisions set
from the data, so there is no penalty to tune with ten labels); its predictive standard deviation is
returned.  The targets keep their scale.
"""

from __future__ import annotations

import numpy as np

from archrank.predictors.base import Predictor, register_predictor


def rank_transform(train: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Each column of ``X`` mapped through the empirical CDF (midranks, in [0, 1]) of that column of ``train``."""
    out = np.empty_like(X, dtype=float)
    n = train.shape[0]
    for j in range(train.shape[1]):
        vals, counts = np.unique(train[:, j], return_counts=True)
        mid = (np.cumsum(counts) - (counts - 1) / 2.0 - 0.5) / n  # midrank of each distinct value, in (0, 1)
        out[:, j] = np.interp(X[:, j], vals, mid) if len(vals) > 1 else 0.5
    return out


@register_predictor("ridge_rank")
class RidgeOnRanks(Predictor):
    """Bayesian ridge on rank-transformed features; ``seed`` (unused: the fit is deterministic)."""

    has_uncertainty = True

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        from sklearn.linear_model import BayesianRidge

        self._train = X.copy()
        self._m = BayesianRidge().fit(rank_transform(X, X), y)

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self._m.predict(rank_transform(self._train, X), return_std=True)
        return mean, std
