"""Infinite-width NNGP and NTK kernels, composable layer by layer.

A *layer* is a pure function from a :class:`KernelState` (the NNGP and NTK of a pair of input sets, plus
the self-covariances that the next nonlinearity needs) to the next state.  :func:`serial` and
:func:`parallel_sum` compose layers into networks; a network is itself a layer.  Use the NTK
parameterisation: a dense or convolutional layer with weight scale ``W_std`` and bias scale ``b_std`` maps

    nngp' = W_std**2 * A(nngp) + b_std**2
    ntk'  = nngp' + W_std**2 * A(ntk)

where ``A`` is the identity for dense layers (the kernel is already normalised by fan-in) and, for a
convolution, the average over the filter window of the pixel-pair kernel shifted along the diagonal (zero
padding counts as zero).  The input kernel is ``x1 @ x2.T / d`` (images: per pixel pair, the channel mean).
A nonlinearity maps ``nngp`` to ``E[phi(u) phi(v)]`` and ``ntk`` to ``ntk * E[phi'(u) phi'(v)]`` with
``(u, v)`` Gaussian with the current covariance.  Pooling averages over windows, global average pooling
(GAP) over all pixel pairs, flatten over same-position pairs.

Spatial states come in two layouts, chosen automatically from the network:

* ``"full"``: ``(N1, N2, H, W, H, W)``, all pixel pairs; needed below any pooling or GAP;
* ``"diag"``: ``(N1, N2, H, W)``, same-position pairs only; enough below flatten (convolutions and
  nonlinearities only ever mix pairs at the same offset, so the diagonal is closed under them).

Flat states are ``(N1, N2)``.  :func:`kernel_fn` (or calling a layer) computes the kernels of a network
for two sets of inputs, batching over blocks of inputs so memory stays bounded.  Inputs are numpy or
torch arrays, ``(N, D)`` or images ``(N, H, W, C)`` (NHWC); all arithmetic is float64.

Example::

    from archrank.kernels import analytic as ak
    net = ak.serial(ak.Conv(64, 3, W_std=1.5, b_std=0.05), ak.Relu(), ak.GlobalAvgPool(),
                    ak.Dense(10, W_std=1.5, b_std=0.05))
    k = net(x_train)            # Kernels(nngp=(N, N) array, ntk=(N, N) array)
    k = net(x_test, x_train)    # cross kernels (N_test, N_train)

Parallel branches (:func:`parallel_sum`) are treated as independent given their input, as for branches that
start with freshly initialised weights; two weight-free branches (e.g. identity and pooling) are summed
without their cross-covariance.

This module gathers the public names; they are defined by concept in :mod:`~archrank.kernels.state`,
:mod:`~archrank.kernels.layer` (the protocol and the driver), :mod:`~archrank.kernels.linear`,
:mod:`~archrank.kernels.pooling`, :mod:`~archrank.kernels.nonlinear` and :mod:`~archrank.kernels.combinators`.
"""

from archrank.kernels.combinators import ParallelSum, Serial, parallel_sum, serial
from archrank.kernels.layer import Layer, kernel_fn
from archrank.kernels.linear import Conv, Dense, Identity, Zero
from archrank.kernels.nonlinear import ABRelu, AbsRelu, Elementwise, Erf, LeakyRelu, Nonlinearity, Relu
from archrank.kernels.pooling import AvgPool, Flatten, GlobalAvgPool, LocalAvgPool, lap_weights
from archrank.kernels.state import DTYPE, Kernels, KernelState, input_state, replace_state, to_layout
from archrank.kernels.threads import torch_threads

__all__ = [
    "DTYPE",
    "ABRelu",
    "AbsRelu",
    "AvgPool",
    "Conv",
    "Dense",
    "Elementwise",
    "Erf",
    "Flatten",
    "GlobalAvgPool",
    "Identity",
    "KernelState",
    "Kernels",
    "Layer",
    "LeakyRelu",
    "LocalAvgPool",
    "Nonlinearity",
    "ParallelSum",
    "Relu",
    "Serial",
    "Zero",
    "input_state",
    "kernel_fn",
    "lap_weights",
    "parallel_sum",
    "replace_state",
    "serial",
    "to_layout",
    "torch_threads",
]
