"""SIGINT, SIGTERM and kill -9 during ``archrank search --store`` with live heuristic scores, then the same
command: the run's status says what happened, every score stored before the stop is kept, and the rerun
reuses them (computing only the rest) and ends with the result of an uninterrupted search."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from stopping import check_stop_message, expected_code, score_rows, start, stop_when

from archrank.cli import main
from archrank.search.trajectories import COMMAND_KIND
from archrank.store import open_store

N = 150  # architectures the naswot strategy scores live with params (about 20 ms each)


@pytest.fixture
def table(shared_data):
    p = shared_data / "nb201" / "nb201_cifar10.csv"
    if not p.is_file():
        pytest.skip("NB201 table not present")
    return p


def _args(table, store):
    # A fixed charge per query: the simulated budget is then the same whether a score is stored or live.
    return ["search", "--strategy", "naswot", "--param", f"n={N}", "--heuristic", "params", "--benchmark", str(table),
            "--budget-seconds", "1e9", "--charge", "1", "--seed", "5", "--device", "cpu", "--store", str(store),
            "--json"]


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def reference(shared_data, tmp_path_factory):
    """The same search, never stopped."""
    import contextlib
    import io

    table = shared_data / "nb201" / "nb201_cifar10.csv"
    if not table.is_file():
        pytest.skip("NB201 table not present")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(_args(table, tmp_path_factory.mktemp("ref") / "ref.db")) == 0
    return json.loads(out.getvalue())


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["int", "term", "kill"])
def test_stopped_search_resumes_from_its_stored_scores(table, tmp_path, capsys, reference, signum):
    store = tmp_path / "s.db"
    code, err = stop_when(start(_args(table, store)), lambda: score_rows(store) >= 5, signum)
    assert code == expected_code(signum), err
    check_stop_message(err, "search", signum)
    with open_store(store) as st:
        (run,) = st.runs(COMMAND_KIND)
        assert run.status == "interrupted"  # marked by the handler, or found with its process gone
        assert st.runs("search") == []  # trajectories are written when the search ends
        before = {r.key: (r.value, r.seconds) for r in st.scores()}
    assert 5 <= len(before) < N

    resumed = _json(capsys, _args(table, store))
    assert resumed["heuristic_scores"] == {"stored": len(before), "live": N - len(before), "wall": 0}
    with open_store(store) as st:
        after = st.scores()
        assert len(after) == len({r.key for r in after}) == N
        assert {r.key: (r.value, r.seconds) for r in after if r.key in before} == before
        assert [(r.run_id, r.status) for r in st.runs(COMMAND_KIND)] == [(run.run_id, "finished")]
        assert [r.status for r in st.runs("search")] == ["finished"]

    assert reference["heuristic_scores"] == {"stored": 0, "live": N, "wall": 0}
    for key in ("test_mean", "regret_mean", "queries_mean", "simulated_seconds_mean"):
        assert resumed[key] == reference[key]
