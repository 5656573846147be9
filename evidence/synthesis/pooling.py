"""Inverse-variance pooling: equal-effects and random-effects models as
``metafor::rma.uni(yi, vi, method=, test=)`` 3.8-1 fits them without moderators, plus the
prediction interval of ``predict()`` and the weights of ``weights()``.

Formulas: Viechtbauer 2010, *J Stat Softw* 36(3), section 3; Hartung & Knapp 2001, *Stat Med*
20:3875-3889 and Sidik & Jonkman 2002, *Stat Med* 21:3153-3159 (``test="knha"``);
Higgins, Thompson & Spiegelhalter 2009, *J R Stat Soc A* 172:137-159 (prediction interval).

metafor behaviour kept on purpose:
- ``test="knha"`` scales the variance by ``s2w = sum(wi (yi - beta)^2) / (k - 1)`` without
  truncating it at 1 (that is metafor's ``test="adhoc"``); ``s2w = 0`` when that sum is
  ``<= .Machine$double.eps``.
- the prediction interval uses the same critical value as the CI (normal for ``"z"``,
  ``t(k - 1)`` for ``"knha"``); equal-effects models have none (``pi_lb = pi_ub = None``).
- with ``k = 1``, tau2 = 0 and ``test`` is set to ``"z"``; QE = 0, QEp = 1, I2 = 0, H2 = 1.
- ``se_tau2`` as ``res$se.tau2`` (:mod:`tau2_se`); the Q-profile CIs of tau2, I2 and H2 as
  ``confint(res)`` (:mod:`confint`), None for equal-effects models and ``k = 1`` (where
  ``confint()`` stops).
- ML, REML and PM are fitted with metafor's default ``control``; when that does not converge,
  with the remedies of :func:`evidence.synthesis.control.remedies` (unless a ``control`` is
  given, which is used as it is). ``control`` in the result is the one that converged (None
  for the estimators that do not iterate).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidence.synthesis import heterogeneity
from evidence.synthesis._inputs import as_yi_vi
from evidence.synthesis.confint import heterogeneity_confint
from evidence.synthesis.control import ITERATIVE, Control, converge
from evidence.synthesis.distributions import norm_isf, norm_sf, t_isf, t_sf
from evidence.synthesis.tau2 import ESTIMATORS, estimate_tau2
from evidence.synthesis.tau2_se import se_tau2

EQUAL_EFFECTS = ("EE", "FE")
METHODS = (*EQUAL_EFFECTS, *ESTIMATORS)
TESTS = ("z", "knha")
DBL_EPSILON = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class RMAResult:
    """A fitted intercept-only model, with metafor's field names.

    ``weights`` are percentages (``weights(res)``); ``I2`` is a percentage; ``dfs`` is the
    t degrees of freedom (``k - 1``) for ``test="knha"`` and None for ``"z"``. A field is
    None where metafor gives NA/NaN or omits the value. ``se_tau2`` is ``res$se.tau2``; the
    ``*_ci_*`` bounds of tau2, I2 and H2 are ``confint(res)``'s (None when not computed).
    """

    k: int
    beta: float
    se: float
    zval: float | None
    pval: float | None
    ci_lb: float | None
    ci_ub: float | None
    tau2: float
    QE: float
    QEp: float
    I2: float | None
    H2: float
    pi_lb: float | None
    pi_ub: float | None
    weights: tuple[float, ...]
    method: str
    test: str
    dfs: int | None
    se_tau2: float | None = None
    tau2_ci_lb: float | None = None
    tau2_ci_ub: float | None = None
    I2_ci_lb: float | None = None
    I2_ci_ub: float | None = None
    H2_ci_lb: float | None = None
    H2_ci_ub: float | None = None
    control: Control | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-data view (``weights`` as a list) for JSON output."""
        out = asdict(self)
        out["weights"] = list(self.weights)
        return out


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _heterogeneity(
    y: NDArray[np.float64], v: NDArray[np.float64], tau2: float, *, is_ee: bool
) -> tuple[float, float, float | None, float]:
    """``QE``, ``QEp``, ``I2``, ``H2`` (from Q for equal-effects models, else from tau2);
    ``0, 1, 0, 1`` for ``k = 1``."""
    k = y.size
    if k == 1:
        return 0.0, 1.0, 0.0, 1.0
    QE = heterogeneity.cochran_q(y, v)
    QEp = heterogeneity.q_pvalue(QE, k)
    if is_ee:
        I2, H2 = heterogeneity.i2_h2_from_q(QE, k)
    else:
        I2, H2 = heterogeneity.i2_h2_from_tau2(tau2, heterogeneity.typical_variance(v))
    return QE, QEp, I2, H2


def rma(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    method: str = "REML",
    test: str = "z",
    level: float = 95.0,
    control: Control | None = None,
    confint: bool = True,
) -> RMAResult:
    """Fit ``rma.uni(yi, vi, method=method, test=test, level=level)``.

    ``mu = sum(wi yi) / sum(wi)``, ``wi = 1 / (vi + tau2)``, ``var(mu) = 1 / sum(wi)``
    (times ``s2w`` for ``"knha"``); CI ``mu -/+ crit * se``; prediction interval
    ``mu -/+ crit * sqrt(se^2 + tau2)``. ``method`` is one of EE (alias FE), DL, HE, SJ, PM,
    ML, REML; ``test`` is ``"z"`` or ``"knha"``; ``level`` is a percentage. ``control``:
    see the module docstring; ``confint=False`` skips the Q-profile CIs (for refits whose CIs
    nobody reads: leave-one-out, trim-and-fill).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    if test not in TESTS:
        raise ValueError(f"test must be one of {', '.join(TESTS)}; got {test!r}")
    if not 0.0 < level < 100.0:
        raise ValueError(f"level must be a percentage between 0 and 100; got {level!r}")
    y, v = as_yi_vi(yi, vi)
    k = int(y.size)
    if k == 1:
        test = "z"
    is_ee = method in EQUAL_EFFECTS
    tau2, used = 0.0, None
    if not (is_ee or k == 1):
        tau2, used = converge(method, control, lambda c: (estimate_tau2(y, v, method, c), c))

    wi = 1.0 / (v + tau2)
    sw = float(np.sum(wi))
    beta = float(np.sum(wi * y)) / sw
    vb = 1.0 / sw
    alpha = (100.0 - level) / 100.0
    dfs: int | None = None
    if test == "knha":
        dfs = k - 1
        rss = float(np.sum(wi * (y - beta) ** 2))
        s2w = 0.0 if rss <= DBL_EPSILON else rss / dfs
        vb *= s2w
    se = math.sqrt(vb)
    # se = 0 only when knha's s2w is 0; metafor then reports zval = +/-Inf (NaN if beta = 0),
    # which _finite() turns into None.
    with np.errstate(divide="ignore", invalid="ignore"):
        zval = float(np.float64(beta) / np.float64(se))
    if dfs is None:
        pval = 2.0 * float(norm_sf(abs(zval)))
        crit = float(norm_isf(alpha / 2.0))
    else:
        pval = 2.0 * float(t_sf(abs(zval), dfs))
        crit = float(t_isf(alpha / 2.0, dfs))

    QE, QEp, I2, H2 = _heterogeneity(y, v, tau2, is_ee=is_ee)

    pi_lb = pi_ub = None
    if not is_ee:
        half = crit * math.sqrt(vb + tau2)
        pi_lb, pi_ub = beta - half, beta + half
    bounds: dict[str, float] = {}
    if confint and not is_ee and k > 1:
        bounds = asdict(heterogeneity_confint(y, v, tau2, level=level))
    return RMAResult(
        k=k,
        beta=beta,
        se=se,
        zval=_finite(zval),
        pval=_finite(pval),
        ci_lb=beta - crit * se,
        ci_ub=beta + crit * se,
        tau2=tau2,
        QE=QE,
        QEp=QEp,
        I2=I2,
        H2=H2,
        pi_lb=pi_lb,
        pi_ub=pi_ub,
        weights=tuple((wi / sw * 100.0).tolist()),
        method=method,
        test=test,
        dfs=dfs,
        se_tau2=se_tau2(method, y, v, tau2),
        control=used if method in ITERATIVE else None,
        **bounds,
    )
