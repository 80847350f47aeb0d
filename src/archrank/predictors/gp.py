"""Gaussian-process regression (scikit-learn's ``GaussianProcessRegressor``) with a Matern or RBF kernel.

The kernel is ``constant * k(length_scale) + white noise`` on standardised features; its hyperparameters
(signal variance, one shared length scale, noise level) are set by maximising the marginal likelihood,
restarted ``restarts`` times from points drawn with ``seed``.  The predictive standard deviation is the
posterior's (noise included).  Choices: an isotropic kernel (one length scale) because with 10 to 200
labelled architectures and tens of features per-feature length scales overfit; Matern nu = 2.5 by default
(the usual choice of BO libraries for non-smooth objectives); the noise is bounded by half the targets'
variance, so that a small sample is not explained as noise alone (a constant prediction ranks nothing), and
the length scale by a quarter of ``sqrt(d)`` (d features, standardised: the typical distance between two
architectures), so that ten points are not interpolated with spikes that leave the rest at the mean.
"""

from __future__ import annotations

import warnings

import numpy as np

from archrank.errors import InvalidArgument
from archrank.predictors.base import Predictor, check_positive, register_predictor

KERNELS = ("matern", "rbf")


@register_predictor("gp")
class GaussianProcess(Predictor):
    """GP regression; ``kernel`` in {matern, rbf}, ``restarts`` optimiser restarts, ``seed``."""

    has_uncertainty = True

    def __init__(self, *, kernel: str = "matern", restarts: int = 2, **kw):
        super().__init__(**kw)
        if kernel not in KERNELS:
            raise InvalidArgument(f"kernel must be one of {', '.join(KERNELS)}, got {kernel!r}", parameter="kernel")
        check_positive("restarts", restarts, minimum=0)
        self.kernel, self.restarts = kernel, int(restarts)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

        root = float(np.sqrt(X.shape[1]))  # the typical distance between standardised feature vectors
        bounds = (root / 4.0, root * 100.0)
        base = Matern(length_scale=root, length_scale_bounds=bounds, nu=2.5) if self.kernel == "matern" \
            else RBF(length_scale=root, length_scale_bounds=bounds)
        k = ConstantKernel(1.0, (1e-2, 1e2)) * base + WhiteKernel(0.1, (1e-3, 0.5))
        self._gp = GaussianProcessRegressor(kernel=k, normalize_y=False, n_restarts_optimizer=self.restarts,
                                            random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # bounds reached by the optimiser: the fit is still valid
            self._gp.fit(X, y)

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self._gp.predict(X, return_std=True)
        return mean, std
