"""Validate files in other processes (a Dask cluster): each in its own scratch DuckDB file.

A run validates its files in its build file, concurrently in threads of its own process: the
pass that validates a patient file writes its rows there, into their final table. Worker
processes cannot open the build file (DuckDB allows one process), so with a process-based
task runner each file is validated in its **own scratch DuckDB file**; the serialized load
step then attaches that scratch file to the build file (:func:`adopted`), copies a patient
file's table of rows into it (one more write of every row: the price of using more
processes) and loads from there.

The scratch file gets a snapshot of the published ``ingest_log`` (for the files already
loaded); the load repeats the checks that read the warehouse against the build file, which
then holds what a one-file-at-a-time run would have seen (``unchanged``/``duplicate_content``
and ``unique_key_in_warehouse``).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import duckdb

from evidence.warehouse import connect
from evidence.warehouse.staging import STAGING
from evidence.warehouse.tables import ensure_tables, has_table
from evidence.warehouse.validate import ValidatedFile
from evidence.warehouse.validate import validate_file as validate_in

LOG_SNAPSHOT = "ingest_log.parquet"
SCRATCH_ALIAS = "scratch"


def scratch_dir_for(build: Path) -> Path:
    return build.with_name(build.stem + ".scratch")


@contextmanager
def scratch_space(build: Path, published: Path | None = None) -> Iterator[Path]:
    """A fresh scratch folder beside the build file holding a snapshot of its ``ingest_log``.

    ``published``: take the snapshot from the published warehouse the build is being copied
    from (the same log: nothing is loaded before the files are validated), so validation
    need not wait for the copy; no such file: an empty log. Call with the writer lock held;
    the folder is removed when the block ends.
    """
    scratch = scratch_dir_for(build)
    shutil.rmtree(scratch, ignore_errors=True)  # left by a crashed run
    scratch.mkdir(parents=True)
    try:
        if published is None:
            with connect.connect_write(build) as con:
                ensure_tables(con)
                _snapshot_log(con, scratch)
        elif published.exists():
            with connect.connect_read(published) as con:
                _snapshot_log(con, scratch)
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _snapshot_log(con: duckdb.DuckDBPyConnection, scratch: Path) -> None:
    if has_table(con, "ingest_log"):
        con.sql("select * from ingest_log").to_parquet(str(scratch / LOG_SNAPSHOT))


def scratch_file_for(scratch: Path, source_file: str) -> Path:
    digest = hashlib.sha256(source_file.encode()).hexdigest()[:20]
    return scratch / f"{digest}.duckdb"


def validate_isolated(
    scratch: Path, landing: Path, source_file: str, *, strict: bool = False
) -> ValidatedFile:
    """Stage and validate one file in its own scratch DuckDB file (safe to run concurrently)."""
    path = scratch_file_for(scratch, source_file)
    path.unlink(missing_ok=True)
    with connect.connect_write(path) as con:
        ensure_tables(con)
        if (scratch / LOG_SNAPSHOT).exists():  # none: no warehouse yet, nothing ingested
            con.execute(
                "insert into ingest_log by name select * from read_parquet($path)",
                {"path": str(scratch / LOG_SNAPSHOT)},
            )
        return validate_in(con, landing, source_file, strict=strict)


@contextmanager
def adopted(
    con: duckdb.DuckDBPyConnection, scratch: Path, validated: ValidatedFile
) -> Iterator[ValidatedFile]:
    """Give ``con`` (the build file) a scratch file's staging for one load.

    Yields the file as :func:`~evidence.warehouse.load.load_file` should see it: its staging
    relations are read where they are, in the scratch file attached to the build file; the
    load copies a patient file's rows into the build file. The scratch file is detached when
    the block ends.
    """
    if validated.staged is None:
        yield validated
        return
    con.execute(
        f"attach $path as {SCRATCH_ALIAS}",
        {"path": str(scratch_file_for(scratch, validated.source_file))},
    )
    try:
        yield replace(validated, staging=f"{SCRATCH_ALIAS}.{STAGING}")
    finally:
        con.execute(f"detach {SCRATCH_ALIAS}")
