"""Mixed-effects meta-regression: ``metafor::rma.uni(yi, vi, mods = ~ ..., method, test)`` 3.8-1.

Weighted least squares with ``W = diag(1 / (vi + tau2))`` (Viechtbauer 2010, *J Stat Softw*
36(3), section 3.3; Thompson & Higgins 2002, *Stat Med* 21:1559-1573):
``b = (X'WX)^-1 X'W y``, ``vb = (X'WX)^-1``; ``test="knha"`` multiplies ``vb`` by
``s2w = sum(wi (yi - X b)^2) / (k - p)`` (Knapp & Hartung 2003, *Stat Med* 22:2693-2710) and
uses t(k - p) for coefficients and F(m, k - p) for the omnibus test ``QM / m``. ``QM`` is the
Wald statistic ``b' vb^-1 b`` over the coefficients other than the intercept; ``QE`` is the
residual heterogeneity test on ``k - p`` df; ``I2 = 100 tau2 / (vt + tau2)`` with
``vt = (k - p) / tr(P)`` (metafor's ``i2def = "1"``).

``R2`` is metafor's pseudo-R^2 (percent) of a model with an intercept and moderators
(Raudenbush 2009, in *The Handbook of Research Synthesis*, 2nd ed., ch. 16; metafor's default
``r2def = "1"``): ``max(0, 100 (tau2_RE - tau2) / tau2_RE)``, ``tau2_RE`` from the model
without moderators fitted with the same method, test and control (0 when ``tau2_RE = 0``;
None when that fit fails, as metafor's NA; with no control given, the remedies are tried
before giving up, as for every fit); for equal-effects models, the adjusted R^2 of
the weighted least-squares fit with ``wi = 1 / vi`` (R's ``summary(lm(yi ~ X, weights =
wi))$adj.r.squared``), truncated at 0.

ML, REML and PM use metafor's default ``control`` first and its remedies when that does not
converge (see :mod:`evidence.synthesis.control`); ``control`` in the result is the one used.

Moderators follow R's ``model.matrix()`` with treatment contrasts: numeric columns enter as
they are, text columns become 0/1 indicators of every level but the first in sorted order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidence.synthesis._inputs import as_yi_vi
from evidence.synthesis.control import (
    DEFAULT_CONTROL,
    ITERATIVE,
    Control,
    EstimationError,
    converge,
    remedies,
)
from evidence.synthesis.distributions import chi2_sf, f_sf, norm_isf, norm_sf, t_isf, t_sf
from evidence.synthesis.pooling import DBL_EPSILON, EQUAL_EFFECTS, METHODS, TESTS, rma
from evidence.synthesis.tau2_regression import projection, tau2_regression

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MetaRegResult:
    """A fitted meta-regression with metafor's field names; one entry per coefficient in
    ``names``, ``beta``, ``se``, ``zval``, ``pval``, ``ci_lb``, ``ci_ub``. ``QMdf`` is
    ``(m, k - p)`` for ``"knha"`` and ``(m, None)`` for ``"z"``."""

    k: int
    p: int
    names: tuple[str, ...]
    beta: tuple[float, ...]
    se: tuple[float, ...]
    zval: tuple[float | None, ...]
    pval: tuple[float | None, ...]
    ci_lb: tuple[float, ...]
    ci_ub: tuple[float, ...]
    tau2: float
    QE: float
    QEp: float
    QM: float | None
    QMp: float | None
    QMdf: tuple[int, int | None]
    I2: float | None
    H2: float | None
    method: str
    test: str
    R2: float | None = None
    control: Control | None = None


def model_matrix(
    mods: Mapping[str, Sequence[object]], *, intercept: bool = True
) -> tuple[FloatArray, tuple[str, ...]]:
    """``model.matrix(~ a + b + ...)``: an intercept column, numeric moderators as columns and
    text moderators as treatment-coded indicators named ``<column><level>`` as R names them."""
    columns: list[FloatArray] = []
    names: list[str] = []
    k = len(next(iter(mods.values()))) if mods else 0
    if intercept:
        columns.append(np.ones(k))
        names.append("intrcpt")
    for name, values in mods.items():
        try:
            numeric = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            levels = sorted({str(v) for v in values})
            for level in levels[1:]:
                columns.append(np.array([float(str(v) == level) for v in values]))
                names.append(f"{name}{level}")
        else:
            columns.append(numeric)
            names.append(name)
    return np.column_stack(columns), tuple(names)


def _none_if_nan(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _residual_heterogeneity(
    y: FloatArray, v: FloatArray, X: FloatArray, tau2: float, method: str
) -> tuple[float, float, float | None, float | None]:
    """``QE`` on ``k - p`` df with ``W = diag(1 / vi)``, its p-value, and I2, H2 (from QE for
    equal-effects models, from tau2 and ``vt = (k - p) / tr(P)`` otherwise)."""
    k, p = X.shape
    yc = y - y.mean()
    P = projection(X, 1.0 / v)
    QE = max(0.0, float(yc @ P @ yc))
    QEp = float(chi2_sf(QE, k - p))
    if method in EQUAL_EFFECTS:
        I2 = _none_if_nan(max(0.0, 100.0 * (QE - (k - p)) / QE)) if QE > 0 else None
        return QE, QEp, I2, QE / (k - p)
    vt = (k - p) / float(np.trace(P))
    return QE, QEp, 100.0 * tau2 / (vt + tau2), tau2 / vt + 1.0


def pseudo_r2(
    y: FloatArray,
    v: FloatArray,
    X: FloatArray,
    tau2: float,
    *,
    method: str,
    test: str,
    control: Control | None,
    remedy: bool,
) -> float | None:
    """metafor's ``R2`` (percent) of the model ``X`` (intercept first) with estimate ``tau2``.

    The model without moderators is fitted with ``control`` (the one the meta-regression
    converged with, as metafor does); with ``remedy``, when that does not converge, with the
    defaults and their remedies in turn."""
    if method in EQUAL_EFFECTS:
        if float(np.var(y)) == 0.0:
            return 0.0
        k, p = X.shape
        wi = 1.0 / v
        XtW = X.T * wi
        fitted = X @ np.linalg.solve(XtW @ X, XtW @ y)
        rss = float(np.sum(wi * (y - fitted) ** 2))
        mss = float(np.sum(wi * (fitted - np.sum(wi * fitted) / np.sum(wi)) ** 2))
        adjusted = 1.0 - (1.0 - mss / (mss + rss)) * (k - 1) / (k - p)
        return max(0.0, 100.0 * adjusted)
    tries: list[Control | None] = [control]
    if remedy and method in ITERATIVE:
        tries += remedies(method, DEFAULT_CONTROL)
    for attempt in dict.fromkeys(tries):
        try:
            tau2_re = rma(y, v, method=method, test=test, control=attempt, confint=False).tau2
        except EstimationError:
            continue
        if tau2_re == 0.0:
            return 0.0
        return max(0.0, 100.0 * (tau2_re - tau2) / tau2_re)
    return None


def rma_mods(
    yi: ArrayLike,
    vi: ArrayLike,
    X: ArrayLike,
    *,
    names: Sequence[str] | None = None,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    control: Control | None = None,
) -> MetaRegResult:
    """Fit ``rma.uni(yi, vi, mods = X, intercept = FALSE, method, test, control)``; ``X`` must
    hold the intercept column first when the model has one (``QM`` then omits it, as
    metafor's ``btt``). ``control``: as in :func:`evidence.synthesis.pooling.rma`."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)}; got {test!r}")
    y, v = as_yi_vi(yi, vi)
    Xm = np.asarray(X, dtype=np.float64).reshape(y.size, -1)
    k, p = Xm.shape
    labels = tuple(names) if names is not None else tuple(f"X{j + 1}" for j in range(p))
    if np.linalg.matrix_rank(Xm) < p:
        raise ValueError("the moderators are collinear: the model matrix is not of full rank")
    if k <= p:
        raise ValueError(f"k = {k} studies cannot fit {p} coefficients")
    tau2, used = converge(method, control, lambda c: (tau2_regression(y, v, Xm, method, c), c))

    wi = 1.0 / (v + tau2)
    XtW = Xm.T * wi
    vb = np.linalg.inv(XtW @ Xm)
    beta = vb @ (XtW @ y)
    if test == "knha":
        rss = float(np.sum(wi * (y - Xm @ beta) ** 2))
        vb = vb * (0.0 if rss <= DBL_EPSILON else rss / (k - p))
    has_intercept = bool(np.all(Xm[:, 0] == 1.0))
    btt = list(range(1, p)) if has_intercept and p > 1 else list(range(p))
    m = len(btt)
    sub = vb[np.ix_(btt, btt)]
    try:
        QM: float | None = float(beta[btt] @ np.linalg.solve(sub, beta[btt]))
    except np.linalg.LinAlgError:
        QM = None
    se = np.sqrt(np.diag(vb))
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = beta / se
    alpha = (100.0 - level) / 100.0
    if test == "knha":
        dfs = k - p
        QM = None if QM is None else QM / m
        QMp = None if QM is None else float(f_sf(QM, m, dfs))
        pval = 2.0 * t_sf(np.abs(zval), dfs)
        crit = float(t_isf(alpha / 2.0, dfs))
        QMdf: tuple[int, int | None] = (m, dfs)
    else:
        QMp = None if QM is None else float(chi2_sf(QM, m))
        pval = 2.0 * norm_sf(np.abs(zval))
        crit = float(norm_isf(alpha / 2.0))
        QMdf = (m, None)

    QE, QEp, I2, H2 = _residual_heterogeneity(y, v, Xm, tau2, method)
    R2 = None
    if has_intercept and p > 1:
        R2 = pseudo_r2(
            y, v, Xm, tau2, method=method, test=test, control=used, remedy=control is None
        )
    return MetaRegResult(
        k=k,
        p=p,
        names=labels,
        beta=tuple(float(b) for b in beta),
        se=tuple(float(s) for s in se),
        zval=tuple(_none_if_nan(float(z)) for z in zval),
        pval=tuple(_none_if_nan(float(q)) for q in pval),
        ci_lb=tuple(float(b - crit * s) for b, s in zip(beta, se, strict=True)),
        ci_ub=tuple(float(b + crit * s) for b, s in zip(beta, se, strict=True)),
        tau2=tau2,
        QE=QE,
        QEp=QEp,
        QM=QM,
        QMp=QMp,
        QMdf=QMdf,
        I2=I2,
        H2=H2,
        method=method,
        test=test,
        R2=R2,
        control=used if method in ITERATIVE else None,
    )
