"""Empirical (finite-width) neural tangent kernel of any PyTorch module, with :mod:`torch.func`.

For a network ``f(theta, x)`` with ``O`` outputs, the empirical NTK of two inputs is the ``O x O`` matrix

    Theta(x, x')[o, o'] = sum_p  d f_o(x) / d theta_p  *  d f_o'(x') / d theta_p

over the trainable parameters ``theta``.  Three forms are offered:

* ``"full"``: ``(N1, N2, O, O)``, logit by logit (:func:`flatten_full` gives the ``(N1*O, N2*O)`` matrix);
* ``"trace"``: ``(N1, N2)``, the trace over logits ``sum_o Theta[o, o]`` (the usual scalar kernel);
* ``"sum"``: ``(N1, N2)``, the NTK of the summed output ``sum_o f_o`` (``sum_{o,o'} Theta[o, o']``), the
  form used by TE-NAS for the condition number at initialisation.

Two ways of differentiating:

* ``per_sample=True`` (default): the network is a function of one input at a time; Jacobians are computed
  with ``vmap(jacrev)`` over blocks of ``block`` inputs, so memory is bounded by
  ``block * O * num_params`` numbers per side.  Batch norm must be in eval mode (or absent).
* ``per_sample=False``: the network sees all inputs as one batch (batch norm on batch statistics couples
  the samples, as in training); the Jacobian of the whole batch output is taken at once, so ``x1`` and
  ``x2`` are concatenated into one batch.  Running statistics of batch norm are not changed.

Work is done in the parameters' dtype; kernels are returned as float64 torch tensors.  The module is not
modified and the global grad mode is left as it was.

Example::

    k = empirical_ntk(model, x_train, form="trace")           # (N, N)
    k = empirical_ntk(model, x_test, x_train, form="full")    # (N_test, N_train, O, O)
"""

from __future__ import annotations

import copy
import itertools
import os
import tempfile

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, jacrev, vjp, vmap

from archrank.errors import InvalidArgument

FORMS = ("full", "trace", "sum")


def _check_form(form: str) -> str:
    if form not in FORMS:
        raise InvalidArgument(f"unknown NTK form {form!r}; valid choices: {', '.join(FORMS)}")
    return form


def trainable(model: nn.Module) -> dict[str, torch.Tensor]:
    """The parameters that the NTK differentiates (those with ``requires_grad``), detached."""
    params = {k: v.detach() for k, v in model.named_parameters() if v.requires_grad}
    if not params:
        raise InvalidArgument(f"{type(model).__name__} has no trainable parameters: its NTK is zero")
    return params


def _buffers(model: nn.Module) -> dict[str, torch.Tensor]:
    # copies, so that batch norm in training mode cannot update the module's running statistics
    return {k: v.detach().clone() for k, v in model.named_buffers()}


def _untracked(model: nn.Module) -> nn.Module:
    """A copy of ``model`` whose batch-norm layers keep no running statistics (they use batch statistics
    in training mode and change no buffer), or ``model`` itself when it has no batch norm."""
    bns = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
    if not any(isinstance(m, bns) and m.track_running_stats for m in model.modules()):
        return model
    model = copy.deepcopy(model)
    for m in model.modules():
        if isinstance(m, bns) and m.training:
            m.track_running_stats = False
            m.running_mean = m.running_var = m.num_batches_tracked = None
    return model


def _flat(jac: dict[str, torch.Tensor], lead: int) -> torch.Tensor:
    """Concatenate a dict of Jacobians ``(*lead_shape, *param_shape)`` into ``(*lead_shape, P)``."""
    parts = [j.reshape(*j.shape[:lead], -1) for j in jac.values()]
    return torch.cat(parts, dim=-1)


def jacobian(model: nn.Module, x: torch.Tensor, *, per_sample: bool = True, params: dict[str, torch.Tensor] | None = None,
             chunk_size: int | None = None, sum_outputs: bool = False) -> torch.Tensor:
    """Jacobian of the outputs on ``x`` with respect to the trainable parameters: ``(N, O, P)``.

    Outputs of more than one dimension per input are flattened to ``O``.  ``params`` overrides the
    module's parameters (a dict name -> tensor, e.g. a recorded checkpoint).  ``chunk_size`` bounds how
    many backward passes run at once (memory).  ``sum_outputs`` differentiates the sum of each input's
    outputs instead (``O = 1``, one backward pass per input instead of ``O``)."""
    p = trainable(model) if params is None else {k: v.detach() for k, v in params.items()}
    bufs = _buffers(model)
    with torch.enable_grad():
        if per_sample:
            def f1(pp: dict[str, torch.Tensor], xi: torch.Tensor) -> torch.Tensor:
                out = functional_call(model, (pp, bufs), (xi.unsqueeze(0),)).reshape(-1)
                return out.sum(0, keepdim=True) if sum_outputs else out

            jac = vmap(jacrev(f1), in_dims=(None, 0), chunk_size=chunk_size)(p, x)
            return _flat(jac, 2)
        n = x.shape[0]
        model = _untracked(model)
        bufs = _buffers(model)

        def fb(pp: dict[str, torch.Tensor]) -> torch.Tensor:
            out = functional_call(model, (pp, bufs), (x,)).reshape(n, -1)
            return out.sum(1, keepdim=True) if sum_outputs else out

        jac = jacrev(fb, chunk_size=chunk_size)(p)
        return _flat(jac, 2)


def _contract(j1: torch.Tensor, j2: torch.Tensor, form: str) -> torch.Tensor:
    # contracted in the Jacobians' dtype (no float64 copy of a large Jacobian), returned as float64
    if form == "full":
        k = torch.einsum("aop,bqp->aboq", j1, j2)
    elif form == "trace":
        o = j1.shape[1]
        k = (j1.permute(1, 0, 2) @ j2.permute(1, 2, 0)).sum(0) if o > 1 else j1[:, 0] @ j2[:, 0].T
    else:
        k = j1.sum(1) @ j2.sum(1).T
    return k.to(torch.float64)


def empirical_ntk(model: nn.Module, x1: torch.Tensor, x2: torch.Tensor | None = None, *, form: str = "trace",
                  per_sample: bool = True, block: int = 32, params: dict[str, torch.Tensor] | None = None,
                  chunk_size: int | None = None) -> torch.Tensor:
    """Empirical NTK of ``model`` between ``x1`` and ``x2`` (``None``: ``x1`` with itself).

    Returns float64 ``(N1, N2, O, O)`` for ``form="full"``, ``(N1, N2)`` for ``"trace"`` and ``"sum"``.
    ``block`` inputs per Jacobian (per-sample route); see the module docstring for ``per_sample``."""
    _check_form(form)
    if block < 1:
        raise InvalidArgument(f"block must be >= 1, got {block}")
    p = trainable(model) if params is None else params
    if not per_sample:
        xs = x1 if x2 is None else torch.cat([x1, x2])
        j = jacobian(model, xs, per_sample=False, params=p, chunk_size=chunk_size, sum_outputs=form == "sum")
        n1 = x1.shape[0]
        return _contract(j[:n1], j[:n1] if x2 is None else j[n1:], form)
    same = x2 is None
    x2_ = x1 if same else x2
    n1, n2 = x1.shape[0], x2_.shape[0]
    out: torch.Tensor | None = None
    jac2_cache: dict[int, torch.Tensor] = {}
    for a in range(0, n1, block):
        ja = jacobian(model, x1[a:a + block], params=p, chunk_size=chunk_size, sum_outputs=form == "sum")
        for b in range(0, n2, block):
            if same and b < a:
                continue
            if same and b == a:
                jb = ja
            elif b in jac2_cache:
                jb = jac2_cache[b]
            else:
                jb = jacobian(model, x2_[b:b + block], params=p, chunk_size=chunk_size,
                              sum_outputs=form == "sum")
                if not same:
                    jac2_cache[b] = jb  # reused for every block of x1
            k = _contract(ja, jb, form)
            if out is None:
                out = torch.empty((n1, n2, *k.shape[2:]), dtype=torch.float64, device=k.device)
            out[a:a + block, b:b + block] = k
            if same and b > a:
                out[b:b + block, a:a + block] = k.transpose(0, 1) if form != "full" else k.permute(1, 0, 3, 2)
    assert out is not None
    return out


#: The batch Jacobian :func:`sum_ntk` holds in memory at most (1.5 GiB: every network of the shipped tables,
#: whose largest, NDS's 5.95M weights at batch 64, is 1.52e9 bytes).  A larger one goes through a file.
JACOBIAN_BYTES = 3 * 2**29
#: Bytes of Jacobian rows computed at once, and of float64 columns read back at once, on the file route.
ROW_BYTES = 2**28
COLUMN_BYTES = 2**28


def sum_ntk(model: nn.Module, x: torch.Tensor, *, chunk_size: int | None = None,
            max_bytes: int | None = None) -> torch.Tensor:
    """Empirical NTK ``(N, N)`` (float64) of the summed outputs, the batch seen at once (batch norm on batch
    statistics): ``J @ J.T`` for the ``(N, P)`` Jacobian ``J`` of ``per_sample=False, sum_outputs=True``.

    Where ``J`` takes at most ``max_bytes`` (default :data:`JACOBIAN_BYTES`) it is held in memory (the
    values of the shipped tables).  Beyond, its rows are computed a few at a time (one forward pass, then
    backward passes in chunks of at most :data:`ROW_BYTES`) and written to an unnamed temporary file (in
    ``TMPDIR``, removed even if the process is killed), and the Gram matrix is summed in float64 over blocks
    of :data:`COLUMN_BYTES` of columns: memory stays a few hundred MB on any network, at the cost of writing
    and reading ``J`` once (12.6 GB on a 49M-weight network at batch 64).  The two routes agree to rounding."""
    limit = JACOBIAN_BYTES if max_bytes is None else max_bytes
    p = trainable(model)
    n = x.shape[0]
    width = sum(v.numel() for v in p.values())
    first = next(iter(p.values()))
    item, dtype = first.element_size(), first.dtype
    if n * width * item <= limit:
        j = jacobian(model, x, per_sample=False, params=p, chunk_size=chunk_size, sum_outputs=True)[:, 0].double()
        return j @ j.T
    model = _untracked(model)
    bufs = _buffers(model)
    rows = max(1, min(chunk_size or n, ROW_BYTES // (width * item)))
    cols = max(1, COLUMN_BYTES // (n * 8))
    with torch.enable_grad():
        out, pull = vjp(lambda pp: functional_call(model, (pp, bufs), (x,)).reshape(n, -1).sum(1), p)
        eye = torch.eye(n, dtype=out.dtype, device=out.device)
        with tempfile.TemporaryFile() as f:  # rows written in order: row i at byte i * width * item
            try:
                for a in range(0, n, rows):
                    (g,) = vmap(pull)(eye[a:a + rows])
                    f.write(_flat(g, 1).detach().cpu().contiguous().numpy().tobytes())
                    del g
                f.flush()
            except OSError as e:  # an environment failure (a scoring run retries it): say where and how much
                raise OSError(f"the empirical NTK needs {n * width * item / 1e9:.1f} GB of temporary files in "
                              f"{tempfile.gettempdir()} (set TMPDIR to a folder with room): {e}") from e
            np_dtype = torch.empty((), dtype=dtype).numpy().dtype
            k = torch.zeros((n, n), dtype=torch.float64)
            for c in range(0, width, cols):
                w = min(cols, width - c)
                b = np.empty((n, w), dtype=np_dtype)
                for i in range(n):
                    b[i] = np.frombuffer(os.pread(f.fileno(), w * item, (i * width + c) * item), dtype=np_dtype)
                bb = torch.from_numpy(b).double()
                k += bb @ bb.T
    return k.to(x.device)


def flatten_full(k: torch.Tensor) -> torch.Tensor:
    """``(N1, N2, O, O)`` -> ``(N1*O, N2*O)`` with row index ``i*O + o``."""
    if k.dim() != 4:
        raise InvalidArgument(f"expected a full NTK (N1, N2, O, O), got shape {tuple(k.shape)}")
    n1, n2, o1, o2 = k.shape
    return k.permute(0, 2, 1, 3).reshape(n1 * o1, n2 * o2)


def reduce_full(k: torch.Tensor, form: str) -> torch.Tensor:
    """The trace or sum form from a full NTK (one Jacobian serves several forms)."""
    _check_form(form)
    if form == "full":
        return k
    if form == "trace":
        return k.diagonal(dim1=2, dim2=3).sum(-1)
    return k.sum(dim=(2, 3))


class NTKMLP(nn.Module):
    """A fully connected ReLU network in the NTK parameterisation, matching the analytic
    ``serial(Dense(W_std, b_std), Relu(), ..., Dense(W_std, b_std))`` of :mod:`archrank.kernels.analytic`:
    weights and biases are standard normal, a layer computes ``W_std / sqrt(fan_in) * x @ W.T + b_std * b``.

    ``widths``: hidden widths (one per hidden layer); ``out``: number of outputs.  ``dtype`` of the weights
    (default float32)."""

    def __init__(self, d_in: int, widths: list[int] | tuple[int, ...], out: int = 1, *, W_std: float = 1.0,
                 b_std: float = 0.0, seed: int = 0, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.W_std, self.b_std = float(W_std), float(b_std)
        g = torch.Generator().manual_seed(seed)
        sizes = [d_in, *widths, out]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.randn(b, a, generator=g, dtype=dtype)) for a, b in itertools.pairwise(sizes))
        self.biases = nn.ParameterList(nn.Parameter(torch.randn(b, generator=g, dtype=dtype)) for b in sizes[1:])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = self.W_std / w.shape[1] ** 0.5 * h @ w.T + self.b_std * b
            if i < last:
                h = torch.relu(h)
        return h
