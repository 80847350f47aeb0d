"""``archrank correlate --combine``: the same numbers as the library call, on a toy space."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "execution"))
import archrank_toy_plugin as toy

from archrank.benchmarks.table import BenchmarkTable
from archrank.cli import main
from archrank.errors import InvalidArgument, UnknownName
from archrank.heuristics.aggregate import disjoint_fit_sample
from archrank.report.combine import add_combinations, combined_row, parse_combination
from archrank.report.consistency import consistency_table, on_common_archs, paired_scores
from archrank.store import SQLiteStore

HS = "toy_params,toy_lower,toy_slow"


@pytest.fixture(autouse=True)
def plugin_env(monkeypatch):
    monkeypatch.setenv("ARCHRANK_PLUGINS", "archrank_toy_plugin")


@pytest.fixture
def bench(tmp_path):
    space = toy.ToySpace()
    rng = np.random.default_rng(0)
    p = tmp_path / "toy_bench.csv"
    lines = ["index,arch,acc"]
    for i in range(space.size):
        a = space.index_to_arch(i)
        lines.append(f"{i},{space.format(a)},{a.count('lin') * 10 + rng.normal():.4f}")
    p.write_text("\n".join(lines) + "\n")
    return p


def _score(store, archs, tmp_path, name):
    f = tmp_path / f"{name}.txt"
    f.write_text("\n".join(archs) + "\n")
    assert main(["score", "--space", "toy", "--archs", str(f), "--heuristics", HS, "--store", str(store),
                 "--no-progress", "--json"]) == 0


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _same(a: dict, b: dict) -> None:
    assert set(a) == set(b)
    for k, x in a.items():
        y = b[k]
        if isinstance(y, float) and not math.isfinite(y):
            assert x is None
        else:
            assert x == pytest.approx(y)


def test_combine_equals_the_library_call(tmp_path, bench, capsys):
    space = toy.ToySpace()
    evaluated = [space.format(space.index_to_arch(i)) for i in (0, 4, 8, 13, 17, 22, 26)]
    fit_archs = [space.format(a) for a in disjoint_fit_sample(space, [space.parse(a) for a in evaluated], 10)]
    ev_db, fit_db = tmp_path / "eval.db", tmp_path / "fit.db"
    _score(ev_db, evaluated, tmp_path, "eval")
    _score(fit_db, fit_archs, tmp_path, "fit")
    capsys.readouterr()
    specs = ["mean_rank", "vote:toy_params,toy_lower,toy_slow", "fit:toy_params,toy_slow"]
    argv = ["correlate", "--store", str(ev_db), "--benchmark", str(bench), "--metric", "acc", "--json",
            "--fit-store", str(fit_db)]
    for s in specs:
        argv += ["--combine", s]
    out = _json(capsys, argv)

    table = BenchmarkTable.from_file(bench)
    with SQLiteStore(ev_db) as st:
        paired = on_common_archs(paired_scores(st, table, "acc"))
    with SQLiteStore(fit_db) as st:
        fit = paired_scores(st, table, "acc", heuristics=["toy_params", "toy_slow"])
    lib = add_combinations(consistency_table(paired), paired, specs, fit=fit)
    assert set(out) == set(lib) == {"toy_params", "toy_lower", "toy_slow", "mean_rank",
                                    "vote(toy_params,toy_lower,toy_slow)", "fit(toy_params,toy_slow)"}
    for k in lib:
        assert out[k].pop("set") == "common"  # the CLI says which architectures it compared on
        _same(out[k], lib[k])
    assert out["fit(toy_params,toy_slow)"]["n_fit"] == 10
    # the mean rank of one heuristic ranks exactly as that heuristic
    one = combined_row(paired, "mean_rank:toy_params")
    assert one["spearman"] == pytest.approx(lib["toy_params"]["spearman"])

    # the text table lists the combinations after the single heuristics
    txt_argv = [a for a in argv if a != "--json"]
    assert main(txt_argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "compared on the 7 architectures every heuristic scored; left out: none"
    names = [ln.split()[0] for ln in lines[2:-1] if ln and not ln.startswith("vote:")]
    assert names[-3:] == ["mean_rank", "vote(toy_params,toy_lower,toy_slow)", "fit(toy_params,toy_slow)"]


def test_bad_combinations_fail_with_one_line(tmp_path, bench, capsys):
    with pytest.raises(UnknownName, match="vote, mean_rank, fit"):
        parse_combination("median")
    with pytest.raises(InvalidArgument, match="at least two"):
        parse_combination("vote:toy_params")
    db = tmp_path / "e.db"
    _score(db, ["lin-lin-id", "zero-lin-id", "id-id-id"], tmp_path, "e")
    capsys.readouterr()
    base = ["correlate", "--store", str(db), "--benchmark", str(bench), "--metric", "acc"]
    assert main(base + ["--combine", "fit:toy_params,toy_slow"]) == 2
    err = capsys.readouterr().err.strip()
    assert "fit sample" in err and "(flag --fit-store)" in err and len(err.splitlines()) == 1
    assert main(base + ["--combine", "vote:toy_params,nonesuch"]) == 2
    assert "nonesuch" in capsys.readouterr().err
