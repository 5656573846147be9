"""Invariants of the analyses added for `meta` (Hypothesis): study order does not matter,
intercept-only meta-regression is rma(), the tau2 interval brackets the PM estimate."""

from __future__ import annotations

import math
import os

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evidence.synthesis.bias import egger_test, trimfill
from evidence.synthesis.confint import tau2_confint
from evidence.synthesis.metareg import rma_mods
from evidence.synthesis.pooling import rma
from evidence.synthesis.subgroups import subgroup_analysis
from evidence.synthesis.tau2 import EstimationError, paule_mandel

MAX_EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40"))
# Same fit after reordering: summation order only, plus the iterative estimators' stopping
# tolerances (Fisher scoring 1e-5, uniroot eps^0.25 ~ 1.2e-4), as in test_pooling_properties.
ORDER_REL_TOL = 1e-9
ORDER_ABS_TOL = 2e-4
SAME_REL_TOL = 1e-10

studies = st.integers(min_value=3, max_value=10).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(-5, 5, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.floats(0.01, 2.0, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.sampled_from(["I-III", "IV-VI"]), min_size=k, max_size=k),
    )
)
methods = st.sampled_from(["EE", "DL", "REML", "PM"])
tests = st.sampled_from(["z", "knha"])


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=ORDER_REL_TOL, abs_tol=ORDER_ABS_TOL)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(data=studies, method=methods, test=tests, seed=st.integers(0, 2**32 - 1))
def test_subgroups_egger_and_trimfill_are_invariant_to_study_order(data, method, test, seed):
    yi, vi, groups = np.array(data[0]), np.array(data[1]), list(data[2])
    order = np.random.default_rng(seed).permutation(yi.size)
    shuffled_groups = [groups[i] for i in order]
    try:
        a = subgroup_analysis(yi, vi, groups, method=method, test=test)
        b = subgroup_analysis(yi[order], vi[order], shuffled_groups, method=method, test=test)
        ea = egger_test(yi, vi, method=method, test=test)
        eb = egger_test(yi[order], vi[order], method=method, test=test)
        ta = trimfill(yi, vi, method=method)
        tb = trimfill(yi[order], vi[order], method=method)
    except (EstimationError, ValueError):  # metafor stops too (e.g. all vi equal: sei constant)
        assume(False)
        raise
    assert _close(a.Q_between, b.Q_between)
    for name in a.fits:
        assert _close(a.fits[name].beta, b.fits[name].beta)
    assert _close(ea.pval, eb.pval)
    assume(len(set(np.round(yi, 9))) == yi.size)  # ties may be ranked differently
    assert ta.k0 == tb.k0
    assert _close(ta.fit.beta, tb.fit.beta)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(data=studies, method=methods, test=tests)
def test_intercept_only_meta_regression_equals_rma(data, method, test):
    yi, vi = np.array(data[0]), np.array(data[1])
    try:
        plain = rma(yi, vi, method=method, test=test)
    except EstimationError:
        assume(False)
        raise
    reg = rma_mods(yi, vi, np.ones((yi.size, 1)), method=method, test=test)
    assert math.isclose(reg.tau2, plain.tau2, rel_tol=SAME_REL_TOL, abs_tol=1e-12)
    assert math.isclose(reg.beta[0], plain.beta, rel_tol=SAME_REL_TOL, abs_tol=1e-12)
    assert math.isclose(reg.se[0], plain.se, rel_tol=SAME_REL_TOL, abs_tol=1e-12)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(data=studies)
def test_q_profile_interval_brackets_the_paule_mandel_estimate(data):
    # Q(tau2_PM) = k - 1 lies between the chi-square quantiles that define the bounds.
    yi, vi = np.array(data[0]), np.array(data[1])
    try:
        tau2 = paule_mandel(yi, vi)
    except EstimationError:
        assume(False)
        raise
    ci = tau2_confint(yi, vi, tau2)
    assert 0.0 <= ci.ci_lb <= ci.ci_ub
    assert ci.ci_lb - ORDER_ABS_TOL <= tau2 <= ci.ci_ub + ORDER_ABS_TOL


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(data=studies, method=methods)
def test_subgroup_fits_are_random_effects_fits_of_their_members(data, method):
    yi, vi, groups = np.array(data[0]), np.array(data[1]), list(data[2])
    try:
        sub = subgroup_analysis(yi, vi, groups, method=method)
    except EstimationError:
        assume(False)
        raise
    for name, idx in sub.members.items():
        assert sub.fits[name].beta == rma(yi[list(idx)], vi[list(idx)], method=method).beta
    if sub.Q_between is not None:
        assert sub.Q_between >= 0.0
