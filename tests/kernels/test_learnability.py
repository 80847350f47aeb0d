"""Eigenlearning predictions against measured kernel regression on the circle and the hypercube."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from archrank.data import synthetic as syn
from archrank.errors import InvalidArgument
from archrank.kernels import analytic as ak
from archrank.kernels import learnability as le


def relu_mlp(depth: int) -> ak.Layer:
    layers: list[ak.Layer] = [ak.Dense(W_std=math.sqrt(2), b_std=0.1)]
    for _ in range(depth):
        layers += [ak.Relu(), ak.Dense(W_std=math.sqrt(2), b_std=0.1)]
    return ak.serial(*layers)


@pytest.fixture(scope="module")
def circle():
    m = 128
    x, th = syn.unit_circle(m), syn.circle_angles(m)
    k = relu_mlp(4)(x).ntk
    f = syn.circle_mode(th, 1) + 0.7 * syn.circle_mode(th, 2, "sin") + 0.5 * syn.circle_mode(th, 4)
    return k, th, f


@pytest.fixture(scope="module")
def cube():
    x = syn.hypercube(8)
    k = relu_mlp(4)(x).ntk
    f = syn.parity(x, [0]) + 0.7 * syn.parity(x, [1, 2]) + 0.5 * syn.parity(x, [3, 4, 5])
    return k, x, f


def test_eigensystem_reconstructs_kernel_and_fourier_modes_are_eigenfunctions(circle):
    k, th, _ = circle
    eig = le.eigendecompose(k)
    m = k.shape[0]
    rebuilt = (eig.eigenfunctions * eig.eigenvalues) @ eig.eigenfunctions.T
    assert np.allclose(rebuilt, k, atol=1e-9 * np.abs(k).max())
    assert np.allclose(np.mean(eig.eigenfunctions**2, axis=0), 1.0)
    assert np.all(np.diff(eig.eigenvalues) <= 1e-12)
    # rotation invariance: each Fourier mode is an eigenfunction, K phi = M lambda phi
    for freq in (1, 3):
        phi = syn.circle_mode(th, freq)
        lam = le.mode_eigenvalue(k, phi)
        assert np.allclose(k @ phi, m * lam * phi, atol=1e-8 * np.abs(k).max() * m)
    # coefficients of a target reproduce it
    f = syn.circle_mode(th, 2)
    assert np.allclose(eig.eigenfunctions @ eig.coefficients(f), f)


@pytest.mark.parametrize("ridge", [0.0, 0.5])
def test_kappa_solves_the_equation_and_learnability_is_conserved(circle, ridge):
    k, _, _ = circle
    lam = le.eigendecompose(k).eigenvalues
    for n in (4, 16, 64):
        kappa = le.solve_kappa(lam, n, ridge)
        assert kappa > 0
        lhs = np.sum(lam / (lam + kappa)) + ridge / kappa
        assert lhs == pytest.approx(n, rel=1e-9)
        p = le.predict(le.Eigensystem(lam, np.eye(lam.size)), None, n, ridge=ridge)
        assert np.all((p.learnabilities >= 0) & (p.learnabilities <= 1))
        assert p.learnability_sum == pytest.approx(n - ridge / kappa, rel=1e-9)
        assert p.e0 >= 1.0


def test_solve_kappa_rejects_bad_input():
    with pytest.raises(InvalidArgument, match="positive"):
        le.solve_kappa(np.ones(3), 0)
    with pytest.raises(InvalidArgument, match="ridge"):
        le.solve_kappa(np.ones(3), 1, -1.0)
    assert le.solve_kappa(np.ones(3), 5) == 0.0  # more points than modes: interpolates everything


def test_mse_prediction_within_10_percent_on_the_hypercube(cube):
    k, _, f = cube
    eig = le.eigendecompose(k)
    for n in (16, 32):
        pred = le.predict(eig, f, n).mse
        meas, _ = le.measure_mse(k, f, n, trials=150, rng=n)
        assert abs(meas - pred) / pred < 0.10, (n, pred, meas)


def test_mse_prediction_within_10_percent_on_the_circle_with_a_ridge(circle):
    # With a ridge of the order of the kernel's diagonal the smooth tail of the circle spectrum no longer
    # matters and the theory holds (docs/kernels-empirical-learnability.md shows it failing at zero ridge).
    k, _, f = circle
    ridge = float(np.mean(np.diag(k)))
    eig = le.eigendecompose(k)
    for n in (16, 32, 64):
        pred = le.predict(eig, f, n, ridge=ridge).mse
        meas, _ = le.measure_mse(k, f, n, ridge=ridge, trials=150, rng=n)
        assert abs(meas - pred) / pred < 0.10, (n, pred, meas)


def test_high_order_parities_have_low_learnability(cube):
    k, x, _ = cube
    eig = le.eigendecompose(k)
    n = 32
    learn = [le.target_learnability(eig, syn.parity(x, list(range(order))), n) for order in range(7)]
    assert learn[0] > 0.9
    assert all(a > b for a, b in itertools.pairwise(learn[1:]))
    assert learn[5] < 0.1
    assert learn[1] > 0.5
    measured, _ = le.measure_learnability(k, syn.parity(x, [0, 1, 2, 3, 4]), n, trials=40, rng=0)
    assert measured < 0.15
