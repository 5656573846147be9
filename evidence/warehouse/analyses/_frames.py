"""Write a pandas frame into a freshly (re)created table with a declared DDL."""

from __future__ import annotations

import math

import duckdb
import pandas as pd

from evidence.warehouse.pool import insert_frame


def replace_table(con: duckdb.DuckDBPyConnection, table: str, ddl: str, frame: pd.DataFrame) -> int:
    """``create or replace table <table> (<ddl>)`` and insert ``frame``; returns its rows."""
    con.execute(f"create or replace table {table} ({ddl})")
    insert_frame(con, table, frame)
    return len(frame)


def partitions(frame: pd.DataFrame) -> list[bool]:
    """The evidence partitions to analyse apart: non-synthetic always (so the report can say
    what it lacks), synthetic when ``frame`` has synthetic rows."""
    has_synthetic = len(frame) > 0 and bool(frame["synthetic"].fillna(False).any())
    return [False, True] if has_synthetic else [False]


def finite(value: object) -> float | None:
    """A finite float, or None (never NaN in a table)."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None
