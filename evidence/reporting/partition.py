"""One report, one evidence partition: published and real patient-level data, or synthetic.

Synthetic studies exist to exercise the pipeline and are never pooled with real ones (every
pooled table has a ``synthetic`` column). A report shows one partition; the reading
connection is restricted to it by temporary views that shadow every warehouse relation with
its rows of that partition, so no query of the report can reach the other one:

* a relation with a ``synthetic`` column keeps the rows with that value;
* one with a ``study_id`` column keeps the rows of that partition's studies (a study is
  synthetic when any of its rows is);
* ``ingest_log`` and ``quarantine`` keep the files of that partition (a file is synthetic
  when its rows are labelled ``synthetic``); unreadable files are shown with the real data.
"""

from __future__ import annotations

import duckdb

from evidence.warehouse.tables import has_table

SYNTHETIC_STUDIES = "_synthetic_studies"
_FILES = "(select source_file, sha256 from {db}.main.ingest_log where data_origin = 'synthetic')"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def synthetic_study_ids(con: duckdb.DuckDBPyConnection) -> str:
    """SQL listing the synthetic studies of the warehouse (patient-level and published)."""
    parts = []
    if has_table(con, "int_patient_arm_summaries"):
        parts.append("select study_id from int_patient_arm_summaries where synthetic")
    for table in ("study_arms", "risk_of_bias"):
        if has_table(con, table):
            parts.append(f"select study_id from {table} where data_origin = 'synthetic'")
    return " union ".join(parts) if parts else "select null::varchar as study_id where false"


def has_partition(con: duckdb.DuckDBPyConnection, synthetic: bool) -> bool:
    """Whether the warehouse holds any study of that partition."""
    studies = []
    # the studies of the loaded patient rows, as the load recorded them (a registry's
    # patient_outcomes is millions of rows)
    patient = (
        "patient_file_studies" if has_table(con, "patient_file_studies") else "patient_outcomes"
    )
    for table in ("study_arms", patient):
        if has_table(con, table):
            studies.append(f"select distinct study_id from {table}")
    if not studies:
        return False
    sql = (
        f"select count(*) from ({' union '.join(studies)}) "
        f"where (study_id in ({synthetic_study_ids(con)})) = $synthetic"
    )
    return bool(con.execute(sql, {"synthetic": synthetic}).fetchall()[0][0])


def restrict_to_partition(con: duckdb.DuckDBPyConnection, synthetic: bool) -> None:
    """Shadow every relation of ``con``'s database with its rows of one partition."""
    db = _quote(con.execute("select current_database()").fetchall()[0][0])
    con.execute(f"create or replace temp table {SYNTHETIC_STUDIES} as {synthetic_study_ids(con)}")
    columns: dict[str, set[str]] = {}
    for table, column in con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = 'main'"
    ).fetchall():
        columns.setdefault(table, set()).add(column)
    for table, names in columns.items():
        source = f"{db}.main.{_quote(table)}"
        if "synthetic" in names:
            where = "coalesce(synthetic, false) = $p"
        elif table == "ingest_log":
            where = "(data_origin is not distinct from 'synthetic') = $p"
        elif table == "quarantine":
            where = f"((source_file, sha256) in {_FILES.format(db=db)}) = $p"
        elif "study_id" in names:
            where = f"(study_id in (select study_id from {SYNTHETIC_STUDIES})) = $p"
        else:
            continue
        partition = "true" if synthetic else "false"
        con.execute(
            f"create or replace temp view {_quote(table)} as select * from {source} "
            f"where {where.replace('$p', partition)}"
        )
