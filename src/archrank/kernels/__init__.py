"""Kernels behind the NNGP/NTK family: analytic infinite-width kernels built layer by layer
(:mod:`archrank.kernels.analytic`), fast convolutional kernels (CNTK / CNN-GP, :mod:`archrank.kernels.cntk`),
preprocessing for them (:mod:`archrank.kernels.preprocess`), text network specs
(:mod:`archrank.kernels.spec`) and kernel machines (:mod:`archrank.kernels.predict`).  See docs/kernels.md.

The CNTK function is ``archrank.kernels.cntk.cntk`` (the module keeps its name here).

The names are imported on first use (PEP 562): ``archrank.kernels.spec.LAYER_FORMS`` can be read without
importing torch."""

from __future__ import annotations

from archrank.lazy import lazy_exports

_EXPORTS = {
    "ABRelu": "analytic",
    "AbsRelu": "analytic",
    "AvgPool": "analytic",
    "Conv": "analytic",
    "Dense": "analytic",
    "Elementwise": "analytic",
    "Erf": "analytic",
    "Flatten": "analytic",
    "GlobalAvgPool": "analytic",
    "Identity": "analytic",
    "Kernels": "analytic",
    "KernelState": "analytic",
    "Layer": "analytic",
    "LeakyRelu": "analytic",
    "LocalAvgPool": "analytic",
    "Relu": "analytic",
    "Zero": "analytic",
    "kernel_fn": "analytic",
    "parallel_sum": "analytic",
    "serial": "analytic",
    "cntk_network": "cntk",
    "flip_horizontal": "cntk",
    "KernelClassifier": "predict",
    "classify": "predict",
    "kernel_regression": "predict",
    "ntk_gp_mean": "predict",
    "one_hot": "predict",
    "select_regulariser": "predict",
    "solve": "predict",
    "parse_net": "spec",
}

__all__ = list(_EXPORTS)  # every name of the lazy map, and only those

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
