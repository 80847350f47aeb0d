"""Heuristics that combine other heuristics' scores over a population of architectures.

* :func:`vote_scores`: the majority vote of several proxies (by default snip, synflow and jacob_cov,
  Abdelfattah et al. 2021).  For every pair of architectures the one preferred by more proxies wins; an
  architecture's Copeland score is its wins minus its losses.  :func:`pairwise_agreement` gives the
  published figure of merit of the vote: the fraction of pairs the majority orders as the metric does.
* :func:`rank_aggregate`: the mean rank of several proxies (training-free, no ground truth).
* :class:`CombinedModel` / :func:`combined_scores`: a predictor fitted on a *separate* sample of
  architectures whose ground truth is known, with the proxy scores and the space's encoding of each
  architecture as features, then applied to the evaluated architectures.  :func:`disjoint_fit_sample` draws
  that fit sample so that no architecture of it shares a canonical class with an evaluated one: the
  evaluated architectures' ground truth is never used.

Scores are passed as ``{heuristic: {arch_key: value}}`` and results returned as ``{arch_key: value}``
(higher is better).  Directions are ``{heuristic: higher_is_better}``.  Within these combinations a NaN score
counts as the worst score (the stored scores themselves are never changed).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

import numpy as np

from archrank import metrics
from archrank.errors import InvalidArgument

Scores = Mapping[str, Mapping[Hashable, float]]

VOTE_MEMBERS: tuple[str, ...] = ("snip", "synflow", "jacob_cov")
COMBINED_PROXIES: tuple[str, ...] = ("naswot", "synflow", "jacob_cov")


def _keys(scores: Scores, members: Sequence[str]) -> list[Hashable]:
    missing = [m for m in members if m not in scores]
    if missing:
        raise InvalidArgument(f"scores lack heuristic(s) {', '.join(missing)}; given: {', '.join(scores)}")
    keys = list(scores[members[0]])
    for m in members[1:]:
        if set(scores[m]) != set(keys):
            raise InvalidArgument(f"heuristics {members[0]!r} and {m!r} score different architectures")
    return keys


def _oriented(scores: Scores, members: Sequence[str], keys: list[Hashable],
              directions: Mapping[str, bool]) -> np.ndarray:
    """(members x keys) scores turned higher-is-better; NaN (a proxy that could not score an architecture,
    e.g. a network whose output does not depend on its input) counts as the worst score."""
    m = np.array([metrics.oriented([scores[h][k] for k in keys], directions.get(h, True)) for h in members])
    return np.where(np.isnan(m), -np.inf, m)


def vote_scores(scores: Scores, directions: Mapping[str, bool] | None = None,
                members: Sequence[str] = VOTE_MEMBERS) -> dict[Hashable, float]:
    """Copeland score of every architecture under the pairwise majority vote of ``members``."""
    members = tuple(members)
    keys = _keys(scores, members)
    m = _oriented(scores, members, keys, directions or {})
    return dict(zip(keys, metrics.copeland_scores(m).tolist()))


def pairwise_agreement(scores: Scores, truth: Mapping[Hashable, float],
                       directions: Mapping[str, bool] | None = None,
                       members: Sequence[str] = VOTE_MEMBERS) -> float:
    """Fraction of architecture pairs (untied in ``truth``) that the majority of ``members`` orders like
    ``truth``; split votes count half."""
    members = tuple(members)
    keys = _keys(scores, members)
    m = _oriented(scores, members, keys, directions or {})
    return metrics.majority_agreement(m, np.array([truth[k] for k in keys], dtype=np.float64))


def rank_aggregate(scores: Scores, directions: Mapping[str, bool] | None = None,
                   members: Sequence[str] | None = None) -> dict[Hashable, float]:
    """Mean of the (average, tie-aware) ranks of ``members`` (default: every heuristic given); higher is
    better.  A non-finite score ranks lowest."""
    members = tuple(members or scores)
    keys = _keys(scores, members)
    m = _oriented(scores, members, keys, directions or {})
    ranks = np.mean([metrics.average_ranks(r) for r in m], axis=0)
    return dict(zip(keys, ranks.tolist()))


def disjoint_fit_sample(space, evaluated: Iterable[Hashable], n: int, *, seed: int = 1) -> list[Hashable]:
    """``n`` distinct architectures of ``space`` none of which shares a canonical class with ``evaluated``.

    Enumerable spaces are drawn without replacement in a seeded random order; others with ``space.sample``.
    """
    banned = {space.canonical(a) for a in evaluated}
    rng = np.random.default_rng(seed)
    out: list[Hashable] = []
    seen: set[Hashable] = set()
    if space.size is not None:
        for i in rng.permutation(space.size):
            a = space.index_to_arch(int(i))
            if space.canonical(a) not in banned:
                out.append(a)
                if len(out) == n:
                    return out
        raise InvalidArgument(f"space {space.name!r} has only {len(out)} architectures outside the evaluated "
                              f"classes; asked for {n}")
    tries = 0
    while len(out) < n:
        a = space.sample(rng)
        tries += 1
        if a not in seen and space.canonical(a) not in banned:
            seen.add(a)
            out.append(a)
        if tries > 100 * n:
            raise InvalidArgument(f"could not draw {n} architectures outside the evaluated classes")
    return out


# --- the fitted combination ------------------------------------------------------------------------------

_LENGTHSCALES = (1.0, 2.0, 4.0, 8.0)
_RIDGES = (1e-2, 1e-1, 1.0)
_ENCODING_WEIGHTS = (0.0, 0.5, 1.0)


def _quantile_feature(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Empirical CDF of ``reference`` at ``values`` (ties averaged), scaled to unit variance.

    Scale-free (synflow spans dozens of orders of magnitude) and robust: -inf and NaN map to 0 (the worst
    end), +inf to the top.
    """
    ref = np.sort(reference[np.isfinite(reference)])
    v = np.where(np.isnan(values), -np.inf, values)
    if ref.size == 0:
        return np.zeros_like(v)
    lo = np.searchsorted(ref, v, side="left")
    hi = np.searchsorted(ref, v, side="right")
    return (lo + hi) / (2.0 * ref.size) * np.sqrt(12.0)


def _rbf(a: np.ndarray, b: np.ndarray, lengthscale: float) -> np.ndarray:
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.exp(-np.maximum(d2, 0.0) / (2.0 * lengthscale**2))


class CombinedModel:
    """Kernel ridge regression of the accuracy *rank* on proxy scores and the architecture encoding.

    Features of an architecture: for each proxy in ``proxies``, the empirical quantile of its (oriented)
    score among the fit sample's scores; and ``space.encode(arch)`` times an encoding weight.  The RBF
    length scale, the ridge and the encoding weight are chosen by 5-fold cross-validation (seeded) on the fit
    sample only, maximising Spearman's rho on the held-out folds.  Use :meth:`fit`, then :meth:`predict`.
    """

    def __init__(self, *, space, proxies: Sequence[str] = COMBINED_PROXIES,
                 directions: Mapping[str, bool] | None = None, seed: int = 1):
        self.space = space
        self.proxies = tuple(proxies)
        self.directions = dict(directions or {})
        self.seed = seed

    def _raw(self, scores: Scores, keys: list[Hashable]) -> np.ndarray:
        cols = [metrics.oriented([scores[p][k] for k in keys], self.directions.get(p, True)) for p in self.proxies]
        return np.array(cols).T if cols else np.zeros((len(keys), 0))

    def _features(self, raw: np.ndarray, keys: list[Hashable], enc_weight: float) -> np.ndarray:
        q = np.column_stack([_quantile_feature(raw[:, j], self._ref[:, j]) for j in range(raw.shape[1])]) \
            if raw.shape[1] else np.zeros((len(keys), 0))
        enc = np.array([self.space.encode(k) for k in keys], dtype=np.float64) * enc_weight
        return np.hstack([q, enc])

    def fit(self, scores: Scores, truth: Mapping[Hashable, float]) -> CombinedModel:
        keys = [k for k in truth if np.isfinite(truth[k]) and all(k in scores[p] for p in self.proxies)]
        if len(keys) < 10:
            raise InvalidArgument(f"the fit sample has {len(keys)} architectures with scores and ground truth; "
                                  "at least 10 are needed")
        raw = self._raw(scores, keys)
        self._ref = raw
        y = metrics.average_ranks([truth[k] for k in keys]) / len(keys) - 0.5
        folds = np.random.default_rng(self.seed).permutation(len(keys)) % 5
        best = (-np.inf, None)
        for w in _ENCODING_WEIGHTS if self.proxies else _ENCODING_WEIGHTS[1:]:
            x = self._features(raw, keys, w)
            for ls in _LENGTHSCALES:
                k_full = _rbf(x, x, ls)
                for lam in _RIDGES:
                    rhos = []
                    for f in range(5):
                        tr, te = folds != f, folds == f
                        a = np.linalg.solve(k_full[np.ix_(tr, tr)] + lam * np.eye(tr.sum()), y[tr] - y[tr].mean())
                        rhos.append(metrics.spearman(k_full[np.ix_(te, tr)] @ a, y[te]))
                    rho = float(np.nanmean(rhos))
                    if rho > best[0]:
                        best = (rho, (w, ls, lam))
        self.cv_spearman = best[0]
        self.encoding_weight, self.lengthscale, self.ridge = best[1]
        self._x = self._features(raw, keys, self.encoding_weight)
        self._mean = float(y.mean())
        k = _rbf(self._x, self._x, self.lengthscale)
        self._alpha = np.linalg.solve(k + self.ridge * np.eye(len(keys)), y - self._mean)
        self.fit_keys = keys
        return self

    def predict(self, scores: Scores, keys: Iterable[Hashable] | None = None) -> dict[Hashable, float]:
        """Predicted accuracy rank (higher is better) of every architecture scored by all the proxies."""
        if not hasattr(self, "_alpha"):
            raise InvalidArgument("CombinedModel.predict called before fit")
        if keys is None:
            keys = _keys(scores, self.proxies) if self.proxies else []
        keys = list(keys)
        x = self._features(self._raw(scores, keys), keys, self.encoding_weight)
        pred = _rbf(x, self._x, self.lengthscale) @ self._alpha + self._mean
        return dict(zip(keys, pred.tolist()))


def combined_scores(scores: Scores, fit_scores: Scores, fit_truth: Mapping[Hashable, float], *, space,
                    directions: Mapping[str, bool] | None = None, proxies: Sequence[str] = COMBINED_PROXIES,
                    seed: int = 1, keys: Iterable[Hashable] | None = None) -> dict[Hashable, float]:
    """The combined heuristic for the architectures of ``scores``, fitted on a disjoint sample.

    ``fit_scores``/``fit_truth`` hold the proxy scores and the ground truth of the fit sample (see
    :func:`disjoint_fit_sample`).  Fit architectures sharing a canonical class with an evaluated one are
    dropped before fitting, so the evaluated architectures' ground truth cannot leak in.  Architecture keys
    are those ``space.canonical``/``space.encode`` accept.
    """
    keys = list(keys) if keys is not None else _keys(scores, tuple(proxies))
    banned = {space.canonical(k) for k in keys}
    truth = {k: v for k, v in fit_truth.items() if space.canonical(k) not in banned}
    model = CombinedModel(space=space, proxies=proxies, directions=directions, seed=seed).fit(fit_scores, truth)
    return model.predict(scores, keys)
