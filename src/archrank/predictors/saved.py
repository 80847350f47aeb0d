"""Saving a fitted predictor and loading it back, without pickling code.

The file is JSON: the predictor's name and hyperparameters (its seed included), the feature spec and
column names, the space, the labelled architectures, their feature rows and targets.  Loading refits the
predictor on that training set; every predictor is deterministic given its seed and data (the contract
in :mod:`archrank.predictors.base`), so the loaded predictor predicts what the saved one did.  No model
object is ever unpickled, so a file from elsewhere cannot run code; the price is the refit on load
(milliseconds to seconds for these training-set sizes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archrank.errors import DataError
from archrank.predictors.base import Predictor, make_predictor
from archrank.predictors.features import feature_matrix, parse_features

FORMAT = "archrank-predictor"
VERSION = 1


@dataclass
class FittedPredictor:
    """A fitted predictor with what it was fitted on: its space, feature spec and training set."""

    predictor: Predictor
    space: str
    features: str
    feature_names: list[str]
    archs: list[str]
    X: np.ndarray
    y: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    def predict_archs(self, archs: Sequence[Hashable], zc_values: dict[str, dict[str, float]] | None = None):
        """Predictions for ``archs`` of the same space (heuristic scores in ``zc_values`` where the features
        use them); returns a :class:`~archrank.predictors.base.Prediction`."""
        return self.predictor.predict(self.features_of(archs, zc_values))

    def features_of(self, archs: Sequence[Hashable], zc_values: dict[str, dict[str, float]] | None = None):
        """The feature rows of ``archs`` as when fitting (NaN where a heuristic score is missing); an error
        if the columns differ from the saved ones."""
        from archrank.spaces import get_space

        X, names = feature_matrix(get_space(self.space), archs, self.features, zc_values)
        if names != self.feature_names:
            raise DataError(f"the features now built ({len(names)}) differ from the saved ones "
                            f"({len(self.feature_names)}); score the same heuristics as when saving")
        return X


def fit_saved(*, predictor: str, params: dict[str, Any], space: str, features: str, feature_names: list[str],
              archs: list[str], X: np.ndarray, y: np.ndarray, meta: dict[str, Any] | None = None) -> FittedPredictor:
    """Fit ``predictor`` on (``X``, ``y``) and keep everything needed to save it."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    model = make_predictor(predictor, **params).fit(X, y, names=feature_names)
    return FittedPredictor(model, space, parse_features(features).text(), list(feature_names), list(archs), X, y,
                           dict(meta or {}))


def save_predictor(fitted: FittedPredictor, path: str | os.PathLike) -> Path:
    """Write ``fitted`` as JSON (atomically: a temporary file renamed over ``path``)."""
    p = Path(path).expanduser()
    doc = {"format": FORMAT, "version": VERSION, "predictor": fitted.predictor.name,
           "params": fitted.predictor.params(), "space": fitted.space, "features": fitted.features,
           "feature_names": fitted.feature_names, "archs": fitted.archs,
           "X": fitted.X.tolist(), "y": fitted.y.tolist(), "meta": fitted.meta}
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(json.dumps(doc, allow_nan=False))
    os.replace(tmp, p)
    return p


def load_predictor(path: str | os.PathLike) -> FittedPredictor:
    """Read a file written by :func:`save_predictor` and refit its predictor (see the module docstring)."""
    p = Path(path).expanduser()
    try:
        doc = json.loads(p.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"cannot read predictor file {str(p)!r}: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DataError(f"{str(p)!r} is not an archrank predictor file (no format {FORMAT!r})")
    if doc.get("version") != VERSION:
        raise DataError(f"{str(p)!r} has predictor file version {doc.get('version')!r}; this archrank reads {VERSION}")
    try:
        return fit_saved(predictor=doc["predictor"], params=doc["params"], space=doc["space"],
                         features=doc["features"], feature_names=doc["feature_names"], archs=doc["archs"],
                         X=np.asarray(doc["X"], dtype=float), y=np.asarray(doc["y"], dtype=float),
                         meta=doc.get("meta", {}))
    except KeyError as e:
        raise DataError(f"predictor file {str(p)!r} lacks the field {e.args[0]!r}") from None
