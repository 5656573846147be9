"""Base tables of the warehouse.

``study_arms`` and the columns of ``patient_outcomes`` (a view over one table per patient
file, see ``patient_files``) are derived from the Pandera contracts (one source of truth for
names and types) plus lineage columns; the bookkeeping tables live in ``ddl/*.sql``.
"""

from __future__ import annotations

from importlib import resources

import duckdb
import pandera.pandas as pa

from schemas.raw import LAYOUTS

LINEAGE_COLUMNS = (
    ("source_file", "varchar not null"),
    ("source_sha256", "varchar not null"),
    ("source_row", "bigint not null"),
    ("run_id", "varchar not null"),
)

TARGET_TABLES = {
    "patient": "patient_outcomes",
    "study": "study_arms",
    "risk_of_bias": "risk_of_bias",
}

_SQL_TYPES = {"Int64": "bigint", "Float64": "double", "boolean": "boolean"}


def sql_type(dtype: object) -> str:
    """DuckDB type of a Pandera column dtype."""
    return _SQL_TYPES.get(str(dtype), "varchar")


def contract_columns(model: type[pa.DataFrameModel]) -> list[tuple[str, str, bool]]:
    """(name, duckdb type, nullable) of every column of a contract, in order."""
    schema = model.to_schema()
    return [(name, sql_type(col.dtype), bool(col.nullable)) for name, col in schema.columns.items()]


def table_ddl(table: str, model: type[pa.DataFrameModel]) -> str:
    parts = [
        f"{name} {typ}{'' if nullable else ' not null'}"
        for name, typ, nullable in contract_columns(model)
    ]
    parts += [f"{name} {typ}" for name, typ in LINEAGE_COLUMNS]
    return f"create table if not exists {table} (\n    " + ",\n    ".join(parts) + "\n)"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every base table (and the patient rows' views) that does not exist yet."""
    from evidence.warehouse import patient_files  # noqa: PLC0415 - it builds on this module
    from evidence.warehouse.sql_cells import vocabulary_ddl  # noqa: PLC0415
    from evidence.warehouse.staging import STAGING  # noqa: PLC0415

    for schema in (STAGING, patient_files.SCHEMA):  # made here, once: not by concurrent steps
        con.execute(f"create schema if not exists {schema}")
    for statement in vocabulary_ddl("patient"):
        con.execute(statement)
    for layout, table in TARGET_TABLES.items():
        if layout != "patient":  # patient rows: a table per file, see patient_files
            con.execute(table_ddl(table, LAYOUTS[layout]))
            _add_new_columns(con, table, LAYOUTS[layout])
    patient_files.migrate_row_flags(con)  # before ddl/: a table row_flags becomes a view
    ddl = resources.files("evidence.warehouse") / "ddl"
    for entry in sorted(ddl.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".sql"):
            con.execute(entry.read_text(encoding="utf-8"))
    patient_files.migrate_patient_table(con)
    patient_files.refresh_views(con)


def _add_new_columns(
    con: duckdb.DuckDBPyConnection, table: str, model: type[pa.DataFrameModel]
) -> None:
    """Columns added to a contract after a warehouse was built arrive as NULL columns."""
    present = {row[0] for row in con.sql(f"describe {table}").fetchall()}
    for name, typ, _ in contract_columns(model):
        if name not in present:
            con.execute(f"alter table {table} add column {name} {typ}")


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether ``name`` is a table or view of the connection's databases."""
    found = con.execute(
        "select count(*) from information_schema.tables where table_name = ?", [name]
    ).fetchall()  # read to the end: DuckDB 2.0 refuses more work beside a half-read result
    return bool(found[0][0])
