"""tau2 estimators for the mixed-effects meta-regression model ``yi = X beta + u_i + e_i``.

Each branch follows ``metafor::rma.uni`` 3.8-1 with ``mods=`` (Viechtbauer 2010, *J Stat Softw*
36(3), section 3.3; Raudenbush 2009 in *The Handbook of Research Synthesis*, 2nd ed., ch. 16):
the outcomes are centred (``Ymc``), ``P = W - W X (X'WX)^-1 X'W`` and ``p = ncol(X)``.

- DL: ``(Y'PY - (k - p)) / tr(P)`` with ``W = diag(1 / vi)``;
- HE: ``(Y'(I - H)Y - tr((I - H)V)) / (k - p)`` with ``H = X (X'X)^-1 X'``;
- SJ: ``tau2_0 Y'PY / (k - p)`` with ``tau2_0 = var(yi) (k - 1) / k`` and ``W = 1/(vi + tau2_0)``;
- PM: the root of ``Y'P(tau2)Y = k - p`` by R's ``uniroot()`` (ported in ``_zeroin``);
- ML / REML: Fisher scoring from ``max(0, HE)``, ``adj = (Y'PPY - sum(wi)) / sum(wi^2)`` (ML)
  or ``(Y'PPY - tr(P)) / tr(PP)`` (REML), times ``control.stepadj``, step halving at 0, then
  metafor's ``ll0check``.

ML, REML and PM take metafor's ``control`` (:class:`~evidence.synthesis.control.Control`).

With ``X`` a column of ones these reduce to :mod:`evidence.synthesis.tau2`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from evidence.synthesis._zeroin import zeroin2
from evidence.synthesis.control import DEFAULT_CONTROL, Control, EstimationError
from evidence.synthesis.tau2 import MAD_CONSTANT, TAU2_MIN, UNIROOT_TOL

FloatArray = NDArray[np.float64]


def projection(X: FloatArray, wi: FloatArray) -> FloatArray:
    """``P = W - W X (X'WX)^-1 X'W`` for weights ``wi`` (metafor's ``P``)."""
    W = np.diag(wi)
    WX = W @ X
    return W - WX @ np.linalg.inv(X.T @ WX) @ WX.T


def q_generalised(tau2: float, y: FloatArray, vi: FloatArray, X: FloatArray) -> float:
    """Generalised Q: ``Y'P(tau2)Y`` with ``W = diag(1 / (vi + tau2))`` (metafor ``.QE.func``)."""
    P = projection(X, 1.0 / (vi + tau2))
    return float(y @ P @ y)


def _hedges_raw(yc: FloatArray, vi: FloatArray, X: FloatArray) -> float:
    k, p = X.shape
    P = np.eye(k) - X @ np.linalg.inv(X.T @ X) @ X.T
    return (float(yc @ P @ yc) - float(np.trace(P * vi[np.newaxis, :]))) / (k - p)


def _dl(yc: FloatArray, vi: FloatArray, X: FloatArray) -> float:
    k, p = X.shape
    P = projection(X, 1.0 / vi)
    return (float(yc @ P @ yc) - (k - p)) / float(np.trace(P))


def _sj(yc: FloatArray, vi: FloatArray, X: FloatArray) -> float:
    k, p = X.shape
    tau2_0 = float(np.var(yc, ddof=1)) * (k - 1) / k
    P = projection(X, 1.0 / (vi + tau2_0))
    return tau2_0 * float(yc @ P @ yc) / (k - p)


def _pm(y: FloatArray, yc: FloatArray, vi: FloatArray, X: FloatArray, maxiter: int) -> float:
    k, p = X.shape
    target = float(k - p)
    med = float(np.median(y))
    tau2_max = max(100.0, 10.0 * (MAD_CONSTANT * float(np.median(np.abs(y - med)))) ** 2)

    def objective(tau2: float) -> float:
        return q_generalised(tau2, yc, vi, X) - target

    f_lower = objective(TAU2_MIN)
    if f_lower < 0.0:
        return TAU2_MIN
    f_upper = objective(tau2_max)
    if f_upper > 0.0:
        raise EstimationError("Paule-Mandel: value of tau2.max too low (metafor stops here)")
    return zeroin2(
        objective, TAU2_MIN, tau2_max, fa=f_lower, fb=f_upper, tol=UNIROOT_TOL, maxiter=maxiter
    )


def _log_likelihood(yc: FloatArray, vi: FloatArray, X: FloatArray, tau2: float, ml: bool) -> float:
    k, p = X.shape
    wi = 1.0 / (vi + tau2)
    XtW = X.T * wi
    beta = np.linalg.solve(XtW @ X, XtW @ yc)
    rss = float(np.sum(wi * (yc - X @ beta) ** 2))
    log_det = float(np.sum(np.log(vi + tau2)))
    if ml:
        return -0.5 * k * math.log(2.0 * math.pi) - 0.5 * log_det - 0.5 * rss
    _, log_det_xwx = np.linalg.slogdet(XtW @ X)
    return -0.5 * (k - p) * math.log(2.0 * math.pi) - 0.5 * log_det - 0.5 * log_det_xwx - 0.5 * rss


def _fisher_scoring(
    yc: FloatArray, vi: FloatArray, X: FloatArray, control: Control, *, ml: bool
) -> float:
    tau2 = max(0.0, _hedges_raw(yc, vi, X), TAU2_MIN)
    change = control.threshold + 1.0
    iteration = 0
    while change > control.threshold:
        iteration += 1
        old = tau2
        wi = 1.0 / (vi + tau2)
        P = projection(X, wi)
        PP = P @ P
        ypp_y = float(yc @ PP @ yc)
        if ml:
            adj = (ypp_y - float(np.sum(wi))) / float(np.sum(wi**2))
        else:
            adj = (ypp_y - float(np.trace(P))) / float(np.trace(PP))
        adj *= control.stepadj
        if math.isnan(adj):
            adj = 0.0
        while tau2 + adj < TAU2_MIN:
            adj /= 2.0
        tau2 = tau2 + adj
        change = abs(old - tau2)
        if iteration > control.maxiter:
            raise EstimationError("Fisher scoring algorithm did not converge (metafor stops)")
    ll0 = _log_likelihood(yc, vi, X, 0.0, ml)
    ll = _log_likelihood(yc, vi, X, tau2, ml)
    if ll0 - ll > UNIROOT_TOL and tau2 > control.threshold:
        tau2 = 0.0
    return tau2


def tau2_regression(
    yi: FloatArray, vi: FloatArray, X: FloatArray, method: str, control: Control = DEFAULT_CONTROL
) -> float:
    """tau2 of ``rma.uni(yi, vi, mods = X, intercept = FALSE, method = method, control)``.

    ``method`` is EE/FE (tau2 = 0), DL, HE, SJ, PM, ML or REML. Needs ``k > p``; raises
    ``EstimationError`` where metafor stops.
    """
    k, p = X.shape
    if method in {"EE", "FE"}:
        return 0.0
    if k <= p:
        raise EstimationError(f"k = {k} studies cannot estimate tau2 with {p} coefficients")
    yc = yi - yi.mean()
    if method == "DL":
        tau2 = _dl(yc, vi, X)
    elif method == "HE":
        tau2 = _hedges_raw(yc, vi, X)
    elif method == "SJ":
        tau2 = _sj(yc, vi, X)
    elif method == "PM":
        tau2 = _pm(yi, yc, vi, X, control.maxiter)
    elif method in {"ML", "REML"}:
        tau2 = _fisher_scoring(yc, vi, X, control, ml=method == "ML")
    else:
        raise ValueError(f"unknown method {method!r}")
    return max(TAU2_MIN, tau2)
