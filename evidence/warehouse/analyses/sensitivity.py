"""Sensitivity of the pooled improvements to the assumed pre/post correlation
(``fct_rho_sensitivity``).

Published arms that give baseline and follow-up SDs but no SD of change get
``SD_change = sqrt(SD1^2 + SD2^2 - 2 rho SD1 SD2)`` (Cochrane Handbook 6.5.2.8); the run uses
one ``rho``. Here every such arm is recomputed at each rho of ``RHOS`` (and the run's) and
every group is pooled again; arms with a reported or patient-level SD do not move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.warehouse.pool import PoolingSettings, pool_arm_effects
from evidence.warehouse.skin_groups import skin_group_arms

RHOS = (0.2, 0.5, 0.8)

DDL = """
    rho double, stratum_kind varchar, stratum_value varchar, intervention varchar,
    outcome_scale varchar, k_studies integer, k_imputed integer, n_patients bigint,
    mean_change double, ci_lb double, ci_ub double, tau2 double, i2 double,
    pi_lb double, pi_ub double, method varchar
"""
KINDS = ("all",)  # what the report shows; other strata re-pool the same way


def with_rho(arms: pd.DataFrame, rho: float) -> pd.DataFrame:
    """``arms`` (base ``int_arm_effects`` rows) with imputed change SDs recomputed at ``rho``."""
    out = arms.copy()
    imputed = out["is_change_sd_imputed"].fillna(False).astype(bool)
    sd1, sd2 = out["baseline_sd"].astype(float), out["followup_sd"].astype(float)
    sd = np.sqrt(np.maximum(sd1**2 + sd2**2 - 2 * rho * sd1 * sd2, 0.0))
    out.loc[imputed, "change_sd"] = sd[imputed]
    out.loc[imputed, "vi"] = (sd[imputed] ** 2) / out.loc[imputed, "n"].astype(float)
    zero = imputed & (out["change_sd"] == 0)
    out.loc[zero, "exclusion_reason"] = "zero variance (every patient changed equally)"
    return out


def rho_sensitivity(
    base_arms: pd.DataFrame, settings: PoolingSettings, run_rho: float
) -> pd.DataFrame:
    """The pooled rows of ``KINDS`` at every rho, with how many arms had an imputed SD."""
    frames = []
    for rho in sorted({*RHOS, float(run_rho)}):
        arms = with_rho(base_arms[base_arms["stratum_kind"] != "skin_group"], rho)
        groups = skin_group_arms(arms)
        arms = pd.concat([arms, groups], ignore_index=True) if len(groups) else arms
        arms = arms[arms["stratum_kind"].isin(KINDS)]
        pooled, _ = pool_arm_effects(arms, settings)
        if pooled.empty:
            continue
        usable = arms[arms["exclusion_reason"].isna()]
        imputed = (
            usable.assign(_imp=usable["is_change_sd_imputed"].fillna(False).astype(int))
            .groupby(["stratum_kind", "stratum_value", "intervention", "outcome_scale"])["_imp"]
            .sum()
            .rename("k_imputed")
            .reset_index()
        )
        pooled = pooled.merge(
            imputed,
            on=["stratum_kind", "stratum_value", "intervention", "outcome_scale"],
            how="left",
        )
        pooled["rho"] = rho
        frames.append(pooled)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
