"""Kernels behind the NNGP/NTK family: analytic infinite-width kernels built layer by layer
(:mod:`archrank.kernels.analytic`), fast convolutional kernels (CNTK / CNN-GP, :mod:`archrank.kernels.cntk`),
preprocessing for them (:mod:`archrank.kernels.preprocess`), text network specs
(:mod:`archrank.kernels.spec`) and kernel machines (:mod:`archrank.kernels.predict`).  See docs/kernels.md.

The CNTK function is ``archrank.kernels.cntk.cntk`` (the module keeps its name here)."""

from archrank.kernels.analytic import (
    ABRelu,
    AbsRelu,
    AvgPool,
    Conv,
    Dense,
    Elementwise,
    Erf,
    Flatten,
    GlobalAvgPool,
    Identity,
    Kernels,
    KernelState,
    Layer,
    LeakyRelu,
    LocalAvgPool,
    Relu,
    Zero,
    kernel_fn,
    parallel_sum,
    serial,
)
from archrank.kernels.cntk import cntk_network, flip_horizontal
from archrank.kernels.predict import (
    KernelClassifier,
    classify,
    kernel_regression,
    ntk_gp_mean,
    one_hot,
    select_regulariser,
    solve,
)
from archrank.kernels.spec import parse_net

__all__ = [
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
    "KernelClassifier",
    "KernelState",
    "Kernels",
    "Layer",
    "LeakyRelu",
    "LocalAvgPool",
    "Relu",
    "Zero",
    "classify",
    "cntk_network",
    "flip_horizontal",
    "kernel_fn",
    "kernel_regression",
    "ntk_gp_mean",
    "one_hot",
    "parallel_sum",
    "parse_net",
    "select_regulariser",
    "serial",
    "solve",
]
