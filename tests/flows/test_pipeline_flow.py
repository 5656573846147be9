"""The real flow, under Prefect's test harness, on the SYNTHETIC examples (the patient-level
path: `scar-evidence run --landing data/examples/synthetic`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.client.orchestration import get_client

from flows.pipeline import evidence_pipeline
from tests.helpers import rows

pytestmark = pytest.mark.flow


def test_flow_loads_synthetic_examples_publishes_warehouse_and_writes_report(
    landing: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    reports = tmp_path / "reports"
    result = evidence_pipeline(
        landing=str(landing), warehouse=str(warehouse), reports=str(reports), pdf=True
    )
    assert warehouse.exists()
    assert not (tmp_path / "warehouse.build.duckdb").exists()
    assert result.files.html.is_file()
    assert result.files.html.parent.parent == reports
    html = result.files.html.read_text(encoding="utf-8")
    assert "SYNTHETIC" in html
    assert "<svg" in html
    assert "13. Methods" in html
    assert result.files.pdf is not None
    assert result.files.pdf.read_bytes().startswith(b"%PDF-")
    assert {p.name for p in result.files.tables} >= {"summary_of_findings.csv", "study_rows.csv"}
    assert len(result.summary_lines) == 5
    for source, rows_in, loaded, quarantined in rows(
        warehouse, "select source_file, rows_in, rows_loaded, rows_quarantined from ingest_log"
    ):
        assert rows_in == loaded + quarantined, source
    assert rows(warehouse, "select count(*) from quarantine")[0][0] >= 5
    assert rows(warehouse, "select count(*) from improvement_by_severity")[0][0] > 0
    assert rows(warehouse, "select count(*) from improvement_by_skin_type")[0][0] > 0
    (flow_run_id,) = rows(warehouse, "select prefect_flow_run_id from runs")[0]
    assert flow_run_id


def test_flow_rerun_on_same_files_adds_nothing_and_posts_artifact(
    landing: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    counts = (
        "select (select count(*) from patient_outcomes), (select count(*) from study_arms), "
        "(select count(*) from quarantine), (select count(*) from ingest_log)"
    )
    evidence_pipeline(landing=str(landing), warehouse=str(warehouse), reports=str(tmp_path / "r"))
    first = rows(warehouse, counts)
    second = evidence_pipeline(
        landing=str(landing), warehouse=str(warehouse), reports=str(tmp_path / "r")
    )
    assert rows(warehouse, counts) == first
    assert {o.status for o in second.record.outcomes} == {"unchanged"}
    assert rows(warehouse, "select count(*) from runs")[0][0] == 2

    async def artifacts() -> list[str]:
        async with get_client() as client:
            found = await client.read_artifacts()
            return [a.key for a in found]

    import asyncio  # noqa: PLC0415

    keys = asyncio.run(artifacts())
    for key in (
        "scar-evidence-report",
        "scar-evidence-summary",
        "scar-evidence-sof",
        "scar-evidence-report-html",
    ):
        assert key in keys
    assert rows(warehouse, "select count(distinct run_id) from fct_pooled_history")[0][0] == 2
