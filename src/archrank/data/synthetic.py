"""Synthetic data sets whose kernel eigenfunctions are known, as used in eigenlearning studies
(Simon et al., 2021): the discretised unit circle, the boolean hypercube and the hypersphere.

On each domain a rotation- (or symmetry-) invariant kernel is diagonalised by a fixed family of functions:
Fourier modes on the circle, parities (Walsh functions) on the hypercube, spherical harmonics on the
sphere. This module gives the points, those functions as targets, and the multiplicity of each
eigenspace. Points and targets are float64 numpy arrays (use ``torch.from_numpy`` for tensors).

- ``unit_circle(M)``: the M points at angles 2*pi*k/M; ``circle_mode(theta, k)`` is cos(k*theta) (or sin).
- ``hypercube(d)``: all 2**d points of {-1, 1}**d; ``parity(x, subset)`` is the product of those coordinates.
- ``hypersphere(n, d, rng)``: n uniform samples of the unit sphere S^d in R^(d+1);
  ``zonal_harmonic(x, k, direction)`` and ``harmonic_monomial(x, coords)`` are degree-k spherical harmonics.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from math import comb

import numpy as np
from scipy.special import eval_chebyt, eval_gegenbauer

from archrank.errors import InvalidArgument

MAX_HYPERCUBE_DIM = 24


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        raise InvalidArgument("a seed or numpy Generator is required (every random draw needs an explicit seed)")
    return np.random.default_rng(rng)


# ---------------------------------------------------------------- unit circle
def circle_angles(M: int) -> np.ndarray:
    """The M angles 2*pi*k/M, k = 0..M-1."""
    if M < 1:
        raise InvalidArgument(f"number of circle points M must be >= 1, got {M}")
    return 2 * np.pi * np.arange(M) / M


def unit_circle(M: int) -> np.ndarray:
    """The M equally spaced points (cos theta_k, sin theta_k) of the unit circle, shape (M, 2)."""
    theta = circle_angles(M)
    return np.stack([np.cos(theta), np.sin(theta)], axis=1)


def angles(x: np.ndarray) -> np.ndarray:
    """The angle in [0, 2*pi) of each row of ``x`` (points in the plane, shape (n, 2))."""
    x = np.asarray(x, dtype=np.float64)
    return np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi)


def circle_mode(theta: np.ndarray, k: int, kind: str = "cos") -> np.ndarray:
    """The Fourier mode of frequency ``k``: cos(k*theta) (``kind="cos"``) or sin(k*theta).

    Unnormalised: on M equally spaced points its mean square is 1 for k = 0 (cos) and k = M/2 (cos), and
    1/2 for other k (not multiples of M/2). Use :func:`normalize_target` for unit mean square.
    """
    if kind not in ("cos", "sin"):
        raise InvalidArgument(f"unknown circle mode kind {kind!r}; valid choices: cos, sin")
    if k < 0:
        raise InvalidArgument(f"frequency k must be >= 0, got {k}")
    theta = np.asarray(theta, dtype=np.float64)
    return np.cos(k * theta) if kind == "cos" else np.sin(k * theta)


def circle_multiplicity(M: int, k: int) -> int:
    """How many independent real modes share frequency k on M points: 1 for k = 0 or k = M/2, else 2."""
    if not 0 <= k <= M // 2:
        raise InvalidArgument(f"frequency k must lie in 0..{M // 2} for M={M}, got {k}")
    return 1 if k == 0 or 2 * k == M else 2


# ---------------------------------------------------------------- hypercube
def hypercube(d: int) -> np.ndarray:
    """All 2**d points of {-1, 1}**d, shape (2**d, d); row i has -1 in coordinate j iff bit j of i is set."""
    if not 1 <= d <= MAX_HYPERCUBE_DIM:
        raise InvalidArgument(f"hypercube dimension d must lie in 1..{MAX_HYPERCUBE_DIM}, got {d}")
    bits = (np.arange(2**d)[:, None] >> np.arange(d)[None, :]) & 1
    return (1 - 2 * bits).astype(np.float64)


def parity(x: np.ndarray, subset: Sequence[int]) -> np.ndarray:
    """The Walsh function chi_S(x) = prod_{i in S} x_i for each row of ``x`` (1 for the empty set)."""
    x = np.asarray(x, dtype=np.float64)
    subset = list(subset)
    if len(set(subset)) != len(subset) or any(not 0 <= i < x.shape[1] for i in subset):
        raise InvalidArgument(f"subset {subset} must hold distinct coordinates in 0..{x.shape[1] - 1}")
    return np.prod(x[:, subset], axis=1) if subset else np.ones(len(x))


def parity_subsets(d: int, order: int) -> list[tuple[int, ...]]:
    """All subsets of {0..d-1} of size ``order`` (the Walsh functions of that order), in lexicographic order."""
    if not 0 <= order <= d:
        raise InvalidArgument(f"parity order must lie in 0..{d}, got {order}")
    return list(itertools.combinations(range(d), order))


def hypercube_multiplicity(d: int, order: int) -> int:
    """Number of Walsh functions of the given order on {-1, 1}**d: C(d, order)."""
    if not 0 <= order <= d:
        raise InvalidArgument(f"parity order must lie in 0..{d}, got {order}")
    return comb(d, order)


# ---------------------------------------------------------------- hypersphere
def hypersphere(n: int, d: int, rng: np.random.Generator | int) -> np.ndarray:
    """``n`` points drawn uniformly from the unit sphere S^d, i.e. in R^(d+1): shape (n, d+1).

    ``rng`` is a numpy Generator or an int seed.
    """
    if n < 0:
        raise InvalidArgument(f"number of points n must be >= 0, got {n}")
    if d < 1:
        raise InvalidArgument(f"sphere dimension d must be >= 1 (S^1 is the circle), got {d}")
    z = _rng(rng).standard_normal((n, d + 1))
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    return z / np.where(norms == 0, 1.0, norms)


def zonal_harmonic(x: np.ndarray, k: int, direction: np.ndarray | None = None) -> np.ndarray:
    """The degree-``k`` zonal spherical harmonic around ``direction`` (default e_0), at each row of ``x``.

    With D = x.shape[1] the ambient dimension, this is the Gegenbauer polynomial C_k^((D-2)/2)(<x, u>)
    scaled to equal 1 at x = u (Chebyshev T_k for the circle, Legendre P_k for S^2).
    """
    x = np.asarray(x, dtype=np.float64)
    if k < 0:
        raise InvalidArgument(f"degree k must be >= 0, got {k}")
    D = x.shape[1]
    u = np.zeros(D) if direction is None else np.asarray(direction, dtype=np.float64).reshape(-1)
    if direction is None:
        u[0] = 1.0
    if u.shape[0] != D or not np.linalg.norm(u) > 0:
        raise InvalidArgument(f"direction must be a non-zero vector of length {D}")
    t = np.clip(x @ (u / np.linalg.norm(u)), -1.0, 1.0)
    if D == 2:
        return eval_chebyt(k, t)
    alpha = (D - 2) / 2
    return eval_gegenbauer(k, alpha, t) / eval_gegenbauer(k, alpha, 1.0)


def harmonic_monomial(x: np.ndarray, coords: Sequence[int]) -> np.ndarray:
    """prod_{i in coords} x_i for distinct coordinates: a homogeneous harmonic polynomial, hence a spherical
    harmonic of degree len(coords) (needs len(coords) <= dimension)."""
    return parity(x, coords)


def sphere_multiplicity(d: int, k: int) -> int:
    """Dimension of the degree-k spherical harmonics on S^d (in R^(d+1)): C(d+k, k) - C(d+k-2, k-2)."""
    if d < 1 or k < 0:
        raise InvalidArgument(f"need d >= 1 and k >= 0, got d={d}, k={k}")
    return comb(d + k, k) - (comb(d + k - 2, k - 2) if k >= 2 else 0)


# ---------------------------------------------------------------- helpers
def normalize_target(y: np.ndarray) -> np.ndarray:
    """``y`` scaled to unit mean square over the given points (unchanged when it is identically 0)."""
    y = np.asarray(y, dtype=np.float64)
    rms = float(np.sqrt(np.mean(y**2))) if y.size else 0.0
    return y / rms if rms > 0 else y


# ---------------------------------------------------------------- ready-made tasks
def circle_task(M: int, k: int, kind: str = "cos") -> tuple[np.ndarray, np.ndarray]:
    """(points (M, 2), target) with the target the frequency-k Fourier mode scaled to unit mean square."""
    return unit_circle(M), normalize_target(circle_mode(circle_angles(M), k, kind))


def hypercube_task(d: int, order: int, subset: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(all 2**d points, parity target) for ``subset`` (default: the first ``order`` coordinates)."""
    subset = tuple(range(order)) if subset is None else tuple(subset)
    if len(subset) != order:
        raise InvalidArgument(f"subset {subset} does not have {order} coordinates")
    x = hypercube(d)
    return x, parity(x, subset)


def sphere_task(n: int, d: int, k: int, rng: np.random.Generator | int) -> tuple[np.ndarray, np.ndarray]:
    """(n uniform points of S^d, degree-k zonal harmonic around e_0 scaled to unit mean square)."""
    x = hypersphere(n, d, rng)
    return x, normalize_target(zonal_harmonic(x, k))
