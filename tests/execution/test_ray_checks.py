"""The Ray executor checks its counts and probes a cluster address before anything starts (no cluster)."""

from __future__ import annotations

import socket
import time

import pytest

from archrank.cli import main
from archrank.errors import InvalidArgument
from archrank.execution.ray_executor import RayExecutor, probe_address


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the socket is


@pytest.mark.parametrize("kw", [{"num_cpus": 0}, {"num_cpus": -2}, {"cpus_per_task": 0}, {"max_in_flight": 0},
                                {"num_cpus": 1.5}])
def test_bad_counts_are_rejected_before_ray_starts(kw):
    with pytest.raises(InvalidArgument, match="must be a positive integer") as e:
        RayExecutor(**kw)
    assert e.value.parameter == next(iter(kw))


def test_an_unreachable_address_fails_fast_naming_it():
    port = _closed_port()
    t0 = time.monotonic()
    with pytest.raises(InvalidArgument, match=f"cannot reach the Ray cluster at '127.0.0.1:{port}'"):
        RayExecutor(address=f"127.0.0.1:{port}", connect_timeout=2)
    with pytest.raises(InvalidArgument, match="ray://127.0.0.1"):
        probe_address(f"ray://127.0.0.1:{port}", timeout=2)
    assert time.monotonic() - t0 < 10
    probe_address("auto")  # no port: left to Ray


def test_an_open_address_passes_the_probe():
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        probe_address(f"127.0.0.1:{srv.getsockname()[1]}", timeout=2)


@pytest.mark.parametrize("extra, message", [
    (["--num-cpus", "0"], "--num-cpus: must be >= 1, got 0"),
    (["--ray-address", "127.0.0.1:1"], "cannot reach the Ray cluster at '127.0.0.1:1'"),
])
def test_score_refuses_before_any_work(tmp_path, capsys, extra, message):
    store = tmp_path / "s.db"
    t0 = time.monotonic()
    code = main(["score", "--archs", "random:2", "--heuristics", "params", "--store", str(store), "--executor",
                 "ray", "--no-progress", *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert time.monotonic() - t0 < 10 and not store.exists()
