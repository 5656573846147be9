"""How numbers and labels read in every report: one place, so HTML, Markdown and plots agree.

Missing or non-finite numbers print as an em dash, never ``nan``. Negative numbers use the
typographic minus sign (U+2212), as matplotlib's tick labels do.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from evidence.reporting.context import PooledStratum

DASH = "—"
MINUS = "−"

SCALE_LABELS = {
    "gb_qualitative": "Goodman–Baron qualitative grade (1–4)",
    "gb_quantitative": "Goodman–Baron quantitative score",
}
TEST_LABELS = {
    "z": "Wald z",
    "knha": "Hartung–Knapp–Sidik–Jonkman",
}
STRATUM_KIND_LABELS = {
    "severity": "Grade",
    "skin_type": "Fitzpatrick",
}


def is_number(value: float | int | None) -> bool:
    """True for a finite number; False for None, NaN and infinities."""
    return value is not None and math.isfinite(value)


def fmt_num(value: float | int | None, digits: int = 2) -> str:
    """``1.234 -> "1.23"``; ``None``/NaN -> em dash; ``-0.001 -> "0.00"`` (no negative zero).

    Rounds half away from zero on the number as printed (``3.25 -> "3.3"``), as a reader
    rounding by hand would, not half-to-even on the binary float.
    """
    if value is None or not is_number(value):
        return DASH
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:.{digits}f}".replace("-", MINUS)


def fmt_int(value: int | None) -> str:
    """An integer count, or an em dash."""
    if value is None:
        return DASH
    return str(int(value))


def fmt_percent(value: float | None, digits: int = 1) -> str:
    """A value already in percent (e.g. I²): ``45.67 -> "45.7%"``."""
    if value is None or not is_number(value):
        return DASH
    return f"{fmt_num(value, digits)}%"


def fmt_i2(i2: float | None, lb: float | None, ub: float | None, digits: int = 1) -> str:
    """I² (percent) with its CI: ``"45.7% [12.3%, 70.1%]"``; just ``"45.7%"`` without the
    interval; an em dash without I²."""
    if not is_number(i2):
        return DASH
    shown = fmt_percent(i2, digits)
    if not (is_number(lb) and is_number(ub)):
        return shown
    return f"{shown} [{fmt_percent(lb, digits)}, {fmt_percent(ub, digits)}]"


def fmt_rate(value: float | None, digits: int = 1) -> str:
    """A proportion 0-1 shown as percent: ``0.125 -> "12.5%"``."""
    if value is None or not is_number(value):
        return DASH
    return fmt_percent(100.0 * value, digits)


def fmt_ci(lb: float | None, ub: float | None, digits: int = 2) -> str:
    """``"[0.12, 0.98]"``, or an em dash when either bound is missing."""
    if not (is_number(lb) and is_number(ub)):
        return DASH
    return f"[{fmt_num(lb, digits)}, {fmt_num(ub, digits)}]"


def fmt_estimate(value: float | None, lb: float | None, ub: float | None, digits: int = 2) -> str:
    """``"1.23 [0.50, 1.96]"``; the interval is dropped when it is missing."""
    if not is_number(value):
        return DASH
    ci = fmt_ci(lb, ub, digits)
    return fmt_num(value, digits) if ci == DASH else f"{fmt_num(value, digits)} {ci}"


def fmt_rate_ci(rate: float | None, lb: float | None, ub: float | None) -> str:
    """``"12.5% [4.1%, 30.2%]"`` for a proportion with its interval."""
    if not is_number(rate):
        return DASH
    if not (is_number(lb) and is_number(ub)):
        return fmt_rate(rate)
    return f"{fmt_rate(rate)} [{fmt_rate(lb)}, {fmt_rate(ub)}]"


def fmt_mean_sd(mean: float | None, sd: float | None, digits: int = 1) -> str:
    """``"4.2 (1.3)"``; ``"4.2 (—)"`` without an SD; em dash without a mean."""
    if not is_number(mean):
        return DASH
    return f"{fmt_num(mean, digits)} ({fmt_num(sd, digits)})"


def short_sha(sha256: str, length: int = 12) -> str:
    """The first characters of a hex digest, enough to tell files apart in a table."""
    return sha256[:length] if sha256 else DASH


def scale_label(outcome_scale: str) -> str:
    """A reader's name for an outcome scale code; unknown codes print as they are."""
    return SCALE_LABELS.get(outcome_scale, outcome_scale)


def ci_test_label(test: str) -> str:
    """A reader's name for the CI method (``z`` or ``knha``)."""
    return TEST_LABELS.get(test, test)


def stratum_label(stratum: PooledStratum) -> str:
    """``"Grade 3"``, ``"Fitzpatrick IV"`` or ``"All"``."""
    if stratum.stratum_kind == "all" or stratum.stratum_value == "all":
        return "All"
    prefix = STRATUM_KIND_LABELS.get(stratum.stratum_kind, stratum.stratum_kind)
    return f"{prefix} {stratum.stratum_value}"


def origin_label(origin: str) -> str:
    """``"Synthetic"``/``"Literature"``; other values capitalised as they are."""
    return origin.capitalize() if origin else DASH


def is_web_url(url: str) -> bool:
    """Only http(s) addresses become links (never ``javascript:`` or ``data:``)."""
    return url.strip().lower().startswith(("https://", "http://"))


INTERVENTION_LABELS = {
    "microneedling": "Microneedling",
    "microneedling_prp": "Microneedling + PRP",
    "microneedling_tca": "Microneedling + TCA",
    "microneedling_subcision": "Microneedling + subcision",
    "microneedling_topical": "Microneedling + topical",
    "fractional_rf_microneedling": "Fractional RF microneedling",
    "laser": "Laser",
    "control": "Control",
}


DESIGN_LABELS = {
    "rct": "randomised (parallel groups)",
    "split_face_rct": "randomised split-face",
    "split_face": "split-face, not randomised",
    "non_randomised_controlled": "controlled, not randomised",
    "prospective": "single-arm or cohort, prospective",
    "retrospective": "retrospective",
}


def design_label(code: str | None) -> str:
    """A reader's name for a design code ("not reported" when missing)."""
    return DESIGN_LABELS.get(code or "", code or "not reported")


def intervention_label(code: str) -> str:
    """A reader's name for an intervention code; unknown codes print as they are."""
    return INTERVENTION_LABELS.get(code, code)


def fmt_p(value: float | None) -> str:
    """A p-value: ``"0.034"``, ``"< 0.001"``, or an em dash."""
    if not is_number(value):
        return DASH
    return "< 0.001" if value < 0.001 else fmt_num(value, 3)


def p_text(value: float | None) -> str:
    """``"p = 0.034"``, ``"p < 0.001"``, or ``"p —"``."""
    shown = fmt_p(value)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def study_anchor(study_id: str) -> str:
    """The HTML id of a study's provenance row (``StudyRecord.anchor``)."""
    return "study-" + "".join(c if c.isalnum() else "-" for c in study_id.lower())
