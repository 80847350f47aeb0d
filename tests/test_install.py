"""A plain ``pip install archrank`` runs the main job: ``archrank demo`` needs no extra.

The core dependencies of pyproject.toml hold everything the demo imports (matplotlib included, for its
report), and the demo runs end to end in a process where every package that only an extra installs cannot
be imported."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# distribution name -> the module it installs, where they differ
MODULE_OF = {"import-linter": "importlinter", "scikit-learn": "sklearn"}


def _project() -> dict:
    tomllib = pytest.importorskip("tomllib")
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


def test_matplotlib_is_a_core_dependency():
    project = _project()
    core = {_name(r) for r in project["dependencies"]}
    assert {"torch", "numpy", "scipy", "matplotlib"} <= core
    extras = project["optional-dependencies"]
    assert extras["plot"] == [] and extras["report"] == []  # kept for old install lines, add nothing


def test_demo_runs_without_any_extra(shared_data, tmp_path):
    project = _project()
    core = {_name(r) for r in project["dependencies"]}
    extra_only = sorted({MODULE_OF.get(n, n).replace("-", "_") for reqs in project["optional-dependencies"].values()
                         for n in map(_name, reqs)} - core - {"pytest"})
    assert {"ray", "pandas", "pyarrow"} <= set(extra_only)
    report = tmp_path / "report"
    r = _demo_without(extra_only, shared_data, tmp_path, report)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (report / "index.html").is_file() and "<img" in (report / "index.html").read_text()


def test_demo_without_matplotlib_says_so_before_any_work(shared_data, tmp_path):
    # a broken environment (matplotlib is a core dependency): one line with the install line, nothing written
    r = _demo_without(["matplotlib"], shared_data, tmp_path, tmp_path / "report")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-2000:]
    assert len(r.stderr.strip().splitlines()) == 1 and "pip install 'matplotlib" in r.stderr
    assert not (tmp_path / "d.db").exists() and not (tmp_path / "report").exists()


def _demo_without(blocked: list[str], shared_data: Path, tmp_path: Path, report: Path) -> subprocess.CompletedProcess:
    """A small ``archrank demo`` in a process where the packages ``blocked`` cannot be imported (a finder that
    refuses them, installed before archrank is imported)."""
    probe = (
        "import sys, importlib.abc\n"
        f"BLOCKED = {blocked!r}\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in BLOCKED:\n"
        "            raise ModuleNotFoundError(f'{name} is not installed', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from archrank.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n")
    argv = ["demo", "--data-dir", str(shared_data / "cifar10"), "--archs", "6", "--runs", "1", "--heuristics",
            "params,naswot", "--budget-seconds", "2000", "--store", str(tmp_path / "d.db"), "--report", str(report),
            "--quiet"]
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env,
                          timeout=600, check=False)
