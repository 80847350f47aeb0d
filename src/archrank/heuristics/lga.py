"""Label-gradient alignment (Mok et al., CVPR 2022): how well the NTK at initialisation matches the labels.

With Theta the (N, N) empirical NTK on the batch and L the label-agreement matrix (L_ij = 1 when samples i
and j share a class, 0 otherwise), both centred by subtracting the mean of their entries,

    LGA = <Theta - mean(Theta), L - mean(L)>_F / (||Theta - mean(Theta)||_F * ||L - mean(L)||_F),

a cosine similarity in [-1, 1]; higher is better.  (Any affine labelling such as +1/-1 gives the same
value once centred.)  The NTK is the one ``ntk_cond`` uses (:mod:`archrank.heuristics.kernel_scores`: the
NTK of the summed logits, batch norm on batch statistics, the reduced network and input resolution set by
``extras["kernel_model_kwargs"]`` / ``extras["kernel_resolution"]``), so the two share one Jacobian per
architecture and batch.  A kernel or a labelling with no variation gives NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from archrank.heuristics._util import require_targets
from archrank.heuristics.base import ScoreContext, register_heuristic
from archrank.heuristics.kernel_scores import _empirical_sum

#: Classifiers of images or feature vectors (a batch in, one row of logits per sample out).
_DOMAINS = ("image", "vector")


def label_matrix(labels: Sequence[int]) -> np.ndarray:
    """``L_ij = 1`` when labels i and j are equal, else 0."""
    y = np.asarray(labels)
    return (y[:, None] == y[None, :]).astype(np.float64)


def centred_alignment(k: np.ndarray, target: np.ndarray) -> float:
    """Cosine similarity of the mean-centred matrices ``k`` and ``target`` (Frobenius inner product)."""
    a = np.asarray(k, dtype=np.float64)
    b = np.asarray(target, dtype=np.float64)
    a = a - a.mean()
    b = b - b.mean()
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if not (np.isfinite(na) and na > 0 and nb > 0):
        return float("nan")
    return float(np.sum(a * b) / (na * nb))


@register_heuristic("lga", needs=("data", "labels", "gradients"), reference="Mok et al., CVPR 2022",
                    domains=_DOMAINS,
                    description="alignment of the centred empirical NTK at initialisation with the label "
                                "agreement matrix (label-gradient alignment); higher is better")
def lga(ctx: ScoreContext) -> float:
    y = require_targets(ctx, "lga").detach().cpu().numpy()
    k = _empirical_sum(ctx, "lga").cpu().numpy()
    return centred_alignment(k, label_matrix(y[: k.shape[0]]))


__all__ = ["centred_alignment", "label_matrix"]
