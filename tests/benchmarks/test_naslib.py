"""NASLib / NAS-Bench-Suite-Zero files: key conversion, import, correlate, export, re-import."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from archrank.benchmarks.naslib import SENTINEL, accuracy_rows, export_zc, import_zc, read_zc
from archrank.benchmarks.naslib_keys import arch_to_key, key_to_arch, nb301_space
from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import DataError, InvalidArgument
from archrank.report.consistency import consistency_table, paired_scores
from archrank.spaces import get_space
from archrank.store import open_store

FILES = {"nb101": "zc_nasbench101.json", "nb201": "zc_nasbench201.json", "nb301": "zc_nasbench301.json"}
NB301_MISSING = "archrank's 'nb301' space (from_compact/to_compact) is not installed in this version"


def _zc(shared_data, space):
    if space == "nb301" and nb301_space() is None:
        pytest.skip(NB301_MISSING)
    p = shared_data / "naslib" / FILES[space]
    if not p.is_file():
        pytest.skip(f"{p} not found")
    return p


def test_nb201_key_order_is_the_documented_one():
    # key (a, b, c, d, e, f) is |A~0|+|B~0|D~1|+|C~0|E~1|F~2| over NASLib's op list
    arch = key_to_arch("nb201", "(0, 1, 2, 3, 4, 0)")
    s = get_space("nb201").format(arch)
    assert s == "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|skip_connect~2|"
    assert arch_to_key("nb201", s) == "(0, 1, 2, 3, 4, 0)"


def test_nb101_key_keeps_the_raw_matrix():
    m = np.zeros((7, 7), dtype=int)
    m[0, 1] = m[1, 6] = m[0, 2] = 1  # vertex 2 is dead (no path to the output)
    key = str(tuple(m.ravel().tolist()) + (0, 4, 2, 3, 3, 3, 1))
    arch = key_to_arch("nb101", key)
    assert arch.ops[1] == "conv3x3-bn-relu" and arch.ops[2] == "maxpool3x3"
    assert arch_to_key("nb101", get_space("nb101").format(arch)) == key
    with pytest.raises(DataError):
        key_to_arch("nb101", "(1, 2, 3)")


@pytest.mark.parametrize("space", ["nb101", "nb201", "nb301"])
def test_every_key_round_trips(shared_data, space):
    blocks = read_zc(_zc(shared_data, space))
    (b,) = blocks
    assert b.space == space and b.dataset == "cifar10" and len(b.archs) >= 491
    for key, arch in zip(b.keys, b.archs):
        assert arch_to_key(space, arch) == key


def test_nb301_without_its_space_is_a_clear_error(shared_data):
    if nb301_space() is not None:
        pytest.skip("the nb301 space is installed")
    with pytest.raises(InvalidArgument, match="nb301"):
        read_zc(shared_data / "naslib" / FILES["nb301"])


def test_nb201_keys_match_the_ground_truth_table(shared_data):
    (b,) = read_zc(_zc(shared_data, "nb201"))
    table = BenchmarkTable.from_file("nb201")
    acc = np.array([m["val_accuracy"][0] for m in b.metrics])
    test = np.array([table.lookup(a, "c10v_valid_200") for a in b.archs])
    # NASLib's val_accuracy is one seed of the cifar10-valid setting: close to, not equal to, the mean
    assert np.median(np.abs(acc - test)) < 0.6


@pytest.mark.parametrize("space", ["nb101", "nb201", "nb301"])
def test_import_export_reimport_gives_the_same_scores(shared_data, tmp_path, space):
    src = _zc(shared_data, space)
    with open_store(tmp_path / "a.db") as a:
        s = import_zc(src, a)
        assert "naslib:synflow" in s.heuristics and "naslib:val_accuracy" not in s.heuristics
        assert import_zc(src, a).written == 0  # idempotent
        first = {r.key: r.value for r in a.scores(space=space)}
        export_zc(a, tmp_path / "out.json", space=space)
    with open_store(tmp_path / "b.db") as b:
        import_zc(tmp_path / "out.json", b)
        second = {r.key: r.value for r in b.scores(space=space)}
    assert first.keys() == second.keys()
    assert all(first[k] == second[k] or (math.isnan(first[k]) and math.isnan(second[k])) for k in first)
    original = json.loads(src.read_text())
    exported = json.loads((tmp_path / "out.json").read_text())
    (ns, per_ds), = original.items()
    assert set(exported[ns]["cifar10"]) == set(per_ds["cifar10"])


def test_nan_sentinel_is_read_as_nan_and_written_back(shared_data, tmp_path):
    src = _zc(shared_data, "nb201")
    with open_store(tmp_path / "a.db") as a:
        s = import_zc(src, a)
        assert s.nan == {"naslib:jacov": 7, "naslib:epe_nas": 7}
        assert sum(math.isnan(r.value) for r in a.scores(heuristic="naslib:jacov")) == 7
        info = export_zc(a, tmp_path / "out.json", space="nb201", heuristics=["naslib:jacov"])
    assert info["sentinels"] == 7
    out = json.loads((tmp_path / "out.json").read_text())["nasbench201"]["cifar10"]
    assert sum(v["jacov"] == SENTINEL for v in out.values()) == 7


def test_imported_scores_correlate_against_the_packaged_table(shared_data, tmp_path):
    src = _zc(shared_data, "nb201")
    with open_store(tmp_path / "a.db") as a:
        import_zc(src, a)
        paired = paired_scores(a, BenchmarkTable.from_file("nb201"), "c10_test_200", space="nb201")
    result = consistency_table(paired)
    assert result["naslib:synflow"]["n"] == 491
    # published NAS-Bench-Suite-Zero figure for synflow on NB201 CIFAR-10 is about 0.76-0.78
    assert 0.7 < result["naslib:synflow"]["spearman"] < 0.85
    assert result["naslib:jacov"]["n_excluded"] == 7


def test_export_with_times_and_accuracy(tmp_path):
    from archrank.store import ScoreRecord

    sp = get_space("nb201")
    archs = [sp.format(sp.index_to_arch(i)) for i in range(3)]
    with open_store(tmp_path / "s.db") as st:
        st.put_archs("nb201", [(a, sp.canonical(sp.parse(a)), i) for i, a in enumerate(archs)])
        st.put_scores([ScoreRecord("nb201", a, "snip", "cifar10", 64, 0, float(i), seconds=0.5)
                       for i, a in enumerate(archs)])
        info = export_zc(st, tmp_path / "o.json", space="nb201", accuracy={archs[0]: 90.0})
    assert info["values"] == "score_time" and info["val_accuracy"] == 1
    out = json.loads((tmp_path / "o.json").read_text())["nasbench201"]["cifar10"]
    entry = out[arch_to_key("nb201", archs[0])]
    assert entry == {"snip": {"score": 0.0, "time": 0.5}, "val_accuracy": 90.0}
    (b,) = read_zc(tmp_path / "o.json")
    cols, rows = accuracy_rows([b])
    assert cols == ["arch", "index", "val_accuracy", "flops", "params"]
    assert {r["arch"]: r.get("val_accuracy") for r in rows}[archs[0]] == 90.0
