"""The score setting and the one context construction: a live score equals the stored one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "execution"))
import archrank_toy_plugin as toy

from archrank.errors import InvalidArgument
from archrank.run import DEFAULT_BATCH_SIZE, Scorer, ScoreSetting, load_plugins, run_scoring, score_context
from archrank.run.context import resource_extras, stored_heuristic
from archrank.store import SQLiteStore


@pytest.fixture(autouse=True)
def plugin_env(monkeypatch):
    monkeypatch.setenv("ARCHRANK_PLUGINS", "archrank_toy_plugin")
    load_plugins()


def test_setting_defaults_key_and_validation(tmp_path):
    s = ScoreSetting("nb201", data_dir=tmp_path)
    assert s.batch_size == DEFAULT_BATCH_SIZE == 64 and s.dataset == "cifar10" and s.seed == 0
    assert s.key == {"space": "nb201", "dataset": "cifar10", "batch_size": 64, "seed": 0}
    assert s.data_dir == str(tmp_path)
    with pytest.raises(InvalidArgument, match="batch_size must be positive") as e:
        ScoreSetting("nb201", batch_size=0)
    assert e.value.parameter == "batch_size"
    ctx = score_context(s, "anything", space=toy.ToySpace(), num_classes=3)
    assert ctx.extras == {"data_dir": str(tmp_path)} and ctx.seed == 0 and ctx.num_classes == 3


def test_live_scorer_equals_the_stored_score(tmp_path):
    setting = ScoreSetting("toy", dataset="toyset", batch_size=8, seed=3)
    batch = toy.toy_batch()
    with SQLiteStore(tmp_path / "s.db") as st:
        run_scoring(setting, archs="all", heuristics=["toy_out", "toy_params"], store=st, batch=batch,
                    num_classes=3, progress=False)
        stored = {(r.arch, r.heuristic): r.value for r in st.scores() if r.computed}
    space = toy.ToySpace()
    for name in ("toy_out", "toy_params"):
        scorer = Scorer(setting, name, batch=batch, num_classes=3)
        for (arch, h), value in stored.items():
            if h == name:
                assert scorer(space.parse(arch))[0] == value


def test_a_missing_resource_names_its_parameter():
    with pytest.raises(InvalidArgument, match="needs a trained supernet") as e:
        resource_extras(["params", "weight_sharing"])
    assert e.value.parameter == "supernet"
    with pytest.raises(InvalidArgument, match="not found") as e:
        resource_extras(["weight_sharing"], supernet="/no/such/x.pt")
    assert e.value.parameter == "supernet"
    assert resource_extras(["params"]) == {}


def test_a_resource_is_identified_by_its_content_hash(tmp_path):
    a, b, c = tmp_path / "a.pt", tmp_path / "b.pt", tmp_path / "c.pt"
    a.write_bytes(b"one supernet")
    b.write_bytes(b"another supernet")
    c.write_bytes(b"one supernet")
    ex = {p.name: resource_extras(["weight_sharing", "params"], supernet=p) for p in (a, b, c)}
    assert ex["a.pt"]["supernet_path"] == str(a) and len(ex["a.pt"]["supernet_sha256"]) == 64
    names = {k: stored_heuristic("weight_sharing", e) for k, e in ex.items()}
    assert names["a.pt"] == names["c.pt"] != names["b.pt"]  # the content, not the path
    assert names["a.pt"] == "weight_sharing@" + ex["a.pt"]["supernet_sha256"][:12]
    assert stored_heuristic("params", ex["a.pt"]) == "params"
    with pytest.raises(InvalidArgument):
        stored_heuristic("weight_sharing", {})
