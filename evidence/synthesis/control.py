"""Convergence control of the iterative tau2 estimators, as ``rma.uni(control = list(...))``.

metafor 3.8-1 fits ML and REML by Fisher scoring (stop when tau2 changes by at most
``threshold``; give up after ``maxiter`` iterations; each step multiplied by ``stepadj``) and
PM by ``uniroot()`` (at most ``maxiter`` iterations). When the default control does not
converge, ``help(rma)`` suggests shortening the step and allowing more iterations ("e.g.
``control=list(stepadj=0.5, maxiter=1000)``"). :func:`remedies` lists those attempts in the
order the project tries them; the first one is always the control asked for, so a model that
converges with metafor's defaults is fitted exactly as metafor fits it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

ITERATIVE = ("ML", "REML", "PM")  # the methods whose fit depends on the control
MORE_ITERATIONS = 1000  # help(rma): "e.g., control=list(stepadj=0.5, maxiter=1000)"
T = TypeVar("T")


class EstimationError(RuntimeError):
    """An iterative tau2 estimator failed where metafor stops with an error."""


@dataclass(frozen=True)
class Control:
    """metafor's ``control`` entries for the iterative estimators, with its defaults."""

    threshold: float = 1e-5  # Fisher scoring stops when |tau2_new - tau2_old| <= threshold
    maxiter: int = 100  # Fisher scoring iterations (ML, REML); uniroot() iterations (PM)
    stepadj: float = 1.0  # each Fisher scoring step is multiplied by this

    def __post_init__(self) -> None:
        if not self.threshold > 0:
            raise ValueError(f"threshold must be > 0; got {self.threshold!r}")
        if self.maxiter < 1:
            raise ValueError(f"maxiter must be >= 1; got {self.maxiter!r}")
        if not 0 < self.stepadj <= 1:
            raise ValueError(f"stepadj must lie in (0, 1]; got {self.stepadj!r}")

    def describe(self) -> str:
        """The entries that differ from metafor's defaults, as R would write them
        (``"stepadj = 0.5, maxiter = 1000"``); empty for the defaults."""
        default = Control()
        return ", ".join(
            f"{name} = {getattr(self, name):g}"
            for name in ("threshold", "maxiter", "stepadj")
            if getattr(self, name) != getattr(default, name)
        )

    def as_dict(self) -> dict[str, float]:
        """``{"threshold": ..., "maxiter": ..., "stepadj": ...}`` (for JSON)."""
        return {"threshold": self.threshold, "maxiter": self.maxiter, "stepadj": self.stepadj}


DEFAULT_CONTROL = Control()


def parse_control(text: str) -> Control:
    """``"threshold=1e-6,maxiter=500,stepadj=0.5"`` (any subset) -> :class:`Control`;
    ``ValueError`` naming the bad entry."""
    values: dict[str, float | int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = (s.strip() for s in item.partition("="))
        if not sep or name not in {"threshold", "maxiter", "stepadj"}:
            raise ValueError(f"{item!r}: use threshold=..., maxiter=... or stepadj=...")
        try:
            values[name] = int(value) if name == "maxiter" else float(value)
        except ValueError:
            raise ValueError(f"{item!r}: {value!r} is not a number") from None
    return Control(**values)  # type: ignore[arg-type]


def remedies(method: str, control: Control) -> tuple[Control, ...]:
    """The controls tried in turn for ``method``: ``control`` itself; then (ML, REML) half the
    step; half the step with at least ``MORE_ITERATIONS`` iterations; a quarter of the step
    with those iterations; (PM) ``MORE_ITERATIONS`` uniroot iterations. Other methods have no
    iterations and get ``control`` only."""
    more = max(control.maxiter, MORE_ITERATIONS)
    if method in {"ML", "REML"}:
        half = control.stepadj / 2.0
        tries = (
            control,
            replace(control, stepadj=half),
            replace(control, stepadj=half, maxiter=more),
            replace(control, stepadj=half / 2.0, maxiter=more),
        )
    elif method == "PM":
        tries = (control, replace(control, maxiter=more))
    else:
        tries = (control,)
    return tuple(dict.fromkeys(tries))


def converge(method: str, control: Control | None, fit: Callable[[Control], T]) -> T:
    """``fit(control)`` as asked when ``control`` is given (as metafor would); with None, the
    defaults and then each of :func:`remedies` until one converges. Raises
    :class:`EstimationError` when none does (naming the controls tried)."""
    tries = (control,) if control is not None else remedies(method, DEFAULT_CONTROL)
    error: EstimationError | None = None
    for attempt in tries:
        try:
            return fit(attempt)
        except EstimationError as exc:
            error = exc
    assert error is not None
    if len(tries) == 1:
        raise error
    tried = "; ".join(attempt.describe() or "the defaults" for attempt in tries)
    raise EstimationError(f"{error} (control tried: {tried})") from error
