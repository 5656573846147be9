"""Forest plots of the responder proportions and the within-study odds ratios.

Drawn by :func:`evidence.reporting.forest.render_forest_svg` from adapters that present a
pooled proportion or odds ratio as a :class:`PooledStratum`. A plot is drawn for every
pooled result of at least ``MIN_PLOTTED`` studies over all grades; every result, and every
study row, is tabulated in the report and its CSV tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from evidence.reporting import formatting as f
from evidence.reporting.context import PooledStratum
from evidence.reporting.evidence_records import OddsRatioResult, ResponderResult
from evidence.reporting.forest import render_forest_svg

MIN_PLOTTED = 2
DEFINITIONS = {
    "gb_grade_ge1": "improved ≥ 1 Goodman–Baron grade",
    "gb_grade_ge2": "improved ≥ 2 grades",
    "score_reduction_ge50pct": "score reduced ≥ 50%",
    "investigator_good_or_better": "good or excellent improvement (investigator)",
    "other": "other definitions (see the study rows)",
}


def definition_label(code: str) -> str:
    return DEFINITIONS.get(code, code)


@dataclass(frozen=True)
class EvidenceFigure:
    anchor: str
    title: str
    svg: Markup


def _as_stratum(
    kind: str,
    value: str,
    intervention: str,
    r: ResponderResult | OddsRatioResult,
    estimate: float | None,
) -> PooledStratum:
    nan = float("nan")
    return PooledStratum(
        stratum_kind=kind,
        stratum_value=value,
        intervention=intervention,
        outcome_scale="responders",
        k_studies=r.k_studies,
        n_patients=r.n_patients,
        mean_change=nan if estimate is None else estimate,
        se=nan,
        ci_lb=nan if r.ci_lb is None else r.ci_lb,
        ci_ub=nan if r.ci_ub is None else r.ci_ub,
        tau2=r.tau2,
        i2=r.i2,
        pi_lb=r.pi_lb,
        pi_ub=r.pi_ub,
        responder_rate=None,
        method=r.method,
        studies=r.studies,
    )


def responder_figures(results: tuple[ResponderResult, ...]) -> list[EvidenceFigure]:
    figures = []
    for r in results:
        if r.baseline_grade is not None or r.k_studies < MIN_PLOTTED or not r.studies:
            continue
        title = (
            f"{f.intervention_label(r.intervention)} · {definition_label(r.responder_definition)}"
        )
        stratum = _as_stratum("responders", r.responder_definition, r.intervention, r, r.proportion)
        svg = render_forest_svg(
            r.studies,
            stratum,
            xlabel="Proportion of responders",
            title=title,
            null_value=0.5,
            effect_header="Proportion [95% CI]",
        )
        # Safe to mark: built by forest.py, which escapes every text it writes.
        figures.append(EvidenceFigure(anchor=r.anchor, title=title, svg=Markup(svg)))
    return figures


def odds_ratio_figures(results: tuple[OddsRatioResult, ...]) -> list[EvidenceFigure]:
    figures = []
    for r in results:
        if r.k_studies < MIN_PLOTTED or not r.studies:
            continue
        title = (
            f"{f.intervention_label(r.intervention)} vs {f.intervention_label(r.comparator)} · "
            f"{definition_label(r.responder_definition)}"
        )
        stratum = _as_stratum("odds-ratio", r.comparator, r.intervention, r, r.odds_ratio)
        svg = render_forest_svg(
            r.studies,
            stratum,
            xlabel=f"Odds ratio of responding (> 1 favours {f.intervention_label(r.intervention)})",
            title=title,
            null_value=1.0,
            effect_header="Odds ratio [95% CI]",
            log_x=True,
        )
        figures.append(EvidenceFigure(anchor=r.anchor, title=title, svg=Markup(svg)))
    return figures
