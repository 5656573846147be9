"""One random-effects fit of a pooled group, and the columns every pooled table stores for it.

:func:`fit_group` asks :func:`evidence.synthesis.pooling.rma` for the run's estimator: ML,
REML and PM follow metafor's default control first and, when that does not converge, its
remedies (step halving, more iterations; :mod:`evidence.synthesis.control`). Only when no
remedy converges is the group fitted by DerSimonian-Laird, and the method label says so. A
group fitted with a remedy says which control converged (``"REML, z (stepadj = 0.5)"``).

:func:`fit_columns` turns a fit into a pooled row's columns, among them I² with its Q-profile
CI (``i2_ci_lb``, ``i2_ci_ub``, as metafor's ``confint()``); a new pooled table gets them by
building its rows with it (and declaring ``FIT_DDL``'s columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from evidence.synthesis.control import DEFAULT_CONTROL
from evidence.synthesis.pooling import RMAResult, rma
from evidence.synthesis.tau2 import EstimationError

TEST_LABELS = {"z": "z", "knha": "Hartung-Knapp"}
FALLBACK = "DL"  # closed form: always gives an estimate

#: The fit's columns of a pooled table, in ``fit_columns`` order.
FIT_DDL = """
    mean_change double, se double, ci_lb double, ci_ub double, pval double,
    tau2 double, i2 double, i2_ci_lb double, i2_ci_ub double, qe double, qe_p double,
    pi_lb double, pi_ub double
"""


@dataclass(frozen=True)
class PoolingSettings:
    method: str = "REML"  # tau2 estimator (metafor's name)
    test: str = "z"  # z | knha
    level: float = 95.0


@dataclass(frozen=True)
class GroupFit:
    """A group's fit and what the label adds to its method: the control that converged, or
    the fallback and why."""

    res: RMAResult
    note: str = ""

    @property
    def label(self) -> str:
        """``"REML, z"``, with the note; ``"single study (not pooled)"`` for ``k = 1``."""
        if self.res.k == 1:
            return "single study (not pooled)"
        return f"{self.res.method}, {TEST_LABELS[self.res.test]}{self.note}"


def fit_group(
    yi: npt.NDArray[np.float64], vi: npt.NDArray[np.float64], settings: PoolingSettings
) -> GroupFit:
    """``rma()`` with the run's settings; DerSimonian-Laird, labelled, when the estimator does
    not converge with any of metafor's remedies."""
    try:
        res = rma(yi, vi, method=settings.method, test=settings.test, level=settings.level)
    except EstimationError as exc:
        res = rma(yi, vi, method=FALLBACK, test=settings.test, level=settings.level)
        return GroupFit(res, f" ({settings.method} failed: {exc}; DerSimonian-Laird used)")
    if res.control is not None and res.control != DEFAULT_CONTROL:
        return GroupFit(res, f" ({res.control.describe()})")
    return GroupFit(res)


def fit_columns(fit: GroupFit) -> dict[str, object]:
    """The pooled row's columns of ``fit`` (``FIT_DDL`` and ``method``); heterogeneity is
    null for a single study."""
    res = fit.res
    single = res.k == 1
    return {
        "mean_change": res.beta,
        "se": res.se,
        "ci_lb": res.ci_lb,
        "ci_ub": res.ci_ub,
        "pval": res.pval,
        "tau2": None if single else res.tau2,
        "i2": None if single else res.I2,
        "i2_ci_lb": None if single else res.I2_ci_lb,
        "i2_ci_ub": None if single else res.I2_ci_ub,
        "qe": None if single else res.QE,
        "qe_p": None if single else res.QEp,
        "pi_lb": None if single else res.pi_lb,
        "pi_ub": None if single else res.pi_ub,
        "method": fit.label,
    }


def empty_fit_columns(reason: str) -> dict[str, object]:
    """The columns of a group that could not be pooled: all null, the reason as method."""
    columns = [c.split()[0] for c in FIT_DDL.replace("\n", " ").split(",") if c.strip()]
    return {**dict.fromkeys(columns), "method": f"not pooled: {reason}"}
