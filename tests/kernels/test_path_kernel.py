"""Path kernel: the kernel machine reproduces a tiny network trained by gradient descent."""

from __future__ import annotations

import pytest
import torch

from archrank.errors import InvalidArgument
from archrank.kernels import path as pk
from archrank.kernels.empirical import NTKMLP, empirical_ntk


@pytest.fixture(scope="module")
def trained():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(24, 3, generator=g, dtype=torch.float64)
    y = (x[:, :1] * x[:, 1:2] + torch.sin(x[:, 2:3]))
    xtr, ytr, xte = x[:12], y[:12], x[12:]
    model = NTKMLP(3, [32], 1, W_std=1.4, b_std=0.1, seed=0, dtype=torch.float64)
    traj = pk.train_gd(model, xtr, ytr, lr=0.01, steps=60)
    return model, traj, xte


def test_training_records_checkpoints(trained):
    model, traj, _ = trained
    assert traj.steps == list(range(61)) and traj.times[-1] == pytest.approx(0.6)
    assert traj.losses[-1] < traj.losses[0]
    last = pk.network_output(model, traj.params[-1], traj.x_train)
    assert torch.allclose(last, model(traj.x_train).double())


def test_kernel_machine_reproduces_the_trained_network(trained):
    model, traj, xte = trained
    f_t = pk.network_output(model, traj.params[-1], xte)
    f_0 = pk.network_output(model, traj.params[0], xte)
    change = (f_t - f_0).norm()
    # every step, left rule: the first-order expansion of each gradient step
    km = pk.path_kernel_machine(model, traj, xte, rule="left")
    assert (km.prediction - f_t).norm() / change < 0.01
    # trapezoid: error falls as checkpoints are added
    errs = [float((pk.path_kernel_machine(model, traj.subsample(c), xte).prediction - f_t).norm() / change)
            for c in (2, 4, 61)]
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.1  # the trapezoid follows gradient flow, which differs from discrete steps by O(lr)
    # the parts fit together: prediction = bias + sum_i a_i K^p(x, x_i)
    assert torch.allclose(km.bias, f_0)
    rebuilt = km.bias[:, 0] + (km.coefficients * km.kernel[..., 0, 0]).sum(1)
    assert torch.allclose(rebuilt, km.prediction[:, 0], atol=1e-10)


def test_path_kernel_is_the_integral_of_tangent_kernels(trained):
    model, traj, xte = trained
    two = traj.subsample(2)
    kp = pk.path_kernel(model, two, xte, traj.x_train, form="trace")
    k0 = empirical_ntk(model, xte, traj.x_train, params=two.params[0])
    k1 = empirical_ntk(model, xte, traj.x_train, params=two.params[1])
    assert torch.allclose(kp, (k0 + k1) * (two.times[1] - two.times[0]) / 2)


def test_bad_arguments(trained):
    model, traj, xte = trained
    with pytest.raises(InvalidArgument, match="loss"):
        pk.train_gd(model, xte, xte[:, :1], lr=0.1, steps=1, loss="hinge")
    with pytest.raises(InvalidArgument, match="checkpoint count"):
        traj.subsample(1)
    with pytest.raises(InvalidArgument, match="rule"):
        pk.path_kernel(model, traj.subsample(2), xte, rule="simpson")
