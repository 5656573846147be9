"""Warnings: a flagged row loads, is counted and listed, and only the declared sensitivity
analysis leaves it out."""

from __future__ import annotations

from pathlib import Path

import duckdb
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


def test_flags_carry_their_files_lineage_and_go_with_a_superseded_version(
    empty_landing: Path, tmp_path: Path
) -> None:
    """row_flags is a view over the loaded rows: each line names its file version, the run
    that loaded it and when; a changed file's earlier flags go, another file's stay."""
    registry = _registry(empty_landing)
    other = empty_landing / "other.csv"
    other.write_text(HEADER + "S3,q1,microneedling,IV,boxcar,3,1,3,24,30,20\n", encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    lineage = rows(
        warehouse,
        "select f.source_file, count(*), count(distinct f.run_id), "
        "bool_and(f.sha256 = l.sha256 and f.run_id = l.run_id and f.flagged_at = l.loaded_at) "
        "from row_flags f join ingest_log l on l.source_file = f.source_file "
        "group by 1 order by 1",
    )
    assert lineage == [("other.csv", 1, 1, True), ("registry.csv", 3, 1, True)]
    # the new version flags one row of S1 (p1's final grade 1 becomes 2): two flags left
    registry.write_text(
        registry.read_text(encoding="utf-8").replace(
            "S1,p1,microneedling,IV,boxcar,3,1,3,24", "S1,p1,microneedling,IV,boxcar,3,2,3,24"
        ),
        encoding="utf-8",
    )
    ingest(empty_landing, warehouse)
    found = rows(
        warehouse,
        "select f.source_file, f.row_number, f.sha256 = l.sha256 from row_flags f "
        "join ingest_log l on l.source_file = f.source_file and l.status = 'loaded' order by 1, 2",
    )
    assert found == [("other.csv", 1, True), ("registry.csv", 4, True), ("registry.csv", 6, True)]


def test_a_warehouse_with_a_flags_table_gets_the_view_with_the_same_lines(
    empty_landing: Path, tmp_path: Path
) -> None:
    """A warehouse built when row_flags was a table: opening it for a run drops the table
    and the view lists the same lines, read from the rows."""
    _registry(empty_landing)
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    query = "select * from row_flags order by all"
    listed = rows(warehouse, query)
    assert len(listed) == 3
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create table old_flags as select * from row_flags")
        con.execute("drop view row_flags")
        con.execute("alter table old_flags rename to row_flags")
    finally:
        con.close()
    assert rows(
        warehouse, "select table_type from information_schema.tables where table_name = 'row_flags'"
    ) == [("BASE TABLE",)]
    ingest(empty_landing, warehouse)  # the same file: unchanged, nothing loads
    assert rows(
        warehouse, "select table_type from information_schema.tables where table_name = 'row_flags'"
    ) == [("VIEW",)]
    assert rows(warehouse, query) == listed


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
