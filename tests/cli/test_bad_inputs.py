"""Bad input across every command: exit code 2, one line on stderr, no traceback, the store untouched.

Each case is an argv template; ``{store}`` is a copy of a small real store (scored once per module),
``{new}`` a store path that does not exist yet (it must not be created), ``{tmp}`` a fresh folder, ``{file}``
an existing plain file, ``{nan}`` / ``{bad_npy}`` / ``{x}`` .npy inputs, ``{archs}`` a file of malformed
architectures, ``{corrupt}`` a file that is not a store.  Commands run in-process through
``archrank.cli.main`` (a handful also through a real subprocess at the end).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from archrank.cli import COMMANDS, main

REPO = Path(__file__).resolve().parents[2]

# Argument prefixes the cases share (a case is a prefix and what it gets wrong).
SCORE = ["score", "--archs", "random:2", "--heuristics", "params", "--store", "{store}"]
BUILD = ["bench", "build", "--archs", "random:2", "--regime", "c1r1e5", "--store", "{store}"]
TRAIN = ["train", "--arch", "0"]
SEARCH = ["search", "--strategy", "random", "--benchmark", "nb201", "--budget-seconds", "100"]
ON_HEURISTIC = ["search", "--objective", "heuristic:params", "--budget-archs", "3"]
PREDICT = ["predict", "--benchmark", "nb201-cifar10", "--labels", "10"]
CORRELATE = ["correlate", "--store", "{store}", "--benchmark", "nb201", "--metric", "c10_test_200"]

CASES: dict[str, list[str]] = {
    # score
    "score negative seed": [*SCORE, "--seed", "-1"],
    "score unknown heuristic": ["score", "--archs", "random:2", "--heuristics", "nope", "--store", "{store}"],
    "score unknown space": ["score", "--space", "nope", "--archs", "random:2", "--heuristics", "params",
                            "--store", "{store}"],
    "score zero archs": ["score", "--archs", "random:0", "--heuristics", "params", "--store", "{store}"],
    "score malformed archs": ["score", "--archs", "random:x", "--heuristics", "params", "--store", "{store}"],
    "score missing archs file": ["score", "--archs", "{tmp}/none.txt", "--heuristics", "params", "--store",
                                 "{store}"],
    "score malformed arch in file": ["score", "--archs", "{archs}", "--heuristics", "params", "--store",
                                     "{store}"],
    "score too many archs": ["score", "--archs", "random:99999", "--heuristics", "params", "--store",
                             "{store}"],
    "score zero batch": [*SCORE, "--batch-size", "0"],
    "score zero threads": [*SCORE, "--threads", "0"],
    "score unknown executor": [*SCORE, "--executor", "nope"],
    "score zero cpus": [*SCORE, "--executor", "ray", "--num-cpus", "0"],
    "score bad seed, new store": ["score", "--archs", "random:2", "--heuristics", "params", "--store",
                                  "{new}", "--seed", "-3"],
    "score unknown heuristic, new store": ["score", "--archs", "random:2", "--heuristics", "nope", "--store",
                                           "{new}"],
    "score corrupt store": ["score", "--archs", "random:2", "--heuristics", "params", "--store", "{corrupt}"],
    "score missing flag": ["score", "--archs", "random:2", "--store", "{store}"],
    "score neither archs nor model": ["score", "--heuristics", "params", "--store", "{store}"],
    "score model not importable": ["score", "--model", "no_such_module_xyz:net", "--heuristics", "params"],
    "score model missing attribute": ["score", "--model", "torch.nn:NoSuchNet", "--heuristics", "params"],
    "score model not a network": ["score", "--model", "math:pi", "--heuristics", "params"],
    "score model with archs": ["score", "--model", "torch.nn:Identity", "--archs", "random:2", "--heuristics",
                               "params"],
    "score model alone with a population heuristic": ["score", "--model", "torch.nn:Identity", "--heuristics",
                                                      "ranker"],
    "score model unknown heuristic": ["score", "--model", "torch.nn:Identity", "--heuristics", "nope",
                                      "--store", "{new}"],
    # train
    "train zero epochs": [*TRAIN, "--epochs", "0", "--store", "{store}"],
    "train negative epochs": [*TRAIN, "--epochs", "-1", "--store", "{store}"],
    "train malformed arch": ["train", "--arch", "|nope~0|", "--store", "{store}"],
    "train index out of range": ["train", "--arch", "999999", "--store", "{store}"],
    "train zero batch": [*TRAIN, "--batch-size", "0", "--store", "{store}"],
    "train zero images": [*TRAIN, "--train-images", "0", "--store", "{store}"],
    "train bad regime": [*TRAIN, "--regime", "bogus", "--store", "{store}"],
    "train negative lr": [*TRAIN, "--lr", "-0.1", "--store", "{store}"],
    "train epochs not a number": [*TRAIN, "--epochs", "many", "--store", "{store}"],
    # search
    "search zero queries": [*SEARCH, "--max-queries", "0"],
    "search plot into missing folder": [*SEARCH, "--plot", "{tmp}/missing/p.png"],
    "search plot under a file": [*SEARCH, "--plot", "{file}/p.png"],
    "search plot is a folder": [*SEARCH, "--plot", "{tmp}"],
    "search unknown strategy": ["search", "--strategy", "nope", "--benchmark", "nb201", "--budget-seconds",
                                "100"],
    "search zero budget": ["search", "--strategy", "random", "--benchmark", "nb201", "--budget-seconds", "0"],
    "search nan budget": ["search", "--strategy", "random", "--benchmark", "nb201", "--budget-seconds",
                          "nan"],
    "search zero runs": [*SEARCH, "--runs", "0"],
    "search missing benchmark": ["search", "--strategy", "random", "--benchmark", "{tmp}/none.csv",
                                 "--budget-seconds", "100"],
    "search unknown column": [*SEARCH, "--signal", "nope"],
    "search bad charge": ["search", "--strategy", "naswot", "--heuristic", "params", "--benchmark", "nb201",
                          "--budget-seconds", "100", "--charge", "soon"],
    "search negative charge": ["search", "--strategy", "naswot", "--heuristic", "params", "--benchmark",
                               "nb201", "--budget-seconds", "100", "--charge", "-1"],
    "search unknown heuristic": ["search", "--strategy", "naswot", "--heuristic", "nope", "--benchmark",
                                 "nb201", "--budget-seconds", "100", "--store", "{store}"],
    "search guided without heuristic": ["search", "--strategy", "naswot", "--benchmark", "nb201",
                                        "--budget-seconds", "100", "--store", "{store}"],
    "search bad param": ["search", "--strategy", "rea", "--param", "nope=3", "--benchmark", "nb201",
                         "--budget-seconds", "100"],
    "search corrupt store": ["search", "--strategy", "naswot", "--heuristic", "params", "--benchmark",
                             "nb201", "--budget-seconds", "100", "--store", "{corrupt}"],
    # kernel
    "kernel nan input": ["kernel", "--net", "dense:8,relu", "--x", "{nan}", "--out", "{tmp}/k.npz"],
    "kernel out is a folder": ["kernel", "--net", "dense:8,relu", "--x", "{x}", "--out", "{tmp}"],
    "kernel out into missing folder": ["kernel", "--net", "dense:8,relu", "--x", "{x}", "--out",
                                       "{tmp}/missing/k.npz"],
    "kernel out under a file": ["kernel", "--net", "dense:8,relu", "--x", "{x}", "--out", "{file}/k.npz"],
    "kernel bad net": ["kernel", "--net", "dense:x,relu", "--x", "{x}", "--out", "{tmp}/k.npz"],
    "kernel unknown layer": ["kernel", "--net", "wobble", "--x", "{x}", "--out", "{tmp}/k.npz"],
    "kernel missing input": ["kernel", "--net", "dense:8", "--x", "{tmp}/none.npy", "--out", "{tmp}/k.npz"],
    "kernel corrupt input": ["kernel", "--net", "dense:8", "--x", "{bad_npy}", "--out", "{tmp}/k.npz"],
    "kernel mismatched x2": ["kernel", "--net", "dense:8", "--x", "{x}", "--x2", "{x5}", "--out",
                             "{tmp}/k.npz"],
    "kernel zero batch": ["kernel", "--net", "dense:8", "--x", "{x}", "--out", "{tmp}/k.npz", "--batch-size",
                          "0"],
    "kernel unknown method": ["kernel", "--net", "dense:8", "--x", "{x}", "--out", "{tmp}/k.npz", "--method",
                              "magic"],
    "kernel unknown device": ["kernel", "--net", "dense:8", "--x", "{x}", "--out", "{tmp}/k.npz", "--device",
                              "gpu"],
    "kernel cuda index not a number": ["kernel", "--net", "dense:8", "--x", "{x}", "--out", "{tmp}/k.npz",
                                       "--device", "cuda:x"],
    # bench
    "bench import out into missing folder": ["bench", "import", "{tmp}", "--out", "{tmp}/missing/t.csv"],
    "bench import missing archive": ["bench", "import", "{tmp}/none", "--out", "{tmp}/t.csv"],
    "bench import not an archive": ["bench", "import", "{file}", "--out", "{tmp}/t.csv"],
    "bench export out into missing folder": ["bench", "export", "--store", "{store}", "--out",
                                             "{tmp}/missing/t.csv"],
    "bench export out is a folder": ["bench", "export", "--store", "{store}", "--out", "{tmp}"],
    "bench export missing store": ["bench", "export", "--store", "{new}", "--out", "{tmp}/t.csv"],
    "bench build bad regime": ["bench", "build", "--archs", "random:2", "--regime", "bogus", "--store",
                               "{store}"],
    "bench build zero images": [*BUILD, "--train-images", "0"],
    "bench build negative seed": [*BUILD, "--seed", "-1"],
    "bench build zero threads": [*BUILD, "--threads", "0"],
    "bench unknown action": ["bench", "nope"],
    # export / report
    "export out into missing folder": ["export", "--store", "{store}", "--out", "{tmp}/missing/s.csv"],
    "export out is a folder": ["export", "--store", "{store}", "--out", "{tmp}"],
    "export missing store": ["export", "--store", "{new}", "--out", "{tmp}/s.csv"],
    "export corrupt store": ["export", "--store", "{corrupt}", "--out", "{tmp}/s.csv"],
    "report out under a file": ["report", "--store", "{store}", "--out", "{file}/r"],
    "report out into missing folder": ["report", "--store", "{store}", "--out", "{tmp}/a/b/r"],
    "report out is a file": ["report", "--store", "{store}", "--out", "{file}"],
    "report missing store": ["report", "--store", "{new}", "--out", "{tmp}/r"],
    "report top zero": ["report", "--store", "{store}", "--out", "{tmp}/r", "--top", "0"],
    # table
    "table info unknown table": ["table", "info", "nope"],
    "table build unknown table": ["table", "build", "nope", "--out", "{tmp}/t"],
    "table build shard out of range": ["table", "build", "nb201-cifar10", "--shards", "0,256", "--out",
                                       "{tmp}/t"],
    "table build malformed shards": ["table", "build", "nb201-cifar10", "--shards", "1-x", "--out",
                                     "{tmp}/t"],
    "table build training heuristic": ["table", "build", "nb201-cifar10", "--heuristics", "weight_sharing",
                                       "--out", "{tmp}/t"],
    "table missing action": ["table"],
    "table score unknown heuristic": ["table", "score", "nb201-cifar10", "--heuristics", "nope", "--store",
                                      "{new}"],
    "table score bad selection": ["table", "score", "nb201-cifar10", "--heuristics", "params", "--store",
                                  "{new}", "--archs", "random:0"],
    "table score metric without benchmark": ["table", "score", "nb201-cifar10", "--heuristics", "params",
                                             "--store", "{new}", "--metric", "c10_test_200"],
    "correlate unknown table": ["correlate", "--store", "table:nope", "--benchmark", "nb201", "--metric",
                                "c10_test_200"],
    # suite
    "suite unknown task": ["suite", "--tasks", "nope", "--heuristics", "params", "--store", "{new}"],
    "suite unknown heuristic": ["suite", "--tasks", "nb201-cifar10", "--heuristics", "nope", "--store",
                                "{new}"],
    "suite negative archs per task": ["suite", "--tasks", "nb201-cifar10", "--heuristics", "params",
                                      "--store", "{new}", "--archs-per-task", "-3"],
    "suite plot into missing folder": ["suite", "--tasks", "nb201-cifar10", "--heuristics", "params",
                                       "--store", "{new}", "--plot", "{tmp}/missing/h.png"],
    # demo
    "demo train more than archs": ["demo", "--train", "50", "--archs", "3", "--store", "{new}"],
    "demo too few archs": ["demo", "--archs", "1", "--store", "{new}"],
    "demo unknown heuristic": ["demo", "--heuristics", "nope", "--store", "{new}"],
    "demo zero threads": ["demo", "--threads", "0", "--store", "{new}"],
    "demo negative seed": ["demo", "--seed", "-1", "--store", "{new}"],
    # describe / spaces / heuristics / data
    "describe malformed arch": ["describe", "--arch", "|bad|"],
    "describe index out of range": ["describe", "--index", "99999999"],
    "describe unknown space": ["describe", "--space", "nope", "--index", "0"],
    "describe unknown data set": ["describe", "--index", "0", "--dataset", "nope"],
    "describe neither": ["describe"],
    "spaces unknown flag": ["spaces", "--bogus"],
    "heuristics unknown flag": ["heuristics", "--bogus"],
    "data info unknown": ["data", "info", "nope"],
    "data download unknown": ["data", "download", "nope", "--data-dir", "{tmp}"],
    "data download zero timeout": ["data", "download", "mnist", "--timeout", "0", "--data-dir", "{tmp}"],
    # correlate
    "correlate missing store": ["correlate", "--store", "{new}", "--benchmark", "nb201", "--metric",
                                "c10_test_200"],
    "correlate missing benchmark": ["correlate", "--store", "{store}", "--benchmark", "{tmp}/none.csv",
                                    "--metric", "c10_test_200"],
    "correlate unknown metric": ["correlate", "--store", "{store}", "--benchmark", "nb201", "--metric",
                                 "nope"],
    # supernet
    "supernet out into missing folder": ["supernet", "train", "--out", "{tmp}/missing/s.pt"],
    "supernet zero epochs": ["supernet", "train", "--out", "{tmp}/s.pt", "--epochs", "0"],
    "supernet ratio above one": ["supernet", "train", "--out", "{tmp}/s.pt", "--train-ratio", "2"],
    "train archs and arch": [*TRAIN, "--archs", "random:2", "--store", "{store}"],
    "train missing archs file": ["train", "--archs", "{tmp}/none.txt", "--store", "{store}"],
    "train malformed arch in archs file": ["train", "--archs", "{archs}", "--store", "{store}"],
    "train archs checkpoint is a file": ["train", "--archs", "random:2", "--checkpoint", "{file}", "--store",
                                         "{store}", "--data-dir", "{tmp}", "--dataset", "synthetic"],
    # search on a heuristic alone
    "search bad objective": ["search", "--objective", "benchmark:x", "--budget-archs", "3"],
    "search objective without budget": ["search", "--objective", "heuristic:params"],
    "search objective unknown heuristic": ["search", "--objective", "heuristic:nope", "--budget-archs", "3"],
    "search objective with benchmark": [*ON_HEURISTIC, "--benchmark", "nb201"],
    "search objective zero archs": ["search", "--objective", "heuristic:params", "--budget-archs", "0"],
    "search objective out into missing folder": [*ON_HEURISTIC, "--out", "{tmp}/no/top.txt"],
    "search objective several strategies": [*ON_HEURISTIC, "--strategy", "rea,random"],
    "search budget-archs without objective": [*SEARCH, "--budget-archs", "3"],
    "search without benchmark or objective": ["search", "--strategy", "random", "--budget-seconds", "100"],
    # correlate against training results in the store
    "correlate trained with benchmark": ["correlate", "--store", "{store}", "--metric", "trained",
                                         "--benchmark", "nb201"],
    "correlate trained, none in store": ["correlate", "--store", "{store}", "--metric", "trained"],
    "correlate no benchmark": ["correlate", "--store", "{store}", "--metric", "c10_test_200"],
    # predict
    "predict unknown predictor": [*PREDICT, "--predictor", "nope"],
    "predict unknown feature group": [*PREDICT, "--features", "encoding,nope"],
    "predict zero labels": ["predict", "--benchmark", "nb201-cifar10", "--labels", "0"],
    "predict no labels": ["predict", "--benchmark", "nb201-cifar10"],
    "predict zc without store": [*PREDICT, "--features", "zc:params"],
    "predict zc, missing store": [*PREDICT, "--features", "zc:params", "--store", "{new}", "--no-compute"],
    "predict unknown benchmark": ["predict", "--benchmark", "nope", "--labels", "10"],
    "predict unknown metric": [*PREDICT, "--metric", "nope"],
    "predict labels over population": ["predict", "--benchmark", "nb201-cifar10", "--labels", "9",
                                       "--population", "10"],
    "predict bad param": [*PREDICT, "--param", "nope=1"],
    "predict save into missing folder": [*PREDICT, "--save", "{tmp}/missing/p.json"],
    "predict load missing file": ["predict", "--benchmark", "nb201-cifar10", "--load", "{tmp}/none.json"],
    "predict load not a predictor": ["predict", "--benchmark", "nb201-cifar10", "--load", "{file}"],
    "suite search unknown strategy": ["suite", "--search", "--tasks", "nb201-cifar10", "--strategies",
                                      "nope"],
    "suite search strategy needing a heuristic": ["suite", "--search", "--tasks", "nb201-cifar10",
                                                  "--strategies", "rea,naswot"],
    "suite search heuristic without store": ["suite", "--search", "--tasks", "nb301-cifar10", "--strategies",
                                             "bo", "--heuristics", "naslib:synflow"],
    "suite search bad charge": ["suite", "--search", "--tasks", "nb301-cifar10", "--strategies", "bo",
                                "--heuristics", "naslib:synflow", "--store", "{store}", "--charge", "lots"],
    "predict archs without load": ["predict", "--archs", "random:5"],
    "predict archs and benchmark": ["predict", "--archs", "random:5", "--benchmark", "nb201-cifar10",
                                    "--load", "{file}"],
    "predict neither benchmark nor archs": ["predict", "--labels", "10"],
    "predict top without archs": [*PREDICT, "--top", "3"],
    "predict archs load not a predictor": ["predict", "--load", "{file}", "--archs", "random:5"],
    "search bananas bad features": ["search", "--strategy", "bananas", "--benchmark", "nb201",
                                    "--budget-seconds", "100", "--param", "features=nope"],
    "search bo zc without heuristic": ["search", "--strategy", "bo", "--benchmark", "nb201",
                                       "--budget-seconds", "100", "--param", "features=encoding,zc"],
    "demo unknown space": ["demo", "--space", "nope"],
    "demo vector space": ["demo", "--space", "generic_mlp"],
    # what a new user tripped on
    "report out two levels under a file": ["report", "--store", "{store}", "--out", "{file}/a/r"],
    "export unknown heuristic": ["export", "--store", "{store}", "--heuristic", "nope", "--out",
                                 "{tmp}/s.csv"],
    "export unknown space": ["export", "--store", "{store}", "--space", "nb101", "--out", "{tmp}/s.csv"],
    "suite from store, missing store": ["suite", "--from-store", "--store", "{new}", "--tasks",
                                        "nb201-cifar10", "--heuristics", "params"],
    "heuristics json garbage": ["heuristics", "--json", "garbage"],
    # empty items in every list-valued flag
    "score empty heuristic item": ["score", "--archs", "random:2", "--heuristics", "params,,synflow",
                                   "--store", "{store}"],
    "score trailing comma": ["score", "--archs", "random:2", "--heuristics", "params,", "--store", "{store}"],
    "search empty strategy item": ["search", "--strategy", "rea,,", "--benchmark", "nb201",
                                   "--budget-seconds", "100"],
    "suite empty task item": ["suite", "--tasks", "nb201-cifar10,,nb101-cifar10", "--heuristics", "params",
                              "--store", "{new}"],
    "suite empty heuristic item": ["suite", "--tasks", "nb201-cifar10", "--heuristics", ",params", "--store",
                                   "{new}"],
    "correlate empty heuristic item": [*CORRELATE, "--heuristics", "params,,"],
    "correlate empty combination member": [*CORRELATE, "--combine", "mean_rank:params,,synflow"],
    "demo empty heuristic item": ["demo", "--heuristics", "snip,,synflow", "--store", "{new}"],
    "bench export empty heuristic item": ["bench", "export", "--store", "{store}", "--out", "{tmp}/z.json",
                                          "--space", "nb201", "--heuristics", "params,,"],
    "table build empty skip item": ["table", "build", "nb201-cifar10", "--skip", "snip,,synflow", "--out",
                                    "{tmp}/t"],
    "table build empty heuristic item": ["table", "build", "nb201-cifar10", "--heuristics", "snip,", "--out",
                                         "{tmp}/t"],
    "predict empty feature item": [*PREDICT, "--features", "encoding,,graph"],
    "search bananas empty feature item": ["search", "--strategy", "bananas", "--benchmark", "nb201",
                                          "--budget-seconds", "100", "--param", "features=encoding,"],
    "bench import empty data set item": ["bench", "import", "{tmp}", "--out", "{tmp}/t.csv", "--datasets",
                                         "cifar10,,"],
    # data that cannot be read ({bad_data}: a CIFAR-10 folder of garbage files) fails before a store is opened
    "score corrupt data": ["score", "--archs", "random:2", "--heuristics", "synflow", "--store", "{store}",
                           "--data-dir", "{bad_data}"],
    "score corrupt data, new store": ["score", "--archs", "random:2", "--heuristics", "synflow", "--store",
                                      "{new}", "--data-dir", "{bad_data}"],
    "train corrupt data": [*TRAIN, "--epochs", "1", "--store", "{store}", "--data-dir", "{bad_data}"],
    "train corrupt data, new store": [*TRAIN, "--epochs", "1", "--store", "{new}", "--data-dir",
                                      "{bad_data}"],
    "train archs corrupt data": ["train", "--archs", "random:2", "--epochs", "1", "--store", "{store}",
                                 "--data-dir", "{bad_data}", "--checkpoint", "{tmp}/ckpts"],
    "train archs corrupt data, new store": ["train", "--archs", "random:2", "--epochs", "1", "--store",
                                            "{new}", "--data-dir", "{bad_data}"],
    "bench build corrupt data": ["bench", "build", "--archs", "random:2", "--regime", "c3r3e7s1", "--store",
                                 "{new}", "--data-dir", "{bad_data}"],
    "search live corrupt data": [*SEARCH, "--heuristic", "synflow", "--store", "{store}", "--data-dir",
                                 "{bad_data}"],
    "search live corrupt data, new store": [*SEARCH, "--heuristic", "synflow", "--store", "{new}",
                                            "--data-dir", "{bad_data}"],
    "search supernet corrupt data, new store": ["search", "--strategy", "enas", "--benchmark", "nb201",
                                                "--budget-seconds", "100", "--store", "{new}", "--data-dir",
                                                "{bad_data}"],
    "search supernet not a checkpoint, new store": ["search", "--strategy", "enas", "--benchmark", "nb201",
                                                    "--budget-seconds", "100", "--store", "{new}", "--supernet",
                                                    "{corrupt}", "--data-dir", "{real_data}"],
    "search objective corrupt data": ["search", "--objective", "heuristic:synflow", "--budget-archs", "3",
                                      "--store", "{store}", "--data-dir", "{bad_data}"],
    "search objective corrupt data, new store": ["search", "--objective", "heuristic:synflow",
                                                 "--budget-archs", "3", "--store", "{new}", "--data-dir",
                                                 "{bad_data}"],
    "predict zc corrupt data": [*PREDICT, "--population", "20", "--features", "zc:synflow", "--store",
                                "{store}", "--data-dir", "{bad_data}"],
    "predict zc corrupt data, new store": [*PREDICT, "--population", "20", "--features", "zc:synflow",
                                           "--store", "{new}", "--data-dir", "{bad_data}"],
    "predict zc all, new store": [*PREDICT, "--population", "20", "--features", "zc:all", "--store", "{new}"],
    "suite corrupt data": ["suite", "--tasks", "nb201-cifar10", "--heuristics", "synflow", "--archs-per-task",
                           "3", "--store", "{store}", "--data-dir", "{bad_data}"],
    "suite corrupt data, new store": ["suite", "--tasks", "nb201-cifar10", "--heuristics", "synflow",
                                      "--archs-per-task", "3", "--store", "{new}", "--data-dir",
                                      "{bad_data}"],
    "spaces missing plugin module": ["spaces", "--plugin", "no_such_plugin_module_for_archrank"],
    # the command itself
    "unknown command": ["nope"],
    "no command": [],
}


@pytest.fixture(scope="module")
def base_store(tmp_path_factory) -> Path:
    """A small real store: two NB201 architectures scored with params."""
    folder = tmp_path_factory.mktemp("store")
    path = folder / "base.db"
    (folder / "archs.txt").write_text("0\n1\n")
    assert main(["score", "--archs", str(folder / "archs.txt"), "--heuristics", "params", "--store", str(path), "--quiet"]) == 0
    return path


def _rows(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def places(tmp_path, base_store) -> dict[str, str]:
    store = tmp_path / "store.db"
    store.write_bytes(base_store.read_bytes())
    work = tmp_path / "work"
    work.mkdir()
    plain = tmp_path / "plain.txt"
    plain.write_text("not a folder\n")
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a SQLite database\n" * 40)
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "x5.npy", np.zeros((2, 5)))
    x[1, 2] = np.nan
    np.save(tmp_path / "nan.npy", x)
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY garbage")
    (tmp_path / "archs.txt").write_text("|nor_conv_3x3~0|+|bogus|\n")
    cifar = tmp_path / "bad_data" / "cifar-10-batches-py"
    cifar.mkdir(parents=True)
    for name in ("batches.meta", "test_batch", *(f"data_batch_{i}" for i in range(1, 6))):
        (cifar / name).write_bytes(b"not a pickled CIFAR batch\n")
    return {"bad_data": str(cifar.parent), "real_data": os.environ.get("ARCHRANK_SHARED_DATA", str(REPO.parent / "shared" / "data")), "store": str(store), "new": str(tmp_path / "new.db"), "tmp": str(work), "file": str(plain),
            "corrupt": str(corrupt), "x": str(tmp_path / "x.npy"), "x5": str(tmp_path / "x5.npy"),
            "nan": str(tmp_path / "nan.npy"), "bad_npy": str(tmp_path / "bad.npy"),
            "archs": str(tmp_path / "archs.txt")}


def _fill(argv: list[str], places: dict[str, str]) -> list[str]:
    return [a.format(**places) for a in argv]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_and_exit_2(case, places, capsys, monkeypatch):
    _refused(case, CASES[case], places, capsys, monkeypatch)


def _refused(case: str, argv: list[str], places: dict[str, str], capsys, monkeypatch) -> str:
    """Run ``argv``: exit 2, one line on stderr naming the command, nothing on stdout, nothing written."""
    monkeypatch.setenv("ARCHRANK_DATA", places["tmp"])  # nothing found, nothing downloaded
    store, new, corrupt = Path(places["store"]), Path(places["new"]), Path(places["corrupt"])
    before = (_digest(store), _rows(store), _digest(corrupt))
    code = main(_fill(argv, places))
    out, err = capsys.readouterr()
    assert code == 2, f"{case}: exit {code}; stderr {err!r}"
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, f"{case}: stderr {err!r}"
    assert out == "", f"{case}: stdout {out!r}"
    assert (_digest(store), _rows(store), _digest(corrupt)) == before, f"{case}: a store was changed"
    assert not new.exists(), f"{case}: a store file was created"
    assert not list(Path(places["tmp"]).iterdir()), f"{case}: something was written"
    if argv and argv[0] in COMMANDS:
        assert err.startswith(f"archrank {argv[0]}"), f"{case}: stderr {err!r} does not name the command"
    return err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into a folder whatever its mode (the probe test below covers root)")
@pytest.mark.parametrize("out", ["{ro}", "{ro}/r"])
def test_report_out_into_a_read_only_folder(out, places, capsys, monkeypatch, tmp_path):
    ro = tmp_path / "read-only"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        err = _refused("report out read-only", ["report", "--store", "{store}", "--out", out],
                       {**places, "ro": str(ro)}, capsys, monkeypatch)
        assert "cannot be written" in err and not list(ro.iterdir())
    finally:
        ro.chmod(0o755)


def test_report_out_is_checked_by_a_real_write(places, capsys, monkeypatch):
    # A folder the permission bits call writable but whose file system refuses a file (a read-only mount, an
    # ACL, /proc): only creating a file tells, for root too.  The refusal is made here by the file system call.
    import errno
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    for out in ("{tmp}", "{tmp}/r"):
        err = _refused("report out on a read-only file system", ["report", "--store", "{store}", "--out", out],
                       places, capsys, monkeypatch)
        assert "cannot be written" in err and os.strerror(errno.EROFS) in err, err


def test_every_command_has_bad_input_cases():
    covered = {argv[0] for argv in CASES.values() if argv}
    assert covered >= set(COMMANDS), sorted(set(COMMANDS) - covered)
    assert len(CASES) >= 80


# ---- strict JSON --------------------------------------------------------------------------------------------

def _strict(constant: str):
    raise ValueError(f"not JSON: {constant}")


JSON_COMMANDS = {
    "spaces": ["spaces", "--json"],
    "heuristics": ["heuristics", "--json"],
    "describe": ["describe", "--index", "7", "--json"],
    "search": ["search", "--strategy", "random", "--benchmark", "nb201", "--budget-seconds", "3000", "--json"],
    "search compare": ["search", "--strategy", "random,rea", "--benchmark", "nb201", "--budget-seconds", "3000",
                       "--runs", "2", "--json"],
    "score": ["score", "--archs", "random:2", "--heuristics", "params", "--store", "{store}", "--json"],
    "data list": ["data", "list", "--data-dir", "{tmp}", "--json"],
    "correlate": ["correlate", "--store", "{store}", "--benchmark", "nb201", "--metric", "c10_test_200", "--json"],
    "predict": ["predict", "--benchmark", "nb201-cifar10", "--labels", "10", "--seeds", "2", "--population", "200",
                "--features", "graph", "--predictor", "ridge_rank", "--json"],
}


@pytest.mark.parametrize("case", sorted(JSON_COMMANDS))
def test_json_output_is_strict_json_and_nothing_else(case, places, capsys):
    assert main(_fill(JSON_COMMANDS[case], places)) == 0
    out = capsys.readouterr().out
    json.loads(out, parse_constant=_strict)  # one document, no NaN/Infinity


def test_json_helper_writes_non_finite_numbers_as_null():
    from archrank.cli.output import to_json

    text = to_json({"a": float("nan"), "b": [np.float32("inf"), 1.5, np.int64(3)], "c": np.array([1.0, np.nan])})
    assert json.loads(text, parse_constant=_strict) == {"a": None, "b": [None, 1.5, 3], "c": [1.0, None]}


# ---- through a real process ---------------------------------------------------------------------------------

def _archrank(*argv: str, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.run([sys.executable, "-m", "archrank", *argv], check=False, capture_output=True, text=True,
                          env=env, timeout=120, **kw)


def test_version_and_help_do_not_import_torch():
    probe = ("import sys; from archrank.cli import main; code = main(sys.argv[1:]); "
             "heavy = sorted(m for m in ('torch', 'scipy', 'numpy') if m in sys.modules); "
             "import json; print('HEAVY', json.dumps(heavy), file=sys.stderr); sys.exit(code)")
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    for argv, allowed in ((["--version"], set()), (["--help"], set()), (["score", "--help"], set()),
                          (["kernel", "--help"], set()), (["train", "--help"], set()),
                          (["search", "--help"], set())):
        r = subprocess.run([sys.executable, "-c", probe, *argv], check=False, capture_output=True, text=True,
                           env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        heavy = set(json.loads(r.stderr.split("HEAVY", 1)[1]))
        assert heavy <= allowed, (argv, heavy)


@pytest.mark.parametrize("argv", [
    ["score", "--archs", "random:2", "--heuristics", "params", "--store", "{new}", "--seed", "-1"],
    ["kernel", "--net", "dense:8", "--x", "{x}", "--out", "{tmp}"],
    ["search", "--strategy", "random", "--benchmark", "nb201", "--budget-seconds", "10", "--plot", "{file}/p.png"],
    ["train", "--arch", "0", "--epochs", "0"],
    ["nope"],
])
def test_bad_input_in_a_real_process(argv, places):
    r = _archrank(*_fill(argv, places))
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not Path(places["new"]).exists()


def test_help_of_every_command_lists_defaults(capsys):
    for name in COMMANDS:
        assert main([name, "--help"]) == 0
        assert "--quiet" in capsys.readouterr().out or name in ("bench", "data", "supernet", "table")
    from contextlib import redirect_stdout
    from io import StringIO

    for argv, expect in ((["score", "--help"], ["(default cifar10)", "--quiet", "(default nb201"]),
                         (["search", "--help"], ["stored|wall|SECONDS", "(default: 1)", "(default c10v_valid_12)",
                                                 "rea, reinforce"]),
                         (["train", "--help"], ["(default 200)", "--threads", "(default: cifar10)"]),
                         (["kernel", "--help"], ["{auto,generic,fast}", "dense:WIDTH", "(default: auto)"]),
                         (["bench", "build", "--help"], ["--batch-size BATCH_SIZE (default: 256)",
                                                         "{local,ray} (default: local)"])):
        buf = StringIO()
        with redirect_stdout(buf):
            assert main(argv) == 0
        text_of_help = " ".join(buf.getvalue().split())
        for text in expect:
            assert text in text_of_help, (argv, text)
