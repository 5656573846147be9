"""Effect sizes for single-arm pre/post (change-score) data.

Formulas: Cochrane Handbook v6.4 section 6.5.2.8 (SD of a change from baseline) and
``metafor::escalc(measure="MC")`` 3.8-1 with its default ``vtype="LS"``
(Morris & DeShon 2002, *Psychol Methods* 7:105-125).

Direction: ``m1i`` is the baseline mean and ``m2i`` the follow-up mean, so
``yi = m1i - m2i`` is the improvement (positive = better on scar scales where lower is better).
All functions accept scalars or numpy arrays (broadcast together) and return numpy float64.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

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
