"""The ``scar-evidence`` flow: discover -> validate -> load -> aggregate -> pool -> report.

It only orders tasks. Writes go to a private build file under the warehouse's writer lock
and are published atomically when every load and model has succeeded; the report is then
built from the published warehouse.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from prefect import flow
from prefect.runtime import flow_run

from evidence import pipeline
from flows import tasks


@flow(name="scar-evidence", log_prints=True)
def evidence_pipeline(
    landing: str = "data/raw",
    warehouse: str = "data/warehouse.duckdb",
    reports: str = "reports",
    rho: float = 0.5,
    method: str = "REML",
    test: str = "z",
    strict: bool = False,
) -> pipeline.RunResult:
    """Ingest the landing folder into the warehouse and write the evidence report."""
    settings = pipeline.RunSettings(landing, warehouse, reports, rho, method, test, strict)
    record = pipeline.RunRecord(
        run_id=pipeline.new_run_id(),
        started_at=datetime.now(UTC).isoformat(),
        settings=settings,
        prefect_flow_run_id=flow_run.get_id(),
        versions=pipeline.package_versions(),
    )
    with pipeline.writer_session(settings) as build:
        outcomes = []
        for source_file in tasks.discover_files(settings):
            validated = tasks.validate_file(build, settings, source_file)
            outcomes.append(tasks.load_file(build, validated, record.run_id))
        groups = tasks.build_and_pool(build, settings)
        record = replace(record, outcomes=tuple(outcomes), groups_pooled=groups)
        tasks.record_run(build, record)
    ctx = tasks.read_report_context(record)
    files = tasks.write_report(ctx, record)
    tasks.post_artifact(files)
    return pipeline.RunResult(record=record, files=files, summary_lines=ctx.summary_lines)
