"""The built-in suite tasks, each registered with ``register_task("name", Task("name", ...))`` (files relative
to the data folder, ``../shared/data`` here):

==============  =========  ========  =================================================  ==========
task            space      data      ground truth                                        metric
==============  =========  ========  =================================================  ==========
nb201-cifar10   nb201      cifar10   packaged table ``nb201``                            c10_test_200, higher
nb101-cifar10   nb101      cifar10   ``nb101/nb101_cifar10_500.json``                    test_acc, higher
nb301-cifar10   nb301      cifar10   ``naslib/zc_nasbench301.json`` (surrogate)           val_accuracy, higher
nds-darts       nds_darts  cifar10*  ``nds/DARTS_in.json``                               error (%), lower
nds-enas        nds_enas   cifar10*  ``nds/ENAS_in.json``                                error (%), lower
nbnlp-ptb       nbnlp      ptb       ``nbnlp/nbnlp_ptb_with_graphs.json``                ptb_test_loss, lower
nbnlp-wt2       nbnlp      wikitext2 ``nbnlp/nbnlp_ptb_with_graphs.json``                wt2_test_loss, lower
==============  =========  ========  =================================================  ==========

\\* NDS records are ImageNet-trained; no ImageNet images are available, so CIFAR-10 images (32x32, as
they are) go through the ImageNet network (its stride-4 stem leaves 8x8 maps for the first stage), with the
1000-way ImageNet head (``num_classes=1000``: the parameter count of the built model is the record's; the
CIFAR-10 labels 0..9 are used as they are).
"""

from __future__ import annotations

from pathlib import Path

from archrank.benchmarks import ground_truth as gt
from archrank.benchmarks.table import BenchmarkTable
from archrank.suite.tasks import Task, register_task


def _packaged(_root: Path) -> BenchmarkTable:
    return BenchmarkTable.packaged("nb201")


_NDS_NOTE = ("ImageNet-trained records; CIFAR-10 images upsampled to 64x64 (data set cifar10-64) through "
             "the ImageNet network and 1000-way head stand in for ImageNet")

register_task("nb201-cifar10", Task(
    "nb201-cifar10", "nb201", "cifar10", "c10_test_200", True, _packaged,
    source="packaged NB201 table (test accuracy after 200 epochs)"))
register_task("nb101-cifar10", Task(
    "nb101-cifar10", "nb101", "cifar10", "test_acc", True,
    lambda r: gt.nb101_table(r / "nb101/nb101_cifar10_500.json"),
    source="nb101/nb101_cifar10_500.json (final test accuracy, 108 epochs)"))
register_task("nb301-cifar10", Task(
    "nb301-cifar10", "nb301", "cifar10", "val_accuracy", True,
    lambda r: gt.naslib_table(r / "naslib/zc_nasbench301.json"),
    source="naslib/zc_nasbench301.json val_accuracy",
    note="NB301 figures are the NAS-Bench-301 surrogate's predictions, not trainings"))
register_task("nds-darts", Task(
    "nds-darts", "nds_darts", "cifar10-64", "error", False,
    lambda r: gt.nds_table(r / "nds/DARTS_in.json", "nds_darts"),
    source="nds/DARTS_in.json final test_ep_top1 (top-1 error %)", num_classes=1000, note=_NDS_NOTE))
register_task("nds-enas", Task(
    "nds-enas", "nds_enas", "cifar10-64", "error", False,
    lambda r: gt.nds_table(r / "nds/ENAS_in.json", "nds_enas"),
    source="nds/ENAS_in.json final test_ep_top1 (top-1 error %)", num_classes=1000, note=_NDS_NOTE))
register_task("nbnlp-ptb", Task(
    "nbnlp-ptb", "nbnlp", "ptb", "ptb_test_loss", False,
    lambda r: gt.nbnlp_table(r / "nbnlp/nbnlp_ptb_with_graphs.json"),
    source="nbnlp/nbnlp_ptb_with_graphs.json ptb_test_loss", batch_size=20))
register_task("nbnlp-wt2", Task(
    "nbnlp-wt2", "nbnlp", "wikitext2", "wt2_test_loss", False,
    lambda r: gt.nbnlp_table(r / "nbnlp/nbnlp_ptb_with_graphs.json"),
    source="nbnlp/nbnlp_ptb_with_graphs.json wt2_test_loss", batch_size=20))
