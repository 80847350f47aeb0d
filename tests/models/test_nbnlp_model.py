"""The NAS-Bench-NLP language model: parameter counts against the benchmark, forward shapes, the cell maths."""

from __future__ import annotations

import json
import zipfile

import pytest
import torch

from archrank.errors import InvalidArgument
from archrank.models.nbnlp import NBNLPModel, recurrent_param_count
from archrank.models.registry import build_model
from archrank.spaces import get_space

SP = get_space("nbnlp")
RNN = '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}'
LSTM_LIKE = json.dumps({
    "i": {"op": "linear", "input": ["h_prev_0", "x"]}, "i_act": {"op": "activation_sigm", "input": ["i"]},
    "c": {"op": "linear", "input": ["x", "h_prev_0", "h_prev_1"]}, "c_act": {"op": "activation_tanh", "input": ["c"]},
    "h_new_1": {"op": "blend", "input": ["i_act", "h_prev_1", "c_act"]},
    "p": {"op": "elementwise_prod", "input": ["i_act", "h_new_1"]},
    "h_new_0": {"op": "activation_leaky_relu", "input": ["p"]},
})
SMALL = {"emsize": 8, "nhid": 12}


def _count(recepie: str, vocab: int) -> int:
    with torch.device("meta"):  # the real module structure, without allocating 13M embedding weights
        model = build_model("nbnlp", recepie, vocab)
    return sum(p.numel() for p in model.parameters())


def test_parameter_count_equals_every_wikitext2_log(shared_data):
    with zipfile.ZipFile(shared_data / "nbnlp" / "train_logs_wikitext-2" / "logs.zip") as z:
        logs = [json.loads(z.read(n)) for n in z.namelist() if n.endswith(".json")]
    matches = sum(_count(d["recepie"], 33278) == d["num_params"] for d in logs)
    assert (matches, len(logs)) == (345, 345)


def test_parameter_count_equals_every_ptb_record(shared_data):
    lines = (shared_data / "nbnlp" / "nbnlp_ptb_with_graphs.json").read_text().splitlines()
    recs = [json.loads(line.rstrip(",")) for line in lines if line.startswith("{")]
    matches = sum(_count(r["recepie"], 10000) == r["num_params"] for r in recs)
    assert (matches, len(recs)) == (312, 312)
    assert all(10000 * 401 + recurrent_param_count(SP.parse(r["recepie"])) == r["num_params"] for r in recs)


def test_forward_shapes_and_hidden_states():
    model = build_model("nbnlp", LSTM_LIKE, 50, seed=0, **SMALL).eval()
    tokens = torch.randint(0, 50, (3, 5), generator=torch.Generator().manual_seed(0))
    logits, hidden = model(tokens)
    assert logits.shape == (3, 5, 50)
    assert [tuple(h.shape for h in layer) for layer in hidden] == [((3, 12), (3, 12))] * 2 + [((3, 8), (3, 8))]
    assert model.decoder.weight is model.encoder.weight
    # carrying the hidden state across two windows equals one pass over the whole sequence
    first, h = model(tokens[:, :2])
    second, _ = model(tokens[:, 2:], h)
    torch.testing.assert_close(torch.cat([first, second], dim=1), logits)


def test_vanilla_rnn_cell_computes_tanh_of_an_affine_map():
    model = build_model("nbnlp", RNN, 20, seed=1, nlayers=1, emsize=6, nhid=6).eval()
    cell = model.rnns[0]
    wx, wh = (m.weight for m in cell.linears["f"])
    b = cell.linears["f"][0].bias
    x = torch.randn(2, 4, 6, generator=torch.Generator().manual_seed(2))
    out, _ = cell(x)
    h = torch.zeros(2, 6)
    for t in range(4):
        h = torch.tanh(x[:, t] @ wx.T + h @ wh.T + b)
        torch.testing.assert_close(out[:, t], h)


def test_seeded_builds_are_identical_and_dropouts_only_act_in_training():
    a = build_model("nbnlp", LSTM_LIKE, 40, seed=3, **SMALL)
    b = build_model("nbnlp", LSTM_LIKE, 40, seed=3, **SMALL)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    tokens = torch.randint(0, 40, (2, 6), generator=torch.Generator().manual_seed(0))
    a.eval()
    torch.testing.assert_close(a(tokens)[0], a(tokens)[0])
    a.train()
    torch.manual_seed(0)
    y1 = a(tokens)[0]
    torch.manual_seed(1)
    assert not torch.allclose(y1, a(tokens)[0])
    quiet = build_model("nbnlp", LSTM_LIKE, 40, seed=3, dropout=0, dropouth=0, dropouti=0, wdrop=0, **SMALL)
    torch.testing.assert_close(quiet.train()(tokens)[0], a.eval()(tokens)[0])


def test_builder_rejects_bad_options_and_inputs():
    with pytest.raises(InvalidArgument, match="unknown build option.*valid: emsize"):
        build_model("nbnlp", RNN, 10, C=4)
    with pytest.raises(InvalidArgument, match="dropout=1.5"):
        build_model("nbnlp", RNN, 10, dropout=1.5)
    model = build_model("nbnlp", RNN, 10, **SMALL)
    assert isinstance(model, NBNLPModel)
    with pytest.raises(InvalidArgument, match="token ids of shape"):
        model(torch.zeros(2, 3))
