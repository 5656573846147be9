"""Load landing files into the warehouse: every row loaded or quarantined, once.

Two steps per file, both against the run's build file:

1. :func:`validate_file` reads the file into ``_ingest`` staging tables and validates it
   (nothing in the public tables changes);
2. :func:`load_file` moves the valid rows into ``patient_outcomes``/``study_arms``, the failures
   into ``quarantine`` and a line into ``ingest_log``, in one transaction.

A file whose (name, sha256) is already in ``ingest_log`` is skipped: re-running the same input
changes nothing. A changed file under the same name supersedes its earlier version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from evidence.errors import RowFailure, UnreadableFileError
from evidence.warehouse.deidentify import cells_identify_sql, find_identifiers, name_findings
from evidence.warehouse.manifest import read_manifest
from evidence.warehouse.row_rules import apply_row_rules
from evidence.warehouse.sql_contract import ROW_PASSED, quote, sql_literal, validation_select
from evidence.warehouse.staging import (
    FAILURE_COLUMNS,
    SUPPORTED_SUFFIXES,
    StagedFile,
    stage_file,
    validate_batches,
)
from evidence.warehouse.tables import TARGET_TABLES, contract_columns, ensure_tables
from schemas.privacy import AGE_COLUMN, LOAD_TRANSFORMS
from schemas.raw import LAYOUTS

#: Column of a checked patient file marking rows whose free-text cells hold an identifier.
IDENTIFIER_FLAG = "_identifier"
#: Schema of the staging relations (``<kind>_<tag>``) of the files being validated.
STAGING = "_ingest"


@dataclass(frozen=True)
class FileOutcome:
    """What happened to one landing file in one run."""

    source_file: str
    sha256: str
    status: str  # loaded | unchanged | duplicate_content | unreadable
    layout: str | None = None
    rows_in: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""
    unknown_columns: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ValidatedFile:
    """A file staged and validated in ``_ingest``, ready for :func:`load_file`."""

    source_file: str
    sha256: str
    file_bytes: int
    tag: str
    staged: StagedFile | None  # None when the file is skipped or unreadable
    skip_status: str | None = None  # unchanged | duplicate_content | unreadable
    message: str = ""
    staging: str = STAGING  # where its staging relations are (an attached file's schema)
    manifest: str | None = None  # the declarations of its manifest (Manifest.recorded())


def discover_files(landing: Path) -> list[str]:
    """Landing files (CSV, Parquet, Excel) as sorted paths relative to ``landing``."""
    found = []
    for path in landing.rglob("*"):
        if not path.is_file() or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        if any(part.startswith((".", "~$")) for part in path.relative_to(landing).parts):
            continue
        found.append(path.relative_to(landing).as_posix())
    return sorted(found)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def seen_content(
    con: duckdb.DuckDBPyConnection, source_file: str, sha: str, manifest: str | None = None
) -> tuple[str, str] | None:
    """(status, message) when this content, with the same manifest, is already in
    ``ingest_log``, else None: ``unchanged`` under the same name, ``duplicate_content`` under
    another."""
    names = [
        name
        for (name,) in con.execute(
            "select source_file from ingest_log where sha256 = $sha "
            "and manifest is not distinct from $manifest order by source_file",
            {"sha": sha, "manifest": manifest},
        ).fetchall()
    ]
    if not names:
        return None
    if source_file in names:
        return "unchanged", ""
    return "duplicate_content", (
        f"same content as {names[0]}, which is already loaded; not loaded again"
    )


def validate_file(
    con: duckdb.DuckDBPyConnection, landing: Path, source_file: str, *, strict: bool = False
) -> ValidatedFile:
    """Stage and validate one file; public tables are not touched."""
    ensure_tables(con)
    path = landing / source_file
    sha = file_sha256(path)
    tag = sha[:16]
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
    con.execute("create schema if not exists _ingest")
    pseudonyms = manifest.study_pseudonyms if manifest else frozenset()
    try:
        try:
            staged = _stage_and_check(
                con, source_file, path, tag, strict=strict, by_line=False, pseudonyms=pseudonyms
            )
        except duckdb.Error:
            # A CSV line DuckDB cannot split, met during the first full read (the checking
            # pass): read the file again line by line, quarantining the malformed lines.
            if path.suffix.lower() != ".csv":
                raise
            staged = _stage_and_check(
                con, source_file, path, tag, strict=strict, by_line=True, pseudonyms=pseudonyms
            )
    except UnreadableFileError as exc:
        return ValidatedFile(source_file, sha, size, tag, None, exc.status, exc.reason)
    if manifest is not None:
        staged = replace(staged, notes=(*staged.notes, manifest.note()))
    return ValidatedFile(source_file, sha, size, tag, staged, manifest=recorded)


def _stage_and_check(
    con: duckdb.DuckDBPyConnection,
    source_file: str,
    path: Path,
    tag: str,
    *,
    strict: bool,
    by_line: bool,
    pseudonyms: frozenset[str] = frozenset(),
) -> StagedFile:
    raw, valid, failed = (f"_ingest.{kind}_{tag}" for kind in ("raw", "valid", "failed"))
    drop_staging(con, tag)
    staged = replace(stage_file(con, path, raw, by_line=by_line), pseudonyms=pseudonyms)
    con.execute(
        f"create table {valid} as select * from (select "
        + ", ".join(f"null::{t} as {n}" for n, t, _ in contract_columns(LAYOUTS[staged.layout]))
        + ", null::bigint as source_row) where false"
    )
    con.execute(
        f"create table {failed} (row_number bigint, column_name varchar, value varchar, "
        "rule varchar, message varchar)"
    )
    con.execute(f"insert into {failed} select * from {raw}_lines")
    if staged.cell_failures:
        con.executemany(f"insert into {failed} values (?, ?, ?, ?, ?)", staged.cell_failures)
    staged, refusals = _file_refusals(con, staged, strict=strict, cells=False)
    # A patient file read by DuckDB has its cells scanned for identifiers by the checking
    # pass itself, unless it is refused anyway (then one scan finds every identifier).
    in_pass = staged.layout == "patient" and staged.stream is not None and not refusals
    if not in_pass:
        staged, refusals = _file_refusals(con, staged, strict=strict, cells=True)
    if not refusals and _validate_rows(con, source_file, staged, valid, failed, in_pass):
        staged, refusals = _file_refusals(con, staged, strict=strict, cells=True)
    for column, rule, message in refusals:
        _fail_every_row(con, staged, failed, column, rule, message)
    if staged.rows_in is None:  # a CSV read by DuckDB: its lines were counted by this pass
        counted = f"_ingest.checked_{tag}" if staged.layout == "patient" and not refusals else raw
        rows = con.sql(f"select count(*) from {counted}").fetchall()[0][0]
        staged = replace(staged, rows_in=rows)
    stage_failed_rows(con, staged, tag)
    return staged


def stage_failed_rows(
    con: duckdb.DuckDBPyConnection, staged: StagedFile, tag: str, staging: str = STAGING
) -> None:
    """``rawfail_<tag>``: the failed rows as they are in the file, for the quarantine.

    The validation pass keeps the cells of the rows it refuses; only rows refused later (by
    a rule across rows, or a file-level refusal) are read from the file again."""
    raw, failed, rawfail = (f"{staging}.{kind}_{tag}" for kind in ("raw", "failed", "rawfail"))
    cells = ", ".join(["_row", *(quote(h) for h in staged.headers)])
    con.execute(f"create table if not exists {rawfail} as select {cells} from {raw} where false")
    missing = f"""
        select row_number from {failed}
        except select _row from {rawfail}
        except select _row from {raw}_lines
    """
    if con.sql(f"select count(*) from ({missing})").fetchall()[0][0]:
        con.execute(
            f"insert into {rawfail} select {cells} from {raw} "
            f"semi join ({missing}) m on _row = m.row_number"
        )


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


def _validate_rows(
    con: duckdb.DuckDBPyConnection,
    source_file: str,
    staged: StagedFile,
    valid: str,
    failed: str,
    scan_identifiers: bool = False,
) -> bool:
    """Validate every row against the contract, then the rules that span rows.

    With ``scan_identifiers`` (patient files) the same pass looks for direct identifiers in
    the cells; True when it finds one: the rows are then left unvalidated."""
    columns = [name for name, _, _ in contract_columns(LAYOUTS[staged.layout])]
    if staged.layout == "patient":
        if _validate_rows_in_sql(con, staged, columns, valid, failed, scan_identifiers):
            return True
        apply_row_rules(con, source_file, staged.layout, valid, failed)
        return False
    for rows, failures in validate_batches(con, staged):
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
    apply_row_rules(con, source_file, staged.layout, valid, failed)
    return False


def _validate_rows_in_sql(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    columns: list[str],
    valid: str,
    failed: str,
    scan_identifiers: bool,
) -> bool:
    """Patient files: the contract compiled to SQL, validated inside DuckDB in one pass.

    One parallel pass reads the file and writes every row, checked, to ``checked_<tag>``
    (in file order, so a row's number is its position there); ``valid`` is a view of the rows
    without failures, and the few that fail are listed in ``failed``, one line per failure,
    with their cells as in the file in ``rawfail_<tag>``.

    With ``scan_identifiers`` the pass also marks rows whose free-text cells hold a direct
    identifier (``_identifier``); if any does, nothing else is staged and True is returned."""
    tag = valid.rsplit("_", 1)[-1]
    checked, rawfail = f"_ingest.checked_{tag}", f"_ingest.rawfail_{tag}"
    numbered = staged.stream is None
    flags = {}
    if scan_identifiers:
        scanned = name_findings(list(staged.headers))[1]
        flags[IDENTIFIER_FLAG] = cells_identify_sql(scanned, staged.pseudonyms)
    select = validation_select(
        staged.stream or staged.table,
        staged.layout,
        staged.columns,
        age_column=AGE_COLUMN,
        raw_headers=staged.headers,
        numbered=numbered,
        flags=flags,
    )
    row = _row_number(numbered=numbered)
    with optimizers_disabled(con, "in_clause"):
        con.execute(f"create table {checked} as {select}")
    if flags and con.sql(f"select count({IDENTIFIER_FLAG}) from {checked}").fetchall()[0][0]:
        con.execute(f"drop table {checked}")
        return True
    con.execute(f"drop table {valid}")
    con.execute(valid_view_sql(valid, checked, columns, numbered=numbered))
    con.execute(
        f"insert into {failed} select source_row, f.column_name, null, f.rule, f.message "
        f"from (select {row} as source_row, unnest(_fails) as f from {checked} "
        f"where not {ROW_PASSED})"
    )
    cells = sql_literal(json.dumps(dict.fromkeys(staged.headers, "VARCHAR")))
    con.execute(
        f"create table {rawfail} as select {row} as _row, unnest(from_json(_raw, {cells})) "
        f"from {checked} where _raw is not null"
    )
    return False


def valid_view_sql(valid: str, checked: str, columns: list[str], *, numbered: bool) -> str:
    """The view of a patient file's valid rows over its checked table: the rows without
    failures, numbered by their place in the file."""
    return (
        f"create view {valid} as select {', '.join(columns)}, "
        f"{_row_number(numbered=numbered)} as source_row from {checked} where {ROW_PASSED}"
    )


def _row_number(*, numbered: bool) -> str:
    """A checked row's number in the file: its ``_row``, or (a file streamed in order) its
    position in the checked table."""
    return "_row" if numbered else "rowid + 1"


@contextmanager
def optimizers_disabled(con: duckdb.DuckDBPyConnection, names: str) -> Iterator[None]:
    """DuckDB turns a vocabulary check (``x in (...)`` with six or more words) into a join,
    which makes the validation pass several times slower; keep it an expression here."""
    before = con.sql("select current_setting('disabled_optimizers')").fetchall()[0][0]
    con.execute(f"set disabled_optimizers = {sql_literal(names)}")
    try:
        yield
    finally:
        con.execute(f"set disabled_optimizers = {sql_literal(before or '')}")


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


def load_file(con: duckdb.DuckDBPyConnection, validated: ValidatedFile, run_id: str) -> FileOutcome:
    """Publish one validated file into the warehouse tables in a single transaction."""
    v = validated
    if v.skip_status == "unchanged":
        return FileOutcome(v.source_file, v.sha256, "unchanged", message="already loaded")
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
            outcome = _move_rows(con, v, v.staged, run_id)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    if v.staging == STAGING:  # another file's staging goes with that file
        drop_staging(con, v.tag)
    return outcome


def _move_rows(
    con: duckdb.DuckDBPyConnection, v: ValidatedFile, staged: StagedFile, run_id: str
) -> FileOutcome:
    target = TARGET_TABLES[staged.layout]
    valid, failed = f"{v.staging}.valid_{v.tag}", f"{v.staging}.failed_{v.tag}"
    params = {"source": v.source_file, "sha": v.sha256, "run": run_id}
    con.execute(
        "update ingest_log set status = 'superseded' "
        "where source_file = $source and status = 'loaded'",
        {"source": v.source_file},
    )
    if staged.layout == "patient":  # the studies whose patient models must be recomputed
        con.execute(
            "insert or ignore into changed_studies select distinct study_id from "
            f"(select study_id from {target} where source_file = $source "
            f"union all select study_id from {valid})",
            {"source": v.source_file},
        )
    for table in (target, "quarantine"):
        con.execute(f"delete from {table} where source_file = $source", {"source": v.source_file})
    columns = [name for name, _, _ in contract_columns(LAYOUTS[staged.layout])]
    # Rows refused by any rule (few) are left out by an anti join; the rest are appended as
    # staged, in file order.
    con.execute(
        f"insert into {target} ({', '.join(columns)}, "
        "source_file, source_sha256, source_row, run_id) "
        f"select {', '.join(LOAD_TRANSFORMS.get(c, c) for c in columns)}, "
        f"$source, $sha, source_row, $run from {valid} "
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
    loaded = _count(con, f"select count(*) from {target} where source_sha256 = $sha", v.sha256)
    refused = _count(
        con, f"select count(distinct row_number) from {failed} where $sha <> ''", v.sha256
    )
    if loaded + refused != staged.rows_in:
        raise RuntimeError(
            f"{v.source_file}: {staged.rows_in} rows read but {loaded} loaded and "
            f"{refused} quarantined; refusing to commit"
        )
    origin = _origin(con, target, v.sha256)
    notes = list(staged.notes)
    if staged.unknown_columns:
        notes.append(f"ignored columns not in the contract: {', '.join(staged.unknown_columns)}")
    if staged.rows_in == 0:
        notes.append("header only: no data rows")
    outcome = FileOutcome(
        v.source_file,
        v.sha256,
        "empty" if staged.rows_in == 0 else "loaded",
        staged.layout,
        staged.rows_in,
        loaded,
        refused,
        message="; ".join(notes),
        unknown_columns=staged.unknown_columns,
    )
    _log(con, outcome, v, run_id, origin)
    return outcome


def failures_sql(tag: str, staged: StagedFile, staging: str = STAGING) -> str:
    """SELECT of a validated file's failures with the cells as they were in the file.

    Columns refused as direct identifiers are redacted, in ``value`` and in ``original_row``.
    """
    raw, failed = f"{staging}.rawfail_{tag}", f"{staging}.failed_{tag}"
    redacted = "'[redacted: direct identifier]'"

    def cell(header: str) -> str:
        return redacted if header in staged.redacted else f"r.{quote(header)}"

    def shown(header: str) -> str:
        """The failing cell as in the file; the reader's value where the row has none (a line
        kept out of the file's view, a formula without its value)."""
        return redacted if header in staged.redacted else f"coalesce(r.{quote(header)}, f.value)"

    named = set(staged.columns.values()) | set(staged.redacted)
    cases = [f"when '{name}' then {shown(header)}" for name, header in staged.columns.items()]
    cases += [f"when '{_sql_text(header)}' then {redacted}" for header in staged.redacted]
    # a failure of the line itself names the file's column (e.g. an oversized cell)
    cases += [f"when '{_sql_text(h)}' then {shown(h)}" for h in staged.headers if h not in named]
    value = f"case f.column_name {' '.join(cases)} else f.value end" if cases else "f.value"
    fields = ", ".join(
        f"'{_sql_text(header)}': {cell(header)}" for header in ("_row", *staged.headers)
    )
    return f"""
        select f.row_number, f.column_name, {value} as value, f.rule,
               'row ' || f.row_number || ': ' || f.message as message,
               case when r._row is null then null else to_json({{{fields}}}) end as original_row
        from {failed} f left join {raw} r on r._row = f.row_number
        order by f.row_number, f.column_name
    """


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def check_file(path: Path, *, strict: bool = False) -> tuple[ValidatedFile, list[RowFailure]]:
    """Validate one file against the contract without loading it (in-memory DuckDB)."""
    con = duckdb.connect()
    try:
        ensure_tables(con)
        validated = validate_file(con, path.parent, path.name, strict=strict)
        if validated.staged is None:
            failure = RowFailure(str(path), None, None, None, "readable_file", validated.message)
            return validated, [failure]
        rows = con.sql(failures_sql(validated.tag, validated.staged)).fetchall()
        return validated, [
            RowFailure(str(path), row, column, value, rule, message.split(": ", 1)[-1])
            for row, column, value, rule, message, _ in rows
        ]
    finally:
        con.close()


def _count(con: duckdb.DuckDBPyConnection, sql: str, sha: str) -> int:
    return int(con.execute(sql, {"sha": sha}).fetchall()[0][0])


def _origin(con: duckdb.DuckDBPyConnection, target: str, sha: str) -> str | None:
    origins = [
        row[0]
        for row in con.execute(
            f"select distinct data_origin from {target} where source_sha256 = $sha order by 1",
            {"sha": sha},
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
            $loaded, $quarantined, $bytes, $unknown, $message, $run, $at, $manifest)
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
            "at": _now(),
            "manifest": v.manifest,
        },
    )


def drop_staging(con: duckdb.DuckDBPyConnection, tag: str) -> None:
    """Drop every staging relation of one file in this database's ``_ingest``."""
    params = {"pattern": f"%\\_{tag}%"}
    where = (
        "where database_name = current_database() and schema_name = '_ingest' "
        "and {name} like $pattern escape '\\'"
    )
    views = con.execute(
        f"select view_name from duckdb_views() {where.format(name='view_name')}", params
    ).fetchall()
    tables = con.execute(
        f"select table_name from duckdb_tables() {where.format(name='table_name')}", params
    ).fetchall()
    for (view,) in views:
        con.execute(f"drop view if exists {STAGING}.{quote(view)}")
    for (table,) in tables:
        con.execute(f"drop table if exists {STAGING}.{quote(table)}")
