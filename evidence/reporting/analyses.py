"""Read the analysis tables (``evidence.warehouse.analyses``) into report records.

Each function takes a read-only connection and returns plain records; a table missing from
an older warehouse reads as empty, and the report then says that nothing was computed.
"""

from __future__ import annotations

from typing import Any

import duckdb

from evidence.reporting._rows import grouped, records
from evidence.reporting.context import (
    AdverseEventReport,
    EstimateChange,
    FlowCount,
    MetaRegression,
    PooledStratum,
    RegressionPoint,
    RhoRow,
    SafetyPooled,
    SourceChange,
    StudyEffect,
    StudyRecord,
    SubgroupTest,
)
from evidence.warehouse.tables import has_table

STRATUM_ORDER = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "I-III": 7, "IV-VI": 8}


def read_analyses(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """The ReportContext fields that come from the analysis tables."""
    previous, source_changes, estimate_changes = read_changes(con, run_id)
    return {
        "subgroup_tests": read_subgroup_tests(con),
        "meta_regressions": read_meta_regressions(con),
        "comparisons": read_comparisons(con),
        "safety_pooled": read_safety(con),
        "adverse_events": read_adverse_events(con),
        "studies": read_studies(con),
        "data_flow": read_data_flow(con),
        "previous_run_id": previous,
        "source_changes": source_changes,
        "estimate_changes": estimate_changes,
        "rho_sensitivity": read_rho(con),
    }


def _rows(con: duckdb.DuckDBPyConnection, table: str, sql: str) -> list[dict[str, Any]]:
    return records(con, sql) if has_table(con, table) else []


def read_subgroup_tests(con: duckdb.DuckDBPyConnection) -> tuple[SubgroupTest, ...]:
    return tuple(
        SubgroupTest(**{k: r[k] for k in SubgroupTest.__dataclass_fields__})
        for r in _rows(
            con,
            "fct_subgroup_differences",
            "select * from fct_subgroup_differences order by stratification, intervention, "
            "outcome_scale",
        )
    )


def read_meta_regressions(con: duckdb.DuckDBPyConnection) -> tuple[MetaRegression, ...]:
    out = []
    for r in _rows(con, "fct_meta_regression", "select * from fct_meta_regression order by all"):
        moderator = r["moderator"]
        points = tuple(
            RegressionPoint(p["study_id"], p["x"], p["yi"], p["vi"])
            for p in records(
                con,
                f"""
                select study_id, {moderator} as x, yi, vi from fct_study_weights
                where stratum_kind = 'all' and intervention = $i and outcome_scale = $s
                  and {moderator} is not null and weight_pct is not null
                order by study_id
                """,  # moderator is one of two column names declared in metaregression.py
                {"i": r["intervention"], "s": r["outcome_scale"]},
            )
        )
        fields = {k: r[k] for k in MetaRegression.__dataclass_fields__ if k in r}
        out.append(MetaRegression(**{**fields, "points": points}))
    return tuple(out)


def _study(s: dict[str, Any], label_extra: str = "") -> StudyEffect:
    return StudyEffect(
        study_id=s["study_id"],
        label=f"{s['study_id']} ({(s['evidence_source'] or '').replace('_', '-')}, "
        f"n={s['n']}){label_extra}",
        origin=s["data_origin"] or "unknown",
        n=int(s["n"] or 0),
        yi=s["yi"],
        vi=s["vi"],
        ci_lb=s["ci_lb"],
        ci_ub=s["ci_ub"],
        weight_pct=s["weight_pct"],
        design=s.get("design"),
        risk_of_bias=s.get("risk_of_bias"),
        evidence_source=s["evidence_source"] or "",
    )


def read_comparisons(con: duckdb.DuckDBPyConnection) -> tuple[PooledStratum, ...]:
    studies = grouped(
        _rows(con, "fct_comparison_studies", "select * from fct_comparison_studies"),
        "comparison",
        "outcome_scale",
        sort_by="study_id",
    )
    out = []
    for p in _rows(con, "fct_comparisons", "select * from fct_comparisons order by all"):
        rows = tuple(_study(s) for s in studies.get((p["comparison"], p["outcome_scale"]), ()))
        out.append(
            PooledStratum(
                stratum_kind="comparison",
                stratum_value=p["comparison"],
                intervention=p["intervention"],
                outcome_scale=p["outcome_scale"],
                k_studies=int(p["k_studies"] or 0),
                n_patients=int(p["n_patients"] or 0),
                mean_change=p["md"],
                se=p["se"],
                ci_lb=p["ci_lb"],
                ci_ub=p["ci_ub"],
                tau2=p["tau2"],
                i2=p["i2"],
                pi_lb=p["pi_lb"],
                pi_ub=p["pi_ub"],
                responder_rate=None,
                method=p["method"],
                studies=rows,
                qe=p["qe"],
                qe_p=p["qe_p"],
                i2_ci_lb=p.get("i2_ci_lb"),
                i2_ci_ub=p.get("i2_ci_ub"),
            )
        )
    return tuple(out)


def read_safety(con: duckdb.DuckDBPyConnection) -> tuple[SafetyPooled, ...]:
    studies = grouped(
        _rows(con, "fct_safety_studies", "select * from fct_safety_studies"),
        "outcome",
        "stratum_kind",
        "stratum_value",
        sort_by="study_id",
    )
    out = []
    for p in _rows(con, "fct_safety_pooled", "select * from fct_safety_pooled"):
        rows = tuple(
            StudyEffect(
                study_id=s["study_id"],
                label=f"{s['study_id']} ({s['events']}/{s['n']})"
                if s["events"] is not None
                else f"{s['study_id']} (n={s['n']})",
                origin=s["data_origin"] or "unknown",
                n=int(s["n"]),
                yi=s["estimate"],
                vi=0.0,
                ci_lb=s["ci_lb"],
                ci_ub=s["ci_ub"],
                weight_pct=s["weight_pct"],
                evidence_source=s["evidence_source"] or "",
            )
            for s in studies.get((p["outcome"], p["stratum_kind"], p["stratum_value"]), ())
        )
        fields = {k: p[k] for k in SafetyPooled.__dataclass_fields__ if k in p}
        out.append(SafetyPooled(**{**fields, "studies": rows}))
    kinds = {"skin_type": 0, "skin_group": 1, "all": 2}
    return tuple(
        sorted(
            out,
            key=lambda s: (
                s.outcome != "pih",
                kinds.get(s.stratum_kind, 3),
                STRATUM_ORDER.get(s.stratum_value, 9),
            ),
        )
    )


def read_adverse_events(con: duckdb.DuckDBPyConnection) -> tuple[AdverseEventReport, ...]:
    return tuple(
        AdverseEventReport(**r)
        for r in records(
            con,
            """
            select study_id, intervention, any_value(data_origin) as origin,
                   any_value(adverse_events) as text
            from study_arms where adverse_events is not null
            group by study_id, intervention order by study_id, intervention
            """,
        )
    )


def read_studies(con: duckdb.DuckDBPyConnection) -> tuple[StudyRecord, ...]:
    rows = records(
        con,
        """
        with published as (
            select study_id, any_value(data_origin) as origin, max(design) as design,
                   max(risk_of_bias) as risk_of_bias,
                   max(risk_of_bias_reason) as risk_of_bias_reason,
                   any_value(citation) as citation, any_value(source_url) as source_url,
                   list(distinct [source_file, source_sha256]) as files
            from study_arms group by study_id
        ),
        patients as (
            select study_id, any_value(data_origin) as origin,
                   case when bool_or(is_split_face) then 'split_face' end as design,
                   null as risk_of_bias, null as risk_of_bias_reason,
                   'Patient-level rows (no citation: ' || any_value(data_origin) || ' data)'
                       as citation,
                   '' as source_url,
                   list(distinct [source_file, sha256]) as files
            from patient_file_studies group by study_id
        )
        select * from published
        union all by name
        select * from patients where study_id not in (select study_id from published)
        order by study_id
        """,
    )
    return tuple(
        StudyRecord(
            study_id=r["study_id"],
            origin=r["origin"] or "unknown",
            design=r["design"],
            risk_of_bias=r["risk_of_bias"],
            risk_of_bias_reason=r["risk_of_bias_reason"],
            citation=r["citation"] or "",
            source_url=r["source_url"] or "",
            files=tuple(sorted((f[0], f[1]) for f in r["files"] or [])),
        )
        for r in rows
    )


def read_data_flow(con: duckdb.DuckDBPyConnection) -> tuple[FlowCount, ...]:
    """PRISMA-like counts: files -> rows -> loaded / quarantined (by rule) -> analyses."""
    current = "from ingest_log where status <> 'superseded'"
    ((files, synthetic, rows_in, loaded, quarantined, flagged),) = [
        tuple(r.values())
        for r in records(
            con,
            "select count(*), count(*) filter (where data_origin in ('synthetic', 'mixed')), "
            "coalesce(sum(rows_in), 0), coalesce(sum(rows_loaded), 0), "
            f"coalesce(sum(rows_quarantined), 0), coalesce(sum(rows_flagged), 0) {current}",
        )
    ]
    flow = [
        FlowCount(
            "Files found (current versions)",
            int(files),
            f"{synthetic} SYNTHETIC" if synthetic else "",
        ),
        FlowCount("Rows read", int(rows_in)),
        FlowCount("Rows loaded", int(loaded)),
        FlowCount("Rows quarantined", int(quarantined)),
        FlowCount("Rows loaded with a warning flag", int(flagged), "see row_flags"),
    ]
    for r in records(
        con,
        """
        select rule, count(distinct source_file || '#' || row_number::varchar) as rows
        from quarantine
        where (source_file, sha256) in
              (select (source_file, sha256) from ingest_log where status <> 'superseded')
        group by rule order by rows desc, rule
        """,
    ):
        flow.append(FlowCount(f"Quarantined by rule {r['rule']}", int(r["rows"])))
    for r in records(
        con,
        """
        select count(distinct study_id) as studies, count(*) as arms
        from fct_study_weights where stratum_kind = 'all' and weight_pct is not null
        """,
    ):
        flow.append(
            FlowCount("Studies with a pooled arm (overall)", int(r["studies"]), f"{r['arms']} arms")
        )
    for r in records(
        con,
        """
        select intervention, outcome_scale, k_studies, n_patients from fct_pooled_improvement
        where stratum_kind = 'all' and k_studies > 0
        order by intervention <> 'microneedling', intervention, outcome_scale
        """,
    ):
        flow.append(
            FlowCount(
                f"Analysis: {r['intervention']}, {r['outcome_scale']}",
                int(r["k_studies"]),
                f"studies; n = {r['n_patients']}",
            )
        )
    return tuple(flow)


def read_changes(
    con: duckdb.DuckDBPyConnection, run_id: str
) -> tuple[str | None, tuple[SourceChange, ...], tuple[EstimateChange, ...]]:
    """The previous run in ``fct_pooled_history``, the files this run loaded, and how each
    pooled estimate moved between the two."""
    if not has_table(con, "fct_pooled_history"):
        return None, (), ()
    previous = records(
        con,
        "select run_id from fct_pooled_history where run_id <> $r group by run_id "
        "order by max(recorded_at) desc limit 1",
        {"r": run_id},
    )
    sources = tuple(
        SourceChange(**r)
        for r in records(
            con,
            """
            select l.source_file,
                   case when exists (select 1 from ingest_log o where o.source_file = l.source_file
                                     and o.sha256 <> l.sha256 and o.loaded_at < l.loaded_at)
                        then 'changed' else 'new' end as change,
                   l.sha256, l.rows_loaded, coalesce(l.data_origin, 'unknown') as origin
            from ingest_log l where l.run_id = $r and l.status = 'loaded'
            order by l.source_file
            """,
            {"r": run_id},
        )
    )
    if not previous:
        return None, sources, ()
    before_id = previous[0]["run_id"]
    changes = []
    for r in records(
        con,
        """
        with a as (select * from fct_pooled_history where run_id = $after),
             b as (select * from fct_pooled_history where run_id = $before)
        select coalesce(a.stratum_kind, b.stratum_kind) as stratum_kind,
               coalesce(a.stratum_value, b.stratum_value) as stratum_value,
               coalesce(a.intervention, b.intervention) as intervention,
               coalesce(a.outcome_scale, b.outcome_scale) as outcome_scale,
               b.k_studies as k_before, a.k_studies as k_after,
               b.mean_change as before, a.mean_change as after,
               b.ci_lb as b_lb, b.ci_ub as b_ub, a.ci_lb as a_lb, a.ci_ub as a_ub
        from a full join b using (stratum_kind, stratum_value, intervention, outcome_scale)
        order by 1, 3, 4, 2
        """,
        {"after": run_id, "before": before_id},
    ):
        if r["before"] is None and r["after"] is None:
            continue
        if r["before"] is None:
            status = "new"
        elif r["after"] is None:
            status = "dropped"
        elif abs(r["after"] - r["before"]) > 1e-9 or r["k_before"] != r["k_after"]:
            status = "moved"
        else:
            status = "unchanged"
        label = "All" if r["stratum_kind"] == "all" else f"{r['stratum_kind']} {r['stratum_value']}"
        changes.append(
            EstimateChange(
                label=label,
                intervention=r["intervention"],
                outcome_scale=r["outcome_scale"],
                k_before=r["k_before"],
                k_after=r["k_after"],
                before=r["before"],
                after=r["after"],
                ci_before=(r["b_lb"], r["b_ub"]),
                ci_after=(r["a_lb"], r["a_ub"]),
                status=status,
            )
        )
    return before_id, sources, tuple(changes)


def read_rho(con: duckdb.DuckDBPyConnection) -> tuple[RhoRow, ...]:
    return tuple(
        RhoRow(
            rho=r["rho"],
            intervention=r["intervention"],
            outcome_scale=r["outcome_scale"],
            stratum="All" if r["stratum_kind"] == "all" else r["stratum_value"],
            k_studies=int(r["k_studies"]),
            k_imputed=int(r["k_imputed"] or 0),
            mean_change=r["mean_change"],
            ci_lb=r["ci_lb"],
            ci_ub=r["ci_ub"],
            i2=r["i2"],
            i2_ci_lb=r.get("i2_ci_lb"),
            i2_ci_ub=r.get("i2_ci_ub"),
        )
        for r in _rows(
            con,
            "fct_rho_sensitivity",
            """
            select * from fct_rho_sensitivity
            where stratum_kind = 'all' and k_studies > 0
              and outcome_scale in ('gb_qualitative', 'gb_quantitative')
              and intervention in ('microneedling', 'microneedling_prp', 'microneedling_tca')
            order by intervention <> 'microneedling', intervention, outcome_scale, rho
            """,
        )
    )
