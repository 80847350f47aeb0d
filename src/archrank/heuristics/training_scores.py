"""Training-based scores: reduced training regimes (EcoNAS) and weight sharing, registered as heuristics.

They rank architectures like any proxy in ``archrank correlate`` but need training data, so they declare
``needs={"data", "labels", "training"}``.  The data come from ``ctx.extras`` when present:

* ``"train_data"``: ``(images, labels)`` tensors used for training (default: the task's ``train`` split,
  loaded with ``archrank.data.load_dataset(ctx.dataset, split="train", data_dir=ctx.extras.get("data_dir"))``);
* ``"valid_data"``: ``(images, labels)`` on which the accuracy is measured (default: the ``test`` split,
  limited to ``ctx.extras.get("valid_limit", 2000)`` images);
* ``"train_config"``: a :class:`~archrank.train.trainer.TrainConfig` whose epochs the regime replaces.

Each regime heuristic returns the validation accuracy (%) and reports its training FLOPs.  Registered
regimes: see :data:`DEFAULT_REGIMES`; :func:`register_regime` adds more.
"""

from __future__ import annotations

import torch

from archrank.data.tensors import as_tensors
from archrank.heuristics.base import HEURISTICS, ScoreContext, register_heuristic
from archrank.train.regimes import parse_regime, train_under_regime

# heuristic name -> regime name; cheap enough for CPU ranking runs at 32x32 CIFAR
DEFAULT_REGIMES = {
    "econas_c2r1e6s0.25": "c2r1e6s0.25",
    "econas_c1r1e6s0.25": "c1r1e6s0.25",
    "econas_c2r1e5s0.5": "c2r1e5s0.5",
    "econas_c0r0e4s1": "c0r0e4s1",
}


def task_data(ctx: ScoreContext, split: str, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    key = "train_data" if split == "train" else "valid_data"
    if key in ctx.extras:
        return as_tensors(ctx.extras[key])
    from archrank.data import load_dataset  # type: ignore[attr-defined]

    ds = load_dataset(ctx.dataset, split=split, data_dir=ctx.extras.get("data_dir"), limit=limit)
    data = as_tensors(ds)
    ctx.extras[key] = data  # reuse across heuristics of the same context
    return data


def _regime_score(regime_name: str):
    def score(ctx: ScoreContext):
        train_data = task_data(ctx, "train")
        valid_data = task_data(ctx, "test", limit=int(ctx.extras.get("valid_limit", 2000)))
        res = train_under_regime(
            ctx.space, ctx.arch, regime_name, train_data, valid_data=valid_data,
            num_classes=ctx.num_classes, seed=ctx.seed, base_config=ctx.extras.get("train_config"),
        )
        return float(res.valid_acc), {"flops": res.train_flops}

    return score


def register_regime(name: str, regime: str) -> None:
    """Register regime ``regime`` (e.g. ``"c2r1e6s0.25"``) as heuristic ``name``."""
    reg = parse_regime(regime)
    if name in HEURISTICS:
        return
    register_heuristic(
        name,
        higher_is_better=True,
        needs=("data", "labels", "training"),
        reference="Zhou et al., CVPR 2020 (EcoNAS)",
        domains=("image",),
        description=(
            f"validation accuracy after reduced training {reg.name} (channels/{2**reg.a}, "
            f"resolution/{2**reg.b}, {reg.epochs} epochs, {reg.g:g} of the training set)"
        ),
    )(_regime_score(reg.name))


for _name, _reg in DEFAULT_REGIMES.items():
    register_regime(_name, _reg)


@register_heuristic("weight_sharing", domains=("image",), higher_is_better=True, needs=("data", "labels", "training"),
                    reference="Guo et al., ECCV 2020 (uniform path sampling); after Pham et al., ICML 2018")
def weight_sharing(ctx: ScoreContext) -> float:
    """Validation accuracy of the child with weights inherited from a trained NB201 supernet (BN re-estimated).

    The supernet is ``ctx.extras["supernet"]`` or loaded from ``ctx.extras["supernet_path"]`` (a scoring run
    puts its ``supernet`` parameter there; ``archrank score --supernet FILE``).
    """
    from archrank.train.supernet import score_child, supernet_from_extras

    net = supernet_from_extras(ctx.extras)
    train_data = task_data(ctx, "train")
    valid_data = task_data(ctx, "test", limit=int(ctx.extras.get("valid_limit", 2000)))
    return score_child(net, ctx.space.format(ctx.arch) if hasattr(ctx.space, "format") else ctx.arch,
                       train_data, valid_data, seed=ctx.seed)
