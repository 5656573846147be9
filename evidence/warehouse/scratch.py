"""Validate many files at once without a second writer on the build file.

:func:`evidence.warehouse.load.validate_file` writes staging tables, so it cannot run in
several threads or processes against the run's build file (DuckDB allows one writer). Here
each file is validated in its **own scratch DuckDB file**, concurrently; the serialized load
step then attaches that scratch file to the build file (:func:`adopted`) and calls
:func:`~evidence.warehouse.load.load_file` there. Only the load step ever opens the build file.

Two checks of ``validate_file`` read the warehouse, and the scratch file sees it only as it
was when the run started. Both are repeated at load time against the build file, which then
holds exactly what a one-file-at-a-time run would have seen:

* a file whose content is already in ``ingest_log`` (``unchanged``/``duplicate_content``);
  the scratch file gets a snapshot of ``ingest_log``, and :func:`recheck_seen_content` catches
  a duplicate loaded earlier in the same run;
* ``unique_key_in_warehouse``: :func:`recheck_warehouse_keys` reruns the rule against the
  build file's tables.
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
from evidence.warehouse.load import (
    STAGING,
    ValidatedFile,
    seen_content,
    stage_failed_rows,
)
from evidence.warehouse.load import validate_file as validate_in
from evidence.warehouse.row_rules import fail_keys_in_warehouse
from evidence.warehouse.tables import ensure_tables, has_table

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
                "insert into ingest_log select * from read_parquet($path)",
                {"path": str(scratch / LOG_SNAPSHOT)},
            )
        return validate_in(con, landing, source_file, strict=strict)


@contextmanager
def adopted(
    con: duckdb.DuckDBPyConnection, scratch: Path, validated: ValidatedFile
) -> Iterator[ValidatedFile]:
    """Give ``con`` (the build file) a scratch file's staging, rechecked, for one load.

    Yields the file as :func:`~evidence.warehouse.load.load_file` should see it: its staging
    relations are read (and the recheck's refusals added) where they are, in the scratch file
    attached to the build file, so nothing is copied into the build file but what the load
    publishes; the checked rows, as many as the file has, are written once more only into
    ``patient_outcomes``. The scratch file is detached when the block ends.
    """
    validated = recheck_seen_content(con, validated)
    if validated.staged is None:
        yield validated
        return
    con.execute(
        f"attach $path as {SCRATCH_ALIAS}",
        {"path": str(scratch_file_for(scratch, validated.source_file))},
    )
    try:
        validated = replace(validated, staging=f"{SCRATCH_ALIAS}.{STAGING}")
        recheck_warehouse_keys(con, validated)
        stage_failed_rows(con, validated.staged, validated.tag, validated.staging)
        yield validated
    finally:
        con.execute(f"detach {SCRATCH_ALIAS}")


def recheck_seen_content(con: duckdb.DuckDBPyConnection, validated: ValidatedFile) -> ValidatedFile:
    """Skip a file whose content was loaded earlier in this run (under another name)."""
    if validated.staged is None:
        return validated
    seen = seen_content(con, validated.source_file, validated.sha256, validated.manifest)
    if seen is None:
        return validated
    status, message = seen
    return replace(validated, staged=None, skip_status=status, message=message)


def recheck_warehouse_keys(con: duckdb.DuckDBPyConnection, validated: ValidatedFile) -> None:
    """Rerun ``unique_key_in_warehouse`` against the build file's tables."""
    staged = validated.staged
    if staged is None:
        return
    valid, failed = (f"{validated.staging}.{kind}_{validated.tag}" for kind in ("valid", "failed"))
    if con.execute(
        f"select count(*) from {failed} where rule in ('required_column', 'direct_identifier', "
        "'unknown_column')"
    ).fetchall()[0][0]:
        return  # a refused file: its rows were never validated one by one
    fail_keys_in_warehouse(con, validated.source_file, staged.layout, valid, failed)
