"""The CSV tables of what the literature reports (``report_tables`` adds them)."""

from __future__ import annotations

from dataclasses import astuple, fields

from evidence.reporting.context import ReportContext
from evidence.reporting.evidence_records import (
    EvidenceMapRow,
    ExternalEstimate,
    SkinClassRow,
)

Table = tuple[tuple[str, ...], list[tuple[object, ...]]]


def _flat(record_type: type, rows: tuple[object, ...]) -> Table:
    """Every field of a flat record type as a column."""
    return tuple(f.name for f in fields(record_type)), [astuple(r) for r in rows]  # type: ignore[arg-type]


def evidence_tables(ctx: ReportContext) -> dict[str, Table]:
    responder_header = (
        "pooled_id",
        "intervention",
        "baseline_grade",
        "responder_definition",
        "k_studies",
        "n_patients",
        "events",
        "proportion",
        "ci_lb",
        "ci_ub",
        "pi_lb",
        "pi_ub",
        "tau2",
        "i2",
        "method",
    )
    odds_header = (
        "pooled_id",
        "intervention",
        "comparator",
        "responder_definition",
        "k_studies",
        "n_patients",
        "events_treatment",
        "n_treatment",
        "events_comparator",
        "n_comparator",
        "odds_ratio",
        "ci_lb",
        "ci_ub",
        "pi_lb",
        "pi_ub",
        "tau2",
        "i2",
        "method",
    )
    rob_header = ("study_id", "tool", "domain", "judgement", "support", "overall")
    return {
        "responders": (
            responder_header,
            [
                (
                    r.anchor,
                    r.intervention,
                    r.baseline_grade,
                    r.responder_definition,
                    r.k_studies,
                    r.n_patients,
                    r.events,
                    r.proportion,
                    r.ci_lb,
                    r.ci_ub,
                    r.pi_lb,
                    r.pi_ub,
                    r.tau2,
                    r.i2,
                    r.method,
                )
                for r in ctx.responders
            ],
        ),
        "responder_study_rows": (
            ("pooled_id", "study_id", "label", "n", "proportion", "ci_lb", "ci_ub", "weight_pct"),
            [
                (r.anchor, s.study_id, s.label, s.n, s.yi, s.ci_lb, s.ci_ub, s.weight_pct)
                for r in ctx.responders
                for s in r.studies
            ],
        ),
        "odds_ratios": (
            odds_header,
            [
                (
                    r.anchor,
                    r.intervention,
                    r.comparator,
                    r.responder_definition,
                    r.k_studies,
                    r.n_patients,
                    r.events_treatment,
                    r.n_treatment,
                    r.events_comparator,
                    r.n_comparator,
                    r.odds_ratio,
                    r.ci_lb,
                    r.ci_ub,
                    r.pi_lb,
                    r.pi_ub,
                    r.tau2,
                    r.i2,
                    r.method,
                )
                for r in ctx.odds_ratios
            ],
        ),
        "evidence_map": _flat(EvidenceMapRow, ctx.evidence_map),
        "skin_type_populations": _flat(SkinClassRow, ctx.skin_classes),
        "risk_of_bias": (
            rob_header,
            [
                (r.study_id, r.tool, domain, judgement, support, r.overall)
                for r in ctx.risk_of_bias
                for domain, judgement, support in r.domains
            ],
        ),
        "published_meta_analyses": _flat(ExternalEstimate, ctx.external),
    }
