"""The device of a scoring setting: auto / cpu / cuda[:N], and one clear error where CUDA is missing."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from archrank.errors import InvalidArgument
from archrank.execution.device import resolve_device
from archrank.run import ScoreSetting
from archrank.run.context import score_context


def test_auto_and_cpu():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")


def test_bad_spec_names_the_choices():
    with pytest.raises(InvalidArgument, match="device 'gpu' is not valid; valid: auto, cpu, cuda, cuda:N"):
        ScoreSetting("nb201", device="gpu")


def test_context_carries_the_device():
    ctx = score_context(ScoreSetting("nb201", device="cpu"), (("none",) * 6), inputs=torch.zeros(2, 3, 8, 8))
    assert ctx.device == "cpu" and ctx.inputs.device.type == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_cuda_is_one_error_line(tmp_path):
    with pytest.raises(InvalidArgument, match="CUDA is not available"):
        resolve_device("cuda:0")
    p = subprocess.run([sys.executable, "-m", "archrank", "score", "--space", "nb201", "--archs", "random:2",
                        "--heuristics", "params", "--store", str(tmp_path / "s.db"), "--device", "cuda"],
                       check=False, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "CUDA is not available" in lines[0] and "--device" in lines[0], p.stderr
    assert not (tmp_path / "s.db").exists()
