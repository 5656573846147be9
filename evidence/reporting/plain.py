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
from evidence.reporting.evidence_records import SkinClassRow

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
    """The summary's sentences, in the order a reviewer asks the questions."""
    lines = [_basis(ctx), *_does_it_help(ctx), *_added_benefit(ctx), *_for_whom(ctx)]
    lines.append(_safety(ctx))
    return tuple(line for line in lines if line)


def _basis(ctx: ReportContext) -> str:
    eb = ctx.evidence_base
    if eb is None or not (eb.published_studies or eb.patient_level_studies):
        return "What is this based on? The warehouse holds no study."
    what = "synthetic study-level" if ctx.synthetic else "published"
    parts = [f"{eb.published_studies} {what} studies ({eb.published_patients} patients)"]
    if eb.patient_level_studies:
        parts.append(
            f"patient-level data of {eb.patient_level_studies} studies "
            f"({eb.patient_level_patients} patients)"
        )
    newest = f"; the newest was published in {eb.newest_year}" if eb.newest_year else ""
    return (
        f"What is this based on? {' and '.join(parts)}, {eb.randomised_studies} of them "
        f"randomised{newest}. Most are small single-centre studies read at abstract level."
    )


def _does_it_help(ctx: ReportContext) -> list[str]:
    lines = []
    responders = _sof(ctx, "Microneedling alone (single-arm)", "responders")
    if responders is not None and responders.k_studies:
        lines.append(
            f"Does microneedling help? With microneedling alone, {responders.effect} of patients "
            f"responded ({responders.outcome.split(': ', 1)[-1].replace(' (proportion)', '')}; "
            f"{responders.k_studies} studies). These are single-arm results: they include any "
            f"change that would have happened without treatment. {_certainty(responders)}."
        )
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
            f"Across {o.k_studies} studies ({o.n_patients} patients) that gave means, scars "
            f"{direction} after microneedling alone by {_est(o)} {UNITS[scale]}{pi}. "
            f"{_certainty(_sof(ctx, 'Microneedling alone (before', scale))}."
        )
    score = _find(ctx.overall, "microneedling", "gb_quantitative")
    if score:
        s = score[0]
        lines.append(
            f"On the 0–84 Goodman–Baron score the improvement was {_est(s)} points "
            f"({s.k_studies} studies, {s.n_patients} patients; "
            f"{_certainty(_sof(ctx, 'Microneedling alone (before', 'gb_quantitative'))})."
        )
    if not lines:
        lines.append(
            "Does microneedling help? No study gave responders or a usable mean change for "
            "microneedling alone."
        )
    return lines


def _added_benefit(ctx: ReportContext) -> list[str]:
    lines = []
    odds = _sof(ctx, "Microneedling + PRP vs", "log_odds_ratio")
    if odds is not None and odds.k_studies:
        lines.append(
            f"Does adding PRP help? In {_studies(odds.k_studies)} that treated both arms, the "
            f"odds of responding with microneedling + PRP against microneedling alone were "
            f"{odds.effect} ({odds.outcome.split(': ', 1)[-1].replace(' (odds ratio)', '')}). "
            f"{_certainty(odds)}."
        )
    else:
        lines.append(
            "Does adding PRP help? No study here reported responders in both a microneedling "
            "+ PRP arm and a microneedling-alone arm."
        )
    found = _find(ctx.comparisons, "microneedling_prp", "gb_qualitative")
    if found:
        c = found[0]
        lines.append(
            f"Its added improvement on the Goodman–Baron grade was {_est(c)} grades in "
            f"{_studies(c.k_studies, 'within-study comparison')} "
            f"({_certainty(_sof(ctx, 'Microneedling + PRP vs', 'gb_qualitative'))})."
        )
    for x in ctx.external:
        if x.measure == "OR":
            lines.append(
                f"For comparison, {x.review} pooled {x.k_studies} studies: OR "
                f"{f.fmt_num(x.estimate)} (95% CI {f.fmt_num(x.ci_lb)} to {f.fmt_num(x.ci_ub)}) "
                f"for {x.outcome_definition}; here: {x.ours} (see Controlled comparisons for "
                "what differs)."
            )
    laser = _sof(ctx, "Microneedling vs laser", "")
    if laser is None:
        laser = next((r for r in ctx.sof if r.comparison == "Microneedling vs laser"), None)
    if laser is not None and laser.k_studies:
        lines.append(
            f"Against laser: microneedling minus laser, {laser.outcome.lower()}: {laser.effect} "
            f"({laser.k_studies} studies; {_certainty(laser)})."
        )
    return lines


def _for_whom(ctx: ReportContext) -> list[str]:
    lines = []
    graded = [
        r
        for r in ctx.responders
        if r.intervention == "microneedling" and r.baseline_grade is not None
    ]
    if graded:
        parts = "; ".join(
            f"grade {r.baseline_grade}: {f.fmt_rate_ci(r.proportion, r.ci_lb, r.ci_ub)} "
            f"({r.k_studies} studies)"
            for r in sorted(graded, key=lambda r: (r.responder_definition, r.baseline_grade or 0))
        )
        lines.append(
            f"For which scars? Responders to microneedling alone by baseline grade — {parts}. "
            "Few studies report results by grade."
        )
    severity = sorted(
        _find(ctx.by_severity, "microneedling", "gb_qualitative"), key=lambda s: s.stratum_value
    )
    if severity:
        values = [s.mean_change for s in severity]
        trend = (
            "grew with baseline severity"
            if len(values) > 1 and all(b > a for a, b in pairwise(values))
            else "varied with baseline severity"
        )
        parts = "; ".join(f"grade {s.stratum_value}: {_est(s)}" for s in severity)
        lines.append(
            f"Mean improvement {trend} — {parts}; "
            f"{_differ(_test(ctx, 'severity', 'microneedling', 'gb_qualitative'))}."
        )
    lines.append(_skin(ctx))
    return lines


def _studies(k: int, noun: str = "study") -> str:
    plural = "studies" if noun == "study" else f"{noun}s"
    return f"{k} {noun if k == 1 else plural}"


def _skin(ctx: ReportContext) -> str:
    by_type = [m for m in ctx.evidence_map if m.outcomes_by_skin_type]
    darker = sum(m.skin_class == "III-VI only" for m in ctx.evidence_map)
    lighter = sum(m.skin_class == "includes I-II" for m in ctx.evidence_map)
    unknown = len(ctx.evidence_map) - darker - lighter
    if by_type:
        head = f"For which skin types? {len(by_type)} studies report outcomes per skin type."
    else:
        head = "For which skin types? No study reports its outcomes per Fitzpatrick skin type."
    populations = (
        f" {darker} studies enrolled only types III–VI, {lighter} also enrolled types I–II, "
        f"and {unknown} did not report the types enrolled."
    )
    compared = [r for r in ctx.skin_classes if r.outcome in ("responders", "improvement")]
    if compared:
        first = compared[0]
        rows = [
            r
            for r in compared
            if (r.outcome, r.intervention, r.measure)
            == (first.outcome, first.intervention, first.measure)
        ]
        parts = "; ".join(
            f"{r.skin_class}: {_class_estimate(r)} ({r.k_studies} studies)" for r in rows
        )
        tail = (
            f" Comparing study populations ({first.outcome}, "
            f"{f.intervention_label(first.intervention)}): {parts}; "
            f"Q = {f.fmt_num(first.q_between)}, {f.p_text(first.pval)}. This is a "
            "between-study comparison of populations, not of patients."
        )
    else:
        tail = (
            " No outcome was reported by both kinds of study population, so not even a "
            "between-study comparison of skin types is possible."
        )
    return head + populations + tail


def _class_estimate(r: SkinClassRow) -> str:
    if r.outcome == "improvement":
        return f"{f.fmt_num(r.estimate)} (95% CI {f.fmt_num(r.ci_lb)} to {f.fmt_num(r.ci_ub)})"
    return f.fmt_rate_ci(r.estimate, r.ci_lb, r.ci_ub)


def _safety(ctx: ReportContext) -> str:
    pih = next(
        (
            s
            for s in ctx.safety_pooled
            if s.outcome == "pih" and s.stratum_kind == "all" and f.is_number(s.estimate)
        ),
        None,
    )
    if pih is None:
        return "At what cost? No study reported post-inflammatory hyperpigmentation."
    classes = [r for r in ctx.skin_classes if r.outcome == "pih"]
    by_class = (
        " By study population: "
        + "; ".join(
            f"{r.skin_class} {f.fmt_rate_ci(r.estimate, r.ci_lb, r.ci_ub)} ({r.k_studies} studies)"
            for r in classes
        )
        + f" ({f.p_text(classes[0].pval)}, between studies)."
        if classes
        else ""
    )
    erythema = next(
        (s for s in ctx.safety_pooled if s.outcome == "erythema_days" and s.stratum_kind == "all"),
        None,
    )
    ery = (
        f" Erythema lasted {f.fmt_num(erythema.estimate, 1)} days on average "
        f"(95% CI {f.fmt_num(erythema.ci_lb, 1)} to {f.fmt_num(erythema.ci_ub, 1)})."
        if erythema is not None and f.is_number(erythema.estimate)
        else ""
    )
    return (
        "At what cost? Post-inflammatory hyperpigmentation after active treatment: "
        f"{f.fmt_rate_ci(pih.estimate, pih.ci_lb, pih.ci_ub)} ({pih.events}/{pih.n}, "
        f"{pih.k_studies} studies).{by_class}{ery}"
    )
