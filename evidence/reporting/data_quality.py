"""The data-quality section's warnings: flagged rows by file and rule, and the declared
sensitivity analysis that leaves flagged final visits out (read from the warehouse; the
quarantine and the files' table are read with the rest of the context)."""

from __future__ import annotations

from typing import Any

import duckdb

from evidence.reporting._rows import records
from evidence.reporting.context import FlagCount, FlagSensitivityRow, ReportContext
from evidence.warehouse.tables import has_table

Table = tuple[tuple[str, ...], list[tuple[object, ...]]]


def read_data_quality(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The ReportContext fields of the warnings: ``flags`` and ``flag_sensitivity``."""
    flags = tuple(
        FlagCount(**r)
        for r in records(
            con,
            """
            select source_file, rule, coalesce(column_name, '') as column_name,
                   count(*)::integer as rows, min(message) as example
            from row_flags  -- a view over the loaded file versions only
            group by all order by source_file, rule, column_name
            """,
        )
    )
    sensitivity = ()
    if has_table(con, "fct_flag_sensitivity"):
        sensitivity = tuple(
            FlagSensitivityRow(
                analysis=r["analysis"],
                intervention=r["intervention"],
                outcome_scale=r["outcome_scale"],
                stratum="All" if r["stratum_kind"] == "all" else r["stratum_value"],
                k_studies=int(r["k_studies"]),
                n_left_out=int(r["n_left_out"] or 0),
                mean_change=r["mean_change"],
                ci_lb=r["ci_lb"],
                ci_ub=r["ci_ub"],
            )
            for r in records(
                con,
                """
                select * from fct_flag_sensitivity
                where outcome_scale in ('gb_qualitative', 'gb_quantitative')
                order by synthetic, intervention <> 'microneedling', intervention,
                         outcome_scale, stratum_kind, stratum_value, analysis
                """,
            )
        )
    return {"flags": flags, "flag_sensitivity": sensitivity}


def data_quality_tables(ctx: ReportContext) -> dict[str, Table]:
    """The warnings' CSV tables."""
    return {
        "row_flags_by_rule": (
            ("source_file", "rule", "column_name", "rows", "example"),
            [(f.source_file, f.rule, f.column_name, f.rows, f.example) for f in ctx.flags],
        ),
        "flag_sensitivity": (
            (
                "analysis",
                "intervention",
                "outcome_scale",
                "stratum",
                "k_studies",
                "n_left_out",
                "estimate",
                "ci_lb",
                "ci_ub",
            ),
            [
                (
                    r.analysis,
                    r.intervention,
                    r.outcome_scale,
                    r.stratum,
                    r.k_studies,
                    r.n_left_out,
                    r.mean_change,
                    r.ci_lb,
                    r.ci_ub,
                )
                for r in ctx.flag_sensitivity
            ],
        ),
    }
