"""Performance predictors: models fitted on a few labelled architectures, their features, and evaluation.

* :mod:`~archrank.predictors.base`: the ``fit``/``predict`` contract and :data:`PREDICTORS` (``gp``, ``rf``,
  ``hgb``, ``ridge_rank``, ``mlp_ensemble``);
* :mod:`~archrank.predictors.features` / :mod:`~archrank.predictors.graph`: the space's encoding, GRAF-style
  graph features and heuristic scores, combined by name;
* :mod:`~archrank.predictors.scores`: heuristic scores from a store (missing ones computed by a scoring run);
* :mod:`~archrank.predictors.evaluate`: Spearman / Kendall / top-10% over several labelled samples;
* :mod:`~archrank.predictors.saved`: saving a fitted predictor as JSON and loading it back.

Names are imported on first use (PEP 562): scikit-learn loads only when a predictor is fitted.
"""

from __future__ import annotations

from archrank.lazy import lazy_exports

_EXPORTS = {
    "PREDICTORS": "base", "Prediction": "base", "Predictor": "base", "make_predictor": "base",
    "predictor_params": "base", "register_predictor": "base",
    "FeatureSpec": "features", "feature_matrix": "features", "parse_features": "features",
    "graph_features": "graph", "graph_feature_names": "graph",
    "zc_scores": "scores", "read_scores": "scores",
    "PredictorEvaluation": "evaluate", "evaluate_predictor": "evaluate",
    "FittedPredictor": "saved", "load_predictor": "saved", "save_predictor": "saved",
}

__all__ = list(_EXPORTS)  # every name of the lazy map, and only those

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
