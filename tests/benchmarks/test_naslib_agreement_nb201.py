"""The NB201 rows of the NAS-Bench-Suite-Zero agreement table, held on the first cells of NASLib's file.

``benchmarks/bench_naslib_agreement.py`` imports NASLib's stored scores, scores the same cells with archrank
and compares them class by class (docs/interop.md, agreement with NAS-Bench-Suite-Zero, where the table over
every cell is).  This test runs that computation under the table's protocol (CIFAR-10, batch 64, seed 0) on
what a CI run affords: the first 40 cells of the file (38 classes), grasp (a double backward, the costliest)
on the first 10, and plain under a second seed on the first 20.  Every shared proxy must agree at Spearman
>= 0.95 except the documented exceptions (docs/interop.md), whose floors sit below the figures measured on
these cells: plain 0.09, grasp 0.83 (10 classes), epe_nas 0.69, l2_norm 0.946, and jacob_cov 0.949.
jacob_cov meets the target over the 182 classes of the table (0.959), but archrank's jacob_cov agrees with
itself under another seed at 0.896 only, so on 38 classes it lands either side of 0.95.  The stated reason of plain's exception is
checked too: under another seed plain agrees with itself no better than 0.8 (0.30 on these 19 classes), so no
single draw can agree with another implementation's at 0.95.  Measured time: 63 s of CPU (one core; 376 s of
wall clock at load average 17 on 2 cores).
"""

from __future__ import annotations

import pytest

TARGET = 0.95
#: proxy -> lowest Spearman with NASLib's values accepted on this sample, for the documented exceptions.
EXCEPTIONS = {"plain": -0.5, "grasp": 0.5, "epe_nas": 0.55, "jacob_cov": 0.9, "l2_norm": 0.9}
BATCH = 64  # the protocol of the agreement table and of the precomputed tables


@pytest.fixture(scope="module")
def table(shared_data, tmp_path_factory, bench_script):
    mod = bench_script("bench_naslib_agreement")
    store = str(tmp_path_factory.mktemp("agreement") / "agreement.db")
    zc = str(shared_data / "naslib" / "zc_nasbench201.json")

    def rows(archs, seeds, names):
        got = mod.score_file(zc, store, archs=archs, seeds=seeds, batch_size=BATCH, data_dir=str(shared_data),
                             heuristics=names, progress=False)
        return {r[1]: r for r in got if r[1] in names}

    table = rows(40, [0], [h for h in mod.SHARED if h != "grasp"])
    table.update(rows(10, [0], ["grasp"]))
    # plain again under seed 1 (one more loss-gradient pass): how far the draw alone moves it.
    return table, rows(20, [0, 1], ["plain"])


@pytest.mark.slow
def test_every_shared_proxy_has_a_row(table, bench_script):
    rows, _ = table
    mod = bench_script("bench_naslib_agreement")
    assert set(rows) == set(mod.SHARED)
    for name, row in rows.items():
        assert row[0] == "nb201" and row[2] >= (9 if name == "grasp" else 38), (name, row[:3])  # n: classes


@pytest.mark.slow
def test_nb201_rows_meet_the_target_or_their_documented_floor(table):
    rows, _ = table
    for name, row in rows.items():
        rho = row[3]
        floor = EXCEPTIONS.get(name, TARGET)
        assert rho >= floor, f"{name}: Spearman {rho:.3f} with NAS-Bench-Suite-Zero's values (floor {floor})"


@pytest.mark.slow
def test_plain_is_its_draw(table):
    # The documented reason plain misses the target: its ranking moves with the draw of weights and batch
    # as much as it differs from NASLib's, so no single draw can agree at 0.95 with another.
    _, again = table
    n_seeds, seed_to_seed = again["plain"][6], again["plain"][7]
    assert n_seeds >= 15
    assert seed_to_seed < 0.8, f"plain agrees with itself under another seed at {seed_to_seed:.3f}"
