"""Run the pipeline's steps without Prefect (the flow orders exactly these calls)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from evidence import pipeline
from evidence.warehouse.load import FileOutcome


def ingest(
    landing: Path,
    warehouse: Path,
    *,
    rho: float = 0.5,
    run_id: str = "test-run",
    strict: bool = False,
) -> list[FileOutcome]:
    settings = pipeline.RunSettings(
        landing=str(landing), warehouse=str(warehouse), rho=rho, strict=strict
    )
    with pipeline.writer_session(settings) as build:
        outcomes = [
            pipeline.load_file(build, pipeline.validate_file(build, settings, name), run_id)
            for name in pipeline.discover(settings)
        ]
        pipeline.build_and_pool(build, settings)
    return outcomes


def rows(warehouse: Path, sql: str, params: dict[str, object] | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()
