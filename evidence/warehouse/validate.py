"""Validate one landing file: read it, check it against its contract, keep what the load needs.

Nothing public changes here. A patient-level file's rows are checked and stored in one pass,
in their final table (``patient_pass``), which the load then registers; a study-level file is
checked by Pandera in batches into ``_ingest.valid_<tag>``. Either way the failures are listed
in ``_ingest.failed_<tag>`` (one line per row x column x rule), with the failing rows' cells
as in the file in ``_ingest.rawfail_<tag>``. Rules that refuse a whole file (a column that
identifies patients, a required column missing, an unknown column under ``--strict``) list
every row. The check against keys already in the warehouse is the load's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from evidence.errors import RowFailure, UnreadableFileError
from evidence.warehouse.deidentify import find_identifiers, name_findings
from evidence.warehouse.files import file_sha256, seen_content
from evidence.warehouse.manifest import read_manifest
from evidence.warehouse.patient_files import (
    drop_file_rows,
    file_tag,
    flags_sql,
    has_rows_table,
    row_number_sql,
    rows_table,
)
from evidence.warehouse.patient_pass import refuse_failed_rows, store_rows, valid_rows_sql
from evidence.warehouse.quarantine import failures_sql, stage_failed_rows
from evidence.warehouse.row_rules import apply_file_rules
from evidence.warehouse.staging import (
    FAILURE_COLUMNS,
    STAGING,
    StagedFile,
    drop_staging,
    stage_file,
    validate_batches,
)
from evidence.warehouse.tables import contract_columns, ensure_tables
from schemas.raw import LAYOUTS


@dataclass(frozen=True)
class ValidatedFile:
    """A file staged and validated, ready for :func:`evidence.warehouse.load.load_file`."""

    source_file: str
    sha256: str
    file_bytes: int
    tag: str
    staged: StagedFile | None  # None when the file is skipped or unreadable
    skip_status: str | None = None  # unchanged | duplicate_content | unreadable
    message: str = ""
    staging: str = STAGING  # where its staging relations are (an attached file's schema)
    manifest: str | None = None  # the declarations of its manifest (Manifest.recorded())
    strict: bool = False


def validate_file(
    con: duckdb.DuckDBPyConnection, landing: Path, source_file: str, *, strict: bool = False
) -> ValidatedFile:
    """Stage and validate one file in ``con``'s database; public tables are not touched."""
    path = landing / source_file
    sha = file_sha256(path)
    tag = file_tag(source_file, sha)
    size = path.stat().st_size
    try:
        manifest = read_manifest(path)
    except UnreadableFileError as exc:
        return ValidatedFile(source_file, sha, size, tag, None, exc.status, exc.reason)
    recorded = manifest.recorded() if manifest else None
    seen = seen_content(con, source_file, sha, recorded)
    if seen is not None:
        status, message = seen
        return ValidatedFile(source_file, sha, size, tag, None, status, message, manifest=recorded)
    pseudonyms = manifest.study_pseudonyms if manifest else frozenset()
    try:
        try:
            staged = _stage_and_check(con, path, tag, strict, pseudonyms, by_line=False)
        except duckdb.Error:
            # A CSV line DuckDB cannot split, met during the first full read (the checking
            # pass): read the file again line by line, quarantining the malformed lines.
            if path.suffix.lower() != ".csv":
                raise
            staged = _stage_and_check(con, path, tag, strict, pseudonyms, by_line=True)
    except UnreadableFileError as exc:
        return ValidatedFile(source_file, sha, size, tag, None, exc.status, exc.reason)
    if manifest is not None:
        staged = replace(staged, notes=(*staged.notes, manifest.note()))
    return ValidatedFile(source_file, sha, size, tag, staged, manifest=recorded, strict=strict)


def _stage_and_check(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    tag: str,
    strict: bool,
    pseudonyms: frozenset[str],
    *,
    by_line: bool,
) -> StagedFile:
    raw, failed = f"{STAGING}.raw_{tag}", f"{STAGING}.failed_{tag}"
    drop_staging(con, tag)
    drop_file_rows(con, tag)
    staged = replace(stage_file(con, path, raw, by_line=by_line), pseudonyms=pseudonyms)
    con.execute(
        f"create table {failed} (row_number bigint, column_name varchar, value varchar, "
        "rule varchar, message varchar)"
    )
    con.execute(f"insert into {failed} select * from {raw}_lines")
    if staged.cell_failures:
        con.executemany(f"insert into {failed} values (?, ?, ?, ?, ?)", staged.cell_failures)
    if staged.layout != "patient":  # the rows Pandera passes (none if the file is refused)
        con.execute(
            f"create table {STAGING}.valid_{tag} as select * from (select "
            + ", ".join(f"null::{t} as {n}" for n, t, _ in contract_columns(LAYOUTS[staged.layout]))
            + ", null::bigint as source_row) where false"
        )
    staged, refusals = _file_refusals(con, staged, strict=strict, cells=False)
    # A patient file read by DuckDB (a CSV or Parquet scan) has its cells scanned for
    # identifiers by the checking pass itself, unless it is refused anyway (then one scan
    # finds every identifier).
    scanned = staged.stream is not None or staged.typed_stream is not None
    in_pass = staged.layout == "patient" and scanned and not refusals
    if not in_pass:
        staged, refusals = _file_refusals(con, staged, strict=strict, cells=True)
    if not refusals and _check_rows(con, staged, tag, strict=strict, scan_identifiers=in_pass):
        staged, refusals = _file_refusals(con, staged, strict=strict, cells=True)
    for column, rule, message in refusals:
        _fail_every_row(con, staged, failed, column, rule, message)
    stored = staged.layout == "patient" and not refusals
    if staged.rows_in is None:  # a CSV read by DuckDB: its lines were counted by the pass
        counted = rows_table(tag) if stored else raw
        rows = con.sql(f"select count(*) from {counted}").fetchall()[0][0]
        staged = replace(staged, rows_in=rows)
    if stored:
        refuse_failed_rows(con, tag, failed)
    stage_failed_rows(con, staged, tag)
    return staged


def _file_refusals(
    con: duckdb.DuckDBPyConnection, staged: StagedFile, *, strict: bool, cells: bool
) -> tuple[StagedFile, list[tuple[str, str, str]]]:
    """Reasons to refuse every row of a file: (column, rule, message), most serious first.

    Without ``cells``, identifiers are looked for in the column names only."""
    if staged.layout == "patient":
        headers = list(staged.headers)
        findings = (
            find_identifiers(con, staged.table, headers, staged.stream, staged.pseudonyms)
            if cells
            else name_findings(headers)[0]
        )
        if findings:
            redacted = replace(staged, redacted=tuple(f.column for f in findings))
            return redacted, [(f.column, "direct_identifier", f.message()) for f in findings]
    if strict and staged.unknown_columns:
        return staged, [
            (
                c,
                "unknown_column",
                f"column {c!r} is not in the contract (strict mode refuses such files)",
            )
            for c in staged.unknown_columns
        ]
    return staged, [
        (c, "required_column", f"required column {c} is missing from the file")
        for c in staged.missing_required
    ]


def _check_rows(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    tag: str,
    *,
    strict: bool,
    scan_identifiers: bool,
) -> bool:
    """Check every row against the contract, then the rules that span the file's rows.

    With ``scan_identifiers`` (patient files) the same pass looks for direct identifiers in
    the cells; True when it finds one: the rows are then left unchecked."""
    failed = f"{STAGING}.failed_{tag}"
    if staged.layout == "patient":
        if store_rows(con, staged, tag, strict=strict, scan_identifiers=scan_identifiers):
            return True
        apply_file_rules(con, staged.layout, valid_rows_sql(con, tag), failed)
        return False
    valid = f"{STAGING}.valid_{tag}"
    columns = [name for name, _, _ in contract_columns(LAYOUTS[staged.layout])]
    for rows, failures, _ in validate_batches(con, staged, strict=strict):
        batch = rows.reset_index(names="source_row")[[*columns, "source_row"]]
        con.register("_batch", batch)
        try:
            con.execute(f"insert into {valid} select * from _batch")
        finally:
            con.unregister("_batch")
        if not failures.empty:
            con.register("_failures", failures[FAILURE_COLUMNS])
            try:
                con.execute(f"insert into {failed} select * from _failures")
            finally:
                con.unregister("_failures")
    apply_file_rules(con, staged.layout, valid, failed)
    return False


def _fail_every_row(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    failed: str,
    column: str,
    rule: str,
    message: str,
) -> None:
    """A file-level failure: every row of the file is quarantined for it."""
    con.execute(
        f"insert into {failed} select _row, $column, null, $rule, $message from {staged.table}",
        {"column": column, "rule": rule, "message": message},
    )


def check_file(path: Path, *, strict: bool = False) -> tuple[ValidatedFile, list[RowFailure]]:
    """Validate one file against the contract without loading it (in-memory DuckDB): its
    failures, then the warnings of the rows that would load (``severity`` warning)."""
    con = duckdb.connect()
    try:
        ensure_tables(con)
        validated = validate_file(con, path.parent, path.name, strict=strict)
        if validated.staged is None:
            failure = RowFailure(str(path), None, None, None, "readable_file", validated.message)
            return validated, [failure]
        rows = con.sql(failures_sql(validated.tag, validated.staged)).fetchall()
        found = [
            RowFailure(str(path), row, column, value, rule, message.split(": ", 1)[-1])
            for row, column, value, rule, message, _ in rows
        ]
        if validated.staged.layout == "patient" and has_rows_table(con, validated.tag):
            refuse_failed_rows(con, validated.tag, f"{STAGING}.failed_{validated.tag}")
            table = rows_table(validated.tag)
            flags = con.sql(flags_sql(table, row_number_sql(con, table))).fetchall()
            found += [
                RowFailure(
                    str(path), row, column, value, rule, message.split(": ", 1)[-1], "warning"
                )
                for row, column, value, rule, message in flags
            ]
        return validated, found
    finally:
        con.close()
