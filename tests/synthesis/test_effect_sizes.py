"""Change-score effect sizes: Cochrane change SD and escalc(measure="MC")."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evidence.synthesis.effect_sizes import change_sd, mean_change, mean_change_from_sd

# domain.md section 6 gives its vectors to 4 decimals: half a unit in the last place.
DOMAIN_4DP = 5e-5


def test_change_sd_reproduces_domain_vector_t3() -> None:
    # T3: SD_b = 3, SD_f = 4, r = 0.5 -> 3.6056
    assert math.isclose(float(change_sd(3, 4, 0.5)), 3.6056, abs_tol=DOMAIN_4DP)


def test_change_sd_reproduces_handbook_paired_example_t4() -> None:
    # T4: SD_E = 2.38, SD_C = 2.21, r = 0.68 -> SD_diff = 1.8426, SE (n = 10) = 0.583
    sd = float(change_sd(2.38, 2.21, 0.68))
    assert math.isclose(sd, 1.8426, abs_tol=DOMAIN_4DP)
    assert math.isclose(sd / math.sqrt(10), 0.583, abs_tol=5e-4)


def test_change_sd_is_zero_for_perfect_correlation_and_equal_sds() -> None:
    assert float(change_sd(2.7, 2.7, 1.0)) == 0.0


def test_mean_change_gives_improvement_as_positive_yi() -> None:
    yi, vi = mean_change(m1i=14.0, sd1i=3.0, m2i=9.0, sd2i=4.0, ni=25, ri=0.5)
    assert float(yi) == 5.0
    assert math.isclose(float(vi), 13.0 / 25)


def test_mean_change_broadcasts_arrays_and_scalars() -> None:
    yi, vi = mean_change(np.array([10.0, 12.0]), 3.0, np.array([7.0, 8.0]), 4.0, 20, 0.5)
    np.testing.assert_array_equal(yi, [3.0, 4.0])
    np.testing.assert_allclose(vi, [13.0 / 20, 13.0 / 20])


def test_mean_change_from_sd_uses_reported_change_sd() -> None:
    yi, vi = mean_change_from_sd(4.2, 3.6056, 30)
    assert float(yi) == 4.2
    assert math.isclose(float(vi), 3.6056**2 / 30)


def test_mean_change_from_sd_agrees_with_mean_change_via_change_sd() -> None:
    _, vi_direct = mean_change(14.0, 3.0, 9.0, 4.0, 25, 0.3)
    _, vi_via_sd = mean_change_from_sd(5.0, change_sd(3.0, 4.0, 0.3), 25)
    assert math.isclose(float(vi_direct), float(vi_via_sd), rel_tol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"ni": 0}, "ni"),
        ({"sd1i": -1.0}, "sd1i"),
        ({"sd2i": -0.1}, "sd2i"),
        ({"ri": 1.2}, "ri"),
        ({"ri": -1.01}, "ri"),
    ],
)
def test_mean_change_rejects_invalid_argument_by_name(kwargs: dict, argument: str) -> None:
    args = {"m1i": 10.0, "sd1i": 3.0, "m2i": 7.0, "sd2i": 4.0, "ni": 20, "ri": 0.5} | kwargs
    with pytest.raises(ValueError, match=argument):
        mean_change(**args)


def test_change_sd_rejects_correlation_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match="ri"):
        change_sd(3.0, 4.0, np.array([0.5, 1.5]))


def test_mean_change_from_sd_rejects_sample_size_below_one() -> None:
    with pytest.raises(ValueError, match="ni"):
        mean_change_from_sd(1.0, 2.0, np.array([10, 0]))
