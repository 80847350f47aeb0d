"""``archrank train --archs``: train several architectures under one stated regime, into a store."""

from __future__ import annotations

import argparse
import sys

from archrank.cli.output import note, print_json, show_progress


def run_many(args: argparse.Namespace, setting) -> int:
    from pathlib import Path

    from archrank.errors import InvalidArgument
    from archrank.run import run_training
    from archrank.run.training import check_training_args, training_key

    archs = check_training_args(setting, args.archs)  # before the store file is created
    if args.checkpoint is not None and Path(args.checkpoint).expanduser().is_file():
        raise InvalidArgument(f"--checkpoint {args.checkpoint!r} is a file; with --archs give a folder")
    regime = setting.parsed_regime()
    key = training_key(setting)
    stated = (f"regime {key}: {regime.epochs} epochs on "
              f"{'all' if setting.train_limit is None else setting.train_limit} {setting.dataset} training images "
              f"at {'full' if regime.b == 0 else f'1/{2 ** regime.b}'} resolution, validated on "
              f"{'all' if setting.valid_limit is None else setting.valid_limit} test images, batch "
              f"{setting.batch_size}, lr {setting.lr:g}, seed {setting.seed}")
    bar = None
    if show_progress(args):
        from archrank.run.progress import progress_bar

        sys.stderr.write(f"archrank train: training {len(archs)} architectures of {args.space} under {stated}\n")
        bar = progress_bar(len(archs), unit="arch", desc="training")
    if not args.store:
        note(args, "archrank train: note: no --store, so the results are printed but not kept for correlate")
    folder = None if args.checkpoint is None else str(Path(args.checkpoint).expanduser())
    try:  # the run layer opens the store once the checkpoints held in the folder have been read safely
        s = run_training(setting, archs=archs, store=args.store or None, checkpoint_dir=folder, score_record=False,
                         on_result=None if bar is None else (lambda out: bar.update(1)))
    finally:
        if bar is not None:
            bar.close()
    rows = [{"arch": r["arch"], "valid_acc": r.get("valid_acc"), "valid_loss": r.get("valid_loss"),
             "train_acc": r.get("train_acc"), "epochs": r.get("epochs"),
             "seconds": round(float(r.get("train_seconds", r.get("seconds", 0.0)) or 0.0), 3),
             "held": bool(r.get("held", False))} for r in s.results]
    order = {a: i for i, a in enumerate(dict.fromkeys(r["arch"] for r in rows))}
    rows.sort(key=lambda r: order[r["arch"]])
    out = {"space": args.space, "regime": setting.regime, "regime_key": key, "stated": stated,
           "trained": s.trained, "held": s.held, "results": rows}
    if args.json:
        print_json(out)
        return 0
    print(f"{len(rows)} architectures of {args.space} under {stated}: {s.trained} trained now, {s.held} held")
    width = max(len(r["arch"]) for r in rows)
    print(f"  {'architecture':<{width}}  valid_acc  seconds")
    for r in sorted(rows, key=lambda r: -(r["valid_acc"] if r["valid_acc"] is not None else -1)):
        acc = "nan" if r["valid_acc"] is None else f"{r['valid_acc']:.2f}"
        print(f"  {r['arch']:<{width}}  {acc:>9}  {r['seconds']:>7.1f}" + ("  (held)" if r["held"] else ""))
    if args.store:
        print(f"next: archrank correlate --store {args.store} --metric trained")
    return 0
