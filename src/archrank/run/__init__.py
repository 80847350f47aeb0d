"""The run layer: one path from a request to the store, used by the CLI, the demo, search and benchmarks.

* :mod:`~archrank.run.selection`: which architectures a run covers (``all``, ``random:N``, a file, a list);
* :mod:`~archrank.run.setting`: :class:`ScoreSetting` (the one shape of a scoring setting, with the default
  batch size) and :class:`TrainSetting`;
* :mod:`~archrank.run.context`: a heuristic's context built from a setting, and :class:`Scorer` (one
  architecture at a time, e.g. search's live scores);
* :mod:`~archrank.run.prepare`: the one preparation step of a scoring run (every argument checked once);
* :mod:`~archrank.run.scoring` / :mod:`~archrank.run.score_task`: the scoring run loop and its task;
* :mod:`~archrank.run.own_models`: ``score_model`` / ``score_models`` on a user's own networks;
* :mod:`~archrank.run.training`: the training run loop (a single architecture is a run of one);
* :mod:`~archrank.run.threads`: the one torch-thread policy of every command;
* :mod:`~archrank.run.plugins`: ``$ARCHRANK_PLUGINS``.

The names below are imported on first use (PEP 562), so that ``archrank.run.setting`` can be read (e.g.
for the CLI's defaults) without importing torch.
"""

from __future__ import annotations

from archrank.lazy import lazy_exports

_EXPORTS = {
    "Scorer": "context", "score_context": "context",
    "ModelScores": "own_models", "score_model": "own_models", "score_models": "own_models",
    "PreparedScoring": "prepare", "heuristic_names": "prepare", "prepare_scoring": "prepare",
    "PLUGINS_ENV": "plugins", "load_plugins": "plugins", "plugin_modules": "plugins",
    "ScoringSummary": "scoring", "run_prepared": "scoring", "run_scoring": "scoring",
    "select_archs": "selection",
    "DEFAULT_BATCH_SIZE": "setting", "DEFAULT_DATASET": "setting", "DEFAULT_SEED": "setting",
    "ScoreSetting": "setting", "TrainSetting": "setting",
    "TrainingSummary": "training", "run_training": "training", "score_name": "training",
}

__all__ = list(_EXPORTS)  # every name of the lazy map, and only those

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
