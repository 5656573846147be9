"""Read a published warehouse into a :class:`ReportContext` (read-only, no rendering)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

import duckdb

from evidence.heap import collection_paused
from evidence.reporting import analyses, read_evidence
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
from evidence.reporting.data_quality import read_data_quality
from evidence.reporting.partition import has_partition, restrict_to_partition
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


def _study_effects(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, ...], list[StudyEffect]]:
    """The forest plots' rows by pooled group (``GROUP``), in study order: only the columns
    they show and only rows with an effect. A registry has a row per study and stratum
    (~170,000 at 1,000 studies): the label, the defaults and the NaN-to-None of the optional
    numbers are computed by DuckDB, the rows come sorted by group and fetched a column at a
    time, and each group is one run of them."""
    finite = [f"case when isfinite({c}) then {c} end" for c in ("ci_lb", "ci_ub", "weight_pct")]
    table = con.sql(
        f"""
        select {", ".join(GROUP)}, study_id,
            study_id || ' (' || replace(evidence_source, '_', '-') || ', n=' || n || ')'
                || case when coalesce(exclusion_reason, '') <> ''
                    then ' — not pooled: ' || exclusion_reason else '' end,
            coalesce(nullif(data_origin, ''), 'unknown'), n, yi, vi, {", ".join(finite)},
            design, risk_of_bias, coalesce(evidence_source, '')
        from fct_study_weights
        where isfinite(yi) and isfinite(vi)
        order by {", ".join(GROUP)}, study_id
        """
    ).to_arrow_table()
    columns = [column.to_pylist() for column in table.columns]
    width = len(GROUP)
    effects = list(map(StudyEffect, *columns[width:]))
    by_group: dict[tuple[str, ...], list[StudyEffect]] = {}
    start = 0
    for key, run in groupby(zip(*columns[:width], strict=True)):
        stop = start + sum(1 for _ in run)
        by_group.setdefault(key, []).extend(effects[start:stop])
        start = stop
    return by_group


@collection_paused()  # builds a registry's ~150,000 study rows (evidence.heap)
def read_report_context(
    warehouse: Path, run_id: str, *, method: str, test: str, rho: float, versions: dict[str, str]
) -> ReportContext:
    with connect_read(warehouse) as con:
        # the real evidence; the synthetic partition only when the warehouse holds nothing else
        synthetic = not has_partition(con, False) and has_partition(con, True)
        synthetic_results = () if synthetic else read_synthetic_results(con)
        restrict_to_partition(con, synthetic)
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
                rows_flagged=int(r.get("rows_flagged") or 0),
            )
            for r in records(con, "select * from ingest_log order by source_file, loaded_at")
        )
        quarantine = tuple(
            QuarantineCount(**r)
            for r in records(
                con,
                """
                select source_file, rule, coalesce(column_name, '') as column_name,
                       count(distinct row_number)::integer as rows, min(message) as example
                from quarantine group by all order by source_file, rule, column_name
                """,
            )
        )
        pooled = records(con, "select * from fct_pooled_improvement")
        by_group = _study_effects(con)
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
                records(con, "select * from safety_by_skin_type where intervention = 'all_active'"),
                key=lambda r: FITZ_ORDER.get(r["fitzpatrick_type"], 9),
            )
        )
        extra = analyses.read_analyses(con, run_id) | read_data_quality(con)
        odds_ratios = read_evidence.read_odds_ratios(con)
        evidence = {
            "evidence_base": read_evidence.read_evidence_base(con),
            "responders": read_evidence.read_responders(con),
            "odds_ratios": odds_ratios,
            "evidence_map": read_evidence.read_evidence_map(con),
            "skin_classes": read_evidence.read_skin_classes(con),
            "risk_of_bias": read_evidence.read_risk_of_bias(con),
            "external": read_evidence.external_comparisons(odds_ratios, extra["comparisons"]),
        }
        citations = tuple(
            Citation(**r)
            for r in records(
                con,
                """
                select study_id, any_value(data_origin) as origin, any_value(citation) as citation,
                       any_value(source_url) as source_url
                from study_arms group by study_id
                union all
                select study_id, any_value(data_origin),
                       'Patient-level rows from ' || string_agg(distinct source_file, ', '),
                       'file:' || any_value(source_file)
                from patient_file_studies group by study_id
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
        synthetic=synthetic,
        synthetic_results=synthetic_results,
        **extra,
        **evidence,
    )
    ctx = replace(ctx, sof=build_sof(ctx))
    ctx = replace(ctx, plain_summary=plain_summary(ctx))
    return _with_summary(ctx)


def read_synthetic_results(con: duckdb.DuckDBPyConnection) -> tuple[PooledStratum, ...]:
    """The synthetic studies' overall pooled rows (shown apart, labelled, in a report of the
    real evidence)."""
    return tuple(
        PooledStratum(
            **{k: p[k] for k in PooledStratum.__dataclass_fields__ if k in p and k != "studies"}
        )
        for p in records(
            con,
            """
            select * from fct_pooled_improvement
            where synthetic and stratum_kind = 'all' and mean_change is not null
            order by intervention <> 'microneedling', intervention, outcome_scale
            """,
        )
    )


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
    """Five lines generated from the numbers (no hand-written claims), for the command line."""
    current = [s for s in ctx.sources if s.status != "superseded"]
    rows_loaded = sum(s.rows_loaded for s in current)
    rows_q = sum(s.rows_quarantined for s in current)
    if ctx.synthetic:
        label = " — SYNTHETIC data only, not evidence."
    elif ctx.synthetic_results:
        label = "; synthetic studies analysed apart (not in these results)."
    else:
        label = "."
    lines = [
        f"Warehouse: {len(current)} source files, {rows_loaded} rows loaded, "
        f"{rows_q} rows quarantined{label}"
    ]
    eb = ctx.evidence_base
    if eb is not None:
        newest = f"; newest {eb.newest_year}" if eb.newest_year else ""
        lines.append(
            f"Evidence: {eb.published_studies} study-level studies ({eb.published_patients} "
            f"patients, {eb.randomised_studies} randomised{newest}); "
            f"{eb.patient_level_studies} with patient-level data "
            f"({eb.patient_level_patients} patients)."
        )
    alone = next((r for r in ctx.sof if r.outcome_scale == "responders"), None)
    grade = _find(ctx.overall)
    parts = []
    if alone is not None and alone.k_studies:
        parts.append(
            f"responders ({_definition(alone.outcome)}) {alone.effect}, k={alone.k_studies}"
        )
    if grade:
        o = grade[0]
        parts.append(
            f"Goodman–Baron grade improvement {_fmt(o.mean_change)} "
            f"[95% CI {_fmt(o.ci_lb)} to {_fmt(o.ci_ub)}], k={o.k_studies}, n={o.n_patients} "
            f"({o.method})"
        )
    lines.append("Microneedling alone: " + ("; ".join(parts) or "no poolable data") + ".")
    odds = next((r for r in ctx.sof if r.outcome_scale == "log_odds_ratio"), None)
    lines.append(
        "Microneedling + PRP vs microneedling alone: "
        + (
            f"odds ratio of responding ({_definition(odds.outcome)}) {odds.effect}, "
            f"k={odds.k_studies}."
            if odds is not None and odds.k_studies
            else "no study reported responders in both arms."
        )
    )
    pih = next(
        (s for s in ctx.safety_pooled if s.outcome == "pih" and s.stratum_kind == "all"), None
    )
    by_type = sum(m.outcomes_by_skin_type for m in ctx.evidence_map)
    lines.append(
        f"Skin type: {by_type} of {len(ctx.evidence_map)} studies report outcomes by type; "
        "PIH after active treatment "
        + (
            f"{100 * pih.estimate:.1f}% ({pih.events}/{pih.n}, k={pih.k_studies})."
            if pih is not None and pih.estimate is not None
            else "not reported."
        )
    )
    return tuple(lines)


def _definition(outcome: str) -> str:
    """The responder definition of a SoF outcome ("Responding: X (odds ratio)" -> "X")."""
    return outcome.split(": ", 1)[-1].rsplit(" (", 1)[0]


def _with_summary(ctx: ReportContext) -> ReportContext:
    return replace(ctx, summary_lines=summary_lines(ctx))
