"""Conversions of reported summaries to the means and SDs ``escalc()`` needs.

Every function returns a :class:`Converted` naming the method used, so a converted value is
never mistaken for a reported one.

- median and range or IQR -> mean: Luo et al. 2018, *Stat Methods Med Res* 27:1785-1805
  (scenarios S1, S2, S3); median -> SD: Wan et al. 2014, *BMC Med Res Methodol* 14:135
  with the closed forms ``xi(n) = 2 Phi^-1((n - 0.375) / (n + 0.25))`` and
  ``eta(n) = 2 Phi^-1((0.75 n - 0.125) / (n + 0.25))`` (R ``meta`` uses Wan's tables for small
  n instead; the two differ in the third decimal, domain.md T1/T2);
- SD from a standard error or a confidence interval of a mean: Cochrane Handbook v6.4
  section 6.5.2.2 (t quantile on n - 1 df for small samples, as the Handbook advises);
- SD of a change from baseline: Cochrane Handbook v6.4 section 6.5.2.8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from evidence.synthesis.distributions import norm_ppf, t_isf
from evidence.synthesis.effect_sizes import change_sd


@dataclass(frozen=True)
class Converted:
    """A converted summary: ``mean`` and/or ``sd`` (None when not produced) and ``method``,
    e.g. ``"Luo 2018 S2 mean; Wan 2014 S2 SD"``. ``converted`` is always True."""

    mean: float | None
    sd: float | None
    method: str
    converted: bool = True


def _check_n(n: float) -> None:
    if n < 2:
        raise ValueError(f"n must be >= 2 to convert; got {n}")


def _xi(n: float) -> float:
    return 2.0 * float(norm_ppf((n - 0.375) / (n + 0.25)))


def _eta(n: float) -> float:
    return 2.0 * float(norm_ppf((0.75 * n - 0.125) / (n + 0.25)))


def mean_sd_from_range(minimum: float, median: float, maximum: float, n: float) -> Converted:
    """Scenario S1 {min, median, max, n}: Luo mean
    ``w (min + max)/2 + (1 - w) median``, ``w = 4 / (4 + n^0.75)``; Wan SD
    ``(max - min) / xi(n)``."""
    _check_n(n)
    if not minimum <= median <= maximum:
        raise ValueError("need min <= median <= max")
    w = 4.0 / (4.0 + n**0.75)
    mean = w * (minimum + maximum) / 2.0 + (1.0 - w) * median
    return Converted(mean, (maximum - minimum) / _xi(n), "Luo 2018 S1 mean; Wan 2014 S1 SD")


def mean_sd_from_iqr(q1: float, median: float, q3: float, n: float) -> Converted:
    """Scenario S2 {q1, median, q3, n}: Luo mean
    ``(0.7 + 0.39/n) (q1 + q3)/2 + (0.3 - 0.39/n) median``; Wan SD ``(q3 - q1) / eta(n)``."""
    _check_n(n)
    if not q1 <= median <= q3:
        raise ValueError("need q1 <= median <= q3")
    mean = (0.7 + 0.39 / n) * (q1 + q3) / 2.0 + (0.3 - 0.39 / n) * median
    return Converted(mean, (q3 - q1) / _eta(n), "Luo 2018 S2 mean; Wan 2014 S2 SD")


def mean_sd_from_five_numbers(
    minimum: float, q1: float, median: float, q3: float, maximum: float, n: float
) -> Converted:
    """Scenario S3 {min, q1, median, q3, max, n}: Luo mean (weights ``2.2 / (2.2 + n^0.75)``
    and ``0.7 - 0.72 / n^0.55``); Wan SD ``((max - min)/xi(n) + (q3 - q1)/eta(n)) / 2``."""
    _check_n(n)
    if not minimum <= q1 <= median <= q3 <= maximum:
        raise ValueError("need min <= q1 <= median <= q3 <= max")
    w1 = 2.2 / (2.2 + n**0.75)
    w2 = 0.7 - 0.72 / n**0.55
    mean = w1 * (minimum + maximum) / 2.0 + w2 * (q1 + q3) / 2.0 + (1.0 - w1 - w2) * median
    sd = ((maximum - minimum) / _xi(n) + (q3 - q1) / _eta(n)) / 2.0
    return Converted(mean, sd, "Luo 2018 S3 mean; Wan 2014 S3 SD")


def sd_from_se(se: float, n: float) -> Converted:
    """``SD = SE sqrt(n)`` (Cochrane Handbook 6.5.2.2)."""
    if se < 0 or n < 1:
        raise ValueError("need se >= 0 and n >= 1")
    return Converted(None, se * math.sqrt(n), "SD from SE (Handbook 6.5.2.2)")


def sd_from_ci(lower: float, upper: float, n: float, *, level: float = 95.0) -> Converted:
    """``SD = sqrt(n) (upper - lower) / (2 t_{1 - alpha/2, n - 1})`` (Cochrane Handbook
    6.5.2.2; for large n the t quantile is close to 1.96). The mean is the CI's midpoint."""
    _check_n(n)
    if upper < lower:
        raise ValueError("need lower <= upper")
    crit = float(t_isf((100.0 - level) / 200.0, n - 1))
    sd = math.sqrt(n) * (upper - lower) / (2.0 * crit)
    return Converted(
        (lower + upper) / 2.0, sd, f"SD from {level:g}% CI, t on n-1 df (Handbook 6.5.2.2)"
    )


def change_sd_from_correlation(sd_baseline: float, sd_followup: float, ri: float) -> Converted:
    """``SD_change = sqrt(SD_b^2 + SD_f^2 - 2 r SD_b SD_f)`` (Cochrane Handbook 6.5.2.8)."""
    sd = float(change_sd(sd_baseline, sd_followup, ri))
    return Converted(
        None, sd, f"change SD from baseline/follow-up SDs, r = {ri:g} (Handbook 6.5.2.8)"
    )
