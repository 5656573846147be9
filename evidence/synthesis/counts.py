"""Effect sizes for counts: one proportion (PR, PLO) and two-by-two tables (RR, OR, RD).

As ``metafor::escalc()`` 3.8-1 with its defaults ``add = 1/2``, ``to = "only0"``,
``drop00 = FALSE``, ``vtype = "LS"``: a study with a zero cell (events or non-events, in
either arm) gets 1/2 added to every cell of its table before yi and vi are computed; other
studies are left alone. Formulas: Fleiss & Berlin 2009 in *The Handbook of Research Synthesis*,
2nd ed., ch. 13 (RR, OR, RD); logit and raw proportions as in the metafor documentation.
Each function also returns which studies were corrected.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
ADD = 0.5  # escalc(add = 1/2)


def _counts(name: str, value: ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be finite counts >= 0")
    return arr


def _events_within(xi: FloatArray, ni: FloatArray, names: str) -> None:
    if np.any(ni <= 0):
        raise ValueError(f"group sizes must be > 0 ({names})")
    if np.any(xi > ni):
        raise ValueError(f"event counts exceed group sizes ({names})")


def _proportion(xi: ArrayLike, ni: ArrayLike) -> tuple[FloatArray, FloatArray, BoolArray]:
    x, n = _counts("xi", xi), _counts("ni", ni)
    _events_within(x, n, "xi > ni")
    mi = n - x
    corrected = (x == 0) | (mi == 0)
    x = np.where(corrected, x + ADD, x)
    mi = np.where(corrected, mi + ADD, mi)
    return x, mi, corrected


def logit_proportion(xi: ArrayLike, ni: ArrayLike) -> tuple[FloatArray, FloatArray, BoolArray]:
    """``escalc(measure="PLO")``: ``yi = log(p / (1 - p))``, ``vi = 1/xi + 1/(ni - xi)``."""
    x, mi, corrected = _proportion(xi, ni)
    p = x / (x + mi)
    return np.log(p / (1 - p)), 1 / x + 1 / mi, corrected


def raw_proportion(xi: ArrayLike, ni: ArrayLike) -> tuple[FloatArray, FloatArray, BoolArray]:
    """``escalc(measure="PR")``: ``yi = p``, ``vi = p (1 - p) / ni`` (after the correction a
    0 or 1 proportion has a positive variance)."""
    x, mi, corrected = _proportion(xi, ni)
    n = x + mi
    p = x / n
    return p, p * (1 - p) / n, corrected


def _table(
    ai: ArrayLike, n1i: ArrayLike, ci: ArrayLike, n2i: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, BoolArray]:
    a, n1, c, n2 = (
        _counts(nm, x) for nm, x in (("ai", ai), ("n1i", n1i), ("ci", ci), ("n2i", n2i))
    )
    _events_within(a, n1, "ai > n1i")
    _events_within(c, n2, "ci > n2i")
    b, d = n1 - a, n2 - c
    corrected = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    a, b, c, d = (np.where(corrected, x + ADD, x) for x in (a, b, c, d))
    return a, b, c, d, corrected


def log_risk_ratio(
    ai: ArrayLike, n1i: ArrayLike, ci: ArrayLike, n2i: ArrayLike
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """``escalc(measure="RR")``: ``yi = log(p1 / p2)``, ``vi = 1/ai - 1/n1i + 1/ci - 1/n2i``."""
    a, b, c, d, corrected = _table(ai, n1i, ci, n2i)
    n1, n2 = a + b, c + d
    return np.log(a / n1) - np.log(c / n2), 1 / a - 1 / n1 + 1 / c - 1 / n2, corrected


def log_odds_ratio(
    ai: ArrayLike, n1i: ArrayLike, ci: ArrayLike, n2i: ArrayLike
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """``escalc(measure="OR")``: ``yi = log(ai di / (bi ci))``, ``vi = 1/ai + 1/bi + 1/ci +
    1/di``."""
    a, b, c, d, corrected = _table(ai, n1i, ci, n2i)
    p1, p2 = a / (a + b), c / (c + d)
    yi = np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2))
    return yi, 1 / a + 1 / b + 1 / c + 1 / d, corrected


def risk_difference(
    ai: ArrayLike, n1i: ArrayLike, ci: ArrayLike, n2i: ArrayLike
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """``escalc(measure="RD")``: ``yi = p1 - p2``, ``vi = p1 (1-p1)/n1i + p2 (1-p2)/n2i``."""
    a, b, c, d, corrected = _table(ai, n1i, ci, n2i)
    n1, n2 = a + b, c + d
    p1, p2 = a / n1, c / n2
    return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2, corrected
