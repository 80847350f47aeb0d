"""Training runs: resumable, and a single architecture is a run of one (the same numbers as the CLI)."""

from __future__ import annotations

import json

import pytest
import torch

from archrank.cli import main
from archrank.errors import InvalidArgument
from archrank.run import TrainSetting, run_training
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
        recs = st.training(regime=setting.regime)
        assert len(recs) == 2 and all(0 <= r.metrics["valid_acc"] <= 100 for r in recs)
        scores = st.scores(heuristic=f"train_{setting.regime}")
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
