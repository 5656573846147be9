"""GRADE certainty of evidence from declared rules (Cochrane Handbook ch. 14; GRADE 2011).

Pure: an :class:`Evidence` (what the pooled result and its studies say) in, a
:class:`Certainty` out. Every rule is a named constant below and every downgrade carries a
sentence that states the numbers it was based on. The rules are *operational heuristics*, not
GRADE canon (domain notes 4.9): a guideline panel should read the reasons, not only the level.

Starting level: randomised comparisons start at high; anything else at low. A pre-post
improvement within treated arms is an uncontrolled before-after comparison, so it starts at
low even when the arm comes from a randomised trial.
Domains (each -1 "serious" or -2 "very serious"):
- risk of bias: share of the pooled weight from studies at high risk of bias or never assessed;
- inconsistency: I² and whether the 95% prediction interval includes no effect;
- imprecision: total n against the optimal information size, CI width against an assumed
  minimal important difference, and whether the CI includes no effect;
- publication bias: Egger's test when k >= 10, otherwise not assessed (and said so);
- indirectness: not rated by rule (needs a reviewer's judgement of population and outcome).
No upgrading rule is applied automatically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from evidence.reporting.formatting import fmt_i2

LEVELS = ("very low", "low", "moderate", "high")
RANDOMISED_DESIGNS = frozenset({"rct", "split_face_rct"})
START_RANDOMISED = 3  # index into LEVELS: high
START_OTHER = 1  # low
#: Risk of bias: share of weight from high-risk or unassessed studies.
ROB_SERIOUS_SHARE = 0.5
#: Inconsistency (Higgins 2003 bands; one review group's operational cut-offs).
I2_SERIOUS = 50.0
I2_VERY_SERIOUS = 75.0
#: Imprecision: optimal information size for a continuous outcome (GRADE 6, rule of thumb).
OIS_PATIENTS = 400
#: Assumed minimal important differences (NOT validated; stated so in the report).
MID = {
    "gb_qualitative": 0.5,  # half a Goodman-Baron grade
    "gb_quantitative": 5.0,  # points on the 0-84 score
    "ecca": 20.0,
    "pih": 0.10,  # 10 percentage points of a proportion
    "responders": 0.10,  # 10 percentage points of the proportion of responders
    "log_odds_ratio": 0.69,  # a CI spanning more than a two-fold range of odds (ln 2)
    "erythema_days": 2.0,
}
#: Small-study effects: Egger only with k >= 10 (Sterne 2011); downgrade when p < 0.10.
EGGER_MIN_K = 10
EGGER_ALPHA = 0.10


@dataclass(frozen=True)
class Evidence:
    """What the rules look at for one outcome."""

    outcome_scale: str  # key of MID
    k: int
    n: int
    estimate: float | None
    ci_lb: float | None
    ci_ub: float | None
    pi_lb: float | None
    pi_ub: float | None
    i2: float | None
    designs: Sequence[str | None]  # one per study
    risks_of_bias: Sequence[str | None]  # one per study: low | some | high | None
    weights: Sequence[float | None]  # percent, one per study
    is_comparative: bool  # a between-arm comparison (else a pre-post change)
    egger_pval: float | None = None  # None when not run
    null_value: float | None = 0.0  # None: no "no effect" value (a single-arm proportion)
    i2_ci_lb: float | None = None  # Q-profile 95% CI of I2, percent
    i2_ci_ub: float | None = None


@dataclass(frozen=True)
class Downgrade:
    domain: str  # risk of bias | inconsistency | imprecision | publication bias | indirectness
    levels: int  # 0, 1 or 2
    reason: str


@dataclass(frozen=True)
class Certainty:
    level: str  # high | moderate | low | very low | "not rated"
    start: str
    start_reason: str
    downgrades: tuple[Downgrade, ...]

    @property
    def symbol(self) -> str:
        filled = {"high": 4, "moderate": 3, "low": 2, "very low": 1}.get(self.level, 0)
        return "⊕" * filled + "◯" * (4 - filled)


NOT_RATED = Certainty("not rated", "—", "no pooled estimate", ())


def rate_certainty(ev: Evidence) -> Certainty:
    """Apply the declared rules to one outcome (``not rated`` without an estimate)."""
    if ev.k == 0 or ev.estimate is None:
        return NOT_RATED
    randomised = bool(ev.designs) and all(d in RANDOMISED_DESIGNS for d in ev.designs)
    if ev.is_comparative and randomised:
        start, why = START_RANDOMISED, "every study is a randomised comparison"
    elif ev.is_comparative:
        start, why = START_OTHER, "non-randomised or design not reported for some studies"
    else:
        start, why = START_OTHER, "pre-post change in treated arms (uncontrolled before-after)"
    downgrades = (
        risk_of_bias(ev),
        inconsistency(ev),
        imprecision(ev),
        publication_bias(ev),
        Downgrade("indirectness", 0, "not rated by rule (needs a reviewer's judgement)"),
    )
    level = max(0, start - sum(d.levels for d in downgrades))
    return Certainty(LEVELS[level], LEVELS[start], why, downgrades)


def risk_of_bias(ev: Evidence) -> Downgrade:
    weights = [w if w is not None else 0.0 for w in ev.weights]
    total = sum(weights) or 1.0
    high = [w for w, r in zip(weights, ev.risks_of_bias, strict=True) if r == "high"]
    missing = [w for w, r in zip(weights, ev.risks_of_bias, strict=True) if r is None]
    share = (sum(high) + sum(missing)) / total
    what = f"{len(high)} at high risk of bias, {len(missing)} with no risk-of-bias assessment"
    if share >= ROB_SERIOUS_SHARE:
        return Downgrade(
            "risk of bias",
            1,
            f"{100 * share:.0f}% of the weight comes from studies at high or unassessed risk "
            f"of bias ({what}; threshold {100 * ROB_SERIOUS_SHARE:.0f}%)",
        )
    return Downgrade(
        "risk of bias", 0, f"{100 * share:.0f}% of the weight at high or unassessed risk ({what})"
    )


def inconsistency(ev: Evidence) -> Downgrade:
    if ev.k < 2 or ev.i2 is None:
        return Downgrade("inconsistency", 0, "not assessable with a single study")
    pi_spans_null = (
        ev.null_value is not None
        and ev.pi_lb is not None
        and ev.pi_ub is not None
        and ev.pi_lb <= ev.null_value <= ev.pi_ub
    )
    pi_text = "includes" if pi_spans_null else "excludes"
    detail = f"I² = {fmt_i2(ev.i2, ev.i2_ci_lb, ev.i2_ci_ub, digits=0)}"
    if ev.null_value is not None:
        detail += f", 95% prediction interval {pi_text} no effect"
    if ev.i2 >= I2_VERY_SERIOUS and pi_spans_null:
        return Downgrade(
            "inconsistency", 2, f"{detail} (I² ≥ {I2_VERY_SERIOUS:.0f}% and PI crosses no effect)"
        )
    if ev.i2 >= I2_SERIOUS or pi_spans_null:
        return Downgrade(
            "inconsistency", 1, f"{detail} (I² ≥ {I2_SERIOUS:.0f}% or PI crosses no effect)"
        )
    return Downgrade("inconsistency", 0, detail)


def imprecision(ev: Evidence) -> Downgrade:
    problems = []
    if ev.n < OIS_PATIENTS:
        problems.append(f"n = {ev.n} < {OIS_PATIENTS} (optimal information size)")
    mid = MID.get(ev.outcome_scale)
    crosses = False
    if ev.ci_lb is not None and ev.ci_ub is not None:
        width = ev.ci_ub - ev.ci_lb
        if mid is not None and width > mid:
            problems.append(f"95% CI width {width:.2f} > assumed MID {mid:g}")
        crosses = ev.null_value is not None and ev.ci_lb <= ev.null_value <= ev.ci_ub
        if crosses:
            problems.append("95% CI includes no effect")
    levels = 2 if crosses and len(problems) >= 2 else min(1, len(problems))
    if not problems:
        tail = " and excludes no effect" if ev.null_value is not None else ""
        return Downgrade("imprecision", 0, f"n = {ev.n}; CI narrower than the assumed MID{tail}")
    return Downgrade("imprecision", levels, "; ".join(problems))


def publication_bias(ev: Evidence) -> Downgrade:
    if ev.k < EGGER_MIN_K:
        return Downgrade("publication bias", 0, f"not assessed (k = {ev.k} < {EGGER_MIN_K})")
    if ev.egger_pval is None:
        return Downgrade("publication bias", 0, "Egger's test could not be computed")
    if ev.egger_pval < EGGER_ALPHA:
        return Downgrade(
            "publication bias",
            1,
            f"Egger's test p = {ev.egger_pval:.3f} < {EGGER_ALPHA} (small-study effects; "
            "asymmetry is not proof of publication bias)",
        )
    return Downgrade("publication bias", 0, f"Egger's test p = {ev.egger_pval:.3f}")


def rules_table() -> tuple[tuple[str, str], ...]:
    """The declared rules as (domain, rule) lines for the report's methods section."""
    return (
        (
            "start",
            "randomised comparisons start at high; non-randomised comparisons and "
            "pre-post change within treated arms start at low",
        ),
        (
            "risk of bias",
            f"−1 when ≥ {100 * ROB_SERIOUS_SHARE:.0f}% of the weight comes from "
            "studies at high risk of bias or without a risk-of-bias assessment",
        ),
        (
            "inconsistency",
            f"−1 when I² ≥ {I2_SERIOUS:.0f}% or the 95% prediction interval "
            f"includes no effect; −2 when I² ≥ {I2_VERY_SERIOUS:.0f}% and it does",
        ),
        (
            "imprecision",
            f"−1 for any of: n < {OIS_PATIENTS}; 95% CI wider than the assumed "
            "MID; CI includes no effect; −2 when the CI includes no effect and another applies. "
            "Assumed MIDs (not validated): " + ", ".join(f"{k} {v:g}" for k, v in MID.items()),
        ),
        (
            "publication bias",
            f"Egger's test only when k ≥ {EGGER_MIN_K}; −1 when p < {EGGER_ALPHA}",
        ),
        ("indirectness", "not rated by rule"),
        ("upgrading", "none applied automatically"),
    )
