"""The report's tables (pure rows here; ``render.write_report`` writes them as CSV, with
``csv_text.to_csv``, which makes formula-like text inert)."""

from __future__ import annotations

from collections.abc import Iterable

from evidence.reporting.context import PooledStratum, ReportContext
from evidence.reporting.data_quality import data_quality_tables
from evidence.reporting.evidence_tables import evidence_tables

Table = tuple[tuple[str, ...], list[tuple[object, ...]]]


def _strata(strata: Iterable[PooledStratum]) -> list[tuple[object, ...]]:
    return [
        (
            s.anchor,
            s.stratum_kind,
            s.stratum_value,
            s.intervention,
            s.outcome_scale,
            s.k_studies,
            s.n_patients,
            s.mean_change,
            s.se,
            s.ci_lb,
            s.ci_ub,
            s.pi_lb,
            s.pi_ub,
            s.tau2,
            s.i2,
            s.i2_ci_lb,
            s.i2_ci_ub,
            s.qe,
            s.qe_p,
            s.responder_rate,
            s.method,
        )
        for s in strata
    ]


STRATA_HEADER = (
    "pooled_id",
    "stratum_kind",
    "stratum_value",
    "intervention",
    "outcome_scale",
    "k_studies",
    "n_patients",
    "estimate",
    "se",
    "ci_lb",
    "ci_ub",
    "pi_lb",
    "pi_ub",
    "tau2",
    "i2",
    "i2_ci_lb",
    "i2_ci_ub",
    "qe",
    "qe_p",
    "responder_rate",
    "method",
)


def report_tables(ctx: ReportContext) -> dict[str, Table]:
    """File stem -> (header, rows) for every table of the report."""
    every = (*ctx.overall, *ctx.by_severity, *ctx.by_skin_type, *ctx.by_skin_group)
    return {
        **evidence_tables(ctx),
        **data_quality_tables(ctx),
        "summary_of_findings": (
            (
                "comparison",
                "outcome",
                "outcome_scale",
                "k_studies",
                "n_patients",
                "estimate",
                "ci_lb",
                "ci_ub",
                "pi_lb",
                "pi_ub",
                "certainty",
                "start",
                "downgrades",
                "egger",
                "pooled_id",
            ),
            [
                (
                    r.comparison,
                    r.outcome,
                    r.outcome_scale,
                    r.k_studies,
                    r.n_patients,
                    r.estimate,
                    r.ci_lb,
                    r.ci_ub,
                    r.pi_lb,
                    r.pi_ub,
                    r.certainty,
                    r.start,
                    "; ".join(f"{d} -{n}: {why}" for d, n, why in r.downgrades if n),
                    r.egger,
                    r.anchor,
                )
                for r in ctx.sof
            ],
        ),
        "pooled_improvement": (STRATA_HEADER, _strata(every)),
        "comparisons": (STRATA_HEADER, _strata(ctx.comparisons)),
        "study_rows": (
            (
                "pooled_id",
                "study_id",
                "evidence_source",
                "origin",
                "n",
                "yi",
                "vi",
                "ci_lb",
                "ci_ub",
                "weight_pct",
                "design",
                "risk_of_bias",
            ),
            [
                (
                    s.anchor,
                    e.study_id,
                    e.evidence_source,
                    e.origin,
                    e.n,
                    e.yi,
                    e.vi,
                    e.ci_lb,
                    e.ci_ub,
                    e.weight_pct,
                    e.design,
                    e.risk_of_bias,
                )
                for s in (*every, *ctx.comparisons)
                for e in s.studies
            ],
        ),
        "subgroup_tests": (
            (
                "stratification",
                "intervention",
                "outcome_scale",
                "n_subgroups",
                "subgroups",
                "q_between",
                "df",
                "pval",
                "note",
            ),
            [
                (
                    t.stratification,
                    t.intervention,
                    t.outcome_scale,
                    t.n_subgroups,
                    t.subgroups,
                    t.q_between,
                    t.df,
                    t.pval,
                    t.note,
                )
                for t in ctx.subgroup_tests
            ],
        ),
        "meta_regression": (
            (
                "intervention",
                "outcome_scale",
                "moderator",
                "k",
                "status",
                "intercept",
                "slope",
                "slope_ci_lb",
                "slope_ci_ub",
                "slope_pval",
                "tau2",
            ),
            [
                (
                    m.intervention,
                    m.outcome_scale,
                    m.moderator,
                    m.k,
                    m.status,
                    m.intercept,
                    m.slope,
                    m.slope_ci_lb,
                    m.slope_ci_ub,
                    m.slope_pval,
                    m.tau2,
                )
                for m in ctx.meta_regressions
            ],
        ),
        "safety": (
            (
                "outcome",
                "stratum_kind",
                "stratum_value",
                "k_studies",
                "events",
                "n",
                "estimate",
                "ci_lb",
                "ci_ub",
                "pi_lb",
                "pi_ub",
                "i2",
                "i2_ci_lb",
                "i2_ci_ub",
                "method",
            ),
            [
                (
                    s.outcome,
                    s.stratum_kind,
                    s.stratum_value,
                    s.k_studies,
                    s.events,
                    s.n,
                    s.estimate,
                    s.ci_lb,
                    s.ci_ub,
                    s.pi_lb,
                    s.pi_ub,
                    s.i2,
                    s.i2_ci_lb,
                    s.i2_ci_ub,
                    s.method,
                )
                for s in ctx.safety_pooled
            ],
        ),
        "adverse_events": (
            ("study_id", "intervention", "origin", "adverse_events"),
            [(a.study_id, a.intervention, a.origin, a.text) for a in ctx.adverse_events],
        ),
        "studies": (
            (
                "study_id",
                "origin",
                "design",
                "risk_of_bias",
                "risk_of_bias_reason",
                "citation",
                "source_url",
                "source_files",
                "sha256",
            ),
            [
                (
                    s.study_id,
                    s.origin,
                    s.design,
                    s.risk_of_bias,
                    s.risk_of_bias_reason,
                    s.citation,
                    s.source_url,
                    " ".join(f for f, _ in s.files),
                    " ".join(h for _, h in s.files),
                )
                for s in ctx.studies
            ],
        ),
        "data_flow": (
            ("step", "count", "detail"),
            [(c.label, c.count, c.detail) for c in ctx.data_flow],
        ),
        "changes": (
            (
                "pooled",
                "intervention",
                "outcome_scale",
                "status",
                "k_before",
                "k_after",
                "before",
                "after",
            ),
            [
                (
                    c.label,
                    c.intervention,
                    c.outcome_scale,
                    c.status,
                    c.k_before,
                    c.k_after,
                    c.before,
                    c.after,
                )
                for c in ctx.estimate_changes
            ],
        ),
        "rho_sensitivity": (
            (
                "rho",
                "intervention",
                "outcome_scale",
                "stratum",
                "k_studies",
                "k_imputed",
                "estimate",
                "ci_lb",
                "ci_ub",
                "i2",
                "i2_ci_lb",
                "i2_ci_ub",
            ),
            [
                (
                    r.rho,
                    r.intervention,
                    r.outcome_scale,
                    r.stratum,
                    r.k_studies,
                    r.k_imputed,
                    r.mean_change,
                    r.ci_lb,
                    r.ci_ub,
                    r.i2,
                    r.i2_ci_lb,
                    r.i2_ci_ub,
                )
                for r in ctx.rho_sensitivity
            ],
        ),
    }
