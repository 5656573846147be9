"""Conversions say they converted; escalc edge cases behave as metafor (values pinned in
tests/golden/meta/ are checked by test_meta_golden.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evidence.synthesis import conversions
from evidence.synthesis.effect_sizes import hedges_g
from evidence.synthesis.escalc import escalc

# domain.md section 6 gives its vectors to 4 decimals: half a unit in the last place.
DOMAIN_4DP = 5e-5


def test_range_conversion_reproduces_domain_t1_and_names_its_method() -> None:
    got = conversions.mean_sd_from_range(2, 8, 20, 30)
    assert math.isclose(got.mean, 8.7135, abs_tol=DOMAIN_4DP)  # Luo
    assert math.isclose(got.sd, 4.4112, abs_tol=DOMAIN_4DP)  # Wan closed form
    assert got.converted
    assert "Luo 2018" in got.method
    assert "Wan 2014" in got.method


def test_iqr_conversion_reproduces_domain_t2() -> None:
    got = conversions.mean_sd_from_iqr(8, 10, 14, 21)
    assert math.isclose(got.mean, 10.7186, abs_tol=DOMAIN_4DP)
    assert math.isclose(got.sd, 4.7702, abs_tol=DOMAIN_4DP)


def test_five_number_conversion_lies_between_its_parts() -> None:
    got = conversions.mean_sd_from_five_numbers(2, 6, 8, 12, 20, 40)
    assert 6 < got.mean < 12
    assert got.sd > 0
    assert "S3" in got.method


def test_sd_from_se_and_ci_follow_the_handbook() -> None:
    assert conversions.sd_from_se(0.5, 25).sd == pytest.approx(2.5)
    got = conversions.sd_from_ci(1.0, 3.0, 400)
    assert got.mean == 2.0
    assert got.sd == pytest.approx(math.sqrt(400) * 2.0 / (2 * 1.9659), rel=1e-3)
    assert "CI" in got.method


def test_change_sd_conversion_reproduces_domain_t3() -> None:
    got = conversions.change_sd_from_correlation(3, 4, 0.5)
    assert math.isclose(got.sd, 3.6056, abs_tol=DOMAIN_4DP)
    assert got.converted


def test_conversions_refuse_disordered_summaries() -> None:
    with pytest.raises(ValueError, match="median"):
        conversions.mean_sd_from_iqr(10, 8, 14, 21)


def test_hedges_g_reproduces_domain_t5() -> None:
    yi, _ = hedges_g(10, 3, 15, 12, 3, 15)
    # T5 gives the approximate J (0.97297, g = -0.6486); metafor's exact J differs at 1e-4.
    assert math.isclose(float(yi), -0.6486, abs_tol=5e-4)


def test_all_zero_events_get_the_half_correction_and_stay_finite() -> None:
    for measure in ("RR", "OR", "RD"):
        es = escalc(measure, {"ai": [0, 3], "n1i": [10, 20], "ci": [0, 5], "n2i": [12, 20]})
        assert es.corrected == (True, False)
        assert np.all(np.isfinite(es.yi))
        assert np.all(es.vi > 0)


def test_missing_ri_uses_rho_and_is_flagged() -> None:
    data = {"m1i": [10, 11], "sd1i": [2, 3], "m2i": [8, 9], "sd2i": [2, 2], "ni": [20, 25]}
    data["ri"] = [0.7, float("nan")]
    es = escalc("MC", data, rho=0.3)
    assert es.ri_imputed == (False, True)
    assert es.vi[1] == pytest.approx((9 + 4 - 2 * 0.3 * 3 * 2) / 25)


def test_escalc_names_a_missing_column() -> None:
    with pytest.raises(KeyError, match="ni"):
        escalc("PLO", {"xi": [1]})
