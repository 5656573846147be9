"""The plain-language summary: sentences generated from the numbers, no hand-written claims.

Every number comes from the ReportContext; wording that judges a number ("larger",
"did not differ clearly") is chosen by a declared comparison (``ALPHA``; the sign and order
of the estimates), never written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from evidence.reporting import formatting as f
from evidence.reporting.context import PooledStratum, ReportContext, SofRow, SubgroupTest

ALPHA = 0.05  # subgroup-difference p-value below which the text says strata differ
UNITS = {"gb_qualitative": "Goodman–Baron grades", "gb_quantitative": "points (0–84 score)"}


def _est(s: PooledStratum) -> str:
    return f"{f.fmt_num(s.mean_change)} (95% CI {f.fmt_num(s.ci_lb)} to {f.fmt_num(s.ci_ub)})"


def _find(strata: Sequence[PooledStratum], intervention: str, scale: str) -> list[PooledStratum]:
    return [
        s
        for s in strata
        if s.intervention == intervention
        and s.outcome_scale == scale
        and f.is_number(s.mean_change)
    ]


def _test(ctx: ReportContext, kind: str, intervention: str, scale: str) -> SubgroupTest | None:
    return next(
        (
            t
            for t in ctx.subgroup_tests
            if (t.stratification, t.intervention, t.outcome_scale) == (kind, intervention, scale)
        ),
        None,
    )


def _differ(test: SubgroupTest | None) -> str:
    if test is None or test.pval is None:
        return "no test for subgroup differences was possible"
    verdict = "differed" if test.pval < ALPHA else "did not differ clearly"
    return (
        f"the strata {verdict} (test for subgroup differences Q = {f.fmt_num(test.q_between)}, "
        f"df = {test.df}, {f.p_text(test.pval)}; a between-study comparison)"
    )


def _sof(ctx: ReportContext, comparison_start: str, scale: str) -> SofRow | None:
    return next(
        (
            r
            for r in ctx.sof
            if r.comparison.startswith(comparison_start) and r.outcome_scale == scale
        ),
        None,
    )


def _certainty(row: SofRow | None) -> str:
    if row is None or row.certainty == "not rated":
        return "certainty not rated"
    reasons = [domain for domain, levels, _ in row.downgrades if levels]
    why = f", downgraded for {', '.join(reasons)}" if reasons else ""
    return f"{row.certainty.upper()} certainty (starting at {row.start}{why})"


def plain_summary(ctx: ReportContext) -> tuple[str, ...]:
    lines: list[str] = []
    scale = "gb_qualitative"
    overall = _find(ctx.overall, "microneedling", scale)
    if overall:
        o = overall[0]
        pi = (
            f"; in a new study the average improvement would be expected between "
            f"{f.fmt_num(o.pi_lb)} and {f.fmt_num(o.pi_ub)} (95% prediction interval)"
            if f.is_number(o.pi_lb)
            else ""
        )
        direction = "improved" if (o.ci_lb or 0) > 0 else "did not clearly improve"
        lines.append(
            f"Does microneedling help? Across {o.k_studies} studies ({o.n_patients} patients), "
            f"atrophic scars {direction} after microneedling alone by {_est(o)} "
            f"{UNITS[scale]}{pi}. {_certainty(_sof(ctx, 'Microneedling alone', scale))}."
        )
    else:
        lines.append(
            "Does microneedling help? No study gave a usable mean change for "
            "microneedling alone on the Goodman–Baron grade."
        )
    score = _find(ctx.overall, "microneedling", "gb_quantitative")
    if score:
        s = score[0]
        lines.append(
            f"On the 0–84 Goodman–Baron score the improvement was {_est(s)} points "
            f"({s.k_studies} studies, {s.n_patients} patients; "
            f"{_certainty(_sof(ctx, 'Microneedling alone', 'gb_quantitative'))})."
        )
    severity = sorted(_find(ctx.by_severity, "microneedling", scale), key=lambda s: s.stratum_value)
    if severity:
        values = [s.mean_change for s in severity]
        trend = (
            "grew with baseline severity"
            if len(values) > 1 and all(b > a for a, b in pairwise(values))
            else "varied with baseline severity"
        )
        parts = "; ".join(f"grade {s.stratum_value}: {_est(s)}" for s in severity)
        lines.append(
            f"For which scars? Improvement {trend} — {parts}; "
            f"{_differ(_test(ctx, 'severity', 'microneedling', scale))}."
        )
    groups = _find(ctx.by_skin_group, "microneedling", scale)
    if groups:
        parts = "; ".join(f"Fitzpatrick {s.stratum_value}: {_est(s)}" for s in groups)
        lines.append(
            f"For which skin types? {parts}; "
            f"{_differ(_test(ctx, 'skin_group', 'microneedling', scale))}."
        )
    for intervention in ("microneedling_prp", "microneedling_tca"):
        found = _find(ctx.comparisons, intervention, scale)
        name = f.intervention_label(intervention)
        if found:
            c = found[0]
            more = (
                "more"
                if (c.ci_lb or 0) > 0
                else ("less" if (c.ci_ub or 0) < 0 else "no clearly different")
            )
            lines.append(
                f"{name} improved scars {f.fmt_num(c.mean_change)} grades "
                f"(95% CI {f.fmt_num(c.ci_lb)} to {f.fmt_num(c.ci_ub)}) {more} than "
                f"microneedling alone in {c.k_studies} within-study comparisons "
                f"({_certainty(_sof(ctx, name, scale))})."
            )
        else:
            lines.append(
                f"{name}: no study compared it with microneedling alone within the same study, "
                "so nothing can be said about its added benefit."
            )
    pih = {
        s.stratum_value: s
        for s in ctx.safety_pooled
        if s.outcome == "pih" and s.stratum_kind == "skin_group" and f.is_number(s.estimate)
    }
    erythema = next(
        (s for s in ctx.safety_pooled if s.outcome == "erythema_days" and s.stratum_kind == "all"),
        None,
    )
    if pih:
        parts = "; ".join(
            f"Fitzpatrick {g}: {f.fmt_rate_ci(s.estimate, s.ci_lb, s.ci_ub)} "
            f"({s.k_studies} studies)"
            for g, s in sorted(pih.items())
        )
        ery = (
            f" Erythema lasted {f.fmt_num(erythema.estimate, 1)} days on average "
            f"(95% CI {f.fmt_num(erythema.ci_lb, 1)} to {f.fmt_num(erythema.ci_ub, 1)})."
            if erythema is not None and f.is_number(erythema.estimate)
            else ""
        )
        lines.append(
            "At what cost? Post-inflammatory hyperpigmentation after active treatment — "
            f"{parts}.{ery}"
        )
    else:
        lines.append("At what cost? No study reported post-inflammatory hyperpigmentation.")
    return tuple(lines)
