"""A hand-built, clearly SYNTHETIC ReportContext for the renderer tests.

Two severity strata with three studies each, one skin-type stratum with a single study (k=1,
no τ², I² or prediction interval), a quarantined rule, a synthetic and a literature source.
"""

from __future__ import annotations

import dataclasses

import pytest

from evidence.reporting.context import (
    Citation,
    PooledStratum,
    QuarantineCount,
    ReportContext,
    SafetyRow,
    SourceFile,
    StudyEffect,
    StudyRecord,
)

SYN_SHA = "5" * 8 + "a1b2c3d4" * 7
LIT_SHA = "f00dfeed" * 8


def study(study_id: str, yi: float, half_width: float, weight: float | None, n: int = 20):
    return StudyEffect(
        study_id=study_id,
        label=f"{study_id} (microneedling, 12 wk)",
        origin="synthetic",
        n=n,
        yi=yi,
        vi=(half_width / 1.96) ** 2,
        ci_lb=yi - half_width,
        ci_ub=yi + half_width,
        weight_pct=weight,
    )


def stratum(kind: str, value: str, studies: tuple[StudyEffect, ...], **overrides) -> PooledStratum:
    values = {
        "stratum_kind": kind,
        "stratum_value": value,
        "intervention": "microneedling",
        "outcome_scale": "gb_qualitative",
        "k_studies": len(studies),
        "n_patients": sum(s.n for s in studies),
        "mean_change": 1.1,
        "se": 0.1,
        "ci_lb": 0.9,
        "ci_ub": 1.3,
        "tau2": 0.0123,
        "i2": 34.56,
        "i2_ci_lb": 12.3,
        "i2_ci_ub": 70.05,
        "pi_lb": 0.45,
        "pi_ub": 1.75,
        "responder_rate": 0.625,
        "method": "REML, Hartung-Knapp",
        "studies": studies,
    }
    return PooledStratum(**{**values, **overrides})


def make_context() -> ReportContext:
    grade3 = (
        study("SYN-A", 1.20, 0.40, 45.0, n=30),
        study("SYN-B", 0.80, 0.55, 30.0),
        study("SYN-C", 1.45, 0.70, 25.0, n=14),
    )
    grade4 = (
        study("SYN-D", 0.60, 0.50, 50.0, n=24),
        study("SYN-E", -0.10, 0.45, 20.0, n=18),
        study("SYN-F", 0.95, 0.35, 30.0, n=26),
    )
    skin_iv = (study("SYN-G", 0.70, 0.60, 100.0, n=12),)
    return ReportContext(
        synthetic=True,  # a report of the synthetic partition: the banner is shown
        run_id="test-run-0001",
        generated_at="2025-01-02T03:04:05Z",
        warehouse_path="data/warehouse.duckdb",
        method="REML",
        test="knha",
        rho=0.5,
        versions={"python": "3.11.7", "matplotlib": "3.11.2", "jinja2": "3.1.6"},
        sources=(
            SourceFile(
                source_file="synthetic_patients.csv",
                sha256=SYN_SHA,
                kind="patient",
                origin="synthetic",
                rows_in=120,
                rows_loaded=118,
                rows_quarantined=2,
                status="loaded",
                loaded_at="2025-01-02T03:00:00Z",
            ),
            SourceFile(
                source_file="literature_studies.csv",
                sha256=LIT_SHA,
                kind="study",
                origin="literature",
                rows_in=4,
                rows_loaded=4,
                rows_quarantined=0,
                status="loaded",
                loaded_at="2025-01-02T03:00:01Z",
            ),
        ),
        quarantine=(
            QuarantineCount(
                source_file="synthetic_patients.csv",
                rule="grade_in_range",
                column_name="baseline_grade",
                rows=2,
                example="row 7: baseline_grade=7 is outside 1–4",
            ),
        ),
        overall=(
            stratum(
                "all", "all", grade3 + grade4, mean_change=0.91, ci_lb=0.55, ci_ub=1.27, i2=61.0
            ),
        ),
        by_severity=(
            stratum("severity", "3", grade3),
            stratum("severity", "4", grade4, mean_change=-0.004, ci_lb=-0.3, ci_ub=0.29),
        ),
        by_skin_type=(
            stratum(
                "skin_type",
                "IV",
                skin_iv,
                mean_change=0.7,
                se=0.31,
                ci_lb=0.1,
                ci_ub=1.3,
                tau2=None,
                i2=None,
                i2_ci_lb=None,
                i2_ci_ub=None,
                pi_lb=None,
                pi_ub=None,
                responder_rate=None,
                method="single study",
            ),
        ),
        safety=(
            SafetyRow("III", 40, 3.25, 1.5, 2, 40, 0.05, 0.0138, 0.1650),
            SafetyRow("V", 12, None, None, 0, 0, None, None, None),
        ),
        citations=(
            Citation("SYN-A", "synthetic", "Synthetic arm A, generated for tests", ""),
            Citation(
                "LIT-1",
                "literature",
                "Example et al. Microneedling in acne scars. 2020.",
                "https://example.org/lit-1",
            ),
        ),
        studies=(
            StudyRecord(
                "SYN-A",
                "synthetic",
                "split_face",
                None,
                None,
                "Synthetic arm A, generated for tests",
                "",
                (("synthetic_patients.csv", SYN_SHA),),
            ),
            StudyRecord(
                "LIT-1",
                "literature",
                "rct",
                "some",
                "no assessor blinding",
                "Example et al. Microneedling in acne scars. 2020.",
                "https://example.org/lit-1",
                (("literature_studies.csv", LIT_SHA),),
            ),
        ),
        plain_summary=("Microneedling improved scars by 0.91 grades.",),
        summary_lines=(
            "7 synthetic studies, 118 patients loaded, 2 rows quarantined.",
            "Overall improvement 0.91 GB grades [0.55, 1.27].",
        ),
    )


@pytest.fixture
def ctx() -> ReportContext:
    return make_context()


@pytest.fixture
def hostile_ctx(ctx: ReportContext) -> ReportContext:
    """The same report with a study label and a citation written to attack the output."""
    evil = dataclasses.replace(ctx.by_severity[0].studies[0], label="<script>alert(1)</script>")
    severity = dataclasses.replace(
        ctx.by_severity[0], studies=(evil, *ctx.by_severity[0].studies[1:])
    )
    citation = Citation(
        "EVIL-1",
        "literature",
        "=cmd|' /C calc'!A0 <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        "javascript:alert(1)",
    )
    study = StudyRecord(
        "EVIL-1",
        "literature",
        None,
        None,
        None,
        citation.citation,
        citation.source_url,
        (('=HYPERLINK("http://x")<script>.csv', "ab" * 32),),
    )
    return dataclasses.replace(
        ctx,
        by_severity=(severity, *ctx.by_severity[1:]),
        citations=(*ctx.citations, citation),
        studies=(*ctx.studies, study),
        summary_lines=(*ctx.summary_lines, "<script>alert(2)</script>"),
        plain_summary=(*ctx.plain_summary, "<script>alert(3)</script>"),
    )
