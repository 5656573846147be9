"""Combination therapies against microneedling alone, within studies (``fct_comparisons``).

For each study that reports a combination arm (PRP, TCA, subcision, topical) *and* a
microneedling-alone arm on the same scale, the mean difference of their improvements
``MD = yi_combination - yi_microneedling`` with ``vi = vi_combination + vi_microneedling``,
then random-effects pooling across studies (``pool_arm_effects``). Split-face arms share
patients; treating them as independent ignores a positive within-person correlation and so
overstates the variance (conservative); the study rows say which were split-face.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evidence.warehouse.pool import PoolingSettings, pool_arm_effects

COMPARATOR = "microneedling"
COMBINATIONS = (
    "microneedling_prp",
    "microneedling_tca",
    "microneedling_subcision",
    "microneedling_topical",
)
SPLIT_FACE = frozenset({"split_face", "split_face_rct"})

POOLED_DDL = """
    comparison varchar, intervention varchar, comparator varchar, outcome_scale varchar,
    k_studies integer, n_patients bigint, md double, se double, ci_lb double, ci_ub double,
    pval double, tau2 double, i2 double, i2_ci_lb double, i2_ci_ub double, qe double,
    qe_p double, pi_lb double, pi_ub double, method varchar, data_origins varchar
"""
STUDY_DDL = """
    comparison varchar, intervention varchar, comparator varchar, outcome_scale varchar,
    study_id varchar, evidence_source varchar, data_origin varchar, n bigint,
    yi double, vi double, ci_lb double, ci_ub double, weight_pct double,
    design varchar, risk_of_bias varchar, citation varchar, source_url varchar
"""


def comparison_label(intervention: str) -> str:
    return f"{intervention} vs {COMPARATOR}"


def _pairs(combo: str, treated: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """One row per study with both arms on a scale: their difference, as an arm effect."""
    m = treated.merge(base, on=["study_id", "outcome_scale"], suffixes=("", "_comparator"))
    if m.empty:
        return pd.DataFrame()
    split = (m["design"].isin(SPLIT_FACE) | m["design_comparator"].isin(SPLIT_FACE)).to_numpy()

    def together(column: str) -> np.ndarray:
        """Patients of both arms: the larger arm when split-face (the same people)."""
        own = m[column].to_numpy(dtype="int64")
        other = m[f"{column}_comparator"].to_numpy(dtype="int64")
        return np.where(split, np.maximum(own, other), own + other)

    return pd.DataFrame(
        {
            "stratum_kind": "comparison",
            "stratum_value": comparison_label(combo),
            "intervention": combo,
            "outcome_scale": m["outcome_scale"],
            "study_id": m["study_id"],
            "evidence_source": m["evidence_source"],
            "data_origin": m["data_origin"],
            "n": together("n"),
            "n_patients": together("n_patients"),
            "yi": (m["yi"] - m["yi_comparator"]).astype("float64"),
            "vi": (m["vi"] + m["vi_comparator"]).astype("float64"),
            "exclusion_reason": None,
            "responders": None,
            "citation": m["citation"],
            "source_url": m["source_url"],
            "design": m["design"].where(m["design"].notna(), m["design_comparator"]),
            "risk_of_bias": m["risk_of_bias"],
        }
    )


def compare_arms(
    arms: pd.DataFrame, settings: PoolingSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pooled comparisons, study rows) from the usable ``all``-stratum arms."""
    overall = arms[(arms["stratum_kind"] == "all") & arms["exclusion_reason"].isna()]
    base = overall[overall["intervention"] == COMPARATOR]
    pairs = [
        found
        for combo in COMBINATIONS
        if not (found := _pairs(combo, overall[overall["intervention"] == combo], base)).empty
    ]
    frame = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame()
    if frame.empty:
        pooled, studies = pd.DataFrame(), pd.DataFrame()
    else:
        pooled, studies = pool_arm_effects(frame, settings)
    pooled_rows = []
    for combo in COMBINATIONS:
        found = pooled[pooled["intervention"] == combo] if not pooled.empty else pd.DataFrame()
        if found.empty:
            for scale in sorted(
                set(overall["outcome_scale"].unique()) & {"gb_qualitative", "gb_quantitative"}
            ):
                pooled_rows.append(
                    {
                        "comparison": comparison_label(combo),
                        "intervention": combo,
                        "comparator": COMPARATOR,
                        "outcome_scale": scale,
                        "k_studies": 0,
                        "n_patients": 0,
                        "method": "not pooled: no study compared both arms on this scale",
                    }
                )
            continue
        for _, p in found.iterrows():
            pooled_rows.append(
                {
                    **p.to_dict(),
                    "comparison": p["stratum_value"],
                    "comparator": COMPARATOR,
                    "md": p["mean_change"],
                }
            )
    pooled_out = pd.DataFrame(pooled_rows)
    if not studies.empty:
        studies = studies.rename(columns={"stratum_value": "comparison"})
        studies["comparator"] = COMPARATOR
    return pooled_out, studies
