"""The analyses the report shows beyond the pooled strata, each stored as an fct_* table so
analysts can query them (computed here, in the build, not when the report is read):

| table | module |
|---|---|
| ``fct_subgroup_differences`` | :mod:`.subgroups` (Q_between per stratification) |
| ``fct_meta_regression`` | :mod:`.metaregression` (sessions, needle depth; k >= 10) |
| ``fct_comparisons``, ``fct_comparison_studies`` | :mod:`.comparisons` (within-study MDs) |
| ``fct_responders_pooled``, ``fct_responders_study`` | :mod:`.responders` (PLO-pooled) |
| ``fct_responder_comparisons``, ``fct_responder_comparison_studies`` | :mod:`.responders` (ORs) |
| ``fct_safety_pooled``, ``fct_safety_studies`` | :mod:`.safety` (PIH logit-pooled, erythema) |
| ``fct_skin_class_subgroups`` | :mod:`.skin_class` (population skin types, between studies) |
| ``fct_rho_sensitivity`` | :mod:`.sensitivity` (rho 0.2 / 0.5 / 0.8) |
| ``fct_flag_sensitivity`` | :mod:`.flag_sensitivity` (flagged final visits left out) |
| ``fct_pooled_history`` | :mod:`.history` (appended per run) |
"""

from __future__ import annotations

import duckdb
import pandas as pd

from evidence.warehouse.analyses import (
    comparisons,
    flag_sensitivity,
    history,
    metaregression,
    responders,
    safety,
    sensitivity,
    skin_class,
    subgroups,
)
from evidence.warehouse.analyses._frames import replace_table
from evidence.warehouse.pool import PoolingSettings, read_arms


def write_analyses(
    con: duckdb.DuckDBPyConnection,
    settings: PoolingSettings,
    *,
    rho: float,
    run_id: str | None = None,
    arms: pd.DataFrame | None = None,
) -> None:
    """Write every analysis table from the pooled tables and ``arms`` (default:
    :func:`read_arms`, the arms the pooled tables were fitted on)."""
    pooled = con.sql("select * from fct_pooled_improvement").df()
    replace_table(
        con, "fct_subgroup_differences", subgroups.DDL, subgroups.subgroup_differences(pooled)
    )
    arms = read_arms(con) if arms is None else arms
    replace_table(
        con,
        "fct_meta_regression",
        metaregression.DDL,
        metaregression.meta_regressions(arms, method=settings.method, test=settings.test),
    )
    compared, compared_studies = comparisons.compare_arms(arms, settings)
    replace_table(con, "fct_comparisons", comparisons.POOLED_DDL, compared)
    replace_table(con, "fct_comparison_studies", comparisons.STUDY_DDL, compared_studies)
    responder_arms = con.sql(responders.ARMS_SQL).df()
    pooled_resp, resp_studies = responders.pool_responders(responder_arms, settings)
    replace_table(con, "fct_responders_pooled", responders.POOLED_DDL, pooled_resp)
    replace_table(con, "fct_responders_study", responders.STUDY_DDL, resp_studies)
    resp_or, resp_or_studies = responders.compare_responders(responder_arms, settings)
    replace_table(con, "fct_responder_comparisons", responders.COMPARISON_DDL, resp_or)
    replace_table(
        con,
        "fct_responder_comparison_studies",
        responders.COMPARISON_STUDY_DDL,
        resp_or_studies,
    )
    by_study = safety.safety_rows(con.sql(safety.PATIENT_SQL).df(), con.sql(safety.STUDY_SQL).df())
    safe_pooled, safe_studies = safety.pool_safety(by_study, settings)
    replace_table(
        con,
        "fct_skin_class_subgroups",
        skin_class.DDL,
        skin_class.skin_class_subgroups(
            con.sql(skin_class.POPULATION_SQL).df(), responder_arms, arms, by_study, settings
        ),
    )
    replace_table(con, "fct_safety_pooled", safety.POOLED_DDL, safe_pooled)
    replace_table(con, "fct_safety_studies", safety.STUDY_DDL, safe_studies)
    replace_table(
        con,
        "fct_rho_sensitivity",
        sensitivity.DDL,
        sensitivity.rho_sensitivity(arms, settings, rho),
    )
    replace_table(
        con,
        "fct_flag_sensitivity",
        flag_sensitivity.DDL,
        flag_sensitivity.flag_sensitivity(arms, settings),
    )
    if run_id is not None:
        history.append_history(con, run_id)
