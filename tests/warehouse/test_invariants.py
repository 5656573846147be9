"""Invariants of loading, checked with Hypothesis and with concurrent writers."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.warehouse.files import discover_files
from tests.helpers import ingest, rows

GOLDEN_FIXTURE = (
    Path(__file__).parents[1] / "golden" / "pipeline" / "synthetic_pipeline_fixture.csv"
)
CORRUPTIONS = {
    "baseline_grade": ["0", "5", "x", ""],
    "fitzpatrick_type": ["VII", "7", "pale", ""],
    "sessions": ["0", "1.5", "three"],
    "followup_weeks": ["-1", "0", "soon"],
    "baseline_score": ["85", "-2", "n/a"],
    "intervention": ["magic", ""],
    "subject_id": ["", "John Smith"],
}


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(
            st.integers(0, 95),
            st.sampled_from(sorted(CORRUPTIONS)),
            st.integers(0, 3),
        ),
        max_size=12,
    )
)
def test_every_row_is_loaded_or_quarantined(tmp_path_factory, edits) -> None:
    base = tmp_path_factory.mktemp("inv")
    landing = base / "landing"
    landing.mkdir()
    frame = pd.read_csv(GOLDEN_FIXTURE, dtype=str, keep_default_na=False)
    for row, column, choice in edits:
        options = CORRUPTIONS[column]
        frame.loc[row, column] = options[choice % len(options)]
    frame.to_csv(landing / "upload.csv", index=False)
    warehouse = base / "w.duckdb"
    (outcome,) = ingest(landing, warehouse)
    assert outcome.rows_in == len(frame)
    assert outcome.rows_loaded + outcome.rows_quarantined == outcome.rows_in
    loaded = rows(warehouse, "select source_row from patient_outcomes")
    refused = rows(warehouse, "select distinct row_number from quarantine")
    assert {r[0] for r in loaded}.isdisjoint({r[0] for r in refused})
    assert len(loaded) + len(refused) == len(frame)
    edited_rows = {row + 1 for row, _, _ in edits}
    assert {r[0] for r in refused} <= edited_rows


def _ingest_in_process(landing: str, warehouse: str, run_id: str) -> None:
    ingest(Path(landing), Path(warehouse), run_id=run_id)


def _read_while_running(warehouse: str, seconds: float, results: multiprocessing.Queue) -> None:
    """An analyst polling the published file read-only; reports what each read saw."""
    import time  # noqa: PLC0415

    import duckdb  # noqa: PLC0415

    deadline = time.monotonic() + seconds
    seen: list[object] = []
    while time.monotonic() < deadline:
        if not Path(warehouse).exists():
            seen.append("absent")
        else:
            try:
                con = duckdb.connect(warehouse, read_only=True)
                try:
                    seen.append(con.sql("select count(*) from patient_outcomes").fetchall()[0][0])
                finally:
                    con.close()
            except duckdb.Error as exc:
                seen.append(f"error: {exc}")
        time.sleep(0.02)
    results.put(seen)


@pytest.mark.slow
def test_two_concurrent_runs_and_a_reader_see_only_whole_warehouses(
    landing: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "w.duckdb"
    single = tmp_path / "single.duckdb"
    ingest(landing, single)
    complete = rows(single, "select count(*) from patient_outcomes")[0][0]
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    reader = context.Process(target=_read_while_running, args=(str(warehouse), 12.0, results))
    runs = [
        context.Process(target=_ingest_in_process, args=(str(landing), str(warehouse), f"run-{i}"))
        for i in range(2)
    ]
    reader.start()
    for process in runs:
        process.start()
    for process in runs:
        process.join(timeout=240)
        assert process.exitcode == 0
    seen = results.get(timeout=60)
    reader.join(timeout=60)
    count = (
        "select (select count(*) from patient_outcomes), (select count(*) from study_arms), "
        "(select count(*) from quarantine)"
    )
    assert rows(warehouse, count) == rows(single, count)
    files = len(discover_files(landing))
    assert rows(warehouse, "select count(*), count(distinct source_file) from ingest_log") == [
        (files, files)
    ]
    assert seen, "the reader never ran"
    assert set(seen) <= {"absent", complete}, sorted(set(map(str, seen)))
    assert complete in seen


def test_analyst_can_read_published_warehouse_while_a_run_writes(
    landing: Path, tmp_path: Path
) -> None:
    from evidence import pipeline  # noqa: PLC0415

    warehouse = tmp_path / "w.duckdb"
    ingest(landing, warehouse)
    before = rows(warehouse, "select count(*) from patient_outcomes")
    extra = landing / "patient_level" / "more.csv"
    shutil.copy(GOLDEN_FIXTURE, extra)
    settings_ = pipeline.RunSettings(landing=str(landing), warehouse=str(warehouse))
    with pipeline.writer_session(settings_) as build:
        validated = pipeline.validate_file(build, settings_, "patient_level/more.csv")
        pipeline.load_file(build, validated, "writer")
        # mid-run: the published file opens read-only and still shows the previous state
        assert rows(warehouse, "select count(*) from patient_outcomes") == before
    assert rows(warehouse, "select count(*) from patient_outcomes")[0][0] == before[0][0] + 96


def test_second_writer_is_told_who_it_waits_for_and_gives_up_clearly(tmp_path: Path) -> None:

    from evidence.errors import WarehouseBusyError  # noqa: PLC0415
    from evidence.warehouse.connect import writer_lock  # noqa: PLC0415

    warehouse = tmp_path / "w.duckdb"
    told: list[str] = []
    with writer_lock(warehouse):
        context = multiprocessing.get_context("fork")
        queue = context.Queue()

        def second() -> None:
            messages: list[str] = []
            try:
                with writer_lock(warehouse, wait_seconds=0.5, on_wait=messages.append):
                    queue.put(("acquired", messages))
            except WarehouseBusyError as exc:
                queue.put((str(exc), messages))

        process = context.Process(target=second)
        process.start()
        outcome, told = queue.get(timeout=30)
        process.join(timeout=30)
    assert "is being written by run pid" in outcome
    assert "gave up after" in outcome
    assert told
    assert told[0].startswith("waiting for run pid")


def test_publish_checkpoints_a_build_left_with_a_write_ahead_log(tmp_path: Path) -> None:
    """A build whose last writer did not close (so did not checkpoint) keeps its changes in
    the WAL beside it; publishing must fold them in before the rename, or they are lost."""
    import duckdb  # noqa: PLC0415

    from evidence.warehouse.connect import (  # noqa: PLC0415
        build_path_for,
        publish_build,
        wal_path_for,
    )

    warehouse = tmp_path / "w.duckdb"
    build = build_path_for(warehouse)
    context = multiprocessing.get_context("fork")

    def write_and_die() -> None:
        con = duckdb.connect(str(build))
        con.execute("create table t as select range as x from range(1000)")
        os._exit(0)  # no close: no checkpoint

    process = context.Process(target=write_and_die)
    process.start()
    process.join(timeout=60)
    assert wal_path_for(build).exists()
    publish_build(warehouse)
    assert not build.exists()
    assert not wal_path_for(build).exists()
    assert not wal_path_for(warehouse).exists()
    assert rows(warehouse, "select count(*), sum(x) from t") == [(1000, 499500)]


def test_a_run_checkpoints_its_build_once_when_it_publishes(tmp_path: Path) -> None:
    """The steps of a run share the session's database instance: closing a step's connection
    does not checkpoint (its changes wait in the WAL), and publishing folds them in."""
    from evidence import pipeline  # noqa: PLC0415
    from evidence.warehouse.connect import connect_write, wal_path_for  # noqa: PLC0415

    warehouse = tmp_path / "w.duckdb"
    settings_ = pipeline.RunSettings(landing=str(tmp_path), warehouse=str(warehouse))
    with pipeline.writer_session(settings_) as build:
        with connect_write(build) as con:
            con.execute("create table t as select range as x from range(1000)")
        assert wal_path_for(build).exists()  # a connection of its own would have checkpointed
        with connect_write(build) as con:
            assert con.execute("select count(*) from t").fetchall() == [(1000,)]
    assert not wal_path_for(warehouse).exists()
    assert rows(warehouse, "select count(*), sum(x) from t") == [(1000, 499500)]


def test_a_build_that_fails_to_start_fails_its_first_step_and_is_discarded(
    tmp_path: Path,
) -> None:
    """The build is started in the background; what goes wrong there reaches the first step
    that opens it, and the run leaves the published warehouse as it was."""
    import duckdb  # noqa: PLC0415

    from evidence.warehouse import connect  # noqa: PLC0415

    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table t as select 1 as x")

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        raise RuntimeError("cannot prepare the build")

    with connect.writer_lock(warehouse):
        build = connect.open_build(warehouse, broken)
        assert connect.published_source(build) == warehouse
        with (
            pytest.raises(RuntimeError, match="cannot prepare the build"),
            connect.connect_write(build),
        ):
            pass
        with pytest.raises(RuntimeError, match="cannot prepare the build"):
            connect.close_build(build)
        assert connect.published_source(build) is None
        connect.discard_build(warehouse)
    assert not build.exists()
    assert rows(warehouse, "select * from t") == [(1,)]
