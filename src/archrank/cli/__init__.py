"""The ``archrank`` command: a thin layer over the Python API.

Each sub-command lives in its own module in this package and exposes ``add_parser(subparsers)``, which
adds its parser and sets ``func(args) -> int``.  Any :class:`ArchrankError` becomes one line on stderr and
exit code 2; argparse usage errors do the same.  Library errors speak of parameters; an error that names
its parameter (``InvalidArgument(..., parameter="archs")``) is shown with the command's flag for it.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from archrank.errors import ArchrankError

# Sub-command modules, in the order they appear in ``archrank --help``.
_COMMANDS = [
    "demo",
    "spaces_cmd",
    "heuristics_cmd",
    "describe",
    "data_cmd",
    "score",
    "correlate",
    "kernel_cmd",
    "bench",
    "train_cmd",
    "supernet_cmd",
    "search_cmd",
    "suite_cmd",
    "export_cmd",
    "report_cmd",
]


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (no usage dump) with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="archrank", description="Rank neural architectures with cheap heuristics.")
    from archrank import __version__

    parser.add_argument("--version", action="version", version=f"archrank {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in _COMMANDS:
        modname = f"archrank.cli.{name}"
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as e:
            if e.name == modname:
                continue
            raise
        mod.add_parser(sub)
    return parser


def _flag_of(error: ArchrankError, args: argparse.Namespace) -> str:
    """`` (flag --x)`` for an error naming a library parameter: the command's ``flags`` map (set with
    ``set_defaults(flags={...})``) or the parameter's name as a flag; empty when the error names none."""
    param = getattr(error, "parameter", None)
    if not param:
        return ""
    flag = getattr(args, "flags", {}).get(param) or "--" + param.replace("_", "-")
    return f" (flag {flag})"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ArchrankError as e:
        sys.stderr.write(f"archrank {args.command}: error: {e}{_flag_of(e, args)}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("archrank: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
