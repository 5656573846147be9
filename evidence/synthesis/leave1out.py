"""Leave-one-out diagnostics, as ``metafor::leave1out(res)`` 3.8-1: the model refitted ``k``
times with the same ``method`` and ``test``, each time without one study (Viechtbauer &
Cheung 2010, *Res Synth Methods* 1:112-125). A refit that metafor cannot do (its ``try()``
fails) gives a row of None, as metafor gives a row of NA. Equal-effects models have no tau2:
their ``tau2`` column is None (metafor: NA). The refits use the model's ``control``, as
metafor's ``leave1out()`` does (None: the defaults, then the remedies of
:mod:`evidence.synthesis.control`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from evidence.synthesis._inputs import as_yi_vi
from evidence.synthesis.control import Control
from evidence.synthesis.pooling import EQUAL_EFFECTS, rma
from evidence.synthesis.tau2 import EstimationError


@dataclass(frozen=True)
class LeaveOneOut:
    """One row of ``leave1out()``: the fit without study ``omitted`` (0-based index)."""

    omitted: int
    estimate: float | None
    se: float | None
    zval: float | None
    pval: float | None
    ci_lb: float | None
    ci_ub: float | None
    Q: float | None
    Qp: float | None
    tau2: float | None
    I2: float | None
    H2: float | None


def leave1out(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: str = "REML",
    test: str = "z",
    control: Control | None = None,
) -> tuple[LeaveOneOut, ...]:
    """One :class:`LeaveOneOut` per study; raises ``ValueError`` for ``k = 1`` (metafor:
    "Stopped because k = 1")."""
    y, v = as_yi_vi(yi, vi)
    k = y.size
    if k == 1:
        raise ValueError("leave-one-out needs k >= 2")
    rows = []
    for i in range(k):
        keep = np.arange(k) != i
        try:
            res = rma(y[keep], v[keep], method=method, test=test, control=control, confint=False)
        except EstimationError:
            rows.append(LeaveOneOut(i, *([None] * 11)))
            continue
        rows.append(
            LeaveOneOut(
                omitted=i,
                estimate=res.beta,
                se=res.se,
                zval=res.zval,
                pval=res.pval,
                ci_lb=res.ci_lb,
                ci_ub=res.ci_ub,
                Q=res.QE,
                Qp=res.QEp,
                tau2=None if method in EQUAL_EFFECTS else res.tau2,
                I2=res.I2,
                H2=res.H2,
            )
        )
    return tuple(rows)
