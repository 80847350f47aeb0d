"""PyTorch models of the search spaces.  ``build_model(space, arch, num_classes, seed=...)`` is the entry
point; each space's builder is registered under the space's name in :data:`BUILDERS`."""

from archrank.models.registry import BUILDERS, build_model, register_builder

__all__ = ["BUILDERS", "build_model", "register_builder"]
