"""archrank: rank neural architectures with cheap heuristics, measure how faithful they are, and search.

``archrank.score_model(model, batch, heuristics)`` scores one of your own networks and
``archrank.score_models({name: model}, batch, heuristics)`` a population of them (docs/own-models.md);
both are imported on first use, so ``import archrank`` stays cheap.
"""

from archrank.lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {"score_model": "run.own_models", "score_models": "run.own_models", "ModelScores": "run.own_models"}

__all__ = ["ModelScores", "__version__", "score_model", "score_models"]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
