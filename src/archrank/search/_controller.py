"""The LSTM controller shared by ``reinforce_lstm`` and ``enas``: decisions emitted one after another."""

from __future__ import annotations

import torch
from torch import nn


class LSTMController(nn.Module):
    """An LSTM cell unrolled over the decisions; step ``d`` reads an embedding of choice ``d-1``.

    ``decisions`` gives the number of choices of each step; each step has its own output head and
    embedding table (so decisions with different numbers of choices are fine).
    """

    def __init__(self, decisions: list[int], hidden: int = 32):
        super().__init__()
        self.decisions = list(decisions)
        self.hidden = hidden
        self.cell = nn.LSTMCell(hidden, hidden)
        self.start = nn.Parameter(torch.zeros(1, hidden))
        self.heads = nn.ModuleList(nn.Linear(hidden, k) for k in self.decisions)
        self.embed = nn.ModuleList(nn.Embedding(k, hidden) for k in self.decisions)

    def _logits(self, choices: list[int] | None, gen: torch.Generator | None):
        h = torch.zeros(1, self.hidden)
        c = torch.zeros(1, self.hidden)
        x = self.start
        out_choices, logps, ents = [], [], []
        for d, _k in enumerate(self.decisions):
            h, c = self.cell(x, (h, c))
            logits = self.heads[d](h)[0]
            logp = torch.log_softmax(logits, dim=-1)
            if choices is None:
                a = int(torch.multinomial(logp.exp(), 1, generator=gen).item())
            else:
                a = int(choices[d])
            out_choices.append(a)
            logps.append(logp[a])
            ents.append(-(logp.exp() * logp).sum())
            x = self.embed[d](torch.tensor([a]))
        return out_choices, torch.stack(logps).sum(), torch.stack(ents).sum()

    def sample(self, gen: torch.Generator) -> tuple[list[int], torch.Tensor, torch.Tensor]:
        """Choices drawn from ``gen`` with their (differentiable) log-probability and entropy."""
        return self._logits(None, gen)

    def log_prob(self, choices: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Sum of log-probabilities of ``choices`` and the summed entropy (both differentiable)."""
        _, lp, ent = self._logits(choices, None)
        return lp, ent
