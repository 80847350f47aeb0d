"""Kernel machines: regression, binary and multi-class classification, NTK-GP mean, numerical errors."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.errors import InvalidArgument, NumericalError
from archrank.kernels import analytic as ak
from archrank.kernels import predict as kp


def _rbf(a, b, ell=1.0):
    d = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    return np.exp(-d / (2 * ell**2))


def test_kernel_regression_interpolates_and_matches_closed_form():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3))
    y = np.sin(x[:, 0]) + 0.1 * x[:, 1]
    k = _rbf(x, x)
    pred = kp.kernel_regression(k, k, y, reg=1e-10)
    assert np.allclose(pred, y, atol=1e-5)
    reg = 0.3
    expected = k @ np.linalg.solve(k + reg * np.eye(30), y)
    assert np.allclose(kp.kernel_regression(k, k, y, reg=reg), expected)
    # relative ridge scales with the mean diagonal
    assert np.allclose(kp.kernel_regression(2 * k, 2 * k, y, reg=reg, relative=True),
                       kp.kernel_regression(k, k, y, reg=reg, relative=True))
    # ridge shrinks the fit of the training data
    assert np.abs(kp.kernel_regression(k, k, y, reg=10.0) - y).mean() > np.abs(pred - y).mean()


def test_binary_classifier_form_and_accuracy():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(80, 2))
    labels = np.where(x[:, 0] + x[:, 1] > 0, 1, -1)
    net = ak.serial(ak.Dense(None, W_std=1.4, b_std=0.1), ak.Relu(), ak.Dense(1, W_std=1.4, b_std=0.1))
    k = net(x).ntk
    xt = rng.normal(size=(40, 2))
    kt = net(xt, x).ntk
    clf = kp.KernelClassifier(reg=1e-3).fit(k, labels)
    # binary kernel machine: y_hat = sign(sum_i a_i y_i K(x_i, x) + b)
    f = kt @ (clf.a_ * labels) + clf.bias_
    assert np.array_equal(np.where(f > 0, 1, -1), clf.predict(kt))
    assert clf.score(kt, np.where(xt[:, 0] + xt[:, 1] > 0, 1, -1)) >= 0.9


def test_multiclass_one_hot_ridge():
    rng = np.random.default_rng(2)
    centres = np.array([[3.0, 0], [0, 3.0], [-3.0, -3.0]])
    lab = rng.integers(0, 3, size=90)
    x = centres[lab] + rng.normal(size=(90, 2))
    labt = rng.integers(0, 3, size=60)
    xt = centres[labt] + rng.normal(size=(60, 2))
    acc = kp.KernelClassifier(reg=1e-2).fit(_rbf(x, x, 2.0), lab).score(_rbf(xt, x, 2.0), labt)
    assert acc > 0.9
    assert kp.one_hot(np.array([0, 2]), 3, centre=False).tolist() == [[1, 0, 0], [0, 0, 1]]
    assert np.array_equal(kp.classify(_rbf(x, x, 2.0), _rbf(xt, x, 2.0), lab),
                          kp.KernelClassifier(reg=1e-4).fit(_rbf(x, x, 2.0), lab).predict(_rbf(xt, x, 2.0)))


def test_ntk_gp_mean_is_interpolating_regression():
    x = np.random.default_rng(3).normal(size=(10, 4))
    y = np.arange(10.0)
    net = ak.serial(ak.Dense(None, W_std=1.5, b_std=0.05), ak.Erf(), ak.Dense(1, W_std=1.5, b_std=0.05))
    k = net(x).ntk
    assert np.allclose(kp.ntk_gp_mean(k, k, y), y, atol=1e-6)


def test_not_positive_definite_raises_numerical_error():
    k = np.array([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(NumericalError, match="not positive definite"):
        kp.solve(k, np.ones(2))
    # a singular (rank-deficient) PSD kernel is rescued by jitter
    v = np.array([[1.0, 2.0, 3.0]])
    assert np.all(np.isfinite(kp.solve(v.T @ v, np.ones(3))))
    with pytest.raises(NumericalError, match="NaN"):
        kp.solve(np.full((2, 2), np.nan), np.ones(2))
    with pytest.raises(InvalidArgument, match="square"):
        kp.solve(np.ones((2, 3)), np.ones(2))
    with pytest.raises(InvalidArgument, match="regulariser"):
        kp.solve(np.eye(2), np.ones(2), reg=-1.0)
    with pytest.raises(InvalidArgument, match="two classes"):
        kp.KernelClassifier().fit(np.eye(3), np.zeros(3))


def test_select_regulariser_leave_one_out_matches_refits():
    rng = np.random.default_rng(5)
    centres = np.array([[2.0, 0], [0, 2.0], [-2.0, -2.0]])
    lab = rng.integers(0, 3, size=40)
    x = centres[lab] + rng.normal(size=(40, 2))
    k = _rbf(x, x, 1.5)
    best, scores = kp.select_regulariser(k, lab, grid=(1e-3, 1e-1))
    assert best in (1e-3, 1e-1) and scores[best] == max(scores.values())
    # brute-force leave-one-out for one grid value
    hits = 0
    for i in range(40):
        m = np.arange(40) != i
        clf = kp.KernelClassifier(reg=1e-1 * np.mean(np.diag(k)), relative=False).fit(k[np.ix_(m, m)], lab[m])
        hits += int(clf.predict(k[i:i + 1, m])[0] == lab[i])
    assert scores[1e-1] == pytest.approx(hits / 40)
