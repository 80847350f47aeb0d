"""Hidden covariance (Serianni & Kalita, "Training-free Neural Architecture Search for RNNs and Transformers",
ACL 2023): the recurrent analogue of ``jacob_cov``.

A batch of token sequences goes through the freshly initialised language model (dropout off).  With
H (B x T x hidden) the hidden states h_new_0 of one recurrent layer at every step, C the correlation matrix
and lambda its eigenvalues, the score is -sum(log(lambda + k) + 1/(lambda + k)), k = 1e-5 (the
``jacob_cov`` formula): higher when the hidden states are less correlated.

Choices (docs/spaces-nbnlp.md):

* ``layer`` (``ctx.extras["hidden_cov_layer"]``, default 1): which of the stacked recurrent layers, 1-based.
  The authors' code scores all three layers; the first is the one behind their headline figure (in their
  released per-architecture scores it has the largest Kendall tau with PTB test loss, 0.37).
* ``over`` (``ctx.extras["hidden_cov_over"]``, default "units"): "units" correlates the hidden units over
  all B x T states (a hidden x hidden matrix), the layout of the authors' code, which produced their
  published figures; "batch" correlates the B sequences of the batch (rows: one sequence's states over all
  steps and units), the literal reading of "across a batch".
* The states are the layer's outputs at steps 1..T (the authors collect each step's incoming state, i.e. the
  zero initial state and steps 1..T-1).

A layer whose states do not vary (constant rows) has an undefined correlation: the score is NaN.
"""

from __future__ import annotations

import torch

from archrank.errors import InvalidArgument
from archrank.heuristics._util import require_inputs, train_model
from archrank.heuristics.base import ScoreContext, register_heuristic
from archrank.heuristics.jacob_cov import correlation_score

_OVER = ("batch", "units")


def hidden_states(ctx: ScoreContext, layer: int) -> torch.Tensor:
    """The (B, T, hidden) outputs of recurrent layer ``layer`` (1-based) of a fresh model on ``ctx``'s batch."""
    model = train_model(ctx)
    if not hasattr(model, "recurrent"):
        raise InvalidArgument(f"heuristic 'hidden_cov' needs a recurrent language model; space "
                              f"{getattr(ctx.space, 'name', ctx.space)!r} builds {type(model).__name__}")
    n = len(model.rnns)
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= n:
        raise InvalidArgument(f"hidden_cov layer {layer!r} is out of range; valid: 1..{n}")
    with torch.inference_mode():
        outputs, _ = model.recurrent(model.embed(require_inputs(ctx, "hidden_cov")))
    return outputs[layer - 1]


def hidden_covariance(states: torch.Tensor, over: str = "units") -> float:
    """The score of hidden states (B, T, hidden), correlating sequences (``over="batch"``) or units."""
    if over not in _OVER:
        raise InvalidArgument(f"hidden_cov over={over!r}; valid: {', '.join(_OVER)}")
    h = states.double()
    rows = h.reshape(h.shape[0], -1) if over == "batch" else h.reshape(-1, h.shape[-1]).T
    return correlation_score(rows.numpy())


@register_heuristic("hidden_cov", needs=("data",), domains=("sequence",),
                    reference="Serianni & Kalita, ACL 2023",
                    description="decorrelation of a recurrent layer's hidden states over a batch of token "
                                "sequences (jacob_cov's formula on the hidden-state correlation matrix)")
def hidden_cov(ctx: ScoreContext) -> float:
    layer = ctx.extras.get("hidden_cov_layer", 1)
    over = ctx.extras.get("hidden_cov_over", "units")
    return hidden_covariance(hidden_states(ctx, layer), over)
