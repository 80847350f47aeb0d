"""The NAS-Bench-NLP language model: a tied embedding, three stacked custom recurrent cells, a decoder.

Defaults are the benchmark's (the same in all its WikiText-2 logs): ``emsize`` 400, ``nhid`` 600, 3 layers
with input/hidden sizes 400/600, 600/600, 600/400 (the last layer's hidden size is ``emsize`` so that the
decoder can share the embedding matrix), a decoder bias, AWD-LSTM-style dropouts: ``dropouti`` 0.4 on the
embeddings, ``dropouth`` 0.25 between layers and ``dropout`` 0.1 on the last output (locked: one mask per
sequence), ``dropoute`` 0.0 (whole-word embedding dropout) and ``wdrop`` 0.1 (DropConnect on the weights that
multiply a hidden state).  Weight drop draws one mask per forward call, as AWD-LSTM's WeightDrop does.

Parameters: per layer and per ``linear`` node, one weight matrix per input (input size for ``x``, hidden
size otherwise) and one bias; plus the V x emsize embedding (tied) and the decoder bias, so
``V * (emsize + 1) + R`` in all -- the ``num_params`` of the benchmark.  Initialisation: cell parameters
uniform in +-1/sqrt(hidden), embedding uniform in +-0.1, decoder bias 0 (as in the benchmark's code).

Each ``linear`` node is a list of ``nn.Linear`` modules, one per input, only the first with a bias, so that
heuristics that look for linear layers see the recurrent weights.  Terms on ``x`` are computed for the whole
sequence at once (they do not depend on the recurrence).  Inputs are batch-first: tokens (B, T) give
logits (B, T, V) and the final hidden states, one tuple of (B, hidden) tensors per layer.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from archrank.errors import InvalidArgument
from archrank.models.registry import register_builder
from archrank.spaces.nbnlp import Recepie, parse_recepie

_ACT = {
    "activation_tanh": torch.tanh,
    "activation_sigm": torch.sigmoid,
    "activation_leaky_relu": F.leaky_relu,  # slope 0.01, PyTorch's default
}

Hidden = list[tuple[torch.Tensor, ...]]


class RecurrentCell(nn.Module):
    """One layer: the cell graph unrolled over a sequence (input_size -> hidden_size)."""

    def __init__(self, arch: Recepie, input_size: int, hidden_size: int, wdrop: float = 0.0):
        super().__init__()
        self.arch, self.input_size, self.hidden_size, self.wdrop = arch, input_size, hidden_size, wdrop
        self.num_states = arch.num_states
        self.order = arch.order
        self.linears = nn.ModuleDict()
        for name, op, ins in arch.nodes:
            if op == "linear":
                self.linears[name] = nn.ModuleList(
                    nn.Linear(input_size if i == "x" else hidden_size, hidden_size, bias=(p == 0))
                    for p, i in enumerate(ins))
        stdv = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -stdv, stdv)

    def _dropped(self) -> dict[tuple[str, int], torch.Tensor]:
        """DropConnect masks applied to the state-side weights (training with ``wdrop`` only), one draw per call."""
        if not (self.wdrop and self.training):
            return {}
        return {(name, p): F.dropout(m.weight, self.wdrop, training=True)
                for name, mods in self.linears.items()
                for p, (m, i) in enumerate(zip(mods, self.arch.by_name[name][1])) if i != "x"}

    def forward(self, x: torch.Tensor, hidden: tuple[torch.Tensor, ...] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """x (B, T, input_size) -> outputs (B, T, hidden_size) = h_new_0 per step, final state tuple."""
        b, t, _ = x.shape
        if hidden is None:
            hidden = tuple(x.new_zeros(b, self.hidden_size) for _ in range(self.num_states))
        dropped = self._dropped()

        def term(name: str, p: int, inp: torch.Tensor) -> torch.Tensor:
            m = self.linears[name][p]
            w = dropped.get((name, p))
            return m(inp) if w is None else F.linear(inp, w, m.bias)

        # the x-terms of each linear node do not depend on the recurrence: all steps at once
        pre: dict[str, torch.Tensor] = {}
        for name in self.linears:
            for p, i in enumerate(self.arch.by_name[name][1]):
                if i == "x":
                    y = term(name, p, x)
                    pre[name] = y if name not in pre else pre[name] + y
        outs = []
        state = hidden
        for step in range(t):
            val: dict[str, torch.Tensor] = {f"h_prev_{j}": s for j, s in enumerate(state)}
            for name in self.order:
                op, ins = self.arch.by_name[name]
                if op == "linear":
                    y = pre[name][:, step] if name in pre else None
                    for p, i in enumerate(ins):
                        if i != "x":
                            y = term(name, p, val[i]) if y is None else y + term(name, p, val[i])
                    val[name] = y
                elif op == "blend":
                    z, a, c = (val[i] for i in ins)
                    val[name] = z * a + (1 - z) * c
                elif op == "elementwise_prod":
                    val[name] = val[ins[0]] * val[ins[1]]
                elif op == "elementwise_sum":
                    val[name] = val[ins[0]] + val[ins[1]]
                else:
                    val[name] = _ACT[op](val[ins[0]])
            state = tuple(val[f"h_new_{j}"] for j in range(self.num_states))
            outs.append(state[0])
        return torch.stack(outs, dim=1), state


def _locked_dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """Dropout with one mask per sequence (shared over time), x (B, T, F)."""
    if not training or p == 0:
        return x
    mask = x.new_empty(x.shape[0], 1, x.shape[2]).bernoulli_(1 - p) / (1 - p)
    return x * mask


class NBNLPModel(nn.Module):
    """The benchmark's language model for one cell.  ``forward(tokens, hidden=None) -> (logits, hidden)``."""

    def __init__(self, arch: Recepie, vocab_size: int, *, emsize: int = 400, nhid: int = 600, nlayers: int = 3,
                 dropout: float = 0.1, dropouth: float = 0.25, dropouti: float = 0.4, dropoute: float = 0.0,
                 wdrop: float = 0.1):
        super().__init__()
        self.arch, self.vocab_size, self.emsize, self.nhid = arch, vocab_size, emsize, nhid
        self.dropout, self.dropouth, self.dropouti, self.dropoute = dropout, dropouth, dropouti, dropoute
        self.encoder = nn.Embedding(vocab_size, emsize)
        sizes = [emsize] + [nhid] * (nlayers - 1) + [emsize]
        self.rnns = nn.ModuleList(RecurrentCell(arch, sizes[i], sizes[i + 1], wdrop) for i in range(nlayers))
        self.decoder = nn.Linear(emsize, vocab_size)
        self.decoder.weight = self.encoder.weight  # tied
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        """Token ids (B, T) -> embeddings (B, T, emsize), with whole-word dropout in training."""
        if tokens.dtype not in (torch.int64, torch.int32) or tokens.dim() != 2:
            raise InvalidArgument(f"nbnlp model takes token ids of shape (batch, time), got {tuple(tokens.shape)} "
                                  f"{tokens.dtype}")
        w = self.encoder.weight
        if self.training and self.dropoute:
            keep = w.new_empty(w.shape[0], 1).bernoulli_(1 - self.dropoute) / (1 - self.dropoute)
            w = w * keep
        return F.embedding(tokens, w)

    def recurrent(self, emb: torch.Tensor, hidden: Hidden | None = None) -> tuple[list[torch.Tensor], Hidden]:
        """Embeddings (B, T, emsize) -> the raw output sequence of every layer, and the final states."""
        h = _locked_dropout(emb, self.dropouti, self.training)
        outputs, new_hidden = [], []
        for i, rnn in enumerate(self.rnns):
            h, state = rnn(h, None if hidden is None else hidden[i])
            outputs.append(h)
            new_hidden.append(state)
            if i != len(self.rnns) - 1:
                h = _locked_dropout(h, self.dropouth, self.training)
        return outputs, new_hidden

    def forward(self, tokens: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        return self.forward_embedded(self.embed(tokens), hidden)

    def forward_embedded(self, emb: torch.Tensor, hidden: Hidden | None = None) -> tuple[torch.Tensor, Hidden]:
        """The model from the embedding output on: (B, T, emsize) -> logits (B, T, V), hidden."""
        outputs, new_hidden = self.recurrent(emb, hidden)
        out = _locked_dropout(outputs[-1], self.dropout, self.training)
        return self.decoder(out), new_hidden

    def init_hidden(self, batch_size: int) -> Hidden:
        w = self.encoder.weight
        return [tuple(w.new_zeros(batch_size, r.hidden_size) for _ in range(r.num_states)) for r in self.rnns]


def recurrent_param_count(arch: Recepie, *, emsize: int = 400, nhid: int = 600, nlayers: int = 3) -> int:
    """R of the data README: parameters of the recurrent layers, from the graph alone."""
    sizes = [emsize] + [nhid] * (nlayers - 1) + [emsize]
    total = 0
    for layer in range(nlayers):
        inp, out = sizes[layer], sizes[layer + 1]
        for _, op, ins in arch.nodes:
            if op == "linear":
                total += sum((inp if i == "x" else out) * out for i in ins) + out
    return total


_OPTIONS = ("emsize", "nhid", "nlayers", "dropout", "dropouth", "dropouti", "dropoute", "wdrop")


@register_builder("nbnlp")
def build_nbnlp(arch: Recepie | str, num_classes: int = 10000, **options) -> NBNLPModel:
    """The NAS-Bench-NLP model; ``num_classes`` is the vocabulary size (PTB 10,000, WikiText-2 33,278)."""
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise InvalidArgument(f"unknown build option(s) for nbnlp: {', '.join(unknown)}; valid: {', '.join(_OPTIONS)}")
    for key in ("emsize", "nhid", "nlayers"):
        v = options.get(key, 1)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InvalidArgument(f"nbnlp build option {key}={v!r} must be an integer >= 1")
    for key in ("dropout", "dropouth", "dropouti", "dropoute", "wdrop"):
        v = options.get(key, 0.0)
        if not isinstance(v, (int, float)) or not 0.0 <= v < 1.0:
            raise InvalidArgument(f"nbnlp build option {key}={v!r} must be in [0, 1)")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise InvalidArgument(f"num_classes (the vocabulary size) must be an integer >= 1, got {num_classes!r}")
    if isinstance(arch, str):
        arch = parse_recepie(arch)
    return NBNLPModel(arch, num_classes, **options)


__all__ = ["NBNLPModel", "RecurrentCell", "build_nbnlp", "recurrent_param_count"]
