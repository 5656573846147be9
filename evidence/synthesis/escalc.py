"""``escalc()``: effect sizes and sampling variances by metafor's measure names.

One entry point over :mod:`effect_sizes` (means) and :mod:`counts` (counts), taking columns by
metafor's argument names. Sign conventions are metafor's: group 1 minus group 2 (MD, SMD, RD;
log ratios of group 1 over group 2 for RR, OR); for MC and SMCR ``m1i`` is the baseline and
``m2i`` the follow-up mean, so ``yi = m1i - m2i`` is the improvement on lower-is-better scales.
Where ``ri`` is missing for MC/SMCR the default correlation ``rho`` is used and flagged.
Two-by-two tables (RR, OR, RD) are given as ``ai, n1i, ci, n2i`` or, as metafor also takes
them, as the four cells ``ai, bi, ci, di`` (then ``n1i = ai + bi``, ``n2i = ci + di``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidence.synthesis import counts, effect_sizes

FloatArray = NDArray[np.float64]
DEFAULT_RHO = 0.5  # Cochrane Handbook 6.5.2.8 suggests imputing; 0.5 is the usual default

#: metafor argument names each measure needs (``ri`` is optional for MC and SMCR).
REQUIRED: dict[str, tuple[str, ...]] = {
    "MD": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "SMD": ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"),
    "MC": ("m1i", "sd1i", "m2i", "sd2i", "ni"),
    "SMCR": ("m1i", "sd1i", "m2i", "ni"),
    "PLO": ("xi", "ni"),
    "PR": ("xi", "ni"),
    "RR": ("ai", "n1i", "ci", "n2i"),
    "OR": ("ai", "n1i", "ci", "n2i"),
    "RD": ("ai", "n1i", "ci", "n2i"),
    "GEN": ("yi", "vi"),
}
MEASURES = tuple(REQUIRED)
USES_RI = ("MC", "SMCR")
TABLES = ("RR", "OR", "RD")
#: Group size of a two-by-two table -> the events and non-events cells that add up to it.
TABLE_CELLS = {"n1i": ("ai", "bi"), "n2i": ("ci", "di")}


@dataclass(frozen=True)
class EffectSizes:
    """``yi``/``vi`` per study; ``corrected`` marks studies that got the 1/2 zero-cell
    correction, ``ri_imputed`` those whose ``ri`` was the default ``rho``."""

    measure: str
    yi: FloatArray
    vi: FloatArray
    corrected: tuple[bool, ...]
    ri_imputed: tuple[bool, ...]


def escalc(measure: str, data: Mapping[str, ArrayLike], *, rho: float = DEFAULT_RHO) -> EffectSizes:
    """Compute ``escalc(measure, ...)`` from the columns in ``data`` (metafor's names).

    Raises ``KeyError`` naming a missing column and ``ValueError`` for invalid values.
    """
    if measure not in REQUIRED:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}; got {measure!r}")
    if measure in TABLES:
        data = _with_group_sizes(data)
    missing = [name for name in REQUIRED[measure] if name not in data]
    if missing:
        raise KeyError(f"measure {measure} needs column(s) {', '.join(missing)}")
    col = {name: np.asarray(data[name], dtype=np.float64) for name in REQUIRED[measure]}
    k = next(iter(col.values())).size
    none = (False,) * k
    if measure in USES_RI:
        ri = np.asarray(data.get("ri", np.full(k, np.nan)), dtype=np.float64)
        imputed = np.isnan(ri)
        ri = np.where(imputed, rho, ri)
        if measure == "MC":
            yi, vi = effect_sizes.mean_change(
                col["m1i"], col["sd1i"], col["m2i"], col["sd2i"], col["ni"], ri
            )
        else:
            yi, vi = effect_sizes.standardized_mean_change(
                col["m1i"], col["sd1i"], col["m2i"], col["ni"], ri
            )
        return EffectSizes(measure, yi, vi, none, tuple(bool(x) for x in imputed))
    if measure in {"MD", "SMD"}:
        f = effect_sizes.mean_difference if measure == "MD" else effect_sizes.hedges_g
        yi, vi = f(col["m1i"], col["sd1i"], col["n1i"], col["m2i"], col["sd2i"], col["n2i"])
        return EffectSizes(measure, yi, vi, none, none)
    if measure == "GEN":
        return EffectSizes(measure, col["yi"] * 1.0, col["vi"] * 1.0, none, none)
    if measure in {"PLO", "PR"}:
        g = counts.logit_proportion if measure == "PLO" else counts.raw_proportion
        yi, vi, corrected = g(col["xi"], col["ni"])
    else:
        h = {"RR": counts.log_risk_ratio, "OR": counts.log_odds_ratio, "RD": counts.risk_difference}
        yi, vi, corrected = h[measure](col["ai"], col["n1i"], col["ci"], col["n2i"])
    return EffectSizes(measure, yi, vi, tuple(bool(x) for x in corrected), none)


def _with_group_sizes(data: Mapping[str, ArrayLike]) -> Mapping[str, ArrayLike]:
    """``data`` with ``n1i = ai + bi`` and ``n2i = ci + di`` where only the cells are given."""
    sizes = {
        size: np.asarray(data[events], dtype=np.float64) + np.asarray(data[cell], dtype=np.float64)
        for size, (events, cell) in TABLE_CELLS.items()
        if size not in data and events in data and cell in data
    }
    return {**data, **sizes} if sizes else data
