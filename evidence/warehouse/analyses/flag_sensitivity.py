"""Sensitivity of the pooled improvements to the flagged rows (``fct_flag_sensitivity``).

A row that breaks a rule of severity ``warning`` (e.g. its score does not fit its grade) is
loaded and flagged: the analyses keep it, since a warning is a query to resolve with the
site, not a refusal. This declared sensitivity analysis is the only one that leaves flagged
rows out: every group of ``KINDS`` holding a patient-level arm with a flagged final visit is
pooled again with each such arm recomputed from its other final visits
(``int_patient_arm_summaries.*_unflagged``). Published arms, and arms without flagged visits,
do not move.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.warehouse.pool import GROUP, PoolingSettings, pooled_rows

KINDS = ("all",)  # what the report shows; other strata re-pool the same way
DDL = """
    analysis varchar, stratum_kind varchar, stratum_value varchar, intervention varchar,
    outcome_scale varchar, k_studies integer, n_left_out bigint, mean_change double,
    ci_lb double, ci_ub double, tau2 double, i2 double, pi_lb double, pi_ub double,
    method varchar, synthetic boolean
"""
ALL_ROWS = "all rows"
LEFT_OUT = "flagged final visits left out"


def without_flagged(arms: pd.DataFrame) -> pd.DataFrame:
    """``arms`` with every patient-level arm recomputed without its flagged final visits."""
    out = arms.copy()
    moved = _moves(out)
    n = out["n_unflagged"].astype("Float64")
    out.loc[moved, "n"] = n[moved].astype(out["n"].dtype)
    out.loc[moved, "change_mean"] = out.loc[moved, "change_mean_unflagged"]
    out.loc[moved, "change_sd"] = out.loc[moved, "change_sd_unflagged"]
    out.loc[moved, "yi"] = out.loc[moved, "change_mean_unflagged"]
    sd = out.loc[moved, "change_sd_unflagged"].astype(float)
    out.loc[moved, "vi"] = sd * sd / n[moved].astype(float)
    reason = np.select(
        [
            (n[moved] == 0).to_numpy(dtype=bool, na_value=True),
            (n[moved] < 2).to_numpy(dtype=bool, na_value=False),
            (sd == 0).to_numpy(dtype=bool),
        ],
        [
            "every final visit flagged",
            "fewer than 2 patients",
            "zero variance (every patient changed equally)",
        ],
        default=None,
    )
    out.loc[moved, "exclusion_reason"] = pd.Series(reason, index=out.index[moved]).where(
        pd.notna(reason), out.loc[moved, "exclusion_reason"]
    )
    return out


def flag_sensitivity(arms: pd.DataFrame, settings: PoolingSettings) -> pd.DataFrame:
    """Per group of ``KINDS`` with a flagged final visit: its pooled row with all rows and
    without the flagged final visits (``analysis``), and how many final visits that left
    out."""
    kind = arms["stratum_kind"]
    source = arms[kind.isin(KINDS).to_numpy()]
    if "n_unflagged" not in source.columns or source.empty:
        return pd.DataFrame()
    moved = _moves(source)
    if not moved.any():  # no flagged final visit: nothing moves (a row-wise key costs ~2 s
        return pd.DataFrame()  # at a registry's 1,000 studies)
    groups = pd.MultiIndex.from_frame(source[GROUP].astype(str))
    affected = source[groups.isin(groups[moved])]
    left_out = (
        (affected["n"] - affected["n_unflagged"].fillna(affected["n"]))
        .groupby([affected[c] for c in GROUP])
        .sum()
        .rename("n_left_out")
        .reset_index()
    )
    frames = []
    for analysis, frame in ((ALL_ROWS, affected), (LEFT_OUT, without_flagged(affected))):
        rows = pd.DataFrame(list(pooled_rows(frame, settings).values()))
        rows.insert(0, "analysis", analysis)
        frames.append(rows.merge(left_out, on=GROUP, how="left"))
    return pd.concat(frames, ignore_index=True)


def _moves(arms: pd.DataFrame) -> np.ndarray:
    """Per arm: a patient-level arm some of whose final visits were flagged."""
    if "n_unflagged" not in arms.columns:
        return np.zeros(len(arms), dtype=bool)
    n_unflagged = arms["n_unflagged"]
    patient = (arms["evidence_source"] == "patient_level").to_numpy()
    return patient & (n_unflagged.notna() & (n_unflagged < arms["n"])).to_numpy(dtype=bool)
