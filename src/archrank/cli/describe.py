"""``archrank describe``: one architecture's index, string, canonical form, parameters and FLOPs."""

from __future__ import annotations

import argparse

from archrank.cli.output import JSON_HELP, print_json
from archrank.errors import InvalidArgument, UnknownName

# data set -> (number of classes, input resolution), as in NATS-Bench
DATASETS: dict[str, tuple[int, int]] = {
    "cifar10": (10, 32), "cifar100": (100, 32), "imagenet16-120": (120, 16), "imagenet": (1000, 224),
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "describe",
        description="Describe one architecture: its index in the official order, its string, its canonical "
        "form, and its parameters and FLOPs (multiply-accumulates) in millions, as NATS-Bench reports them, "
        "for the classifier head and input size of --dataset.",
    )
    p.add_argument("--space", default="nb201", help="search space (default nb201; see 'archrank spaces')")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--arch", help="architecture string, e.g. '|nor_conv_3x3~0|+|...|' or '8:16:32:48:64'")
    which.add_argument("--index", type=int, help="index in the official order")
    p.add_argument("--dataset", default=None,
                   help="cifar10, cifar100, imagenet16-120 or imagenet (default: the space's own, e.g. imagenet "
                   "for the NDS spaces, cifar10 otherwise)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=run)


def dataset_head(name: str) -> tuple[int, int]:
    """(num_classes, resolution) of a data set name (case-insensitive); UnknownName lists the choices."""
    key = name.strip().lower()
    if key not in DATASETS:
        raise UnknownName("data set", name, DATASETS)
    return DATASETS[key]


def describe(space_name: str, *, arch: str | None = None, index: int | None = None,
             dataset: str | None = None) -> dict:
    """The record printed by ``archrank describe`` (``dataset`` defaults to the space's ``default_dataset``)."""
    from archrank.models.flops import count_flops
    from archrank.models.registry import build_model
    from archrank.spaces import get_space

    space = get_space(space_name)
    num_classes, hw = dataset_head(dataset or getattr(space, "default_dataset", "cifar10"))
    if (arch is None) == (index is None):
        raise InvalidArgument("give exactly one of an architecture string or an index")
    if index is not None:
        a = space.index_to_arch(space.check_index(index))
    else:
        a = space.parse(arch)
    model = build_model(space, a, num_classes)
    params = sum(p.numel() for p in model.parameters())
    flops = count_flops(model, (1, 3, hw, hw))
    return {
        "index": space.arch_to_index(a) if space.size is not None else None,
        "arch": space.format(a),
        "canonical": space.canonical(a),
        "params_m": round(params / 1e6, 6),
        "flops_m": round(flops / 1e6, 6),
    }


def run(args: argparse.Namespace) -> int:
    rec = describe(args.space, arch=args.arch, index=args.index, dataset=args.dataset)
    if args.json:
        print_json(rec)
    else:
        for k, v in rec.items():
            print(f"{k}: {v}")
    return 0
