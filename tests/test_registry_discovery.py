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
