"""benchmarks/bench_naslib_agreement.py: archrank's and NASLib's scores matched by proxy, cell and class."""

from __future__ import annotations

import json
import math

import pytest

from archrank.store import ScoreRecord, open_store

# Four NB201 cells as NASLib keys; the last two compute the same function (one canonical class).
KEYS = ["(0, 2, 3, 4, 2, 3)", "(2, 2, 2, 2, 2, 2)", "(0, 0, 0, 0, 2, 0)", "(0, 0, 0, 2, 0, 0)"]


def test_agreement_pairs_names_skips_nan_and_counts_classes(bench_script):
    mod = bench_script("bench_naslib_agreement")
    archs = ["a1", "a2", "a3", "a4", "a5"]
    truth = {a: 90.0 + i for i, a in enumerate(archs)}
    ours = {"grad_norm": dict(zip(archs, [1, 2, 3, 4, 5])), "jacob_cov": dict(zip(archs, [1, 2, 3, 4, 5])),
            "zen": dict(zip(archs, [5, 4, 3, 2, 1])), "snip": dict(zip(archs[:2] + archs[3:], [1, 2, 4, 5]))}
    # NASLib's jacob_cov is called jacov and ranks the reverse; it has no zen (not a shared proxy: left out).
    theirs = {"grad_norm": dict(zip(archs, [10, 20, 30, 40, 50])), "jacov": dict(zip(archs, [5, 4, 3, 2, 1])),
              "snip": dict(zip(archs, [1, 2, 3, 4, 5]))}
    rows = {r[0]: r[1:] for r in mod.agreement(ours, theirs, truth)}
    assert set(rows) == {"grad_norm", "jacob_cov", "snip"}
    assert rows["grad_norm"][:4] == pytest.approx((5, 1.0, 1.0, 1.0))
    assert rows["jacob_cov"][:4] == pytest.approx((5, -1.0, 1.0, -1.0))
    assert rows["snip"][0] == 4  # the cell archrank did not score is left out
    assert rows["snip"][4] == 0 and math.isnan(rows["snip"][5])  # no second seed given
    # a4 and a5 one class: archrank's values (equal, canonical-invariant) and NASLib's are averaged per class.
    classes = {"a1": "c1", "a2": "c2", "a3": "c3", "a4": "c4", "a5": "c4"}
    ours_c = {"grad_norm": {"a1": 1, "a2": 2, "a3": 3, "a4": 4, "a5": 4}, "params": dict(zip(archs, [1, 2, 3, 4, 5]))}
    theirs_c = {"grad_norm": {"a1": 1, "a2": 2, "a3": 30, "a4": 3, "a5": 7}, "params": dict(zip(archs, [1, 2, 3, 5, 4]))}
    again = {"grad_norm": {"a1": 3, "a2": 2, "a3": 1, "a4": 4, "a5": 4}}
    rows = {r[0]: r[1:] for r in mod.agreement(ours_c, theirs_c, truth, again, classes)}
    assert rows["grad_norm"][0] == 4 and rows["grad_norm"][1] == pytest.approx(0.8)  # c4 mean 5 < c3's 30
    assert rows["grad_norm"][4] == 4 and rows["grad_norm"][5] == pytest.approx(0.2)
    assert rows["params"][0] == 5 and rows["params"][1] == pytest.approx(0.9)  # structural count: per key


def test_main_prints_the_table_from_the_store(tmp_path, capsys, bench_script):
    mod = bench_script("bench_naslib_agreement")
    zc = tmp_path / "zc_nasbench201.json"
    entries = {k: {"val_accuracy": 80.0 + i, "snip": float(i), "plain": float(-i), "params": 0.1 * (i + 1)}
               for i, k in enumerate(KEYS)}
    zc.write_text(json.dumps({"nasbench201": {"cifar10": entries}}))
    from archrank.benchmarks.naslib import read_zc

    archs = read_zc(zc)[0].archs
    store = tmp_path / "s.db"
    with open_store(str(store)) as st:  # archrank's scores, as a scoring run under seed 0 would store them
        st.put_scores(ScoreRecord("nb201", a, h, "cifar10", 64, 0, v) for a, (h, v) in
                      [(a, hv) for i, a in enumerate(archs) for hv in
                       (("snip", float(i)), ("plain", float(i)), ("params", 0.1 * (i + 1)))])
    mod.main(["--zc", str(zc), "--store", str(store), "--no-score"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| space | proxy | n |")
    body = {line.split("|")[2].strip(): [c.strip() for c in line.split("|")[3:-1]] for line in out[2:]}
    assert set(body) == {"snip", "plain", "params"}
    # snip and plain: the last two cells are one class (3 classes); params: per key (4).
    assert body["snip"][:2] == ["3", "+1.000"] and body["plain"][:2] == ["3", "-1.000"]
    assert body["params"][:2] == ["4", "+1.000"]


@pytest.mark.parametrize("argv, message", [
    (["--heuristics", "snip,,plain"], "--heuristics"),
    (["--heuristics", "zen"], "--heuristics"),
    (["--seeds", "0,x"], "--seeds"),
    (["--archs", "0"], "--archs"),
])
def test_bad_arguments_are_one_line_and_exit_2(argv, message, tmp_path, capsys, bench_script):
    mod = bench_script("bench_naslib_agreement")
    with pytest.raises(SystemExit) as e:
        mod.main(["--zc", "missing.json", "--store", str(tmp_path / "s.db"), *argv])
    assert e.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()


def test_archrank_values_read_from_a_precomputed_table(tmp_path, capsys, bench_script):
    # NASLib's values made here from the table's own (snip increasing with it, plain decreasing): reading the
    # table, the script must find archrank's values and rank them +1 and -1 against these, computing nothing.
    from archrank.benchmarks.naslib_keys import arch_to_key
    from archrank.spaces import get_space

    mod = bench_script("bench_naslib_agreement")
    sp = get_space("nb201")
    with open_store("table:nb201-cifar10") as table:
        snip = {r.arch: r.value for r in table.scores(space="nb201", heuristic="snip", dataset="cifar10",
                                                      batch_size=64, seed=0) if math.isfinite(r.value)}
    classes: dict[str, str] = {}
    for a in sorted(snip):
        classes.setdefault(str(sp.canonical(sp.parse(a))), a)
    chosen = sorted(classes.values())[:6]
    assert len(chosen) == 6, "the shipped table holds fewer than 6 classes scored with snip"
    entries = {arch_to_key("nb201", sp.parse(a)): {"val_accuracy": 80.0 + i, "snip": 2 * snip[a] + 1,
                                                   "plain": -snip[a]} for i, a in enumerate(chosen)}
    zc = tmp_path / "zc_nasbench201.json"
    zc.write_text(json.dumps({"nasbench201": {"cifar10": entries}}))
    mod.main(["--zc", str(zc), "--store", "table:nb201-cifar10", "--quiet"])
    captured = capsys.readouterr()
    body = {line.split("|")[2].strip(): [c.strip() for c in line.split("|")[3:-1]]
            for line in captured.out.splitlines()[2:]}
    assert body["snip"][:2] == ["6", "+1.000"]
    # the table's plain values are its own: only NASLib's column was made from snip
    assert set(body) >= {"snip", "plain"} and body["plain"][0] == "6"
    assert "read-only" in captured.err and list(tmp_path.iterdir()) == [zc]


def test_no_score_needs_an_existing_store_and_a_missing_table_is_one_line(tmp_path, capsys, bench_script):
    mod = bench_script("bench_naslib_agreement")
    zc = tmp_path / "zc_nasbench201.json"
    zc.write_text(json.dumps({"nasbench201": {"cifar10": {KEYS[0]: {"val_accuracy": 80.0, "snip": 1.0}}}}))
    for store, message in ((str(tmp_path / "none.db"), "not found"), ("table:nope", "nope")):
        with pytest.raises(SystemExit) as e:
            mod.main(["--zc", str(zc), "--store", store, "--no-score"])
        assert e.value.code == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [zc]


def test_model_options_are_parsed_into_builder_values(bench_script):
    mod = bench_script("bench_naslib_agreement")
    assert mod.parse_model_options(["pool_bn=true", "affine=False", "channels=16", "stem=cifar"]) == {
        "pool_bn": True, "affine": False, "channels": 16, "stem": "cifar"}
    from archrank.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="KEY=VALUE"):
        mod.parse_model_options(["pool_bn"])


def test_scores_with_model_options_are_stored_under_the_variant_name(shared_data, tmp_path, bench_script):
    # params needs no data: NASLib's NB301 network (non-affine op BatchNorm, BatchNorm after pooling) has
    # exactly NASLib's parameter counts, and the scores land under the variant's name, not under nb301.
    mod = bench_script("bench_naslib_agreement")
    zc = shared_data / "naslib" / "zc_nasbench301.json"
    store = tmp_path / "s.db"
    rows = mod.score_file(str(zc), str(store), archs=4, seeds=[0], batch_size=64, data_dir=None,
                          heuristics=["params"], progress=False, model_options={"pool_bn": True, "affine": False})
    assert [r[:3] for r in rows] == [("nb301[affine=false,pool_bn=true]", "params", 4)]
    assert rows[0][3] == pytest.approx(1.0)
    with open_store(str(store)) as st:
        assert {r.space for r in st.scores()} == {"nb301[affine=false,pool_bn=true]"}


@pytest.mark.parametrize("option", ["pool_bn", "colour=red", "pool_bn=maybe"])
def test_a_bad_model_option_is_one_line_exit_2_and_writes_nothing(option, shared_data, tmp_path, capsys,
                                                                 bench_script):
    mod = bench_script("bench_naslib_agreement")
    zc = shared_data / "naslib" / "zc_nasbench301.json"
    with pytest.raises(SystemExit) as e:
        mod.main(["--zc", str(zc), "--store", str(tmp_path / "s.db"), "--model-option", option, "--quiet"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err) and ("KEY=VALUE" in err[-1] or "pool_bn" in err[-1]
                                                   or "colour" in err[-1])
    assert not (tmp_path / "s.db").exists()


def test_naslib_against_itself_on_two_keys_of_one_class(bench_script):
    mod = bench_script("bench_naslib_agreement")
    # four classes listed twice (keys kN and kN'), one once; NASLib's values on the second keys rank the
    # classes in reverse for snip, the same for grad_norm
    classes = {f"k{i}": f"c{i}" for i in range(5)} | {f"k{i}'": f"c{i}" for i in range(4)}
    first = dict(zip(range(5), [1.0, 2.0, 3.0, 4.0, 9.0]))
    theirs = {"snip": {f"k{i}": first[i] for i in range(5)} | {f"k{i}'": 10.0 - i for i in range(4)},
              "grad_norm": {f"k{i}": first[i] for i in range(5)} | {f"k{i}'": 10.0 + i for i in range(4)},
              "params": {f"k{i}": first[i] for i in range(5)} | {f"k{i}'": 10.0 - i for i in range(4)}}
    ours = {h: dict(v) for h, v in theirs.items()}
    truth = {a: 1.0 + len(a) + int(a[1]) for a in classes}
    assert mod.twice(theirs["snip"], classes) == (4, pytest.approx(-1.0))
    assert mod.twice(theirs["snip"], None)[0] == 0
    rows = {r[0]: r[1:] for r in mod.agreement(ours, theirs, truth, None, classes)}
    assert rows["snip"][6:] == (4, pytest.approx(-1.0))
    assert rows["grad_norm"][6:] == (4, pytest.approx(1.0))
    assert rows["params"][6] == 0 and math.isnan(rows["params"][7])  # structural: members differ, not compared
