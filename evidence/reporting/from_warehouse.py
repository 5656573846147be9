"""Read a published warehouse into a :class:`ReportContext` (read-only, no rendering)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from evidence.reporting import analyses
from evidence.reporting._rows import records
from evidence.reporting.context import (
    Citation,
    PooledStratum,
    QuarantineCount,
    ReportContext,
    SafetyRow,
    SourceFile,
    StudyEffect,
)
from evidence.reporting.plain import plain_summary
from evidence.reporting.sof import build_sof
from evidence.warehouse.connect import connect_read

GROUP = ("stratum_kind", "stratum_value", "intervention", "outcome_scale")
SEVERITY_ORDER = {"1": 1, "2": 2, "3": 3, "4": 4}
FITZ_ORDER = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6}
SCALE_NAMES = {
    "gb_qualitative": "Goodman–Baron grade (1–4)",
    "gb_quantitative": "Goodman–Baron score (0–84)",
    "ecca": "ECCA score (0–540)",
}


def _records(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    return records(con, sql, params)


def read_report_context(
    warehouse: Path, run_id: str, *, method: str, test: str, rho: float, versions: dict[str, str]
) -> ReportContext:
    with connect_read(warehouse) as con:
        sources = tuple(
            SourceFile(
                source_file=r["source_file"],
                sha256=r["sha256"],
                kind=r["layout"] or "unknown",
                origin=r["data_origin"] or "unknown",
                rows_in=r["rows_in"],
                rows_loaded=r["rows_loaded"],
                rows_quarantined=r["rows_quarantined"],
                status=r["status"],
                loaded_at=r["loaded_at"].astimezone(UTC).isoformat(timespec="seconds"),
                message=r["message"] or "",
            )
            for r in _records(con, "select * from ingest_log order by source_file, loaded_at")
        )
        quarantine = tuple(
            QuarantineCount(**r)
            for r in _records(
                con,
                """
                select source_file, rule, coalesce(column_name, '') as column_name,
                       count(distinct row_number)::integer as rows, min(message) as example
                from quarantine group by all order by source_file, rule, column_name
                """,
            )
        )
        studies = _records(con, "select * from fct_study_weights order by study_id")
        pooled = _records(con, "select * from fct_pooled_improvement")
        by_group: dict[tuple[str, ...], list[StudyEffect]] = {}
        for s in studies:
            label = f"{s['study_id']} ({s['evidence_source'].replace('_', '-')}, n={s['n']})"
            if s["exclusion_reason"]:
                label += f" — not pooled: {s['exclusion_reason']}"
            if s["yi"] is None or s["vi"] is None:
                continue
            by_group.setdefault(tuple(s[k] for k in GROUP), []).append(
                StudyEffect(
                    study_id=s["study_id"],
                    label=label,
                    origin=s["data_origin"] or "unknown",
                    n=int(s["n"]),
                    yi=s["yi"],
                    vi=s["vi"],
                    ci_lb=s["ci_lb"],
                    ci_ub=s["ci_ub"],
                    weight_pct=s["weight_pct"],
                    design=s.get("design"),
                    risk_of_bias=s.get("risk_of_bias"),
                    evidence_source=s["evidence_source"] or "",
                )
            )
        strata = [
            PooledStratum(
                stratum_kind=p["stratum_kind"],
                stratum_value=p["stratum_value"],
                intervention=p["intervention"],
                outcome_scale=p["outcome_scale"],
                k_studies=int(p["k_studies"]),
                n_patients=int(p["n_patients"]),
                mean_change=p["mean_change"],
                se=p["se"],
                ci_lb=p["ci_lb"],
                ci_ub=p["ci_ub"],
                tau2=p["tau2"],
                i2=p["i2"],
                pi_lb=p["pi_lb"],
                pi_ub=p["pi_ub"],
                responder_rate=p["responder_rate"],
                method=p["method"],
                studies=tuple(by_group.get(tuple(p[k] for k in GROUP), ())),
                qe=p.get("qe"),
                qe_p=p.get("qe_p"),
                i2_ci_lb=p.get("i2_ci_lb"),
                i2_ci_ub=p.get("i2_ci_ub"),
            )
            for p in pooled
            if p["mean_change"] is not None
        ]
        safety = tuple(
            SafetyRow(
                fitzpatrick_type=r["fitzpatrick_type"],
                n_patients=int(r["n_sides"]),
                erythema_days_mean=r["erythema_days_mean"],
                erythema_days_sd=r["erythema_days_sd"],
                pih_events=int(r["pih_events"]),
                pih_n=int(r["pih_n"]),
                pih_rate=r["pih_rate"],
                pih_ci_lb=r["pih_ci_lb"],
                pih_ci_ub=r["pih_ci_ub"],
            )
            for r in sorted(
                _records(
                    con, "select * from safety_by_skin_type where intervention = 'all_active'"
                ),
                key=lambda r: FITZ_ORDER.get(r["fitzpatrick_type"], 9),
            )
        )
        extra = analyses.read_analyses(con, run_id)
        citations = tuple(
            Citation(**r)
            for r in _records(
                con,
                """
                select study_id, any_value(data_origin) as origin, any_value(citation) as citation,
                       any_value(source_url) as source_url
                from study_arms group by study_id
                union all
                select study_id, any_value(data_origin),
                       'Patient-level rows from ' || string_agg(distinct source_file, ', '),
                       'file:' || any_value(source_file)
                from patient_outcomes group by study_id
                order by study_id
                """,
            )
        )
    ctx = ReportContext(
        run_id=run_id,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        warehouse_path=str(warehouse),
        method=method,
        test=test,
        rho=rho,
        versions=versions,
        sources=sources,
        quarantine=quarantine,
        overall=tuple(_sorted(s for s in strata if s.stratum_kind == "all")),
        by_severity=tuple(_sorted(s for s in strata if s.stratum_kind == "severity")),
        by_skin_type=tuple(_sorted(s for s in strata if s.stratum_kind == "skin_type")),
        by_skin_group=tuple(_sorted(s for s in strata if s.stratum_kind == "skin_group")),
        safety=safety,
        citations=citations,
        **extra,
    )
    ctx = replace(ctx, sof=build_sof(ctx))
    ctx = replace(ctx, plain_summary=plain_summary(ctx))
    return _with_summary(ctx)


def _sorted(strata: Any) -> list[PooledStratum]:
    def key(s: PooledStratum) -> tuple[object, ...]:
        order = SEVERITY_ORDER.get(s.stratum_value) or FITZ_ORDER.get(s.stratum_value, 0)
        return (
            s.outcome_scale,
            s.intervention != "microneedling",
            s.intervention,
            order,
            s.stratum_value,
        )

    return sorted(strata, key=key)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _find(strata: tuple[PooledStratum, ...], value: str | None = None) -> list[PooledStratum]:
    return [
        s
        for s in strata
        if s.intervention == "microneedling"
        and s.outcome_scale == "gb_qualitative"
        and (value is None or s.stratum_value == value)
    ]


def summary_lines(ctx: ReportContext) -> tuple[str, ...]:
    """Five lines generated from the numbers (no hand-written claims)."""
    current = [s for s in ctx.sources if s.status != "superseded"]
    rows_loaded = sum(s.rows_loaded for s in current)
    rows_q = sum(s.rows_quarantined for s in current)
    synthetic = any(s.origin in {"synthetic", "mixed"} for s in current)
    lines = [
        f"Warehouse: {len(current)} source files, {rows_loaded} rows loaded, "
        f"{rows_q} rows quarantined"
        + (" — contains SYNTHETIC data, not evidence." if synthetic else "."),
    ]
    overall = _find(ctx.overall)
    if overall:
        o = overall[0]
        lines.append(
            f"Microneedling alone, Goodman–Baron grade: mean improvement {_fmt(o.mean_change)} "
            f"[95% CI {_fmt(o.ci_lb)} to {_fmt(o.ci_ub)}], k={o.k_studies} studies, "
            f"n={o.n_patients} ({o.method})."
        )
    else:
        lines.append("Microneedling alone, Goodman–Baron grade: no poolable data.")
    severity = _find(ctx.by_severity)
    lines.append(
        "By baseline grade: "
        + (
            "; ".join(
                f"grade {s.stratum_value} {_fmt(s.mean_change)} (k={s.k_studies})" for s in severity
            )
            if severity
            else "no stratified data"
        )
        + "."
    )
    skin = _find(ctx.by_skin_type)
    lines.append(
        "By skin type: "
        + (
            "; ".join(f"{s.stratum_value} {_fmt(s.mean_change)}" for s in skin)
            if skin
            else "no stratified data"
        )
        + "."
    )

    def rate(types: set[str]) -> str:
        rows = [r for r in ctx.safety if r.fitzpatrick_type in types]
        events, n = sum(r.pih_events for r in rows), sum(r.pih_n for r in rows)
        return f"{100 * events / n:.1f}% ({events}/{n})" if n else "—"

    lines.append(
        f"PIH after active treatment: types I–III {rate({'I', 'II', 'III'})}, "
        f"types IV–VI {rate({'IV', 'V', 'VI'})}."
    )
    return tuple(lines)


def _with_summary(ctx: ReportContext) -> ReportContext:
    return replace(ctx, summary_lines=summary_lines(ctx))
