"""The task runner that validates files concurrently: threads by default, Dask as an option.

Only validation runs on it (each file in its own scratch DuckDB file); loading into the
warehouse stays in the flow's own thread, one file at a time, so DuckDB keeps one writer.
"""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

TASK_RUNNERS = ("threads", "dask")


def task_runner_for(name: str, workers: int) -> TaskRunner:  # type: ignore[type-arg]
    """``threads``; ``dask`` (a local cluster of ``workers`` processes); or the address of an
    existing Dask scheduler, e.g. ``tcp://scheduler:8786``."""
    if name == "threads":
        return ThreadPoolTaskRunner(max_workers=workers)
    from prefect_dask import DaskTaskRunner  # noqa: PLC0415 - dask is imported only when chosen

    if name == "dask":
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
                # Worker processes must report to this run's API. Without it, under the local
                # ephemeral API each worker would start a Prefect server of its own.
                "env": {"PREFECT_API_URL": current_api_url()},
            }
        )
    if name.startswith(("tcp://", "tls://")):
        return DaskTaskRunner(address=name)
    raise ValueError(f"task_runner must be one of {TASK_RUNNERS} or a Dask address, not {name!r}")


def current_api_url() -> str:
    """The API this process talks to (the local ephemeral server's address included)."""
    with get_client(sync_client=True) as client:
        return str(client.api_url)
