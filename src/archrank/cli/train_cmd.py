"""``archrank train``: train one architecture, or a list of them (``--archs``), under the NB201 schedule or a
reduced regime, resumable."""

from __future__ import annotations

import argparse

from archrank.cli.arg_types import nonnegative_float, nonnegative_int, positive_float, positive_int
from archrank.cli.output import print_json, show_progress
from archrank.run.setting import DEFAULT_TRAIN_BATCH_SIZE


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        description="Train one architecture of a space on a data set: SGD with Nesterov momentum 0.9, lr 0.1 "
        "cosine, weight decay 5e-4, batch 256, 200 epochs and crop+flip augmentation unless changed; "
        "--regime applies a reduced regime c<a>r<b>e<d>s<g> on top. With --checkpoint a killed run resumes "
        "from its last finished epoch. With --store the result is recorded as a training result. --archs "
        "trains several (a file such as 'archrank search --objective ... --out' writes, 'random:N' or 'all'), each "
        "recorded the moment it is done, so a rerun trains only the missing ones; 'archrank correlate --metric "
        "trained' then compares them with the stored heuristic scores.",
    )
    p.add_argument("--space", default="nb201", help="search space (see 'archrank spaces')")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--arch", help="architecture string or index")
    which.add_argument("--archs", help="several: a FILE (one architecture a line, '#' comments), 'random:N' (drawn "
                       "with --seed) or 'all'")
    p.add_argument("--dataset", default="cifar10")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--regime", default="c0r0e0s1", help="reduced regime (default: none)")
    p.add_argument("--epochs", type=positive_int, default=200, help="base epochs before the regime's e_d (default 200)")
    p.add_argument("--batch-size", type=positive_int, default=DEFAULT_TRAIN_BATCH_SIZE)
    p.add_argument("--lr", type=positive_float, default=0.1)
    p.add_argument("--weight-decay", type=nonnegative_float, default=5e-4)
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--train-images", type=positive_int, default=None, help="limit the training split (default: all)")
    p.add_argument("--valid-images", type=positive_int, default=None, help="limit the test split (default: all)")
    p.add_argument("--seed", type=nonnegative_int, default=0)
    p.add_argument("--threads", type=positive_int, default=None, help="torch threads (default: all cores)")
    p.add_argument("--device", default="auto", help="where the model trains: auto (CUDA when available), cpu, "
                   "cuda or cuda:N (default auto)")
    p.add_argument("--checkpoint", default=None, help="checkpoint file (resumed if it exists); with --archs a "
                   "folder holding one checkpoint per architecture")
    p.add_argument("--store", default=None, help="record the result in this store (an architecture it already "
                   "holds under the same setting is not trained again)")
    p.add_argument("--json", action="store_true", help="with --archs: print one JSON object instead of a table "
                   "(one --arch always prints JSON)")
    p.set_defaults(func=run, flags={"base_epochs": "--epochs", "train_limit": "--train-images",
                                    "valid_limit": "--valid-images"})


def _epoch_bar(bar):
    """``on_epoch`` moving ``bar`` to the epoch just finished (a resumed training starts at its checkpoint's)."""

    def on_epoch(arch: str, epoch: int, epochs: int, metrics: dict) -> None:
        post = {"loss": f"{metrics['train_loss']:.3f}", "acc": f"{metrics['train_acc']:.1f}"}
        if metrics.get("valid_acc") is not None:
            post["valid_acc"] = f"{metrics['valid_acc']:.1f}"
        bar.set_postfix(post, refresh=False)
        bar.update(epoch - bar.n)

    return on_epoch


def _setting(args: argparse.Namespace):
    from archrank.run import TrainSetting

    return TrainSetting(args.space, regime=args.regime, dataset=args.dataset, seed=args.seed,
                        data_dir=args.data_dir, batch_size=args.batch_size, lr=args.lr,
                        weight_decay=args.weight_decay, augment=not args.no_augment, base_epochs=args.epochs,
                        train_limit=args.train_images, valid_limit=args.valid_images, device=args.device)


def run(args: argparse.Namespace) -> int:
    if args.archs is not None:
        from archrank.cli.train_many import run_many

        return run_many(args, _setting(args))
    from archrank.run import run_training
    from archrank.run.training import check_training_args, training_key
    from archrank.spaces import get_space

    space = get_space(args.space)
    arch = space.parse_any(args.arch)
    setting = _setting(args)

    check_training_args(setting, [arch])  # before the store file is created
    bar = None
    if show_progress(args):  # a terminal, not --quiet: say what the minutes ahead are spent on
        import sys

        from archrank.run.progress import progress_bar

        epochs = setting.parsed_regime().epochs
        sys.stderr.write(f"archrank train: training {space.format(arch)} under {setting.regime} "
                         f"({epochs} epochs on {args.dataset}) ...\n")
        bar = progress_bar(epochs, unit="epoch", desc="training")
    try:  # the run layer opens the store once the checkpoint has been read safely
        s = run_training(setting, archs=[arch], store=args.store, checkpoint=args.checkpoint, score_record=False,
                         on_epoch=None if bar is None else _epoch_bar(bar))
    finally:
        if bar is not None:
            bar.close()
    res = s.results[0]
    out = {"arch": space.format(arch), "regime": setting.regime, "regime_key": training_key(setting),
           "epochs": res["epochs"],
           "valid_acc": res["valid_acc"], "valid_loss": res["valid_loss"], "train_acc": res["train_acc"],
           "train_loss": res["train_loss"], "seconds": round(res.get("train_seconds", res["seconds"]), 3), "train_flops": res["flops"],
           "resumed_from": res.get("resumed_from", 0)}
    if res.get("held"):  # already in the store: nothing trained, every epoch was done before
        out.update(held=True, resumed_from=res["epochs"])
    print_json(out)
    return 0
