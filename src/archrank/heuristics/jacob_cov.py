"""Jacobian covariance (Mellor et al., first version of "Neural Architecture Search without Training").

For a batch x, J_i = d(sum of outputs of sample i)/d x_i (one backward pass of the output sum).  With C the
correlation matrix of the flattened J_i and lambda its eigenvalues, the score is
-sum(log(lambda + k) + 1 / (lambda + k)), k = 1e-5: higher when the input Jacobians of different samples are
less correlated.  Batch norm uses batch statistics.

A network whose output does not depend on its input (every path from input to output passes a ``none``
edge) has a zero Jacobian: its samples are indistinguishable, the limit of the score is -inf, and -inf is
what it gets (ranked below every finite score by ``archrank correlate``).

On a sequence (language) model the inputs are token ids, which have no gradient: x_i is then the embedding
output of sequence i (T x emsize), J_i = d(sum of the logits of sequence i)/d x_i, dropout off -- the form
Serianni & Kalita (ACL 2023) use for NAS-Bench-NLP, except that they sum the last recurrent layer's output
rather than the logits.
"""

from __future__ import annotations

import numpy as np
import torch

from archrank.heuristics._util import is_sequence, logits_of, require_inputs, train_model
from archrank.heuristics.base import ScoreContext, register_heuristic

_K = 1e-5


def correlation_score(jacobians: np.ndarray, k: float = _K) -> float:
    """-sum(log(v + k) + 1/(v + k)) over the eigenvalues v of the correlation matrix of the rows."""
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(np.asarray(jacobians, dtype=np.float64))
    if not np.all(np.isfinite(corr)):
        return float("nan")
    v = np.linalg.eigvalsh(corr)
    return float(-np.sum(np.log(v + k) + 1.0 / (v + k)))


@register_heuristic("jacob_cov", needs=("data", "gradients"),
                    reference="Mellor et al., arXiv 2020 (first version of NASWOT)")
def jacob_cov(ctx: ScoreContext) -> float:
    """Decorrelation of the per-sample input Jacobians (log-determinant-like score of their correlation)."""
    if is_sequence(ctx):
        model = train_model(ctx)
        with torch.enable_grad():
            emb = model.embed(require_inputs(ctx, "jacob_cov")).detach().requires_grad_(True)
            out = logits_of(model.forward_embedded(emb)).sum()
            (jac,) = torch.autograd.grad(out, [emb])
        if not bool(jac.any()):
            return float("-inf")
        return correlation_score(jac.reshape(jac.shape[0], -1).cpu().numpy())
    from archrank.heuristics.passes import input_jacobian

    jac = input_jacobian(ctx, "jacob_cov")
    if jac is None:
        return float("-inf")
    return correlation_score(jac.cpu().numpy())
