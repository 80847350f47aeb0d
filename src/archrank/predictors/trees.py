"""Tree ensembles from scikit-learn: a random forest (with the spread of its trees as uncertainty) and
histogram gradient boosting (LightGBM's algorithm in scikit-learn; no uncertainty).

Choices: a forest of ``trees`` trees, each split on a third of the features (the usual regression
default), leaves of at least one sample; boosting with ``iterations`` rounds of learning rate 0.05 and
leaves of at least ``min_leaf`` (scikit-learn's default of 20 would leave a 10-label fit a single leaf).
The forest's standard deviation is that of the individual trees' predictions.
"""

from __future__ import annotations

import numpy as np

from archrank.predictors.base import Predictor, check_positive, register_predictor


@register_predictor("rf")
class RandomForest(Predictor):
    """Random forest regression; ``trees`` trees, ``seed``."""

    has_uncertainty = True

    def __init__(self, *, trees: int = 200, **kw):
        super().__init__(**kw)
        check_positive("trees", trees)
        self.trees = int(trees)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        from sklearn.ensemble import RandomForestRegressor

        self._rf = RandomForestRegressor(n_estimators=self.trees, max_features=1 / 3, min_samples_leaf=1,
                                         random_state=self.seed, n_jobs=1).fit(X, y)

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        per_tree = np.stack([t.predict(X) for t in self._rf.estimators_])
        return per_tree.mean(axis=0), per_tree.std(axis=0)


@register_predictor("hgb")
class GradientBoosting(Predictor):
    """Histogram gradient boosting; ``iterations`` rounds, leaves of at least ``min_leaf``, ``seed``."""

    def __init__(self, *, iterations: int = 300, min_leaf: int = 3, **kw):
        super().__init__(**kw)
        check_positive("iterations", iterations)
        check_positive("min_leaf", min_leaf)
        self.iterations, self.min_leaf = int(iterations), int(min_leaf)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        from sklearn.ensemble import HistGradientBoostingRegressor

        self._m = HistGradientBoostingRegressor(max_iter=self.iterations, learning_rate=0.05,
                                                min_samples_leaf=self.min_leaf, early_stopping=False,
                                                random_state=self.seed).fit(X, y)

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, None]:
        return self._m.predict(X), None
