"""What a heuristic is, and the one registry they all live in.

A heuristic maps an architecture (and, where it needs one, a batch of data) to a number that should rank
architectures the way full training would.  Each declares:

* ``higher_is_better``: its direction (``correlate`` flips the sign of lower-is-better scores);
* ``needs``: a subset of {"data", "labels", "gradients", "training"};
* its cost: :func:`evaluate` measures wall seconds; a heuristic may add FLOPs it knows.

Rules every heuristic follows: it works on its own freshly built model (``ctx.build()``), never changes
global state (torch default dtype, grad mode outside a context, seeds), and returns a float.  A NaN or
infinite value is returned as such and stored as such, never a sentinel; a scoring run counts them and
reports them once, in its summary (:class:`archrank.run.ScoringSummary`).

Shared passes: one context serves every heuristic asked for on one architecture, and a quantity several
heuristics reduce (the loss gradients, the ReLU codes, the input Jacobian, the model at initialisation, ...)
is computed once through ``ctx.shared(key, compute)`` (the passes are in :mod:`archrank.heuristics.passes`).
What ``shared`` returns is read-only: a heuristic that changes a model or a tensor builds its own.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import torch

from archrank.registry import Registry, registry


@dataclass
class ScoreContext:
    """Everything a heuristic may use to score one architecture.

    ``inputs``/``targets`` hold one batch of task data (``targets`` are class indices).  ``build`` returns
    a freshly initialised model, seeded from ``seed`` so that repeated calls give identical weights.
    ``extras`` carries optional resources (e.g. a trained supernet, a training data set) keyed by name;
    ``model_kwargs`` are passed to the space's builder (e.g. ``in_channels`` for one-channel data).
    """

    arch: Hashable
    space: Any  # archrank.spaces.SearchSpace
    inputs: torch.Tensor | None = None
    targets: torch.Tensor | None = None
    num_classes: int = 10
    seed: int = 0
    dataset: str = "cifar10"
    extras: dict[str, Any] = field(default_factory=dict)
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    #: The torch device models are built on (``inputs``/``targets`` are expected there too).
    device: str = "cpu"
    #: Values of canonical-invariant heuristics already computed for this architecture's canonical class
    #: (set by a scoring run for the class members it scores after their representative): a heuristic
    #: built on others reads them through :func:`member_value` instead of computing them again.
    class_values: dict[str, float] = field(default_factory=dict)
    #: The heuristics the caller will ask for on this context (a scoring run sets it; empty: not known).  A
    #: pass may then compute, in the same forward or backward, a quantity a later heuristic will need (the
    #: ReLU codes during the input-Jacobian forward, the first gradients of grasp's Hessian product during
    #: the ``loss_grads`` backward) when that gives the same numbers as computing it apart.
    wanted: frozenset[str] = frozenset()
    #: Wall seconds spent in each shared pass (keyed by the pass's name, the first item of its key) and in
    #: model builds (``"build"``), each exclusive of the passes and builds it called: a profile of the
    #: context's work (``benchmarks/bench_table_profile.py`` prints it).
    pass_seconds: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    _memo: dict[Hashable, tuple[bool, Any]] = field(default_factory=dict, repr=False, compare=False)
    _timing: list[float] = field(default_factory=list, repr=False, compare=False)

    def build(self, **kwargs) -> torch.nn.Module:
        """A fresh model seeded from ``seed`` on ``device``; ``model_kwargs`` (e.g. ``in_channels``) then
        ``kwargs`` apply."""
        from archrank.models.registry import build_model

        def make() -> torch.nn.Module:
            model = build_model(self.space, self.arch, self.num_classes, seed=self.seed,
                                **{**self.model_kwargs, **kwargs})
            return model if self.device == "cpu" else model.to(self.device)

        return self._timed("build", make)

    def _timed(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, its wall seconds (less those of the timed calls it makes) added to
        ``pass_seconds[name]``."""
        self._timing.append(0.0)
        t0 = time.perf_counter()
        try:
            return compute()
        finally:
            total = time.perf_counter() - t0
            inner = self._timing.pop()
            self.pass_seconds[name] = self.pass_seconds.get(name, 0.0) + total - inner
            if self._timing:
                self._timing[-1] += total

    def shared(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()``, computed once per context for ``key`` (the pass's name and its parameters) and
        handed to every later caller; an exception is kept too and raised again for every caller.

        The result is read-only for callers: tensors in it must not be changed in place, and a model in it
        must not be trained, converted or re-initialised (build one with :meth:`build` instead)."""
        hit = self._memo.get(key)
        if hit is None:
            name = str(key[0]) if isinstance(key, tuple) and key else str(key)
            try:
                hit = (True, self._timed(name, compute))
            except Exception as e:  # noqa: BLE001 - kept and raised again for every heuristic that asks
                hit = (False, e)
            self._memo[key] = hit
        ok, value = hit
        if not ok:
            raise value
        return value

    def release(self, name: str) -> bool:
        """Drop every held pass named ``name`` (the first item of its key); True if one was held.  A later
        caller computes it again (the same numbers: passes are deterministic), so a scoring loop releases a
        pass only when no heuristic left to evaluate reads it (:func:`archrank.heuristics.passes.release_passes`)."""
        keys = [k for k in self._memo if (k[0] if isinstance(k, tuple) and k else k) == name]
        for k in keys:
            del self._memo[k]
        return bool(keys)

    def computed(self, key: Hashable) -> Any:
        """The value :meth:`shared` holds for ``key`` when it was computed without error, else None (for a
        pass that can be derived from another pass more cheaply when that one has been computed anyway)."""
        hit = self._memo.get(key)
        return hit[1] if hit is not None and hit[0] else None

    def init_model(self) -> torch.nn.Module:
        """The model at initialisation (equal to ``build()``), built once per context and shared: for
        read-only uses (counting parameters or FLOPs, reading weights).  Its train/eval mode is not fixed."""
        return self.shared(("model_at_init",), self.build)


@dataclass(frozen=True)
class Heuristic:
    """A registered heuristic. ``fn(ctx)`` returns a float or ``(float, {"flops": ...})``."""

    name: str
    fn: Callable[[ScoreContext], Any]
    higher_is_better: bool = True
    needs: frozenset[str] = frozenset({"data"})
    description: str = ""
    #: True when the score depends only on the function the architecture computes, so that members of one
    #: canonical class share it (computed once). False for structural counts such as params and FLOPs,
    #: which differ between class members (dead edges carry parameters): those are computed per member.
    canonical_invariant: bool = True
    #: The paper (short citation) that defines the heuristic, e.g. "Mellor et al., ICML 2021".
    reference: str = ""
    #: Model domains it applies to (a space's ``domain``: "image", "sequence", "vector"); None = all.
    domains: frozenset[str] | None = None
    #: A further test of a space within those domains: ``space_check(space)`` is None when the heuristic's
    #: definition applies to it, else the reason it does not (e.g. an analytic kernel known for NB201 only).
    space_check: Callable[[Any], str | None] | None = field(default=None, compare=False)
    #: The version of the heuristic's definition: raised whenever a change of the code changes its values
    #: (a fix, another reading of the paper), so that stored values of an older definition are recognised
    #: (a precomputed table retires a column whose version differs; :mod:`archrank.tables`).
    version: int = 1

    def applies_to(self, space: Any) -> str | None:
        """None when the heuristic applies to ``space``; otherwise one line saying why it does not."""
        domain = getattr(space, "domain", "image")
        if self.domains is not None and domain not in self.domains:
            return (f"heuristic {self.name!r} applies to {', '.join(sorted(self.domains))} models, "
                    f"not to space {getattr(space, 'name', space)!r} ({domain})")
        if self.space_check is not None and getattr(space, "sampled_checks", True):
            reason = self.space_check(space)
            if reason:
                return f"heuristic {self.name!r} does not apply to space {getattr(space, 'name', space)!r}: {reason}"
        return None

    def __call__(self, ctx: ScoreContext) -> float:
        return evaluate(self, ctx).value


@dataclass(frozen=True)
class ScoreResult:
    name: str
    value: float
    seconds: float
    flops: float | None = None
    error: str | None = None


HEURISTICS: Registry[Heuristic] = registry("heuristic")

#: What a heuristic may declare it needs. Checked at registration.
NEEDS_VOCABULARY = frozenset({"data", "labels", "gradients", "training"})


def register_heuristic(
    name: str,
    *,
    higher_is_better: bool = True,
    needs: tuple[str, ...] | frozenset[str] = ("data",),
    description: str = "",
    canonical_invariant: bool = True,
    reference: str = "",
    domains: tuple[str, ...] | frozenset[str] | None = None,
    space_check: Callable[[Any], str | None] | None = None,
    version: int = 1,
) -> Callable[[Callable[[ScoreContext], Any]], Callable[[ScoreContext], Any]]:
    """Decorator: ``@register_heuristic("snip", needs=("data", "labels", "gradients"))``.

    ``version`` (a positive integer, default 1) is the version of the definition: raise it with every
    change that changes the heuristic's values."""
    from archrank.errors import InvalidArgument

    unknown = set(needs) - NEEDS_VOCABULARY
    if unknown:
        raise InvalidArgument(f"heuristic {name!r} declares unknown needs {sorted(unknown)}; "
                              f"valid: {', '.join(sorted(NEEDS_VOCABULARY))}")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidArgument(f"heuristic {name!r}: version must be a positive integer, got {version!r}")

    def deco(fn: Callable[[ScoreContext], Any]) -> Callable[[ScoreContext], Any]:
        HEURISTICS.register(
            name,
            Heuristic(name, fn, higher_is_better, frozenset(needs), description or (fn.__doc__ or "").strip(),
                      canonical_invariant, reference, None if domains is None else frozenset(domains),
                      space_check, int(version)),
        )
        return fn

    return deco


def evaluate(h: Heuristic, ctx: ScoreContext) -> ScoreResult:
    """Run one heuristic, timing it. Exceptions propagate; non-finite values are kept as they are (the
    scoring run counts them in its summary instead of a warning per architecture)."""
    t0 = time.perf_counter()
    out = h.fn(ctx)
    seconds = time.perf_counter() - t0
    flops = None
    if isinstance(out, tuple):
        out, info = out
        flops = info.get("flops")
    return ScoreResult(h.name, float(out), seconds, flops)


def member_value(ctx: ScoreContext, name: str) -> float:
    """The value of heuristic ``name`` on ``ctx``'s architecture, for heuristics built on others (the
    ``ranker`` and ``az_nas`` stand-ins, ``swap_reg``): read from ``ctx.class_values`` when ``name`` is
    canonical-invariant and its value for the class is there (the same number: the heuristic is a
    function of the class), computed otherwise: in ``ctx`` for a structural heuristic, and for a
    canonical-invariant one on the class's representative (``space.representative``), where a scoring run
    computes the class's value, so that the value used is the class's whichever member is scored."""
    h = HEURISTICS.get(name)
    if h.canonical_invariant and name in ctx.class_values:
        return float(ctx.class_values[name])
    return evaluate(h, representative_context(ctx) if h.canonical_invariant else ctx).value


def representative_context(ctx: ScoreContext) -> ScoreContext:
    """``ctx`` itself when its architecture is its class's representative, else a context on the
    representative with the same data and settings (made once per context, so its passes are shared)."""
    rep_of = getattr(ctx.space, "representative", None)
    rep = ctx.arch if rep_of is None else rep_of(ctx.arch)
    if rep == ctx.arch:
        return ctx
    return ctx.shared(("representative_context",), lambda: dataclasses.replace(
        ctx, arch=rep, class_values={}, _memo={}))
