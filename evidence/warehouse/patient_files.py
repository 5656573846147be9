"""Where patient rows live: one table per loaded file version, and the views over them.

The pass that validates a patient-level file writes each of its rows once, typed, into the
table ``patient_files.rows_<tag>`` (``tag``: :func:`file_tag` of the file's name and content),
with what the pass found: ``_fails`` (the row's failures, JSON; NULL when it passed),
``_refused`` (TRUE when a rule over several rows refused it later), ``_flags`` (the warning
rules it broke, comma-separated),
``_raw`` (a failing row's cells as in the file) and, for a file read row by row, ``_row``.
That table is the rows' final home: loading the file registers it, superseding it drops it.

``patient_outcomes`` is a view: the rows that passed, of every loaded file, with their lineage
(file, sha256 and run as constants of each file's branch; the row number is the position in
the file, ``rowid + 1``, or ``_row``). ``patient_files.all_rows`` adds ``_row_key``, a number
unique within the view (file ordinal x 2^40 + rowid) that the models use to find each
subject's last visit without copying the rows. ``row_flags`` lists the warnings of the loaded
rows, one line per row and rule, from the same tables: a flag is stored once, with its row
(writing a registry's million flags to a table of their own took ~0.5-0.8 s per load). The
three views are rebuilt by every load.
"""

from __future__ import annotations

import hashlib
from importlib import resources

import duckdb

from evidence.warehouse.sql_cells import sql_literal
from evidence.warehouse.tables import LINEAGE_COLUMNS, contract_columns
from schemas.raw import LAYOUTS, RULE_COLUMNS, severity

SCHEMA = "patient_files"
ALL_ROWS = f"{SCHEMA}.all_rows"
PUBLIC_VIEW = "patient_outcomes"
#: The warnings of the loaded rows (a view; ``ddl/row_flags.sql`` defines its columns).
ROW_FLAGS = "row_flags"
#: Per row of a file's table: the row's failures found by the validating pass (NULL: none).
FAILS = "_fails"
#: TRUE when a rule over several rows refused the row after the pass (unique key, pairing).
REFUSED = "_refused"
#: The warning rules the row broke (NULL: none); the row loads and is listed in ``row_flags``.
FLAGS = "_flags"
#: A row of a file's table that loads.
LOADS = f"{FAILS} is null and {REFUSED} is null"
#: Column of ``patient_outcomes``: the row broke a warning rule (details in ``row_flags``).
FLAGGED_COLUMN = ("is_flagged", "boolean")
_FILE_BITS = 40  # a file's rows are numbered below 2^40 in _row_key


def file_tag(source_file: str, sha: str) -> str:
    """What names a file version's relations: unique per name and content, so that two files
    of the same content validated at once do not share a table."""
    return hashlib.sha256(f"{source_file}\0{sha}".encode()).hexdigest()[:16]


def rows_table(tag: str, schema: str = SCHEMA) -> str:
    """The table of one file version's rows."""
    return f"{schema}.rows_{tag}"


def row_number_sql(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A row's number in its file: ``_row`` where the reader numbered the rows, else the
    position (the pass writes the rows in file order)."""
    return "_row" if "_row" in _columns(con, table) else "rowid + 1"


def refresh_views(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild both views over the tables of the patient files ``ingest_log`` lists as
    loaded (call inside the load's transaction)."""
    files = [
        (sha, source, run)
        for sha, source, run in con.execute(
            "select sha256, source_file, run_id from ingest_log "
            "where layout = 'patient' and status in ('loaded', 'empty') order by source_file"
        ).fetchall()
        if has_rows_table(con, file_tag(source, sha))  # none: every row was refused
    ]
    contract = contract_columns(LAYOUTS["patient"])
    branches = [
        _branch(con, ordinal, sha, source, run, contract)
        for ordinal, (sha, source, run) in enumerate(files)
    ]
    if not branches:
        nulls = [f"null::{typ} as {name}" for name, typ, _ in contract]
        nulls += [f"null::{typ.split()[0]} as {name}" for name, typ in LINEAGE_COLUMNS]
        nulls += [f"null::{FLAGGED_COLUMN[1]} as {FLAGGED_COLUMN[0]}", "null::bigint as _row_key"]
        branches = [f"select {', '.join(nulls)} where false"]
    con.execute(f"create or replace view {ALL_ROWS} as " + "\nunion all ".join(branches))
    public = [name for name, _, _ in contract] + [name for name, _ in LINEAGE_COLUMNS]
    public.append(FLAGGED_COLUMN[0])
    con.execute(
        f"create or replace view {PUBLIC_VIEW} as select {', '.join(public)} from {ALL_ROWS}"
    )
    flags = [_flags_branch(con, sha, source, run) for sha, source, run in files]
    if flags:
        con.execute(f"create or replace view {ROW_FLAGS} as " + "\nunion all ".join(flags))
    else:  # no file: the view as ddl/ defines it, with no rows
        con.execute(f"drop view if exists {ROW_FLAGS}")
        ddl = resources.files("evidence.warehouse") / "ddl" / f"{ROW_FLAGS}.sql"
        con.execute(ddl.read_text(encoding="utf-8"))


def _flags_branch(con: duckdb.DuckDBPyConnection, sha: str, source_file: str, run_id: str) -> str:
    """The lines of ``row_flags`` of one loaded file version; flagged when it was loaded."""
    table = rows_table(file_tag(source_file, sha))
    source, version = sql_literal(source_file), sql_literal(sha)
    loaded_at = (
        f"(select loaded_at from ingest_log where source_file = {source} and sha256 = {version})"
    )
    return (
        f"select {source} as source_file, {version} as sha256, row_number, column_name, value, "
        f"rule, message, {sql_literal(run_id)} as run_id, {loaded_at} as flagged_at "
        f"from ({flags_sql(table, row_number_sql(con, table))})"
    )


def flags_sql(table: str, row: str) -> str:
    """SELECT of the warnings of a patient file's loaded rows: (row_number, column_name,
    value, rule, message), one line per row x rule (``table``: the file's rows)."""
    checks = [c for c in LAYOUTS["patient"].to_schema().checks if severity(c) == "warning"]
    if not checks:
        return (
            "select null::bigint as row_number, null::varchar as column_name, "
            "null::varchar as value, null::varchar as rule, null::varchar as message where false"
        )
    column = " ".join(f"when '{c.name}' then '{RULE_COLUMNS[c.name]}'" for c in checks)
    value = " ".join(f"when '{c.name}' then {_as_text(RULE_COLUMNS[c.name])}" for c in checks)
    message = " ".join(f"when '{c.name}' then {sql_literal(c.error or c.name)}" for c in checks)
    needed = ", ".join(sorted({RULE_COLUMNS[c.name] for c in checks}))
    return f"""
        select row_number, case rule {column} end as column_name,
               case rule {value} end as value, rule,
               'row ' || row_number || ': ' || (case rule {message} end) as message
        from (select {row} as row_number, unnest(string_split({FLAGS}, ',')) as rule, {needed}
              from {table} where {FLAGS} is not null and {LOADS})
    """


def _as_text(column: str) -> str:
    """A stored number as it was most likely written (``30`` rather than ``30.0``)."""
    return f"regexp_replace({column}::varchar, '\\.0$', '')"


def _branch(
    con: duckdb.DuckDBPyConnection,
    ordinal: int,
    sha: str,
    source_file: str,
    run_id: str,
    contract: list[tuple[str, str, bool]],
) -> str:
    table = rows_table(file_tag(source_file, sha))
    present = _columns(con, table)
    # a column the contract gained after this file was loaded reads as NULL; words stored as
    # ENUMs read as text
    values = [
        f"{name}::{typ} as {name}" if name in present else f"null::{typ} as {name}"
        for name, typ, _ in contract
    ]
    values += [
        f"{sql_literal(source_file)} as source_file",
        f"{sql_literal(sha)} as source_sha256",
        f"{row_number_sql(con, table)}::bigint as source_row",
        f"{sql_literal(run_id)} as run_id",
        f"{FLAGS} is not null as {FLAGGED_COLUMN[0]}",
        f"({ordinal}::bigint << {_FILE_BITS}) + rowid as _row_key",
    ]
    return f"select {', '.join(values)} from {table} where {LOADS}"


def has_rows_table(con: duckdb.DuckDBPyConnection, tag: str, database: str | None = None) -> bool:
    """Whether a validating pass stored the rows of file version ``tag`` (in ``database``,
    default the current one); not when the whole file was refused."""
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = $schema "
        "and table_name = $name and database_name = coalesce($database, current_database())",
        {"schema": SCHEMA, "name": f"rows_{tag}", "database": database},
    ).fetchall()
    return bool(found[0][0])


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.rsplit(".", 1)
    database, _, schema = schema.rpartition(".")
    rows = con.execute(
        "select column_name from duckdb_columns() where schema_name = $schema "
        "and table_name = $name and database_name = coalesce($database, current_database())",
        {"schema": schema, "name": name, "database": database or None},
    ).fetchall()
    return {row[0] for row in rows}


def record_file_studies(con: duckdb.DuckDBPyConnection, tag: str, params: dict[str, str]) -> None:
    """Add a loading file's studies to ``patient_file_studies`` and ``changed_studies``
    (``params``: ``source``, ``sha``)."""
    con.execute(
        f"""
        insert into patient_file_studies
        select $source, $sha, study_id, count(*),
               case when min(data_origin) = max(data_origin) then min(data_origin)
                    else 'mixed' end,
               bool_or(side in ('left', 'right'))
        from {rows_table(tag)} where {LOADS} group by study_id
        """,
        {"source": params["source"], "sha": params["sha"]},
    )
    con.execute(
        "insert or ignore into changed_studies "
        "select study_id from patient_file_studies where sha256 = $sha",
        {"sha": params["sha"]},
    )


def drop_file_rows(con: duckdb.DuckDBPyConnection, tag: str) -> None:
    con.execute(f"drop table if exists {rows_table(tag)}")


def _main_kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """'BASE TABLE' or 'VIEW': what ``name`` is in this database's main schema (None: absent)."""
    kind = con.execute(
        "select table_type from information_schema.tables where table_schema = 'main' "
        "and table_catalog = current_database() and table_name = $name",
        {"name": name},
    ).fetchall()
    return kind[0][0] if kind else None


def migrate_row_flags(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse built before ``row_flags`` became a view holds the flags in a table of
    that name: drop it (every line of it is in its file's rows, ``_flags``; the view that
    replaces it lists them again)."""
    if _main_kind(con, ROW_FLAGS) == "BASE TABLE":
        con.execute(f"drop table {ROW_FLAGS}")


def migrate_patient_table(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse built before the rows moved to per-file tables holds them in one table
    ``patient_outcomes``: move each file version's rows into its own table (with ``_row``)."""
    if _main_kind(con, PUBLIC_VIEW) != "BASE TABLE":
        return
    present = {row[0] for row in con.sql(f"describe {PUBLIC_VIEW}").fetchall()}
    contract = [name for name, _, _ in contract_columns(LAYOUTS["patient"]) if name in present]
    versions = con.sql(f"select distinct source_file, source_sha256 from {PUBLIC_VIEW}").fetchall()
    for source, sha in versions:
        con.execute(
            f"create table {rows_table(file_tag(source, sha))} as select {', '.join(contract)}, "
            f"source_row as _row, null::boolean as {REFUSED}, null::varchar as {FLAGS}, "
            f"null::varchar as {FAILS} from {PUBLIC_VIEW} where source_sha256 = $sha "
            "and source_file = $source order by source_row",
            {"sha": sha, "source": source},
        )
        record_file_studies(con, file_tag(source, sha), {"source": source, "sha": sha})
    con.execute(f"drop table {PUBLIC_VIEW}")
