"""The ``archrank`` command: a thin layer over the Python API.

Each sub-command lives in its own module in this package and exposes ``add_parser(subparsers)``, which
adds its parser and sets ``func(args) -> int``.  Only the module of the command being run is imported
(the others appear in ``archrank --help`` through :data:`COMMANDS`), and a command module imports nothing
heavy at module level, so ``archrank --version`` and ``archrank COMMAND --help`` start without torch.

Any :class:`ArchrankError` becomes one line on stderr and exit code 2; argparse usage errors do the same.
Every command loads the plugins (:mod:`archrank.plugins`) before it runs, with those its ``--plugin MODULE``
names; one that fails to load is such an error.
Library errors speak of parameters; an error that names its parameter (``InvalidArgument(...,
parameter="archs")``) is shown with the command's flag for it.  Every command takes ``--quiet``; a command
with ``--threads`` runs under :func:`archrank.run.threads.torch_threads`.

SIGINT and SIGTERM stop a command by raising :class:`archrank.run.guard.RunInterrupted` (runs recorded in a
store are marked ``interrupted`` on the way out): one line on stderr, ``archrank COMMAND: interrupted by
SIGTERM``, and exit code 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys

from archrank.errors import ArchrankError

# command -> (module in this package, one-line help), in the order of ``archrank --help``.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "score NB201 architectures, train a sample, report agreement (offline)"),
    "spaces": ("spaces_cmd", "list the search spaces with their sizes"),
    "heuristics": ("heuristics_cmd", "list the heuristics: direction, needs, spaces, reference"),
    "describe": ("describe", "index, string, canonical form, parameters and FLOPs of one architecture"),
    "data": ("data_cmd", "list, describe and download task data sets"),
    "score": ("score", "score architectures with heuristics into a results store"),
    "correlate": ("correlate", "rank consistency of stored heuristic scores against a benchmark table"),
    "kernel": ("kernel_cmd", "analytic NNGP and NTK of a network on inputs from .npy files"),
    "bench": ("bench", "import, export and build benchmark tables"),
    "train": ("train_cmd", "train one architecture (NB201 schedule by default) with checkpoints"),
    "supernet": ("supernet_cmd", "train a weight-sharing (one-shot) NB201 supernet"),
    "predict": ("predict_cmd", "fit a performance predictor on N labelled architectures and rank the rest"),
    "search": ("search_cmd", "search a space with a strategy; report the chosen architectures over several seeds"),
    "suite": ("suite_cmd", "heuristic x task rank consistency over every benchmark task (resumable)"),
    "export": ("export_cmd", "write a store's scores as a CSV or Parquet table"),
    "table": ("table_cmd", "list, describe, build and export the precomputed score tables"),
    "report": ("report_cmd", "write an HTML report of a store (heatmap, scatter, cost, search curves, provenance)"),
}


class HelpFormatter(argparse.HelpFormatter):
    """Shows every option's default (unless its help already says it, or there is none) and keeps the
    line breaks of descriptions."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text.lower() or not _shows_default(action):
            return text
        return (text + " " if text else "") + "(default: %(default)s)"

    def _format_action(self, action: argparse.Action) -> str:
        if not action.help and _shows_default(action):
            action.help = "(default: %(default)s)"  # an option given without help still shows its default
        return super()._format_action(action)


def _shows_default(action: argparse.Action) -> bool:
    return (bool(action.option_strings) and action.default not in (None, False, [], argparse.SUPPRESS)
            and not isinstance(action, (argparse._HelpAction, argparse._VersionAction)))


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (no usage dump) with exit code 2, shows defaults in
    ``--help``, and gives every leaf command (one that sets ``func``) ``--quiet``."""

    def __init__(self, *a, **kw) -> None:
        kw.setdefault("formatter_class", HelpFormatter)
        super().__init__(*a, **kw)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message.splitlines()[0] if message else message}\n")
        raise SystemExit(2)

    def set_defaults(self, **kwargs) -> None:
        if "func" in kwargs and not any("--quiet" in a.option_strings for a in self._actions):
            self.add_argument("--quiet", "-q", action="store_true",
                              help="print only the result: no progress bars or notes on stderr")
            self.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                              help="import MODULE first (a module of the current folder or of sys.path), so that "
                              "the spaces, heuristics, ... it registers are known; repeatable; the same as "
                              "listing it in $ARCHRANK_PLUGINS")
        super().set_defaults(**kwargs)


class _Commands:
    """The sub-parsers action as a command module sees it: ``add_parser(name, ...)`` with the one-line help
    of :data:`COMMANDS`."""

    def __init__(self, action: argparse._SubParsersAction):
        self._action = action

    def add_parser(self, name: str, **kw) -> argparse.ArgumentParser:
        kw.setdefault("help", COMMANDS[name][1])
        return self._action.add_parser(name, **kw)


def _command_of(argv: list[str]) -> str | None:
    """The command named in ``argv`` (the first word that is not an option), or None."""
    for word in argv:
        if not word.startswith("-"):
            return word
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv`` only the command it names is built in full (the others are listed)."""
    parser = _Parser(prog="archrank", description="Rank neural architectures with cheap heuristics.")
    from archrank import __version__

    parser.add_argument("--version", action="version", version=f"archrank {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    wanted = None if argv is None else _command_of(argv)
    commands = _Commands(sub)
    for name, (module, help_text) in COMMANDS.items():
        if argv is not None and name != wanted:
            sub.add_parser(name, help=help_text)  # listed only; never parsed
            continue
        importlib.import_module(f"archrank.cli.{module}").add_parser(commands)
    return parser


def _flag_of(error: ArchrankError, args: argparse.Namespace) -> str:
    """`` (flag --x)`` for an error naming a library parameter: the command's ``flags`` map (set with
    ``set_defaults(flags={...})``) or the parameter's name as a flag; empty when the error names none."""
    param = getattr(error, "parameter", None)
    if not param:
        return ""
    flag = getattr(args, "flags", {}).get(param) or "--" + param.replace("_", "-")
    return f" (flag {flag})"


def _run(args: argparse.Namespace) -> int:
    threads = getattr(args, "threads", None)
    if threads is None and not hasattr(args, "threads"):
        return int(args.func(args) or 0)
    from archrank.run.threads import thread_policy, torch_threads

    with torch_threads(thread_policy(threads, workers=getattr(args, "workers", 1) or 1)):
        return int(args.func(args) or 0)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = build_parser(argv)
        args, extra = parser.parse_known_args(argv)
        if extra:  # reported by the command named, as every other usage error of that command
            sys.stderr.write(f"archrank {getattr(args, 'command', None) or ''}: error: unrecognized arguments: "
                             f"{' '.join(extra)}\n")
            return 2
    except SystemExit as e:  # usage errors (2), --help and --version (0)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    except ArchrankError as e:  # a plugin that fails while a parser lists a registry's names
        sys.stderr.write(f"archrank {_command_of(argv) or ''}: error: {str(e).splitlines()[0]}\n")
        return 2
    from archrank.run.guard import signals_raise

    try:
        with signals_raise():  # SIGTERM as well as SIGINT ends the command through its finally blocks
            from archrank.plugins import extra_plugins, load_plugins

            with extra_plugins(getattr(args, "plugin", None) or []):
                load_plugins()  # every command sees the plugins' spaces, heuristics, ... (and fails on a broken one)
                return _run(args)
    except ArchrankError as e:
        sys.stderr.write(f"archrank {args.command}: error: {str(e).splitlines()[0]}{_flag_of(e, args)}\n")
        return 2
    except KeyboardInterrupt as e:
        signum = int(getattr(e, "signum", signal.SIGINT))
        sys.stderr.write(f"archrank {args.command}: interrupted by {signal.Signals(signum).name}\n")
        return 128 + signum
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
