"""score_model / score_models on networks archrank does not build: seeding, no change to the user's module,
batches and loaders, population-only combinations, resumable populations."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import archrank
from archrank.errors import ArchrankError, InvalidArgument

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "heuristics"))
from zoo import ZOO, zoo_batch


def small_net(act: type[nn.Module] = nn.ReLU) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), act(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(8, 10))


def test_two_calls_give_identical_values_and_the_module_is_unchanged():
    model = small_net()
    model.eval()
    model[0].weight.requires_grad_(False)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    flags = [p.requires_grad for p in model.parameters()]
    batch = zoo_batch()
    first = archrank.score_model(model, batch, ["synflow", "snip", "naswot", "grad_norm"])
    second = archrank.score_model(model, batch, ["synflow", "snip", "naswot", "grad_norm"])
    assert first == second and all(math.isfinite(v) for v in first.values())
    assert set(first) == {"synflow", "snip", "naswot", "grad_norm"}
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert [p.requires_grad for p in model.parameters()] == flags
    assert model.training is False and not any(m.training for m in model.modules())


def test_reinitialisation_follows_the_seed_not_the_given_weights():
    batch = zoo_batch()
    a, b = small_net(), small_net()  # two different unseeded initialisations
    assert not torch.equal(a[0].weight, b[0].weight)
    assert archrank.score_model(a, batch, ["synflow"]) == archrank.score_model(b, batch, ["synflow"])
    assert archrank.score_model(a, batch, ["synflow"], seed=1) != archrank.score_model(a, batch, ["synflow"])
    kept = archrank.score_model(a, batch, ["synflow"], reinit=False)
    assert kept != archrank.score_model(b, batch, ["synflow"], reinit=False)


def test_a_factory_is_called_under_the_seed():
    batch = zoo_batch()
    assert archrank.score_model(small_net, batch, "synflow") == archrank.score_model(small_net, batch, "synflow")


def test_a_loader_gives_one_batch_drawn_with_the_seed():
    x, y = zoo_batch(32)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    first = archrank.score_model(small_net, loader, ["naswot"], seed=3)
    assert first == archrank.score_model(small_net, loader, ["naswot"], seed=3)
    from archrank.run.own_models import model_batch

    xa, _ = model_batch(loader, 3)
    xb, _ = model_batch(loader, 4)
    assert not torch.equal(xa, xb)


@pytest.mark.parametrize("name", ["ranker", "az_nas", "vote", "te_nas"])
def test_population_only_heuristics_on_one_model_say_so(name):
    with pytest.raises(InvalidArgument, match="ranks networks against each other"):
        archrank.score_model(small_net, zoo_batch(), [name])


def test_a_failing_heuristic_raises_with_its_reason_or_gives_nan():
    class NoGrad(nn.Module):
        def forward(self, x):
            return x.flatten(1)[:, :10]

    with pytest.raises(ArchrankError, match="failed on the model"):
        archrank.score_model(NoGrad(), zoo_batch(), ["snip"])
    assert math.isnan(archrank.score_model(NoGrad(), zoo_batch(), ["snip"], errors="nan")["snip"])


def test_score_models_ranks_combinations_over_the_population_and_resumes(tmp_path):
    models = {k: ZOO[k] for k in ("resnet_basic", "vgg", "densenet")}
    store = str(tmp_path / "own.db")
    out = archrank.score_models(models, zoo_batch(), ["ranker", "vote", "synflow"], store=store)
    rows = out.rows()
    assert [r["model"] for r in rows] == list(models)
    for r in rows:
        assert {"ranker", "vote", "synflow", "meco", "meco_opt", "snip", "jacob_cov"} <= set(r)
    # the ranker over three networks: log-rank aggregation of meco and meco_opt, ranks 1..3
    ranks = sorted(r["ranker"] for r in rows)
    assert ranks[-1] == pytest.approx(0.0) and ranks[0] < ranks[-1]
    again = archrank.score_models(models, zoo_batch(), ["ranker", "vote", "synflow"], store=store)
    assert again.summary.computed == 0 and again.summary.held == out.summary.computed
    assert again.rows() == rows
    with pytest.raises(InvalidArgument, match="ranks networks against each other"):
        archrank.score_models({"one": small_net}, zoo_batch(), ["ranker"])


def test_sequence_models_take_token_batches():
    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb, self.rnn, self.out = nn.Embedding(50, 16), nn.LSTM(16, 16, batch_first=True), nn.Linear(16, 50)

        def forward(self, tokens):
            h, state = self.rnn(self.emb(tokens))
            return self.out(h), state

    g = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, 50, (8, 12), generator=g)
    values = archrank.score_model(LM, (tokens, torch.roll(tokens, -1, 1)), ["grad_norm", "zico", "params"])
    assert all(math.isfinite(v) for v in values.values())


def test_bad_arguments_are_one_clear_error():
    with pytest.raises(InvalidArgument, match="registered space"):
        archrank.score_models({"a": small_net}, zoo_batch(), ["params"], name="nb201")
    with pytest.raises(ArchrankError, match="unknown data set 'not a batch'"):
        archrank.score_model(small_net, "not a batch", ["params"])
    with pytest.raises(InvalidArgument, match="batch must be"):
        archrank.score_model(small_net, 3.5, ["params"])
    with pytest.raises(InvalidArgument, match="not a torch.nn.Module|nn.Module"):
        archrank.score_models({"a": 3}, zoo_batch(), ["params"])
    with pytest.raises(ArchrankError, match="unknown heuristic 'nope'"):
        archrank.score_model(small_net, zoo_batch(), ["nope"])


def test_every_zoo_network_scores_identically_twice():
    names = ["synflow", "zen", "swap", "jacob_cov"]
    first = archrank.score_models(ZOO, zoo_batch(), names)
    assert first.rows() == archrank.score_models(ZOO, zoo_batch(), names).rows() and not first.errors


def test_worker_processes_give_the_same_values():
    from archrank.execution import LocalExecutor

    picklable = {"vgg": ZOO["vgg"](), "vit": ZOO["vit"]()}  # modules pickle; the zoo's lambdas do not
    with LocalExecutor(workers=2) as ex:
        spawned = archrank.score_models(picklable, zoo_batch(), ["synflow", "gradsign"], executor=ex)
    assert spawned.rows() == archrank.score_models(picklable, zoo_batch(), ["synflow", "gradsign"]).rows()
