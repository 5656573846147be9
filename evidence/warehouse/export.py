"""Write every view of the published warehouse to Parquet or CSV files (for R and Excel).

Reads through a read-only connection, so it never blocks a running flow (which writes its
own build file and publishes it by rename).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from evidence.warehouse.connect import connect_read

FORMATS = ("parquet", "csv")
#: Views that are rows rather than summaries (millions in a registry): query them instead.
NOT_EXPORTED = frozenset({"patient_outcomes", "int_patient_final_visits", "row_flags"})


def list_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every view of the warehouse (the analyst contract) but the row-level ones, by name."""
    rows = con.sql(
        "select table_name from information_schema.tables "
        "where table_schema = 'main' and table_type = 'VIEW' order by table_name"
    ).fetchall()
    return [name for (name,) in rows if name not in NOT_EXPORTED]


def export_views(warehouse: Path, out_dir: Path, output_format: str) -> list[tuple[Path, int]]:
    """Write ``<view>.<format>`` for every view; returns (file, rows) in view-name order."""
    if output_format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {output_format!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with connect_read(warehouse) as con:
        for name in list_views(con):
            relation = con.sql(f'select * from "{name}"')
            path = out_dir / f"{name}.{output_format}"
            if output_format == "parquet":
                relation.to_parquet(str(path), compression="zstd")
            else:
                relation.to_csv(str(path), header=True)
            (rows,) = con.sql(f'select count(*) from "{name}"').fetchall()[0]
            written.append((path, int(rows)))
    return written
