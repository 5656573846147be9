"""Combination therapies against microneedling alone, within studies (``fct_comparisons``).

For each study that reports a combination arm (PRP, TCA, subcision, topical) *and* a
microneedling-alone arm on the same scale, the mean difference of their improvements
``MD = yi_combination - yi_microneedling`` with ``vi = vi_combination + vi_microneedling``,
then random-effects pooling across studies (``pool_arm_effects``). Split-face arms share
patients; treating them as independent ignores a positive within-person correlation and so
overstates the variance (conservative); the study rows say which were split-face.
"""

from __future__ import annotations

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
    pval double, tau2 double, i2 double, qe double, qe_p double, pi_lb double, pi_ub double,
    method varchar, data_origins varchar
"""
STUDY_DDL = """
    comparison varchar, intervention varchar, comparator varchar, outcome_scale varchar,
    study_id varchar, evidence_source varchar, data_origin varchar, n bigint,
    yi double, vi double, ci_lb double, ci_ub double, weight_pct double,
    design varchar, risk_of_bias varchar, citation varchar, source_url varchar
"""


def comparison_label(intervention: str) -> str:
    return f"{intervention} vs {COMPARATOR}"


def compare_arms(
    arms: pd.DataFrame, settings: PoolingSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pooled comparisons, study rows) from the usable ``all``-stratum arms."""
    overall = arms[(arms["stratum_kind"] == "all") & arms["exclusion_reason"].isna()]
    base = overall[overall["intervention"] == COMPARATOR]
    pairs = []
    for combo in COMBINATIONS:
        treated = overall[overall["intervention"] == combo]
        merged = treated.merge(base, on=["study_id", "outcome_scale"], suffixes=("", "_comparator"))
        for _, r in merged.iterrows():
            split = r["design"] in SPLIT_FACE or r["design_comparator"] in SPLIT_FACE
            pairs.append(
                {
                    "stratum_kind": "comparison",
                    "stratum_value": comparison_label(combo),
                    "intervention": combo,
                    "outcome_scale": r["outcome_scale"],
                    "study_id": r["study_id"],
                    "evidence_source": r["evidence_source"],
                    "data_origin": r["data_origin"],
                    "n": int(
                        max(r["n"], r["n_comparator"]) if split else r["n"] + r["n_comparator"]
                    ),
                    "n_patients": int(
                        max(r["n_patients"], r["n_patients_comparator"])
                        if split
                        else r["n_patients"] + r["n_patients_comparator"]
                    ),
                    "yi": float(r["yi"] - r["yi_comparator"]),
                    "vi": float(r["vi"] + r["vi_comparator"]),
                    "exclusion_reason": None,
                    "responders": None,
                    "citation": r["citation"],
                    "source_url": r["source_url"],
                    "design": r["design"] or r["design_comparator"],
                    "risk_of_bias": r["risk_of_bias"],
                }
            )
    frame = pd.DataFrame(pairs)
    if frame.empty:
        pooled, studies = pd.DataFrame(), pd.DataFrame()
    else:
        pooled, studies = pool_arm_effects(frame, settings)
    pooled_rows = []
    for combo in COMBINATIONS:
        found = pooled[pooled["intervention"] == combo] if not pooled.empty else pd.DataFrame()
        if found.empty:
            for scale in sorted(
                set(overall["outcome_scale"]) & {"gb_qualitative", "gb_quantitative"}
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
