"""Rows of a DuckDB query as dicts, with NaN and infinities as None (never NaN in a report)."""

from __future__ import annotations

import math
from typing import Any

import duckdb

_FLOATING = ("DOUBLE", "FLOAT", "REAL")


def records(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    rel = con.execute(sql, params or {})
    names = [d[0] for d in rel.description]
    # only floating-point columns can hold NaN or infinities (a registry's report reads
    # hundreds of thousands of rows: the other cells are taken as they are)
    floating = [i for i, d in enumerate(rel.description) if str(d[1]).upper() in _FLOATING]
    rows = rel.fetchall()
    if not floating:
        return [dict(zip(names, row, strict=True)) for row in rows]
    out = []
    for row in rows:
        record = dict(zip(names, row, strict=True))
        for i in floating:
            v = row[i]
            if v is not None and not math.isfinite(v):
                record[names[i]] = None
        out.append(record)
    return out
