"""``archrank kernel``: infinite-width NNGP and NTK of a network described in text, on inputs from .npy files."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from archrank.cli.arg_types import nonnegative_float, positive_float, positive_int
from archrank.cli.output import show_progress, writable_file
from archrank.errors import DataError, InvalidArgument


def add_parser(subparsers) -> None:
    from archrank.kernels.spec import LAYER_FORMS

    p = subparsers.add_parser(
        "kernel",
        description="Compute the infinite-width NNGP and NTK (NTK parameterisation, float64) of a network "
        "described as comma-separated layers, e.g. 'conv:64:3,relu,conv:64:3,relu,gap,dense:10'. Layer forms: "
        + ", ".join(LAYER_FORMS) + ". Inputs are (N, D) vectors or NHWC images.",
    )
    p.add_argument("--net", required=True, help="network spec (comma-separated layers)")
    p.add_argument("--w-std", type=positive_float, default=1.0, help="weight scale of dense/conv layers (default 1.0)")
    p.add_argument("--b-std", type=nonnegative_float, default=0.0, help="bias scale of dense/conv layers (default 0.0)")
    p.add_argument("--x", required=True, help="inputs, a .npy file: (N, D) or images (N, H, W, C)")
    p.add_argument("--x2", default=None, help="second inputs (.npy); default: --x with itself")
    p.add_argument("--out", required=True, help="output file (written as .npz, exactly at this path) with arrays "
                   "nngp and ntk")
    p.add_argument("--batch-size", type=positive_int, default=None, help="inputs per block (default: automatic)")
    p.add_argument("--method", default="auto", choices=("auto", "generic", "fast"),
                   help="route: auto (fast route for conv stacks with a GAP/LAP read-out), generic, fast")
    p.add_argument("--threads", type=positive_int, default=None, help="torch threads (default: all cores)")
    p.add_argument("--device", default="auto", help="where the kernel blocks are computed: auto (CUDA when "
                   "available), cpu, cuda or cuda:N (default auto); the arithmetic is float64 on every device")
    p.set_defaults(func=run)


def _load(path: str, flag: str):
    import numpy as np

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
    if a.shape[0] == 0 or a.size == 0:
        raise InvalidArgument(f"{flag} {p} is empty (shape {a.shape})")
    bad = int(a.size - np.isfinite(a).sum())
    if bad:
        raise InvalidArgument(f"{flag} {p} holds {bad} non-finite value(s) (NaN or infinity); the kernel would be "
                              "meaningless")
    return a


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from archrank.execution.device import resolve_device
    from archrank.kernels.spec import parse_net
    from archrank.run.progress import progress_callback

    net = parse_net(args.net, W_std=args.w_std, b_std=args.b_std)
    device = resolve_device(args.device)  # --device cuda without CUDA: one line, before any work
    out = writable_file(args.out, "--out")
    x = _load(args.x, "--x")
    x2 = None if args.x2 is None else _load(args.x2, "--x2")
    if x2 is not None and x2.shape[1:] != x.shape[1:]:
        raise InvalidArgument(f"--x2 inputs have shape {x2.shape[1:]} each, --x inputs {x.shape[1:]}; they must agree")
    t = time.perf_counter()
    with progress_callback(enabled=show_progress(args), unit="block", desc="kernel") as progress:
        k = net(x, x2, batch_size=args.batch_size, method=args.method, progress=progress, device=device)
    sec = time.perf_counter() - t
    with open(out, "wb") as f:  # exactly at --out (np.savez would append .npz to a path without it)
        np.savez(f, nngp=k.nngp, ntk=k.ntk)
    sys.stdout.write(f"nngp, ntk {k.nngp.shape} -> {out} ({sec:.2f} s)\n")
    return 0
