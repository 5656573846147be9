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
import numpy.typing as npt
import pandas as pd

from evidence.warehouse.pool import GROUP, PoolingSettings, pooled_rows
from evidence.warehouse.skin_groups import skin_group_arms

RHOS = (0.2, 0.5, 0.8)

DDL = """
    rho double, stratum_kind varchar, stratum_value varchar, intervention varchar,
    outcome_scale varchar, k_studies integer, k_imputed integer, n_patients bigint,
    mean_change double, ci_lb double, ci_ub double, tau2 double, i2 double,
    i2_ci_lb double, i2_ci_ub double, pi_lb double, pi_ub double, method varchar, synthetic boolean
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
    row repeated at every rho (as a full re-pool would give it), and only the moving groups'
    arms are recomputed and re-pooled at each rho. Skin-group arms are merged per rho, and
    always re-pooled, since their rho-dependent exclusions change what merges.
    """
    kind = base_arms["stratum_kind"]
    source = base_arms[(kind.isin(KINDS) & (kind != "skin_group")).to_numpy()]
    # the skin-type arms the skin groups are merged from at each rho
    typed = base_arms[(kind == "skin_type").to_numpy()] if "skin_group" in KINDS else None
    moves = _moves(source)
    fixed_arms, moving_arms = source[~moves], source[moves]
    fixed = pooled_rows(fixed_arms, settings)
    fixed_imputed = _imputed_counts(fixed_arms)
    frames = []
    for rho in sorted({*RHOS, float(run_rho)}):
        arms = with_rho(moving_arms, rho)
        if typed is not None:
            groups = skin_group_arms(with_rho(typed, rho))
            arms = pd.concat([arms, groups], ignore_index=True) if len(groups) else arms
        rows = {**fixed, **pooled_rows(arms, settings)}
        if not rows:
            continue
        pooled = pd.DataFrame(list(rows.values()))
        imputed = pd.concat([fixed_imputed, _imputed_counts(arms)], ignore_index=True)
        pooled = pooled.merge(imputed, on=GROUP, how="left")
        # the groups in the order one pooling of all of them gives (``groupby(sort=True)``)
        pooled = pooled.sort_values(GROUP, kind="stable", na_position="last")
        pooled = pooled.reset_index(drop=True)
        pooled["rho"] = rho
        frames.append(pooled)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _imputed_counts(arms: pd.DataFrame) -> pd.DataFrame:
    """``k_imputed`` (usable arms with an imputed SD) of each group with a usable arm."""
    usable = arms[arms["exclusion_reason"].isna()]
    return (
        usable.assign(_imp=usable["is_change_sd_imputed"].fillna(False).astype(int))
        .groupby(GROUP)["_imp"]
        .sum()
        .rename("k_imputed")
        .reset_index()
    )


def _moves(arms: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Per arm: its group has an imputed SD (``with_rho`` changes it)."""
    imputed = arms["is_change_sd_imputed"].fillna(False).astype(bool)
    moves = imputed.groupby([arms[c] for c in GROUP], dropna=False).transform("any")
    return moves.to_numpy(dtype=bool)
