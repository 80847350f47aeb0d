"""A search space made from a dict of choices and a build function: :func:`grid`.

``grid("myresnet", {"depth": [2, 4, 8], "width": [16, 32], "act": ["relu", "gelu"]}, build)`` registers a
space whose architectures are the combinations of the choices (one value per key; the keys in the order
given), optionally filtered by ``constraint(config) -> bool``, and registers ``build`` (``build(config) ->
nn.Module``, where ``config`` is a plain dict ``{key: value}``) as its model builder.  Everything a space
provides is generated:

* string form ``depth=4,width=32,act=relu`` (keys in order; :meth:`GridSpace.parse` also accepts the keys
  in any order and spaces around ``,`` and ``=``); the canonical form is the string form (two different
  configurations are taken to compute different functions);
* an index order (the combinations in ``itertools.product`` order of the keys, the last key varying
  fastest, constraint-violating ones skipped) when the space has at most :data:`ENUMERATE_LIMIT`
  combinations, so that ``archrank score --archs all`` and ``random:N`` work;
* ``sample`` (uniform over the allowed configurations), ``neighbours`` (change the value of one key),
  ``mutate`` (a random neighbour), ``encode`` (one-hot per key, keys in order) and, without a constraint,
  the sequential decisions of the RL and bandit controllers (one per key).

A value may be an int, a float, a string or a bool; the string form writes it with ``str`` and parsing
matches that text against the choices of its key, so the choices of one key must have distinct texts.
If ``build`` takes a ``num_classes`` argument it receives the task's class count; it may also take the
keyword options given to :func:`archrank.models.build_model`.
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument, UnknownName
from archrank.registry import BUILDERS
from archrank.spaces.base import SearchSpace

#: A grid with at most this many combinations is enumerated (an index order, ``archs="all"``).
ENUMERATE_LIMIT = 1_000_000
DOMAINS = ("image", "sequence", "vector")
_SCALARS = (bool, int, float, str, np.integer, np.floating, np.bool_)

Config = dict[str, Any]


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (so that configs print and compare plainly)."""
    return value.item() if isinstance(value, np.generic) else value


class GridSpace(SearchSpace):
    """Every combination of the ``choices`` (one value per key) that ``constraint`` allows.

    An architecture is the tuple of values in key order; :meth:`config` turns it into the dict ``build``
    receives.  See the module's docstring for the string form, the index order and the moves.
    """

    def __init__(self, *, name: str, choices: Mapping[str, Sequence[Any]],
                 constraint: Callable[[Config], bool] | None = None, domain: str = "image"):
        if not isinstance(name, str) or not name.strip() or any(c in name for c in ",=:\n"):
            raise InvalidArgument(f"space name must be a non-empty string without ',', '=', ':', got {name!r}",
                                  parameter="name")
        if domain not in DOMAINS:
            raise UnknownName("domain", domain, DOMAINS)
        if not isinstance(choices, Mapping) or not choices:
            raise InvalidArgument("choices must be a non-empty dict {key: [values, ...]}", parameter="choices")
        if constraint is not None and not callable(constraint):
            raise InvalidArgument(f"constraint must be a function config -> bool, got {constraint!r}",
                                  parameter="constraint")
        self.name = name
        self.domain = domain
        self.keys: tuple[str, ...] = tuple(choices)
        self.choices: dict[str, tuple[Any, ...]] = {k: self._check_values(k, v) for k, v in choices.items()}
        self.constraint = constraint
        self._texts = {k: {str(v): v for v in vals} for k, vals in self.choices.items()}
        self._valid: list[tuple] | None = None
        self._index: dict[tuple, int] | None = None
        if self.combinations <= ENUMERATE_LIMIT:
            self._valid = [a for a in itertools.product(*self.choices.values()) if self._allowed(a)]
            if not self._valid:
                raise InvalidArgument(f"the constraint of space {name!r} allows none of its "
                                      f"{self.combinations} combinations", parameter="constraint")
            self._index = {a: i for i, a in enumerate(self._valid)}

    @staticmethod
    def _check_values(key: Any, values: Any) -> tuple[Any, ...]:
        if not isinstance(key, str) or not key.isidentifier():
            raise InvalidArgument(f"choice key {key!r} must be a name (letters, digits, '_')", parameter="choices")
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) == 0:
            raise InvalidArgument(f"choices[{key!r}] must be a non-empty list of values, got {values!r}",
                                  parameter="choices")
        vals = tuple(_plain(v) for v in values)
        for v in vals:
            if not isinstance(v, _SCALARS) or (isinstance(v, float) and not math.isfinite(v)):
                raise InvalidArgument(f"choices[{key!r}] holds {v!r}; a value must be a finite int, float, "
                                      "string or bool", parameter="choices")
            if isinstance(v, str) and (not v.strip() or any(c in v for c in ",=\n") or v != v.strip()):
                raise InvalidArgument(f"choices[{key!r}] holds {v!r}; a string value must be non-empty, without "
                                      "',' or '=' and without surrounding spaces", parameter="choices")
        texts = [str(v) for v in vals]
        if len(set(texts)) != len(texts):
            raise InvalidArgument(f"choices[{key!r}] holds values written alike ({texts}); each must be distinct",
                                  parameter="choices")
        return vals

    # --- size and enumeration -------------------------------------------------------------------
    @property
    def combinations(self) -> int:
        """The number of combinations before the constraint."""
        return math.prod(len(v) for v in self.choices.values())

    @property
    def size(self) -> int | None:
        return None if self._valid is None else len(self._valid)

    def index_to_arch(self, index: int) -> tuple:
        if self._valid is None:
            return super().index_to_arch(index)
        return self._valid[self.check_index(index)]

    def arch_to_index(self, arch: Hashable) -> int:
        if self._index is None:
            return super().arch_to_index(arch)
        self.check(arch)
        return self._index[arch]

    # --- configurations -------------------------------------------------------------------------
    def config(self, arch: Hashable) -> Config:
        """The dict ``{key: value}`` of ``arch`` (what ``build`` receives)."""
        self.check(arch)
        return dict(zip(self.keys, arch))

    def make(self, config: Mapping[str, Any]) -> tuple:
        """The architecture of ``config`` (a dict with a value for every key), checked."""
        unknown = [k for k in config if k not in self.choices]
        if unknown:
            raise UnknownName(f"key of space {self.name!r}", unknown[0], self.keys)
        missing = [k for k in self.keys if k not in config]
        if missing:
            raise InvalidArgument(f"configuration of space {self.name!r} has no value for {', '.join(missing)}")
        return self.check(tuple(_plain(config[k]) for k in self.keys))

    def check(self, arch: Hashable) -> tuple:
        """``arch`` itself if it is an architecture of this space, else InvalidArgument naming the problem."""
        if not isinstance(arch, tuple) or len(arch) != len(self.keys):
            raise InvalidArgument(f"an architecture of space {self.name!r} is a tuple of {len(self.keys)} values "
                                  f"({', '.join(self.keys)}), got {arch!r}")
        for k, v in zip(self.keys, arch):
            if v not in self.choices[k] or type(v) is not type(self._texts[k].get(str(v))):
                raise InvalidArgument(f"value {v!r} of {k!r} is not a choice; valid: "
                                      f"{', '.join(map(str, self.choices[k]))}")
        if not self._allowed(arch):
            raise InvalidArgument(f"{self._text(arch)} is excluded by the constraint of space {self.name!r}")
        return arch

    def _allowed(self, arch: tuple) -> bool:
        return self.constraint is None or bool(self.constraint(dict(zip(self.keys, arch))))

    # --- strings --------------------------------------------------------------------------------
    def _text(self, arch: tuple) -> str:
        return ",".join(f"{k}={v}" for k, v in zip(self.keys, arch))

    def format(self, arch: Hashable) -> str:
        return self._text(self.check(arch))

    def parse(self, text: str) -> tuple:
        if not isinstance(text, str):
            raise InvalidArgument(f"architecture string of space {self.name!r} expected, got {type(text).__name__}")
        config: dict[str, Any] = {}
        for item in text.split(","):
            key, sep, value = (s.strip() for s in item.partition("="))
            if not sep:
                raise InvalidArgument(f"malformed item {item.strip()!r} in {text!r}; expected KEY=VALUE, e.g. "
                                      f"{self._text(self.index_to_arch(0) if self._valid else self._first())}")
            if key not in self.choices:
                raise UnknownName(f"key of space {self.name!r}", key, self.keys)
            if key in config:
                raise InvalidArgument(f"key {key!r} is given twice in {text!r}")
            if value not in self._texts[key]:
                raise InvalidArgument(f"value {value!r} of {key!r} is not a choice; valid: "
                                      f"{', '.join(self._texts[key])}")
            config[key] = self._texts[key][value]
        return self.make(config)

    def _first(self) -> tuple:
        return tuple(v[0] for v in self.choices.values())

    # --- sampling and local moves ----------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> tuple:
        if self._valid is not None:
            return self._valid[int(rng.integers(len(self._valid)))]
        for _ in range(100_000):  # rejection sampling: uniform over the allowed combinations
            arch = tuple(vals[int(rng.integers(len(vals)))] for vals in self.choices.values())
            if self._allowed(arch):
                return arch
        raise InvalidArgument(f"the constraint of space {self.name!r} rejected 100000 random combinations in a row")

    def neighbours(self, arch: Hashable) -> list[tuple]:
        """The allowed architectures that differ from ``arch`` in the value of exactly one key."""
        a = self.check(arch)
        out = []
        for i, k in enumerate(self.keys):
            for v in self.choices[k]:
                if v != a[i]:
                    cand = a[:i] + (v,) + a[i + 1:]
                    if self._allowed(cand):
                        out.append(cand)
        return out

    def encode(self, arch: Hashable) -> np.ndarray:
        """One-hot value of each key, keys in order."""
        a = self.check(arch)
        vec = [float(v == x) for k, v in zip(self.keys, a) for x in self.choices[k]]
        return np.asarray(vec, dtype=np.float64)

    # --- sequential decisions -------------------------------------------------------------------
    def _no_constraint(self) -> None:
        if self.constraint is not None:
            raise InvalidArgument(f"space {self.name!r} has a constraint, so its keys are not independent "
                                  "sequential decisions (use a strategy that samples and mutates)")

    def decisions(self) -> list[int]:
        self._no_constraint()
        return [len(self.choices[k]) for k in self.keys]

    def to_decisions(self, arch: Hashable) -> list[int]:
        self._no_constraint()
        a = self.check(arch)
        return [self.choices[k].index(v) for k, v in zip(self.keys, a)]

    def from_decisions(self, choices: list[int]) -> tuple:
        sizes = self.decisions()
        if len(choices) != len(sizes) or any(not 0 <= int(c) < n for c, n in zip(choices, sizes)):
            raise InvalidArgument(f"decisions {choices!r} do not fit space {self.name!r} (sizes {sizes})")
        return tuple(self.choices[k][int(c)] for k, c in zip(self.keys, choices))

    @property
    def description(self) -> str:
        """One line: the keys and their choices, and the constraint if any."""
        parts = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in self.choices.items())
        return "grid of " + parts + (" (with a constraint)" if self.constraint is not None else "")


def grid_builder(space: GridSpace, build: Callable[..., Any]) -> Callable[..., Any]:
    """The model builder of ``space``: ``(arch, num_classes=10, **options) -> build(config, ...)``.

    ``num_classes`` and the options reach ``build`` only where its signature takes them (by name, or
    through ``**kwargs``); an option it does not take is an InvalidArgument naming what it takes.
    """
    try:
        params = inspect.signature(build).parameters
    except (TypeError, ValueError):  # a builtin or C callable: pass the config alone
        params = {}
    any_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    takes = [n for n, p in params.items() if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                         inspect.Parameter.KEYWORD_ONLY)][1:]

    def builder(arch: Hashable, num_classes: int = 10, **options: Any) -> Any:
        config = space.config(space.parse(arch) if isinstance(arch, str) else arch)
        unknown = [k for k in options if not any_kw and k not in takes]
        if unknown:
            raise InvalidArgument(f"unknown build option(s) for {space.name}: {', '.join(sorted(unknown))}; "
                                  f"valid: {', '.join(t for t in takes if t != 'num_classes') or 'none'}")
        if any_kw or "num_classes" in takes:
            options["num_classes"] = num_classes
        model = build(config, **options)
        if not callable(model) or not hasattr(model, "parameters"):
            raise InvalidArgument(f"the build function of space {space.name!r} returned {type(model).__name__} "
                                  f"for {space.format(tuple(config.values()))}, not an nn.Module")
        return model

    builder.__name__ = f"build_{space.name}"
    builder.__doc__ = f"Builds an architecture of grid space {space.name!r} with {build!r}."
    return builder


def grid(name: str, choices: Mapping[str, Sequence[Any]], build: Callable[..., Any], *,
         constraint: Callable[[Config], bool] | None = None, domain: str = "image") -> GridSpace:
    """Register the space ``name`` of every combination of ``choices`` and ``build`` as its model builder.

    ``build(config) -> nn.Module`` gets ``config = {key: value}``; ``constraint(config) -> bool`` keeps only
    the configurations it accepts; ``domain`` is what the models take: ``"image"`` (default), ``"sequence"``
    or ``"vector"``.  Returns the space (also ``archrank.spaces.get_space(name)``); afterwards every
    archrank call and command that takes a space takes ``name``.  Calling it again with the same name,
    choices, build function and constraint returns the registered space; anything else under a registered
    name is an error.
    """
    from archrank.spaces import SPACES

    if not callable(build):
        raise InvalidArgument(f"build must be a function config -> nn.Module, got {build!r}", parameter="build")
    space = GridSpace(name=name, choices=choices, constraint=constraint, domain=domain)
    if name in SPACES:
        old = SPACES.get(name)
        if (isinstance(old, GridSpace) and old.choices == space.choices and old.constraint is constraint
                and old.domain == domain and getattr(old, "build", None) is build):
            return old
        raise InvalidArgument(f"space {name!r} is already registered; choose another name", parameter="name")
    space.build = build
    SPACES.register(name, space)
    BUILDERS.register(name, grid_builder(space, build))
    return space


__all__ = ["ENUMERATE_LIMIT", "GridSpace", "grid", "grid_builder"]
