"""Q-profile confidence interval for tau2, as ``metafor::confint(res)`` 3.8-1 (``type = "QP"``).

Viechtbauer 2007, *Stat Med* 26:37-52: the bounds are the tau2 values at which the generalised
Q statistic ``Q(tau2) = sum(wi (yi - mu_w)^2)``, ``wi = 1 / (vi + tau2)``, equals the
``1 - alpha/2`` (lower bound) and ``alpha/2`` (upper bound) quantiles of chi-square on
``k - p`` df. As metafor: the search interval is ``[0, max(100, 10 tau2)]``; R's ``uniroot()``
(ported in ``_zeroin``, ``tol = .Machine$double.eps^0.25``, ``maxiter = 1000``) finds the roots;
a bound that falls below 0 is reported as 0 (both bounds are 0 when ``Q(0)`` is below the lower
quantile), a bound beyond the interval as its upper end. The roots are determined to
metafor's absolute tolerance only; ``_zeroin`` follows R's iterations step for step, so the
bounds agree with metafor's to rounding.

:func:`heterogeneity_confint` adds the rows ``I^2(%)`` and ``H^2`` of ``confint(res)``: the
tau2 bounds converted with the model's "typical" within-study variance ``vt = (k - p) / tr(P)``,
``P`` with ``wi = 1 / vi`` (Higgins & Thompson 2002, *Stat Med* 21:1539-1558):
``I2 = 100 tau2 / (vt + tau2)``, ``H2 = tau2 / vt + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from evidence.synthesis._inputs import as_yi_vi
from evidence.synthesis._zeroin import zeroin2
from evidence.synthesis.distributions import chi2_isf, chi2_ppf
from evidence.synthesis.tau2 import UNIROOT_TOL
from evidence.synthesis.tau2_regression import projection, q_generalised

CONFINT_MAXITER = 1000  # metafor confint() control$maxiter
TAU2_MAX_FLOOR = 100.0  # metafor confint(): tau2.max = max(100, 10 * tau2)


@dataclass(frozen=True)
class Tau2CI:
    """``confint(res)$random["tau^2", ]``; ``lb_sign`` / ``ub_sign`` are metafor's ``"<"`` /
    ``">"`` marks for a bound that sits at an end of the search interval (else "")."""

    tau2: float
    ci_lb: float
    ci_ub: float
    lb_sign: str = ""
    ub_sign: str = ""


def tau2_confint(
    yi: ArrayLike,
    vi: ArrayLike,
    tau2: float,
    *,
    X: ArrayLike | None = None,
    level: float = 95.0,
) -> Tau2CI:
    """Q-profile CI of ``tau2`` for the model with design ``X`` (default: intercept only).

    Raises ``ValueError`` for ``k = 1`` (metafor: "Stopped because k = 1").
    """
    y, v = as_yi_vi(yi, vi)
    k = y.size
    Xm = np.ones((k, 1)) if X is None else np.asarray(X, dtype=np.float64).reshape(k, -1)
    p = Xm.shape[1]
    if k - p < 1:
        raise ValueError(f"k = {k}: no degrees of freedom left for a tau2 interval")
    alpha = (100.0 - level) / 100.0
    crit_u = float(chi2_isf(alpha / 2.0, k - p))
    crit_l = float(chi2_ppf(alpha / 2.0, k - p))
    tau2_min = min(0.0, tau2)
    tau2_max = max(TAU2_MAX_FLOOR, tau2 * 10.0, tau2_min * 10.0)

    def q(t: float) -> float:
        if X is None:  # Y'PY of the intercept-only model without a k x k matrix
            wi = 1.0 / (v + t)
            r = y - float(wi @ y) / float(wi.sum())
            return float(wi @ (r * r))
        return q_generalised(t, y, v, Xm)

    def root(objective: float) -> float:
        fa = q(tau2_min) - objective
        fb = q(tau2_max) - objective
        return zeroin2(
            lambda t: q(t) - objective,
            tau2_min,
            tau2_max,
            fa=fa,
            fb=fb,
            tol=UNIROOT_TOL,
            maxiter=CONFINT_MAXITER,
        )

    q_max, q_min = q(tau2_max), q(tau2_min)
    lb_sign = ub_sign = ""
    if q_min < crit_l:
        lb = ub = tau2_min
        lb_sign = ub_sign = "<"
    elif q_max > crit_l:
        ub, ub_sign = tau2_max, ">"
        lb = tau2_min
    else:
        ub = root(crit_l)
        lb = tau2_min
    if q_max > crit_u:
        lb = ub = tau2_max
        lb_sign = ub_sign = ">"
    elif q_min < crit_u:
        lb = tau2_min
    else:
        lb = root(crit_u)
    return Tau2CI(tau2=tau2, ci_lb=lb, ci_ub=ub, lb_sign=lb_sign, ub_sign=ub_sign)


@dataclass(frozen=True)
class HeterogeneityCI:
    """``confint(res)$random``: the tau2, I2 (percent) and H2 rows' bounds."""

    tau2_ci_lb: float
    tau2_ci_ub: float
    I2_ci_lb: float
    I2_ci_ub: float
    H2_ci_lb: float
    H2_ci_ub: float


def heterogeneity_confint(
    yi: ArrayLike,
    vi: ArrayLike,
    tau2: float,
    *,
    X: ArrayLike | None = None,
    level: float = 95.0,
) -> HeterogeneityCI:
    """Q-profile CIs of tau2, I2 and H2 (``confint(res)``); raises ``ValueError`` where
    :func:`tau2_confint` does."""
    ci = tau2_confint(yi, vi, tau2, X=X, level=level)
    v = np.atleast_1d(np.asarray(vi, dtype=np.float64))
    k = v.size
    Xm = np.ones((k, 1)) if X is None else np.asarray(X, dtype=np.float64).reshape(k, -1)
    if X is None:
        wi = 1.0 / v
        tr_p = float(np.sum(wi)) - float(np.sum(wi**2)) / float(np.sum(wi))
    else:
        tr_p = float(np.trace(projection(Xm, 1.0 / v)))
    vt = (k - Xm.shape[1]) / tr_p
    return HeterogeneityCI(
        tau2_ci_lb=ci.ci_lb,
        tau2_ci_ub=ci.ci_ub,
        I2_ci_lb=100.0 * ci.ci_lb / (vt + ci.ci_lb),
        I2_ci_ub=100.0 * ci.ci_ub / (vt + ci.ci_ub),
        H2_ci_lb=ci.ci_lb / vt + 1.0,
        H2_ci_ub=ci.ci_ub / vt + 1.0,
    )
