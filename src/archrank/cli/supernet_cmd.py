"""``archrank supernet train``: train a weight-sharing supernet into a checkpoint file."""

from __future__ import annotations

import argparse

from archrank.cli.arg_types import nonnegative_int, positive_float, positive_int
from archrank.cli.output import JSON_HELP, print_json, writable_file
from archrank.run.setting import DEFAULT_DATASET


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("supernet", description="Weight sharing: train a supernet once, then score architectures "
                              "with 'archrank score --heuristics weight_sharing --supernet FILE'.")
    sub = p.add_subparsers(dest="supernet_command", metavar="ACTION")
    sub.required = True
    t = sub.add_parser("train", help="train a supernet with uniform path sampling and save it",
                       description="Train an NB201 supernet (one child drawn uniformly per mini-batch) on a seeded "
                       "subsample of the training split, and save it. An existing FILE is kept unless --force.")
    t.add_argument("--out", required=True, metavar="FILE", help="checkpoint to write")
    t.add_argument("--dataset", default=DEFAULT_DATASET)
    t.add_argument("--data-dir", default=None)
    t.add_argument("--channels", type=positive_int, default=8, help="channels of the first stage, C (default 8)")
    t.add_argument("--cells", type=positive_int, default=1, help="cells per stage, N (default 1)")
    t.add_argument("--resolution", type=positive_int, default=16, help="input resolution (default 16)")
    t.add_argument("--train-ratio", type=float, default=0.25,
                   help="fraction of the training split, in (0, 1] (default 0.25)")
    t.add_argument("--train-images", type=positive_int, default=None,
                   help="limit the training split first (default all)")
    t.add_argument("--epochs", type=positive_int, default=4)
    t.add_argument("--batch-size", type=positive_int, default=64)
    t.add_argument("--lr", type=positive_float, default=0.05)
    t.add_argument("--seed", type=nonnegative_int, default=0)
    t.add_argument("--threads", type=positive_int, default=None, help="torch threads (default: all cores)")
    t.add_argument("--force", action="store_true", help="retrain even if FILE exists")
    t.add_argument("--json", action="store_true", help=JSON_HELP)
    t.set_defaults(func=run_train, flags={"train_limit": "--train-images"})


def run_train(args: argparse.Namespace) -> int:
    from archrank.run.supernet import train_supernet_file

    writable_file(args.out, "--out")
    info = train_supernet_file(args.out, dataset=args.dataset, data_dir=args.data_dir, channels=args.channels,
                               cells=args.cells, resolution=args.resolution, train_ratio=args.train_ratio,
                               train_limit=args.train_images, epochs=args.epochs, batch_size=args.batch_size,
                               lr=args.lr, seed=args.seed, force=args.force)
    if args.json:
        print_json(info)
    elif info["trained"]:
        print(f"supernet trained: {info['steps']} steps on {info['images']} images in {info['train_seconds']:.1f} s "
              f"(final loss {info['final_loss']:.3f}); saved to {info['path']}")
    else:
        print(f"supernet {info['path']} exists; kept (pass --force to retrain)")
    return 0
