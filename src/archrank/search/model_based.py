"""Model-based search: BANANAS (White et al. 2021) and Bayesian optimisation with a Gaussian process.

Both keep every signal value told, fit a predictor (:mod:`archrank.predictors`) on them and choose what to
evaluate next by an acquisition function over candidate architectures:

1. **Initial design.** ``init`` distinct architectures drawn at random.
2. **Candidates.** ``candidates`` architectures, each one mutation (``space.mutate``) away from one of the
   ``mutate_top`` best evaluated so far (BANANAS' "mutation" acquisition optimiser), plus for BO a quarter
   of them drawn at random (global exploration); evaluated architectures are left out.
3. **Acquisition.** BANANAS: independent Thompson sampling (one draw from ``N(mean, std)`` per candidate,
   the ensemble's spread as std); the ``batch`` best draws are evaluated before the next fit (the paper
   evaluates 10 per iteration). BO: expected improvement over the best value so far, one per iteration.

Features (``features``): ``encoding``, ``graph`` and ``zc``, comma-separated, or ``auto`` (the default:
the encoding and, where the space has them, graph features; see
:mod:`archrank.predictors.features`).  With ``zc`` the strategy asks for the heuristic score of every
architecture it evaluates or considers as a candidate (``"heuristic"`` queries, charged at the heuristic's
seconds by the harness, asked once per architecture), and the score becomes one more feature; an
architecture whose score failed gets the median of the others.

Defaults follow NASLib's BANANAS configuration (10 initial, 100 candidates from the 2 best, 10 per
iteration) with the paper's ensemble of 5 networks; choices the papers leave open are in docs/predictors.md.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from scipy.stats import norm

from archrank.errors import InvalidArgument
from archrank.search.base import HEURISTIC, SIGNAL, Query, Strategy, finite, register_strategy

FEATURE_GROUPS = ("encoding", "graph", "zc")


def parse_search_features(text: str, space=None) -> tuple[str, bool]:
    """``"encoding,zc"`` -> (the structural feature spec ``"encoding"``, whether zc is used).

    ``auto`` (the default) is ``encoding,graph`` where ``space`` has graph features, else ``encoding``.
    """
    from archrank.registry import name_list

    groups = name_list(str(text), what="feature group", parameter="features")
    if "auto" in groups:
        from archrank.predictors.graph import graph_feature_names

        try:
            graph_feature_names(space)
            auto = ["encoding", "graph"]
        except InvalidArgument:
            auto = ["encoding"]
        groups = [g for g in groups if g != "auto"] + auto
    bad = [g for g in groups if g not in FEATURE_GROUPS]
    if bad or not groups:
        raise InvalidArgument(f"features {text!r}: valid groups are " + ", ".join(FEATURE_GROUPS)
                              + " (comma-separated)", parameter="features")
    structural = ",".join(g for g in groups if g != "zc")
    return structural, "zc" in groups


class PredictorGuided(Strategy):
    """Shared machinery: the initial design, candidates, features, the fit and the queue of queries."""

    predictor: str = "gp"
    explore_random: float = 0.0  # share of candidates drawn at random instead of mutated

    def __init__(self, *, features: str = "auto", init: int = 10, candidates: int = 100,
                 mutate_top: int = 2, batch: int = 1, **kw):
        super().__init__(**kw)
        for k, v in (("init", init), ("candidates", candidates), ("mutate_top", mutate_top), ("batch", batch)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidArgument(f"{k} must be an integer >= 1, got {v!r}", parameter=k)
        if init < 2:
            raise InvalidArgument(f"init must be >= 2 (a predictor needs two points), got {init}", parameter="init")
        self.features, self.init, self.candidates = features, init, candidates
        self.mutate_top, self.batch = mutate_top, batch
        # a space restricted to a table's rows (archrank.suite.search.TableSpace) keeps the space its
        # architectures belong to as ``base``: the features are that space's
        self._feature_space = getattr(self.space, "base", self.space)
        self._structural, self.use_zc = parse_search_features(features, self._feature_space)
        if "graph" in self._structural.split(","):
            from archrank.predictors.graph import graph_feature_names

            graph_feature_names(self._feature_space)  # a space without graph features fails here, naming the valid ones
        self.needs = (HEURISTIC,) if self.use_zc else ()
        self._y: dict[Hashable, float] = {}
        self._h: dict[Hashable, float] = {}
        self._feat: dict[Hashable, np.ndarray] = {}
        self._queue: list[Query] = []  # stack: the next query is the last element
        self._pending: list[Hashable] | None = None  # candidates waiting for their heuristic scores
        self._asked: set[Hashable] = set()
        self.fits = 0

    # --- features ------------------------------------------------------------------------------------
    def _structural_row(self, arch: Hashable) -> np.ndarray:
        row = self._feat.get(arch)
        if row is None:
            if self._structural:
                from archrank.predictors.features import structural_features

                row = structural_features(self._feature_space, [arch], self._structural)[0][0]
            else:
                row = np.zeros(0)
            self._feat[arch] = row
        return row

    def _matrix(self, archs: list[Hashable]) -> np.ndarray:
        X = np.stack([self._structural_row(a) for a in archs])
        if self.use_zc:
            from archrank.predictors.features import squash

            vals = squash(np.array([self._h.get(a, np.nan) for a in archs], dtype=float))
            known = squash(np.array([v for v in self._h.values() if finite(v)], dtype=float))
            fill = float(np.median(known)) if len(known) else 0.0
            X = np.concatenate([X, np.where(np.isfinite(vals), vals, fill)[:, None]], axis=1)
        return X

    # --- candidates ----------------------------------------------------------------------------------
    def _random_new(self, n: int) -> list[Hashable]:
        out: list[Hashable] = []
        tries = 0
        while len(out) < n and tries < 50 * n:
            tries += 1
            a = self.space.sample(self.rng)
            if a not in self._asked and a not in out:
                out.append(a)
        return out

    def _candidates(self) -> list[Hashable]:
        ranked = sorted((a for a in self._y if finite(self._y[a])), key=lambda a: -self._y[a])[: self.mutate_top]
        n_rand = round(self.explore_random * self.candidates)
        out: list[Hashable] = []
        seen: set[Hashable] = set()
        tries = 0
        n_mut = self.candidates - n_rand
        while ranked and len(out) < n_mut and tries < 20 * n_mut:
            parent = ranked[tries % len(ranked)]
            tries += 1
            child = self.space.mutate(parent, self.rng)
            if child not in self._asked and child not in seen:
                seen.add(child)
                out.append(child)
        extra = [a for a in self._random_new(n_rand + (n_mut - len(out))) if a not in seen]
        return out + extra

    # --- acquisition ---------------------------------------------------------------------------------
    def _fit_predict(self, cands: list[Hashable]):
        from archrank.predictors.base import make_predictor

        archs = [a for a in self._y if finite(self._y[a])]
        y = np.array([self._y[a] for a in archs], dtype=float)
        model = make_predictor(self.predictor, **self._predictor_params())
        self.fits += 1
        return model.fit(self._matrix(archs), y).predict(self._matrix(cands)), float(y.max())

    def _predictor_params(self) -> dict:
        return {"seed": int(self.rng.integers(2**31))}

    def acquisition(self, mean: np.ndarray, std: np.ndarray | None, best: float) -> np.ndarray:
        raise NotImplementedError

    def _choose(self, cands: list[Hashable]) -> list[Hashable]:
        if len([a for a in self._y if finite(self._y[a])]) < 2:
            return cands[: self.batch]
        pred, best = self._fit_predict(cands)
        score = self.acquisition(pred.mean, pred.std, best)
        order = np.argsort(-score, kind="stable")
        return [cands[int(i)] for i in order[: self.batch]]

    def _push_signals(self, archs: list[Hashable]) -> None:
        for a in archs:
            self._asked.add(a)
        self._queue = [Query(a, SIGNAL) for a in archs][::-1] + self._queue

    def ask(self) -> Hashable | Query | None:
        if self._queue:
            return self._queue.pop()
        if self._pending is not None:  # candidates scored: choose among them
            cands, self._pending = self._pending, None
            self._push_signals(self._choose(cands))
            return self._queue.pop() if self._queue else self.ask()
        if len(self._asked) < self.init:
            first = self._random_new(self.init - len(self._asked))
            if not first:
                return None
            self._push_signals(first)
            if self.use_zc:  # the initial design's scores first (the predictor needs them as features)
                self._queue += [Query(a, HEURISTIC) for a in first if a not in self._h][::-1]
            return self._queue.pop()
        cands = self._candidates()
        if not cands:
            return None
        unscored = [a for a in cands if self.use_zc and a not in self._h]
        if unscored:
            self._pending = cands
            self._queue = [Query(a, HEURISTIC) for a in unscored][::-1]
            return self._queue.pop()
        self._push_signals(self._choose(cands))
        return self._queue.pop() if self._queue else None

    def tell(self, arch: Hashable, value: float, *, fidelity: str = SIGNAL, cost: float = 0.0) -> None:
        super().tell(arch, value, fidelity=fidelity, cost=cost)
        if fidelity == SIGNAL:
            self._y[arch] = float(value)
            self._asked.add(arch)
        elif fidelity == HEURISTIC:
            self._h[arch] = float(value)


@register_strategy("bananas")
class Bananas(PredictorGuided):
    """BANANAS: an ensemble of MLPs (``members``), Thompson sampling over mutations, ``batch`` per fit."""

    predictor = "mlp_ensemble"

    def __init__(self, *, members: int = 5, batch: int = 10, **kw):
        super().__init__(batch=batch, **kw)
        if isinstance(members, bool) or not isinstance(members, int) or members < 2:
            raise InvalidArgument(f"members must be an integer >= 2, got {members!r}", parameter="members")
        self.members = members

    def _predictor_params(self) -> dict:
        return {**super()._predictor_params(), "members": self.members}

    def acquisition(self, mean: np.ndarray, std: np.ndarray | None, best: float) -> np.ndarray:
        sd = np.zeros_like(mean) if std is None else std
        return self.rng.normal(mean, sd)


@register_strategy("bo")
class GaussianProcessBO(PredictorGuided):
    """BO: a Gaussian process, expected improvement over mutations and random samples, one per fit."""

    predictor = "gp"
    explore_random = 0.25

    def acquisition(self, mean: np.ndarray, std: np.ndarray | None, best: float) -> np.ndarray:
        sd = np.maximum(np.zeros_like(mean) if std is None else std, 1e-9)
        z = (mean - best) / sd
        return (mean - best) * norm.cdf(z) + sd * norm.pdf(z)
