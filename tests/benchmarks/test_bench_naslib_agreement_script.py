"""benchmarks/bench_naslib_agreement.py: archrank's and NASLib's scores matched by architecture and name."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from archrank.store import ScoreRecord, open_store

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_naslib_agreement.py"
ARCHS = ["a1", "a2", "a3", "a4", "a5"]


def _load():
    spec = importlib.util.spec_from_file_location("bench_naslib_agreement_under_test", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _store(path: Path, values: dict[str, list[float]]) -> None:
    with open_store(str(path)) as st:
        st.put_scores(ScoreRecord("nb101", a, h, "cifar10", 0, 0, v) for h, vs in values.items()
                      for a, v in zip(ARCHS, vs))


def test_agreement_pairs_names_and_cells(tmp_path, capsys):
    mod = _load()
    ours, theirs, table = tmp_path / "ours.db", tmp_path / "naslib.db", tmp_path / "t.csv"
    _store(ours, {"grad_norm": [1, 2, 3, 4, 5], "jacob_cov": [1, 2, 3, 4, 5], "zen": [5, 4, 3, 2, 1],
                  "snip": [1, 2, float("nan"), 4, 5]})
    # NASLib's jacob_cov is called jacov; its grad_norm ranks the cells the same way, its jacov the reverse;
    # it has no zen (left out) and a cell archrank did not score (ignored).
    _store(theirs, {"naslib:grad_norm": [10, 20, 30, 40, 50], "naslib:jacov": [5, 4, 3, 2, 1],
                    "naslib:snip": [1, 2, 3, 4, 5]})
    table.write_text("arch,val_accuracy\n" + "".join(f"{a},{v}\n" for a, v in zip(ARCHS, [90, 91, 92, 93, 94])))
    rows = {r[0]: r[1:] for r in mod.agreement(mod.scores_by_heuristic(str(ours), "nb101"),
                                               mod.scores_by_heuristic(str(theirs), "nb101", "naslib:"),
                                               {a: 90.0 + i for i, a in enumerate(ARCHS)})}
    assert set(rows) == {"grad_norm", "jacob_cov", "snip"}
    assert rows["grad_norm"] == pytest.approx((5, 1.0, 1.0, 1.0))
    assert rows["jacob_cov"] == pytest.approx((5, -1.0, 1.0, -1.0))
    assert rows["snip"][0] == 4  # the NaN cell is left out
    mod.main(["--ours", str(ours), "--naslib", str(theirs), "--table", str(table)])
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["heuristic", "n"]
    assert [line.split()[0] for line in out[1:]] == ["grad_norm", "jacob_cov", "snip"]
    assert out[2].split()[1:] == ["5", "-1.000", "1.000", "-1.000"]
