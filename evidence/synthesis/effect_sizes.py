"""Effect sizes for means: two arms (MD, SMD) and one arm measured twice (MC, SMCR).

Formulas: Cochrane Handbook v6.4 section 6.5.2.8 (SD of a change from baseline) and
``metafor::escalc()`` 3.8-1 with its default ``vtype="LS"``: MD and SMD (Hedges 1981,
*J Educ Stat* 6:107-128, exact bias correction ``c(m) = Gamma(m/2) / (sqrt(m/2)
Gamma((m-1)/2))``), MC and SMCR (Becker 1988, *Br J Math Stat Psychol* 41:257-278;
Morris & DeShon 2002, *Psychol Methods* 7:105-125).

Direction: ``m1i`` is the baseline mean and ``m2i`` the follow-up mean, so
``yi = m1i - m2i`` is the improvement (positive = better on scar scales where lower is better).
All functions accept scalars or numpy arrays (broadcast together) and return numpy float64.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

FloatArray = NDArray[np.float64]


def _as_float(name: str, value: ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def _check_sd(name: str, value: ArrayLike) -> FloatArray:
    arr = _as_float(name, value)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0 (a standard deviation); got {value!r}")
    return arr


def _check_n(name: str, value: ArrayLike) -> FloatArray:
    arr = _as_float(name, value)
    if np.any(arr < 1):
        raise ValueError(f"{name} must be >= 1 (a sample size); got {value!r}")
    return arr


def _check_r(name: str, value: ArrayLike) -> FloatArray:
    arr = _as_float(name, value)
    if np.any(np.abs(arr) > 1):
        raise ValueError(f"{name} must lie in [-1, 1] (a correlation); got {value!r}")
    return arr


def _change_variance(sd1: FloatArray, sd2: FloatArray, r: FloatArray) -> FloatArray:
    # Written as metafor writes it, so vi matches escalc() to the last bit.
    return sd1**2 + sd2**2 - 2 * r * sd1 * sd2


def change_sd(sd1i: ArrayLike, sd2i: ArrayLike, ri: ArrayLike) -> FloatArray:
    """SD of the change score from the baseline SD ``sd1i``, the follow-up SD ``sd2i`` and
    the pre-post correlation ``ri``:
    ``sqrt(sd1i^2 + sd2i^2 - 2 ri sd1i sd2i)`` (Cochrane Handbook 6.5.2.8)."""
    var = _change_variance(_check_sd("sd1i", sd1i), _check_sd("sd2i", sd2i), _check_r("ri", ri))
    # Rounding can leave -1e-17 when sd1i == sd2i and ri == 1.
    return np.sqrt(np.maximum(var, 0.0))


def mean_change(
    m1i: ArrayLike,
    sd1i: ArrayLike,
    m2i: ArrayLike,
    sd2i: ArrayLike,
    ni: ArrayLike,
    ri: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Raw mean change as ``escalc(measure="MC")``: ``yi = m1i - m2i`` and
    ``vi = (sd1i^2 + sd2i^2 - 2 ri sd1i sd2i) / ni``."""
    sd1 = _check_sd("sd1i", sd1i)
    sd2 = _check_sd("sd2i", sd2i)
    r = _check_r("ri", ri)
    n = _check_n("ni", ni)
    yi = _as_float("m1i", m1i) - _as_float("m2i", m2i)
    vi = _change_variance(sd1, sd2, r) / n
    return yi, vi


def mean_change_from_sd(
    mi_change: ArrayLike, sdi_change: ArrayLike, ni: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Raw mean change when the paper reports the change itself: ``yi = mi_change`` and
    ``vi = sdi_change^2 / ni`` (the ``escalc(measure="MC")`` variance with the change SD)."""
    yi = _as_float("mi_change", mi_change)
    sd = _check_sd("sdi_change", sdi_change)
    n = _check_n("ni", ni)
    return yi * 1.0, sd**2 / n


def hedges_correction(mi: ArrayLike) -> FloatArray:
    """Exact small-sample correction ``c(m) = exp(lgamma(m/2) - log(sqrt(m/2)) -
    lgamma((m-1)/2))`` (Hedges 1981; metafor ``.cmicalc``); requires ``m > 1``."""
    m = _as_float("mi", mi)
    if np.any(m <= 1):
        raise ValueError("the bias correction needs more than 1 degree of freedom")
    return np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))


def mean_difference(
    m1i: ArrayLike,
    sd1i: ArrayLike,
    n1i: ArrayLike,
    m2i: ArrayLike,
    sd2i: ArrayLike,
    n2i: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Raw mean difference as ``escalc(measure="MD")``: ``yi = m1i - m2i`` and
    ``vi = sd1i^2 / n1i + sd2i^2 / n2i``."""
    sd1, sd2 = _check_sd("sd1i", sd1i), _check_sd("sd2i", sd2i)
    n1, n2 = _check_n("n1i", n1i), _check_n("n2i", n2i)
    yi = _as_float("m1i", m1i) - _as_float("m2i", m2i)
    return yi, sd1**2 / n1 + sd2**2 / n2


def hedges_g(
    m1i: ArrayLike,
    sd1i: ArrayLike,
    n1i: ArrayLike,
    m2i: ArrayLike,
    sd2i: ArrayLike,
    n2i: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Standardised mean difference as ``escalc(measure="SMD")``: ``yi = c(m) (m1i - m2i) /
    s_p`` with ``s_p^2 = ((n1i-1) sd1i^2 + (n2i-1) sd2i^2) / m``, ``m = n1i + n2i - 2``, and
    ``vi = 1/n1i + 1/n2i + yi^2 / (2 (n1i + n2i))``."""
    sd1, sd2 = _check_sd("sd1i", sd1i), _check_sd("sd2i", sd2i)
    n1, n2 = _check_n("n1i", n1i), _check_n("n2i", n2i)
    mi = n1 + n2 - 2
    sdpi = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / mi)
    if np.any(sdpi <= 0):
        raise ValueError("the pooled SD is 0: a standardised difference is undefined")
    yi = hedges_correction(mi) * (_as_float("m1i", m1i) - _as_float("m2i", m2i)) / sdpi
    return yi, 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))


def standardized_mean_change(
    m1i: ArrayLike, sd1i: ArrayLike, m2i: ArrayLike, ni: ArrayLike, ri: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Standardised mean change using raw-score (baseline SD) standardisation, as
    ``escalc(measure="SMCR")``: ``yi = c(ni - 1) (m1i - m2i) / sd1i`` and
    ``vi = 2 (1 - ri) / ni + yi^2 / (2 ni)``."""
    sd1 = _check_sd("sd1i", sd1i)
    if np.any(sd1 <= 0):
        raise ValueError("sd1i must be > 0 to standardise by the baseline SD")
    n = _check_n("ni", ni)
    r = _check_r("ri", ri)
    yi = hedges_correction(n - 1) * (_as_float("m1i", m1i) - _as_float("m2i", m2i)) / sd1
    return yi, 2 * (1 - r) / n + yi**2 / (2 * n)
