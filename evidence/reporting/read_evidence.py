"""Read what the literature reports into report records (read-only, no rendering).

The connection is already restricted to the report's evidence partition
(:mod:`evidence.reporting.partition`). A table missing from an older warehouse reads as
empty.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from typing import Any

import duckdb

from evidence.reporting import formatting as f
from evidence.reporting._rows import grouped, records
from evidence.reporting.context import StudyEffect
from evidence.reporting.evidence_figures import definition_label
from evidence.reporting.evidence_records import (
    EvidenceBase,
    EvidenceMapRow,
    ExternalEstimate,
    OddsRatioResult,
    ResponderResult,
    RiskOfBiasRow,
    SkinClassRow,
)
from evidence.warehouse.analyses.skin_class import skin_class
from evidence.warehouse.tables import has_table
from schemas.vocab import ROB_DOMAINS, RobTool

RANDOMISED = ("rct", "split_face_rct")


def _rows(con: duckdb.DuckDBPyConnection, table: str, sql: str) -> list[dict[str, Any]]:
    return records(con, sql) if has_table(con, table) else []


def read_evidence_base(con: duckdb.DuckDBPyConnection) -> EvidenceBase:
    """Published studies (their patients, designs, newest year) and patient-level studies."""
    studies = _rows(
        con,
        "study_arms",
        """
        select study_id, max(design) as design, max(publication_year) as year,
               coalesce(max(n_enrolled), max(n)) as n, max(country) as country
        from study_arms
        where study_id not in (select study_id from int_patient_studies)
        group by study_id order by study_id
        """,
    )
    patients = _rows(
        con,
        "int_patient_studies",
        "select count(*) as k, coalesce(sum(n_patients), 0) as n from int_patient_studies",
    )
    designs: dict[str, int] = {}
    for s in studies:
        designs[s["design"] or "not reported"] = designs.get(s["design"] or "not reported", 0) + 1
    years = [s["year"] for s in studies if s["year"] is not None]
    newest = max(years) if years else None
    countries = sorted(
        {part.strip() for s in studies if s["country"] for part in s["country"].split(",")}
    )
    return EvidenceBase(
        published_studies=len(studies),
        published_patients=sum(int(s["n"] or 0) for s in studies),
        patient_level_studies=int(patients[0]["k"]) if patients else 0,
        patient_level_patients=int(patients[0]["n"]) if patients else 0,
        designs=tuple(sorted(designs.items(), key=lambda kv: (-kv[1], kv[0]))),
        randomised_studies=sum(s["design"] in RANDOMISED for s in studies),
        newest_year=newest,
        newest_studies=tuple(s["study_id"] for s in studies if newest and s["year"] == newest),
        countries=tuple(countries),
        studies_without_year=sum(s["year"] is None for s in studies),
    )


def _effect(s: dict[str, Any], label: str, estimate: float, n: int) -> StudyEffect:
    return StudyEffect(
        study_id=s["study_id"],
        label=label,
        origin="synthetic" if s.get("synthetic") else "literature",
        n=n,
        yi=estimate,
        vi=0.0,
        ci_lb=s["ci_lb"],
        ci_ub=s["ci_ub"],
        weight_pct=s["weight_pct"],
        design=s.get("design"),
        risk_of_bias=s.get("risk_of_bias"),
        evidence_source=s.get("evidence_source") or "study_level",
    )


def read_responders(con: duckdb.DuckDBPyConnection) -> tuple[ResponderResult, ...]:
    studies = grouped(
        _rows(con, "responders_study", "select * from responders_study"),
        "intervention",
        "baseline_grade",
        "responder_definition",
    )
    out = []
    for p in _rows(con, "responders_pooled", "select * from responders_pooled"):
        key = (p["intervention"], p["baseline_grade"], p["responder_definition"])
        rows = tuple(
            _effect(s, f"{s['study_id']} ({s['events']}/{s['n']})", s["proportion"], s["n"])
            for s in studies.get(key, ())
        )
        fields = {k: p[k] for k in ResponderResult.__dataclass_fields__ if k in p}
        out.append(ResponderResult(**{**fields, "studies": rows}))
    return tuple(out)


def read_odds_ratios(con: duckdb.DuckDBPyConnection) -> tuple[OddsRatioResult, ...]:
    studies = grouped(
        _rows(
            con,
            "fct_responder_comparison_studies",
            "select * from fct_responder_comparison_studies order by study_id",
        ),
        "intervention",
        "comparator",
        "responder_definition",
    )
    out = []
    for p in _rows(con, "responders_by_comparison", "select * from responders_by_comparison"):
        key = (p["intervention"], p["comparator"], p["responder_definition"])
        rows = tuple(
            _effect(
                s,
                f"{s['study_id']} ({s['events_treatment']}/{s['n_treatment']} vs "
                f"{s['events_comparator']}/{s['n_comparator']})",
                s["or"],
                int(s["n_treatment"]) + int(s["n_comparator"]),
            )
            for s in studies.get(key, ())
        )
        fields = {k: p[k] for k in OddsRatioResult.__dataclass_fields__ if k in p}
        out.append(OddsRatioResult(**{**fields, "odds_ratio": p["or"], "studies": rows}))
    return tuple(out)


def read_evidence_map(con: duckdb.DuckDBPyConnection) -> tuple[EvidenceMapRow, ...]:
    rows = _rows(
        con,
        "study_characteristics",
        """
        with pih as (
            select study_id, sum(events) as events, sum(n) as n
            from fct_safety_studies
            where outcome = 'pih' and stratum_kind = 'all'
            group by study_id
        ),
        years as (
            select study_id, max(publication_year) as year,
                   bool_or(stratum_kind = 'skin_type') as by_skin_type
            from study_arms group by study_id
        )
        select c.study_id, y.year, c.country, c.design,
               coalesce(c.n_enrolled, c.n_patients) as n, c.fitzpatrick_types,
               c.interventions, coalesce(y.by_skin_type, false) as by_skin_type,
               p.events as pih_events, p.n as pih_n
        from study_characteristics c
        left join years y using (study_id)
        left join pih p using (study_id)
        where c.is_pooled
        order by c.study_id
        """
        if has_table(con, "fct_safety_studies")
        else "select null where false",
    )
    return tuple(
        EvidenceMapRow(
            study_id=r["study_id"],
            year=r["year"],
            country=r["country"],
            design=r["design"],
            n=r["n"],
            fitzpatrick_types=r["fitzpatrick_types"],
            skin_class=skin_class(r["fitzpatrick_types"]),
            interventions=r["interventions"] or "",
            outcomes_by_skin_type=bool(r["by_skin_type"]),
            pih_events=None if r["pih_events"] is None else int(r["pih_events"]),
            pih_n=None if r["pih_n"] is None else int(r["pih_n"]),
        )
        for r in rows
    )


def read_skin_classes(con: duckdb.DuckDBPyConnection) -> tuple[SkinClassRow, ...]:
    return tuple(
        SkinClassRow(**{k: r[k] for k in SkinClassRow.__dataclass_fields__})
        for r in _rows(
            con,
            "fct_skin_class_subgroups",
            "select * from fct_skin_class_subgroups order by outcome, intervention, measure, "
            "skin_class desc",
        )
    )


def read_risk_of_bias(con: duckdb.DuckDBPyConnection) -> tuple[RiskOfBiasRow, ...]:
    supports = {
        (r["study_id"], r["domain"]): r["support"]
        for r in _rows(con, "risk_of_bias", "select study_id, domain, support from risk_of_bias")
    }
    out = []
    for r in _rows(con, "study_risk_of_bias", "select * from study_risk_of_bias"):
        order = ROB_DOMAINS[RobTool(r["rob_tool"])]
        judged = r["domains"] or {}
        out.append(
            RiskOfBiasRow(
                study_id=r["study_id"],
                tool=r["rob_tool"],
                domains=tuple(
                    (d, judged.get(d, ""), supports.get((r["study_id"], d), "")) for d in order
                ),
                overall=r["overall"],
            )
        )
    return tuple(out)


def reference_estimates() -> list[dict[str, str]]:
    """Published meta-analyses this report is checked against (package data, with sources)."""
    text = (
        resources.files("evidence.reporting") / "reference" / "published_meta_analyses.csv"
    ).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def external_comparisons(
    odds_ratios: tuple[OddsRatioResult, ...], mean_differences: tuple[Any, ...]
) -> tuple[ExternalEstimate, ...]:
    """Each published estimate beside this report's estimate of the same comparison."""
    out = []
    for ref in reference_estimates():
        treatment, comparator = ref["comparison"].split(" vs ")
        if ref["measure"] == "OR":
            mine = [
                o for o in odds_ratios if (o.intervention, o.comparator) == (treatment, comparator)
            ]
            ours = "; ".join(
                f"{f.fmt_num(o.odds_ratio)} {f.fmt_ci(o.ci_lb, o.ci_ub)} "
                f"(k = {o.k_studies}, I² = {f.fmt_percent(o.i2)}; responders: "
                f"{definition_label(o.responder_definition)})"
                for o in mine
            )
            ids = sorted({s.study_id for o in mine for s in o.studies})
            k = max((o.k_studies for o in mine), default=None)
            differences = (
                "outcome: the review counts '> 50% improvement'; here each responder "
                "definition is pooled on its own (a '≥ 1 grade' responder is not a '> 50%' "
                "one)"
            )
        else:
            mine = [
                m
                for m in mean_differences
                if m.intervention == treatment
                and m.stratum_value == ref["comparison"]
                and m.outcome_scale == ref["outcome"]
            ]
            ours = "; ".join(
                f"{f.fmt_num(m.mean_change)} {f.fmt_ci(m.ci_lb, m.ci_ub)} (k = {m.k_studies}, "
                f"I² = {f.fmt_percent(m.i2)})"
                for m in mine
            )
            ids = sorted({s.study_id for m in mine for s in m.studies})
            k = max((m.k_studies for m in mine), default=None)
            differences = (
                "measure: the review compares the mean grade after treatment (negative favours "
                "PRP); here the difference in improvement, baseline minus follow-up (positive "
                "favours PRP), so the signs are opposite"
            )
        out.append(
            ExternalEstimate(
                review=ref["review"],
                citation=ref["citation"],
                source_url=ref["source_url"],
                comparison=ref["comparison"],
                outcome=ref["outcome"],
                measure=ref["measure"],
                estimate=float(ref["estimate"]),
                ci_lb=float(ref["ci_lb"]),
                ci_ub=float(ref["ci_ub"]),
                k_studies=int(ref["k_studies"]),
                i2=float(ref["i2"]) if ref["i2"] else None,
                outcome_definition=ref["outcome_definition"],
                ours=ours or "no estimate: no study here reports both arms",
                ours_k=k,
                ours_studies=", ".join(ids),
                differences=differences,
            )
        )
    return tuple(out)
