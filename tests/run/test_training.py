"""Training runs: resumable, and a single architecture is a run of one (the same numbers as the CLI)."""

from __future__ import annotations

import json

import pytest
import torch

from archrank.cli import main
from archrank.errors import InvalidArgument
from archrank.run import TrainSetting, run_training
from archrank.run.training import score_name, training_key
from archrank.store import SQLiteStore

ARCHS = ["|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|",
         "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|nor_conv_3x3~0|skip_connect~1|avg_pool_3x3~2|"]
REGIME = "c3r3e7s1"  # 2 channels, 4x4 pixels, 2 epochs


@pytest.fixture
def setting(shared_data):
    if not (shared_data / "cifar10").is_dir():
        pytest.skip("CIFAR-10 not in the shared data")
    return TrainSetting("nb201", regime=REGIME, data_dir=str(shared_data / "cifar10"), batch_size=32,
                        train_limit=64, valid_limit=32, augment=False)


def test_training_run_records_resumes_and_scores(setting, tmp_path):
    with SQLiteStore(tmp_path / "t.db") as st:
        first = run_training(setting, archs=ARCHS, store=st, kind="bench_build")
        assert (first.trained, first.held) == (2, 0)
        again = run_training(setting, archs=ARCHS, store=st, kind="bench_build")
        assert (again.trained, again.held) == (0, 2)
        assert [r["valid_acc"] for r in again.results] == [r["valid_acc"] for r in first.results]
        recs = st.training(regime=training_key(setting))
        assert len(recs) == 2 and all(0 <= r.metrics["valid_acc"] <= 100 for r in recs)
        scores = st.scores(heuristic=score_name(setting))
        assert {s.arch: s.value for s in scores} == {r.arch: r.metrics["valid_acc"] for r in recs}
        assert len(st.runs("bench_build")) == 1


def test_a_run_of_one_equals_the_train_command_and_the_direct_path(setting, tmp_path, capsys):
    from archrank.data import as_tensors, load_dataset
    from archrank.spaces import get_space
    from archrank.train.regimes import train_under_regime

    one = run_training(setting, archs=[ARCHS[0]]).results[0]
    assert main(["train", "--arch", ARCHS[0], "--regime", REGIME, "--data-dir", setting.data_dir, "--batch-size",
                 "32", "--train-images", "64", "--valid-images", "32", "--no-augment",
                 "--threads", str(torch.get_num_threads())]) == 0  # float sums depend on the thread count
    cli = json.loads(capsys.readouterr().out)
    assert cli["valid_acc"] == one["valid_acc"] and cli["train_loss"] == one["train_loss"]
    space = get_space("nb201")
    kw = {"data_dir": setting.data_dir, "seed": 0}
    train = as_tensors(load_dataset("cifar10", split="train", limit=64, **kw))
    valid = as_tensors(load_dataset("cifar10", split="test", limit=32, **kw))
    direct = train_under_regime(space, space.parse(ARCHS[0]), REGIME, train, valid_data=valid, num_classes=10,
                                seed=0, base_config=setting.base_config())
    assert direct.valid_acc == one["valid_acc"]


def test_checkpoint_file_is_for_a_run_of_one(setting, tmp_path):
    with pytest.raises(InvalidArgument, match="run of one") as e:
        run_training(setting, archs=ARCHS, checkpoint=tmp_path / "c.pt")
    assert e.value.parameter == "checkpoint"
    with pytest.raises(InvalidArgument, match="train_limit must be positive"):
        TrainSetting("nb201", train_limit=0)


def test_every_setting_that_changes_a_result_is_in_its_key():
    base = TrainSetting("nb201", regime=REGIME)
    assert training_key(base) == REGIME and score_name(base) == f"train_{REGIME}"
    keys = {training_key(base.replace(**{k: v})) for k, v in [
        ("base_epochs", 1), ("batch_size", 32), ("lr", 0.05), ("weight_decay", 0.0), ("augment", False),
        ("train_limit", 500), ("valid_limit", None), ("channels", 3), ("image_size", 16)]}
    assert len(keys) == 9 and REGIME not in keys
    assert training_key(base.replace(train_limit=500, base_epochs=1)) == f"{REGIME}/ep1/n500"
    assert training_key(base.replace(label="mine")) == "mine"
    assert training_key(base.replace(augment=False, lr=0.05, valid_limit=None)) == f"{REGIME}/lr0.05/aug0/vall"


def test_two_image_counts_are_two_results(setting, tmp_path):
    with SQLiteStore(tmp_path / "t.db") as st:
        a = run_training(setting, archs=ARCHS[:1], store=st)
        b = run_training(setting.replace(train_limit=32), archs=ARCHS[:1], store=st)
        assert (a.trained, b.trained, b.held) == (1, 1, 0)
        assert {r.regime for r in st.training()} == {training_key(setting), training_key(setting.replace(
            train_limit=32))}
        assert all(r.status == "finished" for r in st.runs())


def test_a_checkpoint_of_another_architecture_is_refused(setting, tmp_path):
    ckpt = tmp_path / "one.pt"
    from archrank.run.training import TrainingTask, train_one

    s1 = setting
    run_training(s1, archs=[ARCHS[0]], checkpoint=ckpt)
    assert ckpt.exists()
    with pytest.raises(InvalidArgument, match="belongs to .*arch=.*differs in arch") as e:
        train_one(ARCHS[1], TrainingTask(setting=s1, num_classes=10, checkpoint=str(ckpt)))
    assert "\n" not in str(e.value)
    with pytest.raises(InvalidArgument, match="differs in regime"):
        train_one(ARCHS[0], TrainingTask(setting=s1.replace(train_limit=32), num_classes=10, checkpoint=str(ckpt)))


def test_on_epoch_reports_every_epoch_of_every_architecture(setting):
    from archrank.run.training import EPOCH_METRICS

    calls = []
    s = run_training(setting, archs=ARCHS, on_epoch=lambda a, e, n, m: calls.append((a, e, n, m)))
    epochs = setting.parsed_regime().epochs
    assert epochs == 2 and [(a, e, n) for a, e, n, _ in calls] == [(a, e, 2) for a in ARCHS for e in (1, 2)]
    assert all(set(m) == set(EPOCH_METRICS) for *_, m in calls)
    assert [m["valid_acc"] for a, e, _, m in calls if e == 2] == [r["valid_acc"] for r in s.results]


def test_on_epoch_needs_the_tasks_in_this_process(setting, tmp_path):
    from archrank.execution import LocalExecutor

    with SQLiteStore(tmp_path / "t.db") as st:
        with pytest.raises(InvalidArgument, match="in this process") as e:
            run_training(setting, archs=ARCHS, store=st, executor=LocalExecutor(workers=2),
                         on_epoch=lambda *a: None)
        assert e.value.parameter == "on_epoch"
        assert st.runs() == []  # refused before the run is opened


def test_store_may_be_a_path_as_in_run_scoring(setting, tmp_path):
    path = tmp_path / "p.db"
    first = run_training(setting, archs=ARCHS[:1], store=path)
    assert first.trained == 1 and first.run_id is not None and path.is_file()
    again = run_training(setting, archs=ARCHS[:1], store=str(path))  # a str too; the run resumes
    assert (again.trained, again.held) == (0, 1)
    with SQLiteStore(path) as st:
        assert len(st.training(regime=training_key(setting))) == 1 and len(st.runs("train")) == 1
    with pytest.raises(InvalidArgument):  # a bad call creates no store
        run_training(setting, archs=["|nope~0|"], store=tmp_path / "new.db")
    assert not (tmp_path / "new.db").exists()


def test_objectives_are_importable_from_archrank_search():
    from archrank import search
    from archrank.search.objectives import Objective

    for name in ("BenchmarkObjective", "HeuristicObjective", "TrainingObjective", "SupernetObjective"):
        assert issubclass(getattr(search, name), Objective) and name in search.__all__
