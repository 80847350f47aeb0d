"""Input preprocessing for convolutional kernels (Arora et al. 2019; Li et al. 2019).

All functions take NHWC float arrays and return float64 NHWC arrays; statistics are fitted on training
images only and then applied to any set, so test images never inform the transform.

* :func:`normalize_per_image` -- subtract each image's mean and scale it to unit mean square (each image
  then has the same overall size, which the kernels' angles are sensitive to);
* :class:`ZCAWhitening` -- ZCA whitening of whole flattened images, with a ridge relative to the mean
  eigenvalue (``strength`` 0 keeps the images, large values approach full whitening);
* :class:`PatchWhitening` -- whiten every ``size x size`` patch in the spirit of Coates et al. (2011): the
  patch covariance is fitted on random training patches, and each image is replaced by the whitened patch
  around every pixel (``size**2 * C`` channels), so a first convolution sees decorrelated patches;
* :func:`random_patch_features` -- Coates et al.'s single layer of random whitened training patches used as
  filters (``relu(<whitened patch, filter> - threshold)``), the representation Li et al. feed to the kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from archrank.errors import InvalidArgument


def _images(x, name: str = "images") -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 4:
        raise InvalidArgument(f"{name} must be NHWC (N, H, W, C); got shape {a.shape}")
    return a


def normalize_per_image(x) -> np.ndarray:
    """Zero mean and unit mean square per image (constant images stay zero)."""
    a = _images(x)
    a = a - a.mean(axis=(1, 2, 3), keepdims=True)
    rms = np.sqrt((a * a).mean(axis=(1, 2, 3), keepdims=True))
    return np.divide(a, rms, out=np.zeros_like(a), where=rms > 0)


def _whitening_matrix(cov: np.ndarray, strength: float) -> np.ndarray:
    evals, evecs = np.linalg.eigh(cov)
    evals = np.clip(evals, 0.0, None)
    ridge = evals.mean() / max(strength, 1e-12) if strength > 0 else np.inf
    if not np.isfinite(ridge):
        return np.eye(cov.shape[0])
    scale = np.sqrt((evals.mean() + ridge) / (evals + ridge))  # keeps the overall scale comparable
    return (evecs * scale) @ evecs.T


@dataclass
class ZCAWhitening:
    """ZCA whitening of flattened images: ``x -> (x - mean) @ W`` with
    ``W = U diag(sqrt((mean_eig + ridge) / (eig + ridge))) U^T`` and ``ridge = mean_eig / strength``."""

    strength: float = 10.0

    def fit(self, x_train) -> ZCAWhitening:
        a = _images(x_train, "x_train")
        flat = a.reshape(a.shape[0], -1)
        self.mean_ = flat.mean(axis=0)
        centred = flat - self.mean_
        self.matrix_ = _whitening_matrix(centred.T @ centred / max(1, flat.shape[0] - 1), self.strength)
        self.shape_ = a.shape[1:]
        return self

    def transform(self, x) -> np.ndarray:
        a = _images(x)
        if a.shape[1:] != getattr(self, "shape_", None):
            raise InvalidArgument(f"images of shape {a.shape[1:]} do not match the fitted {getattr(self, 'shape_', None)}"
                                  " (call fit first)")
        return ((a.reshape(a.shape[0], -1) - self.mean_) @ self.matrix_).reshape(a.shape)


def extract_patches(x, size: int) -> np.ndarray:
    """All zero-padded ``size x size`` patches around each pixel: (N, H, W, size*size*C)."""
    a = _images(x)
    if size < 1 or size % 2 == 0:
        raise InvalidArgument(f"patch size must be a positive odd integer, got {size}")
    p = size // 2
    ap = np.pad(a, ((0, 0), (p, p), (p, p), (0, 0)))
    h, w = a.shape[1:3]
    parts = [ap[:, dy:dy + h, dx:dx + w, :] for dy in range(size) for dx in range(size)]
    return np.concatenate(parts, axis=-1)


@dataclass
class PatchWhitening:
    """Whiten ``size x size`` patches; each pixel becomes its whitened patch (``size**2 * C`` channels)."""

    size: int = 3
    strength: float = 10.0
    n_fit: int = 20000
    seed: int = 0

    def fit(self, x_train) -> PatchWhitening:
        pt = extract_patches(x_train, self.size)
        flat = pt.reshape(-1, pt.shape[-1])
        rng = np.random.default_rng(self.seed)
        take = rng.choice(flat.shape[0], size=min(self.n_fit, flat.shape[0]), replace=False)
        sample = flat[take]
        self.mean_ = sample.mean(axis=0)
        centred = sample - self.mean_
        self.matrix_ = _whitening_matrix(centred.T @ centred / max(1, sample.shape[0] - 1), self.strength)
        return self

    def transform(self, x) -> np.ndarray:
        if not hasattr(self, "matrix_"):
            raise InvalidArgument("PatchWhitening.transform called before fit")
        pt = extract_patches(x, self.size)
        return (pt - self.mean_) @ self.matrix_


def random_patch_features(x_train, *sets, n_filters: int = 64, size: int = 5, strength: float = 10.0,
                          threshold: float = 0.25, seed: int = 0) -> list[np.ndarray]:
    """Coates et al.'s random-patch layer: whiten patches (fitted on ``x_train``), pick ``n_filters`` random
    whitened training patches as unit-norm filters, and map each image to
    ``relu(<whitened patch / |patch|, filter> - threshold)`` per pixel.  Returns the features of
    ``x_train`` and of each further set, NHWC with ``n_filters`` channels."""
    pw = PatchWhitening(size=size, strength=strength, seed=seed).fit(x_train)
    rng = np.random.default_rng(seed + 1)
    tr = pw.transform(x_train)
    flat = tr.reshape(-1, tr.shape[-1])
    norms = np.linalg.norm(flat, axis=1)
    candidates = np.flatnonzero(norms > np.median(norms))  # skip near-flat patches
    if candidates.size < n_filters:
        raise InvalidArgument(f"not enough distinct training patches for {n_filters} filters")
    filt = flat[rng.choice(candidates, size=n_filters, replace=False)]
    filt = filt / np.linalg.norm(filt, axis=1, keepdims=True)

    def feats(t: np.ndarray) -> np.ndarray:
        n = np.linalg.norm(t, axis=-1, keepdims=True)
        z = np.divide(t, n, out=np.zeros_like(t), where=n > 0)
        return np.maximum(z @ filt.T - threshold, 0.0)

    return [feats(tr)] + [feats(pw.transform(s)) for s in sets]
