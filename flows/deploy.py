"""The scheduled deployment of the ``scar-evidence`` flow, declared once for both ways to run it.

* ``scar-evidence serve`` (one machine, no work pool): :func:`serve_nightly` serves the
  deployment from a long-lived process.
* ``prefect deploy`` (a team: server, work pool, workers): ``prefect.yaml`` points at
  :data:`scheduled_pipeline` and repeats the schedule, parameters and concurrency limit.

Both run at most **one** flow run at a time (``concurrency_limit=1``): DuckDB has one writer,
and the warehouse's writer lock would otherwise make a second run wait.
"""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

from flows.pipeline import evidence_pipeline

#: ``serve`` registers its own deployment: one of the same name as prefect.yaml's would keep
#: that one's work pool, and a worker would pick up runs meant for the serving process.
DEPLOYMENT_NAME = "nightly-local"
DEFAULT_CRON = "0 2 * * *"  # 02:00 every night
RUN_TIMEOUT_SECONDS = 2 * 60 * 60  # a nightly run that has not finished in 2 h is failed
TAGS = ["scar-evidence", "duckdb-writer"]

#: The flow as scheduled: a time limit on the whole run, per-task retries live on the tasks.
scheduled_pipeline = evidence_pipeline.with_options(timeout_seconds=RUN_TIMEOUT_SECONDS)


def serve_nightly(
    *,
    landing: str,
    warehouse: str,
    reports: str,
    cron: str = DEFAULT_CRON,
    timezone: str = "UTC",
    task_runner: str = "threads",
) -> None:
    """Serve the scheduled deployment until interrupted (blocks)."""
    deployment = scheduled_pipeline.to_deployment(
        name=DEPLOYMENT_NAME,
        schedule=Cron(cron, timezone=timezone),
        parameters={
            "landing": landing,
            "warehouse": warehouse,
            "reports": reports,
            "task_runner": task_runner,
        },
        concurrency_limit=1,
        tags=TAGS,
        description="Nightly scar-evidence run: ingest the landing folder, publish, report.",
    )
    serve(deployment, limit=1, pause_on_shutdown=False)
