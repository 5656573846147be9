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
from prefect.states import Completed
from prefect.utilities.annotations import quote, unmapped

from evidence import notifications, pipeline
from evidence.warehouse.load import FileOutcome
from flows import tasks
from flows.runners import task_runner_for


@flow(name="scar-evidence", log_prints=True)
def evidence_pipeline(
    landing: str = "data/raw",
    warehouse: str = "data/warehouse.duckdb",
    reports: str = "reports",
    rho: float = 0.5,
    method: str = "REML",
    test: str = "z",
    strict: bool = False,
    pdf: bool = False,
    task_runner: str = "threads",
    workers: int = 4,
) -> pipeline.RunResult:
    """Ingest the landing folder into the warehouse and write the evidence report."""
    settings = pipeline.RunSettings(landing, warehouse, reports, rho, method, test, strict, pdf)
    record = pipeline.RunRecord(
        run_id=pipeline.new_run_id(),
        started_at=datetime.now(UTC).isoformat(),
        settings=settings,
        prefect_flow_run_id=flow_run.get_id(),
        versions=pipeline.package_versions(),
    )
    source_files: list[str] = []
    outcomes: list[FileOutcome] = []
    try:
        with pipeline.writer_session(settings) as build:
            # Files are validated concurrently on `task_runner`: in threads, into the build
            # file itself (a patient file's rows go straight to their final table); in other
            # processes, each into its own scratch DuckDB file. Loads stay here, one at a time,
            # in order.
            with (
                pipeline.validation_scratch(build, needed=task_runner != "threads") as scratch,
                task_runner_for(task_runner, workers) as runner,
            ):
                source_files = tasks.discover_files(settings)
                validations = runner.map(
                    tasks.validate_file,
                    {
                        "build": unmapped(build),
                        "settings": unmapped(settings),
                        "source_file": source_files,
                        "scratch": unmapped(scratch),
                    },
                )
                for validation in validations:
                    validated = validation.result()
                    outcomes.append(tasks.load_file(build, validated, record.run_id, scratch))
            groups = tasks.build_and_pool(build, settings, record.run_id)
            record = replace(record, outcomes=tuple(outcomes), groups_pooled=groups)
            tasks.record_run(build, record)
    except Exception as exc:
        failed_file = source_files[len(outcomes)] if len(outcomes) < len(source_files) else None
        tasks.notify(
            notifications.run_notice(
                outcomes, warehouse=warehouse, failed_file=failed_file, error=str(exc)
            )
        )
        raise
    ctx = tasks.read_report_context(record)
    # quote: Prefect would otherwise walk every object of the context looking for futures
    # (for a registry's thousand studies, millions of them: ~55 s a run)
    files = tasks.write_report(quote(ctx), record)
    tasks.post_artifact(files)
    tasks.post_summary_artifacts(tasks.report_artifacts(quote(ctx), files))
    result = pipeline.RunResult(record=record, files=files, summary_lines=ctx.summary_lines)
    notice = notifications.run_notice(record.outcomes, warehouse=warehouse)
    tasks.notify(notice)
    return Completed(message=notice.message, data=result)  # type: ignore[return-value]
