"""Derive means and SDs that papers report in another form (medians, SEs, CIs).

Published rows keep the numbers as reported; this step computes what the effect sizes need
with ``evidence.synthesis.conversions`` and records, per row, which conversion it used
(table ``int_study_arm_conversions``, read by the SQL model ``int_study_arm_summaries``).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from evidence.synthesis import conversions
from schemas.raw import STUDY_KEY

COLUMNS = [
    *STUDY_KEY,
    "baseline_mean",
    "baseline_sd",
    "followup_mean",
    "followup_sd",
    "change_mean",
    "change_sd",
    "conversion",
]


def _value(row: pd.Series, column: str) -> float | None:
    value = row.get(column)
    return None if value is None or pd.isna(value) else float(value)


def convert_row(row: pd.Series) -> dict[str, object] | None:
    """Derived fields for one published row, or None when nothing needs converting."""
    n = _value(row, "n") or 0.0
    out: dict[str, object] = {}
    methods: list[str] = []
    for when in ("baseline", "followup"):
        median = _value(row, f"{when}_median")
        q1, q3 = _value(row, f"{when}_q1"), _value(row, f"{when}_q3")
        if _value(row, f"{when}_mean") is None and None not in (median, q1, q3) and n >= 1:
            result = conversions.mean_sd_from_iqr(q1, median, q3, n)  # type: ignore[arg-type]
            out[f"{when}_mean"] = result.mean
            if _value(row, f"{when}_sd") is None:
                out[f"{when}_sd"] = result.sd
            methods.append(f"{when}: {result.method}")
    if _value(row, "change_sd") is None and n >= 1:
        se = _value(row, "change_se")
        lower, upper = _value(row, "change_ci_lb"), _value(row, "change_ci_ub")
        if se is not None:
            result = conversions.sd_from_se(se, n)
        elif lower is not None and upper is not None and n >= 2:
            result = conversions.sd_from_ci(lower, upper, n)
            if _value(row, "change_mean") is None:
                out["change_mean"] = result.mean
        else:
            result = None
        if result is not None:
            out["change_sd"] = result.sd
            methods.append(f"change: {result.method}")
    if not methods:
        return None
    return {**{k: row[k] for k in STUDY_KEY}, **out, "conversion": "; ".join(methods)}


def write_conversions(con: duckdb.DuckDBPyConnection) -> int:
    """(Re)create ``int_study_arm_conversions``; returns the number of converted rows."""
    arms = con.sql("select * from stg_study_arms").df()
    derived = [d for d in (convert_row(row) for _, row in arms.iterrows()) if d is not None]
    frame = pd.DataFrame(derived, columns=COLUMNS)
    for column in COLUMNS[len(STUDY_KEY) : -1]:
        frame[column] = frame[column].astype("Float64")
    con.execute("drop table if exists int_study_arm_conversions")
    con.execute(
        "create table int_study_arm_conversions (study_id varchar, intervention varchar, "
        "stratum_kind varchar, stratum_value varchar, outcome_scale varchar, "
        "followup_weeks double, baseline_mean double, baseline_sd double, "
        "followup_mean double, followup_sd double, change_mean double, change_sd double, "
        "conversion varchar)"
    )
    if not frame.empty:
        con.register("_conversions", frame)
        try:
            con.execute("insert into int_study_arm_conversions select * from _conversions")
        finally:
            con.unregister("_conversions")
    return len(frame)


__all__ = ["convert_row", "write_conversions"]
