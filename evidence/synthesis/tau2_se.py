"""Standard error of tau2 per estimator, as ``rma.uni()`` 3.8-1 reports it (``se.tau2``).

For the intercept-only model (``X`` a column of ones, ``p = 1``), with
``P = W - W 1 1' W / sum(wi)`` for weights ``wi`` and ``V = diag(vi)``, metafor computes
(its ``rma.uni.r``, from the variances of quadratic forms in normal variables; Viechtbauer
2007, *Stat Med* 26:37-52, and the notes cited there):

- DL: ``sqrt((2 (k-1) + 4 tau2 tr(P) + 2 tau2^2 tr(PP)) / tr(P)^2)`` with ``wi = 1 / vi``;
- HE: ``sqrt((2 tr(PVPV) + 4 tau2 tr(PV) + 2 tau2^2 (k-1)) / (k-1)^2)`` with ``wi = 1``;
- SJ: ``tau2_0 / (k-1) * sqrt(2 tr(PVPV) + 4 tau2 tr(PVP) + 2 tau2^2 tr(PP))`` with
  ``wi = 1 / (vi + tau2_0)``, ``tau2_0`` the Sidik-Jonkman start;
- ML: ``sqrt(2 / sum(wi^2))``; REML: ``sqrt(2 / tr(PP))``; PM: ``sqrt(2 k^2 / (k-1)) / sum(wi)``,
  each with ``wi = 1 / (vi + tau2)`` at the estimate.

``tau2`` is the estimate after truncation at 0. Equal-effects models and ``k = 1`` have none
(metafor: NA). The traces are the closed forms of ``P``'s entries, so no k x k matrix is built:
``P_ij^2 = delta_ij (wi^2 - 2 wi^3 / sw) + wi^2 wj^2 / sw^2``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidence.synthesis._inputs import as_yi_vi
from evidence.synthesis.tau2 import sidik_jonkman_start

FloatArray = NDArray[np.float64]


def _traces(wi: FloatArray, vi: FloatArray) -> tuple[float, float, float, float, float]:
    """``tr(P), tr(PP), tr(PV), tr(PVP), tr(PVPV)`` of ``P = W - W 1 1' W / sum(wi)``."""
    sw = float(np.sum(wi))
    diag = wi**2 - 2.0 * wi**3 / sw  # the delta_ij part of P_ij^2
    sw2 = float(np.sum(wi**2))
    sw2v = float(np.sum(wi**2 * vi))
    tr_p = sw - sw2 / sw
    tr_pp = float(np.sum(diag)) + sw2**2 / sw**2
    tr_pv = float(np.sum((wi - wi**2 / sw) * vi))
    tr_pvp = float(np.sum(diag * vi)) + sw2 * sw2v / sw**2
    tr_pvpv = float(np.sum(diag * vi**2)) + sw2v**2 / sw**2
    return tr_p, tr_pp, tr_pv, tr_pvp, tr_pvpv


def se_tau2(method: str, yi: ArrayLike, vi: ArrayLike, tau2: float) -> float | None:
    """metafor's ``se.tau2`` of the intercept-only model fitted by ``method`` with estimate
    ``tau2``; None for EE/FE and for ``k = 1``."""
    y, v = as_yi_vi(yi, vi)
    k = y.size
    if method in {"EE", "FE"} or k == 1:
        return None
    t = max(tau2, 0.0)
    df = k - 1
    if method == "DL":
        tr_p, tr_pp, *_ = _traces(1.0 / v, v)
        return math.sqrt((2.0 * df + 4.0 * t * tr_p + 2.0 * t**2 * tr_pp) / tr_p**2)
    if method == "HE":
        _, _, tr_pv, _, tr_pvpv = _traces(np.ones(k), v)
        return math.sqrt((2.0 * tr_pvpv + 4.0 * t * tr_pv + 2.0 * t**2 * df) / df**2)
    if method == "SJ":
        tau2_0 = sidik_jonkman_start(y)
        _, tr_pp, _, tr_pvp, tr_pvpv = _traces(1.0 / (v + tau2_0), v)
        return math.sqrt(
            tau2_0**2 / df**2 * (2.0 * tr_pvpv + 4.0 * t * tr_pvp + 2.0 * t**2 * tr_pp)
        )
    wi = 1.0 / (v + t)
    if method == "ML":
        return math.sqrt(2.0 / float(np.sum(wi**2)))
    if method == "REML":
        return math.sqrt(2.0 / _traces(wi, v)[1])
    if method == "PM":
        return math.sqrt(2.0 * k**2 / df) / float(np.sum(wi))
    raise ValueError(f"unknown method {method!r}")
