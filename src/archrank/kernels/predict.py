"""Kernel machines: kernel (ridge) regression, binary and multi-class classification, NTK-GP mean.

All solves use a Cholesky factorisation of ``K_train + reg * I`` (float64).  A kernel that is not positive
definite gets a growing jitter (relative to its mean diagonal) up to ``max_jitter``; if it still fails, a
:class:`~archrank.errors.NumericalError` says so.

* :func:`kernel_regression` -- ``K(test, train) @ (K(train, train) + reg I)^-1 @ y``;
* :class:`KernelClassifier` -- the binary form ``y_hat = sign(sum_i a_i y_i K(x_i, x) + b)`` (labels in
  {-1, +1}, ``b`` the mean label, ``a_i y_i`` the ridge-regression dual coefficients), and one-hot ridge
  regression for several classes (``argmax`` of the regressed one-hot targets);
* :func:`ntk_gp_mean` -- the mean prediction of a wide network trained to convergence by gradient descent on
  the squared loss (the NTK-GP at infinite time): ``K_ntk(test, train) K_ntk(train, train)^-1 y``.

The regulariser ``reg`` is an absolute ridge, or relative to the mean diagonal of ``K_train`` with
``relative=True`` (the usual choice for kernels whose scale varies from network to network).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from archrank.errors import InvalidArgument, NumericalError


def _square(k: np.ndarray, name: str = "k_train") -> np.ndarray:
    k = np.asarray(k, dtype=np.float64)
    if k.ndim != 2 or k.shape[0] != k.shape[1]:
        raise InvalidArgument(f"{name} must be a square (n, n) matrix, got shape {k.shape}")
    if not np.all(np.isfinite(k)):
        raise NumericalError(f"{name} holds NaN or infinite entries")
    return k


def ridge_value(k_train: np.ndarray, reg: float, relative: bool) -> float:
    """The absolute ridge added to the diagonal."""
    if reg < 0:
        raise InvalidArgument(f"regulariser must be >= 0, got {reg}")
    return float(reg) * (float(np.mean(np.diag(k_train))) if relative else 1.0)


def cholesky_factor(k: np.ndarray, *, reg: float = 0.0, relative: bool = False,
                    max_jitter: float = 1e-6) -> tuple[np.ndarray, float]:
    """Lower Cholesky factor of ``k + (ridge + jitter) I``; returns (factor, total diagonal added).

    Tries no jitter first, then jitter 1e-12, 1e-11, ... times the mean diagonal up to ``max_jitter``
    times it; raises NumericalError when the kernel is still not positive definite."""
    k = _square(k)
    ridge = ridge_value(k, reg, relative)
    scale = float(np.mean(np.abs(np.diag(k)))) or 1.0
    jitters = [0.0] + [scale * 10.0**e for e in range(-12, 1) if 10.0**e <= max_jitter]
    for j in jitters:
        try:
            a = k + (ridge + j) * np.eye(k.shape[0])
            return scipy.linalg.cholesky(a, lower=True, check_finite=False), ridge + j
        except np.linalg.LinAlgError:
            continue
    raise NumericalError(
        f"kernel matrix ({k.shape[0]}x{k.shape[0]}) is not positive definite even with ridge {ridge:g} and "
        f"jitter up to {max_jitter:g} x mean diagonal ({scale * max_jitter:g}); raise the regulariser")


def solve(k_train: np.ndarray, y: np.ndarray, *, reg: float = 0.0, relative: bool = False,
          max_jitter: float = 1e-6) -> np.ndarray:
    """Dual coefficients ``(k_train + reg I)^-1 y`` (``y``: (n,) or (n, m))."""
    y = np.asarray(y, dtype=np.float64)
    if y.shape[0] != np.shape(k_train)[0]:
        raise InvalidArgument(f"y has {y.shape[0]} rows but the kernel is {np.shape(k_train)[0]}x{np.shape(k_train)[0]}")
    low, _ = cholesky_factor(k_train, reg=reg, relative=relative, max_jitter=max_jitter)
    return scipy.linalg.cho_solve((low, True), y, check_finite=False)


def kernel_regression(k_train: np.ndarray, k_test_train: np.ndarray, y: np.ndarray, *, reg: float = 0.0,
                      relative: bool = False, max_jitter: float = 1e-6) -> np.ndarray:
    """Kernel ridge regression predictions ``k_test_train @ (k_train + reg I)^-1 y``."""
    k_tt = np.asarray(k_test_train, dtype=np.float64)
    if k_tt.ndim != 2 or k_tt.shape[1] != np.shape(k_train)[0]:
        raise InvalidArgument(f"k_test_train must be (n_test, {np.shape(k_train)[0]}), got shape {k_tt.shape}")
    return k_tt @ solve(k_train, y, reg=reg, relative=relative, max_jitter=max_jitter)


def ntk_gp_mean(ntk_train: np.ndarray, ntk_test_train: np.ndarray, y: np.ndarray, *,
                max_jitter: float = 1e-6) -> np.ndarray:
    """Infinite-time mean prediction of a wide network trained by gradient flow on the squared loss
    (zero initial output): ``ntk_test_train @ ntk_train^-1 @ y``."""
    return kernel_regression(ntk_train, ntk_test_train, y, reg=0.0, max_jitter=max_jitter)


def one_hot(labels: np.ndarray, num_classes: int | None = None, *, centre: bool = True) -> np.ndarray:
    """One-hot targets; with ``centre`` the usual zero-mean coding (1 - 1/C for the class, -1/C else)."""
    labels = np.asarray(labels).astype(np.int64)
    c = int(num_classes if num_classes is not None else labels.max() + 1)
    if labels.min() < 0 or labels.max() >= c:
        raise InvalidArgument(f"labels must lie in [0, {c}), got range [{labels.min()}, {labels.max()}]")
    y = np.eye(c)[labels]
    return y - 1.0 / c if centre else y


@dataclass
class KernelClassifier:
    """Kernel classifier from precomputed kernels.

    ``fit(k_train, labels)`` then ``predict(k_test_train)``.  Two classes (or labels in {-1, +1}) use the
    binary form ``sign(sum_i a_i y_i K(x_i, x) + b)``; more classes use one-hot ridge regression and
    ``argmax``.  ``reg``/``relative`` as in :func:`kernel_regression`.
    """

    reg: float = 1e-4
    relative: bool = True
    max_jitter: float = 1e-6

    def fit(self, k_train: np.ndarray, labels: np.ndarray) -> KernelClassifier:
        labels = np.asarray(labels)
        classes = np.unique(labels)
        if classes.size < 2:
            raise InvalidArgument(f"need at least two classes to classify, got {classes.tolist()}")
        self.classes_ = classes
        idx = np.searchsorted(classes, labels)
        if classes.size == 2:
            y = np.where(idx == 1, 1.0, -1.0)
            self.bias_ = float(y.mean())
            self.dual_ = solve(k_train, y - self.bias_, reg=self.reg, relative=self.relative, max_jitter=self.max_jitter)
            # a_i y_i = dual_i: a_i = dual_i * y_i (the form of the binary kernel machine)
            self.a_ = self.dual_ * y
        else:
            self.bias_ = 0.0
            self.dual_ = solve(k_train, one_hot(idx, classes.size), reg=self.reg, relative=self.relative,
                               max_jitter=self.max_jitter)
        return self

    def decision_function(self, k_test_train: np.ndarray) -> np.ndarray:
        if not hasattr(self, "dual_"):
            raise InvalidArgument("KernelClassifier.predict called before fit")
        k = np.asarray(k_test_train, dtype=np.float64)
        if k.ndim != 2 or k.shape[1] != self.dual_.shape[0]:
            raise InvalidArgument(f"k_test_train must be (n_test, {self.dual_.shape[0]}), got shape {k.shape}")
        return k @ self.dual_ + self.bias_

    def predict(self, k_test_train: np.ndarray) -> np.ndarray:
        f = self.decision_function(k_test_train)
        if self.classes_.size == 2:
            return self.classes_[(f > 0).astype(np.int64)]
        return self.classes_[np.argmax(f, axis=1)]

    def score(self, k_test_train: np.ndarray, labels: np.ndarray) -> float:
        """Accuracy on test labels."""
        return float(np.mean(self.predict(k_test_train) == np.asarray(labels)))


def classify(k_train: np.ndarray, k_test_train: np.ndarray, labels: np.ndarray, *, reg: float = 1e-4,
             relative: bool = True) -> np.ndarray:
    """Predicted labels of the test inputs (binary or multi-class as in :class:`KernelClassifier`)."""
    return KernelClassifier(reg=reg, relative=relative).fit(k_train, labels).predict(k_test_train)


def select_regulariser(k_train: np.ndarray, labels: np.ndarray, grid=(1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0), *,
                       relative: bool = True) -> tuple[float, dict[float, float]]:
    """Pick the ridge of a kernel classifier by leave-one-out accuracy on the training set.

    Uses one eigendecomposition for the whole grid: with ``G = (K + reg I)^-1`` and dual coefficients
    ``a = G Y``, the left-out prediction of point i is ``Y_i - a_i / G_ii``.  Returns the best ``reg``
    (ties go to the larger, smoother one) and the accuracy of every grid value."""
    k = _square(k_train)
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if classes.size < 2:
        raise InvalidArgument(f"need at least two classes to classify, got {classes.tolist()}")
    idx = np.searchsorted(classes, labels)
    y = np.where(idx == 1, 1.0, -1.0)[:, None] if classes.size == 2 else one_hot(idx, classes.size)
    evals, evecs = np.linalg.eigh(k)
    proj = evecs.T @ y
    scores: dict[float, float] = {}
    for reg in grid:
        lam = ridge_value(k, reg, relative)
        inv = 1.0 / (evals + lam)
        if np.any(evals + lam <= 0):
            scores[float(reg)] = float("nan")
            continue
        a = evecs @ (inv[:, None] * proj)
        g_diag = (evecs**2) @ inv
        loo = y - a / g_diag[:, None]
        pred = (loo[:, 0] > 0).astype(int) if classes.size == 2 else np.argmax(loo, axis=1)
        scores[float(reg)] = float(np.mean(pred == idx))
    valid = {r: s for r, s in scores.items() if np.isfinite(s)}
    if not valid:
        raise NumericalError("no regulariser in the grid makes the kernel positive definite")
    best = max(valid.items(), key=lambda rs: (rs[1], rs[0]))[0]
    return best, scores
