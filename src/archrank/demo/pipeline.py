"""``run_demo``: archrank's main question answered on an embedded default, offline.

1. Draw ``n_archs`` architectures of the space (NB201 by default; any image space with a benchmark table of
   its own, e.g. one made with :func:`archrank.spaces.grid`) (seeded) and score them with cheap training-free heuristics on one
   batch of real images (CIFAR-10 when the data directory holds it, else Fashion-MNIST, grey images
   repeated to three channels), through a normal resumable scoring run into a store.
2. Correlate each heuristic with the benchmark's 200-epoch test accuracy (packaged NB201 table by default).
3. Search: the best heuristic guides regularised evolution (warm-up from its stored scores, charged at
   their measured seconds) against REA and random search, NB201 protocol, same budget and seeds (skipped,
   with the reason, when the table lacks the protocol's columns).
4. Optionally train a few architectures for real under a reduced regime (with its caveat, measured).
5. Write the HTML report of the store.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archrank.demo.config import PROTOCOL_COLUMNS, DemoConfig, choose_dataset, open_table, search_protocol


@dataclass
class DemoResult:
    dataset: str
    n_archs: int
    n_classes: int  # canonical classes among them
    batch_size: int
    seed: int
    benchmark: str
    metric: str
    ranking: list[dict[str, Any]]  # one row per heuristic (and their mean rank), best Spearman first
    best: dict[str, Any] | None  # the best single heuristic's row
    search: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] | None = None
    nonfinite: dict[str, int] = field(default_factory=dict)
    nonfinite_line: str | None = None
    report: str | None = None
    store: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    answer: list[str] = field(default_factory=list)
    space: str = "nb201"
    search_skipped: str | None = None  # why the search step did not run


def run_demo(config: DemoConfig | None = None, *, progress: bool = True, **options: Any) -> DemoResult:
    """Run the demo (``config``, or a :class:`DemoConfig` built from ``options``); see the module docstring.

    Every argument is checked before any work; ``progress`` shows progress bars on stderr.
    """
    from archrank.data import one_batch
    from archrank.heuristics import HEURISTICS
    from archrank.run import ScoreSetting, prepare_scoring, run_prepared, select_archs
    from archrank.spaces import get_space
    from archrank.store import open_store

    t0 = time.perf_counter()
    cfg = (config or DemoConfig(**options)).checked()
    table = open_table(cfg.benchmark, cfg.metric, space=cfg.space)
    dataset = choose_dataset(cfg.data_dir)
    space = get_space(cfg.space)
    archs = select_archs(space, f"random:{cfg.n_archs}", cfg.seed)
    strings = [space.format(a) for a in archs]
    names = list(cfg.heuristics)
    truth = np.array([table.lookup(s, cfg.metric) for s in strings], dtype=float)
    setting = ScoreSetting(space.name, dataset=dataset, batch_size=cfg.batch_size, seed=cfg.seed,
                           data_dir=cfg.data_dir)
    directions = {n: HEURISTICS.get(n).higher_is_better for n in names}
    seconds: dict[str, float] = {}
    # The one preparation step of every scoring run, before any store is opened.
    t = time.perf_counter()
    batch = one_batch(dataset, cfg.batch_size, cfg.seed, cfg.data_dir, channels=3, image_size=32)
    prepared = prepare_scoring(setting, archs=strings, heuristics=names, batch=batch, store=cfg.store)
    t_prepare = time.perf_counter() - t

    tmp = None
    store_path = cfg.store
    if store_path is None:
        tmp = tempfile.TemporaryDirectory(prefix="archrank-demo-")
        store_path = str(Path(tmp.name) / "demo.db")
    try:
        with open_store(store_path) as store:
            from archrank.demo.ranking import best_single, ranking_rows, score_columns

            t = time.perf_counter()
            summary = run_prepared(prepared, store=store, progress=progress)
            seconds["scoring"] = t_prepare + time.perf_counter() - t
            columns, cost = score_columns(store, setting, strings, names)
            rows = ranking_rows(columns, cost, directions, truth)
            best = best_single(rows)

            result = DemoResult(dataset=dataset, n_archs=len(strings), n_classes=summary.n_classes,
                                batch_size=cfg.batch_size, seed=cfg.seed, benchmark=str(cfg.benchmark),
                                metric=cfg.metric, ranking=rows, best=best, nonfinite=dict(summary.nonfinite),
                                nonfinite_line=summary.nonfinite_line(), store=cfg.store, space=space.name)
            if best is not None and not search_protocol(table):
                result.search_skipped = (f"the benchmark has no NB201 search-protocol columns "
                                         f"({', '.join(PROTOCOL_COLUMNS)}), so no search was run")
            elif best is not None:
                from archrank.demo.guided_search import compare_guided

                t = time.perf_counter()
                comp = compare_guided(store, space, cfg.benchmark, best["heuristic"], setting, archs, runs=cfg.runs,
                                      budget_seconds=cfg.budget_seconds, seed=cfg.seed, progress=progress)
                seconds["search"] = time.perf_counter() - t
                result.search = {"budget_seconds": cfg.budget_seconds, "runs": cfg.runs,
                                 "heuristic": comp.heuristic, "warmup": comp.warmup, "best_in_table": comp.best_report,
                                 "protocol": "NB201 CIFAR-10: select by c10v_valid_12, charge 12/200 of "
                                             "c10v_train_seconds_200 per query, report c10_test_200",
                                 "rows": comp.rows}
            if cfg.n_train:
                from archrank.demo.training import train_sample

                t = time.perf_counter()
                result.training = train_sample(store, space, strings, columns, directions, truth, dataset=dataset,
                                               data_dir=cfg.data_dir, n_train=cfg.n_train, regime=cfg.regime,
                                               train_images=cfg.train_images, test_images=cfg.test_images,
                                               seed=cfg.seed, progress=progress)
                seconds["training"] = time.perf_counter() - t
            if cfg.report_dir is not None:
                from archrank.report.build import write_report

                t = time.perf_counter()
                if progress:  # a few seconds of plotting: say what is happening
                    sys.stderr.write(f"report: writing {cfg.report_dir} ...\r")
                    sys.stderr.flush()
                files = write_report(store, cfg.report_dir, benchmarks=[str(cfg.benchmark)], metric=cfg.metric,
                                     store_path=cfg.store or "(temporary store)", title="archrank demo")
                result.report = str(files.page)
                if progress:
                    sys.stderr.write(f"report: {files.page} ({time.perf_counter() - t:.1f} s)\n")
                seconds["report"] = time.perf_counter() - t
    finally:
        if tmp is not None:
            tmp.cleanup()
    seconds["total"] = time.perf_counter() - t0
    result.seconds = seconds
    from archrank.demo.answer import answer_lines

    result.answer = answer_lines(result)
    return result
