"""Predictor ranking quality against the number of labelled architectures, per predictor and feature set.

Each cell is one ``archrank predict`` (:func:`archrank.suite.predict.predict_benchmark`): fit on N labelled
architectures of the task, rank every other one, mean Spearman over ``--seeds`` labelled samples.  Feature
sets: ``enc`` (the space's encoding), ``graph`` (GRAF-style cell features), ``zc`` (the heuristic scores
named by ``--zc``, read from ``--store``; never computed here), ``both`` (encoding + zc), ``graph+zc``,
``enc+graph`` and ``all`` (encoding + graph + zc).  With zc features the population is the architectures whose scores the store holds.

    .venv/bin/python benchmarks/bench_predictors.py --task nb201-cifar10 --store nb201.db \\
        --zc meco,meco_opt,synflow,logsynflow,params,flops --labels 10,20,50,100,200 --out nb201.json

``--param KEY=VALUE`` passes predictor parameters (e.g. ``--predictors ensemble --param members=rf,gp:graph+zc``)
and ``--seed`` the base seed of the labelled samples (select a method on one seed, report on others).

Prints a markdown table (rows: predictor x features; columns: N) and the Spearman of each heuristic alone on
the same population; ``--out`` keeps every cell as JSON and a rerun skips the cells it holds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

SETS = {"enc": "encoding", "graph": "graph", "zc": "{zc}", "both": "encoding,{zc}", "all": "encoding,graph,{zc}",
        "enc+graph": "encoding,graph", "graph+zc": "graph,{zc}"}
TARGETS = {("nb201-cifar10", "c10_test_200", 20): 0.945, ("nb201-cifar10", "c10_test_200", 100): 0.96}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", default="nb201-cifar10")
    ap.add_argument("--space", default=None, help="space of a table file's architectures (--task FILE)")
    ap.add_argument("--metric", default=None)
    ap.add_argument("--label-metric", default=None)
    ap.add_argument("--store", default=None, help="store holding the --zc heuristics' scores")
    ap.add_argument("--zc", default="", help="comma-separated heuristics for the zc feature sets")
    ap.add_argument("--predictors", default="gp,rf,ridge_rank,mlp_ensemble")
    ap.add_argument("--sets", default="enc,zc,both", help="feature sets: " + ", ".join(SETS))
    ap.add_argument("--labels", default="10,20,50,100,200")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0, help="base seed of the labelled samples")
    ap.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                    help="predictor parameter (repeatable; every predictor in --predictors must have it)")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--out", default=None, help="JSON file of every cell (resumed)")
    args = ap.parse_args(argv)

    from archrank.errors import ArchrankError
    from archrank.predictors.base import predictor_param_values
    from archrank.store import open_store
    from archrank.suite.predict import predict_benchmark

    cells: dict[str, dict] = {}
    if args.out and Path(args.out).exists():
        cells = json.loads(Path(args.out).read_text())
    zc = "zc:" + args.zc if args.zc else ""
    store = open_store(args.store) if args.store else None
    sets = [s for s in args.sets.split(",") if s]
    labels = [int(n) for n in args.labels.split(",")]
    preds = [p for p in args.predictors.split(",") if p]
    params = {p: predictor_param_values(args.param, p) for p in preds}
    tag = "".join(f"|{kv}" for kv in args.param) + (f"|seed{args.seed}" if args.seed else "")
    heur: dict[str, float] = {}
    try:
        for fs in sets:
            if "{zc}" in SETS[fs] and not zc:
                print(f"skipping feature set {fs}: no --zc", file=sys.stderr)
                continue
            feats = SETS[fs].format(zc=zc)
            for p in preds:
                for n in labels:
                    key = f"{args.task}|{args.metric}|{args.label_metric}|{p}|{fs}|{n}|{args.seeds}{tag}"
                    if key in cells:
                        continue
                    t0 = time.perf_counter()
                    try:
                        rep = predict_benchmark(args.task, labels=n, features=feats, predictor=p, metric=args.metric,
                                                label_metric=args.label_metric, samples=args.seeds, store=store,
                                                seed=args.seed, params=params[p],
                                                compute=False, data_root=args.data_dir, space=args.space)
                    except ArchrankError as e:
                        print(f"{key}: {e}", file=sys.stderr)
                        continue
                    out = rep.to_json()
                    out["wall_seconds"] = round(time.perf_counter() - t0, 2)
                    cells[key] = out
                    heur.update(out["single_heuristics_spearman"])
                    print(f"{p:13s} {fs:9s} N={n:4d} spearman {out['spearman']:.3f} +- {out['spearman_std']:.3f} "
                          f"(pop {out['population']}, {out['wall_seconds']:.0f} s)", file=sys.stderr, flush=True)
                    if args.out:
                        Path(args.out).write_text(json.dumps(cells, indent=1))
    finally:
        if store is not None:
            store.close()
    print(table(cells, args.task, args.metric, args.label_metric, args.seeds, preds, sets, labels, tag))
    for c in cells.values():
        heur.update(c.get("single_heuristics_spearman") or {})
    if heur:
        print("\nheuristics alone (Spearman on the zc population): "
              + ", ".join(f"{h} {v:.3f}" for h, v in sorted(heur.items(), key=lambda kv: -abs(kv[1]))))
    return 0


def table(cells: dict, task: str, metric, label_metric, seeds: int, preds, sets, labels, tag: str = "") -> str:
    head = "| predictor | features | " + " | ".join(f"N={n}" for n in labels) + " |"
    lines = [head, "|" + "---|" * (2 + len(labels))]
    for p in preds:
        for fs in sets:
            row = []
            for n in labels:
                c = cells.get(f"{task}|{metric}|{label_metric}|{p}|{fs}|{n}|{seeds}{tag}")
                row.append("-" if c is None else f"{c['spearman']:.3f} +- {c['spearman_std']:.3f}")
            if any(r != "-" for r in row):
                lines.append(f"| {p} | {fs} | " + " | ".join(row) + " |")
    any_cell = next((c for c in cells.values()), None)
    m = metric or (any_cell or {}).get("metric")
    for (t, tm, n), target in TARGETS.items():
        if t == task and tm == m and n in labels:
            lines.append(f"\ntarget at N={n}: >= {target}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
