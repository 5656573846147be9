"""The certainty rules: each declared rule moves the level and says why."""

from __future__ import annotations

import dataclasses

from evidence.reporting.grade import (
    EGGER_MIN_K,
    I2_SERIOUS,
    OIS_PATIENTS,
    Evidence,
    rate_certainty,
)

CLEAN = Evidence(
    outcome_scale="gb_qualitative",
    k=12,
    n=900,
    estimate=0.9,
    ci_lb=0.8,
    ci_ub=1.0,
    pi_lb=0.6,
    pi_ub=1.2,
    i2=20.0,
    designs=["rct"] * 12,
    risks_of_bias=["low"] * 12,
    weights=[100 / 12] * 12,
    is_comparative=True,
    egger_pval=0.5,
)


def reasons(certainty):
    return {d.domain: (d.levels, d.reason) for d in certainty.downgrades}


def test_randomised_comparison_without_concerns_is_high():
    certainty = rate_certainty(CLEAN)
    assert certainty.level == "high"
    assert all(d.levels == 0 for d in certainty.downgrades)


def test_pre_post_change_starts_low_even_from_randomised_arms():
    certainty = rate_certainty(dataclasses.replace(CLEAN, is_comparative=False))
    assert (certainty.start, certainty.level) == ("low", "low")
    assert "before-after" in certainty.start_reason


def test_missing_risk_of_bias_is_a_downgrade_with_its_reason():
    certainty = rate_certainty(dataclasses.replace(CLEAN, risks_of_bias=[None] * 12))
    levels, why = reasons(certainty)["risk of bias"]
    assert levels == 1
    assert "12 with no risk-of-bias assessment" in why
    assert certainty.level == "moderate"


def test_heterogeneity_and_prediction_interval_across_no_effect_downgrade_twice():
    ev = dataclasses.replace(CLEAN, i2=80.0, pi_lb=-0.2)
    levels, why = reasons(rate_certainty(ev))["inconsistency"]
    assert levels == 2
    assert "I² = 80%" in why
    one = reasons(rate_certainty(dataclasses.replace(CLEAN, i2=I2_SERIOUS)))["inconsistency"]
    assert one[0] == 1


def test_inconsistency_reason_gives_i2_with_its_confidence_interval():
    ev = dataclasses.replace(CLEAN, i2=80.0, i2_ci_lb=61.4, i2_ci_ub=91.2)
    _, why = reasons(rate_certainty(ev))["inconsistency"]
    assert "I² = 80% [61%, 91%]" in why


def test_small_sample_and_wide_interval_are_imprecise():
    ev = dataclasses.replace(CLEAN, n=OIS_PATIENTS - 1, ci_lb=-0.1, ci_ub=1.0)
    levels, why = reasons(rate_certainty(ev))["imprecision"]
    assert levels == 2
    assert f"n = {OIS_PATIENTS - 1} < {OIS_PATIENTS}" in why
    assert "includes no effect" in why


def test_egger_is_not_assessed_below_ten_studies_and_says_so():
    ev = dataclasses.replace(CLEAN, k=EGGER_MIN_K - 1, egger_pval=0.001)
    levels, why = reasons(rate_certainty(ev))["publication bias"]
    assert (levels, why) == (0, f"not assessed (k = {EGGER_MIN_K - 1} < {EGGER_MIN_K})")
    levels, why = reasons(rate_certainty(dataclasses.replace(CLEAN, egger_pval=0.01)))[
        "publication bias"
    ]
    assert levels == 1
    assert "p = 0.010" in why


def test_level_never_drops_below_very_low_and_no_estimate_is_not_rated():
    worst = dataclasses.replace(
        CLEAN,
        is_comparative=False,
        risks_of_bias=["high"] * 12,
        i2=90.0,
        pi_lb=-1.0,
        n=10,
        ci_lb=-1.0,
        egger_pval=0.0,
    )
    assert rate_certainty(worst).level == "very low"
    assert rate_certainty(dataclasses.replace(CLEAN, k=0, estimate=None)).level == "not rated"
