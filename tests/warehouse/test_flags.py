"""Warnings: a flagged row loads, is counted and listed, and only the declared sensitivity
analysis leaves it out."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence.reporting.from_warehouse import read_report_context
from evidence.reporting.render import render_html
from evidence.synthesis.pooling import rma
from tests.helpers import ingest, rows
from tests.reporting.html_doc import ReportDoc

HEADER = (
    "study_id,subject_id,intervention,fitzpatrick_type,scar_type,baseline_grade,"
    "followup_grade,sessions,followup_weeks,baseline_score,followup_score\n"
)


def _registry(landing: Path) -> Path:
    """Two studies, six subjects each, two visits; three final visits of S1 rate grade 1 with
    a score of 30 (the score does not fit the grade: a warning)."""
    lines = []
    for study, shift in (("S1", 0), ("S2", 1)):
        for i in range(1, 7):
            lines.append(f"{study},p{i},microneedling,IV,boxcar,3,3,3,12,30,28\n")
            final_grade = 1 if study == "S1" and i <= 3 else 2 + (i + shift) % 2
            lines.append(f"{study},p{i},microneedling,IV,boxcar,3,{final_grade},3,24,30,20\n")
    path = landing / "registry.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def test_a_flagged_row_loads_and_is_listed_and_counted(empty_landing: Path, tmp_path: Path) -> None:
    _registry(empty_landing)
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(empty_landing, warehouse)
    assert (outcome.rows_loaded, outcome.rows_quarantined, outcome.rows_flagged) == (24, 0, 3)
    assert rows(warehouse, "select rows_flagged from ingest_log") == [(3,)]
    flags = rows(warehouse, "select row_number, column_name, value, rule from row_flags order by 1")
    assert flags == [
        (2, "followup_score", "20", "followup_score_fits_grade"),
        (4, "followup_score", "20", "followup_score_fits_grade"),
        (6, "followup_score", "20", "followup_score_fits_grade"),
    ]
    flagged = rows(warehouse, "select source_row from patient_outcomes where is_flagged order by 1")
    assert flagged == [(2,), (4,), (6,)]


def test_only_the_sensitivity_analysis_leaves_flagged_final_visits_out(
    empty_landing: Path, tmp_path: Path
) -> None:
    _registry(empty_landing)
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    main = rows(
        warehouse,
        "select mean_change, k_studies, n_patients from fct_pooled_improvement "
        "where stratum_kind = 'all' and intervention = 'microneedling' "
        "and outcome_scale = 'gb_qualitative'",
    )
    assert main[0][2] == 12  # every final visit, flagged or not
    found = {
        analysis: (estimate, k, left_out)
        for analysis, estimate, k, left_out in rows(
            warehouse,
            "select analysis, mean_change, k_studies, n_left_out from fct_flag_sensitivity "
            "where outcome_scale = 'gb_qualitative'",
        )
    }
    assert found["all rows"][0] == pytest.approx(main[0][0], rel=1e-12)
    # the same model fitted on each study's unflagged final visits
    arms = rows(
        warehouse,
        """
        select study_id, avg(baseline_grade - followup_grade),
               var_samp(baseline_grade - followup_grade) / count(*)
        from patient_outcomes where followup_weeks = 24 and not is_flagged
        group by study_id order by study_id
        """,
    )
    expected = rma([a[1] for a in arms], [a[2] for a in arms], method="REML")
    estimate, k, left_out = found["flagged final visits left out"]
    assert (k, left_out) == (2, 3)
    assert estimate == pytest.approx(expected.beta, rel=1e-9)
    assert estimate != pytest.approx(main[0][0])


def test_the_data_quality_section_shows_flags_by_rule_and_file(
    empty_landing: Path, tmp_path: Path
) -> None:
    _registry(empty_landing)
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    ctx = read_report_context(warehouse, "r", method="REML", test="z", rho=0.5, versions={})
    doc = ReportDoc(render_html(ctx))
    assert doc.tables["table-flags"].body == [
        [
            "registry.csv",
            "followup_score_fits_grade",
            "followup_score",
            "3",
            "row 2: followup_score does not fit followup_grade: grade 1 (macular) scores at "
            "most 3, grades 2-4 (atrophic) at least 1",
        ]
    ]
    analyses = {row[3] for row in doc.tables["table-flag-sensitivity"].body}
    assert analyses == {"all rows", "flagged final visits left out"}
    assert [r[7] for r in doc.tables["table-sources"].body] == ["3"]
