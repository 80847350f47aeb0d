"""Training a weight-sharing supernet into a checkpoint file, for the ``weight_sharing`` heuristic.

:func:`train_supernet_file` loads the training split, keeps a seeded ``train_ratio`` subsample, trains an
NB201 supernet (uniform path sampling, :func:`archrank.train.supernet.train_supernet`) and writes it with
:func:`~archrank.train.supernet.save_supernet`.  A checkpoint that already exists is kept (the run is
resumable at the level of the whole supernet) unless ``force``.  Score with it through
``run_scoring(..., heuristics=["weight_sharing"], supernet=path)`` (``archrank score --supernet FILE``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from archrank.errors import InvalidArgument
from archrank.run.setting import DEFAULT_DATASET, DEFAULT_SEED


def train_supernet_file(
    out: str | os.PathLike,
    *,
    dataset: str = DEFAULT_DATASET,
    data_dir: str | os.PathLike | None = None,
    channels: int = 8,
    cells: int = 1,
    resolution: int = 16,
    train_ratio: float = 0.25,
    train_limit: int | None = None,
    epochs: int = 4,
    batch_size: int = 64,
    lr: float = 0.05,
    seed: int = DEFAULT_SEED,
    force: bool = False,
) -> dict[str, Any]:
    """Train a supernet (``channels`` C, ``cells`` N per stage, inputs resized to ``resolution``) on
    ``train_ratio`` of the training split of ``dataset`` and save it to ``out``; returns its information
    (``trained`` is False when an existing checkpoint was kept)."""
    import torch

    from archrank.data import as_tensors, load_dataset, num_classes_of
    from archrank.train.checkpoint import load_file
    from archrank.train.regimes import resize, subsample
    from archrank.train.supernet import Supernet, load_supernet, save_supernet, train_supernet

    path = Path(out).expanduser()
    if not 0 < train_ratio <= 1:
        raise InvalidArgument(f"train_ratio must be in (0, 1], got {train_ratio}", parameter="train_ratio")
    for name, v in (("channels", channels), ("cells", cells), ("resolution", resolution), ("epochs", epochs),
                    ("batch_size", batch_size)):
        if int(v) < 1:
            raise InvalidArgument(f"{name} must be positive, got {v}", parameter=name)
    if path.is_file() and not force:
        load_supernet(path)  # a corrupt file is an error, not a silent skip
        info = load_file(path, what="supernet file").get("info", {})
        return {**info, "path": str(path), "trained": False}
    train = as_tensors(load_dataset(dataset, split="train", data_dir=data_dir, limit=train_limit, seed=seed))
    xs, ys = subsample(train, train_ratio, seed=seed)
    xs = resize(xs, resolution)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = Supernet(C=channels, N=cells, num_classes=num_classes_of(dataset), resolution=resolution)
    tr = train_supernet(net, (xs, ys), epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    info = {"dataset": dataset, "train_seconds": tr.seconds, "steps": tr.steps, "images": len(xs),
            "epochs": epochs, "final_loss": tr.final_loss, "seed": seed, "C": channels, "N": cells,
            "resolution": resolution}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_supernet(net, path, **info)
    return {**info, "path": str(path), "trained": True}
