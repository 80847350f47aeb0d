"""The executor flags shared by the commands that run tasks (``--executor``, ``--ray-address``, ``--num-cpus``)."""

from __future__ import annotations

import argparse
from typing import Any

from archrank.errors import InvalidArgument
from archrank.execution import EXECUTORS, Executor, make_executor


def executor_from_args(args: argparse.Namespace, **options: Any) -> Executor:
    """The executor the flags ask for; ``options`` (e.g. ``cpus_per_task``) are passed on as given.

    Flag errors are reported in flag terms here, before the library sees the options.
    """
    name = args.executor
    address = getattr(args, "ray_address", None)
    if address and "address" not in EXECUTORS.get(name).options:
        raise InvalidArgument(f"--ray-address is only valid with --executor ray (got --executor {name})")
    num_cpus = getattr(args, "num_cpus", None)
    if num_cpus is not None and num_cpus < 1:
        raise InvalidArgument(f"--num-cpus must be a positive integer, got {num_cpus}")
    try:
        return make_executor(name, address=address, num_cpus=num_cpus, **options)
    except InvalidArgument as e:
        flag = _FLAGS.get(getattr(e, "parameter", None) or "")
        if flag is None:
            raise
        raise InvalidArgument(f"{e} (flag {flag})") from None


_FLAGS = {"address": "--ray-address", "num_cpus": "--num-cpus"}
