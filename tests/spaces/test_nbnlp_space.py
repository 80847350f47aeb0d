"""The NAS-Bench-NLP space: parse / validate / format, canonical form, sampling, moves, encoding."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from archrank.errors import InvalidArgument
from archrank.spaces import get_space
from archrank.spaces.nbnlp import ENCODING_NAMES, Recepie, canonical_form, live_nodes

SP = get_space("nbnlp")
RNN = '{"f": {"op": "linear", "input": ["x", "h_prev_0"]}, "h_new_0": {"op": "activation_tanh", "input": ["f"]}}'
CELL = {
    "a": {"op": "linear", "input": ["x", "h_prev_0", "h_prev_1"]},
    "b": {"op": "activation_sigm", "input": ["a"]},
    "c": {"op": "linear", "input": ["h_prev_0", "b"]},
    "d": {"op": "activation_tanh", "input": ["c"]},
    "e": {"op": "elementwise_prod", "input": ["d", "h_prev_1"]},
    "h_new_1": {"op": "elementwise_sum", "input": ["e", "b"]},
    "h_new_0": {"op": "blend", "input": ["b", "h_new_1", "d"]},
}


def _logs(shared_data) -> list[dict]:
    path = shared_data / "nbnlp" / "train_logs_wikitext-2" / "logs.zip"
    with zipfile.ZipFile(path) as z:
        return [json.loads(z.read(n)) for n in sorted(z.namelist()) if n.endswith(".json")]


def _rename(cell: dict, mapping: dict) -> dict:
    return {mapping.get(k, k): {"op": v["op"], "input": [mapping.get(i, i) for i in v["input"]]}
            for k, v in cell.items()}


def test_space_is_registered_as_a_sequence_space():
    assert SP.name == "nbnlp" and SP.domain == "sequence" and SP.size is None


def test_benchmark_strings_round_trip_and_are_valid(shared_data):
    logs = _logs(shared_data)
    assert len(logs) == 345
    for d in logs:
        arch = SP.parse(d["recepie"])
        assert isinstance(arch, Recepie) and hash(arch) == hash(SP.parse(d["recepie"]))
        assert SP.format(arch) == d["recepie"]
    examples = json.loads((shared_data / "nbnlp" / "recepies_example.json").read_text())
    assert [SP.coerce(e).num_states for e in examples[:3]] == [1, 2, 1]  # RNN, LSTM, GRU


@pytest.mark.parametrize("cell, message", [
    ({"h_new_0": {"op": "conv", "input": ["x"]}}, "unknown op 'conv'; valid: linear"),
    ({"h_new_0": {"op": "blend", "input": ["x", "x"]}}, "has 2 input(s); valid: 3"),
    ({"h_new_0": {"op": "activation_tanh", "input": ["y"]}}, "reads 'y'"),
    ({"a": {"op": "activation_tanh", "input": ["b"]}, "b": {"op": "activation_tanh", "input": ["a"]},
      "h_new_0": {"op": "activation_tanh", "input": ["a"]}}, "cycle"),
    ({"a": {"op": "linear", "input": ["x", "h_prev_0"]}}, "no output node 'h_new_0'"),
    ({"h_new_0": {"op": "linear", "input": ["x", "h_prev_0"]},
      "h_new_2": {"op": "activation_tanh", "input": ["h_new_0"]}}, "lacks h_new_1"),
    ({"h_new_0": {"op": "linear", "input": ["x", "h_prev_1"]}}, "has 1 state(s)"),
    ({"h_new_0": {"op": "linear", "input": ["x", 3]}}, "must be names"),
])
def test_validation_errors_name_the_problem(cell, message):
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(").replace(")", r"\)")):
        SP.parse(json.dumps(cell))


def test_malformed_json_is_one_clear_error():
    with pytest.raises(InvalidArgument, match="malformed recepie JSON"):
        SP.parse('{"h_new_0": ')
    with pytest.raises(InvalidArgument, match="JSON object"):
        SP.parse("[1, 2]")


def test_canonical_ignores_names_input_order_of_commutative_ops_and_state_numbering():
    base = SP.canonical(json.dumps(CELL))
    renamed = _rename(CELL, {"a": "node_7", "b": "q", "c": "zz", "d": "node_1", "e": "m"})
    assert SP.canonical(json.dumps(renamed)) == base
    shuffled = json.loads(json.dumps(CELL))
    shuffled["a"]["input"] = ["h_prev_1", "x", "h_prev_0"]
    shuffled["e"]["input"] = ["h_prev_1", "d"]
    shuffled["h_new_1"]["input"] = ["b", "e"]
    reordered = dict(reversed(list(shuffled.items())))
    assert SP.canonical(json.dumps(reordered)) == base
    # blend is not symmetric
    blend = json.loads(json.dumps(CELL))
    blend["h_new_0"]["input"] = ["b", "d", "h_new_1"]
    assert SP.canonical(json.dumps(blend)) != base
    # nor is an op change
    other = json.loads(json.dumps(CELL))
    other["d"]["op"] = "activation_sigm"
    assert SP.canonical(json.dumps(other)) != base


def test_canonical_states_are_interchangeable_and_dead_parts_ignored():
    three = {
        "a": {"op": "linear", "input": ["x", "h_prev_1"]},
        "b": {"op": "activation_tanh", "input": ["a"]},
        "c": {"op": "linear", "input": ["b", "h_prev_2"]},
        "h_new_1": {"op": "activation_sigm", "input": ["c"]},
        "h_new_2": {"op": "activation_tanh", "input": ["a"]},
        "h_new_0": {"op": "elementwise_prod", "input": ["b", "h_new_1"]},
    }
    swapped = _rename(three, {"h_prev_1": "h_prev_2", "h_prev_2": "h_prev_1", "h_new_1": "h_new_2",
                              "h_new_2": "h_new_1"})
    assert SP.canonical(json.dumps(three)) == SP.canonical(json.dumps(swapped))
    dead = dict(three, z={"op": "linear", "input": ["x", "b"]})
    assert SP.canonical(json.dumps(dead)) == SP.canonical(json.dumps(three))
    live, states = live_nodes(SP.parse(json.dumps(dead)))
    assert "z" not in live and states == {0, 1, 2}


def test_canonical_classes_of_the_benchmark_share_their_trained_loss(shared_data):
    """Members of one canonical class were trained separately: their losses differ by seed noise only."""
    classes: dict[str, list[float]] = {}
    same: dict[str, list[float]] = {}  # the very same string trained more than once: pure seed noise
    for d in _logs(shared_data):
        if d["status"] == "OK":
            classes.setdefault(SP.canonical(d["recepie"]), []).append(d["test_losses"][-1])
            same.setdefault(d["recepie"], []).append(d["test_losses"][-1])
    spread = [max(v) - min(v) for v in classes.values() if len(v) > 1]
    noise = [max(v) - min(v) for v in same.values() if len(v) > 1]
    assert len(spread) > 40 and len(noise) > 20
    # the losses' overall spread is ~0.6 (std); within a class it is that of repeated training runs
    assert np.median(spread) < 0.03 and max(spread) <= max(noise) + 0.02


def test_sampling_follows_the_generator_constraints_and_is_seeded():
    archs = [SP.sample(np.random.default_rng(s)) for s in range(60)]
    assert archs[:5] == [SP.sample(np.random.default_rng(s)) for s in range(5)]
    assert len(set(archs)) > 50
    for a in archs:
        k = a.num_states
        assert 1 <= k <= 3
        reads = {i for _, _, ins in a.nodes for i in ins}
        assert {"x"} | {f"h_prev_{j}" for j in range(k)} <= reads
        for j in range(k):
            assert not any(i.startswith("h_prev_") for i in a.by_name[f"h_new_{j}"][1])
        assert all(n.startswith(("node_", "h_new_")) for n, _, _ in a.nodes)
        assert 1 <= a.count("linear")
        assert SP.parse(SP.format(a)) == a
    assert {a.num_states for a in archs} == {1, 2, 3}


def test_neighbours_are_valid_single_changes_and_mutate_picks_one():
    arch = SP.parse(json.dumps(CELL))
    nb = SP.neighbours(arch)
    assert arch not in nb and len(nb) == len(set(nb)) > 20
    for n in nb:
        SP.validate(n)
        changed = [a for a, b in zip(arch.nodes, n.nodes) if a != b]
        assert len(changed) == 1 and [x[0] for x in arch.nodes] == [x[0] for x in n.nodes]
    m1 = SP.mutate(arch, np.random.default_rng(3))
    assert m1 in nb and m1 == SP.mutate(arch, np.random.default_rng(3))


def test_encoding_has_a_fixed_length():
    vecs = [SP.encode(SP.sample(np.random.default_rng(s))) for s in range(10)] + [SP.encode(RNN)]
    assert {v.shape for v in vecs} == {(len(ENCODING_NAMES),)}
    rnn = dict(zip(ENCODING_NAMES, SP.encode(RNN)))
    assert rnn["count_linear"] == 1 and rnn["count_activation_tanh"] == 1 and rnn["nodes"] == 2
    assert rnn["linear_inputs_x"] == 1 and rnn["linear_inputs_state"] == 1 and rnn["depth"] == 2


def test_canonical_form_function_accepts_parsed_cells():
    assert canonical_form(SP.parse(RNN)).startswith("nbnlp:")


def test_the_representative_is_the_cell_the_class_names():
    members = [json.dumps(CELL), json.dumps(_rename(CELL, {"a": "node_7", "b": "q", "c": "zz", "d": "node_1"}))]
    shuffled = json.loads(members[0])
    shuffled["a"]["input"] = ["h_prev_1", "x", "h_prev_0"]
    members.append(json.dumps(dict(reversed(list(dict(shuffled, z={"op": "linear", "input": ["x", "b"]}).items())))))
    reps = {SP.format(SP.representative(SP.parse(m))) for m in members}
    assert len(reps) == 1  # renamed nodes, swapped inputs, another node order and a dead node: one cell
    rep = SP.parse(reps.pop())
    assert SP.canonical(rep) == SP.canonical(members[0]) and SP.representative(rep) == rep
    assert "z" not in {n for n, _, _ in rep.nodes} and len(rep.nodes) == len(CELL)


def test_a_class_wide_score_does_not_depend_on_the_member_a_run_meets(shared_data):
    """Members with swapped inputs draw their weights in another order; the run computes the class on its
    representative, so two runs that start from different members store one value."""
    from archrank.run import ScoreSetting, run_scoring
    from archrank.store import open_store

    a = RNN
    b = '{"g": {"op": "linear", "input": ["h_prev_0", "x"]}, "h_new_0": {"op": "activation_tanh", "input": ["g"]}}'
    assert SP.canonical(a) == SP.canonical(b) and a != b
    setting = ScoreSetting("nbnlp", dataset="ptb", batch_size=4, seed=0, data_dir=str(shared_data))
    values = []
    for arch in (a, b):
        with open_store("memory://") as store:
            run_scoring(setting, archs=[arch], heuristics=["grad_norm"], store=store, progress=False)
            (rec,) = store.scores()
            values.append(rec.value)
    assert values[0] == values[1]


def test_a_state_read_only_within_its_step_is_an_intermediate_node():
    # h_new_2 feeds h_new_0 in the same step, but no node reads h_prev_2: state 2 is not recurrent
    cell = {"a": {"op": "linear", "input": ["h_prev_0", "x"]}, "h_new_2": {"op": "activation_tanh", "input": ["a"]},
            "h_new_1": {"op": "linear", "input": ["x", "h_prev_2"]},
            "h_new_0": {"op": "linear", "input": ["h_new_2", "x"]}}
    plain = {"a": {"op": "linear", "input": ["h_prev_0", "x"]}, "b": {"op": "activation_tanh", "input": ["a"]},
             "h_new_0": {"op": "linear", "input": ["b", "x"]}}
    assert SP.canonical(json.dumps(cell)) == SP.canonical(json.dumps(plain))
    assert SP.representative(SP.parse(json.dumps(cell))) == SP.representative(SP.parse(json.dumps(plain)))
    rng = np.random.default_rng(0)
    for _ in range(400):  # the generator makes such cells
        a = SP.sample(rng)
        assert SP.canonical(SP.representative(a)) == SP.canonical(a)
