"""The living-review memory: every run's pooled estimates (``fct_pooled_history``).

Unlike the other fct tables, this one is never replaced: each run appends its rows keyed by
``run_id`` (a rerun of the same run id replaces its own rows), so the report can compare a
run with the one before it.
"""

from __future__ import annotations

import duckdb

DDL = """
create table if not exists fct_pooled_history (
    run_id varchar not null, recorded_at timestamp with time zone not null,
    stratum_kind varchar, stratum_value varchar, intervention varchar, outcome_scale varchar,
    k_studies integer, n_patients bigint, mean_change double, ci_lb double, ci_ub double,
    i2 double, pi_lb double, pi_ub double, method varchar, study_ids varchar,
    synthetic boolean
)
"""


def append_history(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Copy this run's ``fct_pooled_improvement`` into ``fct_pooled_history``."""
    con.execute(DDL)
    # a history written before synthetic studies were kept apart: its rows are unlabelled
    con.execute("alter table fct_pooled_history add column if not exists synthetic boolean")
    con.execute("delete from fct_pooled_history where run_id = $run_id", {"run_id": run_id})
    con.execute(
        """
        insert into fct_pooled_history
        select $run_id, now(), p.stratum_kind, p.stratum_value, p.intervention, p.outcome_scale,
               p.k_studies, p.n_patients, p.mean_change, p.ci_lb, p.ci_ub, p.i2, p.pi_lb,
               p.pi_ub, p.method, s.study_ids, p.synthetic
        from fct_pooled_improvement as p
        left join (
            select stratum_kind, stratum_value, intervention, outcome_scale, synthetic,
                   string_agg(study_id, ',' order by study_id) as study_ids
            from fct_study_weights where weight_pct is not null
            group by all
        ) as s using (stratum_kind, stratum_value, intervention, outcome_scale, synthetic)
        """,
        {"run_id": run_id},
    )
    (count,) = con.execute(
        "select count(*) from fct_pooled_history where run_id = $run_id", {"run_id": run_id}
    ).fetchone() or (0,)
    return int(count)
