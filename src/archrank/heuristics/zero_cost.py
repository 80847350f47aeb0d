"""The zero-cost proxies of Abdelfattah et al. 2021: importing this module registers grad_norm, snip, grasp,
fisher (:mod:`.saliency`), synflow (:mod:`.synflow`) and jacob_cov (:mod:`.jacob_cov`)."""

from __future__ import annotations

from archrank.heuristics.jacob_cov import correlation_score, jacob_cov
from archrank.heuristics.saliency import fisher, grad_norm, grasp, snip
from archrank.heuristics.synflow import synflow

__all__ = ["correlation_score", "fisher", "grad_norm", "grasp", "jacob_cov", "snip", "synflow"]
