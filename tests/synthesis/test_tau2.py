"""tau2 estimators: domain.md T6 values, boundaries, and k = 1."""

from __future__ import annotations

import math

import pytest

from evidence.synthesis.tau2 import (
    ESTIMATORS,
    EstimationError,
    dersimonian_laird,
    hedges,
    maximum_likelihood,
    paule_mandel,
    reml,
    sidik_jonkman,
)

# domain.md section 6 gives tau2 to 4 decimals: half a unit in the last place.
DOMAIN_4DP = 5e-5

T6_YI = [-3.4, -0.4, -2.9, -0.6, -1.8]
T6_VI = [0.50, 0.40, 0.90, 0.30, 0.60]
HOMOGENEOUS_YI = [0.10, 0.12, 0.08, 0.11, 0.09]
HOMOGENEOUS_VI = [0.04, 0.05, 0.03, 0.06, 0.045]


def test_dersimonian_laird_reproduces_domain_vector_t6() -> None:
    assert math.isclose(dersimonian_laird(T6_YI, T6_VI), 1.3713, abs_tol=DOMAIN_4DP)


def test_reml_reproduces_domain_vector_t6() -> None:
    assert math.isclose(reml(T6_YI, T6_VI), 1.3498, abs_tol=DOMAIN_4DP)


@pytest.mark.parametrize(
    "estimator", [dersimonian_laird, hedges, paule_mandel, maximum_likelihood, reml]
)
def test_estimator_truncates_at_zero_for_homogeneous_studies(estimator) -> None:
    assert estimator(HOMOGENEOUS_YI, HOMOGENEOUS_VI) == 0.0


def test_sidik_jonkman_stays_positive_unless_outcomes_are_identical() -> None:
    assert sidik_jonkman(HOMOGENEOUS_YI, HOMOGENEOUS_VI) > 0.0
    assert sidik_jonkman([0.3, 0.3, 0.3], [0.1, 0.2, 0.3]) == 0.0


@pytest.mark.parametrize("estimator", list(ESTIMATORS.values()))
def test_estimator_returns_zero_for_a_single_study(estimator) -> None:
    assert estimator([0.5], [0.04]) == 0.0


@pytest.mark.parametrize("estimator", list(ESTIMATORS.values()))
def test_estimator_rejects_non_positive_variance_by_index(estimator) -> None:
    with pytest.raises(ValueError, match=r"vi\[1\]"):
        estimator([0.1, 0.2, 0.3], [0.1, 0.0, 0.2])


def test_estimator_codes_are_metafors_method_names() -> None:
    assert set(ESTIMATORS) == {"DL", "HE", "SJ", "PM", "ML", "REML"}


def test_paule_mandel_fails_like_metafor_when_tau2_max_is_too_low() -> None:
    # mad(yi) = 0 so metafor searches [0, 100], and Q(100) is still far above k - 1;
    # metafor 3.8-1 stops with "Value of 'tau2.max' too low".
    with pytest.raises(EstimationError, match=r"tau2\.max"):
        paule_mandel([0.0, 0.0, 1000.0], [0.01, 0.01, 0.01])
