"""Subgroup analysis with the test for subgroup differences.

Convention matched (metafor's documented recipe, "Comparing estimates of independent
meta-analyses or subgroups", metafor-project.org; Borenstein et al. 2009, *Introduction to
Meta-Analysis*, ch. 19, "separate estimates of tau2"): a separate ``rma(yi, vi, method, test)``
in every subgroup, each with its own tau2; then an equal-effects model of the subgroup
estimates, ``rma(estimate, sei = se, method = "EE")``, whose ``QE`` is ``Q_between`` on
``J - 1`` df. With ``test = "knha"`` the subgroup ``se`` are the Knapp-Hartung ones, as they are
in that recipe. Subgroups are taken in sorted order of their names (R's ``factor()``). Each
subgroup's fit uses ``control`` (None: metafor's defaults, then the remedies of
:mod:`evidence.synthesis.control`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from evidence.synthesis._inputs import as_yi_vi
from evidence.synthesis.control import Control
from evidence.synthesis.pooling import RMAResult, rma


@dataclass(frozen=True)
class SubgroupAnalysis:
    """Fits per subgroup and the between-subgroup Q test (None with fewer than 2 subgroups)."""

    fits: dict[str, RMAResult]
    members: dict[str, tuple[int, ...]]
    Q_between: float | None
    Q_between_df: int | None
    Q_between_p: float | None


def subgroup_analysis(
    yi: ArrayLike,
    vi: ArrayLike,
    groups: Sequence[str],
    *,
    method: str = "REML",
    test: str = "z",
    control: Control | None = None,
) -> SubgroupAnalysis:
    """Separate random-effects fits per level of ``groups`` and ``Q_between`` from an
    equal-effects fit of their estimates (``QE = sum(W_j (theta_j - theta_bar)^2)``,
    ``W_j = 1 / se_j^2``)."""
    y, v = as_yi_vi(yi, vi)
    if len(groups) != y.size:
        raise ValueError(f"groups has {len(groups)} labels for {y.size} studies")
    labels = np.asarray([str(g) for g in groups])
    fits: dict[str, RMAResult] = {}
    members: dict[str, tuple[int, ...]] = {}
    for name in sorted(set(labels.tolist())):
        idx = np.flatnonzero(labels == name)
        members[name] = tuple(int(i) for i in idx)
        fits[name] = rma(y[idx], v[idx], method=method, test=test, control=control)
    if len(fits) < 2:
        return SubgroupAnalysis(fits, members, None, None, None)
    estimates = [f.beta for f in fits.values()]
    variances = [f.se**2 for f in fits.values()]
    if min(variances) <= 0.0:
        # knha with a perfectly homogeneous subgroup gives se = 0: no finite weight exists.
        return SubgroupAnalysis(fits, members, None, None, None)
    between = rma(estimates, variances, method="EE", confint=False)
    return SubgroupAnalysis(fits, members, between.QE, len(fits) - 1, between.QEp)
