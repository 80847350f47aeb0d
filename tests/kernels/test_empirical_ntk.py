"""Empirical NTK: forms agree with each other and with a hand-written Jacobian, and converge to the
analytic NTK with width."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.kernels import analytic as ak
from archrank.kernels.empirical import NTKMLP, empirical_ntk, flatten_full, jacobian, reduce_full


def _small_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3)).double()


def _reference_jacobian(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    params = [p for p in model.parameters()]
    rows = []
    for i in range(x.shape[0]):
        out = model(x[i:i + 1])[0]
        per_o = []
        for o in range(out.shape[0]):
            g = torch.autograd.grad(out[o], params, retain_graph=True)
            per_o.append(torch.cat([t.reshape(-1) for t in g]))
        rows.append(torch.stack(per_o))
    return torch.stack(rows)


def test_forms_match_a_loop_of_backward_passes():
    model = _small_net()
    x1 = torch.randn(5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x2 = torch.randn(4, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    j1, j2 = _reference_jacobian(model, x1), _reference_jacobian(model, x2)
    full = empirical_ntk(model, x1, x2, form="full", block=2)
    assert full.shape == (5, 4, 3, 3) and full.dtype == torch.float64
    assert torch.allclose(full, torch.einsum("aop,bqp->aboq", j1, j2), atol=1e-12)
    assert torch.allclose(empirical_ntk(model, x1, x2, form="trace", block=3), reduce_full(full, "trace"), atol=1e-12)
    assert torch.allclose(empirical_ntk(model, x1, x2, form="sum"), reduce_full(full, "sum"), atol=1e-12)
    flat = flatten_full(full)
    assert flat.shape == (15, 12) and flat[1 * 3 + 2, 3 * 3 + 1] == full[1, 3, 2, 1]
    # symmetric self-kernel, blocked and unblocked, per-sample and batch routes agree
    k = empirical_ntk(model, x1, form="full", block=2)
    assert torch.allclose(k, k.permute(1, 0, 3, 2))
    assert torch.allclose(k, empirical_ntk(model, x1, form="full", per_sample=False), atol=1e-12)
    assert torch.allclose(jacobian(model, x1), j1, atol=1e-12)


def test_batch_norm_route_leaves_the_module_unchanged():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2)).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    k = empirical_ntk(model, torch.randn(8, 4), form="trace", per_sample=False)
    assert k.shape == (8, 8) and torch.isfinite(k).all()
    for name, v in model.state_dict().items():
        assert torch.equal(v, before[name]), name


def test_bad_form_is_rejected():
    with pytest.raises(InvalidArgument, match="valid choices: full, trace, sum"):
        empirical_ntk(_small_net(), torch.zeros(2, 5, dtype=torch.float64), form="diag")


def test_converges_to_the_analytic_ntk_at_width_4096():
    """3-layer ReLU MLP in the NTK parameterisation: within 5% (relative Frobenius error) at width 4096
    (mean over two seeds), and closer than at width 256."""
    w_std, b_std = 1.5, 0.1
    x = torch.randn(8, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    net = ak.serial(ak.Dense(W_std=w_std, b_std=b_std), ak.Relu(), ak.Dense(W_std=w_std, b_std=b_std), ak.Relu(),
                    ak.Dense(W_std=w_std, b_std=b_std))
    exact = net(x.numpy()).ntk

    def err(width: int, seeds: int) -> float:
        emp = np.mean([empirical_ntk(NTKMLP(6, [width, width], 1, W_std=w_std, b_std=b_std, seed=s), x.float(),
                                     block=4).numpy() for s in range(seeds)], axis=0)
        return float(np.linalg.norm(emp - exact) / np.linalg.norm(exact))

    wide = err(4096, 2)
    assert wide <= 0.05
    assert err(256, 2) > wide


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_the_file_route_of_the_summed_ntk_gives_the_in_memory_gram(monkeypatch, dtype):
    from archrank.kernels import empirical

    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4 * 5 * 5, 3)).to(dtype).train()
    x = torch.randn(6, 3, 5, 5, dtype=dtype, generator=torch.Generator().manual_seed(3))
    j = jacobian(model, x, per_sample=False, chunk_size=4, sum_outputs=True)[:, 0].double()
    want = j @ j.T
    assert torch.equal(empirical.sum_ntk(model, x, chunk_size=4), want)  # small: held in memory, as before
    width = sum(p.numel() for p in model.parameters())
    # through the file: two rows of the Jacobian at a time, columns read back in blocks of 100
    monkeypatch.setattr(empirical, "ROW_BYTES", 2 * width * x.element_size())
    monkeypatch.setattr(empirical, "COLUMN_BYTES", 100 * 6 * 8)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    got = empirical.sum_ntk(model, x, chunk_size=4, max_bytes=0)
    assert got.dtype == torch.float64 and got.shape == (6, 6)
    tol = 1e-12 if dtype == torch.float64 else 1e-5
    assert torch.allclose(got, want, rtol=tol, atol=tol * float(want.abs().max()))
    assert not torch.equal(got, torch.zeros_like(got))
    for name, v in model.state_dict().items():  # running statistics untouched on either route
        assert torch.equal(v, before[name]), name


def test_the_file_route_says_where_it_ran_out_of_room(monkeypatch):
    import tempfile

    from archrank.kernels import empirical

    class Full:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, _data):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", lambda: Full())
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with pytest.raises(OSError, match=r"needs 0\.0 GB of temporary files in .*TMPDIR.*No space left"):
        empirical.sum_ntk(model, torch.randn(5, 4), max_bytes=0)
