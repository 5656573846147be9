"""Validation of the ``yi`` / ``vi`` vectors shared by the estimators and the pooling core."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_yi_vi(yi: ArrayLike, vi: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return ``yi`` and ``vi`` as 1-d float arrays after checking them.

    Raises ``ValueError`` when the lengths differ, when ``k = 0``, when an ``yi`` is not
    finite, or when a sampling variance ``vi`` is not finite or not strictly positive (the
    index of the first offending study is named).
    """
    y = np.atleast_1d(np.asarray(yi, dtype=np.float64))
    v = np.atleast_1d(np.asarray(vi, dtype=np.float64))
    if y.ndim != 1 or v.ndim != 1:
        raise ValueError("yi and vi must be one-dimensional")
    if y.shape != v.shape:
        raise ValueError(f"yi has {y.size} values but vi has {v.size}")
    if y.size == 0:
        raise ValueError("k = 0: no studies to pool")
    bad_y = np.flatnonzero(~np.isfinite(y))
    if bad_y.size:
        raise ValueError(f"yi[{bad_y[0]}] is not finite ({y[bad_y[0]]!r})")
    bad_v = np.flatnonzero(~(np.isfinite(v) & (v > 0)))
    if bad_v.size:
        raise ValueError(f"vi[{bad_v[0]}] must be finite and > 0 (got {v[bad_v[0]]!r})")
    return y, v
