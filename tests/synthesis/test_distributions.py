"""The tail areas and quantiles of ``evidence.synthesis.distributions`` are ``scipy.stats``'s,
bit for bit, on grids that include the edges: a df <= 0 or NaN, NaN arguments, the ends of
the support, probabilities 0, 1 and outside [0, 1]."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from evidence.synthesis import distributions as d

XS = [-np.inf, -5.0, -1e-9, 0.0, 1e-12, 0.3, 1.0, 2.5, 10.0, 1e3, np.inf, np.nan]
QS = [0.0, 5e-324, 1e-300, 1e-12, 0.001, 0.025, 0.05, 0.5, 0.975, 1 - 1e-12, 1.0]
QS += [np.nan, -0.1, 1.1]
DFS = [-1.0, 0.0, 0.5, 1.0, 2.0, 3.7, 30.0, 1e6, np.inf, np.nan]


def _same(ours: object, theirs: object) -> bool:
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(d.norm_sf, stats.norm.sf)],
)
def test_normal_tail(ours, theirs):
    assert all(_same(ours(x), theirs(x)) for x in XS)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(d.norm_ppf, stats.norm.ppf), (d.norm_isf, stats.norm.isf)],
)
def test_normal_quantiles(ours, theirs):
    assert all(_same(ours(q), theirs(q)) for q in QS)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(d.t_sf, stats.t.sf), (d.chi2_sf, stats.chi2.sf)],
)
def test_tails_with_df(ours, theirs):
    different = [
        (x, df) for x, df in itertools.product(XS, DFS) if not _same(ours(x, df), theirs(x, df))
    ]
    assert different == []


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(d.t_isf, stats.t.isf), (d.chi2_isf, stats.chi2.isf), (d.chi2_ppf, stats.chi2.ppf)],
)
def test_quantiles_with_df(ours, theirs):
    different = [
        (q, df) for q, df in itertools.product(QS, DFS) if not _same(ours(q, df), theirs(q, df))
    ]
    assert different == []


def test_f_tail():
    different = [
        (x, m, n)
        for x, m, n in itertools.product(XS, DFS, DFS)
        if not _same(d.f_sf(x, m, n), stats.f.sf(x, m, n))
    ]
    assert different == []


def test_arrays_and_scalars_keep_their_shape():
    x = np.array([0.1, 1.0, 3.0, np.nan, -np.inf])
    assert _same(d.t_sf(x, 5.0), stats.t.sf(x, 5.0))
    assert _same(d.norm_sf(x), stats.norm.sf(x))
    assert np.ndim(d.norm_isf(0.025)) == 0
    assert isinstance(float(d.chi2_sf(3.0, 2)), float)


def test_the_estimators_do_not_import_scipy_stats():
    """The point of the module: a run's start does not pay for ``scipy.stats``."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    code = (
        "import sys, evidence.pipeline, flows.pipeline; "
        "print('scipy.stats' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
