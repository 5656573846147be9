"""The Summary-of-Findings rows (GRADE style), built from a ReportContext (pure).

At most seven rows (Cochrane Handbook 14.1): improvement with microneedling alone on both
Goodman-Baron scales, combination therapies against microneedling alone, and PIH by
Fitzpatrick group. Each row's certainty comes from :mod:`evidence.reporting.grade`.
"""

from __future__ import annotations

from collections.abc import Sequence

from evidence.reporting import formatting as f
from evidence.reporting.context import (
    PooledStratum,
    ReportContext,
    SafetyPooled,
    SofRow,
    StudyEffect,
)
from evidence.reporting.grade import EGGER_MIN_K, Evidence, rate_certainty
from evidence.synthesis.bias import egger_test

UNITS = {"gb_qualitative": "grades", "gb_quantitative": "points"}
OUTCOMES = {
    "gb_qualitative": "Improvement, Goodman–Baron grade (1–4)",
    "gb_quantitative": "Improvement, Goodman–Baron score (0–84)",
}
SOF_COMPARISONS = (
    ("microneedling_prp", "gb_qualitative"),
    ("microneedling_prp", "gb_quantitative"),
    ("microneedling_tca", "gb_qualitative"),
)
PIH_GROUPS = ("I-III", "IV-VI")


def build_sof(ctx: ReportContext) -> tuple[SofRow, ...]:
    rows: list[SofRow] = []
    for scale in ("gb_qualitative", "gb_quantitative"):
        stratum = _find(ctx.overall, "microneedling", scale)
        rows.append(
            _pooled_row(ctx, "Microneedling alone (before vs after)", scale, stratum, False)
        )
    for intervention, scale in SOF_COMPARISONS:
        stratum = _find(ctx.comparisons, intervention, scale)
        label = f"{f.intervention_label(intervention)} vs microneedling alone"
        rows.append(_pooled_row(ctx, label, scale, stratum, True, difference=True))
    for group in PIH_GROUPS:
        pooled = next(
            (
                s
                for s in ctx.safety_pooled
                if s.outcome == "pih"
                and s.stratum_kind == "skin_group"
                and s.stratum_value == group
            ),
            None,
        )
        rows.append(_pih_row(ctx, group, pooled))
    return tuple(rows)


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
    outcome = (
        OUTCOMES[scale]
        if not difference
        else OUTCOMES[scale].replace("Improvement", "Difference in improvement")
    )
    if stratum is None or stratum.k_studies == 0 or not f.is_number(stratum.mean_change):
        why = (
            "no study compared both arms on this scale"
            if difference
            else "no study with a usable mean change and SD"
        )
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
            f"{f.DASH}",
            "",
            False,
        )
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
    comparison = f"Active microneedling arms, Fitzpatrick {group}"
    outcome = "Post-inflammatory hyperpigmentation (proportion of treated)"
    if pooled is None or pooled.estimate is None:
        why = "no study reported PIH for this group"
        return SofRow(
            comparison,
            outcome,
            "pih",
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
        anchor=f"safety-pih-skin-group-{group.lower()}",
        synthetic=any(s.origin in {"synthetic", "mixed"} for s in pooled.studies),
    )
