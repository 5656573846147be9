"""Validate a patient-level file in one DuckDB pass that also stores its rows.

One parallel pass reads the file (as text, so nothing is lost before it is checked), checks
every row against the Pandera contract compiled to SQL (``sql_contract``) and writes each row
once, typed, into the file's own table ``patient_files.rows_<tag>`` (``patient_files``): in
file order, so a row's number is its position. Rows that fail keep their failures and their
cells as in the file; rows that break a warning rule keep its name. The same pass marks rows
whose free-text cells hold a direct identifier: then the table is dropped and the file refused.

The few failures are then listed in ``_ingest.failed_<tag>`` (one line per failure) and the
failing rows' cells in ``_ingest.rawfail_<tag>``, for the quarantine. Rules over several rows
(unique key, split-face pairing, keys already loaded) run afterwards on the rows that passed;
the rows they refuse are marked ``_refused`` (an in-place update: the rows keep their
positions).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

import duckdb

from evidence.warehouse.connect import MEMORY_LIMIT, PASS_MEMORY_LIMIT
from evidence.warehouse.deidentify import cells_identify_sql, name_findings
from evidence.warehouse.patient_files import (
    FAILS,
    LOADS,
    REFUSED,
    row_number_sql,
    rows_table,
)
from evidence.warehouse.sql_cells import sql_literal, vocabulary_types
from evidence.warehouse.sql_contract import FAILURES_JSON, validation_select
from evidence.warehouse.staging import STAGING, StagedFile
from evidence.warehouse.tables import contract_columns
from schemas.privacy import AGE_COLUMN, LOAD_TRANSFORMS
from schemas.raw import LAYOUTS

#: Column of a file's table marking rows whose free-text cells hold an identifier.
IDENTIFIER_MARK = "_identifier"
#: What a file's table stores of a checked column: ages over 89 folded to 90, vocabulary
#: words as ENUMs (a failing row's word outside the vocabulary is kept in ``_raw``).
STORED = LOAD_TRANSFORMS | {
    name: f"try_cast({name} as {type_name})"
    for name, (type_name, _) in vocabulary_types("patient").items()
}


def store_rows(
    con: duckdb.DuckDBPyConnection,
    staged: StagedFile,
    tag: str,
    *,
    strict: bool = False,
    scan_identifiers: bool = True,
) -> bool:
    """Check and store every row of a staged patient file in ``rows_<tag>``; list its
    failures in ``failed_<tag>``. True when a free-text cell holds a direct identifier: then
    nothing is stored (the caller refuses the file)."""
    table, failed = rows_table(tag), f"{STAGING}.failed_{tag}"
    # a stream is read in parallel and in file order: a row's number is its position
    stream = staged.typed_stream or staged.stream
    marks = {}
    if scan_identifiers:
        scanned = name_findings(list(staged.headers))[1]
        marks[IDENTIFIER_MARK] = cells_identify_sql(scanned, staged.pseudonyms)
    select = validation_select(
        stream or staged.table,
        staged.layout,
        staged.columns,
        age_column=AGE_COLUMN,
        raw_headers=staged.headers,
        numbered=stream is None,
        marks=marks,
        strict=strict,
        transforms=STORED,
        input_types=staged.input_types if staged.typed_stream else None,
    )
    con.execute(f"drop table if exists {table}")
    with (
        optimizers_disabled(con, "in_clause"),
        setting(con, "memory_limit", PASS_MEMORY_LIMIT, restore=MEMORY_LIMIT),
    ):
        con.execute(f"create table {table} as select *, null::boolean as {REFUSED} from ({select})")
    if marks and con.sql(f"select count({IDENTIFIER_MARK}) from {table}").fetchall()[0][0]:
        con.execute(f"drop table {table}")
        return True
    row = row_number_sql(con, table)
    con.execute(
        f"insert into {failed} select source_row, f.column_name, null, f.rule, f.message "
        f"from (select {row} as source_row, "
        f"unnest(from_json({FAILS}, {sql_literal(FAILURES_JSON)})) as f "
        f"from {table} where {FAILS} is not null)"
    )
    cells = sql_literal(json.dumps(dict.fromkeys(staged.headers, "VARCHAR")))
    con.execute(
        f"create table {STAGING}.rawfail_{tag} as select {row} as _row, "
        f"unnest(from_json(_raw, {cells})) from {table} where _raw is not null"
    )
    return False


def valid_rows_sql(con: duckdb.DuckDBPyConnection, tag: str) -> str:
    """The rows of a file's table that passed the pass, as a relation with ``source_row``:
    every rule over several rows judges them all, so that a row lists each failure."""
    table = rows_table(tag)
    columns = ", ".join(name for name, _, _ in contract_columns(LAYOUTS["patient"]))
    row = row_number_sql(con, table)
    return f"(select {columns}, {row} as source_row from {table} where {FAILS} is null)"


def refuse_failed_rows(con: duckdb.DuckDBPyConnection, tag: str, failed: str) -> None:
    """Mark ``_refused`` every row of the file's table that ``failed`` lists but that still
    loads (refused by a rule over several rows, or by its reader)."""
    table = rows_table(tag)
    row = row_number_sql(con, table)
    late = (
        f"select row_number from {failed} except "
        f"select {row} from {table} where {FAILS} is not null"
    )
    if not con.sql(f"select count(*) from ({late})").fetchall()[0][0]:
        return
    con.execute(f"update {table} set {REFUSED} = true where {LOADS} and {row} in ({late})")


@contextmanager
def setting(
    con: duckdb.DuckDBPyConnection, name: str, value: str, *, restore: str | None = None
) -> Iterator[None]:
    """DuckDB's setting ``name`` set to ``value`` for the block, then back to ``restore`` or
    to what it was (a memory size reads back rounded, e.g. '381.4 MiB' for 400MB: give it
    as ``restore``, or every pass would shave it)."""
    before = con.sql(f"select current_setting({sql_literal(name)})").fetchall()[0][0]
    con.execute(f"set {name} = {sql_literal(value)}")
    try:
        yield
    finally:
        con.execute(f"set {name} = {sql_literal(restore or before or '')}")


def optimizers_disabled(con: duckdb.DuckDBPyConnection, names: str) -> AbstractContextManager[None]:
    """DuckDB turns a vocabulary check (``x in (...)`` with six or more words) into a join,
    which makes the validation pass several times slower; keep it an expression here."""
    return setting(con, "disabled_optimizers", names)
