"""Dose and protocol: improvement against sessions and needle depth (``fct_meta_regression``).

A mixed-effects meta-regression ``rma(yi, vi, mods = ~ x)`` (:func:`rma_mods`) of the arms'
overall improvement on one moderator at a time, for each intervention and outcome scale,
only when at least ``MIN_K`` arms report the moderator (Cochrane Handbook 10.11.5.1: "at
least ten studies ... for each characteristic modelled"); otherwise the row says why it was
not performed. The row keeps the coefficients' covariance so the report can draw the line
with its confidence band: ``se(x) = sqrt(v0 + 2 x c01 + x^2 v1)`` (metafor's ``predict()``),
and metafor's pseudo-R² (``r2``, % of the heterogeneity the moderator accounts for).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.synthesis.control import DEFAULT_CONTROL
from evidence.synthesis.metareg import rma_mods
from evidence.synthesis.tau2 import EstimationError
from evidence.warehouse.analyses._frames import finite

MIN_K = 10
MODERATORS = ("sessions", "needle_depth_mm")
INTERVENTIONS = ("microneedling",)

DDL = """
    intervention varchar, outcome_scale varchar, moderator varchar, k integer,
    k_without_moderator integer, status varchar,
    intercept double, slope double, slope_se double, slope_ci_lb double, slope_ci_ub double,
    slope_pval double, var_intercept double, var_slope double, cov_intercept_slope double,
    crit double, tau2 double, i2 double, r2 double, qm double, qm_pval double, x_min double,
    x_max double, method varchar, test varchar, synthetic boolean
"""
COLUMNS = [c.split()[0] for c in DDL.replace("\n", " ").split(",") if c.strip()]


def meta_regressions(arms: pd.DataFrame, *, method: str, test: str) -> pd.DataFrame:
    """One row per intervention x outcome scale x moderator, from the ``all``-stratum arms."""
    rows = []
    keep = (
        (arms["stratum_kind"] == "all")
        & arms["exclusion_reason"].isna()
        & arms["intervention"].isin(INTERVENTIONS)
    )
    columns = ["intervention", "outcome_scale", "synthetic", "yi", "vi", *MODERATORS]
    overall = arms.loc[keep, columns]
    for (intervention, scale, synthetic), group in overall.groupby(
        ["intervention", "outcome_scale", "synthetic"]
    ):
        for moderator in MODERATORS:
            row = _fit(str(intervention), str(scale), moderator, group, method, test)
            rows.append({**row, "synthetic": bool(synthetic)})
    return pd.DataFrame(rows, columns=COLUMNS)


def _fit(
    intervention: str, scale: str, moderator: str, group: pd.DataFrame, method: str, test: str
) -> dict[str, object]:
    known = group[group[moderator].notna()]
    k = len(known)
    row: dict[str, object] = dict.fromkeys(COLUMNS)
    row.update(
        intervention=intervention,
        outcome_scale=scale,
        moderator=moderator,
        k=k,
        k_without_moderator=len(group) - k,
        method=method,
        test=test,
    )
    if k:
        row.update(x_min=float(known[moderator].min()), x_max=float(known[moderator].max()))
    if k < MIN_K:
        row["status"] = f"not performed (k = {k} < {MIN_K})"
        return row
    x = known[moderator].to_numpy(float)
    if np.ptp(x) == 0:
        row["status"] = f"not performed ({moderator} does not vary)"
        return row
    yi, vi = known["yi"].to_numpy(float), known["vi"].to_numpy(float)
    design = np.column_stack([np.ones(k), x])
    try:
        fit = rma_mods(yi, vi, design, names=("intrcpt", moderator), method=method, test=test)
    except EstimationError as exc:
        row["status"] = f"not performed ({method} did not converge: {exc})"
        return row
    wi = 1.0 / (vi + fit.tau2)
    vb = np.linalg.inv((design.T * wi) @ design)
    if test == "knha":
        rss = float(np.sum(wi * (yi - design @ np.asarray(fit.beta)) ** 2))
        vb = vb * rss / (k - 2)
    crit = (fit.ci_ub[1] - fit.beta[1]) / fit.se[1] if fit.se[1] > 0 else None
    if fit.control is not None and fit.control != DEFAULT_CONTROL:
        row["method"] = f"{method} ({fit.control.describe()})"
    row.update(
        status="performed",
        intercept=fit.beta[0],
        slope=fit.beta[1],
        slope_se=fit.se[1],
        slope_ci_lb=fit.ci_lb[1],
        slope_ci_ub=fit.ci_ub[1],
        slope_pval=fit.pval[1],
        var_intercept=float(vb[0, 0]),
        var_slope=float(vb[1, 1]),
        cov_intercept_slope=float(vb[0, 1]),
        crit=finite(crit),
        tau2=fit.tau2,
        i2=fit.I2,
        r2=fit.R2,
        qm=fit.QM,
        qm_pval=fit.QMp,
    )
    return row
