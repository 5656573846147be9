"""Tests for subgroup differences between the pooled strata (``fct_subgroup_differences``).

For every stratification (baseline grade, Fitzpatrick type, Fitzpatrick group, and the
treatment arms themselves) x intervention x outcome scale: ``Q_between`` is the ``QE`` of an
equal-effects model of the stratum estimates with ``W_j = 1 / se_j^2``, on ``J - 1`` df
(metafor's recipe in :mod:`evidence.synthesis.subgroups`; Borenstein 2009 ch. 19). These are
between-study comparisons: a difference may be confounded by anything else that differs
between the studies.
"""

from __future__ import annotations

import pandas as pd

from evidence.synthesis.pooling import rma
from evidence.warehouse.analyses._frames import finite

STRATIFICATIONS = ("severity", "skin_type", "skin_group")
#: Arms compared across studies by the "intervention" test (stratum "all").
ARM_COMPARISON = ("microneedling", "microneedling_prp", "microneedling_tca")

DDL = """
    stratification varchar, intervention varchar, outcome_scale varchar,
    n_subgroups integer, subgroups varchar, q_between double, df integer, pval double,
    note varchar, synthetic boolean
"""


def subgroup_differences(pooled: pd.DataFrame) -> pd.DataFrame:
    """One row per stratification x intervention x outcome scale (``fct_pooled_improvement``
    rows in, the Q_between test out; ``q_between`` is None with fewer than two estimates)."""
    rows: list[dict[str, object]] = []
    usable = pooled[pooled["mean_change"].notna() & (pooled["se"].fillna(0) > 0)]
    for kind in STRATIFICATIONS:
        part = usable[usable["stratum_kind"] == kind]
        for (intervention, scale, synthetic), group in part.groupby(
            ["intervention", "outcome_scale", "synthetic"]
        ):
            row = _test(kind, str(intervention), str(scale), group, "stratum_value")
            rows.append({**row, "synthetic": bool(synthetic)})
    arms = usable[(usable["stratum_kind"] == "all") & usable["intervention"].isin(ARM_COMPARISON)]
    for (scale, synthetic), group in arms.groupby(["outcome_scale", "synthetic"]):
        row = _test("intervention", "+".join(ARM_COMPARISON), str(scale), group, "intervention")
        rows.append({**row, "synthetic": bool(synthetic)})
    return pd.DataFrame(rows, columns=[c.split()[0] for c in _columns()])


def _columns() -> list[str]:
    return [c.strip() for c in DDL.replace("\n", " ").split(",") if c.strip()]


def _test(
    kind: str, intervention: str, scale: str, group: pd.DataFrame, by: str
) -> dict[str, object]:
    group = group.sort_values(by)
    labels = ",".join(str(v) for v in group[by])
    row: dict[str, object] = {
        "stratification": kind,
        "intervention": intervention,
        "outcome_scale": scale,
        "n_subgroups": len(group),
        "subgroups": labels,
        "q_between": None,
        "df": None,
        "pval": None,
        "note": "between-study comparison",
    }
    if len(group) < 2:
        row["note"] = "not performed: fewer than 2 subgroups with an estimate"
        return row
    fit = rma(group["mean_change"].to_numpy(float), group["se"].to_numpy(float) ** 2, method="EE")
    row.update(q_between=finite(fit.QE), df=len(group) - 1, pval=finite(fit.QEp))
    return row
