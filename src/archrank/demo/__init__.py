"""The end-to-end demo: which cheap heuristic ranks NB201 best, at what cost, and what it buys a search.

* :mod:`~archrank.demo.config`: :class:`DemoConfig`, its defaults and the checks made before any work;
* :mod:`~archrank.demo.ranking`: stored scores against the benchmark, with measured cost;
* :mod:`~archrank.demo.guided_search`: heuristic-guided search against REA, NB201 protocol, costs charged;
* :mod:`~archrank.demo.training`: optional real training under a reduced regime, with its caveat;
* :mod:`~archrank.demo.answer`: the short plain answer;
* :mod:`~archrank.demo.pipeline`: :func:`run_demo`, the steps in order, and :class:`DemoResult`.
"""

from archrank.demo.config import DEFAULT_HEURISTICS, DemoConfig, choose_dataset
from archrank.demo.pipeline import DemoResult, run_demo
from archrank.demo.ranking import agreement, mean_rank_scores

__all__ = ["DEFAULT_HEURISTICS", "DemoConfig", "DemoResult", "agreement", "choose_dataset", "mean_rank_scores",
           "run_demo"]
