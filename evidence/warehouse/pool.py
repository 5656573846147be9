"""Stage two of the analysis: pool the arm effects of each stratum across studies.

Reads ``int_arm_effects`` (built by the SQL models), adds each study's Fitzpatrick-group arms
(``stratum_kind = 'skin_group'``: I-III and IV-VI, see ``skin_groups``), fits a
random-effects model per stratum x intervention x outcome scale with
:func:`evidence.synthesis.pooling.rma`, and writes ``fct_pooled_improvement`` (one row per
group) and ``fct_study_weights`` (one row per study arm, the rows of the forest plots). DuckDB
has no distribution functions, so this step is Python. The further analyses the report shows
(subgroup tests, meta-regression, comparisons, safety, sensitivity, history) are in
``evidence.warehouse.analyses``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd
from scipy.stats import norm

from evidence.synthesis.pooling import rma
from evidence.synthesis.tau2 import EstimationError
from evidence.warehouse.skin_groups import skin_group_arms

GROUP = ["stratum_kind", "stratum_value", "intervention", "outcome_scale"]
STUDY_EXTRA = ["design", "risk_of_bias", "sessions", "needle_depth_mm"]
TEST_LABELS = {"z": "z", "knha": "Hartung-Knapp"}


@dataclass(frozen=True)
class PoolingSettings:
    method: str = "REML"  # tau2 estimator (metafor's name)
    test: str = "z"  # z | knha
    level: float = 95.0


def pool_arm_effects(
    arms: pd.DataFrame, settings: PoolingSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pooled rows, study rows) for every group of ``arms`` (columns of int_arm_effects)."""
    pooled_rows: list[dict[str, object]] = []
    study_rows: list[pd.DataFrame] = []
    crit = float(norm.ppf(0.5 + settings.level / 200.0))
    for key, unsorted in arms.groupby(GROUP, sort=True, dropna=False):
        group = unsorted.sort_values("study_id")
        usable = group[group["exclusion_reason"].isna()]
        studies = group[
            [
                "study_id",
                "evidence_source",
                "data_origin",
                "n",
                "yi",
                "vi",
                "exclusion_reason",
                "citation",
                "source_url",
                *[c for c in STUDY_EXTRA if c in group.columns],
            ]
        ].copy()
        for column, value in zip(GROUP, key, strict=True):
            studies[column] = value
        se = studies["vi"].pow(0.5)
        studies["ci_lb"] = studies["yi"] - crit * se
        studies["ci_ub"] = studies["yi"] + crit * se
        studies["weight_pct"] = None
        with_responders = group[group["responders"].notna()]
        row: dict[str, object] = dict(zip(GROUP, key, strict=True))
        row.update(
            k_studies=len(usable),
            k_excluded=len(group) - len(usable),
            n_patients=int(usable["n_patients"].sum()),
            responder_rate=(
                float(with_responders["responders"].sum() / with_responders["n"].sum())
                if len(with_responders)
                else None
            ),
            data_origins=",".join(sorted(set(usable["data_origin"].dropna()))),
        )
        if usable.empty:
            row.update(_empty_fit("no study arm with a usable mean change and SD"))
        else:
            fit, weights = _fit(usable, settings)
            row.update(fit)
            studies.loc[usable.index, "weight_pct"] = weights
        pooled_rows.append(row)
        study_rows.append(studies)
    pooled = pd.DataFrame(pooled_rows)
    studies_frame = pd.concat(study_rows, ignore_index=True) if study_rows else pd.DataFrame()
    return pooled, studies_frame


def _fit(usable: pd.DataFrame, settings: PoolingSettings) -> tuple[dict[str, object], list[float]]:
    yi, vi = usable["yi"].to_numpy(float), usable["vi"].to_numpy(float)
    method = settings.method
    note = ""
    try:
        res = rma(yi, vi, method=method, test=settings.test, level=settings.level)
    except EstimationError as exc:
        note = f" ({method} failed: {exc}; DerSimonian-Laird used)"
        method = "DL"
        res = rma(yi, vi, method=method, test=settings.test, level=settings.level)
    single = res.k == 1
    label = "single study (not pooled)" if single else f"{method}, {TEST_LABELS[res.test]}{note}"
    fit = {
        "mean_change": res.beta,
        "se": res.se,
        "ci_lb": res.ci_lb,
        "ci_ub": res.ci_ub,
        "pval": res.pval,
        "tau2": None if single else res.tau2,
        "i2": None if single else res.I2,
        "qe": None if single else res.QE,
        "qe_p": None if single else res.QEp,
        "pi_lb": None if single else res.pi_lb,
        "pi_ub": None if single else res.pi_ub,
        "method": label,
    }
    return fit, list(res.weights)


def _empty_fit(reason: str) -> dict[str, object]:
    return {
        "mean_change": None,
        "se": None,
        "ci_lb": None,
        "ci_ub": None,
        "pval": None,
        "tau2": None,
        "i2": None,
        "qe": None,
        "qe_p": None,
        "pi_lb": None,
        "pi_ub": None,
        "method": f"not pooled: {reason}",
    }


POOLED_DDL = """
create or replace table fct_pooled_improvement (
    stratum_kind varchar, stratum_value varchar, intervention varchar, outcome_scale varchar,
    k_studies integer, k_excluded integer, n_patients bigint,
    mean_change double, se double, ci_lb double, ci_ub double, pval double,
    tau2 double, i2 double, qe double, qe_p double, pi_lb double, pi_ub double,
    responder_rate double, method varchar, data_origins varchar
)
"""

STUDY_DDL = """
create or replace table fct_study_weights (
    stratum_kind varchar, stratum_value varchar, intervention varchar, outcome_scale varchar,
    study_id varchar, evidence_source varchar, data_origin varchar, n bigint,
    yi double, vi double, ci_lb double, ci_ub double, weight_pct double,
    exclusion_reason varchar, citation varchar, source_url varchar,
    design varchar, risk_of_bias varchar, sessions double, needle_depth_mm double
)
"""


def write_pooled(con: duckdb.DuckDBPyConnection, settings: PoolingSettings) -> int:
    """Pool ``int_arm_effects`` into the fct tables; returns the number of pooled groups."""
    arms = read_arms(con)
    pooled, studies = pool_arm_effects(arms, settings)
    con.execute(POOLED_DDL)
    con.execute(STUDY_DDL)
    for table, frame in (("fct_pooled_improvement", pooled), ("fct_study_weights", studies)):
        insert_frame(con, table, frame)
    return len(pooled)


def read_arms(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``int_arm_effects`` plus the Fitzpatrick-group arms merged from the per-type arms."""
    arms = con.sql(
        "select * from int_arm_effects "
        "order by stratum_kind, stratum_value, intervention, outcome_scale, study_id"
    ).df()
    groups = skin_group_arms(arms)
    return pd.concat([arms, groups], ignore_index=True) if len(groups) else arms


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    """Append ``frame``'s columns named like ``table``'s (missing ones as null; NaN as null)."""
    if frame.empty:
        return
    columns = [row[0] for row in con.sql(f"describe {table}").fetchall()]
    full = frame.reindex(columns=columns)
    con.register("_frame", full.astype(object).where(full.notna(), None))
    try:
        con.execute(f"insert into {table} select * from _frame")
    finally:
        con.unregister("_frame")
