"""Feature vectors of architectures for predictors, combined by name.

``--features`` is a comma-separated list of groups:

* ``encoding``: the space's own fixed-length encoding (``space.encode``: one-hot decisions for NB201 and
  the DARTS cells, adjacency and operations for NB101, counts for NAS-Bench-NLP);
* ``graph``: GRAF-style features of the cell (:mod:`archrank.predictors.graph`);
* ``zc:NAME[,NAME...]``: heuristic scores by name, as a store holds them (computed by ``archrank score``,
  imported with ``archrank bench import``); every name after ``zc:`` up to the next group is a heuristic;
  ``zc:all`` takes every heuristic the store holds for the space.

A heuristic score enters as ``sign(v) * log(1 + |v|)``: monotone, so no ranking information is lost, and
it tames the scores spanning many orders of magnitude (synflow) before the predictors standardise it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from archrank.errors import InvalidArgument

GROUPS = ("encoding", "graph")
ZC_PREFIX = "zc:"
ALL = "all"


@dataclass(frozen=True)
class FeatureSpec:
    """Which groups make the feature vector: the encoding, graph features, heuristic scores by name."""

    encoding: bool = False
    graph: bool = False
    zc: tuple[str, ...] = ()

    @property
    def zc_all(self) -> bool:
        return self.zc == (ALL,)

    def text(self) -> str:
        parts = [g for g in GROUPS if getattr(self, g)]
        if self.zc:
            parts.append(ZC_PREFIX + ",".join(self.zc))
        return ",".join(parts)


def parse_features(text: str | FeatureSpec) -> FeatureSpec:
    """``"encoding,graph,zc:meco,meco_opt"`` -> :class:`FeatureSpec` (errors name the valid groups)."""
    if isinstance(text, FeatureSpec):
        return text
    valid = "valid groups: encoding, graph, zc:NAME[,NAME...] or zc:all"
    groups: set[str] = set()
    zc: list[str] = []
    in_zc = False
    from archrank.registry import name_list

    for tok in name_list(str(text), what="feature group", parameter="features"):
        if tok in GROUPS:
            groups.add(tok)
            in_zc = False
        elif tok.startswith(ZC_PREFIX):
            name = tok[len(ZC_PREFIX):].strip()
            if not name:
                raise InvalidArgument(f"feature group {tok!r} names no heuristic; {valid}", parameter="features")
            zc.append(name)
            in_zc = True
        elif in_zc:
            zc.append(tok)
        else:
            raise InvalidArgument(f"unknown feature group {tok!r}; {valid}", parameter="features")
    if not groups and not zc:
        raise InvalidArgument(f"no features given; {valid}", parameter="features")
    if ALL in zc and len(zc) > 1:
        raise InvalidArgument("zc:all takes every stored heuristic and cannot be combined with names",
                              parameter="features")
    return FeatureSpec("encoding" in groups, "graph" in groups, tuple(dict.fromkeys(zc)))


def squash(v: np.ndarray) -> np.ndarray:
    """``sign(v) * log1p(|v|)``, element-wise (monotone; NaN stays NaN)."""
    v = np.asarray(v, dtype=float)
    return np.sign(v) * np.log1p(np.abs(v))


def structural_features(space, archs: Sequence[Hashable], spec: FeatureSpec | str) -> tuple[np.ndarray, list[str]]:
    """The encoding and graph columns of ``spec`` for ``archs`` (no heuristic scores)."""
    from archrank.predictors.graph import graph_feature_names, graph_features

    spec = parse_features(spec)
    cols: list[np.ndarray] = []
    names: list[str] = []
    if spec.encoding:
        enc = np.stack([np.asarray(space.encode(a), dtype=float).ravel() for a in archs]) if archs else \
            np.zeros((0, 0))
        cols.append(enc)
        names += [f"enc:{i}" for i in range(enc.shape[1])]
    if spec.graph:
        gnames = graph_feature_names(space)
        cols.append(np.stack([graph_features(space, a) for a in archs]) if archs else np.zeros((0, len(gnames))))
        names += [f"graph:{n}" for n in gnames]
    if not cols:
        return np.zeros((len(archs), 0)), []
    return np.concatenate(cols, axis=1), names


def feature_matrix(space, archs: Sequence[Hashable], spec: FeatureSpec | str,
                   zc_values: dict[str, dict[str, float]] | None = None) -> tuple[np.ndarray, list[str]]:
    """(n x d matrix, column names) for ``archs``; ``zc_values`` = ``{heuristic: {arch string: score}}``.

    An architecture without a score has NaN in that column (callers drop or impute it).
    """
    spec = parse_features(spec)
    X, names = structural_features(space, archs, spec)
    if spec.zc:
        zc_values = zc_values or {}
        keys = [space.format(a) for a in archs]
        heur = sorted(zc_values) if spec.zc_all else list(spec.zc)
        for h in heur:
            if h not in zc_values:
                raise InvalidArgument(f"no scores of heuristic {h!r} were given; have: "
                                      + (", ".join(sorted(zc_values)) or "(none)"), parameter="features")
            col = np.array([zc_values[h].get(k, math.nan) for k in keys], dtype=float)
            X = np.concatenate([X, squash(col)[:, None]], axis=1)
            names.append(f"zc:{h}")
    return X, names
