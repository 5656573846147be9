"""Heterogeneity statistics of the intercept-only model as ``metafor::rma.uni`` reports them:
Cochran's Q (``QE``), its p-value (``QEp``), ``I2`` (percent) and ``H2``.

Formulas: Cochran 1954, *Biometrics* 10:101-129 (Q); Higgins & Thompson 2002, *Stat Med*
21:1539-1558 (I2, H2, and the "typical" within-study variance ``vt``). metafor computes I2
and H2 from tau2 for random-effects models and from Q for equal-effects models.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from evidence.synthesis.distributions import chi2_sf


def cochran_q(yi: NDArray[np.float64], vi: NDArray[np.float64]) -> float:
    """``QE = max(0, sum(wi * (yi - mu_w)^2))`` with ``wi = 1 / vi``; outcomes centred first
    as metafor does."""
    yc = yi - yi.mean()
    wi = 1.0 / vi
    mu = float(np.sum(wi * yc) / np.sum(wi))
    return max(0.0, float(np.sum(wi * (yc - mu) ** 2)))


def typical_variance(vi: NDArray[np.float64]) -> float:
    """Higgins-Thompson typical within-study variance
    ``vt = (k - 1) / (sum(wi) - sum(wi^2) / sum(wi))`` (metafor's default ``i2def = "1"``)."""
    wi = 1.0 / vi
    sw = float(np.sum(wi))
    return (vi.size - 1) / (sw - float(np.sum(wi**2)) / sw)


def q_pvalue(QE: float, k: int) -> float:
    """Upper-tail chi-square p-value of Q on ``k - 1`` degrees of freedom."""
    return float(chi2_sf(QE, k - 1))


def i2_h2_from_q(QE: float, k: int) -> tuple[float | None, float]:
    """Equal-effects I2 and H2: ``I2 = max(0, 100 (Q - (k-1)) / Q)`` (None when Q = 0,
    where metafor gives NaN) and ``H2 = Q / (k - 1)``."""
    df = k - 1
    I2 = None if QE == 0.0 else max(0.0, 100.0 * (QE - df) / QE)
    return I2, QE / df


def i2_h2_from_tau2(tau2: float, vt: float) -> tuple[float, float]:
    """Random-effects I2 and H2: ``I2 = 100 tau2 / (vt + tau2)``, ``H2 = tau2 / vt + 1``."""
    return 100.0 * tau2 / (vt + tau2), tau2 / vt + 1.0
