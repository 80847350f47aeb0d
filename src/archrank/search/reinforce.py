"""REINFORCE (Williams 1992; Zoph & Le 2016) over a space's sequential decisions.

Two policies are offered:

* ``reinforce``: a factorised categorical policy, one independent softmax per decision (the baseline
  used with NAS-Bench-201), in numpy;
* ``reinforce_lstm``: an LSTM controller (torch) that emits the decisions one after another, each
  conditioned on the previous ones.

Both are trained after every told signal value ``R`` with the policy gradient
``(R - b) * grad log pi(arch)`` (Adam), where ``b`` is an exponential moving average of past rewards
(``b <- m b + (1 - m) R``, starting at the first reward).  The incumbent is the best signal value seen.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from archrank.errors import InvalidArgument
from archrank.search.base import SIGNAL, Strategy, finite, register_strategy


class _Adam:
    """Adam on a list of numpy arrays (gradient *ascent* when ``ascend``)."""

    def __init__(self, params: list[np.ndarray], lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, betas[0], betas[1], eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def ascend(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            v += (1 - self.b2) * g * g
            mh = m / (1 - self.b1**self.t)
            vh = v / (1 - self.b2**self.t)
            p += self.lr * mh / (np.sqrt(vh) + self.eps)


class _PolicyGradient(Strategy):
    """Shared moving-average baseline and reward bookkeeping."""

    def __init__(self, *, lr: float = 0.05, momentum: float = 0.9, **kw):
        super().__init__(**kw)
        if not 0.0 <= momentum < 1.0:
            raise InvalidArgument(f"momentum must be in [0, 1), got {momentum}")
        if lr <= 0:
            raise InvalidArgument(f"lr must be > 0, got {lr}")
        self.lr = lr
        self.momentum = momentum
        self.baseline: float | None = None

    def advantage(self, reward: float) -> float:
        if self.baseline is None:
            self.baseline = reward
        adv = reward - self.baseline
        self.baseline = self.momentum * self.baseline + (1 - self.momentum) * reward
        return adv

    def tell(self, arch: Hashable, value: float, *, fidelity: str = SIGNAL, cost: float = 0.0) -> None:
        super().tell(arch, value, fidelity=fidelity, cost=cost)
        if fidelity == self.reward_fidelity and finite(value):
            self.update(self.space.to_decisions(arch), self.advantage(float(value)))

    reward_fidelity = SIGNAL

    def update(self, choices: list[int], advantage: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


@register_strategy("reinforce")
class ReinforceFactorized(_PolicyGradient):
    """One independent categorical distribution per decision, logits trained by REINFORCE."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self._logits: list[np.ndarray] | None = None
        self._opt: _Adam | None = None

    def _init(self) -> None:
        if self._logits is None:
            self._logits = [np.zeros(k) for k in self.space.decisions()]
            self._opt = _Adam(self._logits, self.lr)

    def probabilities(self) -> list[np.ndarray]:
        self._init()
        out = []
        for z in self._logits:
            e = np.exp(z - z.max())
            out.append(e / e.sum())
        return out

    def ask(self) -> Hashable:
        choices = [int(self.rng.choice(len(p), p=p)) for p in self.probabilities()]
        return self.space.from_decisions(choices)

    def update(self, choices: list[int], advantage: float) -> None:
        probs = self.probabilities()
        grads = []
        for c, p in zip(choices, probs):
            g = -p.copy()
            g[c] += 1.0
            grads.append(advantage * g)
        self._opt.ascend(grads)


@register_strategy("reinforce_lstm")
class ReinforceLSTM(_PolicyGradient):
    """An LSTM controller emitting decisions in order (torch), trained by REINFORCE with Adam."""

    def __init__(self, *, hidden: int = 32, lr: float = 0.005, entropy: float = 0.0, **kw):
        super().__init__(lr=lr, **kw)
        self.hidden = hidden
        self.entropy = entropy
        self._net = None
        self._pending = None

    def _init(self) -> None:
        if self._net is not None:
            return
        import torch

        from archrank.search._controller import LSTMController

        seed = int(self.rng.integers(2**62))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self._net = LSTMController(self.space.decisions(), self.hidden)
        self._gen = torch.Generator().manual_seed(seed + 1)
        self._opt = torch.optim.Adam(self._net.parameters(), lr=self.lr)

    def ask(self) -> Hashable:
        self._init()
        choices, logp, ent = self._net.sample(self._gen)
        self._pending = (choices, logp, ent)  # reused by update() when told about this sample
        return self.space.from_decisions(choices)

    def update(self, choices: list[int], advantage: float) -> None:
        self._init()
        pending, self._pending = self._pending, None
        if pending is not None and list(pending[0]) == list(choices):
            logp, ent = pending[1], pending[2]
        else:
            logp, ent = self._net.log_prob(choices)
        loss = -(advantage * logp + self.entropy * ent)
        self._opt.zero_grad()
        loss.backward()
        self._opt.step()
