"""``archrank spaces``: each search space with its size and number of canonical classes."""

from __future__ import annotations

import argparse

from archrank.cli.output import JSON_HELP, print_json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "spaces",
        description="List the search spaces: size (number of architectures, or null where the space is not "
        "enumerable) and, where defined, the number of canonical classes (architectures computing the same "
        "function share a class).",
    )
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=run)


def space_rows() -> list[dict]:
    """One row per space: name, size, num_canonical, description (spaces whose module is absent are left out)."""
    from archrank.spaces import get_space, space_names

    rows = []
    for name in space_names():
        try:
            space = get_space(name)
        except ModuleNotFoundError as e:  # a built-in space whose module is not installed
            if e.name and e.name.startswith("archrank.spaces."):
                continue
            raise
        rows.append({
            "name": name,
            "size": space.size,
            "num_canonical": space.num_canonical,
            "description": space.description,
        })
    return rows


def run(args: argparse.Namespace) -> int:
    rows = space_rows()
    if args.json:
        print_json({"spaces": rows}, indent=2)
        return 0
    width = max([len(r["name"]) for r in rows] + [5])
    print(f"{'space':<{width}}  {'size':>10}  {'canonical':>10}  description")
    for r in rows:
        size = "-" if r["size"] is None else f"{r['size']:,}"
        canon = "-" if r["num_canonical"] is None else f"{r['num_canonical']:,}"
        print(f"{r['name']:<{width}}  {size:>10}  {canon:>10}  {r['description']}")
    return 0
