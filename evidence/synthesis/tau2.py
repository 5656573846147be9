"""Between-study variance (tau2) estimators for the intercept-only random-effects model.

Each function emulates the matching branch of ``metafor::rma.uni`` 3.8-1 (Viechtbauer 2010,
*J Stat Softw* 36(3); estimator formulas in Viechtbauer 2005, *J Educ Behav Stat* 30:261-293,
and Veroniki et al. 2016, *Res Synth Methods* 7:55-79) for ``X`` = a column of ones, ``p = 1``:
the same starting values, the same Fisher scoring with step halving at 0, the same
``uniroot()`` search for Paule-Mandel, the same truncation at ``tau2.min = 0``. Like metafor,
the outcomes are centred (``ymci``) before estimation. The iterative estimators (ML, REML, PM)
take a :class:`~evidence.synthesis.control.Control` (metafor's ``control``: threshold, maxiter,
stepadj; its defaults unless given).

All functions take ``yi`` (effect sizes) and ``vi`` (sampling variances, all > 0) and return
tau2 as a float; with ``k = 1`` they return 0, as metafor does.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidence.synthesis._inputs import as_yi_vi
from evidence.synthesis._zeroin import zeroin2
from evidence.synthesis.control import DEFAULT_CONTROL, Control, EstimationError

__all__ = ["ESTIMATORS", "EstimationError"]

THRESHOLD = DEFAULT_CONTROL.threshold  # metafor control$threshold
MAXITER = DEFAULT_CONTROL.maxiter  # metafor control$maxiter
UNIROOT_TOL = float(np.finfo(np.float64).eps) ** 0.25  # metafor control$tol
TAU2_MIN = 0.0  # metafor control$tau2.min
MAD_CONSTANT = 1.4826  # R's mad() default constant


def _centred(yi: ArrayLike, vi: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    y, v = as_yi_vi(yi, vi)
    return y - y.mean(), v


def _weighted_rss(yc: NDArray[np.float64], wi: NDArray[np.float64]) -> float:
    """``y' P y`` with ``P = W - W X (X'WX)^-1 X'W``: sum of wi * (yi - mu_w)^2."""
    mu = float(np.sum(wi * yc) / np.sum(wi))
    return float(np.sum(wi * (yc - mu) ** 2))


def _hedges_raw(yc: NDArray[np.float64], vi: NDArray[np.float64]) -> float:
    k = yc.size
    rss = float(np.sum((yc - yc.mean()) ** 2))
    tr_pv = float(np.sum(vi)) * (1.0 - 1.0 / k)
    return (rss - tr_pv) / (k - 1)


def dersimonian_laird(yi: ArrayLike, vi: ArrayLike) -> float:
    """DerSimonian-Laird moment estimator (DerSimonian & Laird 1986, *Control Clin Trials*
    7:177-188): ``tau2 = max(0, (Q - (k - 1)) / (sum(wi) - sum(wi^2) / sum(wi)))``,
    ``wi = 1 / vi``."""
    yc, v = _centred(yi, vi)
    k = yc.size
    if k == 1:
        return 0.0
    wi = 1.0 / v
    sw = float(np.sum(wi))
    tr_p = sw - float(np.sum(wi**2)) / sw
    return max(TAU2_MIN, (_weighted_rss(yc, wi) - (k - 1)) / tr_p)


def hedges(yi: ArrayLike, vi: ArrayLike) -> float:
    """Hedges (HE) unweighted moment estimator (Hedges 1983, *Psychol Bull* 93:388-395;
    Viechtbauer 2005 eq. 6): ``max(0, (sum((yi - ybar)^2) - (k - 1)/k * sum(vi)) / (k - 1))``."""
    yc, v = _centred(yi, vi)
    if yc.size == 1:
        return 0.0
    return max(TAU2_MIN, _hedges_raw(yc, v))


def sidik_jonkman_start(yi: ArrayLike) -> float:
    """The Sidik-Jonkman starting value ``tau2_0 = sum((yi - ybar)^2) / k`` (metafor's
    ``var(ymci) * (k - 1) / k``)."""
    y = np.atleast_1d(np.asarray(yi, dtype=np.float64))
    yc = y - y.mean()
    k = yc.size
    return float(np.var(yc, ddof=1)) * (k - 1) / k


def sidik_jonkman(yi: ArrayLike, vi: ArrayLike) -> float:
    """Sidik-Jonkman (SJ) two-step estimator (Sidik & Jonkman 2005, *J Biopharm Stat*
    15:823-838): start at ``tau2_0 = sum((yi - ybar)^2) / k``, then
    ``tau2 = tau2_0 * sum(wi (yi - mu_w)^2) / (k - 1)`` with ``wi = 1 / (vi + tau2_0)``."""
    yc, v = _centred(yi, vi)
    k = yc.size
    if k == 1:
        return 0.0
    tau2_0 = sidik_jonkman_start(yc)
    wi = 1.0 / (v + tau2_0)
    return max(TAU2_MIN, tau2_0 * _weighted_rss(yc, wi) / (k - 1))


def _mad(y: NDArray[np.float64]) -> float:
    med = float(np.median(y))
    return MAD_CONSTANT * float(np.median(np.abs(y - med)))


def paule_mandel(yi: ArrayLike, vi: ArrayLike, control: Control = DEFAULT_CONTROL) -> float:
    """Paule-Mandel (PM) estimator (Paule & Mandel 1982, *J Res Natl Bur Stand* 87:377-385):
    the tau2 at which the generalised Q, ``sum(wi (yi - mu_w)^2)`` with
    ``wi = 1 / (vi + tau2)``, equals ``k - 1``; 0 when Q(0) < k - 1.

    As metafor: the root is searched on ``[0, max(100, 10 * mad(yi)^2)]`` by R's
    ``uniroot()`` (ported in ``_zeroin``) with ``tol = .Machine$double.eps^0.25`` and at most
    ``control.maxiter`` iterations, and an ``EstimationError`` is raised when Q at the upper
    end is still above ``k - 1``.
    """
    y, v = as_yi_vi(yi, vi)
    yc = y - y.mean()
    k = yc.size
    if k == 1:
        return 0.0
    target = float(k - 1)
    tau2_max = max(100.0, 10.0 * _mad(y) ** 2)

    def objective(tau2: float) -> float:
        return _weighted_rss(yc, 1.0 / (v + tau2)) - target

    f_lower = objective(TAU2_MIN)
    if f_lower < 0.0:
        return TAU2_MIN
    f_upper = objective(tau2_max)
    if f_upper > 0.0:
        raise EstimationError(
            f"Paule-Mandel: Q(tau2.max = {tau2_max}) is above k - 1; "
            "metafor stops with 'Value of tau2.max too low'"
        )
    root = zeroin2(
        objective,
        TAU2_MIN,
        tau2_max,
        fa=f_lower,
        fb=f_upper,
        tol=UNIROOT_TOL,
        maxiter=control.maxiter,
    )
    return max(TAU2_MIN, root)


def _log_likelihood(
    yc: NDArray[np.float64], vi: NDArray[np.float64], tau2: float, ml: bool
) -> float:
    """ML or REML log-likelihood of the intercept-only model (metafor's ``ll0check``)."""
    k = yc.size
    wi = 1.0 / (vi + tau2)
    rss = _weighted_rss(yc, wi)
    log_det = float(np.sum(np.log(vi + tau2)))
    if ml:
        return -0.5 * k * math.log(2.0 * math.pi) - 0.5 * log_det - 0.5 * rss
    return (
        -0.5 * (k - 1) * math.log(2.0 * math.pi)
        - 0.5 * log_det
        - 0.5 * math.log(float(np.sum(wi)))
        - 0.5 * rss
    )


def _fisher_scoring(yi: ArrayLike, vi: ArrayLike, control: Control, *, ml: bool) -> float:
    """metafor's Fisher scoring for ML/REML (Viechtbauer 2005, eqs. 11 and 14), started at
    ``max(0, HE)``, each step multiplied by ``control.stepadj`` and halved while it would go
    below 0, stopping when tau2 moves by at most ``control.threshold`` (``EstimationError``
    after ``control.maxiter`` iterations); followed by metafor's check that the likelihood at
    tau2 = 0 is not higher (else tau2 is set to 0)."""
    yc, v = _centred(yi, vi)
    k = yc.size
    if k == 1:
        return 0.0
    tau2 = max(0.0, _hedges_raw(yc, v), TAU2_MIN)
    change = control.threshold + 1.0
    iteration = 0
    while change > control.threshold:
        iteration += 1
        old = tau2
        wi = 1.0 / (v + tau2)
        sw = float(np.sum(wi))
        sw2 = float(np.sum(wi**2))
        resid = yc - float(np.sum(wi * yc)) / sw
        y_pp_y = float(np.sum((wi * resid) ** 2))
        if ml:
            adj = (y_pp_y - sw) / sw2
        else:
            tr_p = sw - sw2 / sw
            tr_pp = sw2 - 2.0 * float(np.sum(wi**3)) / sw + (sw2 / sw) ** 2
            adj = (y_pp_y - tr_p) / tr_pp
        adj *= control.stepadj
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < TAU2_MIN:
            adj /= 2.0
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if iteration > control.maxiter:
            raise EstimationError(
                "Fisher scoring algorithm did not converge (metafor: see help(rma))"
            )
    ll0 = _log_likelihood(yc, v, 0.0, ml)
    ll = _log_likelihood(yc, v, tau2, ml)
    if ll0 - ll > UNIROOT_TOL and tau2 > control.threshold:
        tau2 = 0.0
    return max(TAU2_MIN, tau2)


def maximum_likelihood(yi: ArrayLike, vi: ArrayLike, control: Control = DEFAULT_CONTROL) -> float:
    """Maximum-likelihood (ML) estimator by metafor's Fisher scoring (Hardy & Thompson 1996,
    *Stat Med* 15:619-629; Viechtbauer 2005 eq. 11)."""
    return _fisher_scoring(yi, vi, control, ml=True)


def reml(yi: ArrayLike, vi: ArrayLike, control: Control = DEFAULT_CONTROL) -> float:
    """Restricted maximum-likelihood (REML) estimator by metafor's Fisher scoring
    (Raudenbush 2009, in *Handbook of Research Synthesis*; Viechtbauer 2005 eq. 14)."""
    return _fisher_scoring(yi, vi, control, ml=False)


ESTIMATORS = {
    "DL": dersimonian_laird,
    "HE": hedges,
    "SJ": sidik_jonkman,
    "PM": paule_mandel,
    "ML": maximum_likelihood,
    "REML": reml,
}
"""metafor's ``method=`` codes mapped to the estimator functions (ML, REML and PM also take a
``control``)."""


def estimate_tau2(yi: ArrayLike, vi: ArrayLike, method: str, control: Control) -> float:
    """tau2 by ``method`` (a key of ``ESTIMATORS``), passing ``control`` where it applies."""
    if method in {"ML", "REML"}:
        return _fisher_scoring(yi, vi, control, ml=method == "ML")
    if method == "PM":
        return paule_mandel(yi, vi, control)
    return ESTIMATORS[method](yi, vi)
