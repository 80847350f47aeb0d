"""The run layer: one path from a request to the store, used by the CLI, the demo, search and benchmarks.

* :mod:`~archrank.run.selection`: which architectures a run covers (``all``, ``random:N``, a file, a list);
* :mod:`~archrank.run.setting`: :class:`ScoreSetting` (the one shape of a scoring setting, with the default
  batch size) and :class:`TrainSetting`;
* :mod:`~archrank.run.context`: a heuristic's context built from a setting, and :class:`Scorer` (one
  architecture at a time, e.g. search's live scores);
* :mod:`~archrank.run.scoring` / :mod:`~archrank.run.score_task`: the scoring run loop and its task;
* :mod:`~archrank.run.training`: the training run loop (a single architecture is a run of one);
* :mod:`~archrank.run.plugins`: ``$ARCHRANK_PLUGINS``.
"""

from archrank.run.context import Scorer, score_context
from archrank.run.plugins import PLUGINS_ENV, load_plugins, plugin_modules
from archrank.run.scoring import ScoringSummary, heuristic_names, run_scoring
from archrank.run.selection import select_archs
from archrank.run.setting import DEFAULT_BATCH_SIZE, DEFAULT_DATASET, DEFAULT_SEED, ScoreSetting, TrainSetting
from archrank.run.training import TrainingSummary, run_training, score_name

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_DATASET",
    "DEFAULT_SEED",
    "PLUGINS_ENV",
    "ScoreSetting",
    "Scorer",
    "ScoringSummary",
    "TrainSetting",
    "TrainingSummary",
    "heuristic_names",
    "load_plugins",
    "plugin_modules",
    "run_scoring",
    "run_training",
    "score_context",
    "score_name",
    "select_archs",
]
