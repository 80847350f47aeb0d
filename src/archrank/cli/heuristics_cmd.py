"""``archrank heuristics``: every registered heuristic with its direction, needs, domains and reference."""

from __future__ import annotations

import argparse

from archrank.cli.output import JSON_HELP, print_json


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "heuristics",
        description="List every registered heuristic: whether higher is better, what it needs (data, labels, "
        "gradients, training), the model domains and search spaces it applies to, whether members of one "
        "canonical class share its value, and the paper that defines it.  Population-relative combinations "
        "(computed over a set of scored architectures, e.g. te_nas, vote) are listed after them.",
    )
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=run)


def _spaces() -> list:
    from archrank.spaces import get_space, space_names

    out = []
    for name in space_names():
        try:
            out.append(get_space(name))
        except ModuleNotFoundError as e:  # a built-in space whose module is not installed
            if e.name and e.name.startswith("archrank.spaces."):
                continue
            raise
    return out


def heuristic_rows() -> list[dict]:
    """One row per registered heuristic: name, higher_is_better, needs, domains (None = all), spaces (the
    names of the spaces it applies to), canonical_invariant, reference, description."""
    from archrank.heuristics import HEURISTICS

    spaces = _spaces()
    rows = []
    for name in HEURISTICS.names():
        h = HEURISTICS.get(name)
        rows.append({
            "name": name,
            "higher_is_better": bool(h.higher_is_better),
            "needs": sorted(h.needs),
            "domains": None if h.domains is None else sorted(h.domains),
            "spaces": [s.name for s in spaces if h.applies_to(s) is None],
            "canonical_invariant": bool(h.canonical_invariant),
            "reference": h.reference or "",
            "description": h.description or "",
        })
    return rows


def combination_rows() -> list[dict]:
    """One row per population-relative combination: name, higher_is_better, members, rule (its key and
    ``rule_text`` in words), reference, description, and ``row``: the name of its row in ``correlate`` and
    ``suite`` (``<name> (combination)`` when a heuristic has the same name)."""
    from archrank.heuristics import HEURISTICS
    from archrank.heuristics.combinations import COMBINATIONS, RULE_NAMES

    return [{"name": n, "higher_is_better": bool(c.higher_is_better), "members": list(c.members),
             "rule": c.rule, "rule_text": RULE_NAMES.get(c.rule, c.rule), "reference": c.reference,
             "description": c.description, "row": f"{n} (combination)" if n in HEURISTICS.names() else n}
            for n, c in ((n, COMBINATIONS.get(n)) for n in COMBINATIONS.names())]


def run(args: argparse.Namespace) -> int:
    from archrank.heuristics.combinations import RULE_NAMES

    rows, combos = heuristic_rows(), combination_rows()
    n_spaces = len(_spaces())
    if args.json:
        print_json({"heuristics": rows, "combinations": combos}, indent=2)
        return 0
    w = max([len(r["name"]) for r in rows + combos] + [9])
    print(f"{'heuristic':<{w}}  {'better':<6}  {'needs':<28}  {'spaces':<13}  canon  reference")
    for r in rows:
        better = "higher" if r["higher_is_better"] else "lower"
        needs = ",".join(r["needs"]) or "-"
        domains = "all" if len(r["spaces"]) == n_spaces else (",".join(r["spaces"]) or "none")
        canon = "yes" if r["canonical_invariant"] else "no"
        print(f"{r['name']:<{w}}  {better:<6}  {needs:<28}  {domains:<13}  {canon:<5}  {r['reference'] or '-'}")
    if combos:
        print()
        mw = max(len(", ".join(c["members"])) for c in combos)
        print(f"{'combination':<{w}}  {'better':<6}  {'rule':<9}  {'members (ranked over the scored population)':<{mw}}  "
              "reference")
        for c in combos:
            better = "higher" if c["higher_is_better"] else "lower"
            print(f"{c['name']:<{w}}  {better:<6}  {c['rule']:<9}  {', '.join(c['members']):<{mw}}  "
                  f"{c['reference'] or '-'}")
        print("rules: " + "; ".join(f"{k}: {v}" for k, v in RULE_NAMES.items()))
    return 0
