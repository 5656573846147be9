"""Load validated files into the warehouse: every row loaded or quarantined, once.

:func:`load_file` publishes one file validated by :mod:`evidence.warehouse.validate` in one
transaction: it checks the file's keys against the rows other files loaded, writes the
failures to ``quarantine``, logs the file in ``ingest_log`` and makes its rows part of the
warehouse. A patient file's rows already are in their final table (the validating pass wrote
them there, with the warnings each broke): loading registers that table in the views over the
patient rows, ``row_flags`` among them. A study-level (or risk-of-bias) file's rows are
appended to ``study_arms`` (``risk_of_bias``). A changed file under the same name supersedes
its earlier version, which stays in ``ingest_log``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import duckdb

from evidence.warehouse.files import seen_content
from evidence.warehouse.patient_files import (
    FLAGS,
    LOADS,
    drop_file_rows,
    file_tag,
    has_rows_table,
    record_file_studies,
    refresh_views,
    rows_table,
)
from evidence.warehouse.patient_pass import refuse_failed_rows, valid_rows_sql
from evidence.warehouse.quarantine import failures_sql, stage_failed_rows
from evidence.warehouse.row_rules import fail_keys_in_warehouse
from evidence.warehouse.staging import STAGING, StagedFile, drop_staging
from evidence.warehouse.tables import TARGET_TABLES, contract_columns
from evidence.warehouse.validate import ValidatedFile
from schemas.raw import LAYOUTS


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one landing file in one run."""

    source_file: str
    sha256: str
    status: str  # loaded | unchanged | duplicate_content | unreadable | incomplete | empty
    layout: str | None = None
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    unknown_columns: tuple[str, ...] = field(default_factory=tuple)
    rows_flagged: int = 0


def load_file(con: duckdb.DuckDBPyConnection, validated: ValidatedFile, run_id: str) -> FileOutcome:
    """Publish one validated file into the warehouse in a single transaction."""
    v = _recheck_seen_content(con, validated)
    if v.staged is None and validated.staged is not None and v.staging == STAGING:
        drop_file_rows(con, v.tag)  # the rows its pass stored go with it
    if v.skip_status == "unchanged":
        return FileOutcome(v.source_file, v.sha256, "unchanged", message="already loaded")
    stored = v.staged is not None and _prepare(con, v, v.staged)
    con.execute("begin transaction")
    try:
        # the same content read again under a new manifest replaces its own log line
        con.execute(
            "delete from ingest_log where source_file = $source and sha256 = $sha",
            {"source": v.source_file, "sha": v.sha256},
        )
        if v.staged is None:
            outcome = FileOutcome(
                v.source_file, v.sha256, v.skip_status or "unreadable", message=v.message
            )
            _log(con, outcome, v, run_id, origin=None)
        else:
            outcome = _publish(con, v, v.staged, run_id, stored=stored)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    if v.staging == STAGING:  # another file's staging goes with that file
        drop_staging(con, v.tag)
    return outcome


def _recheck_seen_content(
    con: duckdb.DuckDBPyConnection, validated: ValidatedFile
) -> ValidatedFile:
    """Skip a file whose content was loaded after it was validated (files are validated
    concurrently: another file of this run may have the same content)."""
    if validated.staged is None:
        return validated
    seen = seen_content(con, validated.source_file, validated.sha256, validated.manifest)
    if seen is None:
        return validated
    status, message = seen
    return replace(validated, staged=None, skip_status=status, message=message)


def _prepare(con: duckdb.DuckDBPyConnection, v: ValidatedFile, staged: StagedFile) -> bool:
    """Before the load's transaction: bring a scratch file's rows over, refuse the rows whose
    key another file loaded, and stage the cells of every failed row. Writes only the file's
    own staging and its table of rows, which nothing reads before the transaction commits.
    True when the file's rows are stored (a patient file not refused whole)."""
    patient = staged.layout == "patient"
    scratch = v.staging.rsplit(".", 1)[0] if v.staging != STAGING else None
    stored = patient and has_rows_table(con, v.tag, scratch)
    if stored and scratch is not None:  # validated in a scratch file: its table comes over
        drop_file_rows(con, v.tag)
        table = rows_table(v.tag)
        con.execute(f"create table {table} as select * from {scratch}.{table}")
    failed = f"{v.staging}.failed_{v.tag}"
    if not patient or stored:
        valid = valid_rows_sql(con, v.tag) if stored else f"{v.staging}.valid_{v.tag}"
        fail_keys_in_warehouse(con, v.source_file, staged.layout, valid, failed)
    if stored:
        refuse_failed_rows(con, v.tag, failed)
    stage_failed_rows(con, staged, v.tag, v.staging)
    return stored


def _publish(
    con: duckdb.DuckDBPyConnection,
    v: ValidatedFile,
    staged: StagedFile,
    run_id: str,
    *,
    stored: bool,
) -> FileOutcome:
    patient = staged.layout == "patient"
    failed = f"{v.staging}.failed_{v.tag}"
    params = {"source": v.source_file, "sha": v.sha256, "run": run_id}
    _supersede(con, v)
    if stored:
        record_file_studies(con, v.tag, params)
    if not patient:
        valid = f"{v.staging}.valid_{v.tag}"
        columns = ", ".join(name for name, _, _ in contract_columns(LAYOUTS[staged.layout]))
        con.execute(
            f"insert into {TARGET_TABLES[staged.layout]} "
            f"({columns}, source_file, source_sha256, source_row, run_id) "
            f"select {columns}, $source, $sha, source_row, $run from {valid} "
            f"anti join {failed} f on source_row = f.row_number",
            params,
        )
    con.execute(
        f"""
        insert into quarantine
        select $source, $sha, row_number, column_name, value, rule, message, original_row,
               $run, now()
        from ({failures_sql(v.tag, staged, v.staging)})
        """,
        params,
    )
    flagged = 0
    if stored:  # its warnings stay with its rows: the view row_flags lists them
        loaded, flagged = _counts(
            con, f"select count(*), count({FLAGS}) from {rows_table(v.tag)} where {LOADS}"
        )
    else:
        target = TARGET_TABLES[staged.layout]
        loaded = _count(con, f"select count(*) from {target} where source_sha256 = $sha", v)
    refused = _count(con, f"select count(distinct row_number) from {failed}", v)
    if loaded + refused != staged.rows_in:
        raise RuntimeError(
            f"{v.source_file}: {staged.rows_in} rows read but {loaded} loaded and "
            f"{refused} quarantined; refusing to commit"
        )
    outcome = FileOutcome(
        v.source_file,
        v.sha256,
        "empty" if staged.rows_in == 0 else "loaded",
        staged.layout,
        staged.rows_in,
        loaded,
        refused,
        message="; ".join(_notes(staged)),
        unknown_columns=staged.unknown_columns,
        rows_flagged=flagged,
    )
    _log(con, outcome, v, run_id, _origin(con, v, staged.layout, stored))
    if patient:
        refresh_views(con)
    return outcome


def _supersede(con: duckdb.DuckDBPyConnection, v: ValidatedFile) -> None:
    """Retire the earlier versions of the file: their rows, quarantine and flags go."""
    source = {"source": v.source_file}
    earlier = con.execute(
        "select sha256 from ingest_log where source_file = $source "
        "and status in ('loaded', 'empty')",
        source,
    ).fetchall()
    con.execute(
        "update ingest_log set status = 'superseded' "
        "where source_file = $source and status in ('loaded', 'empty')",
        source,
    )
    # the studies whose patient models must be recomputed
    con.execute(
        "insert or ignore into changed_studies "
        "select study_id from patient_file_studies where source_file = $source",
        source,
    )
    for (sha,) in earlier:
        if sha != v.sha256:
            drop_file_rows(con, file_tag(v.source_file, sha))
    appended = [t for layout, t in TARGET_TABLES.items() if layout != "patient"]
    for table in (*appended, "quarantine", "patient_file_studies"):
        con.execute(f"delete from {table} where source_file = $source", source)
    if earlier:
        refresh_views(con)


def _notes(staged: StagedFile) -> list[str]:
    notes = list(staged.notes)
    if staged.unknown_columns:
        notes.append(f"ignored columns not in the contract: {', '.join(staged.unknown_columns)}")
    if staged.rows_in == 0:
        notes.append("header only: no data rows")
    return notes


def _count(con: duckdb.DuckDBPyConnection, sql: str, v: ValidatedFile) -> int:
    params = {"sha": v.sha256} if "$sha" in sql else {}
    return int(con.execute(sql, params).fetchall()[0][0])


def _counts(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[int, int]:
    first, second = con.execute(sql).fetchall()[0]
    return int(first), int(second)


def _origin(
    con: duckdb.DuckDBPyConnection, v: ValidatedFile, layout: str, stored: bool
) -> str | None:
    relation = (
        f"(select data_origin from {rows_table(v.tag)} where {LOADS})"
        if stored
        else f"(select data_origin from {TARGET_TABLES[layout]} where source_sha256 = $sha)"
    )
    origins = [
        row[0]
        for row in con.execute(
            f"select distinct data_origin from {relation} order by 1",
            {} if stored else {"sha": v.sha256},
        ).fetchall()
    ]
    if not origins:
        return None
    return origins[0] if len(origins) == 1 else "mixed"


def _log(
    con: duckdb.DuckDBPyConnection,
    outcome: FileOutcome,
    v: ValidatedFile,
    run_id: str,
    origin: str | None,
) -> None:
    con.execute(
        """
        insert into ingest_log values ($source, $sha, $layout, $origin, $status, $rows_in,
            $loaded, $quarantined, $bytes, $unknown, $message, $run, $at, $manifest, $flagged)
        """,
        {
            "source": outcome.source_file,
            "sha": outcome.sha256,
            "layout": outcome.layout,
            "origin": origin,
            "status": outcome.status,
            "rows_in": outcome.rows_in,
            "loaded": outcome.rows_loaded,
            "quarantined": outcome.rows_quarantined,
            "bytes": v.file_bytes,
            "unknown": ",".join(outcome.unknown_columns) or None,
            "message": outcome.message or None,
            "run": run_id,
            "at": datetime.now(UTC),
            "manifest": v.manifest,
            "flagged": outcome.rows_flagged,
        },
    )
