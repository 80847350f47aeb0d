"""Suite tasks: registry, ground truths read from the shared files, ad-hoc tasks from a table."""

from __future__ import annotations

import math

import pytest

from archrank.errors import InvalidArgument, UnknownName
from archrank.spaces import get_space
from archrank.suite.tasks import TASKS, Task, register_task, table_task, task_names

BUILTIN = ["nb201-cifar10", "nb101-cifar10", "nb301-cifar10", "nds-darts", "nds-enas", "nbnlp-ptb", "nbnlp-wt2"]


def test_builtin_tasks_are_registered_with_direction():
    assert set(BUILTIN) <= set(TASKS.names())
    assert TASKS.get("nb201-cifar10").higher_is_better
    assert not TASKS.get("nds-darts").higher_is_better and not TASKS.get("nbnlp-ptb").higher_is_better
    assert TASKS.get("nds-enas").num_classes == 1000
    assert TASKS.get("nbnlp-wt2").dataset == "wikitext2"


def test_task_names_parse_all_lists_and_reject_unknown():
    assert task_names("all") == TASKS.names()
    assert task_names("nds-darts, nb101-cifar10,nds-darts") == ["nds-darts", "nb101-cifar10"]
    with pytest.raises(UnknownName, match="nb201-cifar10"):
        task_names("nb999")
    with pytest.raises(InvalidArgument):
        task_names(" , ")


@pytest.mark.parametrize("name,rows,lo,hi", [
    ("nb101-cifar10", 500, 0.0, 100.0),
    ("nb301-cifar10", 500, 90.0, 95.0),
    ("nds-darts", 100, 15.0, 100.0),
    ("nds-enas", 100, 15.0, 100.0),
    ("nbnlp-ptb", 250, 3.0, 10.0),
    ("nbnlp-wt2", 250, 3.0, 10.0),
])
def test_ground_truth_reads_the_shared_files(shared_data, name, rows, lo, hi):
    task = TASKS.get(name)
    truth = task.ground_truth(shared_data)
    assert len(truth) >= rows
    vals = list(truth.values())
    assert all(lo <= v <= hi for v in vals) and len(set(vals)) > len(vals) // 2
    sp = get_space(task.space)
    for arch in list(truth)[:5]:  # keys are the space's own strings
        assert sp.format(sp.parse(arch)) == arch


def test_nb201_task_uses_the_packaged_table():
    truth = TASKS.get("nb201-cifar10").ground_truth()
    assert len(truth) == 15625 and max(truth.values()) > 94.0


def test_table_task_from_a_csv(tmp_path):
    sp = get_space("nb201")
    lines = ["arch,loss"] + [f"{sp.format(sp.index_to_arch(i))},{i / 10}" for i in range(6)]
    f = tmp_path / "mine.csv"
    f.write_text("\n".join(lines) + "\n")
    t = table_task(f, space="nb201", metric="loss", higher_is_better=False)
    assert t.name == "mine" and not t.higher_is_better
    truth = t.ground_truth()
    assert len(truth) == 6 and math.isclose(truth[sp.format(sp.index_to_arch(3))], 0.3)
    with pytest.raises(UnknownName, match="loss"):
        table_task(f, space="nb201", metric="acc")


def test_register_task_makes_it_selectable():
    t = Task("test-only-task", "nb201", "cifar10", "c10_test_200", True, lambda _r: None)
    register_task(t)
    assert "test-only-task" in task_names("test-only-task")
