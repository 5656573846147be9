"""Sensitivity of the pooled improvements to the assumed pre/post correlation
(``fct_rho_sensitivity``).

Published arms that give baseline and follow-up SDs but no SD of change get
``SD_change = sqrt(SD1^2 + SD2^2 - 2 rho SD1 SD2)`` (Cochrane Handbook 6.5.2.8); the run uses
one ``rho``. Here every such arm is recomputed at each rho of ``RHOS`` (and the run's) and
every group holding one is pooled again; arms with a reported or patient-level SD do not move,
so a group of only such arms is pooled once and its row repeated at every rho.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.warehouse.pool import GROUP, PoolingSettings, pooled_rows
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
    """The pooled rows of ``KINDS`` at every rho, with how many arms had an imputed SD.

    Only a group with an imputed arm can move with rho: the others are pooled once and their
    row repeated at every rho (as a full re-pool would give it). Skin-group arms are merged
    per rho, and always re-pooled, since their rho-dependent exclusions change what merges.
    """
    source = base_arms[base_arms["stratum_kind"] != "skin_group"]
    if "skin_group" not in KINDS:  # the skin-type arms are needed only to merge skin groups
        source = source[source["stratum_kind"].isin(KINDS)]
    fixed = pooled_rows(_fixed_groups(source[source["stratum_kind"].isin(KINDS)]), settings)
    frames = []
    for rho in sorted({*RHOS, float(run_rho)}):
        arms = with_rho(source, rho)
        if "skin_group" in KINDS:
            groups = skin_group_arms(arms)
            arms = pd.concat([arms, groups], ignore_index=True) if len(groups) else arms
        arms = arms[arms["stratum_kind"].isin(KINDS)]
        pooled = pd.DataFrame(list(pooled_rows(arms, settings, fixed).values()))
        if pooled.empty:
            continue
        usable = arms[arms["exclusion_reason"].isna()]
        imputed = (
            usable.assign(_imp=usable["is_change_sd_imputed"].fillna(False).astype(int))
            .groupby(GROUP)["_imp"]
            .sum()
            .rename("k_imputed")
            .reset_index()
        )
        pooled = pooled.merge(imputed, on=GROUP, how="left")
        pooled["rho"] = rho
        frames.append(pooled)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _fixed_groups(arms: pd.DataFrame) -> pd.DataFrame:
    """The arms of the groups ``with_rho`` leaves alone: no imputed SD, not a skin group."""
    imputed = arms["is_change_sd_imputed"].fillna(False).astype(bool)
    moves = imputed.groupby([arms[c] for c in GROUP], dropna=False).transform("any")
    return arms[~moves.to_numpy(dtype=bool) & (arms["stratum_kind"] != "skin_group").to_numpy()]
