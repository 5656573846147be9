"""Rows of a DuckDB query as dicts, with NaN and infinities as None (never NaN in a report)."""

from __future__ import annotations

import math
from typing import Any

import duckdb


def records(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    rel = con.execute(sql, params or {})
    names = [d[0] for d in rel.description]
    return [
        {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in zip(names, row, strict=True)
        }
        for row in rel.fetchall()
    ]
