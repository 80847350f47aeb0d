"""Built-in entries register themselves in their own module and are found in the package's source."""

from __future__ import annotations

import sys
import textwrap

import pytest

from archrank.errors import InvalidArgument
from archrank.registry import BUILDERS, Registry, scan_registrations


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A throwaway package ``discopkg`` on sys.path, written by the test."""
    root = tmp_path / "discopkg"
    root.mkdir()
    (root / "__init__.py").write_text('"""Mentions ``add("nowhere")`` in the package docstring only."""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    yield root
    for name in [m for m in sys.modules if m == "discopkg" or m.startswith("discopkg.")]:
        del sys.modules[name]


def write(root, name: str, text: str) -> None:
    (root / f"{name}.py").write_text(textwrap.dedent(text))


def test_scan_finds_calls_decorators_and_assignments_not_prose(package):
    write(package, "one", '''
        """A docstring that shows ``@add("in_doc")`` mid-line,
            and   add("indented_in_doc") indented."""
        from discopkg.reg import add

        @add("decorated")
        class A:
            pass

        b = add("assigned")(object())
        add("called", 1)
    ''')
    write(package, "reg", "REG = None\n")
    assert scan_registrations("discopkg", "add") == {
        "decorated": "discopkg.one", "assigned": "discopkg.one", "called": "discopkg.one"}
    assert scan_registrations("discopkg", "other") == {}
    assert scan_registrations("no_such_package_here", "add") == {}


def test_a_discovered_name_is_imported_on_first_use_and_guarded(package):
    reg: Registry = Registry("gadget")
    write(package, "reg", """
        REG = None

        def register(name, obj):
            REG.register(name, obj)
    """)
    write(package, "gadgets", """
        from discopkg.reg import register

        class Gadget:
            pass

        register("gadget_a", Gadget)
    """)
    write(package, "liar", 'register("ghost", 1) if False else None\n')
    import discopkg.reg

    discopkg.reg.REG = reg
    reg.discover("discopkg", "register")
    assert reg.names() == ["gadget_a", "ghost"]
    assert "discopkg.gadgets" not in sys.modules  # listed without importing
    assert reg.get("gadget_a").__module__ == "discopkg.gadgets"
    with pytest.raises(InvalidArgument, match="did not register gadget 'ghost'"):
        reg.get("ghost")

    class Intruder:  # another module may not take a built-in name, imported or not
        pass

    with pytest.raises(InvalidArgument, match="already registered"):
        reg.register("gadget_a", Intruder)
    with pytest.raises(InvalidArgument, match="already registered"):
        reg.register("ghost", Intruder)


def test_a_plugin_cannot_take_the_name_of_a_builtin_not_yet_imported():
    from archrank.spaces import register_space
    from archrank.spaces.grid import GridSpace

    space = GridSpace(name="nds_pnas", choices={"w": [1, 2]})
    with pytest.raises(InvalidArgument, match="already registered"):
        register_space("nds_pnas", space)
    assert "nds_pnas" in BUILDERS


def test_every_builtin_space_registers_itself_and_has_a_builder_found_the_same_way():
    from archrank.spaces import SPACES

    found = scan_registrations("archrank.spaces", "register_space")
    assert {"nb201", "nb101", "nats_sss", "nb301", "nds_darts", "nbnlp", "generic"} <= set(found)
    for name, module in found.items():
        assert SPACES.get(name).__module__ == module
    assert set(found) <= set(scan_registrations("archrank.models", "register_builder"))


#: kind -> (where its registry lives, (package, registration function) pairs scanned, built-in names expected)
KINDS = {
    "store backend": ("archrank.store:STORES", [("archrank.store", "register_store"),
                                                ("archrank.tables", "register_store")], {"sqlite", "memory", "table"}),
    "executor": ("archrank.execution:EXECUTORS", [("archrank.execution", "register_executor")], {"local", "ray"}),
    "benchmark": ("archrank.benchmarks:READERS", [("archrank.benchmarks", "register_reader")],
                  {"nats_tss", "nats_sss", "nb101", "nds"}),
    "task": ("archrank.suite.tasks:TASKS", [("archrank.suite", "register_task")],
             {"nb201-cifar10", "nb101-cifar10", "nb301-cifar10", "nds-darts", "nds-enas", "nbnlp-ptb", "nbnlp-wt2"}),
    "predictor": ("archrank.predictors.base:PREDICTORS", [("archrank.predictors", "register_predictor")],
                  {"gp", "rf", "hgb", "ridge_rank", "mlp_ensemble", "ensemble"}),
}

LISTING = '''
import importlib, json, sys
from archrank.registry import scan_registrations
kinds = json.loads(sys.argv[1])
before = set(sys.modules)
out = {}
for kind, (where, sources) in kinds.items():
    module, _, attr = where.partition(":")
    reg = getattr(importlib.import_module(module), attr)
    found = {}
    for package, function in sources:
        found.update(scan_registrations(package, function))
    out[kind] = {"names": reg.names(), "found": found}
out["imported"] = sorted({m for f in out.values() for m in f["found"].values()} & set(sys.modules))
print(json.dumps(out))
'''


def test_builtin_entries_of_every_kind_are_their_registration_lines_and_listing_imports_none():
    """In a fresh process: each registry's names are exactly the names its packages register with the public
    function (no central list adds others), and listing them imports none of the modules that define them
    (apart from the eagerly imported defaults: the SQLite store and the local executor)."""
    import json
    import os
    import subprocess

    env = {**os.environ, "ARCHRANK_PLUGINS": ""}
    given = {k: [w, s] for k, (w, s, _n) in KINDS.items()}
    done = subprocess.run([sys.executable, "-c", LISTING, json.dumps(given)], capture_output=True, text=True,
                          env=env, check=True)
    out = json.loads(done.stdout)
    for kind, (_where, _sources, expected) in KINDS.items():
        assert set(out[kind]["found"]) == expected, kind
        assert out[kind]["names"] == sorted(expected), kind
    assert out["imported"] == ["archrank.execution.local", "archrank.store.sqlite"]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_builtin_entry_is_registered_by_the_module_where_it_was_found(kind):
    import importlib

    where, sources, _names = KINDS[kind]
    module, _, attr = where.partition(":")
    reg = getattr(importlib.import_module(module), attr)
    for package, function in sources:
        for name, found in scan_registrations(package, function).items():
            obj = reg.get(name)
            assert found in sys.modules
            if kind == "task":  # an instance of a class defined elsewhere: getting it imported its module
                assert obj.name == name
            else:
                assert obj.__module__ == found, (kind, name)


@pytest.fixture
def scratch_names():
    """Names a test registers in the real registries, removed afterwards."""
    added: list[tuple[Registry, str]] = []
    yield added
    for reg, name in added:
        reg._items.pop(name, None)


def test_plugins_register_stores_executors_readers_tasks_and_predictors_with_the_builtins_call(scratch_names):
    from archrank.benchmarks import READERS, open_benchmark, register_reader
    from archrank.execution import EXECUTORS, LocalExecutor, make_executor, register_executor
    from archrank.predictors import PREDICTORS, make_predictor, register_predictor
    from archrank.predictors.linear import RidgeOnRanks
    from archrank.store import STORES, open_store, register_store
    from archrank.store.memory import MemoryStore
    from archrank.suite.tasks import TASKS, Task, register_task, task_names

    scratch_names += [(STORES, "scratchmem"), (EXECUTORS, "scratch_exec"), (READERS, "scratch_reader"),
                      (TASKS, "scratch-task"), (PREDICTORS, "scratch_ridge")]

    @register_store("scratchmem")
    class ScratchStore(MemoryStore):
        pass

    assert isinstance(open_store("scratchmem://shared-x"), ScratchStore)

    @register_executor("scratch_exec")
    class ScratchExecutor(LocalExecutor):
        pass

    ex = make_executor("scratch_exec")
    assert isinstance(ex, ScratchExecutor) and ex.name == "scratch_exec"
    ex.close()

    opened = []
    register_reader("scratch_reader", lambda path, **kw: opened.append((path, kw)) or "reader")
    assert open_benchmark("scratch_reader", "some/path", x=1) == "reader" and opened == [("some/path", {"x": 1})]

    register_task("scratch-task", Task("scratch-task", "nb201", "cifar10", "acc", True, lambda _r: None))
    assert task_names("scratch-task") == ["scratch-task"]

    @register_predictor("scratch_ridge")
    class ScratchRidge(RidgeOnRanks):
        pass

    assert isinstance(make_predictor("scratch_ridge"), ScratchRidge)


def test_a_plugin_cannot_take_a_builtin_name_of_the_new_kinds_nor_register_the_wrong_thing():
    from archrank.benchmarks import register_reader
    from archrank.execution import LocalExecutor, register_executor
    from archrank.predictors import register_predictor
    from archrank.predictors.linear import RidgeOnRanks
    from archrank.store import register_store
    from archrank.store.memory import MemoryStore
    from archrank.suite.tasks import Task, register_task

    class Impostor(MemoryStore):
        pass

    with pytest.raises(InvalidArgument, match="already registered"):
        register_store("table")(Impostor)
    with pytest.raises(InvalidArgument, match="already registered"):
        register_executor("ray")(type("FakeRay", (LocalExecutor,), {}))
    with pytest.raises(InvalidArgument, match="already registered"):
        register_reader("nds", lambda path: None)
    with pytest.raises(InvalidArgument, match="already registered"):
        register_task("nds-darts", Task("nds-darts", "nds_darts", "cifar10", "error", False, lambda _r: None))
    with pytest.raises(InvalidArgument, match="already registered"):
        register_predictor("gp")(type("FakeGP", (RidgeOnRanks,), {}))
    with pytest.raises(InvalidArgument, match="must be a Store subclass"):
        register_store("not_a_store")(object)
    with pytest.raises(InvalidArgument, match="must be a callable"):
        register_reader("not_a_reader", "nats.json")
    with pytest.raises(InvalidArgument, match="under its own name"):
        register_task("other-name", Task("a-task", "nb201", "cifar10", "acc", True, lambda _r: None))
