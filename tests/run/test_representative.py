"""Every run gives a canonical class one value: class-wide heuristics are computed on the member the space
names (``SearchSpace.representative``), whichever members the run holds and in whichever order."""

from __future__ import annotations

import numpy as np
import torch

from archrank.run import ScoreSetting, run_scoring
from archrank.spaces import get_space
from archrank.store import open_store

NB201 = get_space("nb201")
# Members of one class: node 1 is zero (its input edge is 'none'), so what leaves it is dead.
MEMBERS = (
    "|none~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|",
    "|none~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|",
    "|none~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_1x1~2|",
)


def _batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(8, 3, 32, 32, generator=g), torch.randint(0, 10, (8,), generator=g)


def _scores(tmp_path, name: str, archs: list[str]) -> dict[str, float]:
    f = tmp_path / f"{name}.txt"
    f.write_text("\n".join(archs) + "\n")
    db = tmp_path / f"{name}.db"
    run_scoring(ScoreSetting("nb201", batch_size=8, seed=0), archs=str(f), heuristics=["naswot", "snip"],
                store=str(db), batch=_batch(), num_classes=10, progress=False)
    with open_store(db) as st:
        return {(r.arch, r.heuristic): r.value for r in st.scores(space="nb201")}


def test_members_share_a_class_and_its_representative():
    keys = {NB201.canonical(NB201.parse(a)) for a in MEMBERS}
    assert len(keys) == 1
    reps = {NB201.format(NB201.representative(NB201.parse(a))) for a in MEMBERS}
    assert len(reps) == 1
    (rep,) = reps
    assert NB201.canonical(NB201.parse(rep)) in keys
    assert NB201.is_representative(rep)  # the smallest index of the class


def test_a_member_scored_alone_or_with_others_gets_one_value(tmp_path):
    alone = _scores(tmp_path, "alone", [MEMBERS[1]])
    forward = _scores(tmp_path, "forward", list(MEMBERS))
    backward = _scores(tmp_path, "backward", list(reversed(MEMBERS)))
    for h in ("naswot", "snip"):
        assert alone[(MEMBERS[1], h)] == forward[(MEMBERS[1], h)] == backward[(MEMBERS[1], h)]
        assert len({forward[(a, h)] for a in MEMBERS}) == 1


def test_the_members_differ_as_networks(tmp_path):
    # Without the rule, the value would depend on the member computed: the networks draw their weights
    # in another order.  This is what makes the test above able to fail.
    from archrank.heuristics import HEURISTICS, ScoreContext

    x, y = _batch()
    vals = {HEURISTICS.get("snip").fn(ScoreContext(arch=NB201.parse(a), space=NB201, inputs=x, targets=y,
                                                     num_classes=10, seed=0)) for a in MEMBERS[:2]}
    assert len(vals) == 2


def test_nb101_representative_ignores_vertex_order_and_dead_vertices():
    sp = get_space("nb101")
    a = sp.parse("0110000,0001000,0001000,0000001,0000000,0000000,0000000|"
                 "input,conv3x3-bn-relu,maxpool3x3,conv1x1-bn-relu,conv3x3-bn-relu,conv3x3-bn-relu,output")
    # the same cell with the two middle vertices swapped, and without its dead vertices
    b = sp.parse("01100,00010,00010,00001,00000|input,maxpool3x3,conv3x3-bn-relu,conv1x1-bn-relu,output")
    assert sp.canonical(a) == sp.canonical(b)
    ra, rb = sp.representative(a), sp.representative(b)
    assert sp.format(ra) == sp.format(rb)
    assert sp.canonical(ra) == sp.canonical(a)


def test_darts_representative_is_the_canonical_cell():
    sp = get_space("nb301")
    rng = np.random.default_rng(0)
    for _ in range(5):
        a = sp.sample(rng)
        r = sp.representative(a)
        assert sp.canonical(r) == sp.canonical(a)
        assert sp.format(sp.representative(r)) == sp.format(r)


def test_default_representative_is_the_architecture_itself():
    sp = get_space("nats_sss")  # a space whose classes are single architectures
    a = sp.sample(np.random.default_rng(0))
    assert sp.representative(a) == a
    nlp = get_space("nbnlp")  # nbnlp names the class's canonical cell instead
    b = nlp.sample(np.random.default_rng(0))
    assert nlp.canonical(nlp.representative(b)) == nlp.canonical(b)


def test_member_value_without_class_values_reads_the_representative():
    # A heuristic built on others (the az_nas and ranker stand-ins, swap_reg) scored on a member alone
    # uses the class's value of its parts, as a run that holds the parts gives it.
    from archrank.heuristics import HEURISTICS, ScoreContext, member_value

    x, y = _batch()
    rep = NB201.representative(NB201.parse(MEMBERS[1]))
    on_member = ScoreContext(arch=NB201.parse(MEMBERS[1]), space=NB201, inputs=x, targets=y, num_classes=10)
    on_rep = ScoreContext(arch=rep, space=NB201, inputs=x, targets=y, num_classes=10)
    assert member_value(on_member, "snip") == HEURISTICS.get("snip").fn(on_rep)
    assert member_value(on_member, "params") == HEURISTICS.get("params").fn(on_member)  # structural: its own
