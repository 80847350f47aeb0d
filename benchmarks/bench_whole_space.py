"""The whole-space table: every heuristic of a shipped NB201 table against ``c10_test_200``, with published figures.

Three steps, each a command a user runs (the figures printed are what those commands give):

1. ``archrank correlate --store table:nb201-cifar10 --benchmark nb201 --metric c10_test_200 --json``: Spearman
   (with its 95% interval), Kendall, top-10% overlap, the ``c10_test_200`` of the top-1 pick and the stored
   seconds per architecture of every column and combination of the table, on the architectures every
   column scored (and, read from the shards, each column's median stored seconds: the mean carries the
   build's conditions, a loaded machine or a stopped build, on a few rows; docs/tables.md);
2. ``archrank bench import ../shared/data/naslib/zc_nasbench201.json --store FRESH.db`` and ``archrank
   correlate --store FRESH.db ... --all-archs --json``: NAS-Bench-Suite-Zero's own released values (their
   sample of NB201, their implementation) against the same accuracy column, so each proxy their file holds
   (11 for NB201 CIFAR-10: no nwot or zen) has a figure computed the same way beside ours (their paper
   shows these as a heat map, not as numbers);
3. the published whole-space figures the field quotes (:data:`PUBLISHED`, with their sources).

It prints one Markdown table, best Spearman first, and says how many shards and architectures the table
holds (a table still being built gives figures on the shards present).

    PYTHONPATH=src python benchmarks/bench_whole_space.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import tempfile
from pathlib import Path

#: heuristic -> (published Spearman on NB201 CIFAR-10, source), quoted, not computed here.
PUBLISHED: dict[str, tuple[float, str]] = {
    "az_nas_rank": (0.913, "AZ-NAS (Lee and Ham, CVPR 2024), Table 1, all 15,625"),
    "meco": (0.89, "MeCo (Jiang et al., NeurIPS 2023), NB201 CIFAR-10"),
    "swap": (0.81, "AZ-NAS, Table 1 (SWAP row)"),
    "zico": (0.78, "AZ-NAS, Table 1 (ZiCo row)"),
}


def _cli_json(argv: list[str]) -> dict:
    from archrank.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    if code != 0:
        raise SystemExit(f"archrank {' '.join(argv)} exited with {code}")
    return json.loads(out.getvalue())


def _f(x, digits: int = 3) -> str:
    return "" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", default="nb201-cifar10")
    ap.add_argument("--metric", default="c10_test_200")
    ap.add_argument("--data-dir", default=os.environ.get("ARCHRANK_DATA"))
    args = ap.parse_args()

    from archrank.benchmarks.naslib import PROXY_NAMES
    from archrank.tables.table import open_table

    t = open_table(args.table)
    filled = sum(bool(s.classes) for s in t.shards)
    ours = _cli_json(["correlate", "--store", f"table:{args.table}", "--benchmark", "nb201", "--metric",
                      args.metric, "--json", "--quiet"])
    theirs: dict = {}
    zc = Path(args.data_dir or "") / "naslib" / "zc_nasbench201.json"
    if zc.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            db = str(Path(tmp) / "naslib.db")
            from archrank.cli import main as cli

            with contextlib.redirect_stdout(io.StringIO()):
                cli(["bench", "import", str(zc), "--store", db, "--quiet"])
            theirs = _cli_json(["correlate", "--store", db, "--benchmark", "nb201", "--metric", args.metric,
                                "--all-archs", "--json", "--quiet"])
    print(f"table {args.table} version {t.version}: {filled} of {t.n_shards} shards, "
          f"{sum(len(s.archs) for s in t.shards)} architectures; against {args.metric}")
    print()
    import numpy as np

    median = {h: float(np.median(np.concatenate([s.columns[h].seconds for s in t.shards if h in s.columns])))
              for h in t.served}
    print("| heuristic | n | Spearman [95%] | Kendall | top-10% | top-1 | s/arch (mean) | median | published | "
          "NAS-Bench-Suite-Zero's values (n) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    order = sorted(ours, key=lambda h: -(ours[h]["spearman"] if ours[h]["spearman"] is not None else -9))
    for h in order:
        r = ours[h]
        pub = PUBLISHED.get(h)
        nl = theirs.get(f"naslib:{PROXY_NAMES[h]}") if h in PROXY_NAMES else None
        nl_text = "" if nl is None else f"{_f(nl['spearman'])} ({nl['n']})"
        print(f"| {h} | {r['n']} | {_f(r['spearman'])} [{_f(r.get('spearman_low'), 2)}, "
              f"{_f(r.get('spearman_high'), 2)}] | {_f(r['kendall'])} | {_f(r['top10'])} | {_f(r.get('top1'), 2)} | "
              f"{_f(r.get('seconds_per_arch'), 4)} | {_f(median.get(h), 4)} | {'' if pub is None else f'{pub[0]:.3g}'} | "
              f"{nl_text} |")
    print()
    for h, (v, src) in PUBLISHED.items():
        print(f"published {h} {v}: {src}")
    if theirs:
        print(f"NAS-Bench-Suite-Zero's values: {zc.name} imported with 'archrank bench import', correlated with "
              f"'archrank correlate --all-archs' against {args.metric}")


if __name__ == "__main__":
    main()
