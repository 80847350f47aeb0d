"""SIGINT, SIGTERM and kill -9 during ``archrank score``, then the same command: nothing lost or duplicated,
and the run's status says what happened."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from stopping import check_stop_message, expected_code, score_rows, start, stop_when

from archrank.cli import main
from archrank.store import open_store

N = 40
HEURISTICS = "params,synflow"


def _args(shared_data, store):
    return ["score", "--space", "nb201", "--archs", f"random:{N}", "--heuristics", HEURISTICS, "--dataset",
            "cifar10", "--data-dir", str(shared_data), "--batch-size", "8", "--seed", "3", "--store", str(store),
            "--no-progress", "--json"]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["int", "term", "kill"])
def test_stopped_scoring_resumes_without_loss_or_duplicates(shared_data, tmp_path, capsys, signum):
    if not (shared_data / "cifar10").is_dir():
        pytest.skip("CIFAR-10 not in the shared data")
    store = tmp_path / "s.db"
    code, err = stop_when(start(_args(shared_data, store)), lambda: score_rows(store) >= 4, signum)
    assert code == expected_code(signum), err
    check_stop_message(err, "score", signum)
    with open_store(store) as st:
        (run,) = st.runs("score")
        assert run.status == "interrupted"  # marked by the handler, or found with its process gone
        before = {r.key: (r.value, r.error) for r in st.scores()}
    assert 0 < len(before) < 2 * N

    assert main(_args(shared_data, store)) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["held"] == len(before) and summary["failed"] == 0 and summary["status"] == "finished"
    with open_store(store) as st:
        after = st.scores()
        assert len(after) == len({r.key for r in after}) == 2 * N
        kept = {r.key: (r.value, r.error) for r in after if r.key in before}
        assert kept == before  # nothing written before the stop was recomputed or lost
        assert [(r.run_id, r.status) for r in st.runs()] == [(run.run_id, "finished")]
