"""The flow with prefect-dask's DaskTaskRunner: files are validated in a local cluster of
worker processes, each into its own scratch DuckDB file; loads stay serialized."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.pipeline import evidence_pipeline
from tests.helpers import ingest, rows

pytestmark = [pytest.mark.flow, pytest.mark.slow]

COUNTS = (
    "select (select count(*) from patient_outcomes), (select count(*) from study_arms), "
    "(select count(*) from quarantine), (select count(*) from ingest_log)"
)


def test_dask_runner_loads_the_same_rows_as_one_file_at_a_time(
    landing: Path, tmp_path: Path
) -> None:
    dask_wh, serial_wh = tmp_path / "dask.duckdb", tmp_path / "serial.duckdb"
    state = evidence_pipeline(
        landing=str(landing),
        warehouse=str(dask_wh),
        reports=str(tmp_path / "r"),
        task_runner="dask",
        workers=2,
        return_state=True,
    )
    assert state.is_completed(), state.message
    assert "synthetic_site_upload_with_errors.csv (5 rows)" in str(state.message)
    ingest(landing, serial_wh)  # the same steps without Prefect, one file at a time
    assert rows(dask_wh, COUNTS) == rows(serial_wh, COUNTS)
    assert not list(tmp_path.glob("*.scratch"))
