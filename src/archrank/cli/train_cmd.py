"""``archrank train``: train one architecture (full NB201 schedule or a reduced regime), resumable."""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train one architecture (NB201 schedule by default) with checkpoints",
        description="Train one architecture of a space on a data set: SGD with Nesterov momentum 0.9, lr 0.1 "
        "cosine, weight decay 5e-4, batch 256, 200 epochs and crop+flip augmentation unless changed; "
        "--regime applies a reduced regime c<a>r<b>e<d>s<g> on top. With --checkpoint a killed run resumes "
        "from its last finished epoch. With --store the result is recorded as a training result.",
    )
    p.add_argument("--space", default="nb201")
    p.add_argument("--arch", required=True, help="architecture string or index")
    p.add_argument("--dataset", default="cifar10")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--regime", default="c0r0e0s1", help="reduced regime (default: none)")
    p.add_argument("--epochs", type=int, default=200, help="base epochs before the regime's e_d (default 200)")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--no-augment", action="store_true")
    p.add_argument("--train-images", type=int, default=None, help="limit the training split (default: all)")
    p.add_argument("--valid-images", type=int, default=None, help="limit the test split (default: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", default=None, help="checkpoint file (resumed if it exists)")
    p.add_argument("--store", default=None, help="record the result in this store")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archrank.data import load_dataset
    from archrank.heuristics.training_scores import as_tensors
    from archrank.scoring import num_classes_of
    from archrank.spaces import get_space
    from archrank.train.regimes import parse_regime, train_under_regime
    from archrank.train.trainer import TrainConfig

    space = get_space(args.space)
    arch = space.parse_any(args.arch)
    reg = parse_regime(args.regime, base_epochs=args.epochs)
    train = as_tensors(load_dataset(args.dataset, split="train", data_dir=args.data_dir, limit=args.train_images,
                                    seed=args.seed))
    test = as_tensors(load_dataset(args.dataset, split="test", data_dir=args.data_dir, limit=args.valid_images,
                                   seed=args.seed))
    base = TrainConfig(batch_size=args.batch_size, lr=args.lr, weight_decay=args.weight_decay,
                       augment=not args.no_augment)
    res = train_under_regime(space, arch, reg, train, valid_data=test, num_classes=num_classes_of(args.dataset),
                             seed=args.seed, base_config=base, checkpoint=args.checkpoint)
    out = {"arch": space.format(arch), "regime": reg.name, "epochs": res.epochs, "valid_acc": res.valid_acc,
           "valid_loss": res.valid_loss, "train_acc": res.train_acc, "train_loss": res.train_loss,
           "seconds": round(res.seconds, 3), "train_flops": res.train_flops, "resumed_from": res.resumed_from}
    if args.store:
        from archrank.store import TrainingRecord, open_store

        with open_store(args.store) as store:
            idx = space.arch_to_index(arch) if space.size is not None else None
            store.put_archs(space.name, [(space.format(arch), space.canonical(arch), idx)])
            run_id = store.open_run("train", {k: v for k, v in vars(args).items() if k != "func"})
            metrics = {k: out[k] for k in ("valid_acc", "valid_loss", "train_acc", "train_loss", "epochs")}
            store.put_training([TrainingRecord(space.name, space.format(arch), reg.name, args.dataset, args.seed,
                                               metrics, res.seconds, res.train_flops, run_id)])
            store.finish_run(run_id)
    print(json.dumps(out))
    return 0
