"""``archrank kernel``: infinite-width NNGP and NTK of a network described in text, on inputs from .npy files."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from archrank.errors import DataError, InvalidArgument


def add_parser(subparsers) -> None:
    from archrank.kernels.spec import LAYER_FORMS

    p = subparsers.add_parser(
        "kernel",
        help="analytic NNGP and NTK of a network on inputs from .npy files",
        description="Compute the infinite-width NNGP and NTK (NTK parameterisation, float64) of a network "
        "described as comma-separated layers, e.g. 'conv:64:3,relu,conv:64:3,relu,gap,dense:10'. Layer forms: "
        + ", ".join(LAYER_FORMS) + ". Inputs are (N, D) vectors or NHWC images.",
    )
    p.add_argument("--net", required=True, help="network spec (comma-separated layers)")
    p.add_argument("--w-std", type=float, default=1.0, help="weight scale of dense/conv layers (default 1.0)")
    p.add_argument("--b-std", type=float, default=0.0, help="bias scale of dense/conv layers (default 0.0)")
    p.add_argument("--x", required=True, help="inputs, a .npy file: (N, D) or images (N, H, W, C)")
    p.add_argument("--x2", default=None, help="second inputs (.npy); default: --x with itself")
    p.add_argument("--out", required=True, help="output .npz with arrays nngp and ntk")
    p.add_argument("--batch-size", type=int, default=None, help="inputs per block (default: automatic)")
    p.add_argument("--method", default="auto", choices=("auto", "generic", "fast"),
                   help="route: auto (fast route for conv stacks with a GAP/LAP read-out), generic, fast")
    p.set_defaults(func=run)


def _load(path: str, flag: str) -> np.ndarray:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{flag} file not found: {p}")
    try:
        a = np.load(p, allow_pickle=False)
    except (ValueError, OSError) as e:
        raise DataError(f"cannot read {flag} {p} as a .npy array ({e})") from None
    if not isinstance(a, np.ndarray):
        raise DataError(f"{flag} {p} holds several arrays; give one .npy array")
    if a.ndim not in (2, 4) or a.dtype.kind not in "fiu":
        raise InvalidArgument(f"{flag} must be a numeric (N, D) or (N, H, W, C) array; got {a.dtype} {a.shape}")
    return a


def run(args: argparse.Namespace) -> int:
    from archrank.kernels.spec import parse_net

    net = parse_net(args.net, W_std=args.w_std, b_std=args.b_std)
    if args.batch_size is not None and args.batch_size < 1:
        raise InvalidArgument(f"--batch-size must be >= 1, got {args.batch_size}")
    x = _load(args.x, "--x")
    x2 = None if args.x2 is None else _load(args.x2, "--x2")
    t = time.perf_counter()
    k = net(x, x2, batch_size=args.batch_size, method=args.method)
    sec = time.perf_counter() - t
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        raise DataError(f"output folder does not exist: {out.parent}")
    np.savez(out, nngp=k.nngp, ntk=k.ntk)
    sys.stdout.write(f"nngp, ntk {k.nngp.shape} -> {out} ({sec:.2f} s)\n")
    return 0
