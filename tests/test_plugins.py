"""Plugins: an installed package's ``archrank.plugins`` entry point and ``$ARCHRANK_PLUGINS`` modules are
loaded before any registry is read, by every command; a broken plugin is one line naming it, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archrank.cli import main
from archrank.errors import PluginError, UnknownName
from archrank.plugins import GROUP, entry_point_plugins, reset_for_tests
from archrank.spaces import SPACES, get_space

PLUGIN_CODE = '''
from torch import nn
import archrank.spaces

def build(config, num_classes=10):
    return nn.Sequential(nn.Conv2d(3, config["width"], 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten(), nn.Linear(config["width"], num_classes))

archrank.spaces.grid("{space}", {{"width": [4, 8]}}, build)
'''


def install(site: Path, dist: str, module: str, code: str, target: str | None = None) -> None:
    """A minimal installed distribution in ``site``: its module and a dist-info declaring the entry point."""
    (site / f"{module}.py").write_text(code)
    info = site / f"{dist}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{dist} = {target or module}\n")


@pytest.fixture
def site(tmp_path, monkeypatch):
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    reset_for_tests()
    yield path
    monkeypatch.undo()
    reset_for_tests()


def test_an_installed_entry_point_registers_its_space_for_every_lookup(site, capsys):
    install(site, "archrank_ep_demo", "archrank_ep_demo", PLUGIN_CODE.format(space="ep_space"))
    assert [ep.name for ep in entry_point_plugins()] == ["archrank_ep_demo"]
    assert "ep_space" in SPACES.names()  # listing loads the plugins first
    assert get_space("ep_space").size == 2
    assert main(["describe", "--space", "ep_space", "--arch", "width=8"]) == 0
    assert "width=8" in capsys.readouterr().out


def test_an_entry_point_may_name_a_function_called_once(site):
    code = PLUGIN_CODE.format(space="ep_fn_space").replace('archrank.spaces.grid(', 'def register():\n    archrank.spaces.grid(')
    install(site, "archrank_ep_fn", "archrank_ep_fn", code, target="archrank_ep_fn:register")
    assert get_space("ep_fn_space").format((4,)) == "width=4"


def test_a_broken_plugin_is_one_line_naming_it_and_exit_2(site, capsys):
    install(site, "archrank_ep_broken", "archrank_ep_broken", "import no_such_module_for_archrank\n")
    with pytest.raises(PluginError, match="archrank_ep_broken.*ModuleNotFoundError.*no_such_module_for_archrank"):
        SPACES.get("nb201")
    for argv in (["spaces"], ["describe", "--space", "nb201", "--index", "0"], ["heuristics"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "plugin 'archrank_ep_broken'" in err and "no_such_module_for_archrank" in err


def test_environment_plugins_work_for_every_command(monkeypatch, capsys):
    here = Path(__file__).resolve().parent / "spaces"
    monkeypatch.syspath_prepend(str(here))
    monkeypatch.setenv("ARCHRANK_PLUGINS", "grid_family")
    assert main(["spaces"]) == 0
    assert "gridnet" in capsys.readouterr().out
    assert main(["describe", "--space", "gridnet", "--arch", "depth=1,width=8,act=gelu", "--json"]) == 0
    assert '"depth=1,width=8,act=gelu"' in capsys.readouterr().out


def test_a_missing_environment_plugin_names_the_variable(monkeypatch, capsys):
    monkeypatch.setenv("ARCHRANK_PLUGINS", "no_such_plugin_module_for_archrank")
    assert main(["spaces"]) == 2
    err = capsys.readouterr().err
    assert "no_such_plugin_module_for_archrank" in err and "$ARCHRANK_PLUGINS" in err


def test_an_unknown_name_says_both_ways_to_register():
    with pytest.raises(UnknownName) as e:
        get_space("no_such_space")
    assert "archrank.plugins" in str(e.value) and "$ARCHRANK_PLUGINS" in str(e.value)
    from archrank.heuristics import HEURISTICS

    with pytest.raises(UnknownName, match="entry-point group"):
        HEURISTICS.get("no_such_heuristic")


def test_an_installed_plugin_needs_no_variable_in_a_real_process(site):
    install(site, "archrank_ep_proc", "archrank_ep_proc", PLUGIN_CODE.format(space="ep_proc_space"))
    src = Path(__file__).resolve().parents[1] / "src"
    env = {k: v for k, v in os.environ.items() if k != "ARCHRANK_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join([str(src), str(site)])
    out = subprocess.run([sys.executable, "-m", "archrank", "describe", "--space", "ep_proc_space", "--arch",
                          "width=4"], check=False, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "width=4" in out.stdout


def test_a_plugin_named_on_the_command_line_needs_no_variable_in_a_real_process(tmp_path):
    """``--plugin MODULE`` imports a module of the current folder (here not on sys.path otherwise: ``-P``)."""
    (tmp_path / "my_cwd_family.py").write_text(PLUGIN_CODE.format(space="cwd_space"))
    src = Path(__file__).resolve().parents[1] / "src"
    env = {k: v for k, v in os.environ.items() if k != "ARCHRANK_PLUGINS"}
    env["PYTHONPATH"] = str(src)
    run = [sys.executable, "-P", "-m", "archrank", "describe", "--space", "cwd_space", "--arch", "width=8"]
    out = subprocess.run([*run, "--plugin", "my_cwd_family"], check=False, capture_output=True, text=True,
                         env=env, timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "width=8" in out.stdout
    out = subprocess.run(run, check=False, capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
    assert out.returncode == 2 and "unknown space 'cwd_space'" in out.stderr


def test_a_missing_command_line_plugin_names_the_flag(capsys):
    assert main(["spaces", "--plugin", "no_such_plugin_module_for_archrank"]) == 2
    err = capsys.readouterr().err
    assert "no_such_plugin_module_for_archrank" in err and "--plugin" in err and len(err.splitlines()) == 1
    from archrank.plugins import plugin_modules

    assert "no_such_plugin_module_for_archrank" not in plugin_modules()  # the flag lasts one command
