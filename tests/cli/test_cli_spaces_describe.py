"""``archrank spaces`` and ``archrank describe``: output and bad-input handling."""

from __future__ import annotations

import json

import pytest

from archrank.cli import main

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_spaces_json(capsys):
    assert main(["spaces", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["spaces"]}
    assert rows["nb201"]["size"] == 15625 and rows["nb201"]["num_canonical"] == 6466
    assert rows["nats_sss"]["size"] == 32768


def test_spaces_skips_a_space_whose_module_is_absent(capsys, monkeypatch):
    from archrank import spaces

    # a lazy entry whose module does not exist (monkeypatch removes it again afterwards)
    monkeypatch.setitem(spaces.SPACES._lazy, "ghost", "archrank.spaces.ghost_space_absent:Ghost")
    assert main(["spaces", "--json"]) == 0
    names = [r["name"] for r in json.loads(capsys.readouterr().out)["spaces"]]
    assert "ghost" not in names and "nb201" in names


def test_spaces_text(capsys):
    assert main(["spaces"]) == 0
    out = capsys.readouterr().out
    assert "nb201" in out and "15,625" in out and "6,466" in out


def test_describe_index_matches_nats_figures(capsys):
    assert main(["describe", "--space", "nb201", "--index", "11", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["index"] == 11
    assert rec["arch"] == "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|"
    assert rec["params_m"] == 0.802426
    assert rec["flops_m"] == pytest.approx(113.95137, rel=0.01)
    assert isinstance(rec["canonical"], str) and rec["canonical"]


def test_describe_arch_and_dataset(capsys):
    assert main(["describe", "--arch", BEST, "--dataset", "ImageNet16-120", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["arch"] == BEST and 0 <= rec["index"] < 15625
    assert main(["describe", "--space", "nats_sss", "--arch", "8:8:40:32:40", "--dataset", "cifar100", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec == {"index": 284, "arch": "8:8:40:32:40", "canonical": "8:8:40:32:40", "params_m": 0.148524,
                   "flops_m": pytest.approx(21.831684, rel=0.01)}


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["describe", "--arch", "|nor_conv_3x3~0|+|x"], "malformed"),
        (["describe", "--arch", BEST.replace("skip_connect", "conv_7x7")], "'conv_7x7'; valid choices: none, skip_connect"),
        (["describe", "--index", "15625"], "index 15625 is out of range"),
        (["describe", "--index", "-1"], "out of range"),
        (["describe", "--space", "nb999", "--index", "0"], "unknown space 'nb999'; valid choices:"),
        (["describe", "--index", "0", "--dataset", "svhn"], "unknown data set 'svhn'; valid choices: cifar10"),
        (["describe", "--space", "nats_sss", "--arch", "8:8:8"], "expected 5 widths"),
        (["describe", "--space", "nats_sss", "--index", "32768"], "out of range"),
    ],
)
def test_describe_bad_input_is_one_line_exit_2(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_describe_needs_arch_or_index(capsys):
    assert main(["describe"]) == 2  # a usage error is an exit code, not an exception out of main
    assert "--arch" in capsys.readouterr().err
