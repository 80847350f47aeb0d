"""``archrank kernel``: spec parsing, output file, agreement with the Python API, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from archrank.cli import main
from archrank.errors import InvalidArgument
from archrank.kernels import analytic as ak
from archrank.kernels.spec import parse_net


def test_kernel_command_writes_nngp_and_ntk(tmp_path, capsys):
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 3))
    x2 = np.random.default_rng(1).normal(size=(2, 6, 6, 3))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "x2.npy", x2)
    spec = "conv:64:3,relu,conv:64:3,relu,gap,dense:10"
    rc = main(["kernel", "--net", spec, "--w-std", "1.5", "--b-std", "0.05", "--x", str(tmp_path / "x.npy"),
               "--out", str(tmp_path / "k.npz")])
    assert rc == 0 and "k.npz" in capsys.readouterr().out
    k = np.load(tmp_path / "k.npz")
    net = ak.serial(ak.Conv(64, 3, W_std=1.5, b_std=0.05), ak.Relu(), ak.Conv(64, 3, W_std=1.5, b_std=0.05),
                    ak.Relu(), ak.GlobalAvgPool(), ak.Dense(10, W_std=1.5, b_std=0.05))
    ref = net(x, method="generic")
    assert np.allclose(k["nngp"], ref.nngp) and np.allclose(k["ntk"], ref.ntk)
    rc = main(["kernel", "--net", "conv:8:3:2,erf,avgpool:2,flatten,dense:1", "--x", str(tmp_path / "x2.npy"),
               "--x2", str(tmp_path / "x.npy"), "--out", str(tmp_path / "k2.npz")])
    assert rc == 0 and np.load(tmp_path / "k2.npz")["ntk"].shape == (2, 4)


def test_spec_parser_forms():
    net = parse_net("conv:8:3:2, relu, avgpool:2:1, lap:1, dense:3, leaky_relu:0.2, erf, abs, identity", W_std=2.0)
    names = [type(lay).__name__ for lay in net.layers]
    assert names == ["Conv", "ABRelu", "AvgPool", "LocalAvgPool", "Dense", "ABRelu", "Erf", "ABRelu", "Identity"]
    assert net.layers[0].strides == (2, 2) and net.layers[0].W_std == 2.0 and net.layers[2].strides == (1, 1)
    for bad in ("conv:64", "dense", "dense:x", "pool:2", "relu:3", "conv:0:3", "", "lap:-1"):
        with pytest.raises(InvalidArgument, match="valid layer forms"):
            parse_net(bad)


@pytest.mark.parametrize("spec", ["conv:64,relu", "maxpool:2", "dense:-3"])
def test_malformed_spec_is_one_clear_line(tmp_path, capsys, spec):
    np.save(tmp_path / "x.npy", np.zeros((2, 3)))
    rc = main(["kernel", "--net", spec, "--x", str(tmp_path / "x.npy"), "--out", str(tmp_path / "k.npz")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "valid layer forms" in err and "conv:CHANNELS:FILTER" in err
    assert "Traceback" not in err


def test_missing_or_bad_inputs(tmp_path, capsys):
    rc = main(["kernel", "--net", "dense:4,relu", "--x", str(tmp_path / "nope.npy"), "--out", str(tmp_path / "k.npz")])
    assert rc == 2 and "not found" in capsys.readouterr().err
    np.save(tmp_path / "x.npy", np.zeros((2, 3, 4)))
    rc = main(["kernel", "--net", "dense:4,relu", "--x", str(tmp_path / "x.npy"), "--out", str(tmp_path / "k.npz")])
    assert rc == 2 and "(N, D) or (N, H, W, C)" in capsys.readouterr().err
    np.save(tmp_path / "y.npy", np.zeros((2, 3)))
    rc = main(["kernel", "--net", "conv:4:3,relu", "--x", str(tmp_path / "y.npy"), "--out", str(tmp_path / "k.npz")])
    assert rc == 2 and "image" in capsys.readouterr().err


def _save_images(tmp_path, n=6):
    np.save(tmp_path / "x.npy", np.random.default_rng(2).normal(size=(n, 5, 5, 2)))
    return str(tmp_path / "x.npy")


@pytest.mark.parametrize("method", ["generic", "fast"])
def test_device_cpu_gives_the_default_values(tmp_path, capsys, method):
    x = _save_images(tmp_path)
    base = ["kernel", "--net", "conv:8:3,relu,conv:8:3,relu,gap,dense:1", "--x", x, "--method", method,
            "--batch-size", "2"]
    assert main([*base, "--out", str(tmp_path / "default.npz")]) == 0
    assert main([*base, "--out", str(tmp_path / "cpu.npz"), "--device", "cpu"]) == 0
    a, b = np.load(tmp_path / "default.npz"), np.load(tmp_path / "cpu.npz")
    if not torch.cuda.is_available():  # auto is the CPU here: the same arithmetic, the same bits
        assert np.array_equal(a["nngp"], b["nngp"]) and np.array_equal(a["ntk"], b["ntk"])
    else:
        assert np.allclose(a["nngp"], b["nngp"], rtol=1e-9) and np.allclose(a["ntk"], b["ntk"], rtol=1e-9)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_device_cuda_without_cuda_is_one_line_and_writes_nothing(tmp_path, capsys, device):
    x = _save_images(tmp_path)
    rc = main(["kernel", "--net", "dense:4,relu", "--x", x, "--out", str(tmp_path / "k.npz"), "--device", device])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "CUDA is not available" in err and "--device" in err and "auto, cpu" in err
    assert not (tmp_path / "k.npz").exists()


def _terminal(monkeypatch):
    import sys

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)


@pytest.mark.parametrize("method", ["generic", "fast"])
def test_progress_bar_on_a_terminal(tmp_path, capsys, monkeypatch, method):
    x = _save_images(tmp_path, n=6)
    _terminal(monkeypatch)
    rc = main(["kernel", "--net", "conv:8:3,relu,gap,dense:1", "--x", x, "--out", str(tmp_path / "k.npz"),
               "--batch-size", "2", "--method", method])
    captured = capsys.readouterr()
    assert rc == 0 and "k.npz" in captured.out and "kernel" not in captured.out.split("->")[0]
    assert "kernel:" in captured.err and "6/6" in captured.err and "block" in captured.err  # 3 blocks: 6 pairs


def test_no_progress_bar_with_quiet_or_off_a_terminal(tmp_path, capsys, monkeypatch):
    x = _save_images(tmp_path, n=6)
    args = ["kernel", "--net", "conv:8:3,relu,gap,dense:1", "--x", x, "--out", str(tmp_path / "k.npz"),
            "--batch-size", "2"]
    assert main(args) == 0  # captured stderr is not a terminal
    assert capsys.readouterr().err == ""
    _terminal(monkeypatch)
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
