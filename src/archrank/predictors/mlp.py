"""An ensemble of small feed-forward networks, BANANAS-style (White et al. 2021): the spread of the members'
predictions is the uncertainty.

BANANAS trains five fully connected networks (their code: 10 layers of width 20, Adam, learning rate
0.01, 200 epochs, mean absolute error) that differ only in their random initialisation and batch order.
Here each member is scikit-learn's ``MLPRegressor`` (ReLU, Adam, squared error: scikit-learn's only loss;
weight decay ``alpha``), ``members`` of them seeded ``seed``, ``seed + 1``, ...; ``layers`` x ``width``
hidden units (default 3 x 32: on 10 to 200 labels the 10-layer net of the paper trains less reliably under
squared error), learning rate 0.01, ``epochs`` passes with batches of 32.  Choices the paper leaves open
(depth for tabular features, the loss) are documented in docs/predictors.md.
"""

from __future__ import annotations

import warnings

import numpy as np

from archrank.predictors.base import Predictor, check_positive, register_predictor


@register_predictor("mlp_ensemble")
class MLPEnsemble(Predictor):
    """``members`` MLPs of ``layers`` x ``width`` hidden units, trained ``epochs`` passes; ``seed``."""

    has_uncertainty = True

    def __init__(self, *, members: int = 5, layers: int = 3, width: int = 32, epochs: int = 200,
                 alpha: float = 1e-3, **kw):
        super().__init__(**kw)
        for k, v in (("members", members), ("layers", layers), ("width", width), ("epochs", epochs)):
            check_positive(k, v)
        check_positive("alpha", alpha, kind=float, minimum=0.0)
        self.members, self.layers, self.width, self.epochs = int(members), int(layers), int(width), int(epochs)
        self.alpha = float(alpha)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        from sklearn.neural_network import MLPRegressor

        self._nets = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning at the epoch limit: the limit is the setting
            for k in range(self.members):
                net = MLPRegressor(hidden_layer_sizes=(self.width,) * self.layers, activation="relu",
                                   solver="adam", learning_rate_init=0.01, alpha=self.alpha,
                                   batch_size=min(32, X.shape[0]), max_iter=self.epochs, shuffle=True,
                                   random_state=self.seed + k, tol=0.0, n_iter_no_change=self.epochs + 1)
                self._nets.append(net.fit(X, y))

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        preds = np.stack([net.predict(X) for net in self._nets])
        return preds.mean(axis=0), preds.std(axis=0)
