"""The Summary-of-Findings rows (GRADE style), built from a ReportContext (pure).

At most seven rows (Cochrane Handbook 14.1): with microneedling alone, the proportion of
responders and the improvement on both Goodman-Baron scales (uncontrolled before-after);
microneedling + PRP against microneedling alone within studies (odds ratio of responding and
the mean difference in improvement); microneedling against laser; and PIH in active arms.
Where several responder definitions exist, the row uses the one with the most studies. Each
row's certainty comes from :mod:`evidence.reporting.grade`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

from evidence.reporting import formatting as f
from evidence.reporting.context import (
    PooledStratum,
    ReportContext,
    SafetyPooled,
    SofRow,
    StudyEffect,
)
from evidence.reporting.evidence_figures import definition_label
from evidence.reporting.evidence_records import OddsRatioResult, ResponderResult
from evidence.reporting.grade import EGGER_MIN_K, Evidence, rate_certainty
from evidence.synthesis.bias import egger_test

UNITS = {"gb_qualitative": "grades", "gb_quantitative": "points", "ecca": "points"}
_R = TypeVar("_R", ResponderResult, OddsRatioResult)
OUTCOMES = {
    "gb_qualitative": "Improvement, Goodman–Baron grade (1–4)",
    "gb_quantitative": "Improvement, Goodman–Baron score (0–84)",
    "ecca": "Improvement, ECCA score (0–540)",
}
ALONE = "Microneedling alone (before vs after)"


def build_sof(ctx: ReportContext) -> tuple[SofRow, ...]:
    rows: list[SofRow] = [_responder_row(ctx, "microneedling")]
    for scale in ("gb_qualitative", "gb_quantitative"):
        rows.append(
            _pooled_row(ctx, ALONE, scale, _find(ctx.overall, "microneedling", scale), False)
        )
    rows.append(_odds_ratio_row(ctx, "microneedling_prp", "microneedling"))
    prp = "Microneedling + PRP vs microneedling alone"
    stratum = _comparison(ctx, "microneedling_prp vs microneedling", "gb_qualitative")
    rows.append(_pooled_row(ctx, prp, "gb_qualitative", stratum, True, difference=True))
    laser = _comparison(ctx, "microneedling vs laser", None)
    rows.append(
        _pooled_row(
            ctx,
            "Microneedling vs laser",
            laser.outcome_scale if laser else "gb_qualitative",
            laser,
            True,
            difference=True,
        )
    )
    pooled = next(
        (
            s
            for s in ctx.safety_pooled
            if s.outcome == "pih" and s.stratum_kind == "all" and s.stratum_value == "all"
        ),
        None,
    )
    rows.append(_pih_row(ctx, "all types", pooled))
    return tuple(rows)


def _comparison(ctx: ReportContext, label: str, scale: str | None) -> PooledStratum | None:
    """A pooled comparison; without ``scale``, the scale with the most studies."""
    found = [
        c
        for c in ctx.comparisons
        if c.stratum_value == label and (scale is None or c.outcome_scale == scale)
    ]
    return max(found, key=lambda c: c.k_studies, default=None)


def _most_studies(results: Sequence[_R]) -> _R | None:
    """The result with the most studies (ties: the first, in the warehouse's order)."""
    best = None
    for r in results:
        if best is None or r.k_studies > best.k_studies:
            best = r
    return best


def _not_rated(comparison: str, outcome: str, scale: str, why: str) -> SofRow:
    return SofRow(
        comparison,
        outcome,
        scale,
        0,
        0,
        f"{f.DASH} ({why})",
        f.DASH,
        None,
        None,
        None,
        None,
        None,
        "not rated",
        f.DASH,
        why,
        (),
        f.DASH,
        "",
        False,
    )


def _rated(
    ctx: ReportContext,
    comparison: str,
    outcome: str,
    evidence: Evidence,
    studies: Sequence[StudyEffect],
    *,
    effect: str,
    prediction: str,
    values: tuple[float | None, ...],
    anchor: str,
) -> SofRow:
    certainty = rate_certainty(evidence)
    estimate, ci_lb, ci_ub, pi_lb, pi_ub = values
    return SofRow(
        comparison=comparison,
        outcome=outcome,
        outcome_scale=evidence.outcome_scale,
        k_studies=evidence.k,
        n_patients=evidence.n,
        effect=effect,
        prediction=prediction,
        estimate=estimate,
        ci_lb=ci_lb,
        ci_ub=ci_ub,
        pi_lb=pi_lb,
        pi_ub=pi_ub,
        certainty=certainty.level,
        start=certainty.start,
        start_reason=certainty.start_reason,
        downgrades=tuple((d.domain, d.levels, d.reason) for d in certainty.downgrades),
        egger="not performed for proportions and odds ratios here",
        anchor=anchor,
        synthetic=ctx.synthetic,
    )


def _responder_row(ctx: ReportContext, intervention: str) -> SofRow:
    best = _most_studies(
        [r for r in ctx.responders if r.intervention == intervention and r.baseline_grade is None]
    )
    comparison = f"{f.intervention_label(intervention)} alone (single-arm)"
    if best is None or best.proportion is None:
        return _not_rated(comparison, "Responders", "responders", "no study reported responders")
    designs, risks, weights = _study_facts(ctx, best.studies)
    evidence = Evidence(
        outcome_scale="responders",
        k=best.k_studies,
        n=best.n_patients,
        estimate=best.proportion,
        ci_lb=best.ci_lb,
        ci_ub=best.ci_ub,
        pi_lb=best.pi_lb,
        pi_ub=best.pi_ub,
        i2=best.i2,
        designs=designs,
        risks_of_bias=risks,
        weights=weights,
        is_comparative=False,
        null_value=None,  # a single-arm proportion has no "no effect" value
    )
    return _rated(
        ctx,
        comparison,
        f"Responders: {definition_label(best.responder_definition)} (proportion)",
        evidence,
        best.studies,
        effect=f"{f.fmt_rate_ci(best.proportion, best.ci_lb, best.ci_ub)} "
        f"({best.events}/{best.n_patients})",
        prediction=f"[{f.fmt_rate(best.pi_lb)}, {f.fmt_rate(best.pi_ub)}]"
        if f.is_number(best.pi_lb)
        else f"{f.DASH} (single study)",
        values=(best.proportion, best.ci_lb, best.ci_ub, best.pi_lb, best.pi_ub),
        anchor=best.anchor,
    )


def _odds_ratio_row(ctx: ReportContext, intervention: str, comparator: str) -> SofRow:
    comparison = (
        f"{f.intervention_label(intervention)} vs {f.intervention_label(comparator).lower()} alone"
    )
    best = _most_studies(
        [r for r in ctx.odds_ratios if (r.intervention, r.comparator) == (intervention, comparator)]
    )
    if best is None or best.log_or is None:
        return _not_rated(
            comparison,
            "Responding (odds ratio)",
            "log_odds_ratio",
            "no study reported responders in both arms",
        )
    designs, risks, weights = _study_facts(ctx, best.studies)
    log = [
        None if v is None else math.log(v) for v in (best.ci_lb, best.ci_ub, best.pi_lb, best.pi_ub)
    ]
    evidence = Evidence(
        outcome_scale="log_odds_ratio",
        k=best.k_studies,
        n=best.n_patients,
        estimate=best.log_or,
        ci_lb=log[0],
        ci_ub=log[1],
        pi_lb=log[2],
        pi_ub=log[3],
        i2=best.i2,
        designs=designs,
        risks_of_bias=risks,
        weights=weights,
        is_comparative=True,
    )
    return _rated(
        ctx,
        comparison,
        f"Responding: {definition_label(best.responder_definition)} (odds ratio)",
        evidence,
        best.studies,
        effect=f"OR {f.fmt_estimate(best.odds_ratio, best.ci_lb, best.ci_ub)} "
        f"({best.events_treatment}/{best.n_treatment} vs "
        f"{best.events_comparator}/{best.n_comparator})",
        prediction=f.fmt_ci(best.pi_lb, best.pi_ub)
        if f.is_number(best.pi_lb)
        else f"{f.DASH} (single study)",
        values=(best.odds_ratio, best.ci_lb, best.ci_ub, best.pi_lb, best.pi_ub),
        anchor=best.anchor,
    )


def _find(strata: Sequence[PooledStratum], intervention: str, scale: str) -> PooledStratum | None:
    return next(
        (s for s in strata if s.intervention == intervention and s.outcome_scale == scale), None
    )


def _study_facts(
    ctx: ReportContext, studies: Sequence[StudyEffect]
) -> tuple[list[str | None], list[str | None], list[float | None]]:
    known = {s.study_id: s for s in ctx.studies}
    pooled = [s for s in studies if s.weight_pct is not None]
    designs = [
        s.design or (known[s.study_id].design if s.study_id in known else None) for s in pooled
    ]
    risks = [
        s.risk_of_bias or (known[s.study_id].risk_of_bias if s.study_id in known else None)
        for s in pooled
    ]
    return designs, risks, [s.weight_pct for s in pooled]


def _egger(ctx: ReportContext, studies: Sequence[StudyEffect]) -> tuple[float | None, str]:
    pooled = [s for s in studies if s.weight_pct is not None and s.vi > 0]
    if len(pooled) < EGGER_MIN_K:
        return None, f"not performed (k = {len(pooled)} < {EGGER_MIN_K})"
    try:
        test = egger_test(
            [s.yi for s in pooled], [s.vi for s in pooled], method=ctx.method, test=ctx.test
        )
    except (ValueError, ArithmeticError) as exc:
        return None, f"{f.DASH} (could not be computed: {exc})"
    return test.pval, f"p = {f.fmt_num(test.pval, 3)} (k = {len(pooled)})"


def _pooled_row(
    ctx: ReportContext,
    comparison: str,
    scale: str,
    stratum: PooledStratum | None,
    comparative: bool,
    *,
    difference: bool = False,
) -> SofRow:
    named = OUTCOMES.get(scale, f"Improvement, {f.scale_label(scale)}")
    outcome = named.replace("Improvement", "Difference in improvement") if difference else named
    if stratum is None or stratum.k_studies == 0 or not f.is_number(stratum.mean_change):
        why = (
            "no study compared both arms on this scale"
            if difference
            else "no study with a usable mean change and SD"
        )
        return _not_rated(comparison, outcome, scale, why)
    designs, risks, weights = _study_facts(ctx, stratum.studies)
    egger_p, egger_text = _egger(ctx, stratum.studies)
    certainty = rate_certainty(
        Evidence(
            outcome_scale=scale,
            k=stratum.k_studies,
            n=stratum.n_patients,
            estimate=stratum.mean_change,
            ci_lb=stratum.ci_lb,
            ci_ub=stratum.ci_ub,
            pi_lb=stratum.pi_lb,
            pi_ub=stratum.pi_ub,
            i2=stratum.i2,
            i2_ci_lb=stratum.i2_ci_lb,
            i2_ci_ub=stratum.i2_ci_ub,
            designs=designs,
            risks_of_bias=risks,
            weights=weights,
            is_comparative=comparative,
            egger_pval=egger_p,
        )
    )
    unit = UNITS.get(scale, "")
    effect = f"{f.fmt_estimate(stratum.mean_change, stratum.ci_lb, stratum.ci_ub)} {unit}".strip()
    prediction = (
        f.fmt_ci(stratum.pi_lb, stratum.pi_ub)
        if f.is_number(stratum.pi_lb)
        else f"{f.DASH} (single study)"
    )
    return SofRow(
        comparison=comparison,
        outcome=outcome,
        outcome_scale=scale,
        k_studies=stratum.k_studies,
        n_patients=stratum.n_patients,
        effect=effect,
        prediction=prediction,
        estimate=stratum.mean_change,
        ci_lb=stratum.ci_lb,
        ci_ub=stratum.ci_ub,
        pi_lb=stratum.pi_lb,
        pi_ub=stratum.pi_ub,
        certainty=certainty.level,
        start=certainty.start,
        start_reason=certainty.start_reason,
        downgrades=tuple((d.domain, d.levels, d.reason) for d in certainty.downgrades),
        egger=egger_text,
        anchor=stratum.anchor,
        synthetic=any(s.origin in {"synthetic", "mixed"} for s in stratum.studies),
    )


def _pih_row(ctx: ReportContext, group: str, pooled: SafetyPooled | None) -> SofRow:
    where = "all skin types" if group == "all types" else f"Fitzpatrick {group}"
    comparison = f"Active microneedling arms, {where}"
    anchor = "safety-pih-all" if group == "all types" else f"safety-pih-skin-group-{group.lower()}"
    outcome = "Post-inflammatory hyperpigmentation (proportion of treated)"
    if pooled is None or pooled.estimate is None:
        why = "no study reported PIH for this group"
        return _not_rated(comparison, outcome, "pih", why)
    designs, risks, weights = _study_facts(ctx, pooled.studies)
    certainty = rate_certainty(
        Evidence(
            outcome_scale="pih",
            k=pooled.k_studies,
            n=pooled.n,
            estimate=pooled.estimate,
            ci_lb=pooled.ci_lb,
            ci_ub=pooled.ci_ub,
            pi_lb=pooled.pi_lb,
            pi_ub=pooled.pi_ub,
            i2=pooled.i2,
            i2_ci_lb=pooled.i2_ci_lb,
            i2_ci_ub=pooled.i2_ci_ub,
            designs=designs,
            risks_of_bias=risks,
            weights=weights,
            is_comparative=False,
            null_value=None,  # a single-arm proportion has no "no effect" value
        )
    )
    return SofRow(
        comparison=comparison,
        outcome=outcome,
        outcome_scale="pih",
        k_studies=pooled.k_studies,
        n_patients=pooled.n,
        effect=f"{f.fmt_rate_ci(pooled.estimate, pooled.ci_lb, pooled.ci_ub)} "
        f"({pooled.events}/{pooled.n})",
        prediction=f"[{f.fmt_rate(pooled.pi_lb)}, {f.fmt_rate(pooled.pi_ub)}]"
        if f.is_number(pooled.pi_lb)
        else f"{f.DASH} (single study)",
        estimate=pooled.estimate,
        ci_lb=pooled.ci_lb,
        ci_ub=pooled.ci_ub,
        pi_lb=pooled.pi_lb,
        pi_ub=pooled.pi_ub,
        certainty=certainty.level,
        start=certainty.start,
        start_reason=certainty.start_reason,
        downgrades=tuple((d.domain, d.levels, d.reason) for d in certainty.downgrades),
        egger="not applicable to a single-arm proportion",
        anchor=anchor,
        synthetic=any(s.origin in {"synthetic", "mixed"} for s in pooled.studies),
    )
