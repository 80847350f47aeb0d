"""The search target table: CIFAR-10, NAS-Bench-201 protocol, many runs per strategy, counted costs.

Protocol: select by ``c10v_valid_12`` (charged 12/200 of ``c10v_train_seconds_200`` per query), report the
``c10_test_200`` of the chosen architecture; regret against the best ``c10_test_200`` in the table (94.37).
Heuristic scores come from real scoring runs held in ``--store`` (``archrank score ... --store S``) and are
charged at the seconds measured when they were computed.  An architecture the store lacks is scored live
(charged at the seconds measured now) only with ``--allow-live``; otherwise rows that would need it are
reported as skipped, with the store's coverage.  No score is ever looked up without its cost being charged.

    .venv/bin/python benchmarks/bench_search.py --store /tmp/naswot.db --heuristic naswot \\
        --guided-store /tmp/synflow.db --guided-heuristic synflow --runs 100 --plot /tmp/search_curves.png

Prints a markdown table (and ``--out-json`` writes every row), then the plot path.  The rows and the
table are those of ``archrank search --strategy a,b,c`` (:mod:`archrank.search.compare`); this script only
adds rows that differ in heuristic and budget, and the targets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TABLE = ROOT.parent / "shared" / "data" / "nb201" / "nb201_cifar10.csv"

# (label, strategy, params, which heuristic ("naswot" rows / "guided" rows / None), budget key, target)
ROWS = [
    ("random", "random", {}, None, "long", 93.5),
    ("REA", "rea", {}, None, "long", 93.8),
    ("REINFORCE", "reinforce", {}, None, "long", 93.7),
    ("NASWOT N=100", "naswot", {"n": 100}, "naswot", "long", 92.5),
    ("NASWOT N=1000", "naswot", {"n": 1000}, "naswot", "long", 92.8),
    ("hierarchical", "hierarchical", {}, "guided", "long", 94.1),
    ("hierarchical", "hierarchical", {}, "guided", "short", 93.9),
    ("zc warm-up", "zc_warmup", {}, "guided", "long", 94.1),
    ("zc warm-up", "zc_warmup", {}, "guided", "short", 93.9),
    ("zc warm-up + move", "zc_evolution", {}, "guided", "long", None),
    ("bandit UCB", "bandit_ucb", {}, None, "long", None),
    ("bandit eps-greedy", "bandit_egreedy", {}, None, "long", None),
    ("Q-learning", "qlearning", {}, None, "long", None),
    ("REINFORCE (LSTM)", "reinforce_lstm", {}, None, "long", None),
    ("BANANAS + zc", "bananas", {"features": "auto,zc"}, "guided", "long", 94.2),
    ("BO (GP) + zc", "bo", {"features": "auto,zc"}, "guided", "long", 94.2),
    ("BANANAS", "bananas", {}, None, "long", None),
    ("BO (GP)", "bo", {}, None, "long", None),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--benchmark", default=str(DEFAULT_TABLE))
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", type=float, default=12000.0)
    ap.add_argument("--short-budget", type=float, default=3000.0)
    ap.add_argument("--store", default=None, help="store with heuristic scores (real scoring runs)")
    ap.add_argument("--heuristic", default="naswot", help="heuristic of the NASWOT rows")
    ap.add_argument("--guided-heuristic", default=None, help="heuristic of hierarchical / warm-up rows "
                    "(default: --heuristic)")
    ap.add_argument("--guided-store", default=None, help="store holding the guided heuristic's scores "
                    "(default: --store)")
    ap.add_argument("--allow-live", action="store_true", help="score architectures missing from the store live")
    ap.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"), help="data for live scoring")
    ap.add_argument("--only", default=None, help="comma-separated strategies or row labels to run (default all rows)")
    ap.add_argument("--lstm-runs", type=int, default=None, help="runs of the (slow, torch) LSTM row")
    ap.add_argument("--plot", default="/tmp/search_curves.png")
    ap.add_argument("--out-json", default=None)
    args = ap.parse_args(argv)

    from archrank.search.benchmark_objective import BenchmarkObjective
    from archrank.search.compare import Entry, compare, comparison_rows, format_comparison
    from archrank.search.heuristic_objective import heuristic_objective
    from archrank.search.plot import curve_table, plot_curves, write_curve_csv
    from archrank.spaces import get_space
    from archrank.store import open_store

    space = get_space("nb201")
    bench = BenchmarkObjective.from_csv(args.benchmark, space)
    stores = {}
    for path in dict.fromkeys(p for p in (args.store, args.guided_store) if p):
        stores[path] = open_store(path)
    guided = args.guided_heuristic or args.heuristic
    store_of = {args.heuristic: args.store, guided: args.guided_store or args.store}
    hobjs: dict[str, object] = {}
    coverage: dict[str, int] = {}
    for name in dict.fromkeys([args.heuristic, guided]):
        h = heuristic_objective(space, name, store=stores.get(store_of[name]), live=args.allow_live,
                                data_dir=args.data_dir)
        hobjs[name] = h
        coverage[name] = len(h.cached)
        s = h.setting
        print(f"# heuristic {name}: {coverage[name]} of {space.size} architectures stored "
              f"({s.dataset}, batch {s.batch_size}, seed {s.seed})"
              + (f", mean measured cost {_mean_cost(h):.3f} s/arch" if coverage[name] else ""), flush=True)

    only = set(args.only.split(",")) if args.only else None
    rows, long_summaries = [], []
    for label, strat, params, which, bkey, target in ROWS:
        if only is not None and strat not in only and label not in only:
            continue
        budget = args.budget if bkey == "long" else args.short_budget
        objectives = {"signal": bench}
        hname = None
        if which is not None:
            hname = args.heuristic if which == "naswot" else guided
            if coverage[hname] < space.size and not args.allow_live:
                row = {"label": label, "strategy": strat, "heuristic": hname, "budget": budget, "target": target,
                       "skipped": f"store holds {coverage[hname]}/{space.size} {hname} scores; pass --allow-live "
                                  "to score the rest live (charged at measured seconds)"}
                rows.append(row)
                print(f"# skipped {label} @ {budget:g}: {row['skipped']}", flush=True)
                continue
            objectives["heuristic"] = hobjs[hname]
        runs = args.lstm_runs if (strat == "reinforce_lstm" and args.lstm_runs) else args.runs
        entry = Entry(strat, params, label=label, budget_seconds=budget, runs=runs, objectives=objectives,
                      target=target)
        # the comparison of `archrank search --strategy a,b,c`, one entry at a time (rows differ in objectives)
        (result,) = compare([entry], space=space, objectives=objectives, budget_seconds=budget, runs=runs,
                            seed=args.seed, report_of=bench.report_of, best_report=bench.best_report)
        row = comparison_rows([result], budget)[0]
        rows.append(row)
        if bkey == "long":
            summ = result[1]
            summ.strategy = label + (f" ({hname})" if hname else "")
            long_summaries.append(summ)
        print(f"# {label} @ {budget:g}: {_f(row['test_mean'])} +- {_f(row['test_std'])} "
              f"({row['wall_seconds']:.1f} s)", flush=True)
    for st in stores.values():
        st.close()

    print()
    print(format_comparison(rows))
    if long_summaries and args.plot:
        curves = curve_table(long_summaries)
        csv_path = write_curve_csv(curves, Path(args.plot).with_suffix(".csv"))
        plot_curves(curves, args.plot, ylabel="c10_test_200", optimum=bench.best_report,
                    title=f"NB201 CIFAR-10, {args.runs} runs")
        print(f"\nbest-so-far table: {csv_path}\nbest-so-far plot: {args.plot}")
    if args.out_json:
        Path(args.out_json).write_text(json.dumps(rows, indent=1))
    return 0


def _f(x) -> str:
    return "nan" if x is None else f"{x:.3f}"


def _mean_cost(h) -> float:
    vals = [s for _, s in h.cached.values()]
    return sum(vals) / len(vals)


if __name__ == "__main__":
    sys.exit(main())
