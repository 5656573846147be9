"""Invariants of rma() checked with Hypothesis."""

from __future__ import annotations

import math
import os

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from evidence.synthesis.pooling import METHODS, TESTS, RMAResult, rma
from evidence.synthesis.tau2 import EstimationError

# Reordering studies changes only floating-point summation order (~1e-15); iterative
# estimators stop at metafor's tolerances, so a rounding flip in a stopping test may move
# tau2 by up to Fisher scoring's threshold (1e-5) or uniroot's tol (eps^0.25 ~ 1.2e-4).
ORDER_REL_TOL = 1e-9
ORDER_ABS_TOL = 2e-4
# Estimates identical by construction, compared after different arithmetic paths.
SAME_REL_TOL = 1e-12

MAX_EXAMPLES = int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "60"))

studies = st.integers(min_value=2, max_value=12).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(-5, 5, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.floats(0.01, 2.0, allow_nan=False), min_size=k, max_size=k),
    )
)
methods = st.sampled_from(METHODS)
tests = st.sampled_from(TESTS)


def fit_or_discard(yi: np.ndarray, vi: np.ndarray, method: str, test: str) -> RMAResult:
    """Fit, or discard the example where metafor itself stops (e.g. REML not converging)."""
    try:
        return rma(yi, vi, method=method, test=test)
    except EstimationError:
        assume(False)
        raise


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(data=studies, method=methods, test=tests, seed=st.integers(0, 2**32 - 1))
def test_estimate_is_invariant_to_study_order(data, method, test, seed) -> None:
    yi, vi = (np.array(x) for x in data)
    order = np.random.default_rng(seed).permutation(yi.size)

    original = fit_or_discard(yi, vi, method, test)
    shuffled = fit_or_discard(yi[order], vi[order], method, test)

    for field in ("tau2", "beta", "se", "ci_lb", "ci_ub", "QE"):
        assert math.isclose(
            getattr(original, field),
            getattr(shuffled, field),
            rel_tol=ORDER_REL_TOL,
            abs_tol=ORDER_ABS_TOL,
        ), field
    np.testing.assert_allclose(
        np.array(original.weights)[order], shuffled.weights, rtol=1e-6, atol=1e-3
    )


homogeneous = st.integers(min_value=2, max_value=10).flatmap(
    lambda k: st.tuples(
        st.floats(-3, 3, allow_nan=False),
        st.lists(st.floats(-1, 1, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.floats(0.01, 2.0, allow_nan=False), min_size=k, max_size=k),
    )
)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(data=homogeneous, method=st.sampled_from(["DL", "HE", "PM", "ML", "REML"]), test=tests)
def test_random_effects_equals_equal_effects_when_tau2_is_zero(data, method, test) -> None:
    # Deviations of at most 0.1 SD keep Q < k - 1, so the moment estimators give tau2 = 0.
    centre, z, vi = data
    vi = np.array(vi)
    yi = centre + 0.1 * np.array(z) * np.sqrt(vi)

    random_effects = fit_or_discard(yi, vi, method, test)
    equal_effects = rma(yi, vi, method="EE", test=test)

    if method in {"DL", "HE", "PM"}:
        assert random_effects.tau2 == 0.0
    if random_effects.tau2 == 0.0:
        for field in ("beta", "se", "ci_lb", "ci_ub", "QE"):
            assert math.isclose(
                getattr(random_effects, field),
                getattr(equal_effects, field),
                rel_tol=SAME_REL_TOL,
                abs_tol=1e-15,
            ), field
        assert random_effects.weights == equal_effects.weights


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(data=studies, method=methods, test=tests)
def test_confidence_interval_contains_the_estimate(data, method, test) -> None:
    res = fit_or_discard(*(np.asarray(x) for x in data), method, test)
    assert res.ci_lb is not None
    assert res.ci_ub is not None
    assert res.ci_lb <= res.beta <= res.ci_ub
    if res.pi_lb is not None and res.pi_ub is not None:
        assert res.pi_lb <= res.ci_lb
        assert res.ci_ub <= res.pi_ub


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(data=studies, method=methods, test=tests)
def test_weights_sum_to_100_percent(data, method, test) -> None:
    res = fit_or_discard(*(np.asarray(x) for x in data), method, test)
    assert math.isclose(sum(res.weights), 100.0, rel_tol=1e-12)
    assert all(w > 0 for w in res.weights)


@settings(max_examples=MAX_EXAMPLES, deadline=None)
@given(data=studies, method=methods, test=tests)
def test_result_never_contains_nan(data, method, test) -> None:
    values = fit_or_discard(*(np.asarray(x) for x in data), method, test).to_dict()
    for key, value in values.items():
        items = value if isinstance(value, list) else [value]
        for item in items:
            assert not (isinstance(item, float) and math.isnan(item)), key
    assert values["tau2"] >= 0.0
