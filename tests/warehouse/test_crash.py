"""A run killed (SIGKILL) at any moment leaves the published warehouse as it was; a re-run
then produces exactly the warehouse a clean run gives, table by table."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import threading
import time
from pathlib import Path

import duckdb
import pytest

from evidence import progress
from tests.conftest import SHIPPED, SYNTHETIC
from tests.helpers import ingest

pytestmark = pytest.mark.slow  # 14 runs, each killed and rerun in another process

#: Progress events of one run over the shipped and synthetic landing folders where it is killed:
#: after discovery, while validating and loading files, while building models, pooling and
#: publishing (the publish event comes just before the atomic rename).
EVENT_KILL_POINTS = [0, 1, 2, 3, 4, 6, 8, 10, 11, 12, 13]
#: Kills at random moments (seconds after start), seeded so that CI is reproducible.
TIMED_KILLS = [round(random.Random(seed).uniform(0.05, 1.5), 3) for seed in range(3)]
VOLATILE = {"run_id", "loaded_at", "quarantined_at"}
TABLES = (
    "patient_outcomes",
    "study_arms",
    "quarantine",
    "ingest_log",
    "int_arm_effects",
    "fct_pooled_improvement",
    "fct_study_weights",
)


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without the columns that differ between runs."""
    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for table in TABLES:
            columns = [
                c[0] for c in con.sql(f"describe {table}").fetchall() if c[0] not in VOLATILE
            ]
            out[table] = sorted(
                (
                    tuple(_stable(v) for v in row)
                    for row in con.sql(f"select {', '.join(columns)} from {table}").fetchall()
                ),
                key=repr,
            )
        return out
    finally:
        con.close()


def _stable(value: object) -> object:
    """Floats to 12 significant digits: DuckDB's parallel aggregates may sum in another order."""
    return float(f"{value:.12g}") if isinstance(value, float) else value


def _run_and_die(
    landing: str, warehouse: str, kill_at_event: int | None, kill_after: float | None
) -> None:
    if kill_at_event is not None:
        seen = iter(range(1_000_000))

        def die(_: progress.ProgressEvent) -> None:
            if next(seen) == kill_at_event:
                os.kill(os.getpid(), signal.SIGKILL)

        progress.subscribe(die)
    if kill_after is not None:
        threading.Timer(kill_after, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()
    ingest(Path(landing), Path(warehouse), run_id="killed")
    time.sleep(5)  # a timed kill must still land after a fast run
    os._exit(0)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """(landing, warehouse before the run, clean result) for a second run adding files."""
    base = tmp_path_factory.mktemp("crash")
    landing = base / "landing"
    shutil.copytree(SYNTHETIC, landing)
    shutil.copytree(SHIPPED / "literature", landing / "literature")
    first = base / "first"
    shutil.copytree(landing / "study_level", first / "study_level")
    before = base / "before.duckdb"
    ingest(first, before, run_id="first")
    clean = base / "clean.duckdb"
    shutil.copy(before, clean)
    ingest(landing, clean, run_id="clean")
    return landing, snapshot(before), snapshot(clean)


def _killed_then_rerun(
    reference: tuple[Path, dict, dict],
    tmp_path: Path,
    kill_at_event: int | None,
    kill_after: float | None,
) -> None:
    landing, before, clean = reference
    warehouse = tmp_path / "w.duckdb"
    # start from the warehouse that holds the first file only
    ingest(_first_only(landing, tmp_path), warehouse, run_id="first")
    assert snapshot(warehouse) == before
    process = multiprocessing.get_context("fork").Process(
        target=_run_and_die, args=(str(landing), str(warehouse), kill_at_event, kill_after)
    )
    process.start()
    process.join(timeout=120)
    assert process.exitcode == -signal.SIGKILL, "the run was not killed"
    after_kill = snapshot(warehouse)
    assert after_kill in (before, clean), "a killed run left a half-written warehouse"
    ingest(landing, warehouse, run_id="rerun")
    assert snapshot(warehouse) == clean


def _first_only(landing: Path, tmp_path: Path) -> Path:
    first = tmp_path / "first"
    if not first.exists():
        shutil.copytree(landing / "study_level", first / "study_level")
    return first


@pytest.mark.parametrize("kill_at_event", EVENT_KILL_POINTS)
def test_run_killed_at_a_step_leaves_warehouse_intact_and_rerun_completes_it(
    reference: tuple[Path, dict, dict], tmp_path: Path, kill_at_event: int
) -> None:
    _killed_then_rerun(reference, tmp_path, kill_at_event, None)


@pytest.mark.parametrize("kill_after", TIMED_KILLS)
def test_run_killed_at_a_random_moment_leaves_warehouse_intact(
    reference: tuple[Path, dict, dict], tmp_path: Path, kill_after: float
) -> None:
    _killed_then_rerun(reference, tmp_path, None, kill_after)
