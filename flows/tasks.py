"""Prefect tasks: each body is one call into ``evidence``."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from evidence import pipeline
from evidence.notifications import RunNotice
from evidence.reporting.context import ReportContext
from evidence.warehouse.load import FileOutcome
from evidence.warehouse.validate import ValidatedFile


@task(name="discover-files", cache_policy=NO_CACHE)
def discover_files(settings: pipeline.RunSettings) -> list[str]:
    return pipeline.discover(settings)


@task(
    name="validate-file",
    cache_policy=NO_CACHE,
    task_run_name="validate {source_file}",
    retries=2,  # transient I/O on the landing folder (network shares, files still syncing)
    retry_delay_seconds=[2, 10],
    # no timeout_seconds: it cannot interrupt a worker thread; the flow run has one
)
def validate_file(
    build: Path, settings: pipeline.RunSettings, source_file: str, scratch: Path | None = None
) -> ValidatedFile:
    return pipeline.validate_file(build, settings, source_file, scratch)


@task(
    name="load-file",
    cache_policy=NO_CACHE,
    task_run_name="load {validated.source_file}",
    timeout_seconds=1800,
)
def load_file(
    build: Path, validated: ValidatedFile, run_id: str, scratch: Path | None = None
) -> FileOutcome:
    return pipeline.load_file(build, validated, run_id, scratch)


@task(name="aggregate-and-synthesize", cache_policy=NO_CACHE)
def build_and_pool(build: Path, settings: pipeline.RunSettings, run_id: str | None = None) -> int:
    return pipeline.build_and_pool(build, settings, run_id)


@task(name="record-run", cache_policy=NO_CACHE)
def record_run(build: Path, record: pipeline.RunRecord) -> None:
    pipeline.record_run(build, record)


@task(name="read-report-context", cache_policy=NO_CACHE)
def read_report_context(record: pipeline.RunRecord) -> ReportContext:
    return pipeline.read_report_context(record)


@task(name="write-report", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def write_report(ctx: ReportContext, record: pipeline.RunRecord) -> pipeline.ReportFiles:
    return pipeline.write_report_files(ctx, record)


@task(name="report-artifacts", cache_policy=NO_CACHE)
def report_artifacts(ctx: ReportContext, files: pipeline.ReportFiles) -> pipeline.ReportArtifacts:
    return pipeline.report_artifacts(ctx, files)


@task(name="post-artifact", cache_policy=NO_CACHE)
def post_artifact(files: pipeline.ReportFiles) -> None:
    create_markdown_artifact(
        key="scar-evidence-report",
        markdown=files.markdown.read_text(encoding="utf-8"),
        description=f"scar-evidence report; HTML at {files.html}",
    )


@task(name="post-summary-artifacts", cache_policy=NO_CACHE)
def post_summary_artifacts(artifacts: pipeline.ReportArtifacts) -> None:
    create_markdown_artifact(
        key="scar-evidence-summary",
        markdown=artifacts.summary_markdown,
        description="Plain-language summary, generated from the numbers",
    )
    create_table_artifact(
        key="scar-evidence-sof",
        table=artifacts.sof_table,
        description="Summary of findings (GRADE certainty from declared rules)",
    )
    create_link_artifact(
        key="scar-evidence-report-html",
        link=artifacts.html_uri,
        link_text="HTML report",
        description="The self-contained HTML report of this run",
    )


@task(name="notify", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def notify(notice: RunNotice) -> None:
    """Emit the run's notice as a Prefect event (automations can mail or page on it)."""
    emit_event(
        event=notice.event,
        resource={
            "prefect.resource.id": f"scar-evidence.warehouse.{notice.payload['warehouse']}",
            "prefect.resource.name": "scar-evidence warehouse",
        },
        payload={"message": notice.message, **notice.payload},
    )
