"""Loading: every row loaded or quarantined, once, with readable reasons."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evidence.warehouse.validate import check_file
from tests.helpers import ingest, rows

PATIENT_HEADER = (
    "study_id,subject_id,intervention,fitzpatrick_type,scar_type,baseline_grade,"
    "followup_grade,sessions,followup_weeks,baseline_score,followup_score\n"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_data_loads_with_every_row_accounted_for(landing: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    outcomes = ingest(landing, warehouse)
    assert {o.status for o in outcomes} == {"loaded"}
    for source, rows_in, loaded, quarantined in rows(
        warehouse, "select source_file, rows_in, rows_loaded, rows_quarantined from ingest_log"
    ):
        assert rows_in == loaded + quarantined, source
    loaded_rows = rows(warehouse, "select count(*) from patient_outcomes")[0][0]
    study_rows = rows(warehouse, "select count(*) from study_arms")[0][0]
    quarantined_rows = rows(
        warehouse, "select count(distinct (source_file, row_number)) from quarantine"
    )[0][0]
    total_in = rows(warehouse, "select sum(rows_in) from ingest_log")[0][0]
    assert loaded_rows + study_rows + quarantined_rows == total_in


def test_bad_rows_are_quarantined_with_readable_reasons_while_good_rows_load(
    empty_landing: Path, tmp_path: Path
) -> None:
    write(
        empty_landing / "site.csv",
        PATIENT_HEADER
        + "S1,p1,microneedling,IV,boxcar,3,2,3,12,30,20\n"
        + "S1,p2,microneedling,IV,boxcar,3,9,3,12,30,20\n"  # grade 9
        + "S1,p3,microneedling,type 5,boxcar,3,2,three,12,30,20\n"  # sessions not a number
        + "S1,p4,microneedling,VII,boxcar,3,2,3,12,30,99\n",  # skin type VII and score 99
    )
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(empty_landing, warehouse)
    assert (outcome.rows_in, outcome.rows_loaded, outcome.rows_quarantined) == (4, 1, 3)
    found = rows(
        warehouse,
        "select row_number, column_name, value, rule, message from quarantine order by 1, 2",
    )
    assert [(r[0], r[1], r[2], r[3]) for r in found] == [
        (2, "followup_grade", "9", "in_range(1, 4)"),
        (3, "sessions", "three", "type_integer"),
        (4, "fitzpatrick_type", "VII", "isin(['I', 'II', 'III', 'IV', 'V', 'VI'])"),
        (4, "followup_score", "99", "in_range(0, 84)"),
    ]
    assert found[0][4].startswith("row 2: followup_grade breaks in_range(1, 4)")
    original = rows(warehouse, "select original_row from quarantine where row_number = 3")[0][0]
    assert '"sessions":"three"' in original


def test_common_skin_type_spellings_are_normalised(empty_landing: Path, tmp_path: Path) -> None:
    write(
        empty_landing / "site.csv",
        PATIENT_HEADER
        + "S1,p1,microneedling,4,boxcar,3,2,3,12,,\n"
        + "S1,p2,Microneedling,type iv,boxcar,3,2,3,12,,\n"
        + "S1,p3,microneedling, VI ,boxcar,3,2,3,12,,\n",
    )
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    assert rows(
        warehouse, "select fitzpatrick_type, intervention from patient_outcomes order by subject_id"
    ) == [
        ("IV", "microneedling"),
        ("IV", "microneedling"),
        ("VI", "microneedling"),
    ]


def test_rerun_of_same_files_adds_no_rows(landing: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse, run_id="first")
    snapshot = [
        rows(warehouse, f"select count(*) from {t}")[0][0]
        for t in ("patient_outcomes", "study_arms", "quarantine", "ingest_log")
    ]
    second = ingest(landing, warehouse, run_id="second")
    assert {o.status for o in second} == {"unchanged"}
    again = [
        rows(warehouse, f"select count(*) from {t}")[0][0]
        for t in ("patient_outcomes", "study_arms", "quarantine", "ingest_log")
    ]
    assert again == snapshot


def test_manifest_added_after_a_refusal_reads_the_same_file_again(
    empty_landing: Path, tmp_path: Path
) -> None:
    write(
        empty_landing / "registry.csv",
        PATIENT_HEADER
        + "S1,10000001,microneedling,IV,boxcar,3,2,3,12,,\n"
        + "S1,10000002,microneedling,IV,boxcar,3,2,3,12,,\n",
    )
    warehouse = tmp_path / "w.duckdb"
    (refused,) = ingest(empty_landing, warehouse)
    assert (refused.rows_loaded, refused.rows_quarantined) == (0, 2)
    write(empty_landing / "registry.csv.manifest.json", '{"study_pseudonyms": ["subject_id"]}')
    (again,) = ingest(empty_landing, warehouse)
    assert (again.status, again.rows_loaded, again.rows_quarantined) == ("loaded", 2, 0)
    assert rows(warehouse, "select status, manifest from ingest_log") == [
        ("loaded", '{"study_pseudonyms": ["subject_id"]}')
    ]
    assert rows(warehouse, "select count(*) from quarantine") == [(0,)]
    (third,) = ingest(empty_landing, warehouse)
    assert third.status == "unchanged"


def test_changed_file_under_same_name_supersedes_its_earlier_version(
    empty_landing: Path, tmp_path: Path
) -> None:
    path = write(
        empty_landing / "site.csv", PATIENT_HEADER + "S1,p1,microneedling,IV,boxcar,3,2,3,12,,\n"
    )
    warehouse = tmp_path / "w.duckdb"
    ingest(empty_landing, warehouse)
    write(path, path.read_text() + "S1,p2,microneedling,IV,boxcar,4,2,3,12,,\n")
    ingest(empty_landing, warehouse)
    assert rows(warehouse, "select status, rows_loaded from ingest_log order by loaded_at") == [
        ("superseded", 1),
        ("loaded", 2),
    ]
    assert rows(warehouse, "select count(*) from patient_outcomes")[0][0] == 2


def test_same_content_under_another_name_is_logged_not_loaded_twice(
    landing: Path, tmp_path: Path
) -> None:
    source = landing / "study_level" / "synthetic_study_summaries.csv"
    (landing / "copy_of_summaries.csv").write_bytes(source.read_bytes())
    warehouse = tmp_path / "w.duckdb"
    outcomes = {o.source_file: o for o in ingest(landing, warehouse)}
    # the copy sorts first, so it loads and the original is the duplicate
    assert outcomes["copy_of_summaries.csv"].status == "loaded"
    assert outcomes["study_level/synthetic_study_summaries.csv"].status == "duplicate_content"
    assert "copy_of_summaries.csv" in outcomes["study_level/synthetic_study_summaries.csv"].message
    assert rows(
        warehouse,
        "select source_file, count(*) from study_arms where source_file not like '%literature%' group by all",
    ) == [("copy_of_summaries.csv", 70)]


def test_duplicated_keys_are_all_quarantined(empty_landing: Path, tmp_path: Path) -> None:
    write(
        empty_landing / "site.csv",
        PATIENT_HEADER
        + "S1,p1,microneedling,IV,boxcar,3,2,3,12,,\n"
        + "S1,p1,microneedling,IV,boxcar,3,3,3,12,,\n"
        + "S1,p2,microneedling,IV,boxcar,3,3,3,12,,\n",
    )
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(empty_landing, warehouse)
    assert (outcome.rows_loaded, outcome.rows_quarantined) == (1, 2)
    assert {r[0] for r in rows(warehouse, "select rule from quarantine")} == {"unique_key"}


def test_malformed_line_deep_in_a_large_file_is_quarantined_and_the_rest_loads(
    empty_landing: Path, tmp_path: Path
) -> None:
    """DuckDB reads a CSV lazily: a line it cannot split, far past the lines it samples, is
    met during the checking pass itself. The file is then read line by line instead."""
    lines = [f"S1,p{i},microneedling,IV,boxcar,3,2,3,12,30,20\n" for i in range(1, 40_001)]
    lines[34_999] = lines[34_999].rstrip("\n") + ",surplus\n"  # row 35,000
    write(empty_landing / "site.csv", PATIENT_HEADER + "".join(lines))
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(empty_landing, warehouse)
    assert (outcome.rows_in, outcome.rows_loaded, outcome.rows_quarantined) == (40_000, 39_999, 1)
    assert rows(warehouse, "select row_number, rule from quarantine") == [
        (35_000, "malformed_line")
    ]
    assert rows(warehouse, "select count(*) from patient_outcomes where source_row = 35000") == [
        (0,)
    ]
    assert rows(warehouse, "select max(source_row) from patient_outcomes") == [(40_000,)]


def test_a_line_longer_than_duckdb_reads_refuses_that_line_and_the_rest_loads(
    empty_landing: Path, tmp_path: Path
) -> None:
    """A 3 MB cell is over DuckDB's line limit (the file is then read line by line) and over
    the csv module's field limit, which used to stop the whole run."""
    header = PATIENT_HEADER.rstrip("\n") + ",notes\n"
    lines = [f"S1,p{i},microneedling,IV,boxcar,3,2,3,12,30,20,fine\n" for i in range(1, 4)]
    lines[1] = lines[1].replace("fine", "word " * 600_000)
    write(empty_landing / "site.csv", header + "".join(lines))
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(empty_landing, warehouse)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 2, 1)
    ((row, column, value, rule, message),) = rows(
        warehouse, "select row_number, column_name, value, rule, message from quarantine"
    )
    assert (row, column, rule) == (2, "notes", "oversized_cell")
    assert value.endswith("(3,000,000 characters)")
    assert len(value) < 300
    assert "cell of 3,000,000 characters" in message


def test_missing_required_column_quarantines_every_row(empty_landing: Path, tmp_path: Path) -> None:
    write(
        empty_landing / "site.csv",
        "study_id,subject_id,intervention,scar_type,baseline_grade,followup_grade,sessions,followup_weeks\n"
        "S1,p1,microneedling,boxcar,3,2,3,12\nS1,p2,microneedling,boxcar,3,2,3,12\n",
    )
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(empty_landing, warehouse)
    assert (outcome.rows_in, outcome.rows_loaded, outcome.rows_quarantined) == (2, 0, 2)
    assert rows(warehouse, "select distinct rule, column_name from quarantine") == [
        ("required_column", "fitzpatrick_type")
    ]


def test_file_of_unknown_layout_is_logged_with_its_reason(
    empty_landing: Path, tmp_path: Path
) -> None:
    write(empty_landing / "notes.csv", "foo,bar\n1,2\n")
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(empty_landing, warehouse)
    assert outcome.status == "unreadable"
    (status, message) = rows(warehouse, "select status, message from ingest_log")[0]
    assert status == "unreadable"
    assert "unknown layout" in message


def test_excel_file_loads_like_csv(empty_landing: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(
        Path(__file__).parents[1] / "golden" / "pipeline" / "synthetic_pipeline_fixture.csv"
    )
    frame.head(10).to_excel(empty_landing / "site.xlsx", index=False)
    warehouse = tmp_path / "w.duckdb"
    (outcome,) = ingest(empty_landing, warehouse)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_quarantined) == ("loaded", 10, 0)


def test_study_rows_break_cross_column_rules_with_named_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path / "study.csv",
        "study_id,intervention,stratum_kind,stratum_value,outcome_scale,followup_weeks,n,"
        "baseline_mean,baseline_sd,followup_mean,followup_sd,responders,responder_definition,"
        "data_origin,citation,source_url\n"
        "X1,microneedling,severity,grade 3,gb_qualitative,12,20,3.1,0.4,2.2,0.5,25,gb_grade_ge1,literature,A et al 2020,https://doi.org/10/x\n"
        "X1,microneedling,skin_type,VII,gb_qualitative,12,20,3.1,0.4,2.2,0.5,5,gb_grade_ge1,literature,A et al 2020,https://doi.org/10/x\n"
        "X1,microneedling,all,all,gb_qualitative,12,20,,,,,,,literature,A et al 2020,https://doi.org/10/x\n"
        "X1,microneedling,all,all,gb_qualitative,0,20,3.1,0.4,2.2,0.5,5,,literature,A et al 2020,https://doi.org/10/x\n",
    )
    _, failures = check_file(path)
    assert {(f.row_number, f.column_name, f.rule) for f in failures} == {
        (1, "responders", "responders_at_most_n"),
        (2, "stratum_value", "stratum_value_matches_kind"),
        (3, "change_mean", "has_analysable_summary"),
        (4, "followup_weeks", "followup_after_baseline"),
        (4, "responder_definition", "responder_definition_given"),
    }
    assert all(f.describe().startswith(f"{path}: row ") for f in failures)


@pytest.mark.parametrize("spelling", ["4", "IV", "type IV", "Type 4", "iv", "Fitzpatrick type IV"])
def test_fitzpatrick_spellings_normalise_to_roman(spelling: str) -> None:
    from schemas.vocab import normalise_fitzpatrick  # noqa: PLC0415

    assert normalise_fitzpatrick(spelling) == "IV"


def test_contract_columns_added_later_are_added_to_an_existing_warehouse(tmp_path: Path) -> None:
    import duckdb  # noqa: PLC0415

    from evidence.warehouse.tables import ensure_tables  # noqa: PLC0415

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute("create table study_arms (study_id varchar, source_file varchar)")
        ensure_tables(con)
        columns = {row[0] for row in con.sql("describe study_arms").fetchall()}
    finally:
        con.close()
    assert {"citation", "risk_of_bias", "needle_depth_mm"} <= columns
