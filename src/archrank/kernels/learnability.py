"""Eigenlearning (Simon et al. 2021): what kernel regression learns from n samples, predicted from the
kernel's eigensystem, and checked against measured kernel regression.

Setting: a finite domain of ``M`` points with the uniform measure (the unit circle's ``M`` points, the
hypercube {-1, 1}^d; :mod:`archrank.data.synthetic`), a kernel matrix ``K`` on the whole domain, a target
``f`` on the domain.  The kernel operator's eigenpairs are ``lambda_i = eig(K) / M`` with eigenfunctions
``phi_i`` normalised to mean square 1 (``phi_i = sqrt(M) u_i``), so ``K(x, x') = sum_i lambda_i phi_i(x)
phi_i(x')``; the target's coefficients are ``v_i = mean(f * phi_i)``.

For ``n`` training points drawn uniformly (with replacement) and ridge ``delta`` (added to the ``n x n``
kernel matrix), the theory gives:

* the effective regulariser ``kappa >= 0`` solving ``sum_i lambda_i / (lambda_i + kappa) + delta / kappa = n``;
* the learnability of each eigenmode ``L_i = lambda_i / (lambda_i + kappa)`` (in [0, 1]); they are conserved:
  ``sum_i L_i = n`` at zero ridge (``n - delta / kappa`` otherwise);
* the overfitting coefficient ``E0 = n / (n - sum_i L_i^2)``;
* the test MSE ``E0 * (sum_i (1 - L_i)^2 v_i^2 + noise)`` (``noise``: variance of label noise; the
  error is then measured against noisy test labels; without noise, against the target);
* the learnability of a target, ``L(f) = sum_i L_i v_i^2 / sum_i v_i^2`` (the expected projection of the
  learned function on the target, relative to the target's norm).

:func:`measure_mse` and :func:`measure_learnability` run the kernel regression (with
:func:`archrank.kernels.predict.kernel_regression`) over random training sets and measure the same
quantities on the whole domain, so the predictions can be checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from archrank.errors import InvalidArgument, NumericalError
from archrank.kernels.predict import kernel_regression


@dataclass(frozen=True)
class Eigensystem:
    """Eigenvalues (descending, ``(M,)``) and eigenfunctions (columns of ``(M, M)``, mean square 1) of a
    kernel on a uniform finite domain."""

    eigenvalues: np.ndarray
    eigenfunctions: np.ndarray

    @property
    def size(self) -> int:
        return int(self.eigenvalues.shape[0])

    def coefficients(self, f: np.ndarray) -> np.ndarray:
        """Coefficients ``v_i = mean(f * phi_i)`` of a target on the domain (``f = phi @ v``)."""
        f = np.asarray(f, dtype=np.float64)
        if f.shape != (self.size,):
            raise InvalidArgument(f"target must hold one value per domain point ({self.size}), got shape {f.shape}")
        return self.eigenfunctions.T @ f / self.size


def eigendecompose(k: np.ndarray) -> Eigensystem:
    """Eigensystem of the kernel matrix ``k`` (``(M, M)``, symmetric) under the uniform measure.  Tiny
    negative eigenvalues from round-off are set to zero."""
    k = np.asarray(k, dtype=np.float64)
    if k.ndim != 2 or k.shape[0] != k.shape[1]:
        raise InvalidArgument(f"kernel must be a square (M, M) matrix, got shape {k.shape}")
    m = k.shape[0]
    w, u = np.linalg.eigh((k + k.T) / 2)
    order = np.argsort(w)[::-1]
    w, u = w[order] / m, u[:, order]
    if w[-1] < -1e-8 * max(w[0], 1e-300):
        raise NumericalError(f"kernel has a negative eigenvalue {w[-1]:g} (largest {w[0]:g}): not positive semi-definite")
    return Eigensystem(np.clip(w, 0.0, None), u * math.sqrt(m))


def solve_kappa(eigenvalues: np.ndarray, n: float, ridge: float = 0.0) -> float:
    """The effective regulariser: ``kappa`` with ``sum lambda_i/(lambda_i+kappa) + ridge/kappa = n``.

    At zero ridge ``n`` must be smaller than the number of positive eigenvalues (else ``kappa = 0``: the
    kernel interpolates every function and ``0`` is returned)."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if n <= 0:
        raise InvalidArgument(f"number of training points n must be positive, got {n}")
    if ridge < 0:
        raise InvalidArgument(f"ridge must be >= 0, got {ridge}")
    pos = lam[lam > 0]
    if ridge == 0 and n >= pos.size:
        return 0.0

    def g(log_k: float) -> float:
        k = math.exp(log_k)
        return float(np.sum(pos / (pos + k)) + ridge / k - n)

    scale = float(pos.max()) if pos.size else 1.0
    lo, hi = math.log(scale) - 80.0, math.log(scale + ridge) + 40.0
    if g(lo) < 0:  # n larger than what even kappa -> 0 reaches
        return 0.0
    return math.exp(scipy.optimize.brentq(g, lo, hi, xtol=1e-14, rtol=1e-13, maxiter=500))


@dataclass(frozen=True)
class Prediction:
    """Eigenlearning predictions for ``n`` training points and ridge ``ridge``."""

    n: int
    ridge: float
    kappa: float
    learnabilities: np.ndarray
    e0: float
    mse: float

    @property
    def learnability_sum(self) -> float:
        """``sum_i L_i`` (equals ``n`` at zero ridge: conservation)."""
        return float(np.sum(self.learnabilities))


def predict(eig: Eigensystem, f: np.ndarray | None, n: int, *, ridge: float = 0.0, noise: float = 0.0) -> Prediction:
    """Eigenlearning prediction of kernel regression from ``n`` points for target ``f`` (``None``: no target,
    MSE left NaN)."""
    lam = eig.eigenvalues
    kappa = solve_kappa(lam, n, ridge)
    if kappa == 0.0:
        big_l = (lam > 0).astype(np.float64)
    else:
        big_l = lam / (lam + kappa)
    denom = n - float(np.sum(big_l**2))
    e0 = n / denom if denom > 0 else float("inf")
    mse = float("nan")
    if f is not None:
        v = eig.coefficients(f)
        mse = e0 * (float(np.sum((1 - big_l) ** 2 * v**2)) + noise)
    return Prediction(int(n), float(ridge), float(kappa), big_l, float(e0), float(mse))


def target_learnability(eig: Eigensystem, f: np.ndarray, n: int, *, ridge: float = 0.0) -> float:
    """Predicted learnability of target ``f``: ``sum L_i v_i^2 / sum v_i^2``."""
    v = eig.coefficients(f)
    big_l = predict(eig, None, n, ridge=ridge).learnabilities
    return float(np.sum(big_l * v**2) / np.sum(v**2))


def _fits(k: np.ndarray, f: np.ndarray, n: int, ridge: float, trials: int, rng: np.random.Generator, noise: float,
          replace: bool = True):
    k = np.asarray(k, dtype=np.float64)
    f = np.asarray(f, dtype=np.float64)
    m = k.shape[0]
    if f.shape != (m,):
        raise InvalidArgument(f"target must hold one value per domain point ({m}), got shape {f.shape}")
    if trials < 1:
        raise InvalidArgument(f"trials must be >= 1, got {trials}")
    if not replace and n > m:
        raise InvalidArgument(f"cannot draw n={n} distinct training points from a domain of {m}")
    for _ in range(trials):
        idx = rng.integers(0, m, n) if replace else rng.choice(m, n, replace=False)
        y = f[idx] + (math.sqrt(noise) * rng.standard_normal(n) if noise > 0 else 0.0)
        yield kernel_regression(k[np.ix_(idx, idx)], k[:, idx], y, reg=ridge)


def measure_mse(k: np.ndarray, f: np.ndarray, n: int, *, ridge: float = 0.0, trials: int = 100,
                rng: np.random.Generator | int = 0, noise: float = 0.0, replace: bool = True) -> tuple[float, float]:
    """Kernel regression from ``n`` points drawn uniformly with replacement (labels ``f`` plus Gaussian noise
    of variance ``noise``), test MSE over the whole domain (plus ``noise``, the error against noisy test
    labels), averaged over ``trials`` training sets: (mean, standard deviation over trials).
    ``replace=False`` draws distinct points instead (the theory assumes independent draws)."""
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    errs = [float(np.mean((fh - f) ** 2)) + noise for fh in _fits(k, f, n, ridge, trials, g, noise, replace)]
    return float(np.mean(errs)), float(np.std(errs))


def measure_learnability(k: np.ndarray, f: np.ndarray, n: int, *, ridge: float = 0.0, trials: int = 100,
                         rng: np.random.Generator | int = 0, replace: bool = True) -> tuple[float, float]:
    """Measured learnability ``<f_hat, f> / <f, f>`` over the domain, averaged over ``trials``: (mean, std)."""
    g = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    f = np.asarray(f, dtype=np.float64)
    ff = float(np.mean(f * f))
    vals = [float(np.mean(fh * f)) / ff for fh in _fits(k, f, n, ridge, trials, g, 0.0, replace)]
    return float(np.mean(vals)), float(np.std(vals))


def mode_eigenvalue(k: np.ndarray, phi: np.ndarray) -> float:
    """Rayleigh quotient ``mean(phi K phi) / mean(phi^2)`` of a known eigenfunction (e.g. a Fourier mode or a
    parity): its eigenvalue under the uniform measure."""
    k = np.asarray(k, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    m = k.shape[0]
    return float(phi @ k @ phi / m**2 / np.mean(phi * phi))
