"""rma(): domain.md T6 vector, degenerate inputs, and the result contract."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from evidence.synthesis.pooling import RMAResult, rma

# domain.md section 6 rounds its values; compare to half a unit in the last printed place.
DOMAIN_4DP = 5e-5
DOMAIN_3DP = 5e-4
DOMAIN_2DP = 5e-3

T6_YI = [-3.4, -0.4, -2.9, -0.6, -1.8]
T6_VI = [0.50, 0.40, 0.90, 0.30, 0.60]


def test_equal_effects_heterogeneity_reproduces_domain_vector_t6() -> None:
    res = rma(T6_YI, T6_VI, method="EE")
    assert math.isclose(res.QE, 15.272, abs_tol=DOMAIN_3DP)
    assert math.isclose(res.QEp, 0.0042, abs_tol=DOMAIN_4DP)
    assert res.I2 is not None
    assert math.isclose(res.I2, 73.81, abs_tol=DOMAIN_2DP)


def test_dersimonian_laird_wald_reproduces_domain_vector_t6() -> None:
    res = rma(T6_YI, T6_VI, method="DL", test="z")
    assert math.isclose(res.tau2, 1.3713, abs_tol=DOMAIN_4DP)
    assert math.isclose(res.beta, -1.7361, abs_tol=DOMAIN_4DP)
    assert math.isclose(res.se, 0.6149, abs_tol=DOMAIN_4DP)
    assert math.isclose(res.ci_lb, -2.941, abs_tol=DOMAIN_3DP)
    assert math.isclose(res.ci_ub, -0.531, abs_tol=DOMAIN_3DP)


def test_dersimonian_laird_hksj_reproduces_domain_vector_t6() -> None:
    # T6's PI (t with k - 2 df) is not metafor's convention (z, or t(k - 1) with knha),
    # so only the HKSJ SE and CI are checked here.
    res = rma(T6_YI, T6_VI, method="DL", test="knha")
    assert math.isclose(res.se, 0.6039, abs_tol=DOMAIN_4DP)
    assert math.isclose(res.ci_lb, -3.413, abs_tol=DOMAIN_3DP)
    assert math.isclose(res.ci_ub, -0.059, abs_tol=DOMAIN_3DP)
    assert res.dfs == 4


def test_reml_reproduces_domain_vector_t6() -> None:
    wald = rma(T6_YI, T6_VI, method="REML")
    hksj = rma(T6_YI, T6_VI, method="REML", test="knha")
    assert math.isclose(wald.tau2, 1.3498, abs_tol=DOMAIN_4DP)
    assert math.isclose(wald.beta, -1.7351, abs_tol=DOMAIN_4DP)
    assert math.isclose(wald.se, 0.6114, abs_tol=DOMAIN_4DP)
    assert wald.I2 is not None
    assert math.isclose(wald.I2, 73.50, abs_tol=DOMAIN_2DP)
    assert math.isclose(hksj.ci_lb, -3.412, abs_tol=DOMAIN_3DP)
    assert math.isclose(hksj.ci_ub, -0.058, abs_tol=DOMAIN_3DP)


def test_no_studies_is_an_error() -> None:
    with pytest.raises(ValueError, match="k = 0"):
        rma([], [])


@pytest.mark.parametrize("bad", [0.0, -0.2, math.inf, math.nan])
def test_unusable_sampling_variance_is_named_by_index(bad: float) -> None:
    with pytest.raises(ValueError, match=r"vi\[2\]"):
        rma([0.1, 0.2, 0.3], [0.1, 0.2, bad])


def test_non_finite_outcome_is_named_by_index() -> None:
    with pytest.raises(ValueError, match=r"yi\[0\]"):
        rma([math.nan, 0.2], [0.1, 0.2])


def test_mismatched_lengths_are_an_error() -> None:
    with pytest.raises(ValueError, match="yi has 2 values but vi has 3"):
        rma([0.1, 0.2], [0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"method": "BOGUS"}, "method"),
        ({"test": "t"}, "test"),
        ({"level": 190.0}, "level"),
    ],
)
def test_unknown_options_are_rejected(kwargs: dict, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        rma([0.1, 0.2], [0.1, 0.2], **kwargs)


@pytest.mark.parametrize("test", ["z", "knha"])
def test_single_study_returns_its_own_estimate_with_wald_interval(test: str) -> None:
    res = rma([0.5], [0.04], method="REML", test=test)
    assert res.k == 1
    assert res.beta == 0.5
    assert math.isclose(res.se, 0.2)
    assert res.tau2 == 0.0
    assert res.test == "z"  # metafor: 'Setting argument test="z" since k=1.'
    assert res.dfs is None
    assert (res.QE, res.QEp, res.I2, res.H2) == (0.0, 1.0, 0.0, 1.0)
    assert (res.pi_lb, res.pi_ub) == (res.ci_lb, res.ci_ub)
    assert res.weights == (100.0,)


def test_equal_effects_model_has_no_prediction_interval() -> None:
    res = rma(T6_YI, T6_VI, method="FE")
    assert res.method == "FE"
    assert res.pi_lb is None
    assert res.pi_ub is None


def test_identical_outcomes_give_undefined_equal_effects_i2() -> None:
    res = rma([0.3, 0.3, 0.3], [0.1, 0.2, 0.3], method="EE")
    assert res.QE == 0.0
    assert res.I2 is None
    assert res.H2 == 0.0


def test_knha_with_zero_residual_gives_zero_se_and_no_z_value() -> None:
    # metafor sets s2w = 0 when the weighted RSS is <= .Machine$double.eps.
    res = rma([0.3, 0.3, 0.3], [0.1, 0.2, 0.3], method="DL", test="knha")
    assert res.se == 0.0
    assert res.zval is None
    assert res.ci_lb == res.ci_ub == pytest.approx(0.3)


def test_result_is_frozen_and_serialises_to_json() -> None:
    res = rma(T6_YI, T6_VI)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.beta = 0.0  # type: ignore[misc]
    data = json.loads(json.dumps(res.to_dict()))
    assert set(data) == {f.name for f in dataclasses.fields(RMAResult)}
    assert data["weights"] == list(res.weights)
    assert data["method"] == "REML"


def test_level_changes_interval_width() -> None:
    wide = rma(T6_YI, T6_VI, level=99)
    narrow = rma(T6_YI, T6_VI, level=80)
    assert wide.ci_ub - wide.ci_lb > narrow.ci_ub - narrow.ci_lb
