"""The one thread policy: the rule, its validation, and that every command restores the previous count."""

from __future__ import annotations

import pytest
import torch

from archrank.errors import InvalidArgument
from archrank.run.threads import available_cores, thread_policy, torch_threads


def test_rule_given_else_all_cores_for_one_worker_else_one():
    assert thread_policy(3) == 3
    assert thread_policy(None) == available_cores() >= 1
    assert thread_policy(None, workers=4) == 1
    assert thread_policy(2, workers=4) == 2


@pytest.mark.parametrize("bad", [0, -2])
def test_non_positive_counts_are_rejected(bad):
    with pytest.raises(InvalidArgument, match="threads"):
        thread_policy(bad)
    with pytest.raises(InvalidArgument, match="workers"):
        thread_policy(None, workers=bad)


def test_block_runs_with_the_count_and_restores_it():
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    with torch_threads(target) as n:
        assert n == target and torch.get_num_threads() == target
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError), torch_threads(target):
        raise RuntimeError("boom")
    assert torch.get_num_threads() == before


def test_a_command_runs_under_its_threads_and_restores_them(monkeypatch, capsys):
    """``--threads`` reaches torch while the command runs, through the one policy in ``archrank.cli.main``."""
    from archrank.cli import kernel_cmd, main

    seen = []
    monkeypatch.setattr(kernel_cmd, "run", lambda args: seen.append(torch.get_num_threads()) or 0)
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    assert main(["kernel", "--net", "dense:4", "--x", "x.npy", "--out", "k.npz", "--threads", str(target)]) == 0
    assert seen == [target] and torch.get_num_threads() == before
