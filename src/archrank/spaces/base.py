"""The interface every search space implements.

An architecture is an immutable, hashable Python value (a tuple, or a small frozen dataclass) owned by its
space.  Spaces convert between architectures, indices (where the space is enumerable in an official order)
and strings, give a canonical form under which architectures computing the same function coincide, and
draw, mutate and enumerate neighbours with an explicit ``numpy.random.Generator``.  A space does not build
models: ``archrank.models.build_model(space, arch, ...)`` does, through the builder registered under the
space's name.  A space whose configuration implies builder settings (a stem width, an input size) says so
in :meth:`SearchSpace.model_options`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterator
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument


def _merged_options(base: Any, options: dict[str, Any]) -> dict[str, Any]:
    return {**base(), **options}


class SearchSpace(ABC):
    """Abstract search space. Subclasses set ``name`` and implement the abstract methods."""

    name: str = "abstract"
    #: What kind of model the space's architectures become: "image" (classifiers of images), "sequence"
    #: (language models over token sequences) or "vector". Heuristics declare the domains they apply to.
    domain: str = "image"
    #: Whether a heuristic's ``space_check`` (which looks at one sampled network) speaks for every network of
    #: the space.  False for a set of unrelated networks (:class:`archrank.spaces.own.ModelSet`): each network
    #: a heuristic cannot read then fails with its own reason when it is scored.
    sampled_checks: bool = True

    @property
    def description(self) -> str:
        """One line saying what the space is (default: the first line of the class's docstring)."""
        doc = (type(self).__doc__ or "").strip().splitlines()
        return doc[0] if doc else ""

    # --- size and enumeration -------------------------------------------------------------------
    @property
    @abstractmethod
    def size(self) -> int | None:
        """Number of architectures, or ``None`` where the space is not enumerable."""

    @property
    def num_canonical(self) -> int | None:
        """Number of canonical classes where known (``None`` otherwise)."""
        return None

    def index_to_arch(self, index: int) -> Hashable:
        raise InvalidArgument(f"space {self.name!r} has no index order")

    def arch_to_index(self, arch: Hashable) -> int:
        raise InvalidArgument(f"space {self.name!r} has no index order")

    def check_index(self, index: int) -> int:
        n = self.size
        if n is None:
            raise InvalidArgument(f"space {self.name!r} has no index order")
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool) or not 0 <= int(index) < n:
            raise InvalidArgument(f"index {index!r} is out of range for space {self.name!r}; valid: 0..{n - 1}")
        return int(index)

    def __iter__(self) -> Iterator[Hashable]:
        if self.size is None:
            raise InvalidArgument(f"space {self.name!r} is not enumerable")
        return (self.index_to_arch(i) for i in range(self.size))

    # --- strings --------------------------------------------------------------------------------
    @abstractmethod
    def parse(self, text: str) -> Hashable:
        """Parse the space's string form; raise InvalidArgument naming the problem."""

    @abstractmethod
    def format(self, arch: Hashable) -> str:
        """The space's string form (official where one exists)."""

    def parse_any(self, text: str) -> Hashable:
        """An architecture from either its string or (for enumerable spaces) its index."""
        t = text.strip()
        if self.size is not None and t.lstrip("-").isdigit():
            return self.index_to_arch(self.check_index(int(t)))
        return self.parse(t)

    # --- identity -------------------------------------------------------------------------------
    def canonical(self, arch: Hashable) -> str:
        """A string equal for architectures that compute the same function (default: the string form)."""
        return self.format(arch)

    def representative(self, arch: Hashable) -> Hashable:
        """The member of ``arch``'s canonical class on which a class-wide (canonical-invariant) heuristic is
        computed, the same whichever member a run starts from, so that every run gives a class one value.

        Members of a class compute the same function but are different networks (dead operations, swapped
        inputs): their weights are drawn in another order, so a weight-dependent score differs between them.
        Spaces that can name a member from the class alone override this (NB201: the smallest index; DARTS
        cells: the canonical cell; NB101: the pruned cell in its smallest vertex order).  The default, the
        architecture itself, holds for spaces whose classes are single architectures."""
        return arch

    # --- sampling and local moves ----------------------------------------------------------------
    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Hashable:
        """One architecture drawn uniformly (or from the space's natural prior)."""

    def mutate(self, arch: Hashable, rng: np.random.Generator) -> Hashable:
        """A random neighbour that differs in one decision (operation or connection).

        Default: one of :meth:`neighbours` drawn uniformly with one ``rng.integers`` call; a space overrides
        it where it draws otherwise (one decision, then one of its values) or skips equivalent neighbours.
        """
        nbrs = self.neighbours(arch)
        if not nbrs:
            raise InvalidArgument(f"architecture {self.format(arch)!r} has no neighbour in space {self.name!r}")
        return nbrs[int(rng.integers(len(nbrs)))]

    @abstractmethod
    def neighbours(self, arch: Hashable) -> list[Hashable]:
        """All architectures one decision away."""

    @abstractmethod
    def encode(self, arch: Hashable) -> np.ndarray:
        """A fixed-length float vector (e.g. one-hot decisions) for predictors and controllers."""

    # --- sequential decisions (for RL / bandit controllers) --------------------------------------
    def decisions(self) -> list[int]:
        """Number of choices of each sequential decision; ``from_decisions`` inverts ``to_decisions``."""
        raise InvalidArgument(f"space {self.name!r} does not expose sequential decisions")

    def to_decisions(self, arch: Hashable) -> list[int]:
        raise InvalidArgument(f"space {self.name!r} does not expose sequential decisions")

    def from_decisions(self, choices: list[int]) -> Hashable:
        raise InvalidArgument(f"space {self.name!r} does not expose sequential decisions")

    # --- model settings -----------------------------------------------------------------------
    def heuristic_options(self) -> dict[str, Any]:
        """Default options of the heuristics on this space's networks (``ScoreContext.extras``; a run's own
        extras override them).  Default: none."""
        return {}

    def model_options(self) -> dict[str, Any]:
        """Builder options implied by this space's configuration (default: none).

        :func:`archrank.models.build_model` passes them to the space's builder before the caller's own
        options, which override them.  The space only states them; it never builds.
        """
        return {}

    def with_model_options(self, **options: Any) -> SearchSpace:
        """A copy of this space whose networks are built with ``options`` over :meth:`model_options` (e.g.
        ``nb301`` with ``affine=False, pool_bn=True``), named ``<name>[key=value,...]`` (keys sorted,
        booleans lower-case) so that its scores are stored apart from the space's own.

        The copy is not registered: pass it as ``space=`` to :func:`archrank.run.run_scoring`.  It builds
        through this space's builder, which checks the options when it builds (an unknown option is an
        error naming the valid ones)."""
        if not options:
            return self
        import copy
        import functools

        def text(v: Any) -> str:
            return str(v).lower() if isinstance(v, bool) else str(v)

        clone = copy.copy(self)
        clone.name = f"{self.name}[{','.join(f'{k}={text(v)}' for k, v in sorted(options.items()))}]"
        clone.builder = getattr(self, "builder", None) or self.name
        clone.model_options = functools.partial(_merged_options, self.model_options, dict(options))
        return clone
