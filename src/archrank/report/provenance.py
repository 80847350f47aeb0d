"""What a report was made from: archrank version, when, the store, its runs (kind, seeds, data, dates)."""

from __future__ import annotations

import datetime as _dt
import json
import platform
from typing import Any

SEED_KEYS = ("seed", "run_seed", "score_seed", "seeds")
DATA_KEYS = ("dataset", "data_dir", "benchmark", "file")


def _when(t: float) -> str:
    return _dt.datetime.fromtimestamp(t, tz=_dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def provenance_rows(store, *, store_path: str, benchmarks: list[str], now: float | None = None) -> list[dict[str, Any]]:
    """``[{item, value}]``: the report's own facts first, then one row per stored run (search runs of one
    search grouped), each with its kind, status, seeds, data and dates."""
    import time

    from archrank import __version__

    rows = [{"item": "archrank version", "value": __version__},
            {"item": "report written", "value": _when(time.time() if now is None else now)},
            {"item": "python", "value": platform.python_version()},
            {"item": "store", "value": store_path},
            {"item": "benchmarks", "value": ", ".join(benchmarks) or "(none)"}]
    source = getattr(store, "source", None)  # a precomputed table read as a store
    if source:
        rows.append({"item": "scores", "value": f"{source}; not computed for this report"})
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
        seeds = {k: cfg[k] for k in SEED_KEYS if k in cfg}
        data = {k: cfg[k] for k in DATA_KEYS if k in cfg and cfg[k] is not None}
        detail = "; ".join(f"{k}={v}" for k, v in {**seeds, **data}.items())
        rest = {k: v for k, v in cfg.items() if k not in SEED_KEYS and k not in DATA_KEYS}
        rows.append({"item": f"run {r.run_id} ({r.kind}, {r.status})",
                     "value": f"{_when(r.created)} to {_when(r.updated)}; {detail}; settings "
                              f"{json.dumps(rest, sort_keys=True, default=str)[:400]}"})
    return rows
