"""The tail areas and quantiles the estimators need, from ``scipy.special``.

``scipy.stats`` computes each of these with the same ``scipy.special`` function (its
``_sf``/``_isf``/``_ppf`` methods) inside a generic wrapper that handles the edges: outside a
distribution's domain (a df <= 0, a NaN) the result is NaN; at or beyond the ends of the
support a tail area is 1 or 0, and the quantile of 0 or 1 is an end of the support. Importing
``scipy.stats`` costs ~0.5 s of every run's start, where ``scipy.special`` is already loaded;
``tests/synthesis/test_distributions.py`` holds these equal to ``scipy.stats``, edges included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special as sc


def _out(value: Any) -> Any:
    out = np.asarray(value, dtype=float)
    return out[()] if out.ndim == 0 else out


def _valid(*dfs: Any) -> Any:
    return np.logical_and.reduce([np.asarray(df, dtype=float) > 0 for df in dfs])


def _sf(core: Callable[[Any], Any], x: Any, lower: float, *dfs: Any) -> Any:
    """A tail area over the support (``lower``, inf): 1 at or below it, 0 at inf."""
    x = np.asarray(x, dtype=float)
    value = np.where(x <= lower, 1.0, np.where(x == np.inf, 0.0, core(x)))
    return _out(np.where(_valid(*dfs) & ~np.isnan(x), value, np.nan))


def _quantile(core: Callable[[Any], Any], q: Any, at_zero: float, at_one: float, *dfs: Any) -> Any:
    """A quantile function of ``q`` in [0, 1]; the support's ends at 0 and 1."""
    q = np.asarray(q, dtype=float)
    value = np.where(q == 0, at_zero, np.where(q == 1, at_one, core(q)))
    valid = _valid(*dfs) & (q >= 0) & (q <= 1)
    return _out(np.where(valid, value, np.nan))


def norm_sf(x: Any) -> Any:
    """P(Z > x), standard normal."""
    return _sf(lambda v: sc.ndtr(-v), x, -np.inf)


def norm_ppf(q: Any) -> Any:
    """The standard normal quantile of ``q``."""
    return _quantile(sc.ndtri, q, -np.inf, np.inf)


def norm_isf(q: Any) -> Any:
    """The x with P(Z > x) = ``q``."""
    return _quantile(lambda v: -sc.ndtri(v), q, np.inf, -np.inf)


def t_sf(x: Any, df: Any) -> Any:
    """P(T > x), Student's t with ``df`` degrees of freedom."""
    return _sf(lambda v: sc.stdtr(df, -v), x, -np.inf, df)


def t_isf(q: Any, df: Any) -> Any:
    """The x with P(T > x) = ``q``."""
    return _quantile(lambda v: -sc.stdtrit(df, v), q, np.inf, -np.inf, df)


def chi2_sf(x: Any, df: Any) -> Any:
    """P(X > x), chi-squared with ``df`` degrees of freedom."""
    return _sf(lambda v: sc.chdtrc(df, v), x, 0.0, df)


def chi2_isf(q: Any, df: Any) -> Any:
    """The x with P(X > x) = ``q``."""
    return _quantile(lambda v: sc.chdtri(df, v), q, np.inf, 0.0, df)


def chi2_ppf(p: Any, df: Any) -> Any:
    """The x with P(X <= x) = ``p``."""
    half = np.asarray(df, dtype=float) / 2
    return _quantile(lambda v: 2 * sc.gammaincinv(half, v), p, 0.0, np.inf, df)


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """P(F > x), F with ``dfn`` and ``dfd`` degrees of freedom."""
    return _sf(lambda v: sc.fdtrc(dfn, dfd, v), x, 0.0, dfn, dfd)
