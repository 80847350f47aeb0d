"""Synthetic eigenlearning tasks: points, target functions and their orthogonality."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.data import synthetic as syn
from archrank.errors import InvalidArgument


def test_unit_circle_points_and_fourier_modes():
    M = 16
    x, theta = syn.unit_circle(M), syn.circle_angles(M)
    assert x.shape == (M, 2) and x.dtype == np.float64
    assert np.allclose(np.linalg.norm(x, axis=1), 1) and np.allclose(syn.angles(x), theta)
    modes = [syn.circle_mode(theta, k, kind) for k in range(M // 2 + 1) for kind in ("cos", "sin")]
    modes = [m for m in modes if np.abs(m).max() > 1e-9]  # sin at k=0 and k=M/2 vanish
    assert len(modes) == M  # a full orthogonal basis of functions on M points
    gram = np.array(modes) @ np.array(modes).T / M
    assert np.allclose(gram - np.diag(np.diag(gram)), 0, atol=1e-12)
    assert np.isclose(np.mean(syn.circle_mode(theta, 3) ** 2), 0.5)
    assert sum(syn.circle_multiplicity(M, k) for k in range(M // 2 + 1)) == M
    assert np.isclose(np.mean(syn.normalize_target(syn.circle_mode(theta, 3)) ** 2), 1)
    with pytest.raises(InvalidArgument, match="cos, sin"):
        syn.circle_mode(theta, 1, "tan")


def test_hypercube_and_parities_form_an_orthonormal_basis():
    d = 5
    x = syn.hypercube(d)
    assert x.shape == (32, 5) and set(np.unique(x)) == {-1.0, 1.0}
    assert len({tuple(r) for r in x}) == 32
    basis = [syn.parity(x, s) for k in range(d + 1) for s in syn.parity_subsets(d, k)]
    assert len(basis) == 32 == sum(syn.hypercube_multiplicity(d, k) for k in range(d + 1))
    B = np.array(basis)
    assert np.allclose(B @ B.T / 32, np.eye(32))
    assert np.array_equal(syn.parity(x, []), np.ones(32))
    assert np.array_equal(syn.parity(x, [1, 3]), x[:, 1] * x[:, 3])
    with pytest.raises(InvalidArgument):
        syn.parity(x, [0, 0])
    with pytest.raises(InvalidArgument):
        syn.hypercube(0)


def test_hypersphere_samples_are_seeded_and_uniform():
    x = syn.hypersphere(20000, 3, rng=0)
    assert x.shape == (20000, 4) and np.allclose(np.linalg.norm(x, axis=1), 1)
    assert np.array_equal(x, syn.hypersphere(20000, 3, np.random.default_rng(0)))
    assert not np.array_equal(x, syn.hypersphere(20000, 3, rng=1))
    assert np.allclose(x.mean(0), 0, atol=0.02)
    assert np.allclose(x.T @ x / len(x), np.eye(4) / 4, atol=0.01)  # isotropic second moment
    with pytest.raises(InvalidArgument, match="seed"):
        syn.hypersphere(5, 2, None)


def test_zonal_harmonics_match_legendre_and_are_orthogonal():
    x = syn.hypersphere(50000, 2, rng=1)  # S^2 in R^3: zonal harmonics are Legendre polynomials
    t = x[:, 0]
    assert np.allclose(syn.zonal_harmonic(x, 2), (3 * t**2 - 1) / 2)
    assert np.allclose(syn.zonal_harmonic(x, 3), (5 * t**3 - 3 * t) / 2)
    u = np.array([1.0, 2.0, -2.0])
    assert np.allclose(syn.zonal_harmonic(u[None] / 3, 4, direction=u), 1.0)
    # on S^4, harmonics of different degrees are orthogonal under the uniform measure (Monte Carlo)
    y = syn.hypersphere(200000, 4, rng=2)
    f = [syn.zonal_harmonic(y, k) for k in range(4)] + [syn.harmonic_monomial(y, [0, 1, 2])]
    G = np.array(f) @ np.array(f).T / len(y)
    off = G - np.diag(np.diag(G))
    assert np.abs(off[:4, :4]).max() < 0.01 and np.abs(G[:3, 4]).max() < 0.01
    assert np.allclose(syn.zonal_harmonic(syn.unit_circle(8), 3), np.cos(3 * syn.circle_angles(8)))


def test_sphere_multiplicities():
    assert [syn.sphere_multiplicity(2, k) for k in range(4)] == [1, 3, 5, 7]
    assert [syn.sphere_multiplicity(1, k) for k in range(4)] == [1, 2, 2, 2]
    assert syn.sphere_multiplicity(3, 2) == 9


def test_ready_made_tasks():
    x, y = syn.circle_task(32, 5)
    assert x.shape == (32, 2) and np.isclose(np.mean(y**2), 1)
    x, y = syn.hypercube_task(6, 3)
    assert np.array_equal(y, x[:, 0] * x[:, 1] * x[:, 2])
    with pytest.raises(InvalidArgument):
        syn.hypercube_task(6, 2, subset=[1])
    x, y = syn.sphere_task(100, 3, 2, rng=0)
    assert x.shape == (100, 4) and np.isclose(np.mean(y**2), 1)
