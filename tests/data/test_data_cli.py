"""``archrank data`` sub-commands."""

from __future__ import annotations

import json

from data_fixtures import write_cifar100

from archrank.cli import main


def test_data_list_json_reports_presence_and_location(tmp_path, capsys):
    write_cifar100(tmp_path / "cifar-100-python", n_train=10, n_test=10)
    assert main(["data", "list", "--json", "--data-dir", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {r["name"]: r for r in out["datasets"]}
    assert set(rows) == {"cifar10", "cifar10-64", "cifar100", "mnist", "fashion-mnist", "imagenet16-120", "ptb",
                         "wikitext2"}
    assert rows["cifar100"]["present"] and rows["cifar100"]["path"] == str(tmp_path / "cifar-100-python")
    assert not rows["cifar10"]["present"] and rows["cifar10"]["path"] is None
    assert rows["cifar10-64"]["downloadable"] and rows["cifar10-64"]["input_shape"] == [3, 64, 64]
    assert rows["cifar10"]["downloadable"] and not rows["imagenet16-120"]["downloadable"]
    assert main(["data", "list", "--data-dir", str(tmp_path)]) == 0
    assert "cifar100" in capsys.readouterr().out


def test_data_info_json(tmp_path, capsys):
    write_cifar100(tmp_path / "cifar-100-python", n_train=12, n_test=7)
    assert main(["data", "info", "cifar100", "--json", "--data-dir", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["num_classes"] == 100 and out["sizes"] == {"train": 12, "test": 7}


def test_data_errors_are_one_line_with_exit_2(tmp_path, capsys):
    assert main(["data", "download", "svhn", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown data set 'svhn'" in err and "cifar10" in err
    assert main(["data", "download", "imagenet16-120", "--data-dir", str(tmp_path)]) == 2
    assert "no public direct download" in capsys.readouterr().err
    (tmp_path / "cifar-100-python").mkdir()
    (tmp_path / "cifar-100-python" / "train").write_bytes(b"garbage")
    (tmp_path / "cifar-100-python" / "test").write_bytes(b"garbage")
    assert main(["data", "info", "cifar100", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "corrupt CIFAR-100 file" in err


def test_data_download_leaves_an_installed_data_set_alone(tmp_path, capsys):
    write_cifar100(tmp_path / "cifar-100-python", n_train=10, n_test=10)
    assert main(["data", "download", "cifar100", "--data-dir", str(tmp_path)]) == 0
    assert "already present" in capsys.readouterr().out
