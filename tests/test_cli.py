"""The command-line contract: names, outputs and exit codes (no Prefect here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidence.cli import app
from tests.helpers import ingest

runner = CliRunner()
SYNTHETIC = Path(__file__).parents[1] / "data" / "examples" / "synthetic"


def test_validate_passes_clean_file_with_exit_0() -> None:
    result = runner.invoke(
        app, ["validate", str(SYNTHETIC / "study_level" / "synthetic_study_summaries.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "70 rows, 0 failing, 0 flagged" in result.output


def test_validate_prints_every_failure_and_exits_1() -> None:
    path = SYNTHETIC / "patient_level" / "synthetic_site_upload_with_errors.csv"
    result = runner.invoke(app, ["validate", str(path)], terminal_width=300)
    assert result.exit_code == 1
    assert "20 rows, 5 failing, 0 flagged" in result.output
    failure_lines = [line for line in result.output.splitlines() if line.startswith("  ")]
    assert len(failure_lines) == 5
    assert f"{path}: row 9, column sessions, value 'three': rule type_integer" in result.output
    assert f"{path}: row 3, column followup_grade, value '7': rule in_range(1, 4)" in result.output


def test_validate_prints_a_warning_without_failing_unless_strict() -> None:
    path = Path(__file__).parent / "data" / "bad" / "macular_grade_high_score.csv"
    result = runner.invoke(app, ["validate", str(path)], terminal_width=300)
    assert result.exit_code == 0, result.output
    assert "3 rows, 0 failing, 1 flagged" in result.output
    assert "rule followup_score_fits_grade (warning)" in result.output
    strict = runner.invoke(app, ["validate", "--strict", str(path)], terminal_width=300)
    assert strict.exit_code == 1
    assert "3 rows, 1 failing, 0 flagged" in strict.output


def test_validate_reports_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)], terminal_width=300)
    assert result.exit_code == 1
    assert "unreadable" in result.output


def test_query_reads_published_warehouse_as_json_and_csv(landing: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)
    sql = "select baseline_grade, k_studies from improvement_by_severity where intervention = 'microneedling' and outcome_scale = 'gb_qualitative' order by 1"
    as_json = runner.invoke(app, ["query", sql, "--warehouse", str(warehouse), "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert [r["baseline_grade"] for r in json.loads(as_json.output)] == [2, 3, 4]
    as_csv = runner.invoke(app, ["query", sql, "--warehouse", str(warehouse), "--format", "csv"])
    assert as_csv.output.splitlines()[0] == "baseline_grade,k_studies"


def test_query_refuses_to_write(landing: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)
    result = runner.invoke(app, ["query", "delete from quarantine", "--warehouse", str(warehouse)])
    assert result.exit_code == 1
    assert "read-only" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--method", "BOGUS"],
        ["run", "--rho", "1.5"],
        ["run", "--landing", "/no/such/folder"],
        ["query", "select 1", "--format", "xml"],
        ["no-such-command"],
    ],
)
def test_bad_usage_exits_2(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2
