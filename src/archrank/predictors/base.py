"""What a performance predictor is: ``fit(features, targets)`` then ``predict(features)`` -> mean (and std).

A predictor learns a map from an architecture's feature vector (:mod:`archrank.predictors.features`) to a
measured value (an accuracy, a loss) from a few labelled architectures, and predicts the rest.

Contract every predictor keeps (``tests/predictors/test_predictor_contract.py`` runs it on every entry of
:data:`PREDICTORS`):

* the constructor only stores keyword-only hyperparameters (validated, errors name the value and the
  valid range); every random choice flows from ``seed``;
* ``fit(X, y)`` takes a 2-D float array (n x d, n >= 2) and n finite targets and returns ``self``; bad
  shapes or non-finite values raise :class:`~archrank.errors.InvalidArgument`;
* ``predict(X)`` returns a :class:`Prediction`: ``mean`` (n,) and, where the model has one, ``std`` (n,)
  >= 0, else ``None``; predicting before fitting raises an error;
* the same seed, data and hyperparameters give the same predictions (refitting is deterministic), which
  is what makes saving safe: :func:`archrank.predictors.saved.save_predictor` writes the hyperparameters
  and the training set as JSON, and loading refits (no pickled code is ever read).

Predictors are registered by name in :data:`PREDICTORS` (``register_predictor``); :func:`make_predictor`
builds one, checking its parameters against the constructor.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.registry import Registry, class_registrar, keyword_params, registry


@dataclass(frozen=True)
class Prediction:
    """Predicted means and, where the model gives one, standard deviations (same length)."""

    mean: np.ndarray
    std: np.ndarray | None = None


def check_xy(X: Any, y: Any | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` as a finite float (n, d) array and ``y`` as n finite floats; InvalidArgument otherwise."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise InvalidArgument(f"features must be a non-empty 2-D array (architectures x features), got shape "
                              f"{X.shape}", parameter="features")
    if not np.isfinite(X).all():
        raise InvalidArgument("features hold non-finite values", parameter="features")
    if y is None:
        return X, None
    y = np.asarray(y, dtype=float).ravel()
    if y.shape[0] != X.shape[0]:
        raise InvalidArgument(f"{X.shape[0]} feature rows but {y.shape[0]} targets", parameter="targets")
    if X.shape[0] < 2:
        raise InvalidArgument(f"a predictor needs at least 2 labelled architectures, got {X.shape[0]}",
                              parameter="labels")
    if not np.isfinite(y).all():
        raise InvalidArgument("targets hold non-finite values", parameter="targets")
    return X, y


class Standardizer:
    """Centre and scale columns with the training set's mean and standard deviation (constant columns: 1)."""

    def fit(self, X: np.ndarray) -> Standardizer:
        self.mean_ = X.mean(axis=0)
        sd = X.std(axis=0)
        self.scale_ = np.where(sd > 1e-12, sd, 1.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) / self.scale_


TARGET_TRANSFORMS = ("normal", "scale")


class TargetTransform:
    """Targets to the model's scale and back (see :class:`Predictor`)."""

    def __init__(self, kind: str):
        self.kind = kind

    def fit(self, y: np.ndarray) -> TargetTransform:
        self.mean_ = float(y.mean())
        sd = float(y.std())
        self.scale_ = sd if sd > 1e-12 else 1.0
        if self.kind == "normal":
            from scipy.stats import norm, rankdata

            z = norm.ppf((rankdata(y) - 0.5) / len(y))
            zs, idx = np.unique(z, return_index=True)  # equal targets share one score
            self.z_, self.y_ = zs, y[idx]
            if len(zs) > 1:
                self.slope_lo_ = (self.y_[1] - self.y_[0]) / (zs[1] - zs[0])
                self.slope_hi_ = (self.y_[-1] - self.y_[-2]) / (zs[-1] - zs[-2])
            self._z = dict(zip(y.tolist(), z.tolist()))
        return self

    def forward(self, y: np.ndarray) -> np.ndarray:
        if self.kind == "scale":
            return (y - self.mean_) / self.scale_
        return np.array([self._z[v] for v in y.tolist()])

    def inverse(self, m: np.ndarray, s: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        if self.kind == "scale":
            return m * self.scale_ + self.mean_, None if s is None else s * self.scale_
        z, y = self.z_, self.y_
        if len(z) < 2:
            return np.full_like(m, y[0]), None if s is None else s * self.scale_
        out = np.interp(m, z, y)
        out = np.where(m < z[0], y[0] + (m - z[0]) * self.slope_lo_, out)
        out = np.where(m > z[-1], y[-1] + (m - z[-1]) * self.slope_hi_, out)
        if s is None:
            return out, None
        seg = np.clip(np.searchsorted(z, m) - 1, 0, len(z) - 2)
        slope = (y[seg + 1] - y[seg]) / (z[seg + 1] - z[seg])  # local slope of the map: std in target units
        return out, s * slope


def _one_thread():
    """Native thread pools (BLAS, OpenMP) limited to one thread: fits are small, results do not depend on
    the machine's core count, and several fits may run side by side."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


class Predictor(ABC):
    """Base class: subclasses implement ``_fit`` and ``_predict`` on standardised features and targets.

    Features are standardised with the training set's statistics before the model sees them.  Targets
    (``targets``): ``"normal"`` (default) replaces each training target by the normal score of its rank
    (``Phi^-1((rank - 1/2) / n)``, ties averaged), so an outlier (a 10%-accuracy network among 90% ones)
    weighs like any other point and the fit is about order, which is what the predictions are used for;
    ``"scale"`` standardises them (zero mean, unit variance).  Predictions are mapped back to the targets'
    units (for ``"normal"``: through the training pairs (score, target), piecewise linearly, extended
    linearly beyond them, so the map is strictly increasing and keeps the predicted order).
    """

    name: str = "abstract"
    #: whether ``predict`` returns a standard deviation
    has_uncertainty: bool = False

    def __init__(self, *, seed: int = 0, targets: str = "normal"):
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
            raise InvalidArgument(f"seed must be a non-negative integer, got {seed!r}", parameter="seed")
        if targets not in TARGET_TRANSFORMS:
            raise InvalidArgument(f"targets must be one of {', '.join(TARGET_TRANSFORMS)}, got {targets!r}",
                                  parameter="targets")
        self.seed = int(seed)
        self.targets = targets
        self._fitted = False

    def params(self) -> dict[str, Any]:
        """The constructor's keyword parameters and their current values (what saving writes)."""
        return {k: getattr(self, k) for k in predictor_params(self.name)}

    def fit(self, X: Any, y: Any, *, names: Sequence[str] | None = None) -> Predictor:
        """Fit on ``X`` (n x d) and ``y``; ``names``: the d feature names, for predictors that use them
        (:mod:`~archrank.predictors.ensemble` chooses columns by group)."""
        X, y = check_xy(X, y)
        if names is not None and len(names) != X.shape[1]:
            raise InvalidArgument(f"{len(names)} feature names for {X.shape[1]} features", parameter="features")
        self.feature_names_ = None if names is None else [str(n) for n in names]
        self._xs = Standardizer().fit(X)
        self._ty = TargetTransform(self.targets).fit(y)
        self.n_features_ = X.shape[1]
        with _one_thread():
            self._fit(self._xs.transform(X), self._ty.forward(y))
        self._fitted = True
        return self

    def predict(self, X: Any) -> Prediction:
        if not self._fitted:
            raise InvalidArgument(f"predictor {self.name!r} is not fitted; call fit(features, targets) first")
        X, _ = check_xy(X)
        if X.shape[1] != self.n_features_:
            raise InvalidArgument(f"predictor {self.name!r} was fitted on {self.n_features_} features, got "
                                  f"{X.shape[1]}", parameter="features")
        with _one_thread():
            mean, std = self._predict(self._xs.transform(X))
        mean, std = self._ty.inverse(np.asarray(mean, dtype=float),
                                     None if std is None else np.maximum(np.asarray(std, dtype=float), 0.0))
        return Prediction(mean, std)

    @abstractmethod
    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        """Fit on standardised features and targets."""

    @abstractmethod
    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(mean, std or None) on the standardised scale."""


PREDICTORS: Registry[type[Predictor]] = registry("predictor")
# The built-in predictors register themselves (``@register_predictor("gp")`` in their module), found in the
# package's source and imported the first time one of their names is asked for.
PREDICTORS.discover("archrank.predictors", "register_predictor")

register_predictor = class_registrar(PREDICTORS)
"""Class decorator: ``@register_predictor("gp")`` sets ``cls.name`` and registers it."""


def predictor_params(name: str) -> dict[str, Any]:
    """The keyword parameters of predictor ``name`` with their defaults."""
    return keyword_params(PREDICTORS.get(name))


def make_predictor(name: str, **params: Any) -> Predictor:
    """Build predictor ``name``; unknown parameters raise an error listing the valid ones."""
    valid = predictor_params(name)
    for k in params:
        if k not in valid:
            raise InvalidArgument(f"predictor {name!r} has no parameter {k!r}; valid parameters: "
                                  + ", ".join(sorted(valid)), parameter="predictor")
    return PREDICTORS.get(name)(**params)


def check_positive(name: str, value: Any, *, kind: type = int, minimum: float = 1) -> None:
    """InvalidArgument unless ``value`` is a ``kind`` >= ``minimum`` (bools are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, (kind, np.integer) if kind is int else (int, float)) \
            or value < minimum:
        raise InvalidArgument(f"{name} must be a {kind.__name__} >= {minimum}, got {value!r}", parameter=name)


def predictor_param_values(items: Sequence[str], predictor: str) -> dict[str, Any]:
    """``KEY=VALUE`` items as the predictor's parameters, each converted to its default's type."""
    valid = predictor_params(predictor)
    out = {}
    for item in items:
        if "=" not in item:
            raise InvalidArgument(f"parameter {item!r} is not of the form KEY=VALUE", parameter="param")
        k, v = (s.strip() for s in item.split("=", 1))
        if k not in valid:
            raise InvalidArgument(f"predictor {predictor!r} has no parameter {k!r}; valid parameters: "
                                  + ", ".join(sorted(valid)), parameter="param")
        kind = type(valid[k])
        try:
            out[k] = kind(v) if kind in (int, float) else v
        except ValueError:
            raise InvalidArgument(f"parameter {k}={v!r} is not a valid {kind.__name__}", parameter="param") from None
    return out
