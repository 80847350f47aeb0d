"""What a report was made from: archrank and torch versions, the machine, the source commit, the store's runs
(kind, seeds, data, dates) and its architectures.

* :func:`provenance_rows`: the report's own facts, ``[{item, value}]``;
* :func:`run_rows`: one row per stored run (the runs of one search grouped), a list of architectures in a
  run's settings replaced by its length (the architectures are in :func:`arch_rows`);
* :func:`arch_rows`: every architecture the store registered for the spaces it holds scores of.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

SEED_KEYS = ("seed", "run_seed", "score_seed", "seeds")
DATA_KEYS = ("dataset", "data_dir", "benchmark", "file")
RUN_COLUMNS = ("run", "kind", "status", "started", "ended", "seeds and data", "settings")
ARCH_COLUMNS = ("space", "arch", "index", "canonical")


def _when(t: float) -> str:
    return _dt.datetime.fromtimestamp(t, tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def source_commit(package_dir: str | Path | None = None) -> str | None:
    """The git commit of archrank's source when the package sits in a git checkout of archrank (the
    package folder is ``src/archrank`` of the checkout), with ``(local changes)`` when tracked files differ;
    None otherwise (an installed wheel, no git, or a checkout of another project around the install)."""
    if package_dir is None:
        import archrank

        package_dir = Path(archrank.__file__).parent
    pkg = Path(package_dir).resolve()

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", "-C", str(pkg), *args], check=False, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    top = git("rev-parse", "--show-toplevel")
    if not top or Path(top).resolve() / "src" / "archrank" != pkg:
        return None
    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return commit + (" (local changes)" if dirty else "")


def machine() -> str:
    """The CPU (model name where the system says it, and core count) and, where torch sees one, the GPU."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    out = f"CPU: {cpu}, {os.cpu_count()} logical cores"
    try:
        import torch

        if torch.cuda.is_available():
            out += "; GPU: " + ", ".join(torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count()))
        else:
            out += "; no GPU visible to torch"
    except ImportError:
        pass
    return out


def _torch_version() -> str:
    try:
        import torch
    except ImportError:
        return "(not installed)"
    return torch.__version__


def provenance_rows(store, *, store_path: str, benchmarks: list[str], now: float | None = None) -> list[dict[str, Any]]:
    """``[{item, value}]``: versions, machine, source commit (when known), when written, store, benchmarks."""
    import time

    from archrank import __version__

    rows = [{"item": "archrank version", "value": __version__},
            {"item": "torch version", "value": _torch_version()},
            {"item": "python", "value": platform.python_version()},
            {"item": "machine writing this report", "value": machine()}]
    commit = source_commit()
    if commit:
        rows.append({"item": "archrank source commit", "value": commit})
    rows += [{"item": "report written", "value": _when(time.time() if now is None else now)},
             {"item": "store", "value": store_path},
             {"item": "benchmarks", "value": ", ".join(benchmarks) or "(none)"},
             {"item": "stored runs", "value": len(store.runs())}]
    source = getattr(store, "source", None)  # a precomputed table read as a store
    if source:
        rows.append({"item": "scores", "value": f"{source}; not computed for this report"})
    return rows


def run_rows(store) -> list[dict[str, Any]]:
    """One row per stored run (the store runs of one search, one per run and fidelity, grouped): kind,
    status, dates, seeds and data, the other settings; a list of architectures is given by its length."""
    rows = []
    seen_search: set[str] = set()
    for r in store.runs():
        cfg = dict(r.config)
        if r.kind == "search":
            for k in ("run", "run_seed", "fidelity"):
                cfg.pop(k, None)
            key = json.dumps(cfg, sort_keys=True, default=str)
            if key in seen_search:
                continue
            seen_search.add(key)
        if isinstance(cfg.get("archs"), list):
            cfg["archs"] = f"{len(cfg['archs'])} architectures (see the architecture table)"
        seeds = {k: cfg[k] for k in SEED_KEYS if k in cfg}
        data = {k: cfg[k] for k in DATA_KEYS if k in cfg and cfg[k] is not None}
        rest = {k: v for k, v in cfg.items() if k not in SEED_KEYS and k not in DATA_KEYS}
        rows.append({"run": r.run_id, "kind": r.kind, "status": r.status, "started": _when(r.created),
                     "ended": _when(r.updated), "seeds and data": "; ".join(f"{k}={v}" for k, v in {**seeds, **data}.items()),
                     "settings": json.dumps(rest, sort_keys=True, default=str)})
    return rows


def arch_rows(store) -> list[dict[str, Any]]:
    """Every registered architecture of the spaces the store holds scores of: space, arch, index, canonical."""
    spaces = sorted({r.space for r in store.scores()})
    rows = []
    for sp in spaces:
        for a, (canon, index) in sorted(store.archs(sp).items()):
            rows.append({"space": sp, "arch": a, "index": "" if index is None else index, "canonical": canon})
    return rows
